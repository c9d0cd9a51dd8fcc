// SPDX-License-Identifier: GPL-2.0-only
/*
 * TP_printk text of the fuse iomap cache tracepoints (seed 001 fuse_trace.h;
 * ../shared/spec/TRACE_FORMATS.md; v7: src/trace/schema/fuse-v7-events.ts),
 * from the structured events the cache fires, plus the ftrace line prefix
 * trace_pipe adds.
 */
import { IEXT_STATE_NAMES, IOMAP_FLAG_NAMES, IOMAP_TYPE_NAMES, LOCK_NAMES, forkName } from '../cache/constants.js';
import type { CacheEvent, RevisionEvent } from '../cache/events.js';
import type { Mapping } from '../iext/record.js';
import { printFlags, printSymbolic } from './print-flags.js';
import type { FuseTraceFormat } from './revision.js';
import { V7_TABLES } from './schema/tables.js';

const hex = (x: bigint): string => '0x' + BigInt.asUintN(64, x).toString(16);
const type = (t: number): string => printSymbolic(t, IOMAP_TYPE_NAMES);
const mapflags = (f: number): string => printFlags(f, IOMAP_FLAG_NAMES);
const state = (s: number): string => printFlags(s, IEXT_STATE_NAMES);

/**
 * %p of a leaf: like the kernel's hashed pointer, one stable 16-digit value
 * per memory block (the model's allocation serial, scrambled); NULL is zeros.
 */
export function hashedPointer(serial: number): string {
  if (serial === 0) return '0'.repeat(16);
  return ((BigInt(serial) * 0x9e3779b1n) & 0xffff_ffffn).toString(16).padStart(16, '0');
}

/** %pS of the caller: the fixtures' placeholder symbol. */
export const CALLER_PLACEHOLDER = 'fuse_iomap_cache+0x0/0x0';

/**
 * The TP_printk body of one event in the texts of `format`; null for an
 * event that revision does not have (v7 has no lock tracepoints).
 */
export function formatFuseEventAs(ev: CacheEvent, format: FuseTraceFormat, caller = CALLER_PLACEHOLDER): string | null {
  return format === 'v7' ? formatV7Event(ev, caller) : formatFuseEvent(ev, caller);
}

/** The TP_printk body of one event in rfc-v3's texts (seed 001), which has them all. */
export function formatFuseEvent(ev: CacheEvent, caller = CALLER_PLACEHOLDER): string {
  const ids = `connection ${ev.inode.connection} ino ${ev.inode.ino}`;
  const full = `${ids} nodeid ${ev.inode.nodeid} isize ${hex(ev.isize)}`;
  const mapTail = (m: Mapping) => `offset ${hex(m.offset)} length ${hex(m.length)} type ${type(m.type)} mapflags (${mapflags(m.flags)}) dev ${m.dev} addr ${hex(m.addr)}`;
  switch (ev.name) {
    case 'fuse_iomap_cache_lock':
    case 'fuse_iomap_cache_unlock':
      return `${full} lock (${printFlags(ev.lockFlags, LOCK_NAMES)}) caller ${caller}`;
    case 'fuse_iext_insert':
    case 'fuse_iext_remove':
    case 'fuse_iext_pre_update':
    case 'fuse_iext_post_update': {
      const r = ev.rec;
      return (
        `${ids} state (${state(ev.state)}) cur ${hashedPointer(ev.leafAddr)}/${ev.pos} ` +
        `offset ${hex(r.offset)} addr ${hex(r.addr)} length ${hex(r.length)} type ${type(r.type)} mapflags (${mapflags(r.flags)}) dev ${r.dev} caller ${caller}`
      );
    }
    case 'fuse_iext_add_mapping':
    case 'fuse_iext_del_mapping':
      return `${full} state (${state(ev.state)}) ${mapTail(ev.map)}`;
    case 'fuse_iext_add_mapping_left':
    case 'fuse_iext_add_mapping_right':
    case 'fuse_iext_del_mapping_got':
      return `${ids} nodeid ${ev.inode.nodeid} ${mapTail(ev.map)}`;
    case 'fuse_iomap_cache_remove':
      return `${full} whichfork ${forkName(ev.fork)} offset ${hex(ev.offset)} length ${hex(ev.length)} caller ${caller}`;
    case 'fuse_iomap_cache_add':
    case 'fuse_iext_check_mapping':
      return `${full} whichfork ${forkName(ev.fork)} ${mapTail(ev.map)} caller ${caller}`;
    case 'fuse_iomap_cache_lookup':
      return `${full} whichfork ${forkName(ev.fork)} pos ${hex(ev.pos)} count ${hex(ev.count)} caller ${caller}`;
    case 'fuse_iomap_cache_lookup_result': {
      const m = ev.map;
      const g = ev.got;
      return (
        `${full} whichfork ${forkName(ev.fork)} pos ${hex(ev.pos)} count ${hex(ev.count)} ` +
        `map offset ${hex(m.offset)} length ${hex(m.length)} type ${type(m.type)} mapflags (${mapflags(m.flags)}) dev ${m.dev} addr ${hex(m.addr)} ` +
        `got offset ${hex(g.offset)} length ${hex(g.length)} addr ${hex(g.addr)} cookie ${hex(ev.cookie)}`
      );
    }
    case 'fuse_iomap_cache_invalidate_range':
      return `${full} pos ${hex(ev.offset)} bytecount ${hex(ev.length)}`;
  }
}

