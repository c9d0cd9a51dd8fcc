// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exact C integer semantics.
 *
 * The bigint definitions first: a 64-bit quantity as a bigint holding the
 * value the C variable has (loff_t signed, -2^63 .. 2^63-1; u64 unsigned,
 * 0 .. 2^64-1), the helpers performing the implicit C conversions with
 * BigInt.asUintN/asIntN(64, ...). They are the reference the I64 helpers
 * below are tested against, and what the public bigint API speaks.
 */

export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const S64_MAX = 0x7fff_ffff_ffff_ffffn;
export const S64_MIN = -0x8000_0000_0000_0000n;
export const BIT63 = 0x8000_0000_0000_0000n;

/** (uint64_t)x: reduce modulo 2^64. */
export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
/** (loff_t)x: two's-complement reinterpretation of the low 64 bits. */
export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

/** round_down(x, y) on a signed 64-bit x (y a power of two). */
export const roundDownS64 = (x: bigint, y: bigint): bigint => s64(x & ~(y - 1n));
/** round_up(x, y) = ((x - 1) | (y - 1)) + 1 evaluated in loff_t (wraps). */
export const roundUpS64 = (x: bigint, y: bigint): bigint => s64((s64(x - 1n) | (y - 1n)) + 1n);
/** round_up(x, y) evaluated in uint64_t (wraps). */
export const roundUpU64 = (x: bigint, y: bigint): bigint => u64((u64(x - 1n) | (y - 1n)) + 1n);

/** Lowercase hex without 0x, as printf("%llx") prints the 64-bit pattern. */
export const hex64 = (x: bigint): string => u64(x).toString(16);

const HEX_RE = /^0[xX][0-9a-fA-F]+$/;
const DEC_RE = /^[0-9]+$/;

/**
 * Parse an unsigned 64-bit number written in decimal or 0x-hex.
 * Returns undefined for anything else, including values >= 2^64.
 */
export function parseU64(text: string): bigint | undefined {
  let v: bigint;
  const n = text.length;
  if (n > 2 && (text.charCodeAt(1) === 0x78 || text.charCodeAt(1) === 0x58)) {
    if (!HEX_RE.test(text)) return undefined;
    // Up to 13 hex digits fit a double exactly: avoid the slow string path.
    v = n <= 15 ? BigInt(parseInt(text.slice(2), 16)) : BigInt(text);
  } else {
    if (!DEC_RE.test(text)) return undefined;
    v = n <= 15 ? BigInt(parseInt(text, 10)) : BigInt(text);
  }
  return v <= U64_MAX ? v : undefined;
}

/*
 * I64: the hot-path representation of the same values. A 64-bit value is a
 * JS number when it is a safe integer (|v| <= 2^53 - 1) and a bigint
 * otherwise; the form is canonical, so === and the relational operators
 * (which JS defines exactly across number and bigint) compare values.
 * Offsets, lengths and addresses of real files are far below 2^53, so the
 * common case never allocates a bigint; the all-ones FUSE_IOMAP_NULL_ADDR
 * stays one shared bigint. Each helper computes on doubles and falls back
 * to the bigint definitions above only when an operand or the result
 * leaves the safe range (a double sum whose magnitude is <= 2^53 - 1 is
 * exact: rounding is monotonic and every integer up to 2^53 is a double).
 */
export type I64 = number | bigint;

const SAFE = Number.MAX_SAFE_INTEGER;
const SAFE_N = BigInt(SAFE);

/** The canonical I64 of an exact value. */
export const toI64 = (b: bigint): I64 => (b >= -SAFE_N && b <= SAFE_N ? Number(b) : b);
/** The exact bigint of an I64. */
export const toBig = (v: I64): bigint => (typeof v === 'number' ? BigInt(v) : v);

/** x + y as exact integers (no wrap) */
export function addI(x: I64, y: I64): I64 {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x + y;
    if (r <= SAFE && r >= -SAFE) return r;
  }
  return toI64(toBig(x) + toBig(y));
}

/** x - y as exact integers (no wrap) */
export function subI(x: I64, y: I64): I64 {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x - y;
    if (r <= SAFE && r >= -SAFE) return r;
  }
  return toI64(toBig(x) - toBig(y));
}

