import type { Database, Statement } from 'better-sqlite3';
import { labelsKey, type Labels } from '@hallmonitor/shared';
import { CHUNK_WINDOW_MS } from './chunk-table.js';
import { grownCapacity, grownColumn } from './columns.js';
import { intern, internLabels } from './intern.js';
import { seriesKey } from './sample-store.js';

/** One series as non-hot callers see it: a snapshot made on demand (`SeriesIndex.byId`). */
export interface SeriesInfo {
  readonly id: number;
  readonly targetId: string;
  readonly metric: string;
  readonly labelsJson: string;
  readonly labels: Readonly<Labels>;
  /** Window of the newest sealed chunk (-1: none). */
  readonly lastSealedWindow: number;
}

/** A series key within its target (`seriesKey`): the same few thousand on every host, so kept once. */
interface KeyInfo {
  readonly metric: string;
  readonly labelsJson: string;
  readonly labels: Readonly<Labels>;
}

const MAX_LOAD = 0.7;

/**
 * Series identities (target, metric, labels) ↔ ids, all in memory. An object
 * and map entries per series cost ~115 bytes each at 300,000 series, all
 * traced by the GC. Instead a series is a row of three Int32Array columns
 * indexed by its id (target index, key index, last sealed hour), and
 * (target, key) → id is an open-addressing hash table in an Int32Array:
 * 19–25 bytes a series (columns grow by 1.25×), nothing for the GC to trace.
 * Targets and keys are small tables of their own, since a key such as
 * `disk_used_percent\0{"mount":"/"}` repeats across thousands of targets.
 */
