import type { Database, Statement } from 'better-sqlite3';
import type { HostFacts } from '@hallmonitor/shared';
import { newId } from '../auth/secrets.js';

export type TargetKind = 'host' | 'ap' | 'controller';

export interface Target {
  readonly id: string;
  readonly name: string;
  readonly kind: TargetKind;
  readonly site: string | null;
  readonly building: string | null;
  readonly room: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly agentId: string | null;
  readonly createdAt: number;
  /** What this target depends on (an AP's poller agent or controller): when that is down, this is unknown, not down. */
  readonly parentId: string | null;
  lastSeen: number | null;
}

interface TargetRow {
  id: string;
  name: string;
  kind: TargetKind;
  site: string | null;
  building: string | null;
  room: string | null;
  labels: string;
  facts: string;
  agent_id: string | null;
  created_at: number;
  last_seen: number | null;
  parent_id: string | null;
}

function fromRow(r: TargetRow): Target {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    site: r.site,
    building: r.building,
    room: r.room,
    labels: JSON.parse(r.labels) as Record<string, string>,
    facts: JSON.parse(r.facts) as Record<string, unknown>,
    agentId: r.agent_id,
    createdAt: r.created_at,
    parentId: r.parent_id ?? null,
    lastSeen: r.last_seen,
  };
}

/**
 * Every monitored thing (agent hosts, polled APs). Kept in memory — a district
 * has thousands, not millions — and written through to SQLite.
 */
/**
 * Contact times are written to the database at most this often per target: a
 * batch arrives every interval from every agent, and writing each one cost a
 * row update per batch (1.7% of a core at 5,000 agents). Memory has the exact
 * time; after a crash the database's may be this much older, which the
 * start-up quiet period (one offline period) covers.
 */
export const LAST_SEEN_PERSIST_MS = 60_000;

export class Targets {
  readonly #db: Database;
  readonly #byId = new Map<string, Target>();
  /** When each target's last_seen was last written (see LAST_SEEN_PERSIST_MS). */
  readonly #persistedAt = new Map<string, number>();
  readonly #touchStmt: Statement;

  constructor(db: Database) {
    this.#db = db;
    this.#touchStmt = db.prepare('UPDATE targets SET last_seen = ? WHERE id = ?');
    for (const r of db.prepare('SELECT * FROM targets WHERE replaced_by IS NULL').all() as TargetRow[]) {
      this.#byId.set(r.id, fromRow(r));
    }
  }

  create(spec: { name: string; kind: TargetKind; site?: string | null; labels?: Record<string, string>; agentId?: string | null; parentId?: string | null; now: number }): Target {
    const t: Target = {
      id: newId(spec.kind === 'host' ? 'h' : spec.kind === 'ap' ? 'ap' : 'ctl'),
      name: spec.name,
      kind: spec.kind,
      site: spec.site ?? null,
      building: spec.labels?.building ?? null,
      room: spec.labels?.room ?? null,
      labels: spec.labels ?? {},
      facts: {},
      agentId: spec.agentId ?? null,
      createdAt: spec.now,
      parentId: spec.parentId ?? null,
      lastSeen: null,
    };
    this.#db
      .prepare('INSERT INTO targets (id, name, kind, site, building, room, labels, facts, agent_id, created_at, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.id, t.name, t.kind, t.site, t.building, t.room, JSON.stringify(t.labels), '{}', t.agentId, t.createdAt, t.parentId);
    this.#byId.set(t.id, t);
    return t;
  }

  get(id: string): Target | undefined {
    return this.#byId.get(id);
  }

  /**
   * Re-reads targets from the database after another process (the CLI's
   * `agent replace`) merged or retired some; contact times seen here win.
   */
  reload(): void {
    const seen = new Map([...this.#byId].map(([id, t]) => [id, t.lastSeen]));
    this.#byId.clear();
    for (const r of this.#db.prepare('SELECT * FROM targets WHERE replaced_by IS NULL').all() as TargetRow[]) {
      const t = fromRow(r);
      const last = seen.get(t.id);
      if (last !== undefined && last !== null && (t.lastSeen === null || last > t.lastSeen)) t.lastSeen = last;
      this.#byId.set(t.id, t);
    }
  }

  all(): Target[] {
    return [...this.#byId.values()];
  }

  setFacts(id: string, facts: Readonly<HostFacts>): void {
    const t = this.#byId.get(id);
    if (!t) return;
    this.#db.prepare('UPDATE targets SET facts = ? WHERE id = ?').run(JSON.stringify(facts), id);
    this.#byId.set(id, { ...t, facts: { ...facts } });
  }

  /**
   * Updates what describes a polled device target (name, place, parent, facts);
   * writes only when something changed, since reports repeat every poll.
   */
  describe(id: string, d: { name: string; kind: TargetKind; site: string | null; building: string | null; room: string | null; parentId: string | null; facts: Readonly<Record<string, unknown>> }): void {
    const t = this.#byId.get(id);
    if (!t) return;
    const same = t.name === d.name && t.kind === d.kind && t.site === d.site && t.building === d.building && t.room === d.room && t.parentId === d.parentId && JSON.stringify(t.facts) === JSON.stringify(d.facts);
    if (same) return;
    this.#db
      .prepare('UPDATE targets SET name = ?, kind = ?, site = ?, building = ?, room = ?, parent_id = ?, facts = ? WHERE id = ?')
      .run(d.name, d.kind, d.site, d.building, d.room, d.parentId, JSON.stringify(d.facts), id);
    this.#byId.set(id, { ...t, ...d, facts: { ...d.facts }, lastSeen: t.lastSeen });
  }

  /** Records contact; must be cheap, it runs on every batch (inside the ingest transaction). */
  touch(id: string, now: number): void {
    const t = this.#byId.get(id);
    if (!t) return;
    t.lastSeen = now;
    const at = this.#persistedAt.get(id);
    if (at !== undefined && now - at < LAST_SEEN_PERSIST_MS && now >= at) return;
    this.#touchStmt.run(now, id);
    this.#persistedAt.set(id, now);
  }

  /** Writes every contact time memory has and the database lacks (at shutdown). */
  flushLastSeen(): void {
    this.#db.transaction(() => {
      for (const t of this.#byId.values()) {
        const at = this.#persistedAt.get(t.id);
        if (t.lastSeen !== null && at !== undefined && at < t.lastSeen) {
          this.#touchStmt.run(t.lastSeen, t.id);
          this.#persistedAt.set(t.id, t.lastSeen);
        }
      }
    })();
  }
}
