// SPDX-License-Identifier: GPL-2.0-only
/* The baseline: the seed exactly (rfc-v3 kernel, fuse2fs server). */
import { kernelCounter } from '../counters.js';
import type { PolicyDef, ServeStrategy } from '../types.js';

/** fuse2fs: upsert the whole extent, answer NULL (001 L17497-17546). */
export const FUSE2FS_SERVE: ServeStrategy = Object.freeze({ mode: 'upsert-null', extent: 'whole', prefetch: 0 });

export const seed: PolicyDef = {
  name: 'seed',
  description: 'the seed exactly: one sequence counter per inode checked by fuse_iomap_revalidate, fuse2fs upserts the whole extent then answers NULL, no eviction, exact invalidations',
  create: () => ({ counter: kernelCounter(), serve: FUSE2FS_SERVE, capacity: null, invalidation: 'exact' }),
};
