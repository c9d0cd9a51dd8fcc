// SPDX-License-Identifier: GPL-2.0-only
/* Baseline without the cache: every iomap_begin is an upcall. */
import { kernelCounter } from '../counters.js';
import type { PolicyDef } from '../types.js';

export const noCache: PolicyDef = {
  name: 'no-cache',
  description: 'no mapping cache: the server answers every FUSE_IOMAP_BEGIN directly and never upserts (the series before the cache patches)',
  create: () => ({ counter: kernelCounter(), serve: { mode: 'direct', extent: 'whole', prefetch: 0 }, capacity: null, invalidation: 'exact' }),
};
