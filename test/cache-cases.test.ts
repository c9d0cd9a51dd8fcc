// SPDX-License-Identifier: GPL-2.0-only
/*
 * Case-by-case tests of IomapCache (src/cache/iomap-cache.ts), the model of
 * fuse_iomap_cache_* and fuse_iext_{add,del}_mapping (seed 001 L8330-8860)
 * and fuse_iomap_cache_invalidate_range (L9621-9648), plus the worked
 * examples E1-E8 of SPEC 10.2.
 *
 * Expected records, sequence deltas and trace events were derived by hand
 * from the C. Inode: block size 4096, s_maxbytes LLONG_MAX (FUSE default),
 * read fork unless said otherwise; CONFIG_FUSE_IOMAP_DEBUG off (so ASSERTs
 * are silent and no check_mapping events are fired) and the lock events
 * left out, as in the fixtures.
 */
import { describe, expect, it } from 'vitest';
import {
  EUCLEAN,
  FUSE_IOMAP_F_DIRTY,
  FUSE_IOMAP_INVAL_TO_EOF,
  FUSE_IOMAP_NULL_ADDR,
  FUSE_IOMAP_TYPE_DELALLOC,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_UNWRITTEN,
  Fork,
  LookupResult,
} from '../src/cache/constants.js';
import type { CacheEvent } from '../src/cache/events.js';
import type { HazardHit } from '../src/cache/hazards.js';
import { type CachedMapping, IomapCache } from '../src/cache/iomap-cache.js';
import type { AllocEvent } from '../src/iext/tree.js';
import { type Mapping, emptyMapping } from '../src/iext/record.js';

const ids = { connection: 1, ino: 12n, nodeid: 7n };
const LLONG_MAX = 0x7fff_ffff_ffff_ffffn;
const LLONG_MIN = -0x8000_0000_0000_0000n;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
const P62 = 1n << 62n;
const P63 = 1n << 63n;

// FUSE_IEXT_* state bits
const L_CONT = 0x1;
const R_CONT = 0x2;
const L_FILL = 0x4;
const R_FILL = 0x8;
const L_VALID = 0x10;
const R_VALID = 0x20;
const WRITEFORK = 0x40;

const MAPPED = FUSE_IOMAP_TYPE_MAPPED;
const UNWRITTEN = FUSE_IOMAP_TYPE_UNWRITTEN;

function map(offset: bigint, length: bigint, addr: bigint, type = MAPPED, flags = 0, dev = 1): Mapping {
  return { offset, length, addr, type, flags, dev };
}
const nullmap = (offset: bigint, length: bigint, type: number): Mapping => map(offset, length, FUSE_IOMAP_NULL_ADDR, type, 0, 0);

function setup(maxBytes = LLONG_MAX) {
  const events: CacheEvent[] = [];
  const hazards: HazardHit[] = [];
  const allocs: Array<[Fork, AllocEvent]> = [];
  const c = new IomapCache(
    { ids, isize: 0n, blockSize: 4096n, maxBytes },
    { sink: (e) => events.push(e), onHazard: (h) => hazards.push(h), onAlloc: (f, e) => allocs.push([f, e]) },
  );
  c.enabled = true;
  /** add each mapping (must succeed), then forget the events; returns seq */
  const seed = (fork: Fork, ...maps: Mapping[]): bigint => {
    for (const m of maps) expect(c.cacheAdd(fork, m)).toBe(0);
    events.length = 0;
    hazards.length = 0;
    allocs.length = 0;
    return c.seq;
  };
  const recs = (fork = Fork.READ): Mapping[] => {
    const ifp = c.forkPtr(fork);
    return ifp ? [...ifp.records()] : [];
  };
  const names = (): string[] => events.map((e) => e.name);
  const hazardIds = (): string[] => hazards.map((h) => h.hazard.id);
  return { c, events, hazards, allocs, seed, recs, names, hazardIds };
}

const mval = (): CachedMapping => ({ ...emptyMapping(), validityCookie: 0n });

/** n records at i * 0x2000, one block each, not mergeable (holes between) */
const spaced = (n: number, first = 0): Mapping[] =>
  Array.from({ length: n }, (_, k) => map(BigInt(first + k) * 0x2000n, 0x1000n, 0x100000n + BigInt(first + k) * 0x2000n));

// ---------------------------------------------------------------------------

