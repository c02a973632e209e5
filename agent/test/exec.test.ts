import { describe, expect, it } from 'vitest';
import { CommandNotFoundError, CommandTimeoutError, realExec } from '../src/exec.js';

describe('realExec', () => {
  it('returns exit code and output without a shell', async () => {
    const r = await realExec('sh', ['-c', 'echo out; echo err >&2; exit 3', 'ignored $(touch /tmp/x)'], { timeoutMs: 5000 });
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('a missing program is CommandNotFoundError (not applicable), not a crash', async () => {
    await expect(realExec('hallmonitor-no-such-tool', [], { timeoutMs: 5000 })).rejects.toBeInstanceOf(CommandNotFoundError);
  });

  it('kills a program past its timeout', async () => {
    const started = Date.now();
    await expect(realExec('sleep', ['30'], { timeoutMs: 200 })).rejects.toBeInstanceOf(CommandTimeoutError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('kills a program when its signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('agent stopping')), 100);
    await expect(realExec('sleep', ['30'], { timeoutMs: 60_000, signal: ac.signal })).rejects.toThrow('agent stopping');
  });
});
