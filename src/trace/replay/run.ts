// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replay a trace file (or any byte stream) in either dialect: the dialect
 * is the first event's unless given. Streams; memory stays bounded by the
 * model's state, not by the trace's length.
 */
import type { Readable } from 'node:stream';
import type { TraceEvent } from '../parse/line.js';
import { type ParseStats, type TraceItem, type TraceProblem, newStats, parseTraceStream } from '../parse/stream.js';
import { DEFAULT_REVISION } from '../../cache/revision.js';
import { traceFormatOf } from '../revision.js';
import type { Dialect } from '../schema/types.js';
import { FuseReplay, type FuseReplayOptions } from './fuse.js';
import type { ReplayReport } from './report.js';
import { XfsReplay } from './xfs.js';

export interface ReplayOptions extends Partial<FuseReplayOptions> {
  dialect?: Dialect;
  /** called for each unreadable line (FILE:LINE: why) */
  onProblem?: (p: TraceProblem) => void;
  /** called now and then with the bytes read so far */
  onProgress?: (bytes: number, events: number) => void;
}

export interface Replayer {
  feed(ev: TraceEvent): void;
  lost(count: number | null): void;
  problems: number;
  finish(): ReplayReport;
}

export function newReplayer(dialect: Dialect, opts: ReplayOptions = {}): Replayer {
  if (dialect === 'fuse')
    return new FuseReplay({
      blockSize: opts.blockSize ?? 4096n,
      maxBytes: opts.maxBytes ?? 0x7fff_ffff_ffff_ffffn,
      context: opts.context,
      revision: opts.revision,
      cacheMaxBytes: opts.cacheMaxBytes,
    });
  return new XfsReplay({ context: opts.context });
}

export async function replayStream(source: AsyncIterable<Buffer | string> | Readable, file: string, opts: ReplayOptions = {}): Promise<ReplayReport & { stats: ParseStats }> {
  const stats = newStats();
  // the fuse texts are parsed as the revision prints them
  const format = traceFormatOf(opts.revision ?? DEFAULT_REVISION);
  return replayItems(parseTraceStream(source as AsyncIterable<Buffer>, file, stats, format), stats, opts);
}

/** Replay already decoded items (text parser or the native reader); stats.bytes drives progress. */
export async function replayItems(items: AsyncIterable<TraceItem>, stats: ParseStats, opts: ReplayOptions = {}): Promise<ReplayReport & { stats: ParseStats }> {
  let r: Replayer | null = opts.dialect ? newReplayer(opts.dialect, opts) : null;
  let pendingLost: Array<number | null> = [];
  let problems = 0;
  let n = 0;
  for await (const it of items) {
    if (it.kind === 'problem') {
      problems++;
      opts.onProblem?.(it.problem);
      continue;
    }
    if (it.kind === 'lost') {
      if (r) r.lost(it.count);
      else pendingLost.push(it.count);
      continue;
    }
    if (!r) {
      r = newReplayer(it.event.dialect, opts);
      for (const c of pendingLost) r.lost(c);
      pendingLost = [];
    }
    r.feed(it.event);
    if (opts.onProgress && (++n & 0xffff) === 0) opts.onProgress(stats.bytes, n);
  }
  if (!r) {
    r = newReplayer(opts.dialect ?? 'fuse', opts);
    for (const c of pendingLost) r.lost(c);
  }
  r.problems = problems;
  return { ...r.finish(), stats };
}
