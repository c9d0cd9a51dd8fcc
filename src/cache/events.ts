// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracepoints the cache code fires, as structured values (what the
 * TP_fast_assign copies). src/trace turns them into TP_printk text.
 */
import type { Mapping, MappingI } from '../iext/record.js';
import type { I64 } from '../util/int64.js';
import type { Fork } from './constants.js';

/** The inode fields every fuse tracepoint prints. */
export interface InodeIds {
  /** fm->fc->dev, printed with %u */
  connection: number;
  /** fi->orig_ino */
  ino: bigint;
  nodeid: bigint;
}

interface Base {
  inode: InodeIds;
  isize: bigint;
}

export type CacheEvent =
  | (Base & {
      /** fuse_iext_class: record recomputed from the cursor (zeros if invalid) */
      name: 'fuse_iext_insert' | 'fuse_iext_remove' | 'fuse_iext_pre_update' | 'fuse_iext_post_update';
      state: number;
      /** the leaf's memory block serial (what %p hashes), 0 for NULL */
      leafAddr: number;
      /** the leaf's stable identity, 0 for NULL */
      leafId: number;
      pos: number;
      rec: Mapping;
    })
  | (Base & { name: 'fuse_iext_add_mapping' | 'fuse_iext_del_mapping'; state: number; map: Mapping })
  | (Base & { name: 'fuse_iext_add_mapping_left' | 'fuse_iext_add_mapping_right' | 'fuse_iext_del_mapping_got'; map: Mapping })
  | (Base & { name: 'fuse_iomap_cache_remove'; fork: Fork; offset: bigint; length: bigint })
  | (Base & { name: 'fuse_iomap_cache_add' | 'fuse_iext_check_mapping'; fork: Fork; map: Mapping })
  | (Base & { name: 'fuse_iomap_cache_lookup'; fork: Fork; pos: bigint; count: bigint })
  | (Base & {
      name: 'fuse_iomap_cache_lookup_result';
      fork: Fork;
      pos: bigint;
      count: bigint;
      got: Mapping;
      map: Mapping;
      cookie: bigint;
    })
  | (Base & { name: 'fuse_iomap_cache_invalidate_range'; offset: bigint; length: bigint })
  | (Base & { name: 'fuse_iomap_cache_lock' | 'fuse_iomap_cache_unlock'; lockFlags: number });

export type CacheEventName = CacheEvent['name'];
export type CacheEventSink = (ev: CacheEvent) => void;

/**
 * Tracepoints that exist only in some revisions. They are kept out of
 * CacheEvent so that code written for rfc-v3's event set stays complete.
 */
export type RevisionEvent =
  /** v7 fuse_iomap_cache_cleanup: the fork went over cache_maxbytes and is destroyed; bytes = ir_bytes before */
  | (Base & { name: 'fuse_iomap_cache_cleanup'; fork: Fork; bytes: bigint })
  /** v7 fuse_iomap_cache_alloc / _free (fuse_inode_state_class); rfc-v3 fuse_iomap_cache_enable */
  | (Base & { name: 'fuse_iomap_cache_alloc' | 'fuse_iomap_cache_free' | 'fuse_iomap_cache_enable' });

export type RevisionEventSink = (ev: RevisionEvent) => void;

/**
 * The opt-in I64 form of CacheEvent (CacheOptions.sinkI): the same events,
 * in the same order, with the values as I64 (src/util/int64.ts: a number
 * when safe, else a bigint) and no bigint made. One object per cache is
 * reused for every event: a sink must copy what it keeps before returning.
 * Only the members its name's CacheEvent has are meaningful (the others
 * hold whatever the last event left); rec, map and got are the cache's own
 * scratch records (read them, never write them). inode and isize are the
 * cache's CacheInode values, as CacheEvent carries them.
 */
export interface CacheEventI {
  name: CacheEventName;
  inode: InodeIds;
  isize: bigint;
  fork: Fork;
  state: number;
  /** fuse_iext_class: as in CacheEvent */
  leafAddr: number;
  leafId: number;
  /** fuse_iext_class: the cursor slot; fuse_iomap_cache_lookup(_result): the file position */
  pos: I64;
  count: I64;
  offset: I64;
  length: I64;
  cookie: I64;
  lockFlags: number;
  /** fuse_iext_class: the record under the cursor (zeros if invalid) */
  rec: MappingI;
  map: MappingI;
  got: MappingI;
}

export type CacheEventSinkI = (ev: CacheEventI) => void;
