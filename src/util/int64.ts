// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exact C integer semantics on bigint.
 *
 * Every 64-bit quantity of the model is a bigint holding the value the C
 * variable has: loff_t values are signed (-2^63 .. 2^63-1), u64 values are
 * unsigned (0 .. 2^64-1). The helpers below perform the implicit C
 * conversions; BigInt.asUintN/asIntN(64, ...) are lowered to machine
 * arithmetic by V8's optimising compiler, which is why bigint was chosen
 * over hi/lo number pairs (see bench/int64.bench.ts).
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
