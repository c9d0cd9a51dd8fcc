// SPDX-License-Identifier: GPL-2.0-only
/*
 * Constants of the iomap consumers of the fuse iomap cache (seed 001
 * PATCH 01/13 uapi, include/linux/iomap.h values it mirrors, fallocate
 * modes, errnos). The cache's own constants live in src/cache/constants.ts.
 */

// FUSE_IOMAP_OP_* (= IOMAP_* op flags, 001 L1539-1548)
export const IOMAP_WRITE = 0x1;
export const IOMAP_ZERO = 0x2;
export const IOMAP_REPORT = 0x4;
export const IOMAP_FAULT = 0x8;
export const IOMAP_DIRECT = 0x10;
export const IOMAP_NOWAIT = 0x20;
export const IOMAP_OVERWRITE_ONLY = 0x40;
export const IOMAP_UNSHARE = 0x80;
export const IOMAP_ATOMIC = 0x200;
export const IOMAP_DONTCACHE = 0x400;

/** FUSE_IOMAP_OP_STRINGS (001 L1195-1205), table order. */
export const IOMAP_OP_NAMES: ReadonlyArray<readonly [number, string]> = [
  [IOMAP_WRITE, 'write'],
  [IOMAP_ZERO, 'zero'],
  [IOMAP_REPORT, 'report'],
  [IOMAP_FAULT, 'fault'],
  [IOMAP_DIRECT, 'direct'],
  [IOMAP_NOWAIT, 'nowait'],
  [IOMAP_OVERWRITE_ONLY, 'overwrite'],
  [IOMAP_UNSHARE, 'unshare'],
  [IOMAP_ATOMIC, 'atomic'],
  [IOMAP_DONTCACHE, 'dontcache'],
];
/** Scenario spellings of the op flags (the names; `overwrite` too). */
export const IOMAP_OP_BY_NAME: ReadonlyMap<string, number> = new Map([
  ...IOMAP_OP_NAMES.map(([v, n]) => [n, v] as const),
  ['overwrite_only', IOMAP_OVERWRITE_ONLY],
]);

/** fuse_is_iomap_file_write (001 L1857-1860): WRITE | ZERO | UNSHARE */
export const isFileWrite = (opflags: number): boolean => (opflags & (IOMAP_WRITE | IOMAP_ZERO | IOMAP_UNSHARE)) !== 0;

// kernel IOMAP_* mapping types (equal to FUSE_IOMAP_TYPE_*, BUILD_BUG_ON at 001 L1680-1684)
export const IOMAP_HOLE = 0;
export const IOMAP_DELALLOC = 1;
export const IOMAP_MAPPED = 2;
export const IOMAP_UNWRITTEN = 3;
export const IOMAP_INLINE = 4;

// iomap flags the consumers look at (include/linux/iomap.h = FUSE_IOMAP_F_*)
export const IOMAP_F_SIZE_CHANGED = 0x4000;
export const FUSE_IOMAP_F_WANT_IOMAP_END = 0x1000;

// FUSE_IOMAP_IOEND_* (001 L3331-3341)
export const FUSE_IOMAP_IOEND_SHARED = 0x1;
export const FUSE_IOMAP_IOEND_UNWRITTEN = 0x2;
export const FUSE_IOMAP_IOEND_BOUNDARY = 0x4;
export const FUSE_IOMAP_IOEND_DIRECT = 0x8;
export const FUSE_IOMAP_IOEND_APPEND = 0x8000;
/** FUSE_IOMAP_IOEND_STRINGS (001 L3014-3019) */
export const IOEND_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FUSE_IOMAP_IOEND_SHARED, 'shared'],
  [FUSE_IOMAP_IOEND_UNWRITTEN, 'unwritten'],
  [FUSE_IOMAP_IOEND_BOUNDARY, 'boundary'],
  [FUSE_IOMAP_IOEND_DIRECT, 'direct'],
  [FUSE_IOMAP_IOEND_APPEND, 'append'],
];

// FALLOC_FL_* (include/uapi/linux/falloc.h)
export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;
export const FALLOC_FL_COLLAPSE_RANGE = 0x08;
export const FALLOC_FL_ZERO_RANGE = 0x10;
export const FALLOC_FL_INSERT_RANGE = 0x20;
export const FALLOC_FL_UNSHARE_RANGE = 0x40;
export const FALLOC_MODE_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FALLOC_FL_KEEP_SIZE, 'keep_size'],
  [FALLOC_FL_PUNCH_HOLE, 'punch_hole'],
  [FALLOC_FL_COLLAPSE_RANGE, 'collapse_range'],
  [FALLOC_FL_ZERO_RANGE, 'zero_range'],
  [FALLOC_FL_INSERT_RANGE, 'insert_range'],
  [FALLOC_FL_UNSHARE_RANGE, 'unshare_range'],
];

// fi->state bits as FUSE_IFLAG_STRINGS prints them (TRACE_FORMATS.md B)
export const FUSE_I_BAD = 0x8;
export const FUSE_I_IOMAP_DIRECTIO = 0x40;
export const FUSE_I_IOMAP_FILEIO = 0x80;
export const FUSE_I_IOMAP_CACHE = 0x100;

// errno values (asm-generic)
export const EINTR = 4;
export const EIO = 5;
export const EFBIG = 27;
export const EINVAL = 22;
export const ENOSYS = 38;
export const EOPNOTSUPP = 95;
export const ESTALE = 116;
export const EUCLEAN = 117;

/** INT_MAX: fuse_iomap_find_dev only looks up cookies below it */
export const INT_MAX = 0x7fff_ffff;
