// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replay a trace file (or any byte stream) in either dialect: the dialect
 * is the first event's unless given. Streams; memory stays bounded by the
 * model's state, not by the trace's length.
 */
import type { Readable } from 'node:stream';
import type { TraceEvent } from '../parse/line.js';
import { type ParseStats, type TraceItem, type TraceProblem, newStats, parseTraceBatches } from '../parse/stream.js';
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
  const drive = new Drive(stats, opts);
  for await (const batch of parseTraceBatches(source as AsyncIterable<Buffer>, file, stats, format)) for (let i = 0; i < batch.length; i++) drive.item(batch[i]);
  return drive.finish();
}

/** Replay already decoded items (text parser or the native reader); stats.bytes drives progress. */
export async function replayItems(items: AsyncIterable<TraceItem>, stats: ParseStats, opts: ReplayOptions = {}): Promise<ReplayReport & { stats: ParseStats }> {
  const drive = new Drive(stats, opts);
  for await (const it of items) drive.item(it);
  return drive.finish();
}

/** Feeds items to the replayer of the first event's dialect (or the one given). */
class Drive {
  private r: Replayer | null;
  private pendingLost: Array<number | null> = [];
  private problems = 0;
  private n = 0;

  constructor(
    private readonly stats: ParseStats,
    private readonly opts: ReplayOptions,
  ) {
    this.r = opts.dialect ? newReplayer(opts.dialect, opts) : null;
  }

  item(it: TraceItem): void {
    if (it.kind === 'problem') {
      this.problems++;
      this.opts.onProblem?.(it.problem);
      return;
    }
    if (it.kind === 'lost') {
      if (this.r) this.r.lost(it.count);
      else this.pendingLost.push(it.count);
      return;
    }
    let r = this.r;
    if (!r) {
      r = this.r = newReplayer(it.event.dialect, this.opts);
      for (const c of this.pendingLost) r.lost(c);
      this.pendingLost = [];
    }
    r.feed(it.event);
    if (this.opts.onProgress && (++this.n & 0xffff) === 0) this.opts.onProgress(this.stats.bytes, this.n);
  }

  finish(): ReplayReport & { stats: ParseStats } {
    let r = this.r;
    if (!r) {
      r = newReplayer(this.opts.dialect ?? 'fuse', this.opts);
      for (const c of this.pendingLost) r.lost(c);
    }
    r.problems = this.problems;
    return { ...r.finish(), stats: this.stats };
  }
}
