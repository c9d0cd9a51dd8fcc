// SPDX-License-Identifier: GPL-2.0-only
/*
 * The server's ground truth for one file: its size and its data fork
 * (file offset -> disk extent, written or unwritten; holes elsewhere), plus
 * a COW staging fork for out-of-place writes that are not yet remapped.
 * Byte units, block aligned. Neighbouring extents merge when they are
 * contiguous on disk, of the same type and together not over the extent
 * size limit, as ext4 and XFS merge them.
 */
import type { BlockAllocator, Piece } from './allocator.js';
import { type NumMap, numMap } from './btree.js';

export type TruthType = 'hole' | 'mapped' | 'unwritten';

export interface Ext {
  off: number;
  len: number;
  type: 'mapped' | 'unwritten';
  /** disk byte address */
  addr: number;
}

/** A maximal run of the truth around an offset (holes included). */
export interface Run {
  off: number;
  len: number;
  type: TruthType;
  /** disk byte address at off; -1 for holes */
  addr: number;
}

/** Where a hole runs to when nothing follows it. */
export const HOLE_TO_EOF = Number.MAX_SAFE_INTEGER;

export class Fork {
  readonly map: NumMap<Ext> = numMap<Ext>();

  constructor(readonly maxExtentBytes: number) {}

  /** The extent containing off, or undefined. */
  at(off: number): Ext | undefined {
    const p = this.map.getPairOrNextLower(off);
    return p && p[1].off + p[1].len > off ? p[1] : undefined;
  }

  /** The run containing off: an extent, or the hole up to the next extent. */
  run(off: number): Run {
    const e = this.at(off);
    if (e) return { off: e.off, len: e.len, type: e.type, addr: e.addr };
    const prev = this.map.getPairOrNextLower(off);
    const next = this.map.getPairOrNextHigher(off);
    const start = prev ? prev[1].off + prev[1].len : 0;
    return { off: start, len: (next ? next[0] : HOLE_TO_EOF) - start, type: 'hole', addr: -1 };
  }

  /** Make off an extent boundary. */
  split(off: number): void {
    const e = this.at(off);
    if (!e || e.off === off) return;
    const right: Ext = { off, len: e.off + e.len - off, type: e.type, addr: e.addr + (off - e.off) };
    e.len = off - e.off;
    this.map.set(off, right);
  }

  /** Extents overlapping [lo, hi), split at lo and hi, in order. */
  cut(lo: number, hi: number): Ext[] {
    this.split(lo);
    this.split(hi);
    return this.map.getRange(lo, hi, false).map(([, e]) => e);
  }

  insert(e: Ext): void {
    this.map.set(e.off, e);
  }

  remove(e: Ext): void {
    this.map.delete(e.off);
  }

  private mergeable(a: Ext, b: Ext): boolean {
    return a.off + a.len === b.off && a.type === b.type && a.addr + a.len === b.addr && a.len + b.len <= this.maxExtentBytes;
  }

  /** Merge every mergeable pair touching [lo, hi]. */
  mergeAround(lo: number, hi: number): void {
    const first = this.map.getPairOrNextLower(lo - 1)?.[1] ?? this.map.getPairOrNextHigher(lo)?.[1];
    if (!first) return;
    let cur: Ext = first;
    for (;;) {
      const nextPair = this.map.nextHigherPair(cur.off);
      if (!nextPair) return;
      const next = nextPair[1];
      if (this.mergeable(cur, next)) {
        cur.len += next.len;
        this.map.delete(next.off);
        continue;
      }
      if (next.off > hi) return;
      cur = next;
    }
  }

  extents(): Ext[] {
    return this.map.valuesArray().map((e) => ({ ...e }));
  }

  get count(): number {
    return this.map.size;
  }
}

export class FileTruth {
  size: number;
  readonly data: Fork;
  /** out-of-place writes staged until their ioend remaps them */
  readonly cow: Fork;

  constructor(
    readonly id: number,
    readonly blockSize: number,
    readonly alloc: BlockAllocator,
  ) {
    const maxBytes = alloc.maxExtentBlocks * blockSize;
    this.data = new Fork(maxBytes);
    this.cow = new Fork(maxBytes);
    this.size = 0;
  }

  private pieces(lo: number, hi: number, goalBlock: number): Piece[] {
    return this.alloc.alloc((hi - lo) / this.blockSize, goalBlock);
  }

  /** The disk block a new allocation at off should start from: right after the data before it. */
  private goal(off: number): number {
    const prev = this.data.map.getPairOrNextLower(off)?.[1];
    if (prev) return (prev.addr + (off - prev.off)) / this.blockSize;
    return 0;
  }

  private place(fork: Fork, lo: number, pieces: Piece[], type: Ext['type']): void {
    let at = lo;
    for (const p of pieces) {
      fork.insert({ off: at, len: p.len * this.blockSize, type, addr: p.start * this.blockSize });
      at += p.len * this.blockSize;
    }
  }

  /** Allocate every hole in [lo, hi) as type; returns the bytes allocated. */
  allocate(lo: number, hi: number, type: Ext['type']): number {
    this.checkRange(lo, hi);
    let done = 0;
    let at = lo;
    while (at < hi) {
      const r = this.data.run(at);
      const end = Math.min(hi, r.off + r.len);
      if (r.type === 'hole') {
        this.place(this.data, at, this.pieces(at, end, this.goal(at)), type);
        done += end - at;
      }
      at = end;
    }
    this.data.mergeAround(lo, hi);
    return done;
  }

