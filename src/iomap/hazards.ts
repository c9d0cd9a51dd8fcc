// SPDX-License-Identifier: GPL-2.0-only
/*
 * Places where the iomap_begin / revalidation / invalidation code of seed
 * 001 looks wrong or racy. The model does what the C does and reports each
 * walk-through (same shape as src/cache/hazards.ts).
 */
import type { HazardInfo } from '../cache/hazards.js';

export const IOMAP_HAZARDS = {
  nullRetryUnbounded: {
    id: 'null-retry-unbounded',
    spec: 'SPEC 8.9',
    summary:
      'fuse_iomap_begin kept getting FUSE_IOMAP_TYPE_NULL and missing the cache: the C loops until signal_pending() (never, in a writeback kworker); the model stops after its retry bound with -EINTR',
  },
  writeNullLeak: {
    id: 'write-null-leak',
    spec: 'SPEC 8.8',
    summary: 'a file write got a real read mapping and a NULL write mapping: iomap->type became 0xfffe, a type iomap core does not know',
  },
  partialFillSurvives: {
    id: 'partial-fill-survives',
    spec: 'SPEC 8.11',
    summary:
      'fuse_iomap_try_cache filled iomap/srcmap and then sent the request to the server: the server mapping went out with the cache folio_ops and an older cookie, or the cached srcmap survived',
  },
  uninitWritebackCookie: {
    id: 'writeback-uninit-cookie',
    spec: 'SPEC 8.12',
    summary:
      'fuse_iomap_map_blocks stored a mapping that came from the server into wpc->iomap: its validity_cookie is uninitialised stack, so the writeback revalidation compares garbage',
  },
  swappedValidateArgs: {
    id: 'validate-cached-swapped-args',
    spec: 'SPEC 8.7',
    summary: 'debug build: fuse_iomap_validate_cached got (opflags, fork) swapped; a write-fork pure overwrite fails with -EIO unless opflags == IOMAP_WRITE',
  },
  forkLengthsDiffer: {
    id: 'fork-lengths-differ',
    spec: 'SPEC 8.10',
    summary:
      'fuse_iomap_try_cache served an out-of-place write with iomap (write fork) and srcmap (read fork) of different lengths; the server protocol always gives both one length',
  },
  staleRevalidated: {
    id: 'stale-mapping-revalidated',
    spec: 'SPEC 8.1',
    summary: 'a mapping whose cached record had been erased (erase-everything shortcut, no im_seq bump) passed revalidation',
  },
} as const satisfies Record<string, HazardInfo>;
