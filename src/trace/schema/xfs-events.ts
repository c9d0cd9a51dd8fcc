// SPDX-License-Identifier: GPL-2.0-only
/*
 * The xfs dialect: the iext/bmap/iomap tracepoints of fs/xfs/xfs_trace.h as
 * this kernel (6.18) prints them, copied from
 * /sys/kernel/tracing/events/xfs/<event>/format ("print fmt").
 */
import type { RawArg, RawSchema } from './types.js';

// xfs_iext_class: TP_printk of xfs_iext_insert/remove, xfs_bmap_pre/post_update
const IEXT_FORMAT = 'dev %d:%d ino 0x%llx state %s cur %p/%d fileoff 0x%llx startblock 0x%llx fsbcount 0x%llx flag %d caller %pS';
const IEXT_ARGS: readonly RawArg[] = [
  ['dev', 'major'],
  ['dev', 'minor'],
  ['ino'],
  ['bmap_state', 'flags', 'XFS_BMAP_EXT_FLAGS'],
  ['leaf'],
  ['pos'],
  ['startoff'],
  ['startblock'],
  ['blockcount'],
  ['state'],
  ['caller_ip'],
];

// xfs_iomap_class: xfs_iomap_found, xfs_iomap_alloc
const IOMAP_FORMAT = 'dev %d:%d ino 0x%llx disize 0x%llx pos 0x%llx bytecount 0x%zx fork %s startoff 0x%llx startblock 0x%llx fsbcount 0x%llx';
const IOMAP_ARGS: readonly RawArg[] = [
  ['dev', 'major'],
  ['dev', 'minor'],
  ['ino'],
  ['size'],
  ['offset'],
  ['count'],
  ['whichfork', 'symbolic', 'XFS_WHICHFORK_STRINGS'],
  ['startoff'],
  ['startblock'],
  ['blockcount'],
];

// xfs_iomap_invalid (iomap_valid of xfs_buffered_write_iomap_ops)
const INVALID_FORMAT = 'dev %d:%d ino 0x%llx pos 0x%llx addr 0x%llx bytecount 0x%llx type 0x%x flags 0x%x validity_cookie 0x%llx inodeseq 0x%llx';
const INVALID_ARGS: readonly RawArg[] = [['dev', 'major'], ['dev', 'minor'], ['ino'], ['pos'], ['addr'], ['len'], ['type'], ['flags'], ['validity_cookie'], ['inodeseq']];

// xfs_wb_invalid_class: writeback found its cached mapping stale
const WB_FORMAT = 'dev %d:%d ino 0x%llx pos 0x%llx addr 0x%llx bytecount 0x%llx type 0x%x flags 0x%x wpcseq 0x%x forkseq 0x%x';
const WB_ARGS: readonly RawArg[] = [['dev', 'major'], ['dev', 'minor'], ['ino'], ['pos'], ['addr'], ['len'], ['type'], ['flags'], ['wpcseq'], ['forkseq']];

export const XFS_RAW_SCHEMAS: readonly RawSchema[] = [
  { name: 'xfs_iext_insert', definition: 'xfs_iext_class', format: IEXT_FORMAT, args: IEXT_ARGS },
  { name: 'xfs_iext_remove', definition: 'xfs_iext_class', format: IEXT_FORMAT, args: IEXT_ARGS },
  { name: 'xfs_bmap_pre_update', definition: 'xfs_iext_class', format: IEXT_FORMAT, args: IEXT_ARGS },
  { name: 'xfs_bmap_post_update', definition: 'xfs_iext_class', format: IEXT_FORMAT, args: IEXT_ARGS },
  { name: 'xfs_iomap_found', definition: 'xfs_iomap_class', format: IOMAP_FORMAT, args: IOMAP_ARGS },
  { name: 'xfs_iomap_alloc', definition: 'xfs_iomap_class', format: IOMAP_FORMAT, args: IOMAP_ARGS },
  { name: 'xfs_iomap_invalid', definition: 'xfs_iomap_invalid_class', format: INVALID_FORMAT, args: INVALID_ARGS },
  { name: 'xfs_wb_data_iomap_invalid', definition: 'xfs_wb_invalid_class', format: WB_FORMAT, args: WB_ARGS },
  { name: 'xfs_wb_cow_iomap_invalid', definition: 'xfs_wb_invalid_class', format: WB_FORMAT, args: WB_ARGS },
];

/** The events a live xfs session enables. */
export const XFS_EVENTS = XFS_RAW_SCHEMAS.map((s) => s.name);
