// SPDX-License-Identifier: GPL-2.0-only
/*
 * Places where the seed's C is (we believe) wrong. The model reproduces the
 * kernel's behaviour and reports each time it walks through one of them.
 * Where a later revision changes what the hazard does, the hazard carries
 * that revision's text too (docs/revisions.md, "Which rfc-v3 hazards
 * survive in v7").
 */
import { resolveRevision, type Revision } from './revision.js';

export interface HazardInfo {
  readonly id: string;
  readonly spec: string;
  /** what happens in rfc-v3 (seed 001) */
  readonly summary: string;
  /** what happens instead where record offsets are u64 (v7 and later), if it differs */
  readonly unsignedOffsetsSummary?: string;
}

/** The hazard's text for the revision the model ran. */
export function hazardSummary(h: HazardInfo, rev: Revision): string {
  return resolveRevision(rev).unsignedRecordOffsets && h.unsignedOffsetsSummary !== undefined ? h.unsignedOffsetsSummary : h.summary;
}

export const HAZARDS = {
  eraseAllNoSeqBump: {
    id: 'erase-all-no-seq-bump',
    spec: 'SPEC 8.1',
    summary:
      'fuse_iomap_cache_remove erased a non-empty fork through the erase-everything shortcut (fuse_iext_destroy) without bumping im_seq: cookies handed out before still revalidate',
  },
  removeEndOverflow: {
    id: 'remove-end-overflow',
    spec: 'SPEC 8.3',
    summary:
      'fuse_iomap_cache_remove computed end = start + len past LLONG_MAX (loff_t wrap): what gets removed depends on the tree height',
    unsignedOffsetsSummary:
      'fuse_iomap_cache_remove computed end = start + len past LLONG_MAX (still a loff_t): with u64 record offsets an end up to 2^64 still removes everything from start at any tree height (2^64 wraps to 0 and end - 1 lies above every record), a start + len past 2^64 wraps end below start and the call removes nothing and returns 0, a range crossing 2^63 leaves a negative end below start and removes nothing either, and a start at or above 2^63 with a record below it trims that record through the unsigned compares and never ends (length-0 deletes, end back to LLONG_MAX)',
  },
  negativeOffsetRecord: {
    id: 'negative-offset-record',
    spec: 'SPEC 8.2',
    summary:
      'a mapping with a file offset >= 2^63 (negative loff_t) entered the cache: it sorts first and its u64 end covers every later lookup',
  },
  recordEndPastLlongMax: {
    id: 'record-end-past-llong-max',
    spec: 'SPEC 8.3',
    summary:
      'a mapping ending past LLONG_MAX entered the cache (nothing bounds offset + length by s_maxbytes): its last byte is a negative loff_t, so cache_remove clips end below start and no later remove or invalidation to EOF can cut it, silently and without an im_seq bump',
  },
  keyInvalidCollision: {
    id: 'key-invalid-collision',
    spec: 'SPEC 8.2',
    summary: 'a record key equal to FUSE_IEXT_KEY_INVALID (2^63) reached a node: the slot looks empty to node_nr_entries/destroy_node',
  },
} as const satisfies Record<string, HazardInfo>;

export type HazardId = (typeof HAZARDS)[keyof typeof HAZARDS]['id'];

export interface HazardHit {
  hazard: HazardInfo;
  /** what the model was doing, e.g. "cache_remove read 0x0+0xffffffffffffffff" */
  detail: string;
}
