// SPDX-License-Identifier: GPL-2.0-only
/*
 * Property tests (fast-check):
 *
 *  (a) model-based: random command sequences run on IomapCache (the model
 *      of the C) and OracleCache (src/oracle/extent-map.ts, written from the
 *      meaning) side by side; after every command the return value, the
 *      sequence counter, the lookup result/mapping/cookie and the record
 *      lists of both forks must agree, and each fork's tree must pass
 *      checkTreeStructure and checkMappings;
 *  (a') the same comparison on big trees (heights 3-5) built by long
 *      sequential/random insert runs and then torn down again, down to an
 *      empty fork, by range removes and punches;
 *  (b) random insert/remove sequences directly on IextTree keep the tree
 *      structurally sound and equal to a sorted-btree map;
 *  plus plain tests proving checkTreeStructure can fail.
 *
 * Runs: IOMAP_SIM_PROP_RUNS (default 10000) for (a) and (b); (a') uses
 * runs / 100 (at least 5). fast-check prints the seed and the shrunk
 * counterexample of a failure; the error message also lists the last
 * concrete cache operations. The model, the pairing with the oracle and
 * the command generators live in src/fuzz, shared with `iomap-sim fuzz`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EUCLEAN,
  FUSE_IOMAP_INVAL_TO_EOF,
  FUSE_IOMAP_NULL_ADDR,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_NULL,
  Fork,
  LookupResult,
} from '../src/cache/constants.js';
import type { CachedMapping } from '../src/cache/iomap-cache.js';
import { checkTreeStructure } from '../src/iext/check.js';
import { FUSE_GEOMETRY, type Geometry, XFS_GEOMETRY } from '../src/iext/geometry.js';
import { type Cursor, type Mapping, emptyMapping } from '../src/iext/record.js';
import { IextTree } from '../src/iext/tree.js';
import { NULL } from '../src/iext/arena.js';
import { OracleCache } from '../src/oracle/extent-map.js';
import { makeWorld, newStats, Pair, S64_MAX, SENTINEL, worldArb } from '../src/fuzz/cache-model.js';
import { cmdArb, forkArb, runCmd, runOps, unit } from '../src/fuzz/cache-commands.js';
import { TreePair, runTreeCmd, treeCmdArb } from '../src/fuzz/tree-model.js';

const RUNS = Math.max(1, Number(process.env.IOMAP_SIM_PROP_RUNS ?? 10000) || 10000);
const BIG_RUNS = Math.max(5, Math.ceil(RUNS / 100));

// ------------------------------------------------------ (a) model-based

describe('IomapCache against OracleCache', () => {
  it(`agrees on random command sequences (${RUNS} runs)`, () => {
    const stats = newStats();
    fc.assert(
      fc.property(worldArb, fc.array(cmdArb, { minLength: 1, maxLength: 60 }), (w, cmds) => {
        const p = new Pair(w, stats);
        for (const c of cmds) runCmd(p, c);
      }),
      { numRuns: RUNS },
    );
    // The generator must actually reach the interesting cases.
    if (RUNS >= 2000) {
      expect(stats.maxHeight.fuse).toBeGreaterThanOrEqual(3);
      expect(stats.maxHeight.xfs).toBeGreaterThanOrEqual(3);
      for (const k of ['addInsert', 'addMergeOne', 'addMergeBoth', 'addFail', 'removeWhole', 'removeTrim', 'removePunch', 'removeFail', 'shortcut', 'hit', 'miss', 'nofork'] as const)
        expect(stats[k], k).toBeGreaterThan(0);
    }
    if (process.env.IOMAP_SIM_PROP_STATS) console.log(JSON.stringify(stats));
  });

  it(`agrees on big trees built by long insert runs and torn down again (${BIG_RUNS} runs)`, () => {
    const stats = newStats();
    const bigArb = fc.record({
      world: worldArb,
      fork: forkArb,
      // how many records, as a multiple of what a height-3 tree can hold when packed
      fill: fc.double({ min: 0.9, max: 2.2, noNaN: true }),
      order: fc.constantFrom<'asc' | 'desc' | 'shuffle'>('asc', 'desc', 'shuffle'),
      seed: fc.nat(),
      teardown: fc.array(fc.record({ pick: unit, span: fc.integer({ min: 1, max: 80 }), punch: fc.boolean() }), { minLength: 20, maxLength: 60 }),
    });
    fc.assert(
      fc.property(bigArb, ({ world, fork, fill, order, seed, teardown }) => {
        const p = new Pair(world, stats);
        const g = makeWorld(world).geometry;
        const n = Math.ceil(fill * g.recsPerLeaf * g.keysPerNode * g.keysPerNode);
        const ops = runOps({ k: 'run', fork, op: 'add', startBlk: 0, n, lenBlocks: 2, gapBlocks: 0, order, seed, kind: 'mapped' }, p.bs);
        let i = 0;
        let h = 0;
        for (const o of ops) {
          p.exec(o);
          const t = p.cache.forkPtr(fork)!;
          if (++i % 512 === 0 || t.height !== h) p.check();
          h = t.height;
        }
        p.check();
        // tear down: range removes, punches, then everything
        for (const t of teardown) {
          const recs = p.oracle.records(fork) ?? [];
          if (recs.length === 0) break;
          const k = Math.min(recs.length - 1, Math.floor(t.pick * recs.length));
          const last = recs[Math.min(recs.length - 1, k + t.span)];
          const a = recs[k];
          if (t.punch && a.length >= 2n * p.bs) {
            p.exec({ op: 'remove', fork, start: a.offset + p.bs / 2n, len: p.bs });
          } else {
            p.exec({ op: 'remove', fork, start: a.offset, len: last.offset + last.length - a.offset });
          }
          p.check();
        }
        // add a little back, then remove the rest in big chunks from the top
        p.exec({ op: 'upsert', fork, map: { offset: 0n, length: p.bs, addr: FUSE_IOMAP_NULL_ADDR, type: FUSE_IOMAP_TYPE_HOLE, flags: 0, dev: 0 } });
        for (;;) {
          const recs = p.oracle.records(fork) ?? [];
          if (recs.length === 0) break;
          const k = Math.floor(recs.length * 0.6);
          p.exec({ op: 'remove', fork, start: recs[k].offset, len: 1n << 40n });
          p.check();
        }
        if (p.cache.forkPtr(fork)!.height !== 0) p.fail('fork not empty after removing every record');
        p.exec({ op: 'inval', off: 0n, len: FUSE_IOMAP_INVAL_TO_EOF });
        p.check();
      }),
      { numRuns: BIG_RUNS },
    );
    if (BIG_RUNS >= 20) {
      expect(stats.maxHeight.fuse).toBeGreaterThanOrEqual(4);
      expect(stats.maxHeight.xfs).toBeGreaterThanOrEqual(4);
      expect(stats.removePunch).toBeGreaterThan(0);
    }
    if (process.env.IOMAP_SIM_PROP_STATS) console.log(JSON.stringify(stats));
  });
});

// ------------------------------------------------ (b) IextTree directly

describe('IextTree against a sorted map', () => {
  it(`stays sound under random inserts and removes (${RUNS} runs)`, () => {
    const heights = { fuse: 0, xfs: 0 };
    fc.assert(
      fc.property(fc.constantFrom('fuse', 'xfs'), fc.array(treeCmdArb, { minLength: 1, maxLength: 60 }), (gname, cmds) => {
        const t = new TreePair(gname === 'fuse' ? FUSE_GEOMETRY : XFS_GEOMETRY);
        let probe = 1;
        for (const c of cmds) {
          if (!runTreeCmd(t, c, probe)) continue;
          probe++;
          const h = t.tree.height;
          if (h > heights[t.geometry.name]) heights[t.geometry.name] = h;
        }
      }),
      { numRuns: RUNS },
    );
    if (RUNS >= 2000) {
      expect(heights.fuse).toBeGreaterThanOrEqual(3);
      expect(heights.xfs).toBeGreaterThanOrEqual(3);
    }
  });
});


// ------------------------------------------- the checker can fail

function bigTree(geometry: Geometry, n: number): IextTree {
  const tree = new IextTree(geometry, { incSeq: () => {} });
  for (let i = 0; i < n; i++) {
    const offset = BigInt(i) * 4096n;
    const cur: Cursor = { leaf: NULL, pos: 0 };
    tree.lookupExtent(offset, cur, emptyMapping());
    tree.insertRaw(cur, { offset, length: 4096n, addr: BigInt(i) * 8192n, type: FUSE_IOMAP_TYPE_MAPPED, flags: 0, dev: 1 });
  }
  return tree;
}

describe('checkTreeStructure', () => {
  it('passes sound trees of every height', () => {
    for (const g of [FUSE_GEOMETRY, XFS_GEOMETRY]) {
      for (const n of [0, 1, 5, g.recsPerLeaf, g.recsPerLeaf + 1, 200, 2000]) {
        const t = bigTree(g, n);
        expect(checkTreeStructure(t), `${g.name} n=${n}`).toEqual([]);
      }
    }
    expect(bigTree(FUSE_GEOMETRY, 2000).height).toBe(4);
  });

  it('reports a node key that does not match its child', () => {
    const t = bigTree(FUSE_GEOMETRY, 200);
    expect(t.height).toBe(3);
    const a = t.arena;
    a.keys[t.root * t.K + 1] += 1n;
    const p = checkTreeStructure(t);
    expect(p.length).toBeGreaterThan(0);
    expect(p.join('\n')).toMatch(/first key of its child/);
  });

  it('reports a key in a lower node that is out of order', () => {
    const t = bigTree(XFS_GEOMETRY, 600);
    expect(t.height).toBe(3);
    const a = t.arena;
    const child = a.ptrs[t.root * t.K]; // a level-2 node
    a.keys[child * t.K + 2] = a.keys[child * t.K + 1];
    expect(checkTreeStructure(t).join('\n')).toMatch(/not above keys\[1\]/);
  });

  it('reports a broken leaf chain', () => {
    const t = bigTree(FUSE_GEOMETRY, 100);
    const first = t.findFirstLeaf();
    const second = t.arena.next[first];
    t.arena.next[first] = t.arena.next[second]; // skip a leaf
    expect(checkTreeStructure(t).join('\n')).toMatch(/leaf chain/);
    t.arena.next[first] = second;
    expect(checkTreeStructure(t)).toEqual([]);
    t.arena.prev[second] = NULL;
    expect(checkTreeStructure(t).join('\n')).toMatch(/prev of leaf/);
  });

  it('reports unsorted records, holes in a leaf and a wrong count', () => {
    const t = bigTree(FUSE_GEOMETRY, 50);
    const a = t.arena;
    let leaf = t.findFirstLeaf();
    const R = t.R;
    // swap the offsets of the first two records of the first leaf
    const o0 = a.off[leaf * R];
    a.off[leaf * R] = a.off[leaf * R + 1];
    a.off[leaf * R + 1] = o0;
    expect(checkTreeStructure(t).join('\n')).toMatch(/not above record 0/);
    a.off[leaf * R + 1] = a.off[leaf * R];
    a.off[leaf * R] = o0;
    expect(checkTreeStructure(t)).toEqual([]);
    t.bytes += t.geometry.recSize;
    expect(checkTreeStructure(t).join('\n')).toMatch(/count\(\)/);
    t.bytes -= t.geometry.recSize;
    // a record past an empty slot of a leaf that is not full (50 = 7 * 7 + 1)
    leaf = t.findLastLeaf();
    expect(a.len[leaf * R + 1]).toBe(0n);
    a.len[leaf * R + 2] = 4096n;
    expect(checkTreeStructure(t).join('\n')).toMatch(/not packed/);
  });

  it('reports a height-1 root with a stray record and an inconsistent empty fork', () => {
    const t = bigTree(XFS_GEOMETRY, 3);
    expect(t.height).toBe(1);
    t.arena.len[t.root * t.R + 3] = 1n;
    expect(checkTreeStructure(t).length).toBeGreaterThan(0);
    const e = bigTree(FUSE_GEOMETRY, 0);
    e.height = 1;
    expect(checkTreeStructure(e).length).toBeGreaterThan(0);
  });

  it('reports a freed leaf still reachable from its parent', () => {
    const t = bigTree(FUSE_GEOMETRY, 40);
    expect(t.height).toBe(2);
    const leaf = t.arena.ptrs[t.root * t.K + 1];
    t.arena.freeLeaf(leaf);
    expect(checkTreeStructure(t).join('\n')).toMatch(/free/);
  });
});

// ------------------------------------------- the oracle by hand

describe('OracleCache', () => {
  const m = (offset: bigint, length: bigint, addr: bigint): Mapping => ({ offset, length, addr, type: FUSE_IOMAP_TYPE_MAPPED, flags: 0, dev: 1 });
  const K4 = 4096n;

  it('counts one bump per tree primitive', () => {
    const o = new OracleCache({ blockSize: K4, maxBytes: S64_MAX });
    expect(o.add(Fork.READ, m(0n, 2n * K4, 0n))).toBe(0); // insert: 1
    expect(o.add(Fork.READ, m(4n * K4, K4, 4n * K4))).toBe(0); // insert: 1
    expect(o.seq).toBe(2n);
    expect(o.add(Fork.READ, m(2n * K4, 2n * K4, 2n * K4))).toBe(0); // merges both sides: 2
    expect(o.seq).toBe(4n);
    expect(o.records(Fork.READ)).toEqual([m(0n, 5n * K4, 0n)]);
    expect(o.remove(Fork.READ, K4, K4)).toBe(0); // punch: update + insert
    expect(o.seq).toBe(6n);
    expect(o.records(Fork.READ)).toEqual([m(0n, K4, 0n), m(2n * K4, 3n * K4, 2n * K4)]);
    expect(o.remove(Fork.READ, 2n * K4, K4)).toBe(0); // cut the front: 1
    expect(o.remove(Fork.READ, 0n, K4)).toBe(0); // whole record: 1
    expect(o.seq).toBe(8n);
    expect(o.remove(Fork.READ, 100n * K4, K4)).toBe(0); // nothing there: 0
    expect(o.add(Fork.READ, m(3n * K4, K4, 0n))).toBe(-EUCLEAN); // overlaps: 0
    expect(o.seq).toBe(8n);
    expect(o.remove(Fork.READ, 0n, FUSE_IOMAP_INVAL_TO_EOF)).toBe(0); // erase-everything shortcut: 0
    expect(o.records(Fork.READ)).toEqual([]);
    expect(o.seq).toBe(8n);
  });

  it('creates the write fork on the first add only, and trims lookups to blocks', () => {
    const o = new OracleCache({ blockSize: K4, maxBytes: S64_MAX });
    const mv: CachedMapping = { ...SENTINEL };
    expect(o.lookup(Fork.WRITE, 0n, 1n, mv)).toBe(LookupResult.NOFORK);
    expect(o.remove(Fork.WRITE, 0n, K4)).toBe(0);
    expect(o.invalidateRange(0n, K4)).toBe(0);
    expect(o.records(Fork.WRITE)).toBeNull();
    expect(o.add(Fork.WRITE, m(K4, 8n * K4, 0x100000n))).toBe(0);
    expect(o.lookup(Fork.WRITE, 0n, 1n, mv)).toBe(LookupResult.MISS);
    expect(o.lookup(Fork.WRITE, 3n * K4 + 5n, K4, mv)).toBe(LookupResult.HIT);
    expect(mv).toEqual({ ...m(3n * K4, 2n * K4, 0x100000n + 2n * K4), validityCookie: 1n });
    expect(o.invalidateRange(2n * K4 + 1n, 1n)).toBe(0); // rounds out to [2, 3) blocks
    expect(o.records(Fork.WRITE)).toEqual([m(K4, K4, 0x100000n), m(3n * K4, 6n * K4, 0x100000n + 2n * K4)]);
  });
});

describe('IomapCache against OracleCache, edge cases', () => {
  const mk = (offset: bigint, length: bigint, addr = 0x1000_0000n + offset): Mapping => ({ offset, length, addr, type: FUSE_IOMAP_TYPE_MAPPED, flags: 0, dev: 1 });

  it('removes to EOF up to round_up(s_maxbytes), and nothing from beyond it', () => {
    for (const geometry of ['fuse', 'xfs'] as const) {
      const p = new Pair({ geometry, blockShift: 12, maxBytes: 'small' }, newStats()); // EOF rounds up to block 1501
      const B = p.bs;
      p.exec({ op: 'add', fork: Fork.READ, map: mk(1600n * B, 4n * B) });
      p.exec({ op: 'add', fork: Fork.READ, map: mk(1400n * B, 200n * B, 0x9000_0000n) });
      p.exec({ op: 'remove', fork: Fork.READ, start: 1700n * B, len: FUSE_IOMAP_INVAL_TO_EOF });
      p.exec({ op: 'remove', fork: Fork.READ, start: 1000n * B, len: FUSE_IOMAP_INVAL_TO_EOF });
      p.check();
      expect(p.oracle.records(Fork.READ)).toEqual([mk(1501n * B, 99n * B, 0x9000_0000n + 101n * B), mk(1600n * B, 4n * B)]);
      p.exec({ op: 'inval', off: 100n, len: FUSE_IOMAP_INVAL_TO_EOF }); // aligned to 0: the shortcut
      p.check();
      expect(p.oracle.records(Fork.READ)).toEqual([]);
    }
  });

  it('removes to EOF when round_up(LLONG_MAX) wraps to LLONG_MIN', () => {
    const p = new Pair({ geometry: 'fuse', blockShift: 9, maxBytes: 'llong' }, newStats());
    const top = 1n << 62n;
    p.exec({ op: 'add', fork: Fork.WRITE, map: mk(top - 4096n, 4096n) });
    p.exec({ op: 'add', fork: Fork.WRITE, map: mk(0n, 4096n, 0n) });
    p.exec({ op: 'remove', fork: Fork.WRITE, start: 512n, len: FUSE_IOMAP_INVAL_TO_EOF });
    p.check();
    expect(p.oracle.records(Fork.WRITE)).toEqual([mk(0n, 512n, 0n)]);
    expect(p.oracle.seq).toBe(4n);
  });

  it('stops at a record of an unknown type, having removed the ones above it', () => {
    const p = new Pair({ geometry: 'xfs', blockShift: 12, maxBytes: 'llong' }, newStats());
    const B = p.bs;
    p.exec({ op: 'add', fork: Fork.READ, map: mk(0n, B) });
    p.exec({ op: 'add', fork: Fork.READ, map: { ...mk(2n * B, B), type: FUSE_IOMAP_TYPE_NULL } });
    p.exec({ op: 'add', fork: Fork.READ, map: mk(4n * B, 2n * B) });
    p.exec({ op: 'upsert', fork: Fork.READ, map: mk(0n, 5n * B) });
    p.check();
    expect(p.oracle.records(Fork.READ)?.map((r) => r.offset)).toEqual([0n, 2n * B, 5n * B]);
  });
});
