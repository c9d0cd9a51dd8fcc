// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated server's notifications into the modelled kernel, through
 * src/protocol's FUSE_NOTIFY_IOMAP_UPSERT / _INVAL handling with every
 * check in the seed's order (fuse_iomap_upsert 001 L10117-10205,
 * fuse_iomap_inval L10207-10276). An absent half is sent as libfuse sends
 * it for fuse2fs: the "skip" type (NULL in rfc-v3, NOCACHE in v7) over the
 * other half's range, since a zero length is refused (SPEC 8.4).
 */
import { FUSE_IOMAP_NULL_ADDR } from '../../cache/constants.js';
import type { Mapping } from '../../iext/record.js';
import type { FuseInode } from '../../protocol/inode.js';
import { upsertSkipType } from '../../protocol/layout.js';
import { notifyIomapInval, notifyIomapUpsert } from '../../protocol/notify.js';

/** FUSE_NOTIFY_IOMAP_UPSERT of one or both halves: 0 or the kernel's -errno. */
export function notifyUpsert(inode: FuseInode, read: Mapping | null, write: Mapping | null): number {
  const some = read ?? write;
  if (!some) return 0;
  const skip = { offset: some.offset, length: some.length, addr: FUSE_IOMAP_NULL_ADDR, type: upsertSkipType(inode.conn.protocol), flags: 0, dev: 0 };
  return notifyIomapUpsert(inode.conn, { nodeid: inode.nodeid, attrIno: inode.attrIno, read: read ? { ...read } : skip, write: write ? { ...write } : { ...skip } });
}

/** FUSE_NOTIFY_IOMAP_INVAL: a zero length leaves that fork alone. */
export function notifyInval(inode: FuseInode, read: { offset: bigint; length: bigint } | null, write: { offset: bigint; length: bigint } | null): number {
  const none = { offset: 0n, length: 0n };
  return notifyIomapInval(inode.conn, { nodeid: inode.nodeid, attrIno: inode.attrIno, read: read ?? none, write: write ?? none });
}
