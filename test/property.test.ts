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
 * concrete cache operations.
 */
import fc from 'fast-check';
import BTreeImport from 'sorted-btree';
import { describe, expect, it } from 'vitest';
import {
  EUCLEAN,
  FUSE_IOMAP_INVAL_TO_EOF,
  FUSE_IOMAP_NULL_ADDR,
  FUSE_IOMAP_TYPE_DELALLOC,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_INLINE,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_NULL,
  FUSE_IOMAP_TYPE_PURE_OVERWRITE,
  FUSE_IOMAP_TYPE_UNWRITTEN,
  Fork,
  LookupResult,
} from '../src/cache/constants.js';
import { type CachedMapping, IomapCache } from '../src/cache/iomap-cache.js';
import { checkTreeStructure } from '../src/iext/check.js';
import { FUSE_GEOMETRY, type Geometry, XFS_GEOMETRY } from '../src/iext/geometry.js';
import { type Cursor, type Mapping, emptyMapping } from '../src/iext/record.js';
import { IextTree } from '../src/iext/tree.js';
import { NULL } from '../src/iext/arena.js';
import { OracleCache } from '../src/oracle/extent-map.js';

const RUNS = Math.max(1, Number(process.env.IOMAP_SIM_PROP_RUNS ?? 10000) || 10000);
const BIG_RUNS = Math.max(5, Math.ceil(RUNS / 100));

type BTreeClass = typeof BTreeImport.default;
const BTree: BTreeClass = ((BTreeImport as unknown as { default?: BTreeClass }).default ?? BTreeImport) as BTreeClass;
const cmpBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

const S64_MAX = 0x7fff_ffff_ffff_ffffn;
const hex = (x: bigint): string => '0x' + BigInt.asUintN(64, x).toString(16);
const fmtMap = (m: Mapping): string => `[${hex(m.offset)}+${hex(m.length)} addr ${hex(m.addr)} t${m.type} f${m.flags} d${m.dev}]`;
const sameMap = (a: Mapping, b: Mapping): boolean =>
  a.offset === b.offset && a.length === b.length && a.addr === b.addr && a.type === b.type && a.flags === b.flags && a.dev === b.dev;
const forkStr = (f: Fork): string => (f === Fork.READ ? 'read' : 'write');

// ------------------------------------------------------------- the world

interface World {
  geometry: 'fuse' | 'xfs';
  blockShift: number;
  maxBytes: 'llong' | 'tib' | 'small';
}

function makeWorld(w: World): { geometry: Geometry; bs: bigint; maxBytes: bigint } {
  const bs = 1n << BigInt(w.blockShift);
  const maxBytes = w.maxBytes === 'llong' ? S64_MAX : w.maxBytes === 'tib' ? (1n << 40n) - 1n : 1500n * bs + 123n;
  return { geometry: w.geometry === 'fuse' ? FUSE_GEOMETRY : XFS_GEOMETRY, bs, maxBytes };
}

const worldArb: fc.Arbitrary<World> = fc.record({
  geometry: fc.constantFrom<'fuse' | 'xfs'>('fuse', 'xfs'),
  blockShift: fc.constantFrom(9, 10, 12),
  maxBytes: fc.constantFrom<World['maxBytes']>('llong', 'llong', 'tib', 'small'),
});

// ------------------------------------------------- concrete operations

type Op =
  | { op: 'add' | 'upsert'; fork: Fork; map: Mapping }
  | { op: 'remove'; fork: Fork; start: bigint; len: bigint }
  | { op: 'lookup'; fork: Fork; off: bigint; len: bigint }
  | { op: 'inval'; off: bigint; len: bigint };

const fmtOp = (o: Op): string => {
  switch (o.op) {
    case 'add':
    case 'upsert':
      return `${o.op} ${forkStr(o.fork)} ${fmtMap(o.map)}`;
    case 'remove':
      return `remove ${forkStr(o.fork)} ${hex(o.start)} ${hex(o.len)}`;
    case 'lookup':
      return `lookup ${forkStr(o.fork)} ${hex(o.off)} ${hex(o.len)}`;
    case 'inval':
      return `invalidate ${hex(o.off)} ${hex(o.len)}`;
  }
};

