// Referenced, not just included, so programs that compile this file without src/ (the test typecheck) see the
// declarations; an import cannot name a declaration-only file.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./ping-module.d.ts" />
import { isIP } from 'node:net';
import ping from 'ping';

export interface PingResult {
  readonly alive: boolean;
  /** Average round trip in seconds; only when at least one reply came back. */
  readonly rttSeconds?: number;
  /** 0..1 */
  readonly lossRatio: number;
}

/** The I/O seam for ICMP echo: tests may feed captured results, the default runs the system `ping`. */
export interface PingSeam {
  probe(host: string): Promise<PingResult>;
}

/** The subset of a `ping.promise.probe` result we read; its numbers arrive as strings or 'unknown'. */
export interface RawPingReply {
  readonly alive: boolean;
  readonly avg?: string | number;
  readonly min?: string | number;
  readonly packetLoss?: string | number;
}

function num(v: string | number | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || !/^\s*\d+(\.\d+)?\s*$/.test(v)) return undefined;
  return Number(v);
}

/** Pure: a `ping` package reply → our result. Unparseable numbers are dropped, never guessed. */
export function parsePingReply(reply: RawPingReply): PingResult {
  const lossPercent = num(reply.packetLoss);
  const avgMs = num(reply.avg) ?? num(reply.min);
  const lossRatio = lossPercent === undefined ? (reply.alive ? 0 : 1) : Math.min(1, Math.max(0, lossPercent / 100));
  if (!reply.alive) return { alive: false, lossRatio: lossPercent === undefined ? 1 : lossRatio };
  return avgMs === undefined ? { alive: true, lossRatio } : { alive: true, rttSeconds: avgMs / 1000, lossRatio };
}

export interface SystemPingOptions {
  /** Echo requests per probe (default 3). */
  readonly count?: number;
  /** Whole-probe deadline in seconds (default 2): a dead host costs at most this. */
  readonly deadlineSeconds?: number;
}

/**
 * Runs the system `ping` through the `ping` package, one child process per probe
 * (the caller bounds concurrency). Only literal IPs and plain host names are
 * passed: anything else could be read by `ping` as an option.
 */
export function createSystemPing(opts: SystemPingOptions = {}): PingSeam {
  const count = opts.count ?? 3;
  const deadline = opts.deadlineSeconds ?? 2;
  const unixLike = process.platform !== 'win32';
  return {
    async probe(host: string): Promise<PingResult> {
      if (!isIP(host) && !/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(host)) throw new Error('refusing to ping a malformed host');
      const reply = await ping.promise.probe(host, {
        numeric: true,
        timeout: 1,
        min_reply: count,
        // Windows' ping has neither -w deadline semantics nor -i.
        ...(unixLike ? { deadline, extra: ['-i', '0.2'] } : {}),
        ...(isIP(host) === 6 ? { v6: true } : {}),
      });
      return parsePingReply(reply);
    },
  };
}
