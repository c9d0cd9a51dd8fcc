// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel-side consumers of the fuse iomap cache: ->iomap_begin with the
 * cache and the NULL-retry loop, revalidation (buffered writes and
 * writeback), ->iomap_end, ioend, and the invalidation hooks. See
 * docs/kernel-scenarios.md for the API and the scenario commands.
 */
export * from './constants.js';
export * from './env.js';
export * from './events.js';
export * from './iomap.js';
export { IOMAP_HAZARDS } from './hazards.js';
export { fuseIomapTryCache, fuseIomapFromCache, fuseIomapFindDev, fuseIomapSetInline, type TryCacheTrail } from './try-cache.js';
export { fuseIomapBegin, type BeginResult } from './begin.js';
export { fuseIomapRevalidate, iomapValid, fuseIomapRevalidateWriteback, fuseIomapMapBlocks, newWritepageCtx, type WritepageCtx, type MapBlocksResult } from './revalidate.js';
export { fuseIomapEnd, fuseIomapIoend, fuseWantIomapEnd, fuseWantIoend, type EndResult, type IoendResult } from './end.js';
export { fuseIomapSetsize, fuseIomapFallocate, fuseIomapOpenTruncate, fuseIomapCopiedFileRange, type HookResult } from './hooks.js';
export { ScriptedServer, type ServerAnswer } from './server.js';
