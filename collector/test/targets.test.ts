import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openDatabase } from '../src/db/open.js';
import { AlertStates } from '../src/rules/alert-states.js';
import { fingerprint, type AlertState } from '../src/rules/engine.js';
import { LAST_SEEN_PERSIST_MS, Targets } from '../src/targets/targets.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('contact times', () => {
  it('keeps the exact time in memory, writes it at most once a persist interval, and flushes the rest', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'hm-targets-'));
    dirs.push(dir);
    const db = openDatabase(dir);
    const targets = new Targets(db);
    const t = targets.create({ name: 'lab-pc-01', kind: 'host', now: 0 });
    const stored = (): number | null => (db.prepare('SELECT last_seen FROM targets WHERE id = ?').get(t.id) as { last_seen: number | null }).last_seen;
    const t0 = 1_800_000_000_000;
    targets.touch(t.id, t0);
    expect(stored()).toBe(t0);
    targets.touch(t.id, t0 + 15_000);
    targets.touch(t.id, t0 + 30_000);
    expect(targets.get(t.id)?.lastSeen).toBe(t0 + 30_000);
    expect(stored()).toBe(t0);
    targets.touch(t.id, t0 + LAST_SEEN_PERSIST_MS);
    expect(stored()).toBe(t0 + LAST_SEEN_PERSIST_MS);
    targets.touch(t.id, t0 + LAST_SEEN_PERSIST_MS + 15_000);
    targets.flushLastSeen();
    expect(stored()).toBe(t0 + LAST_SEEN_PERSIST_MS + 15_000);
    // A clock that went back is written at once (the database must not keep a time in the future).
    targets.touch(t.id, t0);
    expect(stored()).toBe(t0);
    db.close();
  });
});

describe('alert states indexed by identity', () => {
  it('finds the fingerprint of every state and of no other, through any sequence of sets and deletes', () => {
    const key = fc.record({ rule: fc.constantFrom('a', 'b'), targetId: fc.constantFrom('h1', 'h2'), metric: fc.constantFrom('disk_used_percent', 'load1'), mount: fc.constantFrom('/', '/home', '') });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), key), { maxLength: 60 }), (ops) => {
        const states = new AlertStates();
        const model = new Map<string, AlertState>();
        for (const [add, k] of ops) {
          const labels: Record<string, string> = k.mount ? { mount: k.mount } : {};
          const fp = fingerprint(k.rule, k.targetId, k.metric, labels);
          if (add) {
            const s: AlertState = { fingerprint: fp, rule: k.rule, targetId: k.targetId, metric: k.metric, labels, phase: 'pending', since: 0, value: 1 };
            states.set(fp, s);
            model.set(fp, s);
          } else {
            states.delete(fp);
            model.delete(fp);
          }
          expect(states.size).toBe(model.size);
          // Labels in another object (and order) name the same alert.
          expect(states.fingerprintOf(k.rule, k.targetId, k.metric, { ...labels })).toBe(model.has(fp) ? fp : undefined);
        }
        for (const s of model.values()) expect(states.fingerprintOf(s.rule, s.targetId, s.metric, s.labels)).toBe(s.fingerprint);
      }),
    );
  });
});
