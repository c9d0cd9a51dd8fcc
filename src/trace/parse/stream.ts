// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streaming reader of ftrace text: splits any byte stream into lines in
 * constant memory (split.ts; a line longer than MAX_LINE is reported, not
 * kept), parses each, and yields events, lost-event markers and problems
 * with FILE:LINE. Counts what it saw; never throws on bad input.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FuseTraceFormat } from '../revision.js';
import { detach } from './detach.js';
import { EventBatch } from './batch.js';
import { scanLine, scanLineInto } from './fast-line.js';
import { NameCounts } from './name-counts.js';
import { type LineResult, type TraceEvent, parseLine } from './line.js';
import { LineSplitter, type LineSink, MAX_LINE, textOf } from './split.js';

export interface TraceProblem {
  file: string;
  line: number;
  why: string;
}

export type TraceItem = { kind: 'event'; event: TraceEvent } | { kind: 'lost'; cpu: number; count: number | null; line: number } | { kind: 'problem'; problem: TraceProblem };

export interface ParseStats {
  lines: number;
  events: number;
  /** events per tracepoint name */
  perEvent: Map<string, number>;
  /** lines of tracepoints without a schema, per name */
  unknownEvents: Map<string, number>;
  problems: number;
  lostMarkers: number;
  /** sum of the counts the markers give (markers without a count add 0) */
  lostEvents: number;
  bytes: number;
}

export const newStats = (): ParseStats => ({ lines: 0, events: 0, perEvent: new Map(), unknownEvents: new Map(), problems: 0, lostMarkers: 0, lostEvents: 0, bytes: 0 });

export { LineSplitter, MAX_LINE, type SplitLine, splitLines } from './split.js';

/**
 * Parse a stream of ftrace text into batches of items: one array per
 * chunk read (lines split and parsed synchronously), so a consumer pays
 * one await per chunk, not per line. Each line goes through scanLine (no
 * regex) and, where that cannot decide, through parseLine.
 */
export async function* parseTraceBatches(
  source: AsyncIterable<Buffer | string>,
  file: string,
  stats: ParseStats = newStats(),
  format: FuseTraceFormat = 'rfc-v3',
): AsyncGenerator<TraceItem[]> {
  let n = 0;
  let items: TraceItem[] = [];
  // events per name counted here and added to stats.perEvent once per chunk
  const perName = new NameCounts();
  const sink: LineSink = {
    line(text0, start, end, clean) {
      n++;
      // the events keep strings (comm, raw...): the chunk's text decoded once
      const text = textOf(text0);
      const item = itemOf((clean && scanLine(text, clean, start, end, n, format)) || parseLine(text.slice(start, end), n, format), n, file, stats, perName);
      if (item !== null) items.push(item);
    },
    tooLong(bytes) {
      items.push(tooLong(++n, bytes, file, stats));
    },
  };
  for await (const _ of splitChunks(source, sink, stats, perName, () => n)) {
    if (items.length) {
      yield items;
      items = [];
    }
  }
}

/**
 * parseTraceBatches in columns (batch.ts): the same items in the same
 * order and the same stats, a chunk's events as rows of one EventBatch
 * (reused: read it before asking for the next), the lines scanLine cannot
 * read as their parseLine items. batch.itemAt(r) is parseTraceBatches's
 * item (test/trace-columns.test.ts).
 */
export async function* parseTraceColumns(
  source: AsyncIterable<Buffer | string>,
  file: string,
  stats: ParseStats = newStats(),
  format: FuseTraceFormat = 'rfc-v3',
): AsyncGenerator<EventBatch> {
  let n = 0;
  const batch = new EventBatch(format);
  const perName = new NameCounts();
  const sink: LineSink = {
    line(text, start, end, clean) {
      n++;
      if (clean) {
        const r = scanLineInto(text, clean, start, end, n, format, batch);
        if (r > 0) {
          stats.events++;
          perName.addSchema(batch.schema[batch.length - 1]!);
          return;
        }
        if (r === 0) return;
      }
      const item = itemOf(parseLine(text.slice(start, end), n, format), n, file, stats, perName);
      if (item !== null) batch.addItem(item);
    },
    tooLong(bytes) {
      batch.addItem(tooLong(++n, bytes, file, stats));
    },
  };
  for await (const _ of splitChunks(source, sink, stats, perName, () => n)) {
    if (batch.length) {
      yield batch;
      batch.reset();
    }
  }
}

/**
 * Feeds every chunk of source through a LineSplitter into sink, keeping
 * stats.bytes, stats.lines (lines() after each chunk) and the per-name
 * counts; yields after each chunk and once more after the last line, where
 * the caller hands out what its sink collected.
 */
async function* splitChunks(source: AsyncIterable<Buffer | string>, sink: LineSink, stats: ParseStats, perName: NameCounts, lines: () => number): AsyncGenerator<void> {
  const splitter = new LineSplitter();
  for await (const chunk0 of source) {
    const chunk = typeof chunk0 === 'string' ? Buffer.from(chunk0) : chunk0;
    stats.bytes += chunk.length;
    splitter.scan(chunk, sink);
    stats.lines = lines();
    perName.flushInto(stats.perEvent);
    yield;
  }
  splitter.finish(sink);
  stats.lines = lines();
  perName.flushInto(stats.perEvent);
  yield;
}

/** The item of line n's result (null for a line to skip), counted in stats. */
function itemOf(r: LineResult, n: number, file: string, stats: ParseStats, perName: NameCounts): TraceItem | null {
  switch (r.kind) {
    case 'event':
      stats.events++;
      perName.add(r.event.name);
      return r;
    case 'lost':
      stats.lostMarkers++;
      stats.lostEvents += r.count ?? 0;
      return { kind: 'lost', cpu: r.cpu, count: r.count, line: n };
    case 'skip':
      if (r.unknownEvent) {
        const c = stats.unknownEvents.get(r.unknownEvent);
        stats.unknownEvents.set(c === undefined ? detach(r.unknownEvent) : r.unknownEvent, (c ?? 0) + 1);
      }
      return null;
    case 'error':
      stats.problems++;
      return { kind: 'problem', problem: { file, line: n, why: detach(r.why) } };
  }
}

function tooLong(n: number, bytes: number, file: string, stats: ParseStats): TraceItem {
  stats.problems++;
  return { kind: 'problem', problem: { file, line: n, why: `line of ${bytes} bytes is longer than ${MAX_LINE}` } };
}

/** Parse a stream of ftrace text into events, lost markers and problems, one at a time. */
export async function* parseTraceStream(
  source: AsyncIterable<Buffer | string>,
  file: string,
  stats: ParseStats = newStats(),
  format: FuseTraceFormat = 'rfc-v3',
): AsyncGenerator<TraceItem> {
  for await (const batch of parseTraceBatches(source, file, stats, format)) yield* batch;
}

export function formatProblem(p: TraceProblem): string {
  return `${p.file}:${p.line}: ${p.why}`;
}

/** The size of a regular file, null for anything else (stdin, a pipe, a missing file). */
function traceFileSize(file: string): number | null {
  if (file === '-') return null;
  try {
    const st = statSync(file);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

/** A file (or '-' for stdin) as a byte stream read chunkBytes at a time, with its size when known. */
export function openTrace(file: string, chunkBytes = 1 << 16): { stream: Readable; size: number | null } {
  if (file === '-') return { stream: process.stdin, size: null };
  return { stream: createReadStream(file, { highWaterMark: chunkBytes }), size: traceFileSize(file) };
}