/** Coverage counters: what the generated sequences actually exercised. */
interface Stats {
  ops: number;
  maxHeight: { fuse: number; xfs: number };
  addInsert: number;
  addMergeOne: number;
  addMergeBoth: number;
  addFail: number;
  removeWhole: number;
  removeTrim: number;
  removePunch: number;
  removeFail: number;
  shortcut: number;
  hit: number;
  miss: number;
  nofork: number;
}
const newStats = (): Stats => ({
  ops: 0,
  maxHeight: { fuse: 0, xfs: 0 },
  addInsert: 0,
  addMergeOne: 0,
  addMergeBoth: 0,
  addFail: 0,
  removeWhole: 0,
  removeTrim: 0,
  removePunch: 0,
  removeFail: 0,
  shortcut: 0,
  hit: 0,
  miss: 0,
  nofork: 0,
});

const SENTINEL: CachedMapping = { addr: 0x5a5an, offset: -7n, length: 0x77n, type: 0x1234, flags: 0x4321, dev: 99, validityCookie: 0xdeadn };

/** IomapCache and OracleCache driven in lockstep. */
class Pair {
  readonly cache: IomapCache;
  readonly oracle: OracleCache;
  readonly bs: bigint;
  readonly maxBytes: bigint;
  readonly geometry: Geometry;
  private readonly log: string[] = [];
  /**
   * Set once a mapping of a non-MAPPED/UNWRITTEN type with an address other
   * than FUSE_IOMAP_NULL_ADDR has entered the cache. fuse_iomap_upsert
   * refuses such mappings (SPEC 5.2 checks 12 and 14), and they are the one
   * way a remove can leave two mergeable neighbours behind: cutting the
   * front of such a record gives the rest NULL_ADDR (fuse_iext_del_mapping),
   * which may then match its right neighbour. The C does not merge there and
   * neither does the model; check_mappings would complain. From then on
   * "could merge" is tolerated, every other checkMappings problem is not.
   */
  private unvalidated = false;

  constructor(
    w: World,
    private readonly stats: Stats,
  ) {
    const { geometry, bs, maxBytes } = makeWorld(w);
    this.bs = bs;
    this.maxBytes = maxBytes;
    this.geometry = geometry;
    this.cache = new IomapCache({ ids: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: bs, maxBytes }, { geometry });
    this.cache.enabled = true;
    this.oracle = new OracleCache({ blockSize: bs, maxBytes });
    this.log.push(`world: geometry ${geometry.name}, blocksize ${bs}, maxbytes ${hex(maxBytes)}`);
  }

  fail(what: string): never {
    const tail = this.log.length > 40 ? [this.log[0], `... (${this.log.length - 40} more)`, ...this.log.slice(-39)] : this.log;
    throw new Error(`${what}\noperations so far:\n  ${tail.join('\n  ')}`);
  }

  /** Run one operation on both; compare results and seq (not the records). */
  exec(o: Op): void {
    this.log.push(fmtOp(o));
    this.stats.ops++;
    const { cache, oracle } = this;
    const seq0 = oracle.seq;
    const n0 = o.op === 'inval' ? oracle.count(Fork.READ) + oracle.count(Fork.WRITE) : oracle.count(o.fork);
    let a: number;
    let b: number;
    if ((o.op === 'add' || o.op === 'upsert') && !realType(o.map.type) && o.map.addr !== FUSE_IOMAP_NULL_ADDR) this.unvalidated = true;
    switch (o.op) {
      case 'add':
        a = cache.cacheAdd(o.fork, { ...o.map });
        b = oracle.add(o.fork, { ...o.map });
        break;
      case 'upsert':
        a = cache.cacheUpsert(o.fork, { ...o.map });
        b = oracle.upsert(o.fork, { ...o.map });
        break;
      case 'remove':
        a = cache.cacheRemove(o.fork, o.start, o.len);
        b = oracle.remove(o.fork, o.start, o.len);
        break;
      case 'inval':
        a = cache.invalidateRange(o.off, o.len);
        b = oracle.invalidateRange(o.off, o.len);
        break;
      case 'lookup': {
        const mv: CachedMapping = { ...SENTINEL };
        const ov: CachedMapping = { ...SENTINEL };
        a = cache.cacheLookup(o.fork, o.off, o.len, mv);
        b = oracle.lookup(o.fork, o.off, o.len, ov);
        if (a !== b) this.fail(`lookup result: model ${LookupResult[a]}, oracle ${LookupResult[b]}`);
        if (!sameMap(mv, ov) || mv.validityCookie !== ov.validityCookie)
          this.fail(`lookup mapping: model ${fmtMap(mv)} cookie ${mv.validityCookie}, oracle ${fmtMap(ov)} cookie ${ov.validityCookie}`);
        if (a === LookupResult.HIT) this.stats.hit++;
        else if (a === LookupResult.MISS) this.stats.miss++;
        else this.stats.nofork++;
        break;
      }
    }
    if (a !== b) this.fail(`return value: model ${a}, oracle ${b}`);
    if (cache.seq !== oracle.seq) this.fail(`seq: model ${cache.seq}, oracle ${oracle.seq} (was ${seq0})`);
    // coverage bookkeeping, from the oracle's point of view
    const d = Number(oracle.seq - seq0);
    if (o.op === 'add' || o.op === 'upsert') {
      if (a !== 0) this.stats.addFail++;
      if (o.op === 'add' && a === 0) {
        const n1 = oracle.count(o.fork);
        if (d === 2) this.stats.addMergeBoth++;
        else if (n1 === n0) this.stats.addMergeOne++;
        else this.stats.addInsert++;
      }
    } else if (o.op === 'remove') {
      const n1 = oracle.count(o.fork);
      if (a !== 0) this.stats.removeFail++;
      else if (n0 > 0 && n1 === 0 && d === 0) this.stats.shortcut++;
      else if (n1 > n0) this.stats.removePunch++;
      else if (n1 < n0) this.stats.removeWhole++;
      else if (d > 0) this.stats.removeTrim++;
    } else if (o.op === 'inval' && n0 > 0 && d === 0 && oracle.count(Fork.READ) + oracle.count(Fork.WRITE) === 0) {
      this.stats.shortcut++;
    }
  }

