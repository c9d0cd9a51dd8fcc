// SPDX-License-Identifier: GPL-2.0-only
/* Cache capacity and eviction variants of the seed. */
import { extentCap } from '../capacity.js';
import { kernelCounter } from '../counters.js';
import type { PolicyDef } from '../types.js';
import { FUSE2FS_SERVE } from './seed.js';

export const capInodeLru = (n: number): PolicyDef => ({
  name: `cap-inode-lru-${n}`,
  description: `seed with at most ${n} cached extents per inode, least recently used evicted`,
  create: () => ({ counter: kernelCounter(), serve: FUSE2FS_SERVE, capacity: extentCap('inode', n, 'lru'), invalidation: 'exact' }),
});

export const capGlobalClock = (n: number): PolicyDef => ({
  name: `cap-global-clock-${n}`,
  description: `seed with at most ${n} cached extents across all inodes, evicted by clock (second chance)`,
  create: () => ({ counter: kernelCounter(), serve: FUSE2FS_SERVE, capacity: extentCap('global', n, 'clock'), invalidation: 'exact' }),
});
