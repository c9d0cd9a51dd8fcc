// SPDX-License-Identifier: GPL-2.0-only
/* Invalidation granularity and out-of-place writes. */
import { kernelCounter, perForkCounter } from '../counters.js';
import type { PolicyDef } from '../types.js';
import { FUSE2FS_SERVE } from './seed.js';

export const invalFile: PolicyDef = {
  name: 'inval-file',
  description: 'seed, but every invalidation (kernel hook or ioend) drops the whole file instead of the exact range',
  create: () => ({ counter: kernelCounter(), serve: FUSE2FS_SERVE, capacity: null, invalidation: 'file' }),
};

export const seedCow: PolicyDef = {
  name: 'seed-cow',
  description: 'seed with a copy-on-write server: overwrites go to new blocks through the write fork, remapped at ioend',
  create: () => ({ counter: kernelCounter(), serve: FUSE2FS_SERVE, capacity: null, invalidation: 'exact', cow: true }),
};

export const perForkCow: PolicyDef = {
  name: 'per-fork-cow',
  description: 'seed-cow with one sequence counter per fork: changes to the read fork no longer fail write-fork (COW) mappings',
  create: () => ({ counter: perForkCounter(), serve: FUSE2FS_SERVE, capacity: null, invalidation: 'exact', cow: true }),
};
