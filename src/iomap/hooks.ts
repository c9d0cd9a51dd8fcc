// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's own invalidations of the mapping cache after file updates
 * the server carried out (seed 001 PATCH 3/4, L9372-9653): setsize,
 * fallocate, open(O_TRUNC), copy_file_range. Each runs after the server
 * already acted (SPEC 8.13); ranges are rounded out to blocks by
 * fuse_iomap_cache_invalidate_range (IomapCache.invalidateRange).
 */
import { FUSE_IOMAP_INVAL_TO_EOF } from '../cache/constants.js';
import { s64, u64 } from '../util/int64.js';
import {
  EFBIG,
  EINVAL,
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE,
} from './constants.js';
import { type IomapEnv, type KernelInode, emitEvent } from './env.js';

/** The range an invalidation covered, as passed (before block rounding). */
export interface HookResult {
  ret: number;
  /** (offset, length) given to fuse_iomap_cache_invalidate_range, length ~0 = to EOF */
  invalidated?: { offset: bigint; length: bigint };
}

/** fuse_iomap_cache_invalidate_range, remembering the range for the result */
function invalidateRange(inode: KernelInode, r: HookResult, offset: bigint, length: bigint): number {
  r.invalidated = { offset, length };
  return inode.cache.invalidateRange(offset, length);
}

/** inode_newsize_ok: negative sizes and growth past s_maxbytes are refused */
function inodeNewsizeOk(inode: KernelInode, newsize: bigint): number {
  const ci = inode.cache.inode;
  if (newsize < 0n) return -EINVAL;
  if (ci.isize < newsize && newsize > ci.maxBytes) return -EFBIG;
  return 0;
}

/**
 * fuse_iomap_setsize (001 L5173-5187 + L9565-9574): check, set i_size
 * (fuse_iomap_setattr_size: its zeroing and writeback are not modelled),
 * then invalidate from the new size to EOF.
 */
export function fuseIomapSetsize(env: IomapEnv, inode: KernelInode, newsize: bigint): HookResult {
  const ci = inode.cache.inode;
  const r: HookResult = { ret: 0 };
  emitEvent(env, inode, 'fuse_iomap_setsize', { offset: newsize, length: 0n });
  r.ret = inodeNewsizeOk(inode, newsize);
  if (r.ret) return r;
  const oldsize = ci.isize;
  if (newsize > oldsize) emitEvent(env, inode, 'fuse_iomap_truncate_up', { offset: oldsize, length: s64(newsize - oldsize) });
  else emitEvent(env, inode, 'fuse_iomap_truncate_down', { offset: newsize, length: s64(oldsize - newsize) });
  ci.isize = newsize; // truncate_setsize
  r.ret = invalidateRange(inode, r, newsize, FUSE_IOMAP_INVAL_TO_EOF); // fuse_iomap_cache_invalidate
  return r;
}

/**
 * fuse_file_fallocate's iomap part after FUSE_FALLOCATE succeeded, then
 * fuse_iomap_fallocate (001 L5282-5323 + L9576-9585): COLLAPSE/INSERT
 * invalidate from offset to EOF, other modes the range; an invalidation
 * error aborts the rest although the server already acted (SPEC 8.14).
 */
export function fuseIomapFallocate(env: IomapEnv, inode: KernelInode, mode: number, offset: bigint, length: bigint): HookResult {
  const ci = inode.cache.inode;
  const r: HookResult = { ret: 0 };
  let newsize = 0n;
  const end = s64(offset + length);
  if (!(mode & FALLOC_FL_KEEP_SIZE) && end > ci.isize) {
    r.ret = inodeNewsizeOk(inode, end);
    if (r.ret) return r;
    newsize = end;
  }
  // (FUSE_FALLOCATE goes to the server here)
  emitEvent(env, inode, 'fuse_iomap_fallocate', { mode, offset, length, newsize });
  r.ret =
    mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)
      ? invalidateRange(inode, r, offset, FUSE_IOMAP_INVAL_TO_EOF)
      : invalidateRange(inode, r, offset, u64(length));
  if (r.ret) return r;
  if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) emitEvent(env, inode, 'fuse_iomap_punch_range', { offset, length });
  if (newsize) {
    const inner = fuseIomapSetsize(env, inode, newsize);
    if (inner.ret) {
      r.ret = inner.ret;
      return r;
    }
  }
  return r;
}

/**
 * fuse_open with O_TRUNC: with atomic_o_trunc the server truncated during
 * the open, the kernel sets i_size 0 (fuse_finish_open) and
 * fuse_iomap_open_truncate invalidates from 0 (001 L9517-9529, L9594-9602);
 * that range meets the erase-everything shortcut (SPEC 8.1). Without
 * atomic_o_trunc the VFS truncates through setattr: fuse_iomap_setsize(0).
 */
export function fuseIomapOpenTruncate(env: IomapEnv, inode: KernelInode, atomicOTrunc = true): HookResult {
  if (!atomicOTrunc) return fuseIomapSetsize(env, inode, 0n);
  const r: HookResult = { ret: 0 };
  inode.cache.inode.isize = 0n;
  if (!inode.fileio) return r; // only fuse_has_iomap_fileio inodes
  emitEvent(env, inode, 'fuse_iomap_open_truncate');
  invalidateRange(inode, r, 0n, FUSE_IOMAP_INVAL_TO_EOF); // return value ignored
  return r;
}

/**
 * fuse_iomap_copied_file_range after a successful FUSE_COPY_FILE_RANGE
 * (001 L9531-9540, L9604-9613): invalidate [pos_out, pos_out + size) of
 * the destination (size is fuse_write_out.size, a u32), then i_size grows.
 */
export function fuseIomapCopiedFileRange(env: IomapEnv, inodeOut: KernelInode, posOut: bigint, size: number): HookResult {
  const r: HookResult = { ret: 0 };
  const written = BigInt(size >>> 0);
  if (inodeOut.fileio) {
    emitEvent(env, inodeOut, 'fuse_iomap_copied_file_range', { offset: posOut, written });
    invalidateRange(inodeOut, r, posOut, written); // return value ignored
  }
  const ci = inodeOut.cache.inode;
  const end = s64(posOut + written);
  if (end > ci.isize) ci.isize = end; // fuse_write_update_attr
  return r;
}
