import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, ftruncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { WireSample } from '@hallmonitor/shared';
import { AgentError } from '../errors.js';
import { fdSource, fsyncDir, writeFileAtomic } from './files.js';
import { MAX_RECORD_PAYLOAD, RECORD_HEADER_BYTES, encodeRecord, readRecord, type SpoolBatch } from './record.js';
import { SEGMENT_RE, copyRanges, recordInfo, scanSegment, segmentName, withSegment, type RecordInfo, type Segment } from './segment.js';
import { addGap, readSpoolState, type SpoolGap } from './state.js';

export interface SpoolOptions {
  /** Directory of this spool (created if missing); nothing else may live in it. */
  readonly dir: string;
  /** Byte cap over all segments; at the cap the oldest segment is dropped and a gap recorded. */
  readonly maxBytes: number;
  /** Time cap: segments last written longer ago than this are dropped (and a gap recorded). */
  readonly maxAgeMs: number;
  /** Segment size to roll at; default maxBytes/16 within [16 KiB, 8 MiB] (the cap drops whole segments). */
  readonly segmentBytes?: number;
  /** `always` (default): every append is fdatasync'ed before it is sent. `never`: tests and benchmarks only. */
  readonly fsync?: 'always' | 'never';
  readonly clock?: () => number;
  /** Told about every gap recorded (for logging; the spool itself never logs). */
  readonly onGap?: (gap: SpoolGap) => void;
}

/** What start-up found and set aside; bad bytes are kept under quarantine/ for a post-mortem. */
export interface SpoolRepair {
  /** Damaged regions (one or more records each) moved to quarantine. */
  quarantinedRecords: number;
  quarantinedBytes: number;
  /** Interrupted final writes cut off (a crash mid-append; that batch was never sent). */
  tornTails: number;
  /** Whole files set aside: an unreadable state.json, a segment of a foreign epoch. */
  quarantinedFiles: number;
}

const STATE_FILE = 'state.json';
const QUARANTINE_DIR = 'quarantine';

/**
 * The agent's on-disk spool: every batch is appended (length + CRC-32 + JSON)
 * to a segment file before it is sent, read back lazily when it has to be
 * resent, and deleted once the collector acknowledged it. Memory holds a few
 * numbers per segment, never the batches, so a weekend offline costs disk, not
 * RAM. All I/O is synchronous: appends are one small write per collection
 * round, and a crash can only ever tear the record being written.
 */
export class Spool {
  readonly epoch: string;
  readonly repair: SpoolRepair = { quarantinedRecords: 0, quarantinedBytes: 0, tornTails: 0, quarantinedFiles: 0 };
  readonly #o: Required<Omit<SpoolOptions, 'onGap'>> & Pick<SpoolOptions, 'onGap'>;
  readonly #segments: Segment[] = [];
  #gaps: SpoolGap[] = [];
  #nextSeq = 1;
  #ackedThrough = 0;
  /** The highest ack any earlier run persisted: sequences up to it need no gap. */
  #ackedFloor = 0;
  #firstLoaded: RecordInfo | undefined;
  #writeFd: number | undefined;
  #writeFile: string | undefined;
  #read: { file: string; fd: number } | undefined;
  #cursor: { seg: Segment; pos: number; afterSeq: number } | undefined;
  #closed = false;

  private constructor(opts: SpoolOptions, epoch: string) {
    const segmentBytes = opts.segmentBytes ?? Math.min(8 * 1024 * 1024, Math.max(16 * 1024, Math.floor(opts.maxBytes / 16)));
    this.#o = { fsync: 'always', clock: Date.now, ...opts, segmentBytes };
    this.epoch = epoch;
  }

