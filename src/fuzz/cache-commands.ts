// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generated cache commands (fast-check arbitraries) and how each becomes
 * concrete operations on a Pair. Shared by test/property.test.ts (default
 * weights, no edge commands) and the `cache` fuzz target (weights biased
 * by coverage, edge commands on).
 */
import fc from 'fast-check';
import {
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
} from '../cache/constants.js';
import type { Mapping } from '../iext/record.js';
import { type Op, type Pair, realType, S64_MAX } from './cache-model.js';

/** Where targeted commands read the current records from. */
export interface RecordSource {
  count(fork: Fork): number;
  records(fork: Fork): Mapping[] | null;
}

// ------------------------------------------------- generated commands

export const TYPES = [
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

export interface Attr {
  type: number;
  /** linear: addr = base + offset (neighbours with equal attributes merge); null: NULL_ADDR; random: addrSeed blocks */
  addrMode: 'linear' | 'null' | 'random';
  addrSeed: number;
  flags: number;
  dev: number;
}

export const attrArb: fc.Arbitrary<Attr> = fc.record({
  // now and then a type fuse_iomap_cache_remove refuses (-EUCLEAN)
  type: fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...TYPES) }, { weight: 1, arbitrary: fc.constant(FUSE_IOMAP_TYPE_NULL) }),
  addrMode: fc.constantFrom<Attr['addrMode']>('linear', 'linear', 'linear', 'null', 'random'),
  addrSeed: fc.nat(1 << 20),
  flags: fc.constantFrom(0, 0, 0, 2),
  dev: fc.constantFrom(0, 0, 1),
});

export const LINEAR_BASE = 0x1000_0000n;

export function mapping(attr: Attr, offset: bigint, length: bigint, bs: bigint): Mapping {
  const real = attr.type === FUSE_IOMAP_TYPE_MAPPED || attr.type === FUSE_IOMAP_TYPE_UNWRITTEN;
  let addr: bigint;
  if (attr.addrMode === 'random') addr = BigInt(attr.addrSeed) * bs;
  else if (attr.addrMode === 'null' || !real) addr = FUSE_IOMAP_NULL_ADDR;
  else addr = LINEAR_BASE + offset;
  return { offset, length, addr, type: attr.type, flags: attr.flags, dev: attr.dev };
}

/** An offset: mostly a block in a small hot zone, sometimes anywhere, sometimes unaligned. */
export interface Pos {
  blk: number;
  delta: number;
}
export const posArb: fc.Arbitrary<Pos> = fc.record({
  blk: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 63 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 2047 }) }),
  delta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4095 }) }),
});
export const posOf = (p: Pos, bs: bigint): bigint => BigInt(p.blk) * bs + (BigInt(p.delta) % bs);

export interface Len {
  blocks: number;
  delta: number;
}
export const lenArb: fc.Arbitrary<Len> = fc.record({
  blocks: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 64 }) }),
  delta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4095 }) }),
});
export const lenOf = (l: Len, bs: bigint, positive: boolean): bigint => {
  const v = BigInt(l.blocks) * bs + (BigInt(l.delta) % bs);
  return positive && v === 0n ? bs : v;
};
/** A removal length: ordinary, to EOF (~0), or huge (2^40). */
export type RLen = Len | 'eof' | 'huge';
export const rlenArb: fc.Arbitrary<RLen> = fc.oneof(
  { weight: 12, arbitrary: lenArb },
  { weight: 1, arbitrary: fc.constant<'eof'>('eof') },
  { weight: 1, arbitrary: fc.constant<'huge'>('huge') },
);
export const rlenOf = (l: RLen, bs: bigint): bigint => (l === 'eof' ? FUSE_IOMAP_INVAL_TO_EOF : l === 'huge' ? 1n << 40n : lenOf(l, bs, false));

export const forkArb = fc.constantFrom(Fork.READ, Fork.READ, Fork.WRITE);

export type TargetAction = 'punch' | 'front' | 'tail' | 'whole' | 'span' | 'upsertIn' | 'mergeLeft' | 'mergeRight' | 'fillGap' | 'rejoin' | 'lookupIn';

