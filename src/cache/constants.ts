// SPDX-License-Identifier: GPL-2.0-only
/*
 * Constants of the fuse iomap protocol and cache (seed 001; SPEC.md 1.1-1.5).
 */

// FUSE_IOMAP_TYPE_* (include/uapi/linux/fuse.h)
export const FUSE_IOMAP_TYPE_PURE_OVERWRITE = 0xffff;
export const FUSE_IOMAP_TYPE_NULL = 0xfffe;
export const FUSE_IOMAP_TYPE_HOLE = 0;
export const FUSE_IOMAP_TYPE_DELALLOC = 1;
export const FUSE_IOMAP_TYPE_MAPPED = 2;
export const FUSE_IOMAP_TYPE_UNWRITTEN = 3;
export const FUSE_IOMAP_TYPE_INLINE = 4;

/** Names as FUSE_IOMAP_TYPE_STRINGS prints them, in table order. */
export const IOMAP_TYPE_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FUSE_IOMAP_TYPE_PURE_OVERWRITE, 'overwrite'],
  [FUSE_IOMAP_TYPE_NULL, 'null'],
  [FUSE_IOMAP_TYPE_HOLE, 'hole'],
  [FUSE_IOMAP_TYPE_DELALLOC, 'delalloc'],
  [FUSE_IOMAP_TYPE_MAPPED, 'mapped'],
  [FUSE_IOMAP_TYPE_UNWRITTEN, 'unwritten'],
  [FUSE_IOMAP_TYPE_INLINE, 'inline'],
];

// FUSE_IOMAP_F_* mapping flags
export const FUSE_IOMAP_F_NEW = 0x1;
export const FUSE_IOMAP_F_DIRTY = 0x2;
export const FUSE_IOMAP_F_SHARED = 0x4;
export const FUSE_IOMAP_F_MERGED = 0x8;
export const FUSE_IOMAP_F_XATTR = 0x20;
export const FUSE_IOMAP_F_BOUNDARY = 0x40;
export const FUSE_IOMAP_F_ANON_WRITE = 0x80;
export const FUSE_IOMAP_F_ATOMIC_BIO = 0x100;
export const FUSE_IOMAP_F_WANT_IOMAP_END = 0x1000;
export const FUSE_IOMAP_F_SIZE_CHANGED = 0x4000;
export const FUSE_IOMAP_F_STALE = 0x8000;

/** FUSE_IOMAP_F_STRINGS, in table order. */
export const IOMAP_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FUSE_IOMAP_F_NEW, 'new'],
  [FUSE_IOMAP_F_DIRTY, 'dirty'],
  [FUSE_IOMAP_F_SHARED, 'shared'],
  [FUSE_IOMAP_F_MERGED, 'merged'],
  [FUSE_IOMAP_F_XATTR, 'xattr'],
  [FUSE_IOMAP_F_BOUNDARY, 'boundary'],
  [FUSE_IOMAP_F_ANON_WRITE, 'anon_write'],
  [FUSE_IOMAP_F_ATOMIC_BIO, 'atomic'],
  [FUSE_IOMAP_F_WANT_IOMAP_END, 'iomap_end'],
  [FUSE_IOMAP_F_SIZE_CHANGED, 'append'],
  [FUSE_IOMAP_F_STALE, 'stale'],
];

export const FUSE_IOMAP_NULL_ADDR = 0xffff_ffff_ffff_ffffn;
export const FUSE_IOMAP_DEV_NULL = 0;
export const FUSE_IOMAP_INVAL_TO_EOF = 0xffff_ffff_ffff_ffffn;
/** (loff_t)(1ULL << 63): only ever compared with u64 sums, so it acts as 2^63. */
export const FUSE_IOMAP_MAX_LEN_U64 = 0x8000_0000_0000_0000n;

export enum Fork {
  READ = 0, // FUSE_IOMAP_READ_FORK
  WRITE = 1, // FUSE_IOMAP_WRITE_FORK
}
export const forkName = (f: Fork): string => (f === Fork.READ ? 'read' : 'write');

export enum LookupResult {
  HIT = 0, // LOOKUP_HIT
  MISS = 1, // LOOKUP_MISS
  NOFORK = 2, // LOOKUP_NOFORK
}

// FUSE_IOMAP_LOCK_*
export const FUSE_IOMAP_LOCK_SHARED = 1;
export const FUSE_IOMAP_LOCK_EXCL = 2;
export const LOCK_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FUSE_IOMAP_LOCK_SHARED, 'shared'],
  [FUSE_IOMAP_LOCK_EXCL, 'exclusive'],
];

// FUSE_IEXT_* extent state bits
export const FUSE_IEXT_LEFT_CONTIG = 1 << 0;
export const FUSE_IEXT_RIGHT_CONTIG = 1 << 1;
export const FUSE_IEXT_LEFT_FILLING = 1 << 2;
export const FUSE_IEXT_RIGHT_FILLING = 1 << 3;
export const FUSE_IEXT_LEFT_VALID = 1 << 4;
export const FUSE_IEXT_RIGHT_VALID = 1 << 5;
export const FUSE_IEXT_WRITEFORK = 1 << 6;
export const IEXT_STATE_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FUSE_IEXT_LEFT_CONTIG, 'l_cont'],
  [FUSE_IEXT_RIGHT_CONTIG, 'r_cont'],
  [FUSE_IEXT_LEFT_FILLING, 'l_fill'],
  [FUSE_IEXT_RIGHT_FILLING, 'r_fill'],
  [FUSE_IEXT_LEFT_VALID, 'l_valid'],
  [FUSE_IEXT_RIGHT_VALID, 'r_valid'],
  [FUSE_IEXT_WRITEFORK, 'writefork'],
];

// errno values (asm-generic)
export const EIO = 5;
export const ENOMEM = 12;
export const EINVAL = 22;
export const EUCLEAN = 117;
