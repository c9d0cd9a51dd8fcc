// SPDX-License-Identifier: GPL-2.0-only
/*
 * Filling SimMetrics: counters the engine bumps as things happen, gauges
 * (extents cached, tree height, kernel bytes) read from the caches when a
 * sample is taken, and the cost model turning counts into simulated time.
 */
import type { IomapCache } from '../../cache/iomap-cache.js';
import type { IextTree } from '../../iext/tree.js';
import type { SimMetrics } from '../result.js';

/** Simulated cost of each thing, in seconds. */
export interface CostModel {
  /** one FUSE_IOMAP_BEGIN round trip to the server */
  upcall: number;
  /** one fuse_iomap_try_cache lookup (both forks) */
  lookup: number;
  /** one notification the server writes to /dev/fuse */
  notify: number;
  /** per application I/O, besides the data */
  io: number;
  /** per byte of data moved */
  byte: number;
}

/** Defaults: a ~20 us fuse round trip, sub-microsecond cache lookups, 2 GB/s data. */
export const DEFAULT_COST: CostModel = Object.freeze({ upcall: 20e-6, lookup: 0.3e-6, notify: 5e-6, io: 2e-6, byte: 0.5e-9 });

export function zeroMetrics(): SimMetrics {
  return {
    ios: 0,
    bytes: 0,
    iomapBegins: 0,
    upcalls: 0,
    hits: { read: 0, write: 0 },
    misses: { read: 0, write: 0 },
    nofork: { read: 0, write: 0 },
    revalidationFailures: { needed: 0, needless: 0 },
    staleViolations: 0,
    upserts: 0,
    invalidations: 0,
    extentsCached: { read: 0, write: 0 },
    treeHeight: { read: 0, write: 0 },
    kernelBytes: 0,
    simulatedSeconds: 0,
  };
}

/** Counters only (gauges and time are filled when sampled). */
export function addCounters(into: SimMetrics, a: SimMetrics, sign = 1): void {
  into.ios += sign * a.ios;
  into.bytes += sign * a.bytes;
  into.iomapBegins += sign * a.iomapBegins;
  into.upcalls += sign * a.upcalls;
  for (const k of ['read', 'write'] as const) {
    into.hits[k] += sign * a.hits[k];
    into.misses[k] += sign * a.misses[k];
    into.nofork[k] += sign * a.nofork[k];
  }
  into.revalidationFailures.needed += sign * a.revalidationFailures.needed;
  into.revalidationFailures.needless += sign * a.revalidationFailures.needless;
  into.staleViolations += sign * a.staleViolations;
  into.upserts += sign * a.upserts;
  into.invalidations += sign * a.invalidations;
}

/**
 * Kernel-equivalent bytes of one inode's cache, from the cache's own
 * accounting: a height-1 root is a krealloc'd block of leafKsize bytes,
 * taller trees are node-sized leaves and nodes; plus the write fork header
 * (struct fuse_iomap_cache itself is left out: rfc-v3 embeds it in every
 * fuse_inode whatever the policy).
 */
export function kernelBytesOf(cache: IomapCache): number {
  let bytes = cache.forkHeaderBytes();
  const trees = [cache.read, cache.write].filter((t): t is IextTree => t !== null);
  if (trees.length === 0) return bytes;
  const arena = trees[0].arena;
  let roots = 0;
  for (const t of trees) {
    if (t.height === 1) {
      bytes += arena.leafKsize[t.root];
      roots++;
    }
  }
  bytes += (arena.liveLeaves - roots + arena.liveNodes) * cache.geometry.nodeSize;
  return bytes;
}

/** Simulated seconds for a set of counts under a cost model. */
export function simulatedSeconds(m: SimMetrics, lookups: number, cost: CostModel): number {
  return m.upcalls * cost.upcall + lookups * cost.lookup + (m.upserts + m.invalidations) * cost.notify + m.ios * cost.io + m.bytes * cost.byte;
}
