// SPDX-License-Identifier: GPL-2.0-only
/*
 * A captured trace as a workload: each ->iomap_begin the kernel logged
 * becomes one application request, in trace order, on the file of its
 * inode. fuse traces: fuse_iomap_begin (pos, count, opflags: WRITE/ZERO/
 * UNSHARE write, DIRECT direct, REPORT skipped: fiemap/seek ask for no
 * I/O). xfs traces (live sessions): xfs_iomap_found / xfs_iomap_alloc
 * (pos, bytecount); XFS logs them on its write and direct-write begin
 * paths only, so they become buffered writes (COW-fork ones too).
 * Everything else in the trace (the cache's own iext events) is what the
 * simulator recomputes, so it is not read.
 */
import type { Readable } from 'node:stream';
import { type ParseStats, parseTraceStream, newStats, formatProblem } from '../../trace/parse/stream.js';
import type { Op, Workload } from './types.js';

const OP_WRITE = 0x1n;
const OP_ZERO = 0x2n;
const OP_REPORT = 0x4n;
const OP_DIRECT = 0x10n;
const OP_UNSHARE = 0x80n;

/** A trace that cannot become a workload (no iomap_begin events, or unreadable). */
export class TraceWorkloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceWorkloadError';
  }
}

export interface TraceWorkload {
  workload: Workload;
  stats: ParseStats;
  /** events turned into requests */
  requests: number;
}

const num = (v: bigint | string | undefined, what: string, line: number): number => {
  if (typeof v !== 'bigint') throw new TraceWorkloadError(`line ${line}: ${what} missing`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TraceWorkloadError(`line ${line}: ${what} 0x${v.toString(16)} is beyond what the simulator's files hold (2^53)`);
  return Number(v);
};

export async function workloadFromTrace(source: Readable | AsyncIterable<Buffer | string>, file: string, name = file.replace(/^.*\//, '')): Promise<TraceWorkload> {
  const stats = newStats();
  const files = new Map<string, number>();
  const sizes: number[] = [];
  const ops: Op[] = [];
  const fileOf = (key: string): number => {
    let f = files.get(key);
    if (f === undefined) {
      files.set(key, (f = files.size));
      sizes.push(0);
    }
    return f;
  };
  let problems = 0;
  let firstProblem = '';
  for await (const item of parseTraceStream(source, file, stats)) {
    if (item.kind === 'problem') {
      if (!problems++) firstProblem = formatProblem(item.problem);
      continue;
    }
    if (item.kind !== 'event') continue;
    const ev = item.event;
    const f = ev.fields;
    let op: Op | undefined;
    if (ev.name === 'fuse_iomap_begin') {
      const flags = typeof f.opflags === 'bigint' ? f.opflags : 0n;
      if (flags & OP_REPORT) continue;
      const file = fileOf(`fuse ${f.connection} ${f.nodeid}`);
      const write = (flags & (OP_WRITE | OP_ZERO | OP_UNSHARE)) !== 0n;
      op = { op: write ? 'write' : 'read', file, off: num(f.pos, 'pos', ev.line), len: num(f.count, 'count', ev.line), direct: (flags & OP_DIRECT) !== 0n };
    } else if (ev.name === 'xfs_iomap_found' || ev.name === 'xfs_iomap_alloc') {
      const file = fileOf(`xfs ${f.dev ?? ''} ${f.ino}`);
      // raw field names of the xfs_iomap_class format file: offset (pos), count (bytecount)
      op = { op: 'write', file, off: num(f.offset, 'pos', ev.line), len: num(f.count, 'bytecount', ev.line), direct: false };
    }
    if (!op || op.op !== 'read' && op.op !== 'write' || op.len === 0) continue;
    ops.push(op);
    if (op.op === 'write') sizes[op.file] = Math.max(sizes[op.file], op.off + op.len);
  }
  if (!ops.length)
    throw new TraceWorkloadError(
      `${file}: no fuse_iomap_begin, xfs_iomap_found or xfs_iomap_alloc events to replay as requests (${stats.events} events read${problems ? `; ${problems} unreadable lines, the first: ${firstProblem}` : ''})`,
    );
  // reads beyond every write seen read a file that existed before the capture: lay it out written
  for (const op of ops) if (op.op === 'read') sizes[op.file] = Math.max(sizes[op.file], op.off + op.len);
  const written = new Set(ops.filter((o) => o.op === 'write').map((o) => (o as { file: number }).file));
  return {
    workload: {
      name,
      files: sizes.map((size, i) => ({ name: `${name}#${i}`, size, layout: written.has(i) ? 'empty' : 'written' })),
      threads: [{ name: 'trace', phase: 0, ops }],
    },
    stats,
    requests: ops.length,
  };
}
