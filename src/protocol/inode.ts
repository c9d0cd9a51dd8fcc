// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct fuse_inode as the iomap code sees it: nodeid, orig_ino (attr_ino),
 * i_blocksize, i_size, s_maxbytes, the fi->state bits (BAD, IOMAP_FILEIO,
 * IOMAP_CACHE) and the per-inode mapping cache with its lock.
 *
 * rfc-v3 embeds struct fuse_iomap_cache in the inode and initialises it in
 * fuse_iomap_set_fileio (001 L7193-7203); the cache starts acting when the
 * first upsert sets FUSE_I_IOMAP_CACHE. v7 allocates the cache object on
 * the first upsert (fuse_iomap_cache_alloc). Both are an IomapCache here,
 * created with the inode and enabled by the first upsert.
 */
import { FUSE_IOMAP_LOCK_EXCL, FUSE_IOMAP_LOCK_SHARED } from '../cache/constants.js';
import type { InodeIds } from '../cache/events.js';
import { type CacheInode, IomapCache } from '../cache/iomap-cache.js';
import { FUSE_I_BAD, FUSE_I_IOMAP_CACHE, FUSE_I_IOMAP_FILEIO } from './constants.js';
import type { FuseConn } from './conn.js';
import { PROTOCOL_HAZARDS } from './hazards.js';

export interface InodeSpec {
  nodeid: bigint;
  /** fi->orig_ino, what notifications carry as attr_ino (default: the nodeid) */
  attrIno?: bigint;
  /** i_blocksize(inode), a power of two (default: the connection's) */
  blockSize?: bigint;
  /** i_size */
  isize?: bigint;
  /** inode->i_sb->s_maxbytes (default: the connection's) */
  maxBytes?: bigint;
  /** FUSE_I_BAD */
  bad?: boolean;
  /** FUSE_ATTR_IOMAP_FILEIO: fuse_iomap_set_fileio ran (default true) */
  fileio?: boolean;
  /** other fi->state bits to start with */
  state?: number;
}

/** Lock misuse by a caller of the model (not something the kernel does). */
export class LockOrderError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'LockOrderError';
  }
}

export type LockMode = 'shared' | 'exclusive';

export class FuseInode implements CacheInode {
  readonly ids: InodeIds;
  readonly nodeid: bigint;
  isize: bigint;
  blockSize: bigint;
  maxBytes: bigint;
  /** fi->state */
  state: number;
  /** the mapping cache; null until first needed on an inode without fileio (SPEC 8.6) */
  private cacheObj: IomapCache | null = null;
  /** im_lock holders as the model tracks them: >0 shared, -1 exclusive */
  private holders = 0;

  constructor(readonly conn: FuseConn, spec: InodeSpec) {
    const bs = spec.blockSize ?? conn.blockSize;
    if (bs <= 0n || (bs & (bs - 1n)) !== 0n) throw new RangeError(`inode ${spec.nodeid}: block size ${bs} is not a power of two`);
    if (spec.nodeid < 0n || spec.nodeid > 0xffff_ffff_ffff_ffffn) throw new RangeError(`nodeid ${spec.nodeid} is not a u64`);
    this.nodeid = spec.nodeid;
    this.ids = { connection: conn.connection, ino: spec.attrIno ?? spec.nodeid, nodeid: spec.nodeid };
    this.blockSize = bs;
    this.isize = spec.isize ?? 0n;
    this.maxBytes = spec.maxBytes ?? conn.maxBytes;
    this.state = spec.state ?? 0;
    if (spec.bad) this.state |= 1 << FUSE_I_BAD;
    if (spec.fileio ?? true) {
      // fuse_iomap_set_fileio: set FUSE_I_IOMAP_FILEIO, zero the cache
      this.state |= 1 << FUSE_I_IOMAP_FILEIO;
      this.cacheObj = this.newCache();
    }
  }

  /** fi->orig_ino */
  get attrIno(): bigint {
    return this.ids.ino;
  }

  /** fuse_is_bad */
  get bad(): boolean {
    return (this.state & (1 << FUSE_I_BAD)) !== 0;
  }
  set bad(v: boolean) {
    this.state = v ? this.state | (1 << FUSE_I_BAD) : this.state & ~(1 << FUSE_I_BAD);
  }

  /** fuse_has_iomap_fileio */
  get fileio(): boolean {
    return (this.state & (1 << FUSE_I_IOMAP_FILEIO)) !== 0;
  }

  /**
   * fuse_has_iomap_cache (rfc-v3: FUSE_I_IOMAP_CACHE) / fuse_inode_caches_iomaps
   * (v7: the cache object exists): both become true on the first upsert.
   */
  get cachesIomaps(): boolean {
    return this.cacheObj?.enabled ?? false;
  }

