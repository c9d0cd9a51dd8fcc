// SPDX-License-Identifier: GPL-2.0-only
/*
 * When two cached mappings may become one record (seed 001 L8346-8375).
 * All sums are u64 and wrap; FUSE_IOMAP_MAX_LEN is compared as 2^63.
 * The functions ending in I are the implementation, on I64 mappings
 * (src/util/int64.ts); the others take bigint Mappings and convert.
 */
import { type Mapping, type MappingI, emptyMappingI, toMappingI } from '../iext/record.js';
import { addU64, u64I } from '../util/int64.js';
import { FUSE_IOMAP_MAX_LEN_U64, FUSE_IOMAP_NULL_ADDR, FUSE_IOMAP_TYPE_MAPPED, FUSE_IOMAP_TYPE_UNWRITTEN } from './constants.js';

/** a u64 sum <= FUSE_IOMAP_MAX_LEN (every safe number is below 2^63) */
const withinMaxLen = (sum: number | bigint): boolean => typeof sum === 'number' || sum <= FUSE_IOMAP_MAX_LEN_U64;

/** fuse_iomap_addrs_adjacent */
export function addrsAdjacentI(left: MappingI, right: MappingI): boolean {
  if (left.type === FUSE_IOMAP_TYPE_MAPPED || left.type === FUSE_IOMAP_TYPE_UNWRITTEN)
    return addU64(left.addr, left.length) === right.addr;
  return left.addr === FUSE_IOMAP_NULL_ADDR && right.addr === FUSE_IOMAP_NULL_ADDR;
}

/** fuse_iomap_can_merge */
export function canMergeI(left: MappingI, right: MappingI): boolean {
  return (
    left.dev === right.dev &&
    addU64(left.offset, left.length) === u64I(right.offset) &&
    left.type === right.type &&
    addrsAdjacentI(left, right) &&
    left.flags === right.flags &&
    withinMaxLen(addU64(left.length, right.length))
  );
}

/** fuse_iomap_can_merge3: only the combined length is checked */
export function canMerge3I(left: MappingI, nw: MappingI, right: MappingI): boolean {
  return withinMaxLen(addU64(addU64(left.length, nw.length), right.length));
}

const a = emptyMappingI();
const b = emptyMappingI();
const c = emptyMappingI();

/** fuse_iomap_addrs_adjacent (bigint Mappings) */
export const addrsAdjacent = (left: Mapping, right: Mapping): boolean => addrsAdjacentI(toMappingI(a, left), toMappingI(b, right));
/** fuse_iomap_can_merge (bigint Mappings) */
export const canMerge = (left: Mapping, right: Mapping): boolean => canMergeI(toMappingI(a, left), toMappingI(b, right));
/** fuse_iomap_can_merge3 (bigint Mappings) */
export const canMerge3 = (left: Mapping, nw: Mapping, right: Mapping): boolean => canMerge3I(toMappingI(a, left), toMappingI(b, nw), toMappingI(c, right));
