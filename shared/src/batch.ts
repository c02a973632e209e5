import { labelsKey } from './labels.js';
import { WIRE_LIMITS } from './limits.js';
import type { BatchMessage, SeriesDef, WireSample } from './protocol.js';
import { PROTOCOL_VERSION } from './version.js';

const MAX_TIMESTAMP = 8_640_000_000_000_000;

/**
 * What the schema cannot say about a `batch`: the columns have one length,
 * a message defines an id once, and every timestamp is in range. Returns why
 * the message is invalid, or undefined.
 */
export function batchShapeError(m: BatchMessage): string | undefined {
  const n = m.ids.length;
  if (m.values.length !== n) return `values has ${m.values.length} entries, ids ${n}`;
  if (m.dt !== undefined) {
    if (m.dt.length !== n) return `dt has ${m.dt.length} entries, ids ${n}`;
    for (let i = 0; i < n; i++) {
      const ts = m.t + (m.dt[i] as number);
      if (ts < 0 || ts > MAX_TIMESTAMP) return `dt/${i}: timestamp ${ts} out of range`;
    }
  }
  const defs = m.defs;
  if (defs !== undefined && defs.length > 1) {
    const seen = new Set<number>();
    for (let i = 0; i < defs.length; i++) {
      const id = (defs[i] as SeriesDef).id;
      if (seen.has(id)) return `defs/${i}: series ${id} defined twice`;
      seen.add(id);
    }
  }
  return undefined;
}

/** Sample i's timestamp (ms). */
export function batchTimestamp(m: BatchMessage, i: number): number {
  return m.dt === undefined ? m.t : m.t + (m.dt[i] as number);
}

/**
 * The sender's side of `batch`: numbers the series of one connection and
 * turns a round's samples into columns, defining each series the first time
 * it is sent. One instance per connection; a new connection starts over.
 */
export class SeriesDictionary {
  readonly #ids = new Map<string, number>();

  get size(): number {
    return this.#ids.size;
  }

  /** Forgets the series a message defined (it was never sent): the next message defines them again. */
  forget(m: BatchMessage): void {
    if (!m.defs || m.defs.length === 0) return;
    // Ids are handed out in order, so a message's definitions are the newest ones.
    const first = (m.defs[0] as SeriesDef).id;
    for (const [key, id] of this.#ids) if (id >= first) this.#ids.delete(key);
  }

  encode(epoch: string, seq: number, samples: readonly WireSample[]): BatchMessage {
    const n = samples.length;
    const ids = new Array<number>(n);
    const values = new Array<BatchMessage['values'][number]>(n);
    const t = n > 0 ? (samples[0] as WireSample).timestamp : 0;
    let dt: number[] | undefined;
    const defs: SeriesDef[] = [];
    for (let i = 0; i < n; i++) {
      const s = samples[i] as WireSample;
      const key = `${s.target ?? ''}\u0000${s.name}\u0000${labelsKey(s.labels)}`;
      let id = this.#ids.get(key);
      if (id === undefined) {
        id = this.#ids.size;
        if (id >= WIRE_LIMITS.maxSeriesPerConnection) throw new Error(`HM_SERIES_CAP: more than ${WIRE_LIMITS.maxSeriesPerConnection} series on one connection`);
        this.#ids.set(key, id);
        defs.push(s.target === undefined ? { id, name: s.name, labels: s.labels } : { id, name: s.name, labels: s.labels, target: s.target });
      }
      ids[i] = id;
      values[i] = s.value;
      if (s.timestamp !== t) dt ??= new Array<number>(n).fill(0);
      if (dt) dt[i] = s.timestamp - t;
    }
    return { v: PROTOCOL_VERSION, type: 'batch', epoch, seq, ...(defs.length > 0 ? { defs } : {}), t, ids, values, ...(dt ? { dt } : {}) };
  }
}
