// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuse-iomap cache as posted in "[PATCHSET v7 7/9] fuse: cache iomap
 * mappings for even better file IO performance" (Darrick J. Wong,
 * linux-fsdevel, 23 Feb 2026, patches 01-12/12), and the later state of
 * fs/fuse/fuse_iomap_cache.c in the author's tree (mirror
 * kernelorg-mirror/linux_kernel_git_djwong_xfs-linux, commit 0887048f78a0),
 * which stops trimming lookups. Only the differences from rfc-v3 live here;
 * the cache code itself is shared (src/cache/iomap-cache.ts).
 * docs/revisions.md lists each difference with its C source.
 */
import type { Revision } from './revision.js';
import { type I64, addU64, toBig, toI64 } from '../util/int64.js';

// include/uapi/linux/fuse.h (v7): FUSE_IOMAP_TYPE_*
export const V7_TYPE_HOLE = 0;
export const V7_TYPE_DELALLOC = 1;
export const V7_TYPE_MAPPED = 2;
export const V7_TYPE_UNWRITTEN = 3;
export const V7_TYPE_INLINE = 4;
/** writes use the read mapping */
export const V7_TYPE_PURE_OVERWRITE = 255;
/** iomap_begin reply: the server has populated the cache, look again */
export const V7_TYPE_RETRY_CACHE = 254;
/** upsert notification: do not cache this half (replaces rfc-v3's FUSE_IOMAP_TYPE_NULL) */
export const V7_TYPE_NOCACHE = 253;

/** FUSE_IOMAP_TYPE_STRINGS of v7 fuse_trace.h (the "nocache" entry comes with patch 08/12). */
export const V7_TYPE_NAMES: ReadonlyArray<readonly [number, string]> = [
  [V7_TYPE_PURE_OVERWRITE, 'overwrite'],
  [V7_TYPE_RETRY_CACHE, 'retry'],
  [V7_TYPE_NOCACHE, 'nocache'],
  [V7_TYPE_HOLE, 'hole'],
  [V7_TYPE_DELALLOC, 'delalloc'],
  [V7_TYPE_MAPPED, 'mapped'],
  [V7_TYPE_UNWRITTEN, 'unwritten'],
  [V7_TYPE_INLINE, 'inline'],
];

/** FUSE_IOMAP_F_* of v7 (renumbered from rfc-v3; no XATTR flag any more). */
export const V7_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [1 << 0, 'new'],
  [1 << 1, 'dirty'],
  [1 << 2, 'shared'],
  [1 << 3, 'merged'],
  [1 << 4, 'boundary'],
  [1 << 5, 'anon_write'],
  [1 << 6, 'atomic'],
  [1 << 7, 'iomap_end'],
  [1 << 8, 'append'],
  [1 << 9, 'stale'],
];

/** enum fuse_notify_code additions (rfc-v3: IOMAP_UPSERT = 9, IOMAP_INVAL = 10). */
export const V7_NOTIFY = {
  FUSE_NOTIFY_IOMAP_DEV_INVAL: 99,
  FUSE_NOTIFY_IOMAP_UPSERT_MAPPINGS: 100,
  FUSE_NOTIFY_IOMAP_INVAL_MAPPINGS: 101,
} as const;

/** fc->iomap_conn.cache_maxbytes: default and clamp bounds (fuse_iomap_cache.h, patch 10/12) */
export const FUSE_IOMAP_CACHE_DEFAULT_MAXBYTES = 256 * 1024; // SZ_256K
export const FUSE_IOMAP_CACHE_MAX_MAXBYTES = 2 * 1024 * 1024; // SZ_2M
/** NODE_SIZE of fuse_iomap_cache.c, the lower clamp bound */
export const FUSE_IEXT_NODE_SIZE = 256;

/**
 * FUSE_IOMAP_ALWAYS_VALID: the cookie of a mapping that came straight from
 * the server; fuse_iext_inc_seq never lets ic_seq take this value.
 */
export const FUSE_IOMAP_ALWAYS_VALID = 0n;
/** FUSE_IOMAP_INIT_COOKIE: ic_seq of a new cache */
export const FUSE_IOMAP_INIT_COOKIE = 1n;

/** fuse_iext_inc_seq (v7): +1 modulo 2^64, stepping over ALWAYS_VALID */
export function v7NextSeqI(seq: I64): I64 {
  const next = addU64(seq, 1);
  return next === 0 ? 1 : next; // FUSE_IOMAP_ALWAYS_VALID (0) is skipped
}

/** v7NextSeqI on bigint */
export const v7NextSeq = (seq: bigint): bigint => toBig(v7NextSeqI(toI64(seq)));

const V7_COMMON = {
  initialSeq: FUSE_IOMAP_INIT_COOKIE,
  nextSeq: v7NextSeq,
  pureOverwriteType: V7_TYPE_PURE_OVERWRITE,
  cacheSizeCap: { defaultBytes: FUSE_IOMAP_CACHE_DEFAULT_MAXBYTES, minBytes: FUSE_IEXT_NODE_SIZE, maxBytes: FUSE_IOMAP_CACHE_MAX_MAXBYTES },
  skipPureOverwriteIntoUnusedWriteFork: true,
  unsignedRecordOffsets: true,
  allocatedCache: true,
  typeNames: V7_TYPE_NAMES,
  flagNames: V7_FLAG_NAMES,
  // kzalloc_obj(struct fuse_iomap_cache): two 24-byte fuse_iext_roots,
  // ic_seq, a 40-byte rw_semaphore and ic_inode = 104 bytes -> kmalloc-128.
  cacheObjectBytes: 128,
  writeForkHeaderBytes: 0,
} as const;

/** The v7 posting (23 Feb 2026): fuse_iomap_trim still trims lookups. */
export const V7: Revision = Object.freeze({
  name: 'v7',
  description:
    'v7 (23 Feb 2026, PATCHSET v7 7/9): cookie starts at 1 and skips 0, NOFORK as ir_bytes -1, 256 KiB per-fork cap on upsert, pure overwrites into an unused write fork skipped, u64 record offsets',
  ...V7_COMMON,
  trimLookup: true,
});

/** The author's tree after v7 (mirror commit 0887048f78a0): lookups hand out the whole record. */
export const V7_TREE: Revision = Object.freeze({
  name: 'v7-tree',
  description: 'v7 plus the later fuse_iomap_cache.c of the author\'s tree (mirror commit 0887048f78a0): lookups return the whole cached record',
  ...V7_COMMON,
  trimLookup: false,
});