const v7type = (t: number): string => printSymbolic(t, V7_TABLES.FUSE_IOMAP_TYPE_STRINGS);
const v7flags = (f: number): string => printFlags(f, V7_TABLES.FUSE_IOMAP_F_STRINGS);
const v7state = (s: number): string => printFlags(s, V7_TABLES.FUSE_IEXT_STATE_STRINGS);
/** FUSE_IOMAP_MAP_FMT(prefix) */
const v7map = (m: Mapping, prefix = ''): string =>
  ` ${prefix}offset ${hex(m.offset)} length ${hex(m.length)} type ${v7type(m.type)} dev ${m.dev} addr ${hex(m.addr)} mapflags (${v7flags(m.flags)})`;
/** FUSE_INODE_FMT */
const v7inode = (ev: { inode: CacheEvent['inode']; isize: bigint }): string =>
  `connection ${ev.inode.connection} ino ${ev.inode.ino} nodeid ${ev.inode.nodeid} isize ${hex(ev.isize)}`;
/** FUSE_FILE_RANGE_FMT() */
const v7range = (pos: bigint, length: bigint): string => ` pos ${hex(pos)} length ${hex(length)}`;

/** The v7 text (fuse_trace.h of the v7 posting); null for the lock events v7 dropped. */
export function formatV7Event(ev: CacheEvent, caller = CALLER_PLACEHOLDER): string | null {
  const head = v7inode(ev);
  switch (ev.name) {
    case 'fuse_iomap_cache_lock':
    case 'fuse_iomap_cache_unlock':
      return null;
    case 'fuse_iext_insert':
    case 'fuse_iext_remove':
    case 'fuse_iext_pre_update':
    case 'fuse_iext_post_update':
      // two spaces after the cursor: the format's own, then FUSE_IOMAP_MAP_FMT's
      return `${head} state (${v7state(ev.state)}) cur ${hashedPointer(ev.leafAddr)}/${ev.pos} ${v7map(ev.rec)} caller ${caller}`;
    case 'fuse_iext_add_mapping':
    case 'fuse_iext_del_mapping':
      return `${head} state (${v7state(ev.state)})${v7map(ev.map)}`;
    case 'fuse_iext_add_mapping_left':
    case 'fuse_iext_add_mapping_right':
    case 'fuse_iext_del_mapping_got':
      return `${head}${v7map(ev.map)}`;
    case 'fuse_iomap_cache_remove':
      return `${head}${v7range(ev.offset, ev.length)} iodir ${forkName(ev.fork)} caller ${caller}`;
    case 'fuse_iomap_cache_add':
    case 'fuse_iext_check_mapping':
      return `${head} iodir ${forkName(ev.fork)}${v7map(ev.map)} caller ${caller}`;
    case 'fuse_iomap_cache_lookup':
      return `${head}${v7range(ev.pos, ev.count)} iodir ${forkName(ev.fork)} caller ${caller}`;
    case 'fuse_iomap_cache_lookup_result':
      return `${head}${v7range(ev.pos, ev.count)} iodir ${forkName(ev.fork)}${v7map(ev.map, 'map')}${v7map(ev.got, 'got')} cookie ${hex(ev.cookie)}`;
    case 'fuse_iomap_cache_invalidate_range':
      return `${head}${v7range(ev.offset, ev.length)}`;
  }
}

