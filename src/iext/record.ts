// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mapping value the tree stores and hands out: struct fuse_iomap without
 * its validity cookie (fs/fuse/fuse_i.h). offset is a loff_t (signed),
 * addr and length are u64; type and flags are u16, dev a u32 cookie.
 */
import { type I64, toBig, toI64 } from '../util/int64.js';

export interface Mapping {
  addr: bigint;
  offset: bigint;
  length: bigint;
  type: number;
  flags: number;
  dev: number;
}

export const emptyMapping = (): Mapping => ({ addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, dev: 0 });

export function copyMapping(dst: Mapping, src: Mapping): Mapping {
  dst.addr = src.addr;
  dst.offset = src.offset;
  dst.length = src.length;
  dst.type = src.type;
  dst.flags = src.flags;
  dst.dev = src.dev;
  return dst;
}

export const cloneMapping = (m: Mapping): Mapping => copyMapping(emptyMapping(), m);

/**
 * The same mapping with I64 fields (src/util/int64.ts): what the tree and
 * the cache compute on. Mapping (bigint fields) is the public form.
 */
export interface MappingI {
  addr: I64;
  offset: I64;
  length: I64;
  type: number;
  flags: number;
  dev: number;
}

export const emptyMappingI = (): MappingI => ({ addr: 0, offset: 0, length: 0, type: 0, flags: 0, dev: 0 });

export function copyMappingI(dst: MappingI, src: MappingI): MappingI {
  dst.addr = src.addr;
  dst.offset = src.offset;
  dst.length = src.length;
  dst.type = src.type;
  dst.flags = src.flags;
  dst.dev = src.dev;
  return dst;
}

/** dst = m with I64 fields */
export function toMappingI(dst: MappingI, m: Mapping): MappingI {
  dst.addr = toI64(m.addr);
  dst.offset = toI64(m.offset);
  dst.length = toI64(m.length);
  dst.type = m.type;
  dst.flags = m.flags;
  dst.dev = m.dev;
  return dst;
}

/** dst = m with bigint fields */
export function fromMappingI(dst: Mapping, m: MappingI): Mapping {
  dst.addr = toBig(m.addr);
  dst.offset = toBig(m.offset);
  dst.length = toBig(m.length);
  dst.type = m.type;
  dst.flags = m.flags;
  dst.dev = m.dev;
  return dst;
}

/** A new public Mapping of an I64 one (trace events, results) */
export const bigMapping = (m: MappingI): Mapping => fromMappingI(emptyMapping(), m);

/** struct fuse_iext_cursor: a leaf (slot, NULL = -1) and a record position. */
export interface Cursor {
  leaf: number;
  pos: number;
}

/**
 * The model hit something the kernel would crash on (a NULL or wild pointer
 * dereference). The model stops there instead of inventing a result.
 */
export class KernelOops extends Error {
  /** the scenario line being executed, when known */
  line?: number;
  constructor(readonly func: string, what: string, kind = 'kernel oops') {
    super(`${kind} in ${func}: ${what}`);
    this.name = 'KernelOops';
  }
}

/**
 * The C would loop forever here (a soft lockup under the lock it holds):
 * the model stops and reports it the way it reports an oops.
 */
export class KernelLockup extends KernelOops {
  constructor(func: string, what: string) {
    super(func, what, 'soft lockup');
    this.name = 'KernelLockup';
  }
}

/**
 * The C reads or writes memory it no longer owns here (a kernel ASSERT
 * that is compiled out lets it go on): what follows is undefined, so the
 * model stops and reports it the way it reports an oops.
 */
export class KernelMemoryError extends KernelOops {
  constructor(func: string, what: string) {
    super(func, what, 'memory error');
    this.name = 'KernelMemoryError';
  }
}
