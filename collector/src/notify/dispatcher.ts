import type { Database } from 'better-sqlite3';
import type { AlertRow, AlertStore } from '../rules/alert-store.js';
import { alertView } from '../rules/alert-store.js';
import type { Targets } from '../targets/targets.js';
import type { Notification } from './notification.js';
import type { Outbox } from './outbox.js';

export interface GroupTiming {
  /** Wait before the first notification of a new group, to batch a burst (a switch reboot). */
  readonly groupWaitMs: number;
  /** Minimum gap between notifications of one group. */
  readonly groupIntervalMs: number;
}

/**
 * Turns alert changes into outbox rows. With no grouping wait the notification
 * is queued in the same transaction as the alert change (lowest latency);
 * otherwise alerts join a durable group row (also in that transaction) that a
 * timer flushes as one notification, so 500 APs behind a rebooting switch make
 * one message per rule and site, not 500.
 */
export class Dispatcher {
  readonly #db: Database;
  readonly #outbox: Outbox;
  readonly #alerts: AlertStore;
  readonly #targets: Targets;
  readonly #baseUrl: () => string;
  readonly #timing: () => GroupTiming;

  constructor(opts: { db: Database; outbox: Outbox; alerts: AlertStore; targets: Targets; baseUrl: () => string; timing: () => GroupTiming }) {
    this.#db = opts.db;
    this.#outbox = opts.outbox;
    this.#alerts = opts.alerts;
    this.#targets = opts.targets;
    this.#baseUrl = opts.baseUrl;
    this.#timing = opts.timing;
  }

  groupKey(notifier: string, row: AlertRow): string {
    const site = this.#targets.get(row.target_id)?.site ?? '-';
    return `${notifier}/${row.rule}/${site}`;
  }

  /** Must run inside the transaction that changed the alert. Returns true when an outbox row was queued now. */
  dispatch(notifier: string, row: AlertRow, now: number): boolean {
    const { groupWaitMs, groupIntervalMs } = this.#timing();
    const key = this.groupKey(notifier, row);
    if (groupWaitMs === 0 && groupIntervalMs === 0) {
      this.#outbox.enqueue(notifier, this.#notification(key, [row]), now);
      return true;
    }
    const g = this.#db.prepare('SELECT alert_ids, last_sent_at FROM notify_groups WHERE key = ?').get(key) as { alert_ids: string; last_sent_at: number | null } | undefined;
    if (!g) {
      this.#db.prepare('INSERT INTO notify_groups (key, notifier, alert_ids, first_at, flush_at) VALUES (?, ?, ?, ?, ?)').run(key, notifier, JSON.stringify([row.id]), now, now + groupWaitMs);
      return false;
    }
    const ids = new Set(JSON.parse(g.alert_ids) as string[]);
    ids.add(row.id);
    const flushAt = g.last_sent_at === null ? undefined : Math.max(now, g.last_sent_at + groupIntervalMs);
    this.#db.prepare('UPDATE notify_groups SET alert_ids = ?, flush_at = coalesce(?, flush_at) WHERE key = ?').run(JSON.stringify([...ids]), flushAt ?? null, key);
    return false;
  }

  /** Flushes groups whose time has come; returns how many notifications were queued. */
  flushDue(now: number): number {
    const due = this.#db.prepare("SELECT key, notifier, alert_ids FROM notify_groups WHERE flush_at <= ? AND alert_ids != '[]'").all(now) as Array<{ key: string; notifier: string; alert_ids: string }>;
    if (due.length === 0) return 0;
    const { groupIntervalMs } = this.#timing();
    return this.#db.transaction(() => {
      let n = 0;
      for (const g of due) {
        const rows = (JSON.parse(g.alert_ids) as string[]).map((id) => this.#alerts.get(id)).filter((r): r is AlertRow => r !== undefined);
        if (rows.length > 0) {
          this.#outbox.enqueue(g.notifier, this.#notification(g.key, rows), now);
          n++;
        }
        this.#db.prepare("UPDATE notify_groups SET alert_ids = '[]', last_sent_at = ?, flush_at = ? WHERE key = ?").run(now, now + groupIntervalMs, g.key);
      }
      // Groups quiet for a whole interval start over with a fresh group wait.
      this.#db.prepare("DELETE FROM notify_groups WHERE alert_ids = '[]' AND last_sent_at IS NOT NULL AND last_sent_at + ? <= ?").run(groupIntervalMs, now);
      return n;
    })();
  }

  nextFlushAt(): number | undefined {
    const r = this.#db.prepare("SELECT min(flush_at) AS t FROM notify_groups WHERE alert_ids != '[]'").get() as { t: number | null };
    return r.t ?? undefined;
  }

  #notification(key: string, rows: readonly AlertRow[]): Notification {
    const base = this.#baseUrl();
    return {
      version: 1,
      status: rows.some((r) => r.status === 'firing') ? 'firing' : 'resolved',
      groupKey: key,
      alerts: rows.map((r) => alertView(r, this.#targets.get(r.target_id), base)),
    };
  }
}