/** FUSE_I_IOMAP (bit 6 in v7): every inode with a mapping cache is an iomap inode. */
const V7_INODE_STATE = 0x40;

/**
 * The text of a revision-only event in `format`; null when that revision
 * has no such tracepoint. fuse_iomap_cache_cleanup never assigns its pos and
 * length (they print ring-buffer leftovers): the model prints 0 and the
 * replay does not compare them. The inode state the state class prints is
 * not modelled beyond FUSE_I_IOMAP (v7) / FUSE_I_IOMAP_CACHE (rfc-v3).
 */
export function formatRevisionEvent(ev: RevisionEvent, format: FuseTraceFormat = 'rfc-v3'): string | null {
  const head = v7inode(ev);
  switch (ev.name) {
    case 'fuse_iomap_cache_cleanup':
      return format === 'v7' ? `${head}${v7range(0n, 0n)} iodir ${forkName(ev.fork)} bytes ${hex(ev.bytes)}` : null;
    case 'fuse_iomap_cache_alloc':
    case 'fuse_iomap_cache_free':
      return format === 'v7' ? `${head} state (${printFlags(V7_INODE_STATE, V7_TABLES.FUSE_IFLAG_STRINGS)})` : null;
    case 'fuse_iomap_cache_enable':
      // rfc-v3 fuse_inode_state_class, FUSE_I_IOMAP_CACHE (bit 8) just set
      return format === 'rfc-v3' ? `${head} state (iomap_cache)` : null;
  }
}

/** trace_pipe's line prefix: comm-pid [cpu] flags timestamp. */
export function ftracePrefix(comm: string, pid: number, cpu: number, micros: number): string {
  const secs = Math.floor(micros / 1e6);
  const usec = String(micros % 1e6).padStart(6, '0');
  return `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ..... ${`${secs}.${usec}`.padStart(14)}: `;
}

/** Writes events as trace_pipe lines with a steady clock, like the fixtures. */
export class FtraceTextWriter {
  private micros: number;
  constructor(
    private readonly write: (line: string) => void,
    private readonly comm = 'fuse2fs',
    private readonly pid = 4242,
    startMicros = 100_000_000,
    /** whose texts to print; events the revision does not have are left out */
    private readonly format: FuseTraceFormat = 'rfc-v3',
  ) {
    this.micros = startMicros;
  }

  event(ev: CacheEvent): void {
    const body = formatFuseEventAs(ev, this.format);
    if (body !== null) this.line(ev.name, body);
  }

  revisionEvent(ev: RevisionEvent): void {
    const body = formatRevisionEvent(ev, this.format);
    if (body !== null) this.line(ev.name, body);
  }

  /** One event already formatted (the kernel consumers' and notification layer's events). */
  line(name: string, body: string): void {
    this.micros++;
    this.write(`${ftracePrefix(this.comm, this.pid, 0, this.micros)}${name}: ${body}\n`);
  }
}
