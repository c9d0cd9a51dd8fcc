// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated server's notifications into the modelled kernel:
 * FUSE_NOTIFY_IOMAP_UPSERT and FUSE_NOTIFY_IOMAP_INVAL. The server only
 * sends well-formed notifications, so what matters here is what the kernel
 * does with them: enable the inode's cache on the first upsert, then
 * upsert/remove under the exclusive im_lock (fuse_iomap_upsert 001
 * L10117-10205 steps 24-27, fuse_iomap_inval L10207-10276 step 6).
 *
 * TEMPORARY: src/protocol's notify (the full validation in the seed's
 * order) is not on main yet; when it lands these two functions become
 * calls to it (requested in /work/brief/requests-protocol.md).
 */
import { Fork } from '../../cache/constants.js';
import type { Mapping } from '../../iext/record.js';
import type { FuseInode } from '../../protocol/inode.js';

/** fuse_iomap_upsert on a well-formed payload: 0 or the cache's -EUCLEAN. */
export function notifyUpsert(inode: FuseInode, read: Mapping | null, write: Mapping | null): number {
  inode.lock('exclusive');
  try {
    inode.enableCache();
    const cache = inode.cacheOrNull!;
    if (read) {
      const err = cache.cacheUpsert(Fork.READ, { ...read });
      if (err) return err;
    }
    if (write) return cache.cacheUpsert(Fork.WRITE, { ...write });
    return 0;
  } finally {
    inode.unlock('exclusive');
  }
}

/** fuse_iomap_inval on a well-formed payload: length 0 leaves a fork alone. */
export function notifyInval(inode: FuseInode, read: { offset: bigint; length: bigint } | null, write: { offset: bigint; length: bigint } | null): number {
  const cache = inode.cacheOrNull;
  if (!cache) return 0;
  inode.lock('exclusive');
  try {
    const ret2 = read && read.length ? cache.cacheRemove(Fork.READ, read.offset, read.length) : 0;
    const ret = write && write.length ? cache.cacheRemove(Fork.WRITE, write.offset, write.length) : 0;
    return ret || ret2;
  } finally {
    inode.unlock('exclusive');
  }
}
