// SPDX-License-Identifier: GPL-2.0-only
/*
 * The wire structs as plain values. Every field holds exactly the unsigned
 * value of its C field (u64 as bigint, u16/u32 as number); the handlers do
 * the C conversions (e.g. the rfc-v3 upsert turns offsets into loff_t).
 */

/** One mapping: v7 struct fuse_iomap_io, or the read_* / write_* fields of rfc-v3 */
export interface IomapIo {
  offset: bigint;
  length: bigint;
  addr: bigint;
  type: number;
  flags: number;
  dev: number;
}

/** struct fuse_iomap_upsert_out (rfc-v3) / fuse_iomap_upsert_mappings_out (v7): 80 bytes */
export interface UpsertOut {
  nodeid: bigint;
  attrIno: bigint;
  read: IomapIo;
  write: IomapIo;
}

/** struct fuse_range, or read_offset/read_length of rfc-v3 */
export interface FuseRange {
  offset: bigint;
  length: bigint;
}

/** struct fuse_iomap_inval_out (rfc-v3) / fuse_iomap_inval_mappings_out (v7): 48 bytes */
export interface InvalOut {
  nodeid: bigint;
  attrIno: bigint;
  read: FuseRange;
  write: FuseRange;
}

/** struct fuse_iomap_begin_in: 32 bytes in both revisions */
export interface BeginIn {
  opflags: number;
  reserved: number;
  attrIno: bigint;
  pos: bigint;
  count: bigint;
}

/**
 * struct fuse_iomap_begin_out. rfc-v3 (48 bytes) has one offset/length for
 * both halves: it travels in read.offset/read.length, and decoding copies
 * it into write.offset/write.length. v7 (64 bytes) has two fuse_iomap_io.
 */
export interface BeginOut {
  read: IomapIo;
  write: IomapIo;
}

export const emptyIo = (): IomapIo => ({ offset: 0n, length: 0n, addr: 0n, type: 0, flags: 0, dev: 0 });
export const cloneIo = (m: IomapIo): IomapIo => ({ ...m });
