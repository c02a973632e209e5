import { grownColumn, resizedColumn } from './columns.js';

/**
 * One bit per row of a table: whether the current generation marked it (the
 * open buffers' table: which buffers one append call touched, so each gets
 * its head_log id once). Only the current generation is remembered: a new one
 * clears the bits the last one set, from the list of rows it marked, rather
 * than a generation number per row.
 */
export class GenerationMarks {
  #bits = new Uint8Array(0);
  #gen = 0;
  #marked = new Int32Array(256);
  #markedCount = 0;

  /** Grows the bits to `rows` rows, or cuts them. */
  resize(rows: number): void {
    this.#bits = resizedColumn(this.#bits, Math.ceil(rows / 8));
  }

  /** Forgets every mark (the table's rows were renumbered between calls). */
  reset(): void {
    this.#bits.fill(0);
    this.#markedCount = 0;
  }

  /**
   * True the first time a row is marked with `gen`. A caller takes a new `gen`
   * per call: marks of every other generation are forgotten.
   */
  mark(row: number, gen: number): boolean {
    const bits = this.#bits;
    if (gen !== this.#gen) {
      for (let i = 0; i < this.#markedCount; i++) {
        const s = this.#marked[i] as number;
        bits[s >> 3] = (bits[s >> 3] as number) & ~(1 << (s & 7));
      }
      this.#markedCount = 0;
      this.#gen = gen;
    }
    const bit = 1 << (row & 7);
    if (((bits[row >> 3] as number) & bit) !== 0) return false;
    bits[row >> 3] = (bits[row >> 3] as number) | bit;
    if (this.#markedCount === this.#marked.length) this.#marked = grownColumn(this.#marked, this.#markedCount * 2);
    this.#marked[this.#markedCount++] = row;
    return true;
  }

  /** Clears a row's bit (a row reused for something new is unmarked). */
  unmark(row: number): void {
    this.#bits[row >> 3] = (this.#bits[row >> 3] as number) & ~(1 << (row & 7));
  }
}
