// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every row of fuse_iomap_try_cache's decision table (seed 001 L9124-9226,
 * SPEC 4.2): which fork is consulted, what lands in iomap and srcmap, and
 * whether the kernel goes to the server.
 */
import { describe, expect, it } from 'vitest';
import { Fork } from '../src/cache/constants.js';
import {
  IOMAP_DIRECT,
  IOMAP_FAULT,
  IOMAP_REPORT,
  IOMAP_UNSHARE,
  IOMAP_WRITE,
  IOMAP_ZERO,
  fuseIomapTryCache,
  zeroIomap,
  type TryCacheTrail,
} from '../src/iomap/index.js';
import { NULL_ADDR, makeWorld, map, put } from './iomap-world.js';

const HOLE = 0, DELALLOC = 1, MAPPED = 2, UNWRITTEN = 3, INLINE = 4, OVERWRITE = 0xffff;
const readMap = (type: number) => (type === MAPPED || type === UNWRITTEN ? map(0n, 0x10000n, type, 0x100000n, 1) : map(0n, 0x10000n, type));

type WriteFork = 'nofork' | 'miss' | 'overwrite' | 'mapped' | 'hole' | 'delalloc';
interface Row {
  op: number;
  write: WriteFork;
  read: number | 'miss';
  ret: 0 | 1;
  /** type in iomap afterwards (undefined: untouched) */
  iomap?: number;
  srcmap?: number;
  trail: TryCacheTrail;
}

const W = IOMAP_WRITE;
const rows: Row[] = [];
// Not a file write: only the read fork, any cached type is served.
for (const op of [0, IOMAP_REPORT, IOMAP_FAULT, IOMAP_DIRECT, IOMAP_REPORT | IOMAP_DIRECT])
  for (const t of [HOLE, DELALLOC, MAPPED, UNWRITTEN, INLINE]) rows.push({ op, write: 'mapped', read: t, ret: 1, iomap: t, trail: { read: 'hit' } });
rows.push({ op: 0, write: 'nofork', read: 'miss', ret: 0, trail: { read: 'miss' } });
// File writes with no write fork (fuse2fs) or a pure-overwrite hit: the read fork decides.
for (const write of ['nofork', 'overwrite'] as const) {
  const w = write === 'nofork' ? 'nofork' : 'hit-overwrite';
  for (const op of [W, W | IOMAP_DIRECT, IOMAP_ZERO, IOMAP_UNSHARE]) {
    const holeOk = (op & (IOMAP_ZERO | IOMAP_UNSHARE)) !== 0;
    rows.push({ op, write, read: HOLE, ret: holeOk ? 1 : 0, iomap: HOLE, trail: { write: w, read: 'hit', ...(holeOk ? {} : { refused: 'hole' }) } });
    const daOk = (op & IOMAP_DIRECT) === 0;
    rows.push({ op, write, read: DELALLOC, ret: daOk ? 1 : 0, iomap: DELALLOC, trail: { write: w, read: 'hit', ...(daOk ? {} : { refused: 'delalloc-direct' }) } });
    for (const t of [MAPPED, UNWRITTEN, INLINE]) rows.push({ op, write, read: t, ret: 1, iomap: t, trail: { write: w, read: 'hit' } });
    rows.push({ op, write, read: 'miss', ret: 0, trail: { write: w, read: 'miss' } });
  }
}
// A write-fork miss goes to the server without looking at the read fork.
for (const op of [W, IOMAP_ZERO, IOMAP_UNSHARE]) rows.push({ op, write: 'miss', read: MAPPED, ret: 0, trail: { write: 'miss' } });
// A real write-fork mapping goes in iomap, the read fork's in srcmap; the decision is on the write type.
rows.push({ op: W, write: 'mapped', read: HOLE, ret: 1, iomap: MAPPED, srcmap: HOLE, trail: { write: 'hit', read: 'hit' } });
rows.push({ op: W, write: 'mapped', read: MAPPED, ret: 1, iomap: MAPPED, srcmap: MAPPED, trail: { write: 'hit', read: 'hit' } });
rows.push({ op: W, write: 'mapped', read: 'miss', ret: 0, iomap: MAPPED, trail: { write: 'hit', read: 'miss' } });
rows.push({ op: W, write: 'hole', read: MAPPED, ret: 0, iomap: HOLE, srcmap: MAPPED, trail: { write: 'hit', read: 'hit', refused: 'hole' } });
rows.push({ op: IOMAP_ZERO, write: 'hole', read: MAPPED, ret: 1, iomap: HOLE, srcmap: MAPPED, trail: { write: 'hit', read: 'hit' } });
rows.push({ op: W | IOMAP_DIRECT, write: 'delalloc', read: MAPPED, ret: 0, iomap: DELALLOC, srcmap: MAPPED, trail: { write: 'hit', read: 'hit', refused: 'delalloc-direct' } });
rows.push({ op: W, write: 'delalloc', read: MAPPED, ret: 1, iomap: DELALLOC, srcmap: MAPPED, trail: { write: 'hit', read: 'hit' } });

