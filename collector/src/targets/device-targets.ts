import type { Database, Statement } from 'better-sqlite3';
import type { TargetsMessage } from '@hallmonitor/shared';
import type { Target, Targets } from './targets.js';

/** Metric the poller sends for each controller: 1 while it answers SNMP. */
export const SNMP_DEVICE_UP_METRIC = 'snmp_device_up';

/** Device targets one poller agent may create: a big controller has a few hundred APs. */
export const MAX_DEVICE_TARGETS_PER_POLLER = 2000;

/**
 * Maps what a poller agent calls a device target (`device` or `device/mac`)
 * to a collector target of its own (kind `ap` or `controller`). Keys are scoped
 * to the poller, so one agent can never write into another's targets. Parents
 * model dependencies: an AP behind a controller depends on it, and a controller
 * or standalone AP on its poller — when those are down, it is unknown, not down.
 */
export class DeviceTargets {
  readonly #targets: Targets;
  readonly #find: Statement;
  readonly #insert: Statement;
  readonly #count: Statement;
  readonly #cache = new Map<string, string>();

  constructor(db: Database, targets: Targets) {
    this.#targets = targets;
    this.#find = db.prepare('SELECT target_id FROM device_targets WHERE poller_target_id = ? AND key = ?');
    this.#insert = db.prepare('INSERT INTO device_targets (poller_target_id, key, target_id) VALUES (?, ?, ?)');
    this.#count = db.prepare('SELECT count(*) AS n FROM device_targets WHERE poller_target_id = ?');
  }

  /**
   * The target id for a key, created on first sight (samples may arrive before
   * the report that describes them, e.g. from the spool after an outage).
   * Undefined when the poller is over its cap.
   */
  resolve(poller: Target, key: string, now: number): string | undefined {
    const ck = `${poller.id}\u0000${key}`;
    const cached = this.#cache.get(ck);
    if (cached && this.#targets.get(cached)) return cached;
    const row = this.#find.get(poller.id, key) as { target_id: string } | undefined;
    if (row && this.#targets.get(row.target_id)) {
      this.#cache.set(ck, row.target_id);
      return row.target_id;
    }
    if ((this.#count.get(poller.id) as { n: number }).n >= MAX_DEVICE_TARGETS_PER_POLLER) return undefined;
    // Until the report says otherwise, an unknown key is an AP of this poller.
    const t = this.#targets.create({ name: key, kind: 'ap', site: poller.site, agentId: null, parentId: poller.id, now });
    this.#insert.run(poller.id, key, t.id);
    this.#cache.set(ck, t.id);
    return t.id;
  }

  /** Applies a poller's report: names, kinds, places, parents and facts of its targets. */
  applyReport(poller: Target, msg: TargetsMessage, now: number): number {
    let applied = 0;
    // Controllers first, so their APs can point at them.
    const ordered = [...msg.targets].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'controller' ? -1 : 1));
    for (const d of ordered) {
      const id = this.resolve(poller, d.key, now);
      if (!id) break;
      const slash = d.key.indexOf('/');
      const parentId = slash > 0 ? (this.resolve(poller, d.key.slice(0, slash), now) ?? poller.id) : poller.id;
      this.#targets.describe(id, {
        name: d.name,
        kind: d.kind,
        site: d.site ?? poller.site,
        building: d.building ?? null,
        room: d.room ?? null,
        parentId,
        facts: { ...d.facts, device: d.device, up: d.up, ...(d.reason ? { reason: d.reason } : {}) },
      });
      applied++;
    }
    return applied;
  }
}
