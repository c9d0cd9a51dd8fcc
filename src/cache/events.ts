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
