// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the wire protocol looks like in each kernel revision: notify codes,
 * struct sizes, the mapping type and flag values the kernel accepts, and
 * the errno its validators return. Picked from the cache Revision
 * (src/cache/revision.ts) so that a scenario's `revision` selects both.
 *
 * rfc-v3: seed 001 include/uapi/linux/fuse.h (L1484-1588, L9836-9871).
 * v7: include/uapi/linux/fuse.h of the v7 posting and the author's tree
 * (docs/revisions.md "Wire protocol"): struct fuse_iomap_io embedded,
 * codes 100/101, PURE_OVERWRITE 255, RETRY_CACHE 254, NOCACHE 253, flags
 * renumbered, validators return -EFSCORRUPTED.
 */
import {
  FUSE_IOMAP_F_ANON_WRITE,
  FUSE_IOMAP_F_ATOMIC_BIO,
  FUSE_IOMAP_F_BOUNDARY,
  FUSE_IOMAP_F_DIRTY,
  FUSE_IOMAP_F_MERGED,
  FUSE_IOMAP_F_NEW,
  FUSE_IOMAP_F_SHARED,
  FUSE_IOMAP_F_WANT_IOMAP_END,
  FUSE_IOMAP_F_XATTR,
  FUSE_IOMAP_TYPE_DELALLOC,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_INLINE,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_NULL,
  FUSE_IOMAP_TYPE_PURE_OVERWRITE,
  FUSE_IOMAP_TYPE_UNWRITTEN,
} from '../cache/constants.js';
import type { Revision } from '../cache/revision.js';
import { V7_NOTIFY, V7_TYPE_NOCACHE, V7_TYPE_PURE_OVERWRITE, V7_TYPE_RETRY_CACHE } from '../cache/revision-v7.js';
import { EFSCORRUPTED, EIO } from './constants.js';

export type ProtocolName = 'rfc-v3' | 'v7';

export interface ProtocolLayout {
  readonly name: ProtocolName;
  /** enum fuse_notify_code */
  readonly notifyUpsertCode: number;
  readonly notifyInvalCode: number;
  /** sizeof the notification payloads and of the iomap_begin reply */
  readonly upsertSize: number;
  readonly invalSize: number;
  readonly beginInSize: number;
  readonly beginOutSize: number;
  /** begin_out carries one offset/length for both halves (rfc-v3) or one per half (v7) */
  readonly beginOutSharedRange: boolean;
  readonly typeHole: number;
  readonly typeDelalloc: number;
  readonly typeMapped: number;
  readonly typeUnwritten: number;
  readonly typeInline: number;
  readonly typePureOverwrite: number;
  /** rfc-v3 FUSE_IOMAP_TYPE_NULL (0xfffe): "ignore this half" in upserts, "look in the cache again" in begin replies */
  readonly typeNull: number | null;
  /** v7 FUSE_IOMAP_TYPE_NOCACHE (253): "do not cache this half" in upserts */
  readonly typeNocache: number | null;
  /** v7 FUSE_IOMAP_TYPE_RETRY_CACHE (254): "look in the cache again" in begin replies */
  readonly typeRetryCache: number | null;
  /** fuse_iomap_check_type: the values accepted at all */
  readonly validTypes: ReadonlySet<number>;
  /** FUSE_IOMAP_F_ALL: fuse_iomap_check_flags accepts flags within it */
  readonly flagsAll: number;
  /** what a validator returns for bad data: -EIO (rfc-v3) or -EFSCORRUPTED (v7) */
  readonly badDataErrno: number;
  /** names of the notification tracepoints */
  readonly upsertEvent: 'fuse_iomap_upsert' | 'fuse_iomap_upsert_mappings';
  readonly invalEvent: 'fuse_iomap_inval' | 'fuse_iomap_inval_mappings';
}

const RFC_V3_FLAGS_ALL =
  FUSE_IOMAP_F_NEW |
  FUSE_IOMAP_F_DIRTY |
  FUSE_IOMAP_F_SHARED |
  FUSE_IOMAP_F_MERGED |
  FUSE_IOMAP_F_XATTR |
  FUSE_IOMAP_F_BOUNDARY |
  FUSE_IOMAP_F_ANON_WRITE |
  FUSE_IOMAP_F_ATOMIC_BIO |
  FUSE_IOMAP_F_WANT_IOMAP_END; // 0x11ef (001 L1699-1707)