  /** Unwritten -> written over [lo, hi) (ioend of a write into preallocated space). */
  convert(lo: number, hi: number): number {
    this.checkRange(lo, hi);
    let n = 0;
    for (const e of this.data.cut(lo, hi)) {
      if (e.type === 'unwritten') {
        e.type = 'mapped';
        n += e.len;
      }
    }
    this.data.mergeAround(lo, hi);
    return n;
  }

  /** Written -> unwritten over [lo, hi), allocating holes (FALLOC_FL_ZERO_RANGE). */
  zero(lo: number, hi: number): void {
    for (const e of this.data.cut(lo, hi)) e.type = 'unwritten';
    this.allocate(lo, hi, 'unwritten');
  }

  /** Free the blocks of [lo, hi) (punch, truncate). */
  punch(lo: number, hi: number): number {
    this.checkRange(lo, hi);
    let n = 0;
    for (const fork of [this.data, this.cow]) {
      for (const e of fork.cut(lo, hi)) {
        fork.remove(e);
        this.alloc.release(e.addr / this.blockSize, e.len / this.blockSize);
        if (fork === this.data) n += e.len;
      }
    }
    return n;
  }

  /** Shift every extent at or after from by delta bytes (collapse < 0, insert > 0). */
  private shift(from: number, delta: number): void {
    const moved = this.data.map.getRange(from, HOLE_TO_EOF, true).map(([, e]) => e);
    for (const e of moved) this.data.map.delete(e.off);
    for (const e of moved) {
      e.off += delta;
      this.data.insert(e);
    }
  }

  /** FALLOC_FL_COLLAPSE_RANGE: remove [lo, hi) and close the gap. */
  collapse(lo: number, hi: number): void {
    this.punch(lo, hi);
    this.data.split(hi);
    this.shift(hi, lo - hi);
    this.data.mergeAround(lo, lo);
    this.size = Math.max(lo, this.size - (hi - lo));
  }

  /** FALLOC_FL_INSERT_RANGE: open a hole of hi - lo bytes at lo. */
  insertRange(lo: number, hi: number): void {
    this.data.split(lo);
    this.shift(lo, hi - lo);
    this.size += hi - lo;
  }

  /** ftruncate / O_TRUNC: free everything past the block-rounded new size. */
  truncate(newSize: number): void {
    const keep = Math.ceil(newSize / this.blockSize) * this.blockSize;
    this.punch(keep, HOLE_TO_EOF);
    this.size = newSize;
  }

  /** Stage an out-of-place write of [lo, hi): new blocks in the COW fork. */
  stageCow(lo: number, hi: number): void {
    this.checkRange(lo, hi);
    let at = lo;
    while (at < hi) {
      const r = this.cow.run(at);
      const end = Math.min(hi, r.off + r.len);
      if (r.type === 'hole') this.place(this.cow, at, this.pieces(at, end, 0), 'mapped');
      at = end;
    }
  }

  /** ioend of an out-of-place write: staged blocks replace the old ones. */
  remapCow(lo: number, hi: number): number {
    let n = 0;
    for (const e of this.cow.cut(lo, hi)) {
      this.cow.remove(e);
      for (const old of this.data.cut(e.off, e.off + e.len)) {
        this.data.remove(old);
        this.alloc.release(old.addr / this.blockSize, old.len / this.blockSize);
      }
      this.data.insert({ ...e });
      n += e.len;
    }
    this.data.mergeAround(lo, hi);
    return n;
  }

  /**
   * Move the file's extents in [lo, hi) to freshly allocated blocks (what a
   * defragmenter does): same types, new addresses. Returns the bytes moved.
   */
  remap(lo: number, hi: number): number {
    const olds = this.data.cut(lo, hi);
    if (olds.length === 0) return 0;
    const total = olds.reduce((s, e) => s + e.len, 0);
    const pieces = this.alloc.alloc(total / this.blockSize, 0);
    // new blocks first, so the old ones are not handed out again
    let pi = 0;
    let pOff = 0;
    for (const old of olds) {
      this.data.remove(old);
      let at = old.off;
      while (at < old.off + old.len) {
        const p = pieces[pi];
        const n = Math.min(p.len - pOff, (old.off + old.len - at) / this.blockSize);
        this.data.insert({ off: at, len: n * this.blockSize, type: old.type, addr: (p.start + pOff) * this.blockSize });
        at += n * this.blockSize;
        pOff += n;
        if (pOff === p.len) {
          pi++;
          pOff = 0;
        }
      }
      this.alloc.release(old.addr / this.blockSize, old.len / this.blockSize);
    }
    this.data.mergeAround(lo, hi);
    return total;
  }

  /**
   * Does using (type, addr at off) for [off, off + len) match the truth?
   * A write-fork mapping is checked against the COW fork.
   */
  matches(off: number, len: number, type: TruthType, addr: number, fork: 'data' | 'cow' = 'data'): boolean {
    const f = fork === 'data' ? this.data : this.cow;
    let at = off;
    while (at < off + len) {
      const r = f.run(at);
      if (r.type !== type) return false;
      if (type !== 'hole' && r.addr + (at - r.off) !== addr + (at - off)) return false;
      at = r.off + r.len;
    }
    return true;
  }

  private checkRange(lo: number, hi: number): void {
    if (!(lo >= 0 && hi > lo && lo % this.blockSize === 0 && (hi % this.blockSize === 0 || hi === HOLE_TO_EOF)))
      throw new RangeError(`file ${this.id}: range [${lo}, ${hi}) is not a non-empty block-aligned range`);
  }
}
