// SPDX-License-Identifier: GPL-2.0-only
/* Server upsert strategies. */
import { kernelCounter } from '../counters.js';
import type { PolicyDef, ServeStrategy } from '../types.js';

const withServe = (name: string, description: string, serve: ServeStrategy): PolicyDef => ({
  name,
  description,
  create: () => ({ counter: kernelCounter(), serve, capacity: null, invalidation: 'exact' }),
});

export const upsertExact = withServe('upsert-exact', 'the server upserts only the requested range (clipped to its extent), then answers NULL', { mode: 'upsert-null', extent: 'exact', prefetch: 0 });
export const upsertDirect = withServe('upsert-direct', 'the server upserts the whole extent and answers with the mapping itself (no NULL reply, no second cache lookup)', { mode: 'upsert-direct', extent: 'whole', prefetch: 0 });
export const prefetch4 = withServe('prefetch-4', 'fuse2fs plus the 4 following extents (or holes) upserted with each answer', { mode: 'upsert-null', extent: 'whole', prefetch: 4 });
