// SPDX-License-Identifier: GPL-2.0-only
/*
 * Symbol and flag tables the fuse and xfs TP_printk formats use with
 * __print_flags / __print_symbolic (TRACE_FORMATS.md section B; the xfs ones
 * from this kernel's events/xfs/*\/format files).
 */
import { FUSE_IEXT_WRITEFORK, IEXT_STATE_NAMES, IOMAP_FLAG_NAMES, IOMAP_TYPE_NAMES, LOCK_NAMES } from '../../cache/constants.js';
import { V7_FLAG_NAMES, V7_TYPE_NAMES } from '../../cache/revision-v7.js';
import type { SymbolTable } from '../print-flags.js';

export const TABLES: Readonly<Record<string, SymbolTable>> = {
  FUSE_IOMAP_F_STRINGS: IOMAP_FLAG_NAMES,
  FUSE_IOMAP_TYPE_STRINGS: IOMAP_TYPE_NAMES,
  FUSE_IOMAP_CACHE_LOCK_STRINGS: LOCK_NAMES,
  FUSE_IEXT_STATE_STRINGS: IEXT_STATE_NAMES,
  FUSE_IOMAP_OP_STRINGS: [
    [0x1, 'write'],
    [0x2, 'zero'],
    [0x4, 'report'],
    [0x8, 'fault'],
    [0x10, 'direct'],
    [0x20, 'nowait'],
    [0x40, 'overwrite'],
    [0x80, 'unshare'],
    [0x200, 'atomic'],
    [0x400, 'dontcache'],
  ],
  FUSE_IOMAP_IOEND_STRINGS: [
    [0x1, 'shared'],
    [0x2, 'unwritten'],
    [0x4, 'boundary'],
    [0x8, 'direct'],
    [0x8000, 'append'],
  ],
  IOMAP_DIOEND_STRINGS: [
    [0x1, 'unwritten'],
    [0x2, 'cow'],
  ],
  IOMAP_IOEND_STRINGS: [
    [0x1, 'shared'],
    [0x2, 'unwritten'],
    [0x4, 'boundary'],
    [0x8, 'direct'],
  ],
  FUSE_IFLAG_STRINGS: [
    [0x1, 'advise_rdplus'],
    [0x2, 'init_rdplus'],
    [0x4, 'size_unstable'],
    [0x8, 'bad'],
    [0x10, 'btime'],
    [0x20, 'cacheio'],
    [0x40, 'iomap_dio'],
    [0x80, 'iomap_fileio'],
    [0x100, 'iomap_cache'],
  ],
  FUSE_IOMAP_CONFIG_STRINGS: [
    [0x1, 'sid'],
    [0x2, 'uuid'],
    [0x4, 'blocksize'],
    [0x8, 'max_links'],
    [0x10, 'time'],
    [0x20, 'maxbytes'],
  ],
  FUSE_IOMAP_FORK_STRINGS: [
    [0, 'read'],
    [1, 'write'],
  ],
  // fs/xfs/xfs_trace.h XFS_BMAP_EXT_FLAGS (BMAP_* of libxfs/xfs_bmap.h)
  XFS_BMAP_EXT_FLAGS: [
    [1 << 0, 'LC'],
    [1 << 1, 'RC'],
    [1 << 2, 'LF'],
    [1 << 3, 'RF'],
    [1 << 8, 'ATTR'],
    [1 << 9, 'COW'],
  ],
  // XFS_WHICHFORK_STRINGS
  XFS_WHICHFORK_STRINGS: [
    [-1, 'staging'],
    [0, 'data'],
    [1, 'attr'],
    [2, 'cow'],
  ],
};

/**
 * The v7 posting's tables where they differ (fuse_trace.h, v7 patch 02/12
 * and uapi fuse.h): types with retry and nocache at 254/253 and overwrite at
 * 255, the renumbered mapping flags without xattr, FUSE_IEXT_WRITE_MAPPING
 * printed "write", and the inode state bits (FUSE_I_IOMAP = bit 6,
 * FUSE_I_ATOMIC = bit 7; no iomap_dio/iomap_fileio/iomap_cache bits).
 */
export const V7_TABLES: Readonly<Record<string, SymbolTable>> = {
  ...TABLES,
  FUSE_IOMAP_F_STRINGS: V7_FLAG_NAMES,
  FUSE_IOMAP_TYPE_STRINGS: V7_TYPE_NAMES,
  FUSE_IEXT_STATE_STRINGS: IEXT_STATE_NAMES.map(([v, n]) => [v, v === FUSE_IEXT_WRITEFORK ? 'write' : n] as const),
  FUSE_IFLAG_STRINGS: [
    [0x1, 'advise_rdplus'],
    [0x2, 'init_rdplus'],
    [0x4, 'size_unstable'],
    [0x8, 'bad'],
    [0x10, 'btime'],
    [0x20, 'cacheio'],
    [0x40, 'iomap'],
    [0x80, 'atomic'],
  ],
};
