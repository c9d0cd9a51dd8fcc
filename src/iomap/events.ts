// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracepoints of the iomap consumers, as structured values: the inode part
 * every fuse event prints plus the event's other __entry fields under their
 * fuse_trace.h names (TRACE_FORMATS.md), so one generic printer can render
 * the exact TP_printk text (src/scenario/kernel/trace-text.ts).
 */
import type { InodeIds } from '../cache/events.js';

export type IomapEventName =
  | 'fuse_iomap_begin'
  | 'fuse_iomap_begin_error'
  | 'fuse_iomap_read_map'
  | 'fuse_iomap_write_map'
  | 'fuse_iomap_end'
  | 'fuse_iomap_end_error'
  | 'fuse_iomap_ioend'
  | 'fuse_iomap_ioend_error'
  | 'fuse_iomap_invalid'
  | 'fuse_iomap_map_blocks'
  | 'fuse_iomap_set_inline_iomap'
  | 'fuse_iomap_set_inline_srcmap'
  | 'fuse_iomap_setsize'
  | 'fuse_iomap_truncate_up'
  | 'fuse_iomap_truncate_down'
  | 'fuse_iomap_punch_range'
  | 'fuse_iomap_fallocate'
  | 'fuse_iomap_open_truncate'
  | 'fuse_iomap_copied_file_range'
  | 'fuse_iomap_cache_enable'
  | 'fuse_iomap_upsert'
  | 'fuse_iomap_inval';

export interface IomapEvent {
  name: IomapEventName;
  inode: InodeIds;
  isize: bigint;
  /** the remaining __entry fields by name (numbers for u16/u32/int, bigint for 64-bit) */
  fields: Record<string, bigint | number>;
}

export type IomapEventSink = (ev: IomapEvent) => void;