describe('fuse_iext_del_mapping (through fuse_iomap_cache_remove)', () => {
  const G = map(0x10000n, 0x4000n, 0x100000n);

  it('whole records: l_fill|r_fill, remove then prev, highest offset first', () => {
    const P = map(0x8000n, 0x1000n, 0x200000n);
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, P, G);
    expect(c.cacheRemove(Fork.READ, 0x8000n, 0xc000n)).toBe(0);
    expect(names()).toEqual([
      'fuse_iomap_cache_remove',
      'fuse_iext_del_mapping',
      'fuse_iext_del_mapping_got',
      'fuse_iext_remove',
      // the cursor went back to P with fuse_iext_prev, the loop goes on with it
      'fuse_iext_del_mapping',
      'fuse_iext_del_mapping_got',
      'fuse_iext_remove',
    ]);
    expect(events[0]).toMatchObject({ fork: Fork.READ, offset: 0x8000n, length: 0xc000n });
    expect(events[1]).toMatchObject({ state: L_FILL | R_FILL, map: G });
    expect(events[2]).toMatchObject({ map: G });
    expect(events[3]).toMatchObject({ state: L_FILL | R_FILL, pos: 1, rec: G });
    expect(events[4]).toMatchObject({ state: L_FILL | R_FILL, map: P });
    expect(events[6]).toMatchObject({ state: L_FILL | R_FILL, pos: 0, rec: P });
    expect(c.seq - seq0).toBe(2n);
    expect(recs()).toEqual([]);
    expect(c.read.height).toBe(0);
  });

  it('front: l_fill only, one update', () => {
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, G);
    expect(c.cacheRemove(Fork.READ, 0x10000n, 0x1000n)).toBe(0);
    expect(names()).toEqual(['fuse_iomap_cache_remove', 'fuse_iext_del_mapping', 'fuse_iext_del_mapping_got', 'fuse_iext_pre_update', 'fuse_iext_post_update']);
    expect(events[1]).toMatchObject({ state: L_FILL, map: map(0x10000n, 0x1000n, 0x100000n) });
    expect(events[2]).toMatchObject({ map: G });
    const after = map(0x11000n, 0x3000n, 0x101000n);
    expect(events[3]).toMatchObject({ state: L_FILL, pos: 0, rec: G });
    expect(events[4]).toMatchObject({ state: L_FILL, pos: 0, rec: after });
    expect(c.seq - seq0).toBe(1n);
    expect(recs()).toEqual([after]);
  });

  it('tail: r_fill only, one update', () => {
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, G);
    expect(c.cacheRemove(Fork.READ, 0x13000n, 0x1000n)).toBe(0);
    expect(names()).toEqual(['fuse_iomap_cache_remove', 'fuse_iext_del_mapping', 'fuse_iext_del_mapping_got', 'fuse_iext_pre_update', 'fuse_iext_post_update']);
    // del was clipped to the start of the range, its addr moved along (MAPPED)
    expect(events[1]).toMatchObject({ state: R_FILL, map: map(0x13000n, 0x1000n, 0x103000n) });
    expect(events[4]).toMatchObject({ state: R_FILL, rec: map(0x10000n, 0x3000n, 0x100000n) });
    expect(c.seq - seq0).toBe(1n);
    expect(recs()).toEqual([map(0x10000n, 0x3000n, 0x100000n)]);
  });

  it('middle: no fill bits, update + insert = 2 bumps, insert cursor on the right piece', () => {
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, G);
    expect(c.cacheRemove(Fork.READ, 0x11000n, 0x1000n)).toBe(0);
    expect(names()).toEqual([
      'fuse_iomap_cache_remove',
      'fuse_iext_del_mapping',
      'fuse_iext_del_mapping_got',
      'fuse_iext_pre_update',
      'fuse_iext_post_update',
      'fuse_iext_insert',
    ]);
    const left = map(0x10000n, 0x1000n, 0x100000n);
    const right = map(0x12000n, 0x2000n, 0x102000n);
    expect(events[1]).toMatchObject({ state: 0, map: map(0x11000n, 0x1000n, 0x101000n) });
    expect(events[4]).toMatchObject({ state: 0, pos: 0, rec: left });
    expect(events[5]).toMatchObject({ state: 0, pos: 1, rec: right });
    expect(c.seq - seq0).toBe(2n);
    expect(recs()).toEqual([left, right]);
  });

  it('middle of a HOLE record: the right piece keeps NULL_ADDR', () => {
    const { c, seed, recs } = setup();
    seed(Fork.READ, nullmap(0x10000n, 0x4000n, FUSE_IOMAP_TYPE_HOLE));
    expect(c.cacheRemove(Fork.READ, 0x11000n, 0x1000n)).toBe(0);
    expect(recs()).toEqual([nullmap(0x10000n, 0x1000n, FUSE_IOMAP_TYPE_HOLE), nullmap(0x12000n, 0x2000n, FUSE_IOMAP_TYPE_HOLE)]);
  });
});

// ---------------------------------------------------------------------------

