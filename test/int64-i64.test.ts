// SPDX-License-Identifier: GPL-2.0-only
/*
 * The I64 helpers of src/util/int64.ts against their bigint definitions
 * (BigInt.asUintN/asIntN(64, ...)) over the full signed and unsigned 64-bit
 * ranges, with the edges weighted in: the 2^53 boundary where a value
 * stops being a number, 2^63 (LLONG_MAX/LLONG_MIN), 2^64 - 1 (the all-ones
 * NULL_ADDR / INVAL_TO_EOF), negative loff_t values and sums that wrap.
 * Every result must be exact and canonical (a number exactly when it is a
 * safe integer).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type I64,
  addI,
  addS64,
  addU64,
  hex64,
  hex64I,
  roundDownS64,
  roundDownS64I,
  roundUpS64,
  roundUpS64I,
  roundUpU64,
  roundUpU64I,
  s64I,
  subI,
  subS64,
  subU64,
  toBig,
  toI64,
  u64I,
} from '../src/util/int64.js';

const RUNS = 5000;
const P53 = 1n << 53n;
const P63 = 1n << 63n;
const P64 = 1n << 64n;

/** values clustered around every edge, plus uniform ones over [-2^63, 2^64) */
const edge = (c: bigint) => fc.bigInt({ min: c - 3n, max: c + 3n });
const full = fc.oneof(
  fc.bigInt({ min: -P63, max: P64 - 1n }),
  fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }),
  edge(0n),
  edge(P53),
  edge(-P53),
  edge(P63),
  edge(-P63 + 3n),
  edge(P64 - 4n),
  fc.constantFrom(P64 - 1n, P63 - 1n, -P63, P53 - 1n, -(P53 - 1n)),
);
/** powers of two a block size may be, and a few beyond the double path */
const pow2 = fc.oneof(
  fc.integer({ min: 0, max: 31 }).map((k) => 1n << BigInt(k)),
  fc.integer({ min: 32, max: 62 }).map((k) => 1n << BigInt(k)),
);

const isCanonical = (v: I64): boolean =>
  typeof v === 'number' ? Number.isSafeInteger(v) && !Object.is(v, -0) : v < -(P53 - 1n) || v > P53 - 1n;

function same(got: I64, want: bigint): void {
  expect(isCanonical(got)).toBe(true);
  expect(toBig(got)).toBe(want);
  expect(got).toBe(toI64(want));
}

const u = (x: bigint) => BigInt.asUintN(64, x);
const s = (x: bigint) => BigInt.asIntN(64, x);

describe('I64 helpers against BigInt.asUintN/asIntN', () => {
  it('toI64 is canonical and round-trips through toBig', () => {
    fc.assert(
      fc.property(full, (a) => {
        same(toI64(a), a);
        expect(typeof toI64(a)).toBe(a >= -(P53 - 1n) && a <= P53 - 1n ? 'number' : 'bigint');
      }),
      { numRuns: RUNS },
    );
    expect(toI64(P53 - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toI64(P53)).toBe(P53);
    expect(toI64(-(P53 - 1n))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(toI64(-P53)).toBe(-P53);
  });

  it('exact, u64 and s64 sums and differences', () => {
    fc.assert(
      fc.property(full, full, (a, b) => {
        const x = toI64(a);
        const y = toI64(b);
        same(addI(x, y), a + b);
        same(subI(x, y), a - b);
        same(addU64(x, y), u(a + b));
        same(subU64(x, y), u(a - b));
        same(addS64(x, y), s(a + b));
        same(subS64(x, y), s(a - b));
      }),
      { numRuns: RUNS },
    );
  });

  it('conversions u64I / s64I', () => {
    fc.assert(
      fc.property(full, (a) => {
        same(u64I(toI64(a)), u(a));
        same(s64I(toI64(a)), s(a));
      }),
      { numRuns: RUNS },
    );
  });

  it('round_down / round_up in loff_t and u64', () => {
    fc.assert(
      fc.property(full, pow2, (a, y) => {
        const x = s(a);
        same(roundDownS64I(toI64(x), toI64(y)), roundDownS64(x, y));
        same(roundUpS64I(toI64(x), toI64(y)), roundUpS64(x, y));
        same(roundUpU64I(toI64(u(a)), toI64(y)), roundUpU64(u(a), y));
      }),
      { numRuns: RUNS },
    );
  });

  it('hex64I prints the 64-bit pattern as hex64 does', () => {
    fc.assert(
      fc.property(full, (a) => {
        expect(hex64I(toI64(a))).toBe(hex64(a));
      }),
      { numRuns: RUNS },
    );
    // the byte-table path at every byte and word boundary
    for (let k = 0n; k <= 53n; k++)
      for (const v of [(1n << k) - 1n, 1n << k, (1n << k) + 1n, (1n << k) * 3n + 5n]) expect(hex64I(toI64(v))).toBe(hex64(v));
  });

  it('the edges named in the C', () => {
    // offset + length wraps past 2^64 to a small u64 number
    same(addU64(toI64(P64 - 4096n), 8192), 4096n);
    // LLONG_MAX + 1 wraps to LLONG_MIN in loff_t
    same(addS64(toI64(P63 - 1n), 1), -P63);
    // a negative loff_t minus one, and LLONG_MIN - 1 wraps to LLONG_MAX
    same(subS64(-4096, 1), -4097n);
    same(subS64(toI64(-P63), 1), P63 - 1n);
    // all-ones INVAL_TO_EOF as a u64 and as a loff_t
    same(u64I(-1), P64 - 1n);
    same(s64I(toI64(P64 - 1n)), -1n);
    // round_up of s_maxbytes = LLONG_MAX wraps to LLONG_MIN
    same(roundUpS64I(toI64(P63 - 1n), 4096), -P63);
    // round_up(0) in u64 stays 0; 2^53 - 1 rounds up across the boundary
    same(roundUpU64I(0, 4096), 0n);
    same(roundUpU64I(Number.MAX_SAFE_INTEGER, 4096), P53);
    // a negative loff_t rounds toward -inf / +inf without a -0
    same(roundDownS64I(-1, 4096), -4096n);
    same(roundUpS64I(-1, 4096), 0n);
  });
});