export class SeriesIndex {
  readonly #db: Database;
  readonly #insert: Statement;
  #targetIndex = new Map<string, number>();
  #targets: string[] = [];
  #keyIndex = new Map<string, number>();
  #keys: KeyInfo[] = [];
  /** Key indexes per metric: forMetric probes these instead of scanning every series. */
  #keysByMetric = new Map<string, number[]>();
  // Columns by series id; target -1 marks an id that is not a series.
  #target = new Int32Array(0);
  #key = new Int32Array(0);
  /** Hours since the epoch (-1: none): an int32, not a double, per series. */
  #sealedHour = new Int32Array(0);
  /** Open addressing, linear probing: id + 1 per slot, 0 empty. Length a power of two. */
  #slots = new Int32Array(1024);
  #size = 0;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO series (target_id, metric, labels) VALUES (?, ?, ?)');
  }

  load(): void {
    const { maxId, n } = this.#db.prepare('SELECT coalesce(max(id), 0) AS maxId, count(*) AS n FROM series').get() as { maxId: number; n: number };
    this.#targetIndex = new Map();
    this.#targets = [];
    this.#keyIndex = new Map();
    this.#keys = [];
    this.#keysByMetric = new Map();
    this.#target = new Int32Array(0);
    this.#key = new Int32Array(0);
    this.#sealedHour = new Int32Array(0);
    this.#size = 0;
    this.#ensureId(maxId);
    this.#slots = new Int32Array(slotsFor(n));
    // Rows one at a time: 300,000 row objects at once would be a needless peak.
    const rows = this.#db.prepare('SELECT id, target_id, metric, labels FROM series').raw().iterate() as IterableIterator<[number, string, string, string]>;
    for (const [id, targetId, metric, labelsJson] of rows) this.#add(id, targetId, metric, labelsJson);
  }

  /** The id of the series for these names, created (inside the caller's transaction) if new. Allocates nothing when it exists. */
  resolve(targetId: string, metric: string, labels: Readonly<Labels>, key?: string): number {
    let k = key === undefined ? undefined : this.#keyIndex.get(key);
    let lj: string | undefined;
    if (k === undefined) {
      lj = labelsKey(labels);
      k = this.#keyIndex.get(seriesKey(metric, lj));
    }
    const t = this.#targetIndex.get(targetId);
    if (t !== undefined && k !== undefined) {
      const id = this.#find(t, k);
      if (id >= 0) return id;
    }
    lj ??= labelsKey(labels);
    const id = Number(this.#insert.run(targetId, metric, lj).lastInsertRowid);
    this.#add(id, targetId, metric, lj);
    return id;
  }

  has(id: number): boolean {
    return (this.#target[id] ?? -1) >= 0;
  }

  targetId(id: number): string | undefined {
    return this.#targets[this.#target[id] ?? -1];
  }

  metric(id: number): string | undefined {
    return this.#keyOf(id)?.metric;
  }

  labels(id: number): Readonly<Labels> | undefined {
    return this.#keyOf(id)?.labels;
  }

  labelsJson(id: number): string | undefined {
    return this.#keyOf(id)?.labelsJson;
  }

  /** Window of the newest sealed chunk (-1: none): older windows may need a merge when sealed again. */
  lastSealedWindow(id: number): number {
    const h = this.#sealedHour[id] ?? -1;
    return h < 0 ? -1 : h * CHUNK_WINDOW_MS;
  }

  setLastSealedWindow(id: number, windowStart: number): void {
    if (!this.has(id)) return;
    this.#sealedHour[id] = windowStart < 0 ? -1 : Math.floor(windowStart / CHUNK_WINDOW_MS);
  }

  /** A snapshot of one series, made per call: for naming, not for hot paths. */
  byId(id: number): SeriesInfo | undefined {
    const key = this.#keyOf(id);
    if (!key) return undefined;
    const { metric, labelsJson, labels } = key;
    return { id, targetId: this.#targets[this.#target[id] as number] as string, metric, labelsJson, labels, lastSealedWindow: this.lastSealedWindow(id) };
  }

  /** Ids of the series of one metric of one target, ordered by labels. */
  forMetric(targetId: string, metric: string): number[] {
    const t = this.#targetIndex.get(targetId);
    const keys = this.#keysByMetric.get(metric);
    if (t === undefined || !keys) return [];
    const found: number[] = [];
    for (const k of keys) {
      const id = this.#find(t, k);
      if (id >= 0) found.push(id);
    }
    const lj = (id: number): string => (this.#keys[this.#key[id] as number] as KeyInfo).labelsJson;
    return found.sort((a, b) => (lj(a) < lj(b) ? -1 : lj(a) > lj(b) ? 1 : 0));
  }

  /** Every series id, ascending. */
  *all(): IterableIterator<number> {
    const target = this.#target;
    for (let id = 0; id < target.length; id++) if ((target[id] as number) >= 0) yield id;
  }

  get size(): number {
    return this.#size;
  }

  #keyOf(id: number): KeyInfo | undefined {
    return this.has(id) ? this.#keys[this.#key[id] as number] : undefined;
  }

  #add(id: number, targetId: string, metric: string, labelsJson: string): void {
    let t = this.#targetIndex.get(targetId);
    if (t === undefined) {
      t = this.#targets.push(intern(targetId)) - 1;
      this.#targetIndex.set(this.#targets[t] as string, t);
    }
    const keyText = seriesKey(metric, labelsJson);
    let k = this.#keyIndex.get(keyText);
    if (k === undefined) {
      const lj = intern(labelsJson);
      const m = intern(metric);
      k = this.#keys.push({ metric: m, labelsJson: lj, labels: internLabels(lj) }) - 1;
      this.#keyIndex.set(intern(keyText), k);
      const list = this.#keysByMetric.get(m);
      if (list) list.push(k);
      else this.#keysByMetric.set(m, [k]);
    }
    if (this.#size + 1 > this.#slots.length * MAX_LOAD) this.#rehash(slotsFor(this.#size + 1));
    this.#ensureId(id);
    this.#target[id] = t;
    this.#key[id] = k;
    this.#sealedHour[id] = -1;
    this.#size++;
    this.#place(id);
  }

  /** The id stored for (target, key), or -1. */
  #find(t: number, k: number): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    for (let i = hash(t, k) & mask; ; i = (i + 1) & mask) {
      const v = slots[i] as number;
      if (v === 0) return -1;
      const id = v - 1;
      if (this.#target[id] === t && this.#key[id] === k) return id;
    }
  }

  #place(id: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let i = hash(this.#target[id] as number, this.#key[id] as number) & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = id + 1;
  }

  #rehash(length: number): void {
    this.#slots = new Int32Array(length);
    for (const id of this.all()) this.#place(id);
  }

  /** Grows the columns (by 1.25×, `grownCapacity`) so that `id` is a row. */
  #ensureId(id: number): void {
    const old = this.#target.length;
    if (id < old) return;
    const n = grownCapacity(old, id + 1);
    this.#target = grownColumn(this.#target, n, -1);
    this.#key = grownColumn(this.#key, n);
    this.#sealedHour = grownColumn(this.#sealedHour, n, -1);
  }
}

/** A power-of-two table length that holds `n` entries within the load factor. */
function slotsFor(n: number): number {
  let len = 1024;
  while (len * MAX_LOAD < n) len *= 2;
  return len;
}

/** Mixes the two indexes so that neighbouring targets and keys spread over the table. */
function hash(t: number, k: number): number {
  let h = Math.imul(t, 0x9e3779b1) ^ Math.imul(k + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}
