// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replay a trace file (or any byte stream) in either dialect: the dialect
 * is the first event's unless given. Streams; memory stays bounded by the
 * model's state, not by the trace's length.
 */
import type { Readable } from 'node:stream';
import type { EventBatch } from '../parse/batch.js';
import type { TraceEvent } from '../parse/line.js';
import { type ParseStats, type TraceItem, type TraceProblem, newStats, parseTraceColumns } from '../parse/stream.js';
import { parseTraceColumnsThreaded } from '../parse/threaded.js';
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
  /**
   * parse in a worker thread (parse/threaded.ts) while this one replays:
   * the same results, about the larger of the two costs instead of their
   * sum on two cores; worth its start-up (tens of ms) on long traces only.
   * Needs the compiled build (dist/).
   */
  parseThread?: boolean;
  /**
   * xfs: a sequence value XFS reads without the ilock may be one the model
   * held up to this many µs before the read, or one a mutation makes that
   * may have begun up to this many µs after it (default 100; docs/trace.md)
   */
  raceWindowMicros?: number;
}

export interface Replayer {
  feed(ev: TraceEvent): void;
  /** feed(b.event(r)) without making the event where the replayer can read the row's columns */
  feedRow(b: EventBatch, r: number): void;
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
  return new XfsReplay({ context: opts.context, raceWindowMicros: opts.raceWindowMicros });
}

export async function replayStream(source: AsyncIterable<Buffer | string> | Readable, file: string, opts: ReplayOptions = {}): Promise<ReplayReport & { stats: ParseStats }> {
  const stats = newStats();
  // the fuse texts are parsed as the revision prints them
  const format = traceFormatOf(opts.revision ?? DEFAULT_REVISION);
  const drive = new Drive(stats, opts);
  // the columns (parse/batch.ts): the replayers read a row's fields without an event object
  const batches = opts.parseThread ? parseTraceColumnsThreaded : parseTraceColumns;
  for await (const batch of batches(source as AsyncIterable<Buffer>, file, stats, format)) drive.batch(batch);
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

  /** Every row of a batch, in order: column rows to feedRow, the others as items. */
  batch(b: EventBatch): void {
    for (let i = 0; i < b.length; i++) {
      const schema = b.schema[i];
      if (schema === null) {
        this.item(b.item[i]!);
        continue;
      }
      let r = this.r;
      if (!r) r = this.start(schema.dialect);
      r.feedRow(b, i);
      if (this.opts.onProgress && (++this.n & 0xffff) === 0) this.opts.onProgress(this.stats.bytes, this.n);
    }
  }

  /** The replayer of the first event's dialect, the lost markers before it given to it. */
  private start(dialect: Dialect): Replayer {
    const r = (this.r = newReplayer(dialect, this.opts));
    for (const c of this.pendingLost) r.lost(c);
    this.pendingLost = [];
    return r;
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
    if (!r) r = this.start(it.event.dialect);
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
