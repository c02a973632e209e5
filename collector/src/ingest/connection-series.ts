import type { Labels } from '@hallmonitor/shared';

/** Not defined on this connection / defined, storage id not known yet. */
const UNDEFINED = -2;
const PENDING = -1;

/** A series a `batch` defined, for the committer to resolve into a storage id inside its transaction. */
export interface SeriesToResolve {
  /** The connection's id for it. */
  readonly wireId: number;
  readonly targetId: string;
  readonly metric: string;
  readonly labels: Readonly<Labels>;
  /** `seriesKey(metric, labelsKey(labels))`, computed once. */
  readonly key: string;
}

/**
 * Protocol 3: the series one agent connection defined, by the small ids its
 * `batch` messages use. Each resolves to a storage series id once (in the
 * commit that first carries it), so later batches reach storage, latest
 * values and rules without building a key or probing a hash table per
 * sample. 4 bytes a series; the target column exists only for pollers
 * (series of device targets).
 *
 * Storage ids stay valid while the store's generation is unchanged: a rolled
 * back transaction makes the store rebuild its memory (and its generation
 * changes), and then this connection's batches are refused so the agent
 * reconnects and defines its series again.
 */
export class ConnectionSeries {
  readonly #ownTarget: string;
  #sids = new Int32Array(64).fill(UNDEFINED);
  #targets: string[] | undefined;
  #count = 0;
  /** Store generation the resolved ids belong to (-1: none resolved yet). */
  #generation = -1;

  constructor(ownTarget: string) {
    this.#ownTarget = ownTarget;
  }

  /** Series defined so far; ids are numbered from 0 in definition order. */
  get count(): number {
    return this.#count;
  }

  isDefined(wireId: number): boolean {
    return wireId < this.#count;
  }

  /** Defines the next id (`wireId` must equal `count`). */
  define(wireId: number, targetId: string): void {
    if (wireId !== this.#count) throw new Error(`series ${wireId} defined out of order (next is ${this.#count})`);
    if (wireId >= this.#sids.length) {
      const grown = new Int32Array(this.#sids.length * 2).fill(UNDEFINED);
      grown.set(this.#sids);
      this.#sids = grown;
    }
    this.#sids[wireId] = PENDING;
    if (targetId !== this.#ownTarget) {
      this.#targets ??= [];
      this.#targets[wireId] = targetId;
    }
    this.#count++;
  }

  /** The target a series belongs to. */
  targetOf(wireId: number): string {
    return this.#targets?.[wireId] ?? this.#ownTarget;
  }

  /** Whether any series belongs to another target than the connection's own (a poller's devices). */
  get hasDeviceTargets(): boolean {
    return this.#targets !== undefined;
  }

  /** Storage id of a defined series, or -1 while it is not resolved. */
  storageId(wireId: number): number {
    return this.#sids[wireId] as number;
  }

  /** Records the storage id the committer resolved, in store generation `generation`. */
  resolved(wireId: number, storageId: number, generation: number): void {
    this.#sids[wireId] = storageId;
    this.#generation = generation;
  }

  /** False when ids were resolved in an earlier store generation (they may name other series now). */
  validIn(generation: number): boolean {
    return this.#generation === -1 || this.#generation === generation;
  }
}