  /** Full comparison of both forks plus the structural checks. */
  check(): void {
    for (const fork of [Fork.READ, Fork.WRITE]) {
      const tree = this.cache.forkPtr(fork);
      const want = this.oracle.records(fork);
      if ((tree === null) !== (want === null))
        this.fail(`${forkStr(fork)} fork: model ${tree ? 'has' : 'has no'} fork, oracle ${want ? 'has' : 'has no'} fork`);
      if (tree === null || want === null) continue;
      const problems = checkTreeStructure(tree);
      if (problems.length > 0) this.fail(`${forkStr(fork)} fork tree structure:\n    ${problems.join('\n    ')}`);
      const mp = this.cache.checkMappings(fork).filter((p) => !this.unvalidated || p.what !== 'record could merge with its predecessor');
      if (mp.length > 0) this.fail(`${forkStr(fork)} fork checkMappings: ${mp.map((p) => `#${p.index} ${p.what}`).join('; ')}`);
      let i = 0;
      for (const got of tree.records()) {
        if (i >= want.length) this.fail(`${forkStr(fork)} fork: model has extra record #${i} ${fmtMap(got)} (oracle has ${want.length})`);
        if (!sameMap(got, want[i])) this.fail(`${forkStr(fork)} fork record #${i}: model ${fmtMap(got)}, oracle ${fmtMap(want[i])}`);
        i++;
      }
      if (i !== want.length) this.fail(`${forkStr(fork)} fork: model has ${i} records, oracle ${want.length}`);
      if (tree.count() !== want.length) this.fail(`${forkStr(fork)} fork: count() ${tree.count()}, oracle ${want.length}`);
      const g = this.geometry.name;
      if (tree.height > this.stats.maxHeight[g]) this.stats.maxHeight[g] = tree.height;
    }
  }
}

// ------------------------------------------------- generated commands

const TYPES = [
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_UNWRITTEN,
  FUSE_IOMAP_TYPE_UNWRITTEN,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_DELALLOC,
  FUSE_IOMAP_TYPE_DELALLOC,
  FUSE_IOMAP_TYPE_INLINE,
  FUSE_IOMAP_TYPE_PURE_OVERWRITE,
] as const;

interface Attr {
  type: number;
  /** linear: addr = base + offset (neighbours with equal attributes merge); null: NULL_ADDR; random: addrSeed blocks */
  addrMode: 'linear' | 'null' | 'random';
  addrSeed: number;
  flags: number;
  dev: number;
}

const attrArb: fc.Arbitrary<Attr> = fc.record({
  // now and then a type fuse_iomap_cache_remove refuses (-EUCLEAN)
  type: fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...TYPES) }, { weight: 1, arbitrary: fc.constant(FUSE_IOMAP_TYPE_NULL) }),
  addrMode: fc.constantFrom<Attr['addrMode']>('linear', 'linear', 'linear', 'null', 'random'),
  addrSeed: fc.nat(1 << 20),
  flags: fc.constantFrom(0, 0, 0, 2),
  dev: fc.constantFrom(0, 0, 1),
});