/** (uint64_t)x */
export function u64I(x: I64): I64 {
  if (typeof x === 'number') return x >= 0 ? x : BigInt.asUintN(64, BigInt(x));
  return toI64(BigInt.asUintN(64, x));
}

/** (loff_t)x */
export function s64I(x: I64): I64 {
  return typeof x === 'number' ? x : toI64(BigInt.asIntN(64, x));
}

/** (uint64_t)(x + y) */
export function addU64(x: I64, y: I64): I64 {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x + y;
    if (r <= SAFE && r >= 0) return r;
  }
  return toI64(BigInt.asUintN(64, toBig(x) + toBig(y)));
}

/** (uint64_t)(x - y) */
export function subU64(x: I64, y: I64): I64 {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x - y;
    if (r <= SAFE && r >= 0) return r;
  }
  return toI64(BigInt.asUintN(64, toBig(x) - toBig(y)));
}

/** (loff_t)(x + y) */
export function addS64(x: I64, y: I64): I64 {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x + y;
    if (r <= SAFE && r >= -SAFE) return r;
  }
  return toI64(BigInt.asIntN(64, toBig(x) + toBig(y)));
}

/** (loff_t)(x - y) */
export function subS64(x: I64, y: I64): I64 {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x - y;
    if (r <= SAFE && r >= -SAFE) return r;
  }
  return toI64(BigInt.asIntN(64, toBig(x) - toBig(y)));
}

/** y is a power of two the double path can divide by exactly */
const smallPow2 = (y: I64): y is number => typeof y === 'number' && y > 0 && y <= 0x8000_0000 && (y & (y - 1)) === 0;

/** round_down(x, y) on a loff_t x (y a power of two) */
export function roundDownS64I(x: I64, y: I64): I64 {
  if (typeof x === 'number' && smallPow2(y)) {
    const r = Math.floor(x / y) * y;
    if (r >= -SAFE) return r;
  }
  return toI64(roundDownS64(toBig(x), toBig(y)));
}

/** round_up(x, y) in loff_t: ((x - 1) | (y - 1)) + 1, which is ceil(x / y) * y until it wraps */
export function roundUpS64I(x: I64, y: I64): I64 {
  if (typeof x === 'number' && smallPow2(y)) {
    const r = Math.ceil(x / y) * y;
    if (r <= SAFE && r >= -SAFE) return r === 0 ? 0 : r; // no -0
  }
  return toI64(roundUpS64(toBig(x), toBig(y)));
}

/** round_up(x, y) in uint64_t (x a u64 value) */
export function roundUpU64I(x: I64, y: I64): I64 {
  if (typeof x === 'number' && x >= 0 && smallPow2(y)) {
    const r = Math.ceil(x / y) * y;
    if (r <= SAFE) return r;
  }
  return toI64(roundUpU64(toBig(x), toBig(y)));
}

/** two lowercase hex digits of each byte, and each byte without a leading zero */
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX1 = Array.from({ length: 256 }, (_, i) => i.toString(16));

/** %x of a u32, byte by byte from the tables (several times faster than toString(16)) */
function hex32(v: number): string {
  if (v < 0x1_0000) return v < 0x100 ? HEX1[v] : HEX1[v >>> 8] + HEX2[v & 255];
  return (v < 0x100_0000 ? HEX1[v >>> 16] : HEX1[v >>> 24] + HEX2[(v >>> 16) & 255]) + HEX2[(v >>> 8) & 255] + HEX2[v & 255];
}

/** %08x of a u32 */
const hex32pad = (v: number): string => HEX2[v >>> 24] + HEX2[(v >>> 16) & 255] + HEX2[(v >>> 8) & 255] + HEX2[v & 255];

/** hex64 of an I64: printf("%llx") of its 64-bit pattern */
export function hex64I(x: I64): string {
  if (typeof x === 'number' && x >= 0) {
    if (x < 0x1_0000_0000) return hex32(x);
    const hi = Math.floor(x / 0x1_0000_0000);
    return hex32(hi) + hex32pad(x - hi * 0x1_0000_0000);
  }
  return BigInt.asUintN(64, toBig(x)).toString(16);
}
