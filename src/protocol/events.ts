// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracepoints of the notification layer as structured values (what
 * TP_fast_assign copies); the printing lives with the trace layer.
 *
 * rfc-v3: fuse_iomap_upsert / fuse_iomap_inval (001 L9715-9817),
 * fuse_iomap_cache_enable (fuse_inode_state_class, 001 L3249-3276, L9707).
 * v7: fuse_iomap_upsert_mappings / fuse_iomap_inval_mappings,
 * fuse_iomap_cache_alloc / _free (same inode-state class).
 */
import type { CacheEvent, InodeIds, RevisionEvent } from '../cache/events.js';
import type { InvalOut, UpsertOut } from './wire.js';

interface Base {
  /** connection = fm->fc->dev, ino = fi->orig_ino, nodeid (see each event) */
  inode: InodeIds;
  /** i_size_read(inode) */
  isize: bigint;
}

export type ProtocolEvent =
  /** nodeid is outarg->nodeid; attr_ino and the mappings are the payload, unconverted */
  | (Base & { name: 'fuse_iomap_upsert' | 'fuse_iomap_upsert_mappings'; out: UpsertOut })
  | (Base & { name: 'fuse_iomap_inval' | 'fuse_iomap_inval_mappings'; out: InvalOut })
  /** fuse_inode_state_class: nodeid is fi->nodeid, state is fi->state after the change (unsigned long) */
  | (Base & { name: 'fuse_iomap_cache_enable' | 'fuse_iomap_cache_alloc' | 'fuse_iomap_cache_free'; state: number });

export type ProtocolEventName = ProtocolEvent['name'];

/**
 * Everything a connection fires, in firing order: the cache's own events,
 * the revision-only cache events except the inode-state ones (cleanup),
 * and this layer's events (the inode-state events carry fi->state here).
 */
export type FuseEvent = CacheEvent | Extract<RevisionEvent, { name: 'fuse_iomap_cache_cleanup' }> | ProtocolEvent;
export type FuseEventSink = (ev: FuseEvent) => void;
