// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracepoints the cache code fires, as structured values (what the
 * TP_fast_assign copies). src/trace turns them into TP_printk text.
 */
import type { Mapping } from '../iext/record.js';
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
