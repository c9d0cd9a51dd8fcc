// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated disk's block allocator: free space as an ordered map of
 * free extents (start block -> length), first fit from a goal block, each
 * allocated piece at most maxExtentBlocks long (an on-disk extent's length
 * limit, e.g. ext4's 32768 blocks). As the disk fills and files are
 * punched or truncated, free space breaks up and allocations come back in
 * more, shorter pieces: that is the fragmentation the mapping cache sees.
 */
import { type NumMap, numMap } from './btree.js';
import type { Rng } from '../rng.js';

export interface Piece {
  /** first block */
  start: number;
  /** blocks */
  len: number;
}

export class NoSpaceError extends Error {
  constructor(want: number, free: number) {
    super(`ENOSPC: ${want} block(s) wanted, ${free} free`);
    this.name = 'NoSpaceError';
  }
}

export interface AllocatorOptions {
  /** disk size in blocks */
  blocks: number;
  /** longest extent one allocation piece may have */
  maxExtentBlocks?: number;
}

export class BlockAllocator {
  private readonly free: NumMap<number> = numMap<number>();
  readonly blocks: number;
  readonly maxExtentBlocks: number;
  freeBlocks: number;

  constructor(opts: AllocatorOptions) {
    if (!Number.isSafeInteger(opts.blocks) || opts.blocks <= 0) throw new RangeError(`disk of ${opts.blocks} blocks`);
    this.blocks = opts.blocks;
    this.maxExtentBlocks = opts.maxExtentBlocks ?? 32768;
    if (!(this.maxExtentBlocks >= 1)) throw new RangeError(`maxExtentBlocks ${this.maxExtentBlocks}`);
    this.free.set(0, opts.blocks);
    this.freeBlocks = opts.blocks;
  }

  /** Free extents in block order (for tests and reports). */
  freeExtents(): Piece[] {
    return this.free.toArray().map(([start, len]) => ({ start, len }));
  }

  /**
   * Allocate n blocks, first fit starting at the goal block and wrapping
   * round to block 0. Returns the pieces in allocation order; all or
   * nothing (ENOSPC leaves the free map untouched).
   */
  alloc(n: number, goal = 0): Piece[] {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`alloc of ${n} blocks`);
    if (n > this.freeBlocks) throw new NoSpaceError(n, this.freeBlocks);
    const out: Piece[] = [];
    let want = n;
    let at = Math.min(Math.max(goal, 0), this.blocks - 1);
    // A free extent that contains the goal is used from the goal on.
    const before = this.free.getPairOrNextLower(at);
    if (before && before[0] + before[1] > at) {
      want -= this.take(before[0], before[1], at, want, out);
      at += 1;
    }
    while (want > 0) {
      let next = this.free.getPairOrNextHigher(at);
      if (!next) next = this.free.getPairOrNextHigher(0)!; // wrap
      const [start, len] = next;
      want -= this.take(start, len, start, want, out);
      at = start + 1;
    }
    this.freeBlocks -= n;
    return out;
  }

  /** Carve up to want blocks (in maxExtentBlocks pieces) out of free extent [start, +len) from block from. */
  private take(start: number, len: number, from: number, want: number, out: Piece[]): number {
    const avail = start + len - from;
    const n = Math.min(avail, want);
    this.free.delete(start);
    if (from > start) this.free.set(start, from - start);
    if (from + n < start + len) this.free.set(from + n, start + len - from - n);
    for (let done = 0; done < n; ) {
      const piece = Math.min(this.maxExtentBlocks, n - done);
      const last = out[out.length - 1];
      // contiguous with the previous piece and still under the limit: extend it
      if (last && last.start + last.len === from + done && last.len + piece <= this.maxExtentBlocks) last.len += piece;
      else out.push({ start: from + done, len: piece });
      done += piece;
    }
    return n;
  }

  /** Return [start, +len) to free space, merging with free neighbours. */
  release(start: number, len: number): void {
    if (!(len > 0) || start < 0 || start + len > this.blocks) throw new RangeError(`release of [${start}, +${len}) on a disk of ${this.blocks} blocks`);
    const before = this.free.getPairOrNextLower(start);
    if (before && before[0] + before[1] > start) throw new Error(`double free: block ${start} is already free`);
    const after = this.free.getPairOrNextHigher(start);
    if (after && after[0] < start + len) throw new Error(`double free: block ${after[0]} is already free`);
    let s = start;
    let l = len;
    if (before && before[0] + before[1] === start) {
      s = before[0];
      l += before[1];
      this.free.delete(before[0]);
    }
    if (after && after[0] === start + len) {
      l += after[1];
      this.free.delete(after[0]);
    }
    this.free.set(s, l);
    this.freeBlocks += len;
  }

  /**
   * Fill a fraction of the disk with other files' data in chunks of
   * 1..maxChunk blocks at random places: an aged filesystem whose free
   * space is already broken up before the run starts.
   */
  prefill(fraction: number, maxChunk: number, rng: Rng): void {
    if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`prefill fraction ${fraction} not in [0, 1)`);
    let target = Math.floor(this.blocks * fraction);
    while (target > 0) {
      const len = Math.min(target, 1 + rng.below(maxChunk));
      const goal = rng.below(this.blocks);
      // one piece at the goal if it is free, else at the next free extent
      const inside = this.free.getPairOrNextLower(goal);
      const [start, flen] = inside && inside[0] + inside[1] > goal ? [goal, inside[0] + inside[1] - goal] : (this.free.getPairOrNextHigher(goal) ?? this.free.getPairOrNextHigher(0)!);
      const n = Math.min(len, flen);
      this.alloc(n, start);
      target -= n;
    }
  }
}
