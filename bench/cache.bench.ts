// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cache operations on a pre-filled cache: the model (IomapCache over the
 * fuse_iext B+tree, fuse and xfs geometry) next to the oracle (OracleCache,
 * a sorted-btree ordered map with the same merge semantics) doing the same
 * job in the same Benchmark.Suite.
 *
 * Each (geometry, size) is filled once, with every other block mapped so
 * that nothing merges, and reused by every operation. Operands are drawn
 * before any timing from a seeded PRNG into arrays that the benchmark
 * functions walk cyclically; the operations that mutate put back what they
 * change, and the fill is checked after the mutating benchmarks.
 */
import { Fork, FUSE_IOMAP_TYPE_MAPPED, LookupResult } from '../src/cache/constants.js';
import { type CachedMapping, IomapCache } from '../src/cache/iomap-cache.js';
import { FUSE_GEOMETRY, type Geometry, XFS_GEOMETRY } from '../src/iext/geometry.js';
import type { Mapping } from '../src/iext/record.js';
import { OracleCache } from '../src/oracle/extent-map.js';
import { prng } from '../src/scenario/generate.js';
import { type BenchArgs, BLOCK, BLOCK_N, benchInode, type Figure, fillMapping, now, runRounds } from './common.js';

export const CACHE_SIZES = [1_000, 100_000, 1_000_000] as const;
const OPS = 1 << 16; // operands per array (walked cyclically)
const MASK = OPS - 1;

export interface CacheOpFigures {
  op: string;
  model: Figure;
  oracle: Figure;
  /** model hz / oracle hz (> 1: the model is faster) */
  ratio: number;
}

export interface CacheRow {
  geometry: string;
  extents: number;
  /** tree height after the fill (append order: full leaves and nodes) */
  height: number;
  /** tree height after the mutating benchmarks (split leaves: less dense) */
  heightAfter: number;
  /** one-shot fill times, seconds (appending fillMapping(0..n-1) in order) */
  fillSeconds: { model: number; oracle: number; ratio: number };
  /** share of the lookup operands that hit */
  lookupHitShare: number;
  ops: CacheOpFigures[];
}

export interface CacheResult {
  suite: 'cache';
  rounds: number;
  maxTime: number;
  rows: CacheRow[];
}

function newMval(): CachedMapping {
  return { addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, dev: 0, validityCookie: 0n };
}

/** A mapping for the hole after extent k: same type, other device, so it never merges. */
function holeMapping(k: number): Mapping {
  return {
    offset: BigInt(2 * k + 1) * BLOCK_N,
    length: BLOCK_N,
    addr: 0x8000_0000_0000n + BigInt(3 * k) * BLOCK_N,
    type: FUSE_IOMAP_TYPE_MAPPED,
    flags: 0,
    dev: 2,
  };
}

interface Operands {
  lookOff: bigint[];
  lookLen: bigint[];
  existing: Mapping[];
  holes: Mapping[];
}

function makeOperands(n: number, seed: number): Operands {
  const rnd = prng(seed);
  const pick = (m: number) => Math.floor(rnd() * m);
  const ops: Operands = { lookOff: [], lookLen: [], existing: [], holes: [] };
  for (let i = 0; i < OPS; i++) {
    // any byte of the 2n mapped-or-hole blocks: about half the lookups hit
    ops.lookOff.push(BigInt(pick(2 * n)) * BLOCK_N + BigInt(pick(BLOCK)));
    ops.lookLen.push(BigInt(1 + pick(4 * BLOCK)));
    ops.existing.push(fillMapping(pick(n)));
    ops.holes.push(holeMapping(pick(n)));
  }
  return ops;
}

function sameMapping(a: CachedMapping, b: CachedMapping): boolean {
  return a.offset === b.offset && a.length === b.length && a.addr === b.addr && a.type === b.type && a.flags === b.flags && a.dev === b.dev;
}

/** Run every lookup operand on both; they must agree. Returns the hit share. */
function crossCheckLookups(model: IomapCache, oracle: OracleCache, ops: Operands, what: string): number {
  const a = newMval();
  const b = newMval();
  let hits = 0;
  for (let i = 0; i < OPS; i++) {
    const ra = model.cacheLookup(Fork.READ, ops.lookOff[i], ops.lookLen[i], a);
    const rb = oracle.lookup(Fork.READ, ops.lookOff[i], ops.lookLen[i], b);
    if (ra !== rb || (ra === LookupResult.HIT && !sameMapping(a, b)))
      throw new Error(`${what}: model and oracle disagree on lookup 0x${ops.lookOff[i].toString(16)}+0x${ops.lookLen[i].toString(16)}: ${ra} vs ${rb}`);
    if (ra === LookupResult.HIT) hits++;
  }
  return hits / OPS;
}

function checkFill(model: IomapCache, oracle: OracleCache, n: number, what: string): void {
  const mc = model.read.count();
  const oc = oracle.records(Fork.READ)?.length ?? 0;
  if (mc !== n || oc !== n) throw new Error(`${what}: fill not restored (model ${mc}, oracle ${oc}, expected ${n} extents)`);
}

