import type { WireSample } from '@hallmonitor/shared';

export interface Batch {
  readonly seq: number;
  readonly samples: readonly WireSample[];
}

/**
 * Batches waiting for the collector's ack, in sequence order. In memory and
 * bounded: when full, the oldest batch is dropped and counted. (The disk spool
 * of the reliability work replaces this behind the same methods.)
 */
export class Outbox {
  readonly #batches: Batch[] = [];
  readonly #maxBatches: number;
  #nextSeq = 1;
  #dropped = 0;

  constructor(maxBatches = 5760 /* a day at 15 s */) {
    this.#maxBatches = maxBatches;
  }

  push(samples: readonly WireSample[]): Batch {
    const batch = { seq: this.#nextSeq++, samples };
    this.#batches.push(batch);
    while (this.#batches.length > this.#maxBatches) {
      this.#batches.shift();
      this.#dropped++;
    }
    return batch;
  }

  /** Forgets everything up to and including `seq` (stored by the collector). */
  ackThrough(seq: number): void {
    let n = 0;
    while (n < this.#batches.length && (this.#batches[n] as Batch).seq <= seq) n++;
    if (n > 0) this.#batches.splice(0, n);
  }

  /** Batches after `seq`, oldest first. */
  after(seq: number): readonly Batch[] {
    return this.#batches.filter((b) => b.seq > seq);
  }

  /** Keeps sequences above the collector's high-water mark when it has seen more than we remember. */
  advancePast(seq: number): void {
    if (this.#nextSeq <= seq) this.#nextSeq = seq + 1;
  }

  get size(): number {
    return this.#batches.length;
  }

  get dropped(): number {
    return this.#dropped;
  }
}