const LINEAR_BASE = 0x1000_0000n;

function mapping(attr: Attr, offset: bigint, length: bigint, bs: bigint): Mapping {
  const real = attr.type === FUSE_IOMAP_TYPE_MAPPED || attr.type === FUSE_IOMAP_TYPE_UNWRITTEN;
  let addr: bigint;
  if (attr.addrMode === 'random') addr = BigInt(attr.addrSeed) * bs;
  else if (attr.addrMode === 'null' || !real) addr = FUSE_IOMAP_NULL_ADDR;
  else addr = LINEAR_BASE + offset;
  return { offset, length, addr, type: attr.type, flags: attr.flags, dev: attr.dev };
}

/** An offset: mostly a block in a small hot zone, sometimes anywhere, sometimes unaligned. */
interface Pos {
  blk: number;
  delta: number;
}
const posArb: fc.Arbitrary<Pos> = fc.record({
  blk: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 63 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 2047 }) }),
  delta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4095 }) }),
});
const posOf = (p: Pos, bs: bigint): bigint => BigInt(p.blk) * bs + (BigInt(p.delta) % bs);

interface Len {
  blocks: number;
  delta: number;
}
const lenArb: fc.Arbitrary<Len> = fc.record({
  blocks: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 64 }) }),
  delta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4095 }) }),
});
const lenOf = (l: Len, bs: bigint, positive: boolean): bigint => {
  const v = BigInt(l.blocks) * bs + (BigInt(l.delta) % bs);
  return positive && v === 0n ? bs : v;
};
/** A removal length: ordinary, to EOF (~0), or huge (2^40). */
type RLen = Len | 'eof' | 'huge';
const rlenArb: fc.Arbitrary<RLen> = fc.oneof(
  { weight: 12, arbitrary: lenArb },
  { weight: 1, arbitrary: fc.constant<'eof'>('eof') },
  { weight: 1, arbitrary: fc.constant<'huge'>('huge') },
);
const rlenOf = (l: RLen, bs: bigint): bigint => (l === 'eof' ? FUSE_IOMAP_INVAL_TO_EOF : l === 'huge' ? 1n << 40n : lenOf(l, bs, false));

const forkArb = fc.constantFrom(Fork.READ, Fork.READ, Fork.WRITE);

type TargetAction = 'punch' | 'front' | 'tail' | 'whole' | 'span' | 'upsertIn' | 'mergeLeft' | 'mergeRight' | 'fillGap' | 'rejoin' | 'lookupIn';

type Cmd =
  | { k: 'add' | 'upsert'; fork: Fork; pos: Pos; len: Len; attr: Attr }
  | { k: 'remove'; fork: Fork; pos: Pos; len: RLen }
  | { k: 'lookup'; fork: Fork; pos: Pos; len: number }
  | { k: 'inval'; pos: Pos; len: RLen }
  /** everything at once: the erase-everything shortcut of cache_remove */
  | { k: 'clear'; fork: Fork; how: 'eof' | 'maxbytes' | 'huge' | 'inval' }
  /** an operation aimed at an existing record, resolved against the oracle's current state */
  | { k: 'target'; fork: Fork; action: TargetAction; pick: number; a: number; b: number; aligned: boolean; attr: Attr }
  /** a long run of adds/upserts that grows the tree (heights 3+) */
  | { k: 'run'; fork: Fork; op: 'add' | 'upsert'; startBlk: number; n: number; lenBlocks: number; gapBlocks: number; order: 'asc' | 'desc' | 'shuffle'; seed: number; kind: 'mapped' | 'alternate' };

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 20, arbitrary: fc.record({ k: fc.constantFrom<'add' | 'upsert'>('add', 'upsert'), fork: forkArb, pos: posArb, len: lenArb, attr: attrArb }) },
  { weight: 8, arbitrary: fc.record({ k: fc.constant<'remove'>('remove'), fork: forkArb, pos: posArb, len: rlenArb }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant<'lookup'>('lookup'), fork: forkArb, pos: posArb, len: fc.nat(20000) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant<'inval'>('inval'), pos: posArb, len: rlenArb }) },
  {
    weight: 30,
    arbitrary: fc.record({
      k: fc.constant<'target'>('target'),
      fork: forkArb,
      action: fc.constantFrom<TargetAction>('punch', 'front', 'tail', 'whole', 'span', 'upsertIn', 'mergeLeft', 'mergeRight', 'fillGap', 'rejoin', 'lookupIn', 'lookupIn'),
      pick: unit,
      a: unit,
      b: unit,
      aligned: fc.boolean(),
      attr: attrArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant<'clear'>('clear'), fork: forkArb, how: fc.constantFrom<'eof' | 'maxbytes' | 'huge' | 'inval'>('eof', 'maxbytes', 'huge', 'inval') }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant<'run'>('run'),
      fork: forkArb,
      op: fc.constantFrom<'add' | 'upsert'>('add', 'upsert'),
      startBlk: fc.integer({ min: 0, max: 1024 }),
      n: fc.integer({ min: 60, max: 420 }),
      lenBlocks: fc.integer({ min: 1, max: 3 }),
      gapBlocks: fc.integer({ min: 0, max: 1 }),
      order: fc.constantFrom<'asc' | 'desc' | 'shuffle'>('asc', 'desc', 'shuffle'),
      seed: fc.nat(),
      kind: fc.constantFrom<'mapped' | 'alternate'>('mapped', 'alternate'),
    }),
  },
);

