// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel revisions of the fuse-iomap cache. The core reads every behaviour
 * that changed between postings from a Revision, so a later posting is a
 * small object here, not a copy of the cache code.
 */

export interface Revision {
  readonly name: string;
  readonly description: string;
  /** im_seq as fuse_iomap_set_fileio leaves it */
  readonly initialSeq: bigint;
  /** fuse_iext_inc_seq: the value after one bump */
  nextSeq(seq: bigint): bigint;
  /** fuse_iomap_cache_lookup hands out the record trimmed to the block-rounded request */
  readonly trimLookup: boolean;
}

/** July 2025 RFC v3, the code in seed 001. */
export const RFC_V3: Revision = Object.freeze({
  name: 'rfc-v3',
  description: 'RFC v3 (July 2025), seed 001: one u64 counter per inode starting at 0, lookups trimmed',
  initialSeq: 0n,
  nextSeq: (seq: bigint) => BigInt.asUintN(64, seq + 1n),
  trimLookup: true,
});

const REVISIONS = new Map<string, Revision>([[RFC_V3.name, RFC_V3]]);

export const DEFAULT_REVISION = RFC_V3;

export function revisionByName(name: string): Revision | undefined {
  return REVISIONS.get(name);
}

export function registerRevision(rev: Revision): void {
  REVISIONS.set(rev.name, rev);
}

export const revisionNames = (): string[] => [...REVISIONS.keys()];
