// SPDX-License-Identifier: GPL-2.0-only
/*
 * Serving ->iomap_begin from the mapping cache: fuse_iomap_find_dev,
 * fuse_iomap_from_cache, fuse_iomap_validate_cached (debug builds),
 * fuse_iomap_set_inline and fuse_iomap_try_cache (seed 001 PATCH 2/4,
 * L9032-9226; find_dev L2304-2321; set_inline L6264-6303).
 */
import {
  FUSE_IOMAP_DEV_NULL,
  FUSE_IOMAP_LOCK_SHARED,
  FUSE_IOMAP_NULL_ADDR,
  FUSE_IOMAP_TYPE_DELALLOC,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_INLINE,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_NULL,
  FUSE_IOMAP_TYPE_UNWRITTEN,
  Fork,
  LookupResult,
  forkName,
} from '../cache/constants.js';
import type { CachedMapping } from '../cache/iomap-cache.js';
import { EIO, INT_MAX, IOMAP_DELALLOC, IOMAP_DIRECT, IOMAP_HOLE, IOMAP_INLINE, IOMAP_REPORT, IOMAP_UNSHARE, IOMAP_ZERO, isFileWrite } from './constants.js';
import { type IomapEnv, type KernelInode, emitEvent, hazard } from './env.js';
import { IOMAP_HAZARDS } from './hazards.js';
import type { Iomap } from './iomap.js';

const ALL_FLAGS = 0x11ef; // FUSE_IOMAP_F_ALL (001 L1699-1707)

/**
 * fuse_iomap_find_dev (001 L2304-2321): the device registered under
 * map_dev (cookies 0 and >= INT_MAX are never looked up); MAPPED and
 * UNWRITTEN need one. Returns the device id, 0 for none, or -EIO.
 */
export function fuseIomapFindDev(env: IomapEnv, mapType: number, mapDev: number): number {
  let found = 0;
  if (mapDev !== FUSE_IOMAP_DEV_NULL && mapDev < INT_MAX && env.conn.hasDevice(mapDev)) found = mapDev;
  if ((mapType === FUSE_IOMAP_TYPE_MAPPED || mapType === FUSE_IOMAP_TYPE_UNWRITTEN) && found === 0) return -EIO;
  return found;
}

/** fuse_iomap_from_cache (001 L9032-9053): copy a cached mapping into an iomap, with the cookie and folio_ops */
export function fuseIomapFromCache(env: IomapEnv, iomap: Iomap, fmap: CachedMapping): number {
  const dev = fuseIomapFindDev(env, fmap.type, fmap.dev);
  if (dev < 0) return dev;
  iomap.addr = fmap.addr;
  iomap.offset = fmap.offset;
  iomap.length = fmap.length;
  iomap.type = fmap.type;
  iomap.flags = fmap.flags;
  iomap.folioOps = true;
  iomap.validityCookie = fmap.validityCookie;
  iomap.bdev = dev; // fuse_iomap_set_device
  return 0;
}

/**
 * fuse_iomap_validate_cached (001 L9055-9122), debug builds only; the
 * parameters are (inode, whichfork, opflags, fmap) as declared.
 */
function validateCached(inode: KernelInode, whichfork: number, pureOverwrite: number, fmap: CachedMapping): number {
  const type = fmap.type;
  const known = type === pureOverwrite || type === FUSE_IOMAP_TYPE_NULL || (type >= FUSE_IOMAP_TYPE_HOLE && type <= FUSE_IOMAP_TYPE_INLINE);
  if (!known) return -EIO;
  if (fmap.flags & ~ALL_FLAGS) return -EIO;
  if (fmap.length === 0n) return -EIO;
  const end = fmap.offset + fmap.length; // check_add_overflow(loff_t, u64, &u64)
  if (end < 0n || end > 0xffff_ffff_ffff_ffffn) return -EIO;
  if (fmap.offset >= inode.cache.inode.maxBytes) return -EIO;
  switch (type) {
    case pureOverwrite:
      if (whichfork !== Fork.WRITE) return -EIO;
      break;
    case FUSE_IOMAP_TYPE_MAPPED:
    case FUSE_IOMAP_TYPE_UNWRITTEN:
      if (fmap.dev === FUSE_IOMAP_DEV_NULL || fmap.addr === FUSE_IOMAP_NULL_ADDR) return -EIO;
      break;
    case FUSE_IOMAP_TYPE_DELALLOC:
    case FUSE_IOMAP_TYPE_HOLE:
    case FUSE_IOMAP_TYPE_INLINE:
      if (fmap.dev !== FUSE_IOMAP_DEV_NULL || fmap.addr !== FUSE_IOMAP_NULL_ADDR) return -EIO;
      break;
    default:
      return -EIO; // NULL: the cache itself cannot hold null mappings
  }
  if (fmap.addr !== FUSE_IOMAP_NULL_ADDR && fmap.addr + fmap.length > 0xffff_ffff_ffff_ffffn) return -EIO;
  return 0;
}

/** The call site of fuse_iomap_validate_cached: (inode, opflags, FORK, &map), arguments swapped (SPEC 8.7). */
function validateCachedCall(env: IomapEnv, inode: KernelInode, opflags: number, fork: Fork, map: CachedMapping): number {
  if (!env.debug) return 0; // compiled to (0)
  const pureOverwrite = inode.cache.rev.pureOverwriteType;
  const ret = validateCached(inode, opflags, pureOverwrite, map);
  if (ret !== validateCached(inode, fork, pureOverwrite, map))
    hazard(env, IOMAP_HAZARDS.swappedValidateArgs, `${forkName(fork)} fork type 0x${map.type.toString(16)} opflags 0x${opflags.toString(16)}: ${ret}`);
  return ret;
}