describe('fuse_iext_add_mapping (through fuse_iomap_cache_add)', () => {
  const L = map(0x10000n, 0x1000n, 0x100000n);
  const N = map(0x11000n, 0x1000n, 0x101000n);
  const R = map(0x12000n, 0x1000n, 0x102000n);

  it('l_cont|r_cont: remove right, prev, update left = 2 bumps', () => {
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, L, R);
    expect(c.cacheAdd(Fork.READ, N)).toBe(0);
    const state = L_CONT | R_CONT | L_VALID | R_VALID;
    expect(names()).toEqual([
      'fuse_iomap_cache_add',
      'fuse_iext_add_mapping',
      'fuse_iext_add_mapping_left',
      'fuse_iext_add_mapping_right',
      'fuse_iext_remove',
      'fuse_iext_pre_update',
      'fuse_iext_post_update',
    ]);
    expect(events[0]).toMatchObject({ fork: Fork.READ, map: N });
    expect(events[1]).toMatchObject({ state, map: N });
    expect(events[2]).toMatchObject({ map: L });
    expect(events[3]).toMatchObject({ map: R });
    expect(events[4]).toMatchObject({ state, pos: 1, rec: R });
    expect(events[5]).toMatchObject({ state, pos: 0, rec: L });
    expect(events[6]).toMatchObject({ state, pos: 0, rec: map(0x10000n, 0x3000n, 0x100000n) });
    expect(c.seq - seq0).toBe(2n);
    expect(recs()).toEqual([map(0x10000n, 0x3000n, 0x100000n)]);
  });

  it('l_cont (right valid but not adjacent): prev + update left', () => {
    const R2 = map(0x12000n, 0x1000n, 0x200000n);
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, L, R2);
    expect(c.cacheAdd(Fork.READ, N)).toBe(0);
    expect(names()).toEqual([
      'fuse_iomap_cache_add',
      'fuse_iext_add_mapping',
      'fuse_iext_add_mapping_left',
      'fuse_iext_add_mapping_right',
      'fuse_iext_pre_update',
      'fuse_iext_post_update',
    ]);
    expect(events[1]).toMatchObject({ state: L_CONT | L_VALID | R_VALID });
    expect(events[5]).toMatchObject({ pos: 0, rec: map(0x10000n, 0x2000n, 0x100000n) });
    expect(c.seq - seq0).toBe(1n);
    expect(recs()).toEqual([map(0x10000n, 0x2000n, 0x100000n), R2]);
  });

  it('l_cont at EOF (no right record)', () => {
    const { c, events, seed, recs, names } = setup();
    seed(Fork.READ, L);
    expect(c.cacheAdd(Fork.READ, N)).toBe(0);
    expect(names()).toEqual(['fuse_iomap_cache_add', 'fuse_iext_add_mapping', 'fuse_iext_add_mapping_left', 'fuse_iext_pre_update', 'fuse_iext_post_update']);
    expect(events[1]).toMatchObject({ state: L_CONT | L_VALID });
    expect(recs()).toEqual([map(0x10000n, 0x2000n, 0x100000n)]);
  });

  it('r_cont: right takes the new offset and addr', () => {
    const L2 = map(0x10000n, 0x1000n, 0x300000n);
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, L2, R);
    expect(c.cacheAdd(Fork.READ, N)).toBe(0);
    expect(names()).toEqual([
      'fuse_iomap_cache_add',
      'fuse_iext_add_mapping',
      'fuse_iext_add_mapping_left',
      'fuse_iext_add_mapping_right',
      'fuse_iext_pre_update',
      'fuse_iext_post_update',
    ]);
    const merged = map(0x11000n, 0x2000n, 0x101000n);
    expect(events[1]).toMatchObject({ state: R_CONT | L_VALID | R_VALID });
    expect(events[4]).toMatchObject({ pos: 1, rec: R });
    expect(events[5]).toMatchObject({ pos: 1, rec: merged });
    expect(c.seq - seq0).toBe(1n);
    expect(recs()).toEqual([L2, merged]);
  });

  it('r_cont at the front (no left record)', () => {
    const { c, events, seed, recs } = setup();
    seed(Fork.READ, R);
    expect(c.cacheAdd(Fork.READ, N)).toBe(0);
    expect(events[1]).toMatchObject({ state: R_CONT | R_VALID });
    expect(recs()).toEqual([map(0x11000n, 0x2000n, 0x101000n)]);
  });

  it('plain insert between two records it cannot merge with', () => {
    const NU = map(0x11000n, 0x1000n, 0x101000n, UNWRITTEN);
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, L, R);
    expect(c.cacheAdd(Fork.READ, NU)).toBe(0);
    expect(names()).toEqual(['fuse_iomap_cache_add', 'fuse_iext_add_mapping', 'fuse_iext_add_mapping_left', 'fuse_iext_add_mapping_right', 'fuse_iext_insert']);
    expect(events[1]).toMatchObject({ state: L_VALID | R_VALID });
    expect(events[4]).toMatchObject({ state: L_VALID | R_VALID, pos: 1, rec: NU });
    expect(c.seq - seq0).toBe(1n);
    expect(recs()).toEqual([L, NU, R]);
  });

  it('plain insert into an empty fork: state 0, no neighbour events', () => {
    const { c, events, recs, names } = setup();
    expect(c.cacheAdd(Fork.READ, N)).toBe(0);
    expect(names()).toEqual(['fuse_iomap_cache_add', 'fuse_iext_add_mapping', 'fuse_iext_insert']);
    expect(events[1]).toMatchObject({ state: 0 });
    expect(events[2]).toMatchObject({ state: 0, pos: 0, rec: N });
    expect(c.seq).toBe(1n);
    expect(recs()).toEqual([N]);
  });

  describe('can_merge rules (left neighbour only)', () => {
    const hole = (o: bigint, l: bigint) => nullmap(o, l, FUSE_IOMAP_TYPE_HOLE);
    it.each<[string, Mapping, Mapping, boolean]>([
      ['mergeable MAPPED', L, N, true],
      ['different dev', L, { ...N, dev: 2 }, false],
      ['offsets not contiguous', L, map(0x12000n, 0x1000n, 0x101000n), false],
      ['different type', L, { ...N, type: UNWRITTEN }, false],
      ['UNWRITTEN adjacent', { ...L, type: UNWRITTEN }, { ...N, type: UNWRITTEN }, true],
      ['MAPPED addrs not adjacent', L, { ...N, addr: 0x102000n }, false],
      ['different flags', L, { ...N, flags: FUSE_IOMAP_F_DIRTY }, false],
      ['MAPPED addr sum wraps in u64', map(0x10000n, 0x1000n, U64_MAX - 0xfffn), map(0x11000n, 0x1000n, 0n), true],
      ['HOLE, both NULL_ADDR', hole(0x10000n, 0x1000n), hole(0x11000n, 0x1000n), true],
      ['DELALLOC, both NULL_ADDR', nullmap(0x10000n, 0x1000n, FUSE_IOMAP_TYPE_DELALLOC), nullmap(0x11000n, 0x1000n, FUSE_IOMAP_TYPE_DELALLOC), true],
      ['HOLE, right addr not NULL_ADDR', hole(0x10000n, 0x1000n), { ...hole(0x11000n, 0x1000n), addr: 0n }, false],
      ['HOLE, left addr not NULL_ADDR', { ...hole(0x10000n, 0x1000n), addr: 0x1000n }, { ...hole(0x11000n, 0x1000n), addr: 0x2000n }, false],
      ['combined length exactly 2^63', map(0n, P62, 0n), map(P62, P62, P62), true],
      ['combined length 2^63 + 4096', map(0n, P62, 0n), map(P62, P62 + 0x1000n, P62), false],
    ])('%s', (_name, left, nw, merges) => {
      const { c, events, seed, recs } = setup();
      const seq0 = seed(Fork.READ, left);
      expect(c.cacheAdd(Fork.READ, nw)).toBe(0);
      expect(events[1]).toMatchObject({ name: 'fuse_iext_add_mapping', state: merges ? L_CONT | L_VALID : L_VALID });
      expect(c.seq - seq0).toBe(1n);
      expect(recs()).toEqual(merges ? [{ ...left, length: left.length + nw.length }] : [left, nw]);
    });
  });

  it('can_merge3 only checks the three-way length: both sides mergeable but 2^63 + 4096 total -> l_cont only', () => {
    const left = map(0n, P62, 0n);
    const nw = map(P62, 0x1000n, P62);
    const right = map(P62 + 0x1000n, P62, P62 + 0x1000n);
    const { c, events, seed, recs } = setup();
    seed(Fork.READ, left, right);
    expect(c.cacheAdd(Fork.READ, nw)).toBe(0);
    expect(events[1]).toMatchObject({ state: L_CONT | L_VALID | R_VALID });
    expect(recs()).toEqual([map(0n, P62 + 0x1000n, 0n), right]);
  });

  it('can_merge3 with exactly 2^63 in total merges all three', () => {
    const left = map(0n, P62, 0n);
    const nw = map(P62, 0x1000n, P62);
    const right = map(P62 + 0x1000n, P62 - 0x1000n, P62 + 0x1000n);
    const { c, events, seed, recs } = setup();
    seed(Fork.READ, left, right);
    expect(c.cacheAdd(Fork.READ, nw)).toBe(0);
    expect(events[1]).toMatchObject({ state: L_CONT | R_CONT | L_VALID | R_VALID });
    expect(recs()).toEqual([map(0n, P63, 0n)]);
  });
});

