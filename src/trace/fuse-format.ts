// SPDX-License-Identifier: GPL-2.0-only
/*
 * TP_printk text of the fuse iomap cache tracepoints (seed 001 fuse_trace.h;
 * ../shared/spec/TRACE_FORMATS.md), from the structured events the cache
 * fires, plus the ftrace line prefix trace_pipe adds.
 */
import { IEXT_STATE_NAMES, IOMAP_FLAG_NAMES, IOMAP_TYPE_NAMES, LOCK_NAMES, forkName } from '../cache/constants.js';
import type { CacheEvent } from '../cache/events.js';
import type { Mapping } from '../iext/record.js';
import { printFlags, printSymbolic } from './print-flags.js';

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

/** The TP_printk body of one event. */
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
  ) {
    this.micros = startMicros;
  }

  event(ev: CacheEvent): void {
    this.micros++;
    this.write(`${ftracePrefix(this.comm, this.pid, 0, this.micros)}${ev.name}: ${formatFuseEvent(ev)}\n`);
  }
}
