// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuse dialect as the v7 posting prints it (fs/fuse/fuse_trace.h after
 * "[PATCH 02/12] fuse_trace: cache iomaps", 04, 06, 08 and 11/12 of
 * "[PATCHSET v7 7/9]", 23 Feb 2026; mirror
 * kernelorg-mirror/linux_kernel_git_djwong_xfs-linux). v7 builds each text
 * from shared pieces, written here as small functions named after them:
 * FUSE_INODE_FMT, FUSE_FILE_RANGE_FMT(prefix) (" <prefix>pos .. length .."),
 * FUSE_IOMAP_MAP_FMT(prefix) (" <prefix>offset .. length .. type .. dev ..
 * addr .. mapflags (..)", the prefix glued to "offset"), FUSE_IOMAP_IODIR_FMT.
 * Field names are the TP_STRUCT__entry names (map fields "map"-prefixed),
 * which is also what a live kernel's format files call them. Only the
 * events whose v7 text is known are listed; others are skipped as unknown.
 * docs/revisions.md, "Tracepoints", lists the differences from rfc-v3.
 */
import type { RawArg, RawSchema } from './types.js';

const INODE_FMT = 'connection %u ino %llu nodeid %llu isize 0x%llx';
const INODE_ARGS: RawArg[] = [['connection'], ['ino'], ['nodeid'], ['isize']];
/** FUSE_FILE_RANGE_FMT(prefix): fields offset and length printed as pos/length */
const rangeFmt = (prefix = ''): string => ` ${prefix}pos 0x%llx length 0x%llx`;
const RANGE_ARGS: RawArg[] = [['offset'], ['length']];
/** FUSE_IOMAP_MAP_FMT(prefix) with the fields of FUSE_IOMAP_MAP_FIELDS(field) */
const mapFmt = (prefix = ''): string => ` ${prefix}offset 0x%llx length 0x%llx type %s dev %u addr 0x%llx mapflags (%s)`;
const mapArgs = (field: string): RawArg[] => [
  [`${field}offset`],
  [`${field}length`],
  [`${field}type`, 'symbolic', 'FUSE_IOMAP_TYPE_STRINGS'],
  [`${field}dev`],
  [`${field}addr`],
  [`${field}flags`, 'flags', 'FUSE_IOMAP_F_STRINGS'],
];
const IODIR_FMT = ' iodir %s';
const IODIR_ARG: RawArg = ['iodir', 'symbolic', 'FUSE_IOMAP_FORK_STRINGS'];
const CALLER_FMT = ' caller %pS';
const CALLER_ARG: RawArg = ['caller_ip'];
const STATE_ARG: RawArg = ['iext_state', 'flags', 'FUSE_IEXT_STATE_STRINGS'];

const events = (definition: string, names: string[], format: string, args: RawArg[]): RawSchema[] =>
  names.map((name) => ({ name, definition, format, args }));

export const FUSE_V7_RAW_SCHEMAS: readonly RawSchema[] = [
  // fuse_iext_class: note the two spaces after cur %p/%d (the format's own
  // trailing space, then FUSE_IOMAP_MAP_FMT's leading one)
  ...events('DEFINE_EVENT', ['fuse_iext_insert', 'fuse_iext_remove', 'fuse_iext_pre_update', 'fuse_iext_post_update'],
    `${INODE_FMT} state (%s) cur %p/%d ${mapFmt()}${CALLER_FMT}`, [...INODE_ARGS, STATE_ARG, ['leaf'], ['pos'], ...mapArgs('map'), CALLER_ARG]),
  // fuse_iext_update_class
  ...events('DEFINE_EVENT', ['fuse_iext_del_mapping', 'fuse_iext_add_mapping'], `${INODE_FMT} state (%s)${mapFmt()}`, [...INODE_ARGS, STATE_ARG, ...mapArgs('map')]),
  // fuse_iext_alt_update_class
  ...events('DEFINE_EVENT', ['fuse_iext_del_mapping_got', 'fuse_iext_add_mapping_left', 'fuse_iext_add_mapping_right'], `${INODE_FMT}${mapFmt()}`, [...INODE_ARGS, ...mapArgs('map')]),
  ...events('TRACE_EVENT', ['fuse_iomap_cache_remove', 'fuse_iomap_cache_lookup'], `${INODE_FMT}${rangeFmt()}${IODIR_FMT}${CALLER_FMT}`, [...INODE_ARGS, ...RANGE_ARGS, IODIR_ARG, CALLER_ARG]),
  // fuse_iomap_cached_mapping_class
  ...events('DEFINE_EVENT', ['fuse_iomap_cache_add', 'fuse_iext_check_mapping'], `${INODE_FMT}${IODIR_FMT}${mapFmt()}${CALLER_FMT}`, [...INODE_ARGS, IODIR_ARG, ...mapArgs('map'), CALLER_ARG]),
  ...events('TRACE_EVENT', ['fuse_iomap_cache_lookup_result'], `${INODE_FMT}${rangeFmt()}${IODIR_FMT}${mapFmt('map')}${mapFmt('got')} cookie 0x%llx`, [
    ...INODE_ARGS,
    ...RANGE_ARGS,
    IODIR_ARG,
    ...mapArgs('map'),
    ...mapArgs('got'),
    ['validity_cookie'],
  ]),
  // v7 adds: the cap's destroy (pos and length are never assigned: ring-buffer leftovers)
  ...events('TRACE_EVENT', ['fuse_iomap_cache_cleanup'], `${INODE_FMT}${rangeFmt()}${IODIR_FMT} bytes 0x%llx`, [...INODE_ARGS, ...RANGE_ARGS, IODIR_ARG, ['bytes']]),
  ...events('TRACE_EVENT', ['fuse_iomap_invalid'], `${INODE_FMT}${mapFmt()} old_cookie 0x%llx new_cookie 0x%llx`, [...INODE_ARGS, ...mapArgs('map'), ['old_validity_cookie'], ['validity_cookie']]),
  // fuse_inode_state_class
  ...events('DEFINE_EVENT', ['fuse_iomap_cache_alloc', 'fuse_iomap_cache_free', 'fuse_iomap_init_inode', 'fuse_iomap_evict_inode'], `${INODE_FMT} state (%s)`, [
    ...INODE_ARGS,
    ['state', 'flags', 'FUSE_IFLAG_STRINGS'],
  ]),
  // fuse_iomap_file_range_class (the cache's invalidation among them), fuse_iomap_file_io_class, copied_file_range
  ...events('DEFINE_EVENT', [
    'fuse_iomap_cache_invalidate_range',
    'fuse_iomap_truncate_up',
    'fuse_iomap_truncate_down',
    'fuse_iomap_punch_range',
    'fuse_iomap_setsize',
    'fuse_iomap_flush_unmap_range',
    'fuse_iomap_direct_read',
    'fuse_iomap_direct_write',
    'fuse_iomap_buffered_read',
    'fuse_iomap_buffered_write',
    'fuse_iomap_write_zero_eof',
    'fuse_iomap_copied_file_range',
  ], `${INODE_FMT}${rangeFmt()}`, [...INODE_ARGS, ...RANGE_ARGS]),
  // fuse_iomap_file_ioend_class
  ...events('DEFINE_EVENT', ['fuse_iomap_direct_read_end', 'fuse_iomap_direct_write_end', 'fuse_iomap_buffered_read_end', 'fuse_iomap_buffered_write_end'], `${INODE_FMT}${rangeFmt()} ret 0x%zx`, [
    ...INODE_ARGS,
    ...RANGE_ARGS,
    ['ret'],
  ]),
  // fuse_iomap_mapping_class
  ...events('DEFINE_EVENT', ['fuse_iomap_read_map', 'fuse_iomap_write_map'], `${INODE_FMT}${mapFmt()}`, [...INODE_ARGS, ...mapArgs('map')]),
  ...events('TRACE_EVENT', ['fuse_iomap_open_truncate'], INODE_FMT, INODE_ARGS),
];