// ---------------------------------------------------------------------------

describe('fuse_iomap_cache_add: overlap and the write fork', () => {
  const G = map(0x10000n, 0x4000n, 0x100000n);

  it.each<[string, Mapping]>([
    ['starts inside a record', map(0x12000n, 0x1000n, 0x500000n)],
    ['starts at a record', map(0x10000n, 0x1000n, 0x500000n)],
    ['runs into the next record', map(0xf000n, 0x2000n, 0x500000n)],
  ])('%s -> -EUCLEAN, nothing changed, only the cache_add event', (_n, m) => {
    const { c, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, G);
    expect(c.cacheAdd(Fork.READ, m)).toBe(-EUCLEAN);
    expect(-EUCLEAN).toBe(-117);
    expect(names()).toEqual(['fuse_iomap_cache_add']);
    expect(c.seq).toBe(seq0);
    expect(recs()).toEqual([G]);
  });

  it('a mapping ending exactly where the next record starts fits', () => {
    const { c, events, seed, recs } = setup();
    seed(Fork.READ, G);
    const m = map(0xe000n, 0x2000n, 0x500000n);
    expect(c.cacheAdd(Fork.READ, m)).toBe(0);
    expect(events[1]).toMatchObject({ state: R_VALID });
    expect(recs()).toEqual([m, G]);
  });

  /*
   * The brief asked for "the write fork being created by that failed add".
   * In the C (L8753-8760) the kzalloc of im_write happens before the lookup,
   * so the fork is created whatever follows; but a freshly created fork is
   * empty, lookup_extent returns false, and the -EUCLEAN branch cannot be
   * taken: an add into a missing write fork always succeeds. What can be
   * checked: the first add creates the fork (state carries WRITEFORK), a
   * later overlapping add fails and leaves that fork as it was, and an
   * emptied fork stays allocated (MISS, not NOFORK).
   */
  it('the first add creates the write fork; later overlapping adds fail; the emptied fork stays', () => {
    const { c, events, recs, names } = setup();
    const out = mval();
    expect(c.write).toBeNull();
    expect(c.cacheLookup(Fork.WRITE, 0x10000n, 0x1000n, out)).toBe(LookupResult.NOFORK);
    expect(c.cacheRemove(Fork.WRITE, 0n, U64_MAX)).toBe(0); // NULL fork: nothing, no fork created
    expect(c.write).toBeNull();
    events.length = 0;
    expect(c.cacheAdd(Fork.WRITE, G)).toBe(0);
    const wf = c.write;
    expect(wf).not.toBeNull();
    expect(names()).toEqual(['fuse_iomap_cache_add', 'fuse_iext_add_mapping', 'fuse_iext_insert']);
    expect(events[0]).toMatchObject({ fork: Fork.WRITE });
    expect(events[1]).toMatchObject({ state: WRITEFORK });
    expect(events[2]).toMatchObject({ state: WRITEFORK, pos: 0, rec: G });
    expect(c.seq).toBe(1n);
    expect(recs(Fork.READ)).toEqual([]);

    events.length = 0;
    expect(c.cacheAdd(Fork.WRITE, map(0x11000n, 0x1000n, 0x700000n))).toBe(-EUCLEAN);
    expect(names()).toEqual(['fuse_iomap_cache_add']);
    expect(c.write).toBe(wf);
    expect(recs(Fork.WRITE)).toEqual([G]);
    expect(c.seq).toBe(1n);

    expect(c.cacheRemove(Fork.WRITE, 0x10000n, 0x4000n)).toBe(0);
    expect(c.seq).toBe(2n);
    expect(c.write).toBe(wf);
    expect(c.cacheLookup(Fork.WRITE, 0x10000n, 0x1000n, out)).toBe(LookupResult.MISS);
  });
});

// ---------------------------------------------------------------------------