function shuffle<T>(xs: T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** The records of a run: non-mergeable neighbours so that every add is a new record. */
function runOps(c: Extract<Cmd, { k: 'run' }>, bs: bigint): Op[] {
  const idx = Array.from({ length: c.n }, (_, i) => i);
  if (c.order === 'desc') idx.reverse();
  else if (c.order === 'shuffle') shuffle(idx, c.seed);
  const step = BigInt(c.lenBlocks + c.gapBlocks) * bs;
  const len = BigInt(c.lenBlocks) * bs;
  return idx.map((i) => {
    const offset = BigInt(c.startBlk) * bs + BigInt(i) * step;
    let map: Mapping;
    if (c.kind === 'alternate' && i % 2 === 1) {
      map = { offset, length: len, addr: FUSE_IOMAP_NULL_ADDR, type: FUSE_IOMAP_TYPE_DELALLOC, flags: 0, dev: 0 };
    } else {
      // a disk gap after every record: physically discontiguous
      map = { offset, length: len, addr: 0x40_0000_0000n + BigInt(i) * 2n * len, type: FUSE_IOMAP_TYPE_MAPPED, flags: 0, dev: 1 };
    }
    return { op: c.op, fork: c.fork, map };
  });
}

const realType = (t: number): boolean => t === FUSE_IOMAP_TYPE_MAPPED || t === FUSE_IOMAP_TYPE_UNWRITTEN;

/**
 * Resolve a targeted command against the oracle's records (of the other
 * fork when the chosen one is empty); with no records at all, add one.
 */
function targetOps(c: Extract<Cmd, { k: 'target' }>, oracle: OracleCache, bs: bigint): Op[] {
  let fork = c.fork;
  if (oracle.count(fork) === 0) fork = fork === Fork.READ ? Fork.WRITE : Fork.READ;
  const recs = oracle.records(fork);
  if (recs === null || recs.length === 0) return [{ op: 'add', fork: c.fork, map: mapping(c.attr, BigInt(Math.floor(c.a * 64)) * bs, BigInt(1 + Math.floor(c.b * 16)) * bs, bs) }];
  const op = targetOp(c, fork, recs, bs);
  if (op === null) return [];
  return Array.isArray(op) ? op : [op];
}

function targetOp(c: Extract<Cmd, { k: 'target' }>, fork: Fork, recs: Mapping[], bs: bigint): Op | Op[] | null {
  const k = Math.min(recs.length - 1, Math.floor(c.pick * recs.length));
  const rec = recs[k];
  const end = rec.offset + rec.length;
  const g = c.aligned && rec.offset % bs === 0n && rec.length % bs === 0n ? bs : 1n;
  const U = Number(rec.length / g);
  const at = (x: number, lo: number, hi: number): number => lo + Math.floor(x * (hi - lo + 1)); // lo..hi
  const nextRec = recs[k + 1];
  const prevRec = recs[k - 1];
  switch (c.action) {
    case 'punch': {
      if (U < 3) return { op: 'remove', fork, start: rec.offset, len: rec.length };
      const x = at(c.a, 1, U - 2);
      const y = at(c.b, x + 1, U - 1);
      return { op: 'remove', fork, start: rec.offset + BigInt(x) * g, len: BigInt(y - x) * g };
    }
    case 'front': {
      const x = U >= 2 ? at(c.a, 1, U - 1) : 1;
      const before = c.b < 0.5 || rec.offset < g ? 0n : g;
      return { op: 'remove', fork, start: rec.offset - before, len: BigInt(x) * g + before };
    }
    case 'tail': {
      const x = U >= 2 ? at(c.a, 1, U - 1) : 0;
      const after = c.b < 0.5 ? 0n : g;
      return { op: 'remove', fork, start: rec.offset + BigInt(x) * g, len: rec.length - BigInt(x) * g + after };
    }
    case 'whole':
      return { op: 'remove', fork, start: rec.offset, len: rec.length };
    case 'span': {
      // from inside this record to inside a later one
      const last = recs[Math.min(recs.length - 1, k + 1 + Math.floor(c.b * 6))];
      const start = rec.offset + BigInt(at(c.a, 0, U - 1)) * g;
      const stop = last.offset + (last.length > 1n ? last.length / 2n : 1n);
      return { op: 'remove', fork, start, len: stop > start ? stop - start : 1n };
    }
    case 'upsertIn': {
      const x = at(c.a, 0, U - 1);
      const y = at(c.b, x + 1, U);
      const off = rec.offset + BigInt(x) * g;
      return { op: 'upsert', fork, map: mapping(c.attr, off, BigInt(y - x) * g, bs) };
    }
    case 'mergeLeft': {
      // extend rec to the right with the same attributes
      let len = BigInt(at(c.a, 1, 8)) * g;
      if (nextRec && c.b < 0.8 && nextRec.offset > end && nextRec.offset - end < len) len = nextRec.offset - end;
      const addr = realType(rec.type) ? rec.addr + rec.length : rec.addr;
      return { op: 'add', fork, map: { ...rec, offset: end, length: len, addr: BigInt.asUintN(64, addr) } };
    }
    case 'mergeRight': {
      // extend rec to the left with the same attributes
      let len = BigInt(at(c.a, 1, 8)) * g;
      const room = prevRec ? rec.offset - (prevRec.offset + prevRec.length) : rec.offset;
      if (c.b < 0.8 && room > 0n && room < len) len = room;
      if (len > rec.offset) len = rec.offset > 0n ? rec.offset : 1n;
      const start = rec.offset - len;
      if (start < 0n) return null;
      const addr = realType(rec.type) ? rec.addr - len : rec.addr;
      return { op: 'add', fork, map: { ...rec, offset: start, length: len, addr: BigInt.asUintN(64, addr) } };
    }
    case 'fillGap': {
      // the hole between rec and its successor, with rec's attributes: merges left, and right too when contiguous
      if (!nextRec || nextRec.offset <= end) return { op: 'lookup', fork, off: rec.offset, len: rec.length };
      const addr = realType(rec.type) ? rec.addr + rec.length : rec.addr;
      return { op: c.b < 0.85 ? 'add' : 'upsert', fork, map: { ...rec, offset: end, length: nextRec.offset - end, addr: BigInt.asUintN(64, addr) } };
    }
    case 'rejoin': {
      // punch a hole and fill it again with the same mapping: merges both sides
      if (U < 3) return { op: 'lookup', fork, off: rec.offset, len: rec.length };
      const x = at(c.a, 1, U - 2);
      const y = at(c.b, x + 1, U - 1);
      const off = rec.offset + BigInt(x) * g;
      const len = BigInt(y - x) * g;
      const addr = realType(rec.type) ? BigInt.asUintN(64, rec.addr + (off - rec.offset)) : rec.addr;
      return [
        { op: 'remove', fork, start: off, len },
        { op: 'add', fork, map: { ...rec, offset: off, length: len, addr } },
      ];
    }
    case 'lookupIn': {
      const off = rec.offset + BigInt(Math.floor(c.a * Number(rec.length)));
      return { op: 'lookup', fork, off, len: BigInt(Math.floor(c.b * 4 * Number(bs))) };
    }
  }
}

function runCmd(p: Pair, c: Cmd): void {
  const bs = p.bs;
  switch (c.k) {
    case 'add':
    case 'upsert':
      p.exec({ op: c.k, fork: c.fork, map: mapping(c.attr, posOf(c.pos, bs), lenOf(c.len, bs, true), bs) });
      break;
    case 'remove':
      p.exec({ op: 'remove', fork: c.fork, start: posOf(c.pos, bs), len: rlenOf(c.len, bs) });
      break;
    case 'lookup':
      p.exec({ op: 'lookup', fork: c.fork, off: posOf(c.pos, bs), len: BigInt(c.len) });
      break;
    case 'inval':
      p.exec({ op: 'inval', off: posOf(c.pos, bs), len: rlenOf(c.len, bs) });
      break;
    case 'target':
      for (const o of targetOps(c, p.oracle, bs)) p.exec(o);
      break;
    case 'clear':
      if (c.how === 'inval') p.exec({ op: 'inval', off: BigInt(c.fork) * (bs - 1n), len: FUSE_IOMAP_INVAL_TO_EOF });
      else p.exec({ op: 'remove', fork: c.fork, start: 0n, len: c.how === 'eof' ? FUSE_IOMAP_INVAL_TO_EOF : c.how === 'huge' ? 1n << 40n : p.maxBytes });
      break;
    case 'run':
      // results and seq are compared after every add; the full state after the run
      for (const o of runOps(c, bs)) p.exec(o);
      break;
  }
  p.check();
}

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

type TreeCmd =
  | { k: 'ins'; key: number; len: number }
  | { k: 'del'; pick: number; n: number }
  | { k: 'burst'; start: number; n: number; stride: number; order: 'asc' | 'desc' | 'shuffle'; seed: number };

const KEY_SPACE = 6000;
const REC_GRAIN = 16n; // record i lives at [16 i, 16 i + len), len <= 16: never overlapping

const treeCmdArb: fc.Arbitrary<TreeCmd> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ k: fc.constant<'ins'>('ins'), key: fc.nat(KEY_SPACE - 1), len: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 8, arbitrary: fc.record({ k: fc.constant<'del'>('del'), pick: unit, n: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 200 }) }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant<'burst'>('burst'),
      start: fc.nat(KEY_SPACE - 1),
      n: fc.integer({ min: 20, max: 400 }),
      stride: fc.integer({ min: 1, max: 3 }),
      order: fc.constantFrom<'asc' | 'desc' | 'shuffle'>('asc', 'desc', 'shuffle'),
      seed: fc.nat(),
    }),
  },
);

