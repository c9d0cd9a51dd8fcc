// SPDX-License-Identifier: GPL-2.0-only
/*
 * The choice of I64: the same three small kernels of the cache's 64-bit
 * arithmetic, over the same 4096 records, written five ways:
 *   (a) bigint + BigInt.asUintN/asIntN(64), values in BigInt64Array /
 *       BigUint64Array, exactly as the model (src/util/int64.ts, the arena);
 *   (b) bigint with `& 0xffff_ffff_ffff_ffffn` (and a sign fix-up for s64);
 *   (c) hi/lo uint32 halves in Uint32Arrays with explicit carries/borrows;
 *   (d) plain doubles: not exact above 2^53 (wraparound is simply absent),
 *       so only a ceiling for speed;
 *   (e) I64, what the model uses (src/util/int64.ts, the arena): values in
 *       a Float64Array, the exact bigint in a side array where the double
 *       is beyond 2^53, the helpers addU64/s64I/roundUpS64I/... taking the
 *       double path and falling back to (a) only off the safe range.
 * Kernels (one call = one pass over all records):
 *   cmp    fuse_iext_rec_cmp: signed offset compare, then the u64 end
 *          (offset + length, wrapping) against the u64 query;
 *   round  round_down(q, bs) and round_up(q + len, bs) in loff_t, stored
 *          into output arrays;
 *   merge  fuse_iomap_can_merge's arithmetic on records i and i + 1:
 *          contiguous offsets, adjacent addresses, u64 length sum <= 2^63.
 * The inputs include values near 2^63 and 2^64 so that the wrapping paths
 * run; (a), (b), (c) and (e) must agree exactly, and the report says how
 * many results (d) gets wrong.
 */
import { prng } from '../src/scenario/generate.js';
import { type I64, addS64, addU64, roundDownS64I, roundUpS64I, toBig, toI64, u64I } from '../src/util/int64.js';
import { type BenchArgs, type Figure, runSuite, type SuiteOptions } from './common.js';

const N = 4096;
const BS = 4096n;
const BSN = 4096;
const M64 = 0xffff_ffff_ffff_ffffn;
const B63 = 0x8000_0000_0000_0000n;
const B64 = 0x1_0000_0000_0000_0000n;

export interface Int64Variant {
  variant: string;
  fig: Figure;
  /** hz / hz of (a) */
  ratio: number;
  nsPerRecord: number;
  /** results that differ from (a); 0 = exact on this data */
  wrong: number;
}

export interface Int64Result {
  suite: 'int64';
  records: number;
  kernels: Array<{ data: 'edge' | 'typical'; kernel: string; variants: Int64Variant[] }>;
}

// ------------------------------------------------------------------ the data

interface Data {
  off: BigInt64Array; // loff_t record offsets
  len: BigUint64Array; // u64 lengths
  addr: BigUint64Array; // u64 disk addresses
  q: BigInt64Array; // loff_t query offsets
}

/**
 * edge: values near 2^63 and 2^64 (lengths like FUSE_IOMAP_INVAL_TO_EOF,
 * offsets near LLONG_MAX, a few negative loff_t) mixed in, so the wrapping
 * paths run; typical: block-aligned values below 2^42 only, where nothing
 * wraps and (d) is exact too.
 */