describe('fuse_iomap_cache_remove', () => {
  const three = [map(0n, 0x1000n, 0x100000n), map(0x2000n, 0x1000n, 0x102000n), map(0x4000n, 0x1000n, 0x104000n)];

  it.each<[string, bigint]>([
    ['len = s_maxbytes', LLONG_MAX],
    ['len = INVAL_TO_EOF', FUSE_IOMAP_INVAL_TO_EOF],
  ])('erase-everything shortcut (%s): fork destroyed, seq unchanged, only the cache_remove event', (_n, len) => {
    const { c, events, hazardIds, allocs, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, ...three);
    const leafId = c.read.leafId(c.read.root);
    expect(c.cacheRemove(Fork.READ, 0n, len)).toBe(0);
    expect(names()).toEqual(['fuse_iomap_cache_remove']);
    expect(events[0]).toMatchObject({ fork: Fork.READ, offset: 0n, length: len });
    expect(c.seq).toBe(seq0);
    expect(recs()).toEqual([]);
    expect([c.read.height, c.read.bytes]).toEqual([0, 0]);
    expect(allocs.map(([f, e]) => [f, e.op, e.kind, e.id])).toEqual([[Fork.READ, 'free', 'leaf', leafId]]);
    expect(hazardIds()).toEqual(['erase-all-no-seq-bump']);
  });

  it('the shortcut on an empty fork returns early: no hazard', () => {
    const { c, hazardIds, names } = setup();
    expect(c.cacheRemove(Fork.READ, 0n, U64_MAX)).toBe(0);
    expect(names()).toEqual(['fuse_iomap_cache_remove']);
    expect(hazardIds()).toEqual([]);
  });

  it('the shortcut compares len with a smaller s_maxbytes (len >= s_maxbytes)', () => {
    const { c, seed, recs, hazardIds } = setup(0x10800n);
    const seq0 = seed(Fork.READ, ...three);
    expect(c.cacheRemove(Fork.READ, 0n, 0x107ffn)).toBe(0); // below s_maxbytes: the normal loop, 3 removes
    expect(c.seq - seq0).toBe(3n);
    expect(recs()).toEqual([]);
    expect(hazardIds()).toEqual([]);
    const seq1 = seed(Fork.READ, ...three);
    expect(c.cacheRemove(Fork.READ, 0n, 0x10800n)).toBe(0); // == s_maxbytes: destroy
    expect(c.seq).toBe(seq1);
    expect(recs()).toEqual([]);
    expect(hazardIds()).toEqual(['erase-all-no-seq-bump']);
  });

  it('INVAL_TO_EOF with the default s_maxbytes: round_up wraps to LLONG_MIN, len = 2^63 - start, still works (SPEC 8.20)', () => {
    const { c, events, hazardIds, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, ...spaced(5));
    expect(c.cacheRemove(Fork.READ, 0x4000n, FUSE_IOMAP_INVAL_TO_EOF)).toBe(0);
    expect(events[0]).toMatchObject({ offset: 0x4000n, length: FUSE_IOMAP_INVAL_TO_EOF }); // traced before the conversion
    expect(names().filter((n) => n === 'fuse_iext_remove')).toHaveLength(3);
    expect(recs()).toEqual(spaced(2));
    expect(c.seq - seq0).toBe(3n);
    expect(hazardIds()).toEqual([]); // end == LLONG_MIN exactly is not an overflow hazard
  });

  it('INVAL_TO_EOF with a smaller s_maxbytes: removal stops at round_up(s_maxbytes, bs)', () => {
    // s_maxbytes 0x10800 -> len = 0x11000 - 0x4000; the record at 0x20000 (beyond s_maxbytes,
    // only an ASSERT in cache_add) survives
    const { c, seed, recs } = setup(0x10800n);
    const keep0 = map(0n, 0x1000n, 0x100000n);
    const far = map(0x20000n, 0x1000n, 0x120000n);
    const seq0 = seed(Fork.READ, keep0, map(0x4000n, 0x1000n, 0x104000n), map(0x10000n, 0x1000n, 0x110000n), far);
    expect(c.cacheRemove(Fork.READ, 0x4000n, FUSE_IOMAP_INVAL_TO_EOF)).toBe(0);
    expect(recs()).toEqual([keep0, far]);
    expect(c.seq - seq0).toBe(2n);
  });

  it('len 0 is a no-op (only the trace)', () => {
    const { c, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, ...three);
    expect(c.cacheRemove(Fork.READ, 0x2000n, 0n)).toBe(0);
    expect(c.cacheRemove(Fork.READ, 0n, 0n)).toBe(0); // 0 >= s_maxbytes is false: no shortcut
    expect(names()).toEqual(['fuse_iomap_cache_remove', 'fuse_iomap_cache_remove']);
    expect(c.seq).toBe(seq0);
    expect(recs()).toEqual(three);
  });

  it('a record of unknown type 7 is accepted by cache_add, and cache_remove stops at it with -EUCLEAN', () => {
    const A = map(0n, 0x1000n, 0x100000n);
    const B = map(0x2000n, 0x1000n, 0x102000n, 7);
    const C = map(0x4000n, 0x1000n, 0x104000n);
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, A);
    // cache_add only ASSERTs length and offset: type 7 goes in
    expect(c.cacheAdd(Fork.READ, B)).toBe(0);
    expect(c.cacheAdd(Fork.READ, C)).toBe(0);
    expect(c.seq - seq0).toBe(2n);
    events.length = 0;
    // C (highest) is removed first, then the switch on B's type hits default
    expect(c.cacheRemove(Fork.READ, 0n, 0x5000n)).toBe(-EUCLEAN);
    expect(names()).toEqual(['fuse_iomap_cache_remove', 'fuse_iext_del_mapping', 'fuse_iext_del_mapping_got', 'fuse_iext_remove']);
    expect(events[1]).toMatchObject({ map: C });
    expect(recs()).toEqual([A, B]);
    expect(c.seq - seq0).toBe(3n);
    // the type-7 record alone
    events.length = 0;
    expect(c.cacheRemove(Fork.READ, 0x2000n, 0x1000n)).toBe(-EUCLEAN);
    expect(names()).toEqual(['fuse_iomap_cache_remove']);
    expect(recs()).toEqual([A, B]);
  });
});

// ---------------------------------------------------------------------------