class TreePair {
  seq = 0;
  readonly tree: IextTree;
  readonly ref = new BTree<bigint, Mapping>(undefined, cmpBig);
  private readonly log: string[] = [];

  constructor(readonly geometry: Geometry) {
    this.tree = new IextTree(geometry, { incSeq: () => void this.seq++ });
  }

  fail(what: string): never {
    const tail = this.log.slice(-30);
    throw new Error(`${what}\n(${this.geometry.name}) last operations:\n  ${tail.join('\n  ')}`);
  }

  insert(key: number, len: number): void {
    const offset = BigInt(key) * REC_GRAIN;
    if (this.ref.has(offset)) return;
    this.log.push(`insert ${hex(offset)}+${len}`);
    const rec: Mapping = { offset, length: BigInt(len), addr: BigInt(key) * 1000n + 7n, type: key % 5, flags: key % 3, dev: key % 2 };
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    const seq0 = this.seq;
    const found = this.tree.lookupExtent(offset, cur, got);
    const succ = this.ref.nextHigherPair(offset);
    if (found !== (succ !== undefined) || (found && got.offset !== succ![0]))
      this.fail(`lookupExtent(${hex(offset)}) before insert: ${found ? fmtMap(got) : 'none'}, expected ${succ ? fmtMap(succ[1]) : 'none'}`);
    this.tree.insertRaw(cur, rec);
    this.ref.set(offset, rec);
    if (this.seq !== seq0 + 1) this.fail(`insertRaw bumped seq ${this.seq - seq0} times`);
    const at = emptyMapping();
    if (!this.tree.getExtent(cur, at) || !sameMap(at, rec)) this.fail(`cursor after insert is not on the new record`);
  }

