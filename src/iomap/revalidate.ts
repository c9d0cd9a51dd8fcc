// SPDX-License-Identifier: GPL-2.0-only
/*
 * Revalidation of handed-out mappings: fuse_iomap_revalidate (the
 * ->iomap_valid of buffered writes, 001 L9014-9030), and writeback's
 * fuse_iomap_revalidate_writeback + fuse_iomap_map_blocks (001
 * L4817-4867 as changed at L9274-9290).
 */
import { FUSE_IOMAP_LOCK_SHARED, Fork, LookupResult } from '../cache/constants.js';
import { u64 } from '../util/int64.js';
import { EIO, IOMAP_DIRECT, IOMAP_HOLE, IOMAP_WRITE } from './constants.js';
import { type BeginResult, fuseIomapBegin } from './begin.js';
import { type IomapEnv, type KernelInode, emitEvent, hazard } from './env.js';
import { IOMAP_HAZARDS } from './hazards.js';
import { type Iomap, stackIomap, zeroIomap } from './iomap.js';

/** fuse_iomap_revalidate: the cookie must still equal im_seq (read without the lock) */
export function fuseIomapRevalidate(env: IomapEnv, inode: KernelInode, iomap: Iomap): boolean {
  const validityCookie = inode.cache.seq; // fuse_iext_read_seq
  const valid = env.revalidate ? env.revalidate(inode, iomap) : iomap.validityCookie === validityCookie;
  if (!valid) {
    emitEvent(env, inode, 'fuse_iomap_invalid', {
      offset: iomap.offset,
      length: iomap.length,
      maptype: iomap.type,
      mapflags: iomap.flags,
      addr: iomap.addr,
      old_validity_cookie: iomap.validityCookie,
      validity_cookie: validityCookie,
    });
    return false;
  }
  if (iomap.folioOps && !stillCached(inode, iomap))
    hazard(env, IOMAP_HAZARDS.staleRevalidated, `mapping 0x${iomap.offset.toString(16)}+0x${iomap.length.toString(16)} cookie ${iomap.validityCookie} revalidated, but no fork holds a record at its offset any more`);
  return true;
}

/**
 * Model-only probe (no events, no lock): does a fork still hold a record
 * covering the mapping's first byte? With an unchanged cookie the only way
 * it vanished is the erase-everything shortcut (SPEC 8.1).
 */
function stillCached(inode: KernelInode, iomap: Iomap): boolean {
  const cache = inode.cache;
  const sink = cache.sink;
  cache.sink = undefined;
  const m = { addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, dev: 0, validityCookie: 0n };
  cache.lock(FUSE_IOMAP_LOCK_SHARED);
  try {
    return cache.cacheLookup(Fork.READ, iomap.offset, 1n, m) === LookupResult.HIT || cache.cacheLookup(Fork.WRITE, iomap.offset, 1n, m) === LookupResult.HIT;
  } finally {
    cache.unlock(FUSE_IOMAP_LOCK_SHARED);
    cache.sink = sink;
  }
}

/**
 * What iomap core does with a buffered write's iomap once it holds the
 * folio (iomap_write_begin): ->iomap_valid only when folio_ops has one,
 * i.e. only for mappings that came from the cache.
 */
export function iomapValid(env: IomapEnv, inode: KernelInode, iomap: Iomap): { checked: boolean; valid: boolean } {
  if (!iomap.folioOps) return { checked: false, valid: true };
  return { checked: true, valid: fuseIomapRevalidate(env, inode, iomap) };
}

/** struct iomap_writepage_ctx: the mapping writeback keeps between folios (zeroed at start) */
export interface WritepageCtx {
  iomap: Iomap;
}
export const newWritepageCtx = (): WritepageCtx => ({ iomap: zeroIomap() });

/** fuse_iomap_revalidate_writeback: offset inside wpc->iomap and its cookie still current */
export function fuseIomapRevalidateWriteback(env: IomapEnv, wpc: WritepageCtx, inode: KernelInode, offset: bigint): boolean {
  const m = wpc.iomap;
  // offset (loff_t) < iomap.offset (loff_t); offset >= offset + length (u64)
  if (offset < m.offset || u64(offset) >= u64(m.offset + m.length)) return false;
  return fuseIomapRevalidate(env, inode, m);
}

export interface MapBlocksResult {
  ret: number;
  /** the cached writeback mapping was still good: no ->iomap_begin */
  reused: boolean;
  /** the ->iomap_begin call made otherwise */
  begin?: BeginResult;
}

/**
 * fuse_iomap_map_blocks: reuse wpc->iomap if it still covers offset and
 * revalidates, else map again as a direct write and keep the result. The
 * C's write_iomap is an uninitialised stack variable: a mapping from the
 * server carries whatever it held as cookie (env.stackGarbage, SPEC 8.12).
 */
export function fuseIomapMapBlocks(env: IomapEnv, wpc: WritepageCtx, inode: KernelInode, offset: bigint, len: number): MapBlocksResult {
  if (inode.bad) return { ret: -EIO, reused: false };
  emitEvent(env, inode, 'fuse_iomap_map_blocks', { offset, count: len >>> 0 });
  if (fuseIomapRevalidateWriteback(env, wpc, inode, offset)) return { ret: 0, reused: true };

  const garbage = env.stackGarbage ?? 0n;
  const writeIomap = stackIomap(garbage);
  const dontcare = stackIomap(garbage);
  const begin = fuseIomapBegin(env, inode, offset, BigInt(len >>> 0), IOMAP_DIRECT | IOMAP_WRITE, writeIomap, dontcare);
  if (begin.ret) return { ret: begin.ret, reused: false, begin };
  if (!begin.fromCache)
    hazard(env, IOMAP_HAZARDS.uninitWritebackCookie, `map_blocks offset 0x${offset.toString(16)}: wpc cookie 0x${u64(writeIomap.validityCookie).toString(16)} is stack contents, im_seq ${inode.cache.seq}`);

  // Landed in a hole or beyond EOF? iomap skips writing back the range.
  if (writeIomap.offset > offset) {
    writeIomap.length = u64(writeIomap.offset - offset);
    writeIomap.offset = offset;
    writeIomap.type = IOMAP_HOLE;
  }
  wpc.iomap = writeIomap;
  return { ret: 0, reused: false, begin };
}