  /** Opens (or creates) the spool, repairing damage instead of failing: start-up never crash-loops on a bad spool. */
  static open(opts: SpoolOptions): Spool {
    try {
      mkdirSync(join(opts.dir, QUARANTINE_DIR), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new AgentError('HM_AGENT_SPOOL', `cannot create spool directory ${opts.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const names = readdirSync(opts.dir);
    for (const n of names) if (n.endsWith('.tmp')) rmSync(join(opts.dir, n), { force: true });
    const { state, damaged } = readSpoolState(join(opts.dir, STATE_FILE));
    const files = names
      .map((n) => ({ n, m: SEGMENT_RE.exec(n) }))
      .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
      .map(({ n, m }) => ({ file: n, epoch: m[1] as string, firstSeq: Number(m[2]) }))
      .sort((a, b) => a.firstSeq - b.firstSeq || a.file.localeCompare(b.file));
    const epoch = state?.epoch ?? files[files.length - 1]?.epoch ?? randomBytes(9).toString('base64url');
    const spool = new Spool(opts, epoch);
    if (damaged) spool.#quarantineFile(STATE_FILE);
    spool.#gaps = [...(state?.gaps ?? [])];
    let prev: RecordInfo | undefined;
    for (const f of files) {
      if (f.epoch !== epoch) {
        // Sequences only mean something within their epoch; we cannot send these under ours.
        spool.#quarantineFile(f.file);
        continue;
      }
      prev = spool.#loadSegment(f.file, epoch, prev);
    }
    const floor = state?.nextSeqFloor ?? 1;
    spool.#ackedFloor = state?.ackedFloor ?? 0;
    spool.#leadingHole(files.length > 0 || floor > 1 ? spool.#firstLoaded ?? { seq: floor, samples: 0, minTs: 0, maxTs: 0 } : undefined);
    // Sequences between the last record and the floor were handed out, and their records are gone:
    // never reuse them (one may have reached the collector), report them instead.
    if (prev && floor > prev.seq + 1) spool.#holeGap(prev, { seq: floor, samples: 0, minTs: 0, maxTs: 0 });
    spool.#nextSeq = Math.max(floor, (prev?.seq ?? 0) + 1);
    spool.#saveState();
    return spool;
  }

  /** Scans one segment, quarantines its damage, and records holes in the sequence as gaps. */
  #loadSegment(file: string, epoch: string, prev: RecordInfo | undefined): RecordInfo | undefined {
    const path = join(this.#o.dir, file);
    const seg: Segment = { file, epoch, firstSeq: 0, lastSeq: 0, batches: 0, samples: 0, bytes: 0, lastWriteMs: statSync(path).mtimeMs };
    let last = prev;
    const scan = withSegment(path, (src) => {
      const res = scanSegment(src, prev?.seq ?? 0, (info) => {
        this.#firstLoaded ??= info;
        if (last && info.seq > last.seq + 1) this.#holeGap(last, info);
        if (seg.firstSeq === 0) seg.firstSeq = info.seq;
        seg.lastSeq = info.seq;
        seg.batches++;
        seg.samples += info.samples;
        last = info;
      });
      const damage = [...res.bad, ...(res.tornAt === undefined ? [] : [{ from: res.tornAt, to: src.size, why: 'torn' }])];
      if (damage.length > 0) {
        for (const d of damage) {
          const n = copyRanges(src, [d], join(this.#o.dir, QUARANTINE_DIR, `${file}.${d.from}.${Date.now()}.bad`), () => {});
          this.repair.quarantinedBytes += n;
          if (d.why === 'torn') this.repair.tornTails++;
          else this.repair.quarantinedRecords++;
        }
        // Rewrite the segment with only its good records; the rename makes the repair atomic.
        seg.bytes = copyRanges(src, res.good, `${path}.tmp`, (fd) => fdatasyncSync(fd));
      } else {
        seg.bytes = src.size;
      }
      return damage.length;
    });
    if (scan > 0) {
      renameSync(`${path}.tmp`, path);
      fsyncDir(this.#o.dir);
    }
    if (seg.batches === 0) {
      unlinkSync(path);
      fsyncDir(this.#o.dir);
    } else {
      this.#segments.push(seg);
    }
    return last;
  }

  /**
   * Sequences between the last acknowledged one and the first record (or the
   * floor) that no gap covers were lost with their records (a quarantined
   * segment, say); without a gap the collector would wait for them forever.
   */
  #leadingHole(first: RecordInfo | undefined): void {
    if (!first) return;
    let start = this.#ackedFloor + 1;
    for (const g of this.#gaps) if (g.fromSeq <= start) start = Math.max(start, g.toSeq + 1);
    if (start < first.seq) this.#holeGap({ seq: start - 1, samples: 0, minTs: 0, maxTs: 0 }, first);
  }

  #holeGap(before: RecordInfo, after: RecordInfo): void {
    const fromSeq = before.seq + 1;
    const toSeq = after.seq - 1;
    if (this.#gaps.some((g) => g.fromSeq <= fromSeq && g.toSeq >= toSeq)) return;
    this.#recordGap({ fromSeq, toSeq, fromTs: before.maxTs, toTs: after.minTs, droppedSamples: 0, droppedBatches: toSeq - fromSeq + 1, reason: 'spool_corrupt' });
  }

  #recordGap(gap: SpoolGap): void {
    this.#gaps = addGap(this.#gaps, gap);
    this.#o.onGap?.(gap);
  }

  #quarantineFile(file: string): void {
    const from = join(this.#o.dir, file);
    try {
      this.repair.quarantinedBytes += statSync(from).size;
      renameSync(from, join(this.#o.dir, QUARANTINE_DIR, `${file}.${Date.now()}.bad`));
      this.repair.quarantinedFiles++;
    } catch {
      rmSync(from, { force: true });
    }
  }

  #saveState(): void {
    const state = { v: 1, epoch: this.epoch, nextSeqFloor: this.#nextSeq, ackedFloor: Math.max(this.#ackedFloor, this.#ackedThrough), gaps: this.#gaps };
    writeFileAtomic(this.#o.dir, join(this.#o.dir, STATE_FILE), `${JSON.stringify(state)}\n`);
  }

  /** The sequence the next pushed batch gets. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Highest sequence the collector confirmed as stored (this process's knowledge). */
  get ackedThrough(): number {
    return this.#ackedThrough;
  }

  /** Bytes of all segments on disk. */
  get bytes(): number {
    return this.#segments.reduce((n, s) => n + s.bytes, 0);
  }

  /** Batches on disk not yet acknowledged (holes make it an upper bound). */
  get size(): number {
    let n = 0;
    for (const s of this.#segments) {
      if (s.lastSeq <= this.#ackedThrough) continue;
      n += s.firstSeq > this.#ackedThrough ? s.batches : Math.min(s.batches, s.lastSeq - this.#ackedThrough);
    }
    return n;
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  /** Gaps not yet acknowledged by the collector, oldest first. */
  gaps(): readonly SpoolGap[] {
    return this.#gaps;
  }

  /** Appends a batch durably (per the fsync policy) and returns it with its sequence. */
  push(samples: readonly WireSample[]): SpoolBatch {
    if (this.#closed) throw new AgentError('HM_AGENT_SPOOL', 'spool is closed');
    const batch: SpoolBatch = { seq: this.#nextSeq, samples };
    const record = encodeRecord(batch);
    if (record.length - RECORD_HEADER_BYTES > MAX_RECORD_PAYLOAD) throw new AgentError('HM_AGENT_SPOOL', `batch of ${record.length} bytes exceeds the spool record limit`);
    const seg = this.#activeSegment(batch.seq);
    const fd = this.#writeFd as number;
    try {
      let off = 0;
      while (off < record.length) off += writeSync(fd, record, off, record.length - off);
      if (this.#o.fsync === 'always') fdatasyncSync(fd);
    } catch (err) {
      // Cut a half-written record so the next append does not land after garbage.
      try {
        ftruncateSync(fd, seg.bytes);
      } catch {
        // the repair at the next start handles it
      }
      if (seg.batches === 0) this.#removeEmptyActive();
      throw new AgentError('HM_AGENT_SPOOL', `cannot append to spool ${this.#o.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    if (seg.batches === 0) seg.firstSeq = batch.seq;
    seg.lastSeq = batch.seq;
    seg.batches++;
    seg.samples += samples.length;
    seg.bytes += record.length;
    seg.lastWriteMs = this.#o.clock();
    this.#nextSeq++;
    this.#enforceCaps();
    return batch;
  }

  #activeSegment(seq: number): Segment {
    let seg = this.#segments[this.#segments.length - 1];
    if (!seg || seg.bytes >= this.#o.segmentBytes) {
      seg = { file: segmentName(this.epoch, seq), epoch: this.epoch, firstSeq: seq, lastSeq: seq - 1, batches: 0, samples: 0, bytes: 0, lastWriteMs: this.#o.clock() };
      this.#segments.push(seg);
    }
    if (this.#writeFile !== seg.file) {
      this.#closeWriter();
      try {
        this.#writeFd = openSync(join(this.#o.dir, seg.file), 'a', 0o600);
      } catch (err) {
        if (seg.batches === 0) this.#segments.pop();
        throw new AgentError('HM_AGENT_SPOOL', `cannot open spool segment: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
      this.#writeFile = seg.file;
      // A new file's directory entry must be durable before its records count as spooled.
      if (seg.bytes === 0) fsyncDir(this.#o.dir);
    }
    return seg;
  }

  #removeEmptyActive(): void {
    const seg = this.#segments.pop() as Segment;
    this.#closeWriter();
    rmSync(join(this.#o.dir, seg.file), { force: true });
  }

  #closeWriter(): void {
    if (this.#writeFd !== undefined) closeSync(this.#writeFd);
    this.#writeFd = undefined;
    this.#writeFile = undefined;
  }

  #enforceCaps(): void {
    const now = this.#o.clock();
    let total = this.bytes;
    while (this.#segments.length > 1) {
      const oldest = this.#segments[0] as Segment;
      const reason = total > this.#o.maxBytes ? 'spool_cap' : oldest.lastWriteMs < now - this.#o.maxAgeMs ? 'spool_age' : undefined;
      if (!reason) break;
      this.#dropOldest(reason);
      total -= oldest.bytes;
    }
  }

  /** Drops the oldest segment, recording what of it was never acknowledged as a gap. */
  #dropOldest(reason: 'spool_cap' | 'spool_age'): void {
    const seg = this.#segments[0] as Segment;
    let gap: { fromSeq: number; toSeq: number; fromTs: number; toTs: number; droppedSamples: number; droppedBatches: number } | undefined;
    if (seg.lastSeq > this.#ackedThrough) {
      withSegment(join(this.#o.dir, seg.file), (src) =>
        scanSegment(src, this.#ackedThrough, (info) => {
          if (!gap) gap = { fromSeq: info.seq, toSeq: info.seq, fromTs: info.minTs, toTs: info.maxTs, droppedSamples: 0, droppedBatches: 0 };
          gap.toSeq = info.seq;
          gap.droppedBatches++;
          gap.droppedSamples += info.samples;
          if (info.minTs > 0 && (gap.fromTs === 0 || info.minTs < gap.fromTs)) gap.fromTs = info.minTs;
          gap.toTs = Math.max(gap.toTs, info.maxTs);
        }),
      );
    }
    if (gap) this.#recordGap({ ...gap, reason });
    this.#removeSegments(1);
  }

  /** Persists state first (gaps, sequence floor), then deletes the first `n` segments. */
  #removeSegments(n: number): void {
    this.#saveState();
    for (const seg of this.#segments.splice(0, n)) {
      if (this.#read?.file === seg.file) this.#closeReader();
      if (this.#writeFile === seg.file) this.#closeWriter();
      rmSync(join(this.#o.dir, seg.file), { force: true });
    }
    fsyncDir(this.#o.dir);
  }

  /** The collector stored everything up to and including `seq`: forget it. */
  ackThrough(seq: number): void {
    if (seq <= this.#ackedThrough) return;
    this.#ackedThrough = seq;
    const before = this.#gaps.length;
    this.#gaps = this.#gaps.filter((g) => g.toSeq > seq);
    let n = 0;
    while (n < this.#segments.length && (this.#segments[n] as Segment).lastSeq <= seq && (this.#segments[n] as Segment).batches > 0) n++;
    if (n > 0) this.#removeSegments(n);
    else if (this.#gaps.length !== before) this.#saveState();
  }

  /**
   * Gives up a batch the collector can never accept (it fails the wire schema
   * or size limit): resending it would only get the link closed again, for ever.
   * It becomes a gap so the collector's high-water mark can pass it.
   */
  reject(batch: SpoolBatch): SpoolGap {
    const existing = this.#gaps.find((g) => g.fromSeq <= batch.seq && g.toSeq >= batch.seq);
    if (existing) return existing;
    const info = recordInfo(batch);
    const gap: SpoolGap = { fromSeq: batch.seq, toSeq: batch.seq, fromTs: info.minTs, toTs: info.maxTs, droppedSamples: info.samples, droppedBatches: 1, reason: 'spool_corrupt' };
    this.#recordGap(gap);
    this.#saveState();
    return gap;
  }

  /** Keeps new sequences above the collector's high-water mark when it has seen more than we remember. */
  advancePast(seq: number): void {
    if (this.#nextSeq > seq) return;
    this.#nextSeq = seq + 1;
    this.#saveState();
  }

  /** The first batch with a sequence above `seq`, read from disk; undefined when there is none yet. */
  after(seq: number): SpoolBatch | undefined {
    let c = this.#cursor;
    if (!c || c.afterSeq !== seq || !this.#segments.includes(c.seg)) {
      const seg = this.#segments.find((s) => s.lastSeq > seq && s.batches > 0);
      if (!seg) return undefined;
      c = { seg, pos: 0, afterSeq: seq };
    }
    this.#cursor = c;
    for (;;) {
      const r = readRecord(fdSource(this.#readerFd(c.seg.file), c.seg.bytes), c.pos);
      if (r.kind === 'record') {
        c.pos = r.next;
        if (r.batch.seq > c.afterSeq) {
          c.afterSeq = r.batch.seq;
          return r.batch;
        }
        continue;
      }
      if (r.kind === 'bad') {
        // Damage after start-up (a failing disk): skip it; its sequences become a hole the next start reports.
        c.pos = r.resume;
        continue;
      }
      // End of this segment (or a tail torn after start-up): continue in the next one, if any yet.
      const next = this.#segments[this.#segments.indexOf(c.seg) + 1];
      if (!next) return undefined;
      c.seg = next;
      c.pos = 0;
    }
  }

  #readerFd(file: string): number {
    if (this.#read?.file !== file) {
      this.#closeReader();
      this.#read = { file, fd: openSync(join(this.#o.dir, file), 'r') };
    }
    return this.#read.fd;
  }

  #closeReader(): void {
    if (this.#read) closeSync(this.#read.fd);
    this.#read = undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReader();
    this.#closeWriter();
    this.#saveState();
  }
}

export type { SpoolBatch, SpoolGap };
