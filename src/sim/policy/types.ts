// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a caching policy is: a name, a description, and four independent
 * choices the engine asks about. Each choice is an object built per run
 * (policies keep state: counters, LRU lists), so a new policy is a new
 * module composing existing or new choices; neither the engine nor
 * src/cache changes. Counters other than the kernel's im_seq live here,
 * driven by the cache's own events (src/cache/events.ts).
 */
import type { CacheEvent } from '../../cache/events.js';
import type { Fork } from '../../cache/constants.js';
import type { Iomap } from '../../iomap/iomap.js';
import type { FuseInode } from '../../protocol/inode.js';

/** What a counter needs to know about the inode the event or mapping belongs to. */
export interface PolicyInode {
  /** the simulator's file number */
  file: number;
  inode: FuseInode;
}

/**
 * Sequence-counter granularity: which changes make a handed-out mapping
 * fail revalidation. `kernel` means: ask the modelled kernel
 * (fuse_iomap_revalidate against im_seq); others keep their own counters.
 */
export interface CounterModel {
  readonly kind: string;
  /** a cache event of one inode (every tree change, lookup, removal) */
  onCacheEvent?(ino: PolicyInode, ev: CacheEvent): void;
  /** a mapping came out of the cache: remember what revalidation compares */
  issue?(ino: PolicyInode, fork: Fork, iomap: Iomap): unknown;
  /**
   * Is a cached mapping still valid? token is what issue() returned.
   * Return undefined to defer to the kernel's fuse_iomap_revalidate.
   */
  valid(ino: PolicyInode, iomap: Iomap, token: unknown): boolean | undefined;
}

/** How the simulated server answers FUSE_IOMAP_BEGIN. */
export interface ServeStrategy {
  /**
   * upsert-null: upsert, then reply TYPE_NULL so the kernel reads the cache
   * (fuse2fs); upsert-direct: upsert and reply the mapping; direct: reply
   * only, never cache.
   */
  readonly mode: 'upsert-null' | 'upsert-direct' | 'direct';
  /** exact: the requested range clipped to the extent; whole: the extent */
  readonly extent: 'exact' | 'whole';
  /** also upsert this many following extents (or holes) */
  readonly prefetch: number;
}

/** Cache capacity: told about every cached extent, may evict. */
export interface CapacityModel {
  readonly kind: string;
  /** called after anything may have added records; returns the ranges to drop */
  afterInsert?(ino: PolicyInode): Array<{ ino: PolicyInode; offset: bigint; length: bigint }>;
  onCacheEvent?(ino: PolicyInode, ev: CacheEvent): void;
}

/** Which range a kernel or server invalidation drops. */
export type InvalidationGranularity = 'exact' | 'file';

export interface PolicyParts {
  counter: CounterModel;
  serve: ServeStrategy;
  capacity: CapacityModel | null;
  invalidation: InvalidationGranularity;
  /** the server writes out of place (COW) through the write fork */
  cow?: boolean;
}

export interface PolicyDef {
  readonly name: string;
  readonly description: string;
  /** fresh state for one run */
  create(): PolicyParts;
}