describe('fuse_iomap_cache_lookup (E8)', () => {
  const G = map(0x10000n, 0x10000n, 0x100000n);

  it('HIT trimmed to the block-rounded request, cookie = seq; MISS in a hole and past the end; NOFORK', () => {
    const { c, events, seed, names } = setup();
    const seq0 = seed(Fork.READ, G);
    expect(seq0).toBe(1n);
    const out = mval();
    expect(c.cacheLookup(Fork.READ, 0x12345n, 0x100n, out)).toBe(LookupResult.HIT);
    expect(out).toEqual({ ...map(0x12000n, 0x1000n, 0x102000n), validityCookie: 1n });
    expect(names()).toEqual(['fuse_iomap_cache_lookup', 'fuse_iomap_cache_lookup_result']);
    expect(events[0]).toMatchObject({ fork: Fork.READ, pos: 0x12345n, count: 0x100n });
    expect(events[1]).toMatchObject({ fork: Fork.READ, pos: 0x12345n, count: 0x100n, got: G, map: map(0x12000n, 0x1000n, 0x102000n), cookie: 1n });

    events.length = 0;
    expect(c.cacheLookup(Fork.READ, 0x1f000n, 0x5000n, out)).toBe(LookupResult.HIT); // clipped by the record's end
    expect(out).toEqual({ ...map(0x1f000n, 0x1000n, 0x10f000n), validityCookie: 1n });

    events.length = 0;
    const before = { ...out };
    expect(c.cacheLookup(Fork.READ, 0x8000n, 0x1000n, out)).toBe(LookupResult.MISS); // hole before the record
    expect(c.cacheLookup(Fork.READ, 0x30000n, 0x1000n, out)).toBe(LookupResult.MISS); // past the end
    expect(c.cacheLookup(Fork.WRITE, 0x12000n, 0x1000n, out)).toBe(LookupResult.NOFORK);
    expect(names()).toEqual(['fuse_iomap_cache_lookup', 'fuse_iomap_cache_lookup', 'fuse_iomap_cache_lookup']);
    expect(out).toEqual(before);
    expect(c.seq).toBe(seq0);

    // the cookie follows im_seq
    expect(c.cacheAdd(Fork.READ, map(0x40000n, 0x1000n, 0x900000n))).toBe(0);
    expect(c.cacheLookup(Fork.READ, 0x10000n, 0x1000n, out)).toBe(LookupResult.HIT);
    expect(out.validityCookie).toBe(2n);
  });

  it('trim of a HOLE record hands out NULL_ADDR', () => {
    const { c, seed } = setup();
    seed(Fork.READ, nullmap(0x10000n, 0x10000n, FUSE_IOMAP_TYPE_HOLE));
    const out = mval();
    expect(c.cacheLookup(Fork.READ, 0x12345n, 0x100n, out)).toBe(LookupResult.HIT);
    expect(out).toEqual({ ...nullmap(0x12000n, 0x1000n, FUSE_IOMAP_TYPE_HOLE), validityCookie: 1n });
  });

  it('an empty read fork: MISS', () => {
    const { c } = setup();
    expect(c.cacheLookup(Fork.READ, 0n, 0x1000n, mval())).toBe(LookupResult.MISS);
  });
});

// ---------------------------------------------------------------------------

describe('fuse_iomap_cache_invalidate_range', () => {
  const G = map(0n, 0x10000n, 0x100000n);

  it('unaligned offset and length round outward: 0x2100+0x1000 removes [0x2000, 0x4000)', () => {
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, G);
    expect(c.invalidateRange(0x2100n, 0x1000n)).toBe(0);
    expect(names()).toEqual([
      'fuse_iomap_cache_invalidate_range',
      'fuse_iomap_cache_remove',
      'fuse_iext_del_mapping',
      'fuse_iext_del_mapping_got',
      'fuse_iext_pre_update',
      'fuse_iext_post_update',
      'fuse_iext_insert',
      'fuse_iomap_cache_remove',
    ]);
    expect(events[0]).toMatchObject({ offset: 0x2100n, length: 0x1000n });
    expect(events[1]).toMatchObject({ fork: Fork.READ, offset: 0x2000n, length: 0x2000n });
    expect(events[7]).toMatchObject({ fork: Fork.WRITE, offset: 0x2000n, length: 0x2000n });
    expect(recs()).toEqual([map(0n, 0x2000n, 0x100000n), map(0x4000n, 0xc000n, 0x104000n)]);
    expect(c.seq - seq0).toBe(2n);
  });

  it('length 0 with an unaligned offset removes one block', () => {
    const { c, events, seed, recs } = setup();
    seed(Fork.READ, G);
    expect(c.invalidateRange(0x2100n, 0n)).toBe(0);
    expect(events[1]).toMatchObject({ name: 'fuse_iomap_cache_remove', offset: 0x2000n, length: 0x1000n });
    expect(recs()).toEqual([map(0n, 0x2000n, 0x100000n), map(0x3000n, 0xd000n, 0x103000n)]);
  });

  it('length 0 with an aligned offset removes nothing', () => {
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, G);
    expect(c.invalidateRange(0x2000n, 0n)).toBe(0);
    expect(names()).toEqual(['fuse_iomap_cache_invalidate_range', 'fuse_iomap_cache_remove', 'fuse_iomap_cache_remove']);
    expect(events[1]).toMatchObject({ offset: 0x2000n, length: 0n });
    expect(recs()).toEqual([G]);
    expect(c.seq).toBe(seq0);
  });

  it('a disabled cache is a no-op without events', () => {
    const { c, events, seed, recs } = setup();
    const seq0 = seed(Fork.READ, G);
    c.enabled = false;
    expect(c.invalidateRange(0x2000n, 0x1000n)).toBe(0);
    expect(c.invalidateRange(0n, FUSE_IOMAP_INVAL_TO_EOF)).toBe(0);
    expect(events).toEqual([]);
    expect(recs()).toEqual([G]);
    expect(c.seq).toBe(seq0);
  });

  it('returns the read fork error first', () => {
    const { c, seed, recs, names } = setup();
    seed(Fork.READ, map(0x2000n, 0x1000n, 0x102000n, 7));
    const seq0 = seed(Fork.WRITE, map(0x2000n, 0x1000n, 0x102000n));
    // the write fork is still processed after the read fork failed
    expect(c.invalidateRange(0x2000n, 0x1000n)).toBe(-EUCLEAN);
    expect(names()).toEqual([
      'fuse_iomap_cache_invalidate_range',
      'fuse_iomap_cache_remove',
      'fuse_iomap_cache_remove',
      'fuse_iext_del_mapping',
      'fuse_iext_del_mapping_got',
      'fuse_iext_remove',
    ]);
    expect(recs(Fork.READ)).toEqual([map(0x2000n, 0x1000n, 0x102000n, 7)]);
    expect(recs(Fork.WRITE)).toEqual([]);
    expect(c.seq - seq0).toBe(1n);
  });
});

// ---------------------------------------------------------------------------