  /** The cache if the inode has one set up (fileio inodes always do). */
  get cacheOrNull(): IomapCache | null {
    return this.cacheObj;
  }

  /**
   * The cache a notification works on. For an inode that never went
   * through fuse_iomap_set_fileio the C uses uninitialised memory (SPEC
   * 8.6); the model reports that and acts as if the memory were zeroed.
   * v7 allocates the cache object on demand, so there is nothing to report.
   */
  cacheForNotify(): IomapCache {
    if (!this.cacheObj) {
      if (this.conn.protocol.name === 'rfc-v3')
        this.conn.onHazard?.({ hazard: PROTOCOL_HAZARDS.notifyUninitialisedCache, detail: `nodeid ${this.nodeid} has no FUSE_I_IOMAP_FILEIO` });
      this.cacheObj = this.newCache();
    }
    return this.cacheObj;
  }

  private newCache(): IomapCache {
    const conn = this.conn;
    const cache = new IomapCache(this, {
      revision: conn.revision,
      debug: conn.debug,
      traceLocks: conn.traceLocks,
      cacheMaxBytes: conn.cacheMaxBytes,
      arena: conn.arena,
      onHazard: (hit) => conn.onHazard?.(hit),
      sink: conn.sink ? (ev) => conn.sink?.(ev) : undefined,
      revisionSink: (ev) => conn.forwardRevisionEvent(this, ev),
    });
    return cache;
  }

  /**
   * Enable the cache on the first upsert: rfc-v3 test_and_set_bit of
   * FUSE_I_IOMAP_CACHE then trace fuse_iomap_cache_enable (001
   * L10181-10182); v7 fuse_iomap_cache_alloc (trace fuse_iomap_cache_alloc).
   * Returns true if this call enabled it.
   */
  enableCache(): boolean {
    const cache = this.cacheForNotify();
    if (cache.enabled) return false;
    if (!cache.rev.allocatedCache) this.state |= 1 << FUSE_I_IOMAP_CACHE;
    cache.enable();
    return true;
  }

  // ------------------------------------------------------------------ lock

  /** fuse_iomap_cache_lock: shared for lookups, exclusive for changes */
  lock(mode: LockMode): void {
    if (mode === 'exclusive') {
      if (this.holders !== 0) throw new LockOrderError(`nodeid ${this.nodeid}: exclusive im_lock requested while held (${this.lockState()})`);
      this.holders = -1;
    } else {
      if (this.holders < 0) throw new LockOrderError(`nodeid ${this.nodeid}: shared im_lock requested while held exclusively`);
      this.holders++;
    }
    this.cacheObj?.lock(mode === 'exclusive' ? FUSE_IOMAP_LOCK_EXCL : FUSE_IOMAP_LOCK_SHARED);
  }

  /** fuse_iomap_cache_unlock */
  unlock(mode: LockMode): void {
    if (mode === 'exclusive' ? this.holders !== -1 : this.holders <= 0)
      throw new LockOrderError(`nodeid ${this.nodeid}: ${mode} unlock while im_lock is ${this.lockState()}`);
    this.cacheObj?.unlock(mode === 'exclusive' ? FUSE_IOMAP_LOCK_EXCL : FUSE_IOMAP_LOCK_SHARED);
    this.holders = mode === 'exclusive' ? 0 : this.holders - 1;
  }

  /** fuse_iomap_assert_locked: throws when the model's caller broke the lock rule */
  assertLocked(mode: LockMode, func: string): void {
    const ok = mode === 'exclusive' ? this.holders === -1 : this.holders !== 0;
    if (!ok) throw new LockOrderError(`${func}: nodeid ${this.nodeid} needs im_lock ${mode === 'exclusive' ? 'held exclusively' : 'held'}, it is ${this.lockState()}`);
  }

  lockState(): 'free' | 'exclusive' | `shared x${number}` {
    return this.holders === 0 ? 'free' : this.holders < 0 ? 'exclusive' : `shared x${this.holders}`;
  }

  /** Run fn under im_lock in the given mode (released on every path). */
  withLock<T>(mode: LockMode, fn: () => T): T {
    this.lock(mode);
    try {
      return fn();
    } finally {
      this.unlock(mode);
    }
  }

  /** fuse_iomap_evict_inode: rfc-v3 clears the cache when enabled, v7 frees it */
  evict(): void {
    if (this.cacheObj?.enabled) this.cacheObj.clear();
    this.state &= ~(1 << FUSE_I_IOMAP_CACHE);
  }
}
