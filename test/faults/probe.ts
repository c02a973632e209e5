import WebSocket from 'ws';

/** A raw agent-side WebSocket: sends exactly what a test wants, records every answer. */
export interface Probe {
  readonly ws: WebSocket;
  readonly messages: Array<Record<string, unknown>>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The next message of `type` (removed from the queue). */
  next(type: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Waits until an ack naming at least `seq` arrived; returns the highest ack seen. */
  ackedThrough(seq: number, timeoutMs?: number): Promise<number>;
  send(msg: unknown): void;
}

export function openProbe(url: string, bearer: string): Promise<Probe> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/agent/ws`, { headers: { authorization: `Bearer ${bearer}` }, perMessageDeflate: false });
  const messages: Array<Record<string, unknown>> = [];
  let highestAck = -1;
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as Record<string, unknown>;
    if (m.type === 'ack') highestAck = Math.max(highestAck, m.seq as number);
    messages.push(m);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const poll = async <T>(fn: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms (got ${JSON.stringify(messages).slice(0, 500)})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const probe: Probe = {
    ws,
    messages,
    closed,
    next: (type, timeoutMs = 10_000) =>
      poll(() => {
        const i = messages.findIndex((m) => m.type === type);
        return i >= 0 ? (messages.splice(i, 1)[0] as Record<string, unknown>) : undefined;
      }, timeoutMs, `no ${type}`),
    ackedThrough: (seq, timeoutMs = 10_000) => poll(() => (highestAck >= seq ? highestAck : undefined), timeoutMs, `no ack ≥ ${seq}`),
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(probe));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export function helloMsg(agentId: string, epoch: string, protocolVersion = 2): Record<string, unknown> {
  return { v: protocolVersion, type: 'hello', agentId, agentVersion: 'probe', protocolVersion, epoch, facts: { hostname: 'probe', os: 'Probe', kernel: '0', arch: 'x64' } };
}

export function metricsMsg(epoch: string, seq: number, samples: Array<{ k: string; value: number; timestamp: number }>): Record<string, unknown> {
  return { v: 2, type: 'metrics', epoch, seq, samples: samples.map((s) => ({ name: 'fault_value', labels: { k: s.k }, value: s.value, timestamp: s.timestamp })) };
}