export function fillModel(geometry: Geometry, n: number, order?: readonly number[]): IomapCache {
  const c = new IomapCache(benchInode(), { geometry });
  for (let i = 0; i < n; i++) {
    const err = c.cacheAdd(Fork.READ, fillMapping(order ? order[i] : i));
    if (err) throw new Error(`model fill: cacheAdd returned ${err}`);
  }
  return c;
}

export function fillOracle(n: number, order?: readonly number[]): OracleCache {
  const inode = benchInode();
  const c = new OracleCache({ blockSize: inode.blockSize, maxBytes: inode.maxBytes });
  for (let i = 0; i < n; i++) {
    const err = c.add(Fork.READ, fillMapping(order ? order[i] : i));
    if (err) throw new Error(`oracle fill: add returned ${err}`);
  }
  return c;
}

export function runCacheBench(args: BenchArgs, log: (s: string) => void): CacheResult {
  const maxTime = args.quick ? 0.1 : 0.4;
  const rounds = args.quick ? 1 : 2;
  const opts = { maxTime, minSamples: 5, log };
  const rows: CacheRow[] = [];
  const geometries: Array<[string, Geometry]> = [
    ['fuse', FUSE_GEOMETRY],
    ['xfs', XFS_GEOMETRY],
  ];

  for (const n of CACHE_SIZES) {
    const ops = makeOperands(n, 0x5eed + n);
    // One oracle fill per size: the oracle has no geometry.
    let t = now();
    const oracle = fillOracle(n);
    const oracleFill = (now() - t) / 1000;
    for (const [gname, geometry] of geometries) {
      const what = `${gname} ${n}`;
      log(`  cache: ${what} extents (oracle fill ${oracleFill.toFixed(2)} s)`);
      t = now();
      const model = fillModel(geometry, n);
      const modelFill = (now() - t) / 1000;
      checkFill(model, oracle, n, what);
      const hitShare = crossCheckLookups(model, oracle, ops, what);
      const height = model.read.height;

      const mvalA = newMval();
      const mvalB = newMval();
      const { lookOff, lookLen, existing, holes } = ops;
      let i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0, i7 = 0, i8 = 0;
      const fail = (who: string, op: string, ret: number): never => {
        throw new Error(`${what}: ${who} ${op} returned ${ret}`);
      };
      const plan: Array<[string, () => unknown, () => unknown]> = [
        [
          'lookup',
          () => {
            i1 = (i1 + 1) & MASK;
            return model.cacheLookup(Fork.READ, lookOff[i1], lookLen[i1], mvalA);
          },
          () => {
            i2 = (i2 + 1) & MASK;
            return oracle.lookup(Fork.READ, lookOff[i2], lookLen[i2], mvalB);
          },
        ],
        [
          // replace an extent by itself: remove + add inside upsert
          'upsert (same extent back)',
          () => {
            i3 = (i3 + 1) & MASK;
            const r = model.cacheUpsert(Fork.READ, existing[i3]);
            if (r) fail('model', 'upsert', r);
          },
          () => {
            i4 = (i4 + 1) & MASK;
            const r = oracle.upsert(Fork.READ, existing[i4]);
            if (r) fail('oracle', 'upsert', r);
          },
        ],
        [
          'remove extent + add back',
          () => {
            i5 = (i5 + 1) & MASK;
            const m = existing[i5];
            const r = model.cacheRemove(Fork.READ, m.offset, m.length) || model.cacheAdd(Fork.READ, m);
            if (r) fail('model', 'remove/add', r);
          },
          () => {
            i6 = (i6 + 1) & MASK;
            const m = existing[i6];
            const r = oracle.remove(Fork.READ, m.offset, m.length) || oracle.add(Fork.READ, m);
            if (r) fail('oracle', 'remove/add', r);
          },
        ],
        [
          'add into hole + remove',
          () => {
            i7 = (i7 + 1) & MASK;
            const m = holes[i7];
            const r = model.cacheAdd(Fork.READ, m) || model.cacheRemove(Fork.READ, m.offset, m.length);
            if (r) fail('model', 'add/remove', r);
          },
          () => {
            i8 = (i8 + 1) & MASK;
            const m = holes[i8];
            const r = oracle.add(Fork.READ, m) || oracle.remove(Fork.READ, m.offset, m.length);
            if (r) fail('oracle', 'add/remove', r);
          },
        ],
      ];

      const figures: CacheOpFigures[] = [];
      for (const [op, fm, fo] of plan) {
        const [m, o] = runRounds(`${what} ${op}`, [
          ['model', fm],
          ['oracle', fo],
        ], opts, rounds);
        figures.push({ op, model: m, oracle: o, ratio: m.hz / o.hz });
      }
      // The mutating benchmarks must have left both fills as they were.
      checkFill(model, oracle, n, what);
      crossCheckLookups(model, oracle, ops, `${what} (after the mutating benchmarks)`);
      rows.push({
        geometry: gname,
        extents: n,
        height,
        heightAfter: model.read.height,
        fillSeconds: { model: modelFill, oracle: oracleFill, ratio: oracleFill / modelFill },
        lookupHitShare: hitShare,
        ops: figures,
      });
    }
  }
  return { suite: 'cache', rounds, maxTime, rows };
}
