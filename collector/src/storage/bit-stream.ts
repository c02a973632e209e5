/**
 * MSB-first bit writer/reader for the chunk codecs. Works on 32-bit pieces
 * because JS bit operators are 32-bit: a 64-bit float is written as two
 * halves, and wide integers are split, so no BigInt is needed on the hot path.
 */
export class BitWriter {
  #buf: Uint8Array;
  #byte = 0;
  /** Bits already used in the current byte (0..7). */
  #bit = 0;

  constructor(initialBytes = 256) {
    this.#buf = new Uint8Array(Math.max(16, initialBytes));
  }

  #ensure(extraBytes: number): void {
    if (this.#byte + extraBytes < this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#byte + extraBytes + 16));
    next.set(this.#buf);
    this.#buf = next;
  }

  /** Writes the low `n` bits of `value` (0 ≤ n ≤ 32), most significant first. */
  write(value: number, n: number): void {
    if (n === 0) return;
    this.#ensure(5);
    let left = n;
    const v = n === 32 ? value >>> 0 : (value & ((1 << n) - 1)) >>> 0;
    while (left > 0) {
      const free = 8 - this.#bit;
      const take = left < free ? left : free;
      // Bits [left-take, left) of v go into the current byte's free space.
      const piece = (v >>> (left - take)) & ((1 << take) - 1);
      this.#buf[this.#byte] = (this.#buf[this.#byte] as number) | (piece << (free - take));
      left -= take;
      this.#bit += take;
      if (this.#bit === 8) {
        this.#bit = 0;
        this.#byte++;
      }
    }
  }

  writeBit(bit: number): void {
    this.write(bit, 1);
  }

  /** Writes a non-negative integer below 2^53 in `n` bits (n ≤ 53). */
  writeWide(value: number, n: number): void {
    if (n <= 32) {
      this.write(value, n);
      return;
    }
    const hi = Math.floor(value / 0x1_0000_0000);
    this.write(hi, n - 32);
    this.write(value >>> 0, 32);
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.#byte * 8 + this.#bit;
  }

  /** The written bytes (the last byte zero-padded). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#byte + (this.#bit > 0 ? 1 : 0));
  }
}

export class BitReader {
  readonly #buf: Uint8Array;
  #pos = 0;
  readonly #end: number;

  constructor(buf: Uint8Array, startByte = 0, endByte = buf.length) {
    this.#buf = buf;
    this.#pos = startByte * 8;
    this.#end = endByte * 8;
  }

  /** Reads `n` bits (0 ≤ n ≤ 32) as an unsigned number; throws past the end so corrupt data never loops. */
  read(n: number): number {
    if (n === 0) return 0;
    if (this.#pos + n > this.#end) throw new RangeError('bit stream exhausted');
    let out = 0;
    let left = n;
    while (left > 0) {
      const byte = this.#buf[this.#pos >>> 3] as number;
      const used = this.#pos & 7;
      const avail = 8 - used;
      const take = left < avail ? left : avail;
      const piece = (byte >>> (avail - take)) & ((1 << take) - 1);
      // Multiplication instead of << keeps 32-bit results unsigned.
      out = out * (1 << take) + piece;
      left -= take;
      this.#pos += take;
    }
    return out;
  }

  readBit(): number {
    return this.read(1);
  }

  readWide(n: number): number {
    if (n <= 32) return this.read(n);
    const hi = this.read(n - 32);
    return hi * 0x1_0000_0000 + this.read(32);
  }

  get bitPosition(): number {
    return this.#pos;
  }
}
