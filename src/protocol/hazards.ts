// SPDX-License-Identifier: GPL-2.0-only
/*
 * Places in the notification and device code where the seed's C looks
 * wrong. The model does what the kernel does and reports each time it walks
 * through one of them (same HazardHit shape as the cache's hazards).
 */
import type { HazardHit, HazardInfo } from '../cache/hazards.js';

export const PROTOCOL_HAZARDS = {
  notifyUninitialisedCache: {
    id: 'notify-uninitialised-cache',
    spec: 'SPEC 8.6',
    summary:
      'an iomap notification reached an inode that never had fuse_iomap_set_fileio (directory, symlink, non-iomap file): the C takes im_lock and walks im_read/im_write of uninitialised memory; the model assumes zeroed memory',
  },
  upsertSignedOffset: {
    id: 'upsert-signed-offset',
    spec: 'SPEC 8.2',
    summary:
      'fuse_iomap_upsert_validate_range compared a payload offset >= 2^63 with s_maxbytes as a signed loff_t: the negative offset passed and goes into the cache',
  },
  upsertEndPastMaxbytes: {
    id: 'upsert-end-past-maxbytes',
    spec: 'SPEC 5.2',
    summary: 'an upserted mapping ends beyond s_maxbytes: only its start is checked against s_maxbytes',
  },
  invalIgnoresAttrIno: {
    id: 'inval-ignores-attr-ino',
    spec: 'SPEC 8.18',
    summary: 'fuse_iomap_inval acted on an inode whose orig_ino differs from the notification attr_ino (upsert refuses that with -EINVAL)',
  },
  libfuseNullHalf: {
    id: 'libfuse-null-half',
    spec: 'SPEC 8.4',
    summary:
      'fuse_lowlevel_notify_iomap_upsert sent a NULL-typed half with length 0 for an absent map: the kernel rejects every such upsert with -EIO (zero length is checked before the type)',
  },
  libfuseVersionGate: {
    id: 'libfuse-version-gate',
    spec: 'SPEC 8.5',
    summary:
      'libfuse gates the iomap notifications on protocol 7.44 while the kernel feature is 7.99: a 7.44-7.98 kernel answers the unknown notify code with -EINVAL instead of the library returning -ENOSYS',
  },
} as const satisfies Record<string, HazardInfo>;

export type ProtocolHazardSink = (hit: HazardHit) => void;
