// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated server's block allocator and per-file ground truth
 * (src/sim/server/allocator.ts, truth.ts), on cases worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { BlockAllocator, NoSpaceError } from '../src/sim/server/allocator.js';
import { FileTruth, HOLE_TO_EOF } from '../src/sim/server/truth.js';
import { Rng } from '../src/sim/rng.js';

const B = 4096;

describe('block allocator', () => {
  it('allocates first fit from the goal, in pieces no longer than the extent limit', () => {
    const a = new BlockAllocator({ blocks: 100, maxExtentBlocks: 8 });
    expect(a.alloc(20, 10)).toEqual([
      { start: 10, len: 8 },
      { start: 18, len: 8 },
      { start: 26, len: 4 },
    ]);
    expect(a.freeExtents()).toEqual([
      { start: 0, len: 10 },
      { start: 30, len: 70 },
    ]);
    expect(a.freeBlocks).toBe(80);
  });

  it('skips used space and wraps round to block 0', () => {
    const a = new BlockAllocator({ blocks: 20 });
    a.alloc(5, 15); // 15..19 used
    expect(a.alloc(3, 16)).toEqual([{ start: 0, len: 3 }]);
  });

  it('fragments once free space is broken up, and merges freed neighbours', () => {
    const a = new BlockAllocator({ blocks: 10 });
    a.alloc(10, 0);
    a.release(1, 1);
    a.release(4, 2);
    a.release(8, 1);
    expect(a.alloc(4, 0)).toEqual([
      { start: 1, len: 1 },
      { start: 4, len: 2 },
      { start: 8, len: 1 },
    ]);
    a.release(4, 2);
    a.release(6, 1);
    a.release(5 - 2, 1);
    expect(a.freeExtents()).toEqual([{ start: 3, len: 4 }]);
  });

  it('ENOSPC leaves free space unchanged; double frees are caught', () => {
    const a = new BlockAllocator({ blocks: 4 });
    a.alloc(3);
    expect(() => a.alloc(2)).toThrow(NoSpaceError);
    expect(a.freeBlocks).toBe(1);
    expect(() => a.release(3, 1)).toThrow(/double free/);
  });

  it('prefill occupies the asked fraction in chunks, reproducibly', () => {
    const run = () => {
      const a = new BlockAllocator({ blocks: 1000 });
      a.prefill(0.5, 4, new Rng(3));
      return a;
    };
    const a = run();
    expect(a.freeBlocks).toBe(500);
    expect(a.freeExtents().length).toBeGreaterThan(20);
    expect(run().freeExtents()).toEqual(a.freeExtents());
  });
});

