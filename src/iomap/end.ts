// SPDX-License-Identifier: GPL-2.0-only
/*
 * After the I/O: fuse_iomap_end (001 L1937-1975 with inline data L6328-6360
 * and the PATCH 3/4 invalidation L9545-9549) and fuse_iomap_ioend
 * (L3430-3492 with the PATCH 3/4 invalidation L9553-9560).
 */
import { u64 } from '../util/int64.js';
import {
  ENOSYS,
  FUSE_IOMAP_F_WANT_IOMAP_END,
  FUSE_IOMAP_IOEND_APPEND,
  FUSE_IOMAP_IOEND_SHARED,
  FUSE_IOMAP_IOEND_UNWRITTEN,
  IOMAP_F_SIZE_CHANGED,
  isFileWrite,
} from './constants.js';
import { type IomapEnv, type KernelInode, emitEvent } from './env.js';
import type { EndIn, Iomap, IoendIn } from './iomap.js';

/** fuse_want_iomap_end */
export function fuseWantIomapEnd(iomap: Iomap, opflags: number, count: bigint, written: bigint): boolean {
  if (iomap.flags & FUSE_IOMAP_F_WANT_IOMAP_END) return true; // the server asked for it
  if (!isFileWrite(opflags)) return false; // reads never change metadata
  if (iomap.flags & IOMAP_F_SIZE_CHANGED) return true; // appending writes
  return written < count; // short writes clean up delalloc
}

export interface EndResult {
  ret: number;
  /** FUSE_IOMAP_END sent */
  upcall: boolean;
  /** FUSE_WRITE of inline data sent */
  inlineWrite: boolean;
  /** fuse_iomap_cache_invalidate_range's result, when called */
  invalidated?: number;
}

/** fuse_iomap_end(inode, pos, count, written, opflags, iomap) with iomap_iter's srcmap */
export function fuseIomapEnd(env: IomapEnv, inode: KernelInode, pos: bigint, count: bigint, written: bigint, opflags: number, iomap: Iomap, srcmap: Iomap): EndResult {
  const ci = inode.cache.inode;
  const r: EndResult = { ret: 0, upcall: false, inlineWrite: false };
  const inarg: EndIn = {
    opflags,
    attrIno: ci.ids.ino,
    pos,
    count,
    written,
    mapAddr: iomap.addr,
    mapLength: iomap.length,
    mapType: iomap.type,
    mapFlags: iomap.flags,
    mapDev: 0,
  };
  const endError = (err: number) => emitEvent(env, inode, 'fuse_iomap_end_error', { opflags, pos, count, written, error: err });

  if (srcmap.inlineData) srcmap.inlineData = false; // fuse_iomap_inline_free
  if (iomap.inlineData) {
    if (isFileWrite(opflags) && written > 0n) {
      r.inlineWrite = true;
      const err = env.server.inlineIo ? env.server.inlineIo(true, pos, written, ci.ids.nodeid) : 0;
      iomap.inlineData = false;
      if (err) {
        endError(err);
        r.ret = err;
        return r;
      }
      // the server rewrote its inline data: drop what the cache says about it
      r.invalidated = inode.cache.invalidateRange(pos, u64(written));
    } else {
      iomap.inlineData = false;
    }
  }

  if (!fuseWantIomapEnd(iomap, opflags, count, written)) return r;

  emitEvent(env, inode, 'fuse_iomap_end', { opflags, pos, count, written, dev: inarg.mapDev, addr: inarg.mapAddr, type: inarg.mapType, mapflags: inarg.mapFlags });
  r.upcall = true;
  const err = env.server.end ? env.server.end(inarg, ci.ids.nodeid) : -ENOSYS;
  endError(err);
  r.ret = err;
  return r;
}

/** fuse_want_ioend: errors always, else only I/O that changed metadata */
export function fuseWantIoend(inarg: IoendIn): boolean {
  if (inarg.error) return true;
  return inarg.written > 0 && (inarg.ioendflags & (FUSE_IOMAP_IOEND_SHARED | FUSE_IOMAP_IOEND_UNWRITTEN | FUSE_IOMAP_IOEND_APPEND)) !== 0;
}

export interface IoendResult {
  ret: number;
  upcall: boolean;
  /** the flags sent (APPEND added when the I/O ended past i_size) */
  ioendflags: number;
  invalidated?: number;
}

/**
 * fuse_iomap_ioend(inode, pos, written, error, ioendflags, new_addr): tell
 * the server an I/O completed; on its success drop the range from the cache.
 */
export function fuseIomapIoend(env: IomapEnv, inode: KernelInode, pos: bigint, written: bigint, error: number, ioendflags: number, newAddr: bigint): IoendResult {
  const ci = inode.cache.inode;
  const inarg: IoendIn = { ioendflags, error, attrIno: ci.ids.ino, pos, newAddr, written: Number(written & 0xffff_ffffn) };
  const r: IoendResult = { ret: 0, upcall: false, ioendflags };
  let err = 0;

  if (BigInt.asIntN(64, pos + written) > ci.isize) inarg.ioendflags |= FUSE_IOMAP_IOEND_APPEND;
  r.ioendflags = inarg.ioendflags;
  const fields = (e: number) => ({ ioendflags: inarg.ioendflags, pos, written: BigInt(inarg.written), error: e, new_addr: inarg.newAddr });
  emitEvent(env, inode, 'fuse_iomap_ioend', fields(inarg.error));

  if (fuseWantIoend(inarg)) {
    r.upcall = true;
    err = env.server.ioend ? env.server.ioend(inarg, ci.ids.nodeid) : -ENOSYS;
    emitEvent(env, inode, 'fuse_iomap_ioend_error', fields(err));
    // the server may have changed mappings for the range it just completed
    if (!err) r.invalidated = inode.cache.invalidateRange(pos, u64(written));
    // keep the I/O error if the server had nothing to say
    if (error && (err === 0 || err === -ENOSYS)) err = error;
  }
  // fuse_write_update_attr(inode, pos + written, written): i_size grows
  if (!error && !err) {
    const end = BigInt.asIntN(64, pos + written);
    if (end > ci.isize) ci.isize = end;
  }
  r.ret = err;
  return r;
}