export const RFC_V3_PROTOCOL: ProtocolLayout = Object.freeze({
  name: 'rfc-v3',
  notifyUpsertCode: 9, // FUSE_NOTIFY_IOMAP_UPSERT (001 L9836)
  notifyInvalCode: 10, // FUSE_NOTIFY_IOMAP_INVAL
  upsertSize: 80,
  invalSize: 48,
  beginInSize: 32,
  beginOutSize: 48,
  beginOutSharedRange: true,
  typeHole: FUSE_IOMAP_TYPE_HOLE,
  typeDelalloc: FUSE_IOMAP_TYPE_DELALLOC,
  typeMapped: FUSE_IOMAP_TYPE_MAPPED,
  typeUnwritten: FUSE_IOMAP_TYPE_UNWRITTEN,
  typeInline: FUSE_IOMAP_TYPE_INLINE,
  typePureOverwrite: FUSE_IOMAP_TYPE_PURE_OVERWRITE,
  typeNull: FUSE_IOMAP_TYPE_NULL,
  typeNocache: null,
  typeRetryCache: null,
  // fuse_iomap_check_type after PATCH 2/4 (001 L1678-1696, L8969)
  validTypes: new Set([
    FUSE_IOMAP_TYPE_PURE_OVERWRITE,
    FUSE_IOMAP_TYPE_NULL,
    FUSE_IOMAP_TYPE_HOLE,
    FUSE_IOMAP_TYPE_DELALLOC,
    FUSE_IOMAP_TYPE_MAPPED,
    FUSE_IOMAP_TYPE_UNWRITTEN,
    FUSE_IOMAP_TYPE_INLINE,
  ]),
  flagsAll: RFC_V3_FLAGS_ALL,
  badDataErrno: EIO,
  upsertEvent: 'fuse_iomap_upsert',
  invalEvent: 'fuse_iomap_inval',
});

export const V7_PROTOCOL: ProtocolLayout = Object.freeze({
  name: 'v7',
  notifyUpsertCode: V7_NOTIFY.FUSE_NOTIFY_IOMAP_UPSERT_MAPPINGS,
  notifyInvalCode: V7_NOTIFY.FUSE_NOTIFY_IOMAP_INVAL_MAPPINGS,
  upsertSize: 80,
  invalSize: 48,
  beginInSize: 32,
  beginOutSize: 64, // struct fuse_iomap_begin_out { struct fuse_iomap_io read, write; }
  beginOutSharedRange: false,
  typeHole: 0,
  typeDelalloc: 1,
  typeMapped: 2,
  typeUnwritten: 3,
  typeInline: 4,
  typePureOverwrite: V7_TYPE_PURE_OVERWRITE,
  typeNull: null,
  typeNocache: V7_TYPE_NOCACHE,
  typeRetryCache: V7_TYPE_RETRY_CACHE,
  validTypes: new Set([0, 1, 2, 3, 4, V7_TYPE_PURE_OVERWRITE, V7_TYPE_RETRY_CACHE, V7_TYPE_NOCACHE]),
  // NEW DIRTY SHARED MERGED BOUNDARY ANON_WRITE ATOMIC_BIO WANT_IOMAP_END = bits 0-7
  flagsAll: 0xff,
  badDataErrno: EFSCORRUPTED,
  upsertEvent: 'fuse_iomap_upsert_mappings',
  invalEvent: 'fuse_iomap_inval_mappings',
});

/** The wire layout of a cache revision: v7 and its later tree share one. */
export function protocolFor(rev: Revision): ProtocolLayout {
  if (rev.name === 'v7' || rev.name === 'v7-tree') return V7_PROTOCOL;
  // A revision registered later: recognise v7 numbering by its type table.
  if (rev.typeNames?.some(([, n]) => n === 'nocache')) return V7_PROTOCOL;
  return RFC_V3_PROTOCOL;
}

/** the "ignore this half" type of an upsert: NULL (rfc-v3) or NOCACHE (v7) */
export const upsertSkipType = (p: ProtocolLayout): number => (p.typeNull ?? p.typeNocache)!;

/** the "look in the cache again" type of a begin reply: NULL (rfc-v3) or RETRY_CACHE (v7) */
export const beginRetryType = (p: ProtocolLayout): number => (p.typeNull ?? p.typeRetryCache)!;
