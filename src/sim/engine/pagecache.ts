// SPDX-License-Identifier: GPL-2.0-only
/*
 * One file's page cache as far as mapping lookups care: which blocks are
 * up to date (a buffered read of them needs no ->iomap_begin) and which are
 * dirty (writeback will map and write them). One folio = one block.
 */
import { type NumMap, numMap } from '../server/btree.js';

export class PageCache {
  private readonly uptodate = new Set<number>();
  private readonly dirty: NumMap<true> = numMap<true>();

  isUptodate(block: number): boolean {
    return this.uptodate.has(block);
  }

  markUptodate(block: number): void {
    this.uptodate.add(block);
  }

  markDirty(block: number): void {
    this.uptodate.add(block);
    this.dirty.set(block, true);
  }

  isDirty(block: number): boolean {
    return this.dirty.has(block);
  }

  /** The lowest dirty block at or after from, or undefined. */
  nextDirty(from: number): number | undefined {
    return this.dirty.getPairOrNextHigher(from)?.[0];
  }

  /** Writeback started on the block: no longer dirty. */
  clean(block: number): void {
    this.dirty.delete(block);
  }

  get dirtyCount(): number {
    return this.dirty.size;
  }

  /** truncate_pagecache_range: drop [first, last] (last Infinity = to EOF). */
  drop(first: number, last = Number.MAX_SAFE_INTEGER): void {
    this.dirty.deleteRange(first, last, true);
    for (const b of [...this.uptodate]) if (b >= first && b <= last) this.uptodate.delete(b);
  }
}