function setup(row: Row) {
  const w = makeWorld();
  if (row.read !== 'miss') put(w, Fork.READ, readMap(row.read));
  else put(w, Fork.READ, map(0x100000n, 0x1000n, HOLE)); // something elsewhere, nothing at pos
  switch (row.write) {
    case 'nofork':
      break;
    case 'miss':
      put(w, Fork.WRITE, map(0x100000n, 0x1000n, OVERWRITE));
      break;
    case 'overwrite':
      put(w, Fork.WRITE, map(0n, 0x10000n, OVERWRITE));
      break;
    case 'mapped':
      put(w, Fork.WRITE, map(0n, 0x10000n, MAPPED, 0x900000n, 1));
      break;
    case 'hole':
      put(w, Fork.WRITE, map(0n, 0x10000n, HOLE));
      break;
    case 'delalloc':
      put(w, Fork.WRITE, map(0n, 0x10000n, DELALLOC));
      break;
  }
  return w;
}

describe('fuse_iomap_try_cache decision table', () => {
  it.each(rows.map((r) => [`op 0x${r.op.toString(16)} write ${r.write} read ${r.read}`, r] as const))('%s', (_name, row) => {
    const w = setup(row);
    const iomap = zeroIomap();
    const srcmap = zeroIomap();
    const trail: TryCacheTrail = {};
    w.events.length = 0;
    const ret = fuseIomapTryCache(w.env, w.inode, 0x1000n, 0x2000n, row.op, iomap, srcmap, trail);
    expect(ret).toBe(row.ret);
    expect(trail).toEqual(row.trail);
    // which forks were looked up, in order
    const lookups = w.events.filter((e) => e === 'fuse_iomap_cache_lookup').length;
    expect(lookups).toBe((trail.write ? 1 : 0) + (trail.read ? 1 : 0));
    if (row.iomap === undefined) expect(iomap.folioOps).toBe(false);
    else {
      expect(iomap.type).toBe(row.iomap);
      expect(iomap.folioOps).toBe(true);
      expect(iomap.validityCookie).toBe(w.inode.cache.seq);
      // trimmed to the block-rounded request
      expect(iomap.offset).toBe(0x1000n);
      expect(iomap.length).toBe(0x2000n);
    }
    if (row.srcmap === undefined) expect(srcmap.folioOps).toBe(false);
    else expect(srcmap.type).toBe(row.srcmap);
    // inline data buffers only for served inline mappings outside REPORT
    expect(iomap.inlineData).toBe(ret === 1 && row.iomap === INLINE && !(row.op & IOMAP_REPORT));
  });

  it('the cache is not consulted until it is enabled', () => {
    const w = makeWorld({ enabled: false });
    put(w, Fork.READ, readMap(MAPPED));
    w.events.length = 0;
    expect(fuseIomapTryCache(w.env, w.inode, 0n, 0x1000n, 0, zeroIomap(), zeroIomap())).toBe(0);
    expect(w.events).toEqual([]);
  });

  it('a cached mapping on an unregistered device is -EIO (fuse_iomap_find_dev)', () => {
    const w = makeWorld({ devices: [] });
    put(w, Fork.READ, readMap(MAPPED));
    expect(fuseIomapTryCache(w.env, w.inode, 0n, 0x1000n, 0, zeroIomap(), zeroIomap())).toBe(-5);
    const w2 = makeWorld({ devices: [1] });
    put(w2, Fork.READ, map(0n, 0x1000n, MAPPED, 0x1000n, 0x7fffffff)); // cookies >= INT_MAX are never looked up
    w2.devices.add(0x7fffffff);
    expect(fuseIomapTryCache(w2.env, w2.inode, 0n, 0x1000n, 0, zeroIomap(), zeroIomap())).toBe(-5);
  });

  it('the cookie is im_seq at lookup and the bdev is the mapping\'s device', () => {
    const w = makeWorld({ devices: [1, 3] });
    put(w, Fork.READ, map(0n, 0x4000n, MAPPED, 0x100000n, 3));
    const iomap = zeroIomap();
    expect(fuseIomapTryCache(w.env, w.inode, 0x2000n, 0x10n, 0, iomap, zeroIomap())).toBe(1);
    expect(iomap).toMatchObject({ offset: 0x2000n, length: 0x1000n, addr: 0x102000n, bdev: 3, validityCookie: 1n });
  });

  it('debug builds: the swapped validate_cached arguments fail a write-fork pure overwrite unless opflags is exactly IOMAP_WRITE (SPEC 8.7)', () => {
    for (const [op, want] of [[W, 1], [W | IOMAP_DIRECT, -5], [IOMAP_ZERO, -5]] as const) {
      const w = makeWorld({ debug: true });
      put(w, Fork.READ, readMap(MAPPED));
      put(w, Fork.WRITE, map(0n, 0x10000n, OVERWRITE));
      expect(fuseIomapTryCache(w.env, w.inode, 0n, 0x1000n, op, zeroIomap(), zeroIomap())).toBe(want);
      expect(w.hazards.map((h) => h.hazard.id)).toEqual(want < 0 ? ['validate-cached-swapped-args'] : []);
    }
    // non-debug: compiled to (0)
    const w = makeWorld();
    put(w, Fork.READ, readMap(MAPPED));
    put(w, Fork.WRITE, map(0n, 0x10000n, OVERWRITE));
    expect(fuseIomapTryCache(w.env, w.inode, 0n, 0x1000n, W | IOMAP_DIRECT, zeroIomap(), zeroIomap())).toBe(1);
  });

  it('the srcmap of a cached out-of-place write is NULL_ADDR for a hole', () => {
    const w = setup({ op: W, write: 'mapped', read: HOLE, ret: 1, trail: {} });
    const srcmap = zeroIomap();
    fuseIomapTryCache(w.env, w.inode, 0n, 0x1000n, W, zeroIomap(), srcmap);
    expect(srcmap.addr).toBe(NULL_ADDR);
  });

  it('an out-of-place write can get iomap and srcmap of different lengths (SPEC 8.10)', () => {
    const w = makeWorld();
    put(w, Fork.READ, map(0n, 0x10000n, MAPPED, 0x100000n, 1));
    put(w, Fork.WRITE, map(0n, 0x1000n, MAPPED, 0x900000n, 1));
    const iomap = zeroIomap();
    const srcmap = zeroIomap();
    expect(fuseIomapTryCache(w.env, w.inode, 0n, 0x4000n, W, iomap, srcmap)).toBe(1);
    expect([iomap.length, srcmap.length]).toEqual([0x1000n, 0x4000n]);
    expect(w.hazards.map((h) => h.hazard.id)).toEqual(['fork-lengths-differ']);
  });
});
