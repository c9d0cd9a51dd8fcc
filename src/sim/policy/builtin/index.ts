// SPDX-License-Identifier: GPL-2.0-only
/* Registers the built-in policies (the seed first). */
import { registerPolicy } from '../registry.js';
import { capGlobalClock, capInodeLru } from './capacity.js';
import { eraseBump, noRevalidate, perFork, perRange } from './counters.js';
import { invalFile, perForkCow, seedCow } from './invalidation.js';
import { noCache } from './no-cache.js';
import { seed } from './seed.js';
import { prefetch4, upsertDirect, upsertExact } from './upsert.js';

for (const p of [seed, noCache, perFork, perRange, eraseBump, noRevalidate, upsertExact, upsertDirect, prefetch4, capInodeLru(64), capGlobalClock(256), invalFile, seedCow, perForkCow]) registerPolicy(p);