describe('SPEC 10.2 worked examples', () => {
  it('E1: 8 upserts of spaced blocks; the 8th spills into a second leaf (height 2, keys 0x0, 0xe000)', () => {
    const { c, events, recs, names } = setup();
    const maps = spaced(8);
    const inserts: CacheEvent[] = [];
    maps.forEach((m, i) => {
      events.length = 0;
      expect(c.cacheUpsert(Fork.READ, m)).toBe(0);
      expect(names()).toEqual(
        i === 0
          ? ['fuse_iomap_cache_remove', 'fuse_iomap_cache_add', 'fuse_iext_add_mapping', 'fuse_iext_insert']
          : ['fuse_iomap_cache_remove', 'fuse_iomap_cache_add', 'fuse_iext_add_mapping', 'fuse_iext_add_mapping_left', 'fuse_iext_insert'],
      );
      expect(events[0]).toMatchObject({ offset: m.offset, length: m.length });
      expect(events[2]).toMatchObject({ state: i === 0 ? 0 : L_VALID });
      inserts.push(events[events.length - 1]);
    });
    expect(c.seq).toBe(8n);
    expect(recs()).toEqual(maps);
    expect(c.read.height).toBe(2);
    const K = c.read.K;
    const keys = Array.from({ length: K }, (_, i) => c.read.arena.keys[c.read.root * K + i]);
    expect(keys).toEqual([0n, 0xe000n, ...Array.from({ length: K - 2 }, () => P63)]);
    const ins = inserts.map((e) => {
      if (e.name !== 'fuse_iext_insert') throw new Error(e.name);
      return e;
    });
    expect(ins.map((e) => e.pos)).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
    // the first 7 in the root leaf, the 8th alone in a new one
    expect(new Set(ins.slice(0, 7).map((e) => e.leafId)).size).toBe(1);
    expect(ins[7].leafId).not.toBe(ins[0].leafId);
    // krealloc moved the root for inserts 2, 3, 4, 5 and 7, not for 6
    const addrs = ins.slice(0, 7).map((e) => e.leafAddr);
    expect(new Set(addrs.slice(0, 5)).size).toBe(5);
    expect(addrs[5]).toBe(addrs[4]);
    expect(addrs[6]).not.toBe(addrs[5]);
  });

  it('E2: upsert filling the gap between two adjacent-addr records merges all three (2 bumps)', () => {
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, map(0n, 0x1000n, 0x100000n), map(0x2000n, 0x1000n, 0x102000n));
    expect(c.cacheUpsert(Fork.READ, map(0x1000n, 0x1000n, 0x101000n))).toBe(0);
    expect(names()).toEqual([
      'fuse_iomap_cache_remove',
      'fuse_iomap_cache_add',
      'fuse_iext_add_mapping',
      'fuse_iext_add_mapping_left',
      'fuse_iext_add_mapping_right',
      'fuse_iext_remove',
      'fuse_iext_pre_update',
      'fuse_iext_post_update',
    ]);
    expect(events[2]).toMatchObject({ state: L_CONT | R_CONT | L_VALID | R_VALID });
    expect(events[3]).toMatchObject({ map: map(0n, 0x1000n, 0x100000n) });
    expect(events[4]).toMatchObject({ map: map(0x2000n, 0x1000n, 0x102000n) });
    expect(events[5]).toMatchObject({ rec: map(0x2000n, 0x1000n, 0x102000n) });
    expect(events[6]).toMatchObject({ rec: map(0n, 0x1000n, 0x100000n) });
    expect(events[7]).toMatchObject({ rec: map(0n, 0x3000n, 0x100000n) });
    expect(recs()).toEqual([map(0n, 0x3000n, 0x100000n)]);
    expect(c.seq - seq0).toBe(2n);
  });

  it('E3: invalidating the middle block splits the record (2 bumps)', () => {
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, map(0n, 0x3000n, 0x100000n));
    expect(c.invalidateRange(0x1000n, 0x1000n)).toBe(0);
    expect(names()).toEqual([
      'fuse_iomap_cache_invalidate_range',
      'fuse_iomap_cache_remove',
      'fuse_iext_del_mapping',
      'fuse_iext_del_mapping_got',
      'fuse_iext_pre_update',
      'fuse_iext_post_update',
      'fuse_iext_insert',
      'fuse_iomap_cache_remove',
    ]);
    expect(events[2]).toMatchObject({ state: 0 });
    expect(events[6]).toMatchObject({ pos: 1, rec: map(0x2000n, 0x1000n, 0x102000n) });
    expect(recs()).toEqual([map(0n, 0x1000n, 0x100000n), map(0x2000n, 0x1000n, 0x102000n)]);
    expect(c.seq - seq0).toBe(2n);
  });

  it('E3b/E3c: UNWRITTEN upsert in the middle (3 bumps), then invalidating the first block (1 bump, end reaches -1)', () => {
    const { c, events, seed, recs, names } = setup();
    const seq0 = seed(Fork.READ, map(0n, 0x3000n, 0x100000n));
    const U = map(0x1000n, 0x1000n, 0x500000n, UNWRITTEN);
    expect(c.cacheUpsert(Fork.READ, U)).toBe(0);
    expect(c.seq - seq0).toBe(3n);
    expect(events.find((e) => e.name === 'fuse_iext_add_mapping')).toMatchObject({ state: L_VALID | R_VALID });
    expect(recs()).toEqual([map(0n, 0x1000n, 0x100000n), U, map(0x2000n, 0x1000n, 0x102000n)]);

    events.length = 0;
    expect(c.invalidateRange(0n, 0x1000n)).toBe(0);
    expect(names()).toEqual([
      'fuse_iomap_cache_invalidate_range',
      'fuse_iomap_cache_remove',
      'fuse_iext_del_mapping',
      'fuse_iext_del_mapping_got',
      'fuse_iext_remove',
      'fuse_iomap_cache_remove',
    ]);
    expect(events[2]).toMatchObject({ state: L_FILL | R_FILL });
    expect(events[4]).toMatchObject({ pos: 0, rec: map(0n, 0x1000n, 0x100000n) });
    expect(recs()).toEqual([U, map(0x2000n, 0x1000n, 0x102000n)]);
    expect(c.seq - seq0).toBe(4n);
  });

  it('E4: invalidate from 0 to EOF empties both forks without a seq bump', () => {
    const { c, events, hazardIds, seed, recs, names } = setup();
    seed(Fork.READ, ...spaced(3));
    const seq0 = seed(Fork.WRITE, ...spaced(2, 4));
    const wf = c.write;
    expect(c.invalidateRange(0n, FUSE_IOMAP_INVAL_TO_EOF)).toBe(0);
    expect(names()).toEqual(['fuse_iomap_cache_invalidate_range', 'fuse_iomap_cache_remove', 'fuse_iomap_cache_remove']);
    expect(events[1]).toMatchObject({ fork: Fork.READ, offset: 0n, length: FUSE_IOMAP_INVAL_TO_EOF });
    expect(events[2]).toMatchObject({ fork: Fork.WRITE, offset: 0n, length: FUSE_IOMAP_INVAL_TO_EOF });
    expect(c.seq).toBe(seq0);
    expect(recs(Fork.READ)).toEqual([]);
    expect(recs(Fork.WRITE)).toEqual([]);
    expect(c.write).toBe(wf); // the fork struct itself stays
    expect(hazardIds()).toEqual(['erase-all-no-seq-bump', 'erase-all-no-seq-bump']);
  });

  it('E5: invalidate from 0x4000 to EOF removes 3 of 5 records, highest first', () => {
    const { c, events, seed, recs, names } = setup();
    const maps = spaced(5);
    const seq0 = seed(Fork.READ, ...maps);
    expect(c.invalidateRange(0x4000n, FUSE_IOMAP_INVAL_TO_EOF)).toBe(0);
    const triple = ['fuse_iext_del_mapping', 'fuse_iext_del_mapping_got', 'fuse_iext_remove'];
    expect(names()).toEqual(['fuse_iomap_cache_invalidate_range', 'fuse_iomap_cache_remove', ...triple, ...triple, ...triple, 'fuse_iomap_cache_remove']);
    expect(events[1]).toMatchObject({ fork: Fork.READ, offset: 0x4000n, length: FUSE_IOMAP_INVAL_TO_EOF });
    [4, 3, 2].forEach((k, j) => {
      expect(events[2 + 3 * j]).toMatchObject({ state: L_FILL | R_FILL, map: maps[k] });
      expect(events[4 + 3 * j]).toMatchObject({ state: L_FILL | R_FILL, pos: k, rec: maps[k] });
    });
    expect(recs()).toEqual(maps.slice(0, 2));
    expect(c.seq - seq0).toBe(3n);
  });

  /*
   * E6: start 0x2000, len 2^64 - 0x2000: end = start + len wraps to 0 and
   * lookup_extent_before looks up -1.
   *  - height 1: rec_cmp is signed, the first record "covers" -1 but starts
   *    after it, prev from pos 0 fails: nothing removed;
   *  - height 2 with a non-full root (40 records): find_level returns NULL,
   *    prev falls back to the last record: records 1..39 removed (39 bumps);
   *  - full root (112 records, 16 leaves): find_level reaches the last leaf,
   *    its first record (r105) starts after -1, prev steps into leaf 14:
   *    r1..r104 removed (104 bumps), r105..r111 and r0 stay.
   * Checked against the C: the digest's numbers are right.
   */
  it.each<[number, number[], bigint]>([
    [5, [0, 1, 2, 3, 4], 0n],
    [40, [0], 39n],
    [112, [0, 105, 106, 107, 108, 109, 110, 111], 104n],
  ])('E6: remove 0x2000 + (2^64 - 0x2000) over %i records', (n, left, delta) => {
    const { c, hazardIds, seed, recs } = setup();
    const maps = spaced(n);
    const seq0 = seed(Fork.READ, ...maps);
    expect(c.cacheRemove(Fork.READ, 0x2000n, (1n << 64n) - 0x2000n)).toBe(0);
    expect(recs()).toEqual(left.map((i) => maps[i]));
    expect(c.seq - seq0).toBe(delta);
    expect(hazardIds()).toEqual(['remove-end-overflow']);
  });

  it('E7: an upsert at offset 2^63 (LLONG_MIN) is accepted on a height-1 fork and poisons later lookups', () => {
    const { c, hazardIds, seed, recs } = setup();
    const maps = spaced(3);
    const seq0 = seed(Fork.READ, ...maps);
    const poison = map(LLONG_MIN, 0x1000n, 0x5000n);
    // remove step: lookup of end - 1 (negative) "hits" r0 which starts after it, prev fails: nothing removed
    expect(c.cacheUpsert(Fork.READ, poison)).toBe(0);
    expect(c.seq - seq0).toBe(1n);
    expect(recs()).toEqual([poison, ...maps]); // signed rec_cmp: sorts first
    expect(hazardIds()).toContain('remove-end-overflow');
    expect(hazardIds()).toContain('negative-offset-record');
    // its u64 end covers every offset: a lookup at 0x2000 hits it
    const out = mval();
    expect(c.cacheLookup(Fork.READ, 0x2000n, 0x1000n, out)).toBe(LookupResult.HIT);
    expect(out).toEqual({ ...map(0x2000n, 0x1000n, 0x8000_0000_0000_7000n), validityCookie: c.seq });
    // and every later read-fork upsert fails
    expect(c.cacheUpsert(Fork.READ, map(0x8000n, 0x1000n, 0x108000n))).toBe(-EUCLEAN);
    expect(recs()).toEqual([poison, ...maps]);
  });

  it('E7 at height 2 (10 records): the remove step deletes every record first, only the poison remains', () => {
    const { c, seed, recs } = setup();
    const seq0 = seed(Fork.READ, ...spaced(10));
    expect(c.read.height).toBe(2);
    const poison = map(LLONG_MIN, 0x1000n, 0x5000n);
    expect(c.cacheUpsert(Fork.READ, poison)).toBe(0);
    expect(recs()).toEqual([poison]);
    expect(c.seq - seq0).toBe(11n);
  });
});