  remove(offset: bigint): void {
    this.log.push(`remove ${hex(offset)}`);
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    if (!this.tree.lookupExtent(offset, cur, got) || got.offset !== offset) this.fail(`lookupExtent(${hex(offset)}) did not find the record`);
    const seq0 = this.seq;
    this.tree.remove(cur, 0);
    this.ref.delete(offset);
    if (this.seq !== seq0 + 1) this.fail(`remove bumped seq ${this.seq - seq0} times`);
    // the cursor is left on the successor, or invalid when there is none
    const succ = this.ref.nextHigherPair(offset);
    const at = emptyMapping();
    const valid = this.tree.getExtent(cur, at);
    if (succ ? !valid || !sameMap(at, succ[1]) : valid)
      this.fail(`cursor after remove: ${valid ? fmtMap(at) : 'invalid'}, expected ${succ ? fmtMap(succ[1]) : 'invalid'}`);
  }

  check(probe: number): void {
    const problems = checkTreeStructure(this.tree);
    if (problems.length > 0) this.fail(`tree structure:\n    ${problems.join('\n    ')}`);
    const want = this.ref.valuesArray();
    let i = 0;
    for (const got of this.tree.records()) {
      if (i >= want.length || !sameMap(got, want[i])) this.fail(`record #${i}: tree ${fmtMap(got)}, map ${i < want.length ? fmtMap(want[i]) : 'none'}`);
      i++;
    }
    if (i !== want.length || this.tree.count() !== want.length) this.fail(`tree walks ${i} records, count() ${this.tree.count()}, map ${want.length}`);
    // a few lookups: the record covering q, else the first one after it
    for (let j = 0; j < 3; j++) {
      const q = BigInt((probe * (j + 7) * 2654435761) % (KEY_SPACE * 16 + 64));
      const cur: Cursor = { leaf: NULL, pos: 0 };
      const got = emptyMapping();
      const found = this.tree.lookupExtent(q, cur, got);
      const lo = this.ref.getPairOrNextLower(q);
      const exp = lo && lo[1].offset + lo[1].length > q ? lo[1] : this.ref.nextHigherPair(q)?.[1];
      if (found !== (exp !== undefined) || (found && !sameMap(got, exp!)))
        this.fail(`lookupExtent(${hex(q)}): ${found ? fmtMap(got) : 'none'}, expected ${exp ? fmtMap(exp) : 'none'}`);
    }
  }
}