export type Cmd =
  | { k: 'add' | 'upsert'; fork: Fork; pos: Pos; len: Len; attr: Attr }
  | { k: 'remove'; fork: Fork; pos: Pos; len: RLen }
  | { k: 'lookup'; fork: Fork; pos: Pos; len: number }
  | { k: 'inval'; pos: Pos; len: RLen }
  /** everything at once: the erase-everything shortcut of cache_remove */
  | { k: 'clear'; fork: Fork; how: 'eof' | 'maxbytes' | 'huge' | 'inval' }
  /** an operation aimed at an existing record, resolved against the current records */
  | { k: 'target'; fork: Fork; action: TargetAction; pick: number; a: number; b: number; aligned: boolean; attr: Attr }
  /** near the top of the offset space, with lengths that overflow (SPEC 8.2, 8.3) */
  | EdgeCmd
  /** a long run of adds/upserts that grows the tree (heights 3+) */
  | { k: 'run'; fork: Fork; op: 'add' | 'upsert'; startBlk: number; n: number; lenBlocks: number; gapBlocks: number; order: 'asc' | 'desc' | 'shuffle'; seed: number; kind: 'mapped' | 'alternate' };

export const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** How often each kind of command is drawn (the property test's defaults; the fuzzer biases them). */
export interface CmdWeights {
  addUpsert: number;
  remove: number;
  lookup: number;
  inval: number;
  target: number;
  clear: number;
  run: number;
  /** offsets near 2^62/2^63/s_maxbytes and lengths that overflow (outside the oracle's exact domain) */
  edge: number;
}
export const DEFAULT_WEIGHTS: Readonly<CmdWeights> = Object.freeze({ addUpsert: 20, remove: 8, lookup: 6, inval: 3, target: 30, clear: 1, run: 1, edge: 0 });

export function cacheCmdArb(w: Readonly<CmdWeights>): fc.Arbitrary<Cmd> {
  const arbs: fc.WeightedArbitrary<Cmd>[] = [
  { weight: w.addUpsert, arbitrary: fc.record({ k: fc.constantFrom<'add' | 'upsert'>('add', 'upsert'), fork: forkArb, pos: posArb, len: lenArb, attr: attrArb }) },
  { weight: w.remove, arbitrary: fc.record({ k: fc.constant<'remove'>('remove'), fork: forkArb, pos: posArb, len: rlenArb }) },
  { weight: w.lookup, arbitrary: fc.record({ k: fc.constant<'lookup'>('lookup'), fork: forkArb, pos: posArb, len: fc.nat(20000) }) },
  { weight: w.inval, arbitrary: fc.record({ k: fc.constant<'inval'>('inval'), pos: posArb, len: rlenArb }) },
  {
    weight: w.target,
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
  { weight: w.clear, arbitrary: fc.record({ k: fc.constant<'clear'>('clear'), fork: forkArb, how: fc.constantFrom<'eof' | 'maxbytes' | 'huge' | 'inval'>('eof', 'maxbytes', 'huge', 'inval') }) },
  {
    weight: w.run,
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
  { weight: w.edge, arbitrary: edgeCmdArb },
  ];
  // fc.oneof refuses weight 0: leave those out (the defaults then draw exactly what they always drew)
  return fc.oneof(...arbs.filter((a) => a.weight > 0));
}

/**
 * Edge commands: offsets near 2^62, just below 2^63, at and past 2^63
 * (negative loff_t) and near s_maxbytes; lengths 0, 1, unaligned, to EOF,
 * wrapping past 2^64 and 2^63. Adds and upserts keep to what
 * fuse_iomap_upsert lets through (SPEC 5.2: block-aligned, non-zero, no u64
 * overflow, offset < s_maxbytes as a loff_t, addr/dev matching the type):
 * the cache is never handed anything else.
 */
export type EdgeBase = 'top62' | 'below63' | 'neg' | 'maxbytes' | 'zero';
export type EdgeLen = 'zero' | 'one' | 'unaligned' | 'blocks' | 'eof' | 'wrap64' | 'cross63';
export interface EdgeCmd {
  k: 'edge';
  op: 'add' | 'upsert' | 'remove' | 'lookup' | 'inval';
  fork: Fork;
  base: EdgeBase;
  blk: number;
  len: EdgeLen;
  n: number;
  mapped: boolean;
}

const edgeCmdArb: fc.Arbitrary<Cmd> = fc.record({
  k: fc.constant<'edge'>('edge'),
  op: fc.constantFrom<EdgeCmd['op']>('add', 'upsert', 'upsert', 'remove', 'remove', 'lookup', 'lookup', 'inval'),
  fork: fc.constantFrom(Fork.READ, Fork.READ, Fork.WRITE),
  base: fc.constantFrom<EdgeBase>('top62', 'below63', 'below63', 'neg', 'maxbytes', 'zero'),
  blk: fc.integer({ min: 0, max: 8 }),
  len: fc.constantFrom<EdgeLen>('zero', 'one', 'unaligned', 'blocks', 'blocks', 'eof', 'wrap64', 'cross63'),
  n: fc.integer({ min: 1, max: 8 }),
  mapped: fc.boolean(),
});

const TWO64 = 1n << 64n;
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** The operation an edge command stands for (null when the upsert checks would refuse it). */
export function edgeOp(c: EdgeCmd, bs: bigint, maxBytes: bigint): Op | null {
  const k = BigInt(c.blk) * bs;
  const off =
    c.base === 'top62' ? (1n << 62n) + k - 4n * bs
    : c.base === 'below63' ? S64_MAX + 1n - (k + bs)
    : c.base === 'neg' ? s64((1n << 63n) + k)
    : c.base === 'maxbytes' ? (maxBytes & ~(bs - 1n)) - 4n * bs + k
    : k;
  const n = BigInt(c.n) * bs;
  const len =
    c.len === 'zero' ? 0n
    : c.len === 'one' ? 1n
    : c.len === 'unaligned' ? n + 37n
    : c.len === 'blocks' ? n
    : c.len === 'eof' ? FUSE_IOMAP_INVAL_TO_EOF
    : c.len === 'wrap64' ? u64(TWO64 - u64(off) + n)
    : u64((1n << 63n) - off + n); // cross63: ends past LLONG_MAX
  switch (c.op) {
    case 'add':
    case 'upsert': {
      // SPEC 5.2 checks 6-9 and 22: non-zero, aligned, no u64 overflow, offset < s_maxbytes (signed)
      if (len === 0n || len % bs !== 0n || u64(off) + len >= TWO64 || off >= maxBytes || off % bs !== 0n) return null;
      const map: Mapping = c.mapped
        ? { offset: off, length: len, addr: 0x7000_0000n, type: FUSE_IOMAP_TYPE_MAPPED, flags: 0, dev: 1 }
        : { offset: off, length: len, addr: FUSE_IOMAP_NULL_ADDR, type: FUSE_IOMAP_TYPE_HOLE, flags: 0, dev: 0 };
      return { op: c.op, fork: c.fork, map };
    }
    case 'remove':
      return { op: 'remove', fork: c.fork, start: off, len };
    case 'lookup':
      return { op: 'lookup', fork: c.fork, off, len: c.len === 'eof' ? n : len };
    case 'inval':
      return { op: 'inval', off, len };
  }
}

export function shuffle<T>(xs: T[], seed: number): T[] {
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
export function runOps(c: Extract<Cmd, { k: 'run' }>, bs: bigint): Op[] {
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


/**
 * Resolve a targeted command against the current records (of the other
 * fork when the chosen one is empty); with no records at all, add one.
 */
export function targetOps(c: Extract<Cmd, { k: 'target' }>, state: RecordSource, bs: bigint): Op[] {
  let fork = c.fork;
  if (state.count(fork) === 0) fork = fork === Fork.READ ? Fork.WRITE : Fork.READ;
  const recs = state.records(fork);
  if (recs === null || recs.length === 0) return [{ op: 'add', fork: c.fork, map: mapping(c.attr, BigInt(Math.floor(c.a * 64)) * bs, BigInt(1 + Math.floor(c.b * 16)) * bs, bs) }];
  const op = targetOp(c, fork, recs, bs);
  if (op === null) return [];
  return Array.isArray(op) ? op : [op];
}

export function targetOp(c: Extract<Cmd, { k: 'target' }>, fork: Fork, recs: Mapping[], bs: bigint): Op | Op[] | null {
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

export function runCmd(p: Pair, c: Cmd): void {
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
      for (const o of targetOps(c, p, bs)) p.exec(o);
      break;
    case 'clear':
      if (c.how === 'inval') p.exec({ op: 'inval', off: BigInt(c.fork) * (bs - 1n), len: FUSE_IOMAP_INVAL_TO_EOF });
      else p.exec({ op: 'remove', fork: c.fork, start: 0n, len: c.how === 'eof' ? FUSE_IOMAP_INVAL_TO_EOF : c.how === 'huge' ? 1n << 40n : p.maxBytes });
      break;
    case 'edge': {
      const o = edgeOp(c, bs, p.maxBytes);
      if (o) p.exec(o);
      break;
    }
    case 'run':
      // results and seq are compared after every add; the full state after the run
      for (const o of runOps(c, bs)) p.exec(o);
      break;
  }
  p.check();
}
/** The property test's command mix. */
export const cmdArb: fc.Arbitrary<Cmd> = cacheCmdArb(DEFAULT_WEIGHTS);