/** fuse_iomap_set_inline (001 L6264-6303): inline buffers, reading the old data through FUSE_READ */
export function fuseIomapSetInline(env: IomapEnv, inode: KernelInode, opflags: number, pos: bigint, count: bigint, iomap: Iomap, srcmap: Iomap): number {
  if (opflags & IOMAP_REPORT) return 0;
  const nodeid = inode.cache.inode.ids.nodeid;
  const inlineRead = (m: Iomap): number => {
    m.inlineData = true; // fuse_iomap_inline_alloc
    const err = env.server.inlineIo ? env.server.inlineIo(false, pos, count, nodeid) : 0;
    if (err) m.inlineData = false; // fuse_iomap_inline_read frees on a short read
    return err;
  };
  if (isFileWrite(opflags)) {
    if (iomap.type === IOMAP_INLINE) iomap.inlineData = true;
    if (srcmap.type === IOMAP_INLINE) {
      const err = inlineRead(srcmap);
      if (err) {
        iomap.inlineData = false; // fuse_iomap_inline_free(iomap)
        return err;
      }
    }
  } else if (iomap.type === IOMAP_INLINE) {
    const err = inlineRead(iomap);
    if (err) return err;
  }
  const f = (m: Iomap) => ({ pos, count, offset: m.offset, length: m.length, maptype: m.type, mapflags: m.flags, has_buf: m.inlineData ? 1 : 0, validity_cookie: m.validityCookie });
  emitEvent(env, inode, 'fuse_iomap_set_inline_iomap', f(iomap));
  emitEvent(env, inode, 'fuse_iomap_set_inline_srcmap', f(srcmap));
  return 0;
}

/** How fuse_iomap_try_cache decided: each fork's lookup and the final word. */
export interface TryCacheTrail {
  write?: 'hit' | 'miss' | 'nofork' | 'hit-overwrite';
  read?: 'hit' | 'miss' | 'nofork';
  /** why a complete lookup still goes to the server */
  refused?: 'hole' | 'delalloc-direct';
}

const lookupWord = (r: LookupResult): 'hit' | 'miss' | 'nofork' => (r === LookupResult.HIT ? 'hit' : r === LookupResult.MISS ? 'miss' : 'nofork');

/**
 * fuse_iomap_try_cache (001 L9124-9226): 1 if iomap and srcmap came from
 * the cache, 0 to ask the server, or a negative errno. Either map may be
 * partly filled on 0 (SPEC 8.11).
 */
export function fuseIomapTryCache(env: IomapEnv, inode: KernelInode, pos: bigint, count: bigint, opflags: number, iomap: Iomap, srcmap: Iomap, trail: TryCacheTrail = {}): number {
  const cache = inode.cache;
  if (!cache.enabled) return 0; // !fuse_has_iomap_cache
  const map: CachedMapping = { addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, dev: 0, validityCookie: 0n };
  let dest = iomap;
  let ret = 0;

  cache.lock(FUSE_IOMAP_LOCK_SHARED);
  out: {
    if (isFileWrite(opflags)) {
      const res = cache.cacheLookup(Fork.WRITE, pos, count, map);
      trail.write = lookupWord(res);
      if (res === LookupResult.MISS) {
        ret = 0;
        break out;
      }
      if (res === LookupResult.HIT) {
        ret = validateCachedCall(env, inode, opflags, Fork.WRITE, map);
        if (ret) break out;
        if (map.type !== cache.rev.pureOverwriteType) {
          ret = fuseIomapFromCache(env, dest, map);
          if (ret) break out;
          dest = srcmap;
        } else trail.write = 'hit-overwrite';
      }
      // HIT and NOFORK move on to the read fork
    }

    const res = cache.cacheLookup(Fork.READ, pos, count, map);
    trail.read = lookupWord(res);
    if (res === LookupResult.NOFORK) {
      ret = -EIO; // ASSERT(res != LOOKUP_NOFORK): the read fork always exists
      break out;
    }
    if (res === LookupResult.MISS) {
      ret = 0;
      break out;
    }
    ret = validateCachedCall(env, inode, opflags, Fork.READ, map);
    if (ret) break out;
    ret = fuseIomapFromCache(env, dest, map);
    if (ret) break out;

    if (isFileWrite(opflags)) {
      switch (iomap.type) {
        case IOMAP_HOLE:
          ret = opflags & (IOMAP_ZERO | IOMAP_UNSHARE) ? 1 : 0;
          if (!ret) trail.refused = 'hole';
          break;
        case IOMAP_DELALLOC:
          ret = opflags & IOMAP_DIRECT ? 0 : 1;
          if (!ret) trail.refused = 'delalloc-direct';
          break;
        default:
          ret = 1;
      }
    } else {
      ret = 1;
    }
  }
  cache.unlock(FUSE_IOMAP_LOCK_SHARED);
  if (ret < 1) return ret;
  if (dest === srcmap && srcmap.length !== iomap.length)
    hazard(env, IOMAP_HAZARDS.forkLengthsDiffer, `pos 0x${pos.toString(16)}: iomap 0x${iomap.offset.toString(16)}+0x${iomap.length.toString(16)}, srcmap 0x${srcmap.offset.toString(16)}+0x${srcmap.length.toString(16)}`);

  if (iomap.type === IOMAP_INLINE || srcmap.type === IOMAP_INLINE) {
    ret = fuseIomapSetInline(env, inode, opflags, pos, count, iomap, srcmap);
    if (ret) return ret;
  }
  return 1;
}

