// SPDX-License-Identifier: GPL-2.0-only
/* Sequence-counter granularity variants of the seed. */
import { eraseBumpCounter, noRevalidation, perForkCounter, perRangeCounter } from '../counters.js';
import type { PolicyDef } from '../types.js';
import { FUSE2FS_SERVE } from './seed.js';

const withCounter = (name: string, description: string, counter: () => ReturnType<typeof perForkCounter>): PolicyDef => ({
  name,
  description,
  create: () => ({ counter: counter(), serve: FUSE2FS_SERVE, capacity: null, invalidation: 'exact' }),
});

export const perFork = withCounter('per-fork', 'seed with one sequence counter per fork (as XFS has for its data and COW forks): a read-fork change no longer fails write-fork mappings', perForkCounter);
export const perRange = withCounter('per-range', 'seed with a counter per byte range: a mapping fails revalidation only when a change overlaps its own range in its fork', perRangeCounter);
export const eraseBump = withCounter('seed-erase-bump', "seed with SPEC 8.1's fix: emptying a fork through the erase-everything shortcut counts as a change", eraseBumpCounter);
export const noRevalidate = withCounter('no-revalidate', 'seed with revalidation turned off: handed-out mappings are always believed (shows what the cookie check catches)', noRevalidation);
