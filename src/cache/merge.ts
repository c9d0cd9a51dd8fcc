// SPDX-License-Identifier: GPL-2.0-only
/*
 * When two cached mappings may become one record (seed 001 L8346-8375).
 * All sums are u64 and wrap; FUSE_IOMAP_MAX_LEN is compared as 2^63.
 */
import type { Mapping } from '../iext/record.js';
import { FUSE_IOMAP_MAX_LEN_U64, FUSE_IOMAP_NULL_ADDR, FUSE_IOMAP_TYPE_MAPPED, FUSE_IOMAP_TYPE_UNWRITTEN } from './constants.js';

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** fuse_iomap_addrs_adjacent */
export function addrsAdjacent(left: Mapping, right: Mapping): boolean {
  if (left.type === FUSE_IOMAP_TYPE_MAPPED || left.type === FUSE_IOMAP_TYPE_UNWRITTEN)
    return u64(left.addr + left.length) === right.addr;
  return left.addr === FUSE_IOMAP_NULL_ADDR && right.addr === FUSE_IOMAP_NULL_ADDR;
}

/** fuse_iomap_can_merge */
export function canMerge(left: Mapping, right: Mapping): boolean {
  return (
    left.dev === right.dev &&
    u64(left.offset + left.length) === u64(right.offset) &&
    left.type === right.type &&
    addrsAdjacent(left, right) &&
    left.flags === right.flags &&
    u64(left.length + right.length) <= FUSE_IOMAP_MAX_LEN_U64
  );
}

/** fuse_iomap_can_merge3: only the combined length is checked */
export function canMerge3(left: Mapping, nw: Mapping, right: Mapping): boolean {
  return u64(left.length + nw.length + right.length) <= FUSE_IOMAP_MAX_LEN_U64;
}
