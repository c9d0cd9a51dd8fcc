// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel revisions of the fuse-iomap cache. The core reads every behaviour
 * that changed between postings from a Revision, so a later posting is a
 * small object here, not a copy of the cache code. docs/revisions.md lists
 * every difference with its C source.
 */
import { FUSE_IOMAP_TYPE_PURE_OVERWRITE, IOMAP_FLAG_NAMES, IOMAP_TYPE_NAMES } from './constants.js';
import { V7, V7_TREE, v7NextSeq, v7NextSeqI } from './revision-v7.js';
import { type I64, addU64, toBig, toI64 } from '../util/int64.js';

/** A per-connection cap on the bytes (records x 32) one fork may hold. */
export interface CacheSizeCap {
  /** fc->iomap_conn.cache_maxbytes before the server configures it */
  readonly defaultBytes: number;
  /** clamp() bounds of fuse_iomap_cache_set_maxbytes */
  readonly minBytes: number;
  readonly maxBytes: number;
}

export interface Revision {
  readonly name: string;
  readonly description: string;
  /** im_seq / ic_seq as the cache starts it */
  readonly initialSeq: bigint;
  /** fuse_iext_inc_seq: the value after one bump */
  nextSeq(seq: bigint): bigint;
  /** fuse_iomap_cache_lookup hands out the record trimmed to the block-rounded request */
  readonly trimLookup: boolean;
  // The fields below are optional so that older Revision literals keep
  // compiling; a missing field means the rfc-v3 behaviour.
  /** FUSE_IOMAP_TYPE_PURE_OVERWRITE (0xffff in rfc-v3, 255 in v7) */
  readonly pureOverwriteType?: number;
  /** fuse_iomap_cache_cleanup: a fork over the cap is destroyed on upsert (null: no cap) */
  readonly cacheSizeCap?: CacheSizeCap | null;
  /** fuse_iomap_cache_upsert returns 0 for a pure overwrite into a never-used write fork */
  readonly skipPureOverwriteIntoUnusedWriteFork?: boolean;
  /** the record's offset is a u64 (struct fuse_iomap_io) instead of a loff_t */
  readonly unsignedRecordOffsets?: boolean;
  /** the cache object is allocated on first upsert and fires fuse_iomap_cache_alloc/free */
  readonly allocatedCache?: boolean;
  /** mapping type and flag names and values of this revision's include/uapi/linux/fuse.h */
  readonly typeNames?: ReadonlyArray<readonly [number, string]>;
  readonly flagNames?: ReadonlyArray<readonly [number, string]>;
  /**
   * Kernel memory outside the extent trees: sizeof(struct
   * fuse_iomap_cache) (embedded in fuse_inode, or the kmalloc size when
   * allocatedCache), and the kmalloc size of a write fork header allocated
   * on first use (0 when it is embedded).
   */
  readonly cacheObjectBytes?: number;
  readonly writeForkHeaderBytes?: number;
}

/**
 * A Revision with every optional field filled in (what the cache reads),
 * plus nextSeqI: nextSeq on I64 (src/util/int64.ts).
 */
export type ResolvedRevision = Required<Revision> & { readonly nextSeqI: (seq: I64) => I64 };

/** fuse_iext_inc_seq (rfc-v3): im_seq++ on a u64 */
const v3NextSeqI = (seq: I64): I64 => addU64(seq, 1);

/** July 2025 RFC v3, the code in seed 001. */
export const RFC_V3: Revision = Object.freeze({
  name: 'rfc-v3',
  description: 'RFC v3 (July 2025), seed 001: one u64 counter per inode starting at 0, lookups trimmed',
  initialSeq: 0n,
  nextSeq: (seq: bigint) => toBig(v3NextSeqI(toI64(seq))),
  trimLookup: true,
  pureOverwriteType: FUSE_IOMAP_TYPE_PURE_OVERWRITE,
  cacheSizeCap: null,
  skipPureOverwriteIntoUnusedWriteFork: false,
  unsignedRecordOffsets: false,
  allocatedCache: false,
  typeNames: IOMAP_TYPE_NAMES,
  flagNames: IOMAP_FLAG_NAMES,
  // struct fuse_iomap_cache (im_read 24, im_write 8, im_seq 8, im_lock 40)
  // is embedded in struct fuse_inode; the write fork is
  // kzalloc(sizeof(struct fuse_ifork)) = 24 bytes -> kmalloc-32.
  cacheObjectBytes: 80,
  writeForkHeaderBytes: 32,
});

/**
 * The I64 implementation behind a known nextSeq (keyed by the function, so
 * that a revision spreading RFC_V3 with its own nextSeq gets its own).
 */
const NEXT_SEQ_I = new Map<(seq: bigint) => bigint, (seq: I64) => I64>([
  [RFC_V3.nextSeq, v3NextSeqI],
  [v7NextSeq, v7NextSeqI],
]);

/** Fills in the optional fields with the rfc-v3 behaviour. */
export function resolveRevision(rev: Revision): ResolvedRevision {
  const base = RFC_V3 as Required<Revision>;
  return {
    name: rev.name,
    description: rev.description,
    initialSeq: rev.initialSeq,
    nextSeq: rev.nextSeq,
    nextSeqI: NEXT_SEQ_I.get(rev.nextSeq) ?? ((seq: I64) => toI64(rev.nextSeq(toBig(seq)))),
    trimLookup: rev.trimLookup,
    pureOverwriteType: rev.pureOverwriteType ?? base.pureOverwriteType,
    cacheSizeCap: rev.cacheSizeCap === undefined ? base.cacheSizeCap : rev.cacheSizeCap,
    skipPureOverwriteIntoUnusedWriteFork: rev.skipPureOverwriteIntoUnusedWriteFork ?? base.skipPureOverwriteIntoUnusedWriteFork,
    unsignedRecordOffsets: rev.unsignedRecordOffsets ?? base.unsignedRecordOffsets,
    allocatedCache: rev.allocatedCache ?? base.allocatedCache,
    typeNames: rev.typeNames ?? base.typeNames,
    flagNames: rev.flagNames ?? base.flagNames,
    cacheObjectBytes: rev.cacheObjectBytes ?? base.cacheObjectBytes,
    writeForkHeaderBytes: rev.writeForkHeaderBytes ?? base.writeForkHeaderBytes,
  };
}

const REVISIONS = new Map<string, Revision>([
  [RFC_V3.name, RFC_V3],
  [V7.name, V7],
  [V7_TREE.name, V7_TREE],
]);

export const DEFAULT_REVISION = RFC_V3;

export function revisionByName(name: string): Revision | undefined {
  return REVISIONS.get(name);
}

export function registerRevision(rev: Revision): void {
  REVISIONS.set(rev.name, rev);
}

export const revisionNames = (): string[] => [...REVISIONS.keys()];
