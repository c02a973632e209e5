/* The slice of `ping` (0.4.x, untyped CommonJS) that ping.ts uses. */
declare module 'ping' {
  namespace Ping {
    interface ProbeConfig {
      numeric?: boolean;
      timeout?: number;
      deadline?: number;
      min_reply?: number;
      v6?: boolean;
      extra?: string[];
    }
    /** min/avg/max/packetLoss are strings such as "0.038" or 'unknown', never numbers. */
    interface ProbeResult {
      host: string;
      alive: boolean;
      min: string;
      max: string;
      avg: string;
      packetLoss: string;
      time?: number | string;
    }
    const promise: { probe(host: string, config?: ProbeConfig): Promise<ProbeResult> };
  }
  export = Ping;
}