describe('file ground truth', () => {
  const file = (blocks = 1000, maxExt = 1000) => new FileTruth(1, B, new BlockAllocator({ blocks, maxExtentBlocks: maxExt }));

  it('allocating holes merges contiguous pieces; runs describe holes up to the next extent', () => {
    const f = file();
    expect(f.allocate(0, 2 * B, 'unwritten')).toBe(2 * B);
    expect(f.allocate(2 * B, 4 * B, 'unwritten')).toBe(2 * B);
    expect(f.data.extents()).toEqual([{ off: 0, len: 4 * B, type: 'unwritten', addr: 0 }]);
    f.allocate(8 * B, 9 * B, 'mapped');
    expect(f.data.run(5 * B)).toEqual({ off: 4 * B, len: 4 * B, type: 'hole', addr: -1 });
    expect(f.data.run(10 * B)).toEqual({ off: 9 * B, len: HOLE_TO_EOF - 9 * B, type: 'hole', addr: -1 });
  });

  it('converts unwritten to written at ioend, splitting and re-merging', () => {
    const f = file();
    f.allocate(0, 4 * B, 'unwritten');
    f.convert(B, 2 * B);
    expect(f.data.extents()).toEqual([
      { off: 0, len: B, type: 'unwritten', addr: 0 },
      { off: B, len: B, type: 'mapped', addr: B },
      { off: 2 * B, len: 2 * B, type: 'unwritten', addr: 2 * B },
    ]);
    f.convert(0, 4 * B);
    expect(f.data.extents()).toEqual([{ off: 0, len: 4 * B, type: 'mapped', addr: 0 }]);
  });

  it('respects the extent size limit when merging', () => {
    const f = file(100, 3);
    f.allocate(0, 5 * B, 'mapped');
    expect(f.data.extents().map((e) => e.len / B)).toEqual([3, 2]);
  });

  it('punch frees blocks; truncate frees past the rounded size', () => {
    const f = file(10);
    f.allocate(0, 8 * B, 'mapped');
    f.punch(2 * B, 4 * B);
    expect(f.alloc.freeBlocks).toBe(4);
    f.truncate(5 * B + 1);
    expect(f.data.extents()).toEqual([
      { off: 0, len: 2 * B, type: 'mapped', addr: 0 },
      { off: 4 * B, len: 2 * B, type: 'mapped', addr: 4 * B },
    ]);
    expect(f.size).toBe(5 * B + 1);
    expect(f.alloc.freeBlocks).toBe(6);
  });

  it('collapse and insert shift the later extents', () => {
    const f = file();
    f.allocate(0, 4 * B, 'mapped');
    f.size = 4 * B;
    f.collapse(B, 2 * B);
    expect(f.data.extents()).toEqual([
      { off: 0, len: B, type: 'mapped', addr: 0 },
      { off: B, len: 2 * B, type: 'mapped', addr: 2 * B },
    ]);
    expect(f.size).toBe(3 * B);
    f.insertRange(B, 3 * B);
    expect(f.data.extents()).toEqual([
      { off: 0, len: B, type: 'mapped', addr: 0 },
      { off: 3 * B, len: 2 * B, type: 'mapped', addr: 2 * B },
    ]);
    expect(f.size).toBe(5 * B);
  });

  it('out-of-place writes stage new blocks, then the ioend remaps them and frees the old', () => {
    const f = file(20);
    f.allocate(0, 2 * B, 'mapped');
    f.stageCow(B, 2 * B);
    expect(f.cow.extents()).toEqual([{ off: B, len: B, type: 'mapped', addr: 2 * B }]);
    expect(f.matches(B, B, 'mapped', 2 * B, 'cow')).toBe(true);
    expect(f.matches(B, B, 'mapped', B)).toBe(true);
    f.remapCow(B, 2 * B);
    expect(f.data.extents()).toEqual([
      { off: 0, len: B, type: 'mapped', addr: 0 },
      { off: B, len: B, type: 'mapped', addr: 2 * B },
    ]);
    expect(f.cow.count).toBe(0);
    expect(f.alloc.freeBlocks).toBe(18);
  });

  it('defrag remap moves extents to new blocks of the same type', () => {
    const f = file(20);
    f.allocate(0, B, 'mapped');
    f.alloc.alloc(1, 1); // someone else's block 1
    f.allocate(B, 2 * B, 'unwritten');
    expect(f.data.extents().map((e) => e.addr / B)).toEqual([0, 2]);
    expect(f.remap(0, 2 * B)).toBe(2 * B);
    expect(f.data.extents()).toEqual([
      { off: 0, len: B, type: 'mapped', addr: 3 * B },
      { off: B, len: B, type: 'unwritten', addr: 4 * B },
    ]);
    expect(f.alloc.freeBlocks).toBe(17);
  });

  it('matches() compares type and address over every byte used', () => {
    const f = file();
    f.allocate(0, 2 * B, 'mapped');
    expect(f.matches(0, 2 * B, 'mapped', 0)).toBe(true);
    expect(f.matches(B, B, 'mapped', 0)).toBe(false);
    expect(f.matches(0, 3 * B, 'mapped', 0)).toBe(false);
    expect(f.matches(2 * B, B, 'hole', -1)).toBe(true);
    expect(f.matches(0, B, 'unwritten', 0)).toBe(false);
  });

  it('rejects unaligned ranges with a message naming them', () => {
    expect(() => file().allocate(1, B, 'mapped')).toThrow('file 1: range [1, 4096) is not a non-empty block-aligned range');
  });
});