function makeData(seed: number, edge: boolean): Data {
  const rnd = prng(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const d: Data = { off: new BigInt64Array(N), len: new BigUint64Array(N), addr: new BigUint64Array(N), q: new BigInt64Array(N) };
  let off = BigInt(pick(1 << 20)) * BS;
  let addr = BigInt(pick(1 << 20)) * BS;
  for (let i = 0; i < N; i++) {
    const r = rnd();
    let len = BigInt(1 + pick(64)) * BS;
    const r2 = rnd();
    if (edge) {
      if (r < 1 / 32) len = M64 - BigInt(pick(BSN)); // INVAL_TO_EOF-like: end wraps
      else if (r < 2 / 32) len = B63 - BigInt(pick(8)) * BS; // around FUSE_IOMAP_MAX_LEN
      if (r2 < 1 / 32) off = B63 - BigInt(1 + pick(4)) * BS; // near LLONG_MAX: offset + length wraps negative
      else if (r2 < 3 / 64) off = -BigInt(1 + pick(1000)) * BS; // a negative loff_t
    }
    d.off[i] = off;
    d.len[i] = len;
    d.addr[i] = addr;
    d.q[i] = BigInt.asIntN(64, off + BigInt(pick(4 * BSN) - 2 * BSN) * (rnd() < 0.5 ? 1n : BS));
    // the next record: half the time contiguous in file and disk space
    const contiguous = rnd() < 0.5;
    off = BigInt.asIntN(64, off + (contiguous ? len : len + BigInt(1 + pick(16)) * BS));
    if (off < 0n || off > B63 - (1n << 50n)) off = BigInt(pick(1 << 20)) * BS;
    addr = BigInt.asUintN(64, addr + (contiguous ? len : len + BS));
  }
  return d;
}

// ------------------------------------------------------ (a) asUintN/asIntN

const u64a = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64a = (x: bigint): bigint => BigInt.asIntN(64, x);

function cmpA(d: Data): number {
  const { off, len, q } = d;
  let acc = 0;
  for (let i = 0; i < N; i++) {
    const ro = off[i];
    const o = q[i];
    acc += ro > o ? 1 : u64a(ro + len[i]) <= u64a(o) ? -1 : 0;
    acc = Math.imul(acc, 31) | 0;
  }
  return acc;
}

function roundA(d: Data, down: BigInt64Array, up: BigInt64Array): void {
  const { len, q } = d;
  for (let i = 0; i < N; i++) {
    const o = q[i];
    down[i] = s64a(o & ~(BS - 1n));
    up[i] = s64a((s64a(s64a(o + len[i]) - 1n) | (BS - 1n)) + 1n);
  }
}

function mergeA(d: Data): number {
  const { off, len, addr } = d;
  let acc = 0;
  for (let i = 0; i + 1 < N; i++) {
    const ll = len[i];
    const rl = len[i + 1];
    if (u64a(off[i] + ll) === u64a(off[i + 1]) && u64a(addr[i] + ll) === addr[i + 1] && u64a(ll + rl) <= B63) acc += i;
  }
  return acc;
}

// ------------------------------------------------------------- (b) & mask

const u64b = (x: bigint): bigint => x & M64;
const s64b = (x: bigint): bigint => {
  const y = x & M64;
  return y >= B63 ? y - B64 : y;
};

function cmpB(d: Data): number {
  const { off, len, q } = d;
  let acc = 0;
  for (let i = 0; i < N; i++) {
    const ro = off[i];
    const o = q[i];
    acc += ro > o ? 1 : u64b(ro + len[i]) <= u64b(o) ? -1 : 0;
    acc = Math.imul(acc, 31) | 0;
  }
  return acc;
}

function roundB(d: Data, down: BigInt64Array, up: BigInt64Array): void {
  const { len, q } = d;
  for (let i = 0; i < N; i++) {
    const o = q[i];
    down[i] = s64b(o & ~(BS - 1n));
    up[i] = s64b((s64b(s64b(o + len[i]) - 1n) | (BS - 1n)) + 1n);
  }
}

function mergeB(d: Data): number {
  const { off, len, addr } = d;
  let acc = 0;
  for (let i = 0; i + 1 < N; i++) {
    const ll = len[i];
    const rl = len[i + 1];
    if (u64b(off[i] + ll) === u64b(off[i + 1]) && u64b(addr[i] + ll) === addr[i + 1] && u64b(ll + rl) <= B63) acc += i;
  }
  return acc;
}

// ------------------------------------------------------- (c) hi/lo uint32

interface Pairs {
  offH: Uint32Array;
  offL: Uint32Array;
  lenH: Uint32Array;
  lenL: Uint32Array;
  addrH: Uint32Array;
  addrL: Uint32Array;
  qH: Uint32Array;
  qL: Uint32Array;
}

function toPairs(d: Data): Pairs {
  const split = (src: BigInt64Array | BigUint64Array) => {
    const h = new Uint32Array(N);
    const l = new Uint32Array(N);
    for (let i = 0; i < N; i++) {
      const v = BigInt.asUintN(64, src[i]);
      h[i] = Number(v >> 32n);
      l[i] = Number(v & 0xffff_ffffn);
    }
    return [h, l] as const;
  };
  const [offH, offL] = split(d.off);
  const [lenH, lenL] = split(d.len);
  const [addrH, addrL] = split(d.addr);
  const [qH, qL] = split(d.q);
  return { offH, offL, lenH, lenL, addrH, addrL, qH, qL };
}

function cmpC(p: Pairs): number {
  const { offH, offL, lenH, lenL, qH, qL } = p;
  let acc = 0;
  for (let i = 0; i < N; i++) {
    const rh = offH[i];
    const rl = offL[i];
    const oh = qH[i];
    const ol = qL[i];
    let c: number;
    // signed: compare the high halves as int32, then the low halves unsigned
    if ((rh | 0) > (oh | 0) || (rh === oh && rl > ol)) c = 1;
    else {
      const el = (rl + lenL[i]) >>> 0;
      const eh = (rh + lenH[i] + (el < rl ? 1 : 0)) >>> 0;
      c = eh < oh || (eh === oh && el <= ol) ? -1 : 0;
    }
    acc += c;
    acc = Math.imul(acc, 31) | 0;
  }
  return acc;
}

function roundC(p: Pairs, downH: Uint32Array, downL: Uint32Array, upH: Uint32Array, upL: Uint32Array): void {
  const { lenH, lenL, qH, qL } = p;
  const mask = BSN - 1;
  for (let i = 0; i < N; i++) {
    const oh = qH[i];
    const ol = qL[i];
    downH[i] = oh;
    downL[i] = (ol & ~mask) >>> 0;
    // e = o + len
    const el = (ol + lenL[i]) >>> 0;
    const eh = (oh + lenH[i] + (el < ol ? 1 : 0)) >>> 0;
    // e - 1
    const ml = (el - 1) >>> 0;
    const mh = (eh - (el === 0 ? 1 : 0)) >>> 0;
    // | (bs - 1), + 1
    const ol2 = (ml | mask) >>> 0;
    const rl = (ol2 + 1) >>> 0;
    upL[i] = rl;
    upH[i] = (mh + (rl === 0 ? 1 : 0)) >>> 0;
  }
}

function mergeC(p: Pairs): number {
  const { offH, offL, lenH, lenL, addrH, addrL } = p;
  let acc = 0;
  for (let i = 0; i + 1 < N; i++) {
    const llo = lenL[i];
    const lhi = lenH[i];
    const el = (offL[i] + llo) >>> 0;
    if (el !== offL[i + 1]) continue;
    if (((offH[i] + lhi + (el < llo ? 1 : 0)) >>> 0) !== offH[i + 1]) continue;
    const al = (addrL[i] + llo) >>> 0;
    if (al !== addrL[i + 1]) continue;
    if (((addrH[i] + lhi + (al < llo ? 1 : 0)) >>> 0) !== addrH[i + 1]) continue;
    const sl = (llo + lenL[i + 1]) >>> 0;
    const sh = (lhi + lenH[i + 1] + (sl < llo ? 1 : 0)) >>> 0;
    if (sh < 0x8000_0000 || (sh === 0x8000_0000 && sl === 0)) acc += i;
  }
  return acc;
}

// -------------------------------------------------------------- (d) doubles

interface Doubles {
  off: Float64Array;
  len: Float64Array;
  addr: Float64Array;
  q: Float64Array;
}

const toDoubles = (d: Data): Doubles => ({
  off: Float64Array.from(d.off, Number),
  len: Float64Array.from(d.len, Number),
  addr: Float64Array.from(d.addr, Number),
  q: Float64Array.from(d.q, Number),
});

function cmpD(d: Doubles): number {
  const { off, len, q } = d;
  let acc = 0;
  for (let i = 0; i < N; i++) {
    const ro = off[i];
    const o = q[i];
    acc += ro > o ? 1 : ro + len[i] <= o ? -1 : 0;
    acc = Math.imul(acc, 31) | 0;
  }
  return acc;
}

function roundD(d: Doubles, down: Float64Array, up: Float64Array): void {
  const { len, q } = d;
  for (let i = 0; i < N; i++) {
    const o = q[i];
    down[i] = Math.floor(o / BSN) * BSN;
    up[i] = Math.ceil((o + len[i]) / BSN) * BSN;
  }
}

const TWO63 = 2 ** 63;
function mergeD(d: Doubles): number {
  const { off, len, addr } = d;
  let acc = 0;
  for (let i = 0; i + 1 < N; i++) {
    const ll = len[i];
    if (off[i] + ll === off[i + 1] && addr[i] + ll === addr[i + 1] && ll + len[i + 1] <= TWO63) acc += i;
  }
  return acc;
}

// ------------------------------------------------------------------ (e) I64

const SAFE = Number.MAX_SAFE_INTEGER;

/** a column as the arena keeps it: doubles, exact values beyond 2^53 beside them */
interface I64Col {
  d: Float64Array;
  x: I64[];
}

interface I64Data {
  off: I64Col;
  len: I64Col;
  addr: I64Col;
  q: I64Col;
}

function toI64Col(src: BigInt64Array | BigUint64Array): I64Col {
  const c: I64Col = { d: new Float64Array(N), x: new Array<I64>(N).fill(0) };
  for (let i = 0; i < N; i++) setI64(c, i, toI64(src[i]));
  return c;
}

function setI64(c: I64Col, i: number, v: I64): void {
  if (typeof v === 'number') c.d[i] = v;
  else {
    c.d[i] = Number(v);
    c.x[i] = v;
  }
}

function getI64(c: I64Col, i: number): I64 {
  const d = c.d[i];
  return d <= SAFE && d >= -SAFE ? d : c.x[i];
}

const toI64Data = (d: Data): I64Data => ({ off: toI64Col(d.off), len: toI64Col(d.len), addr: toI64Col(d.addr), q: toI64Col(d.q) });

function cmpE(d: I64Data): number {
  const { off, len, q } = d;
  let acc = 0;
  for (let i = 0; i < N; i++) {
    const ro = getI64(off, i);
    const o = getI64(q, i);
    acc += ro > o ? 1 : addU64(ro, getI64(len, i)) <= u64I(o) ? -1 : 0;
    acc = Math.imul(acc, 31) | 0;
  }
  return acc;
}

function roundE(d: I64Data, down: I64Col, up: I64Col): void {
  const { len, q } = d;
  for (let i = 0; i < N; i++) {
    const o = getI64(q, i);
    setI64(down, i, roundDownS64I(o, BSN));
    setI64(up, i, roundUpS64I(addS64(o, getI64(len, i)), BSN));
  }
}

function mergeE(d: I64Data): number {
  const { off, len, addr } = d;
  let acc = 0;
  for (let i = 0; i + 1 < N; i++) {
    const ll = getI64(len, i);
    const sum = addU64(ll, getI64(len, i + 1));
    if (
      addU64(getI64(off, i), ll) === u64I(getI64(off, i + 1)) &&
      addU64(getI64(addr, i), ll) === getI64(addr, i + 1) &&
      (typeof sum === 'number' || sum <= B63)
    )
      acc += i;
  }
  return acc;
}

// ------------------------------------------------------------------- suite

export function runInt64Bench(args: BenchArgs, log: (s: string) => void): Int64Result {
  const opts = { maxTime: args.quick ? 0.2 : 0.6, minSamples: 5, log };
  const out: Int64Result['kernels'] = [];
  // typical first: V8's type feedback is per function, and once the edge
  // values have been seen the bigint paths stay generic
  for (const data of ['typical', 'edge'] as const) out.push(...runDataSet(data, makeData(64, data === 'edge'), opts));
  return { suite: 'int64', records: N, kernels: out };
}

function runDataSet(data: 'edge' | 'typical', d: Data, opts: SuiteOptions): Int64Result['kernels'] {
  const p = toPairs(d);
  const f = toDoubles(d);
  const e = toI64Data(d);

  // exactness first (untimed)
  const downA = new BigInt64Array(N), upA = new BigInt64Array(N);
  const downB = new BigInt64Array(N), upB = new BigInt64Array(N);
  const dH = new Uint32Array(N), dL = new Uint32Array(N), uH = new Uint32Array(N), uL = new Uint32Array(N);
  const downD = new Float64Array(N), upD = new Float64Array(N);
  const downE: I64Col = { d: new Float64Array(N), x: new Array<I64>(N).fill(0) };
  const upE: I64Col = { d: new Float64Array(N), x: new Array<I64>(N).fill(0) };
  roundE(e, downE, upE);
  roundA(d, downA, upA);
  roundB(d, downB, upB);
  roundC(p, dH, dL, uH, uL);
  roundD(f, downD, upD);
  const pair = (h: number, l: number) => BigInt.asIntN(64, (BigInt(h) << 32n) | BigInt(l));
  let wrongRoundB = 0, wrongRoundC = 0, wrongRoundD = 0, wrongRoundE = 0;
  for (let i = 0; i < N; i++) {
    wrongRoundE += Number(toBig(getI64(downE, i)) !== downA[i]) + Number(toBig(getI64(upE, i)) !== upA[i]);
    wrongRoundB += Number(downB[i] !== downA[i]) + Number(upB[i] !== upA[i]);
    wrongRoundC += Number(pair(dH[i], dL[i]) !== downA[i]) + Number(pair(uH[i], uL[i]) !== upA[i]);
    wrongRoundD += Number(downD[i] !== Number(downA[i])) + Number(upD[i] !== Number(upA[i]));
  }
  // cmp and merge return a checksum: a differing one is reported as 1
  const cmpWrong = (fn: () => number) => (fn() === cmpA(d) ? 0 : 1);
  const mergeWrong = (fn: () => number) => (fn() === mergeA(d) ? 0 : 1);
  const wrong: Record<string, number[]> = {
    cmp: [0, cmpWrong(() => cmpB(d)), cmpWrong(() => cmpC(p)), cmpWrong(() => cmpD(f)), cmpWrong(() => cmpE(e))],
    round: [0, wrongRoundB, wrongRoundC, wrongRoundD, wrongRoundE],
    merge: [0, mergeWrong(() => mergeB(d)), mergeWrong(() => mergeC(p)), mergeWrong(() => mergeD(f)), mergeWrong(() => mergeE(e))],
  };
  const exact = [1, 2, 4];
  if (exact.some((v) => wrong.cmp[v] + wrong.round[v] + wrong.merge[v]))
    throw new Error(`int64 (${data}): an exact variant disagrees with asUintN/asIntN: ${JSON.stringify(wrong)}`);

  let sink = 0;
  const names = ['(a) bigint asUintN/asIntN(64)', '(b) bigint & mask', '(c) hi/lo Uint32Array + carry', '(d) doubles (inexact)', '(e) I64: doubles + exact side values (the model)'];
  const kernels: Array<[string, Array<() => unknown>]> = [
    ['cmp', [() => (sink ^= cmpA(d)), () => (sink ^= cmpB(d)), () => (sink ^= cmpC(p)), () => (sink ^= cmpD(f)), () => (sink ^= cmpE(e))]],
    ['round', [() => roundA(d, downA, upA), () => roundB(d, downB, upB), () => roundC(p, dH, dL, uH, uL), () => roundD(f, downD, upD), () => roundE(e, downE, upE)]],
    ['merge', [() => (sink ^= mergeA(d)), () => (sink ^= mergeB(d)), () => (sink ^= mergeC(p)), () => (sink ^= mergeD(f)), () => (sink ^= mergeE(e))]],
  ];
  const out: Int64Result['kernels'] = [];
  for (const [kernel, fns] of kernels) {
    const figs = runSuite(`int64 ${data} ${kernel}`, fns.map((fn, i) => [names[i], fn] as const), opts);
    out.push({
      data,
      kernel,
      variants: figs.map((fig, i) => ({
        variant: names[i],
        fig,
        ratio: fig.hz / figs[0].hz,
        nsPerRecord: 1e9 / (fig.hz * N),
        wrong: wrong[kernel][i],
      })),
    });
  }
  void sink;
  return out;
}