describe('IextTree against a sorted map', () => {
  it(`stays sound under random inserts and removes (${RUNS} runs)`, () => {
    const heights = { fuse: 0, xfs: 0 };
    fc.assert(
      fc.property(fc.constantFrom('fuse', 'xfs'), fc.array(treeCmdArb, { minLength: 1, maxLength: 60 }), (gname, cmds) => {
        const t = new TreePair(gname === 'fuse' ? FUSE_GEOMETRY : XFS_GEOMETRY);
        let probe = 1;
        for (const c of cmds) {
          if (c.k === 'ins') t.insert(c.key, c.len);
          else if (c.k === 'burst') {
            const keys = Array.from({ length: c.n }, (_, i) => (c.start + i * c.stride) % KEY_SPACE);
            if (c.order === 'desc') keys.reverse();
            else if (c.order === 'shuffle') shuffle(keys, c.seed);
            for (const k of keys) t.insert(k, 1 + (k % 16));
          } else {
            const keys = t.ref.keysArray();
            if (keys.length === 0) continue;
            const k = Math.min(keys.length - 1, Math.floor(c.pick * keys.length));
            const victims = keys.slice(k, k + c.n);
            // remove a run of neighbours in either direction
            if (c.pick * 1000 % 2 < 1) victims.reverse();
            for (const v of victims) t.remove(v);
          }
          t.check(probe++);
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

  it('reports a double mirror that disagrees with its bigint (when the arena keeps them)', () => {
    const t = bigTree(XFS_GEOMETRY, 300);
    const m = t.arena as unknown as { offF?: Float64Array; lenF?: Float64Array; keysF?: Float64Array };
    if (!m.offF || !m.lenF || !m.keysF) return; // an arena without mirrors: nothing to check
    const leaf = t.findLastLeaf();
    m.offF[leaf * t.R] += 1;
    expect(checkTreeStructure(t).join('\n')).toMatch(/offF/);
    m.offF[leaf * t.R] -= 1;
    m.keysF[t.root * t.K + 1] = 0;
    expect(checkTreeStructure(t).join('\n')).toMatch(/keysF/);
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
