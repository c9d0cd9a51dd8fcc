// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct iomap as the fuse iomap code fills it (include/linux/iomap.h,
 * the fields fuse touches), and struct fuse_iomap_begin_out (001 L1560-1573).
 */

export interface Iomap {
  /** u64 disk address, FUSE_IOMAP_NULL_ADDR when none */
  addr: bigint;
  /** loff_t file offset */
  offset: bigint;
  /** u64 */
  length: bigint;
  type: number;
  flags: number;
  /** the iomap device (backing id) whose bdev was set; 0 = NULL bdev */
  bdev: number;
  /** folio_ops == &fuse_iomap_folio_ops (iomap core then calls ->iomap_valid) */
  folioOps: boolean;
  validityCookie: bigint;
  /** inline_data buffer allocated by fuse_iomap_inline_alloc */
  inlineData: boolean;
}

/** iomap_iter's memset: every field 0 (type 0 = IOMAP_HOLE, no folio_ops). */
export function zeroIomap(): Iomap {
  return { addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, bdev: 0, folioOps: false, validityCookie: 0n, inlineData: false };
}

/**
 * An uninitialised stack struct iomap (fuse_iomap_map_blocks' write_iomap
 * and dontcare, SPEC 8.12): what it holds is the stack-init policy's value
 * (0 under CONFIG_INIT_STACK_ALL_ZERO, the pattern otherwise).
 */
export function stackIomap(garbage: bigint): Iomap {
  const t = Number(garbage & 0xffffn);
  return { addr: garbage, offset: BigInt.asIntN(64, garbage), length: garbage, type: t, flags: t, bdev: 0, folioOps: garbage !== 0n, validityCookie: garbage, inlineData: false };
}

export const copyIomap = (m: Iomap): Iomap => ({ ...m });

export type { BeginIn, BeginOut, IomapIo } from '../protocol/wire.js';

/** struct fuse_iomap_end_in (map_dev is never filled by the kernel, 001 L1961-1972) */
export interface EndIn {
  opflags: number;
  attrIno: bigint;
  pos: bigint;
  count: bigint;
  /** s64 */
  written: bigint;
  mapLength: bigint;
  mapAddr: bigint;
  mapType: number;
  mapFlags: number;
  mapDev: number;
}

/** struct fuse_iomap_ioend_in */
export interface IoendIn {
  ioendflags: number;
  /** negative errno or 0 */
  error: number;
  attrIno: bigint;
  pos: bigint;
  newAddr: bigint;
  /** u32 on the wire */
  written: number;
}
