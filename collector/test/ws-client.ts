import WebSocket from 'ws';

export interface WsProbe {
  readonly ws: WebSocket;
  readonly messages: Array<Record<string, unknown>>;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  next(type: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** A raw WebSocket client for protocol tests: sends whatever the test wants, records what comes back. */
export function openProbe(url: string, bearer?: string, opts: WebSocket.ClientOptions = {}): Promise<WsProbe> {
  const wsUrl = `${url.replace(/^http/, 'ws')}/api/v1/agent/ws`;
  const ws = new WebSocket(wsUrl, { ...(bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}), perMessageDeflate: false, ...opts });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const probe: WsProbe = {
    ws,
    messages,
    closed,
    async next(type, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = messages.findIndex((m) => m.type === type);
        if (i >= 0) return messages.splice(i, 1)[0] as Record<string, unknown>;
        if (Date.now() > deadline) throw new Error(`no ${type} message within ${timeoutMs} ms (got ${JSON.stringify(messages)})`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(probe));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

export function hello(agentId: string, epoch = 'test-epoch-1'): string {
  return JSON.stringify({ v: 1, type: 'hello', agentId, agentVersion: 'test', protocolVersion: 1, epoch, facts: { hostname: 'h', os: 'Debian', kernel: '6.1', arch: 'x64' } });
}

export function metrics(seq: number, samples: Array<{ name: string; labels?: Record<string, string>; value: number; timestamp?: number }>, epoch = 'test-epoch-1'): string {
  return JSON.stringify({ v: 1, type: 'metrics', epoch, seq, samples: samples.map((s) => ({ labels: {}, timestamp: Date.now(), ...s })) });
}
