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
import { scanLine } from './fast-line.js';
import { NameCounts } from './name-counts.js';
import { type TraceEvent, parseLine } from './line.js';
import { LineSplitter, type LineSink, MAX_LINE } from './split.js';

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
  const splitter = new LineSplitter();
  let items: TraceItem[] = [];
  // events per name counted here and added to stats.perEvent once per chunk
  const perName = new NameCounts();
  const sink: LineSink = {
    line(text, start, end, clean) {
      n++;
      const r = (clean && scanLine(text, clean, start, end, n, format)) || parseLine(text.slice(start, end), n, format);
      switch (r.kind) {
        case 'event':
          stats.events++;
          perName.add(r.event.name);
          items.push(r);
          break;
        case 'lost':
          stats.lostMarkers++;
          stats.lostEvents += r.count ?? 0;
          items.push({ kind: 'lost', cpu: r.cpu, count: r.count, line: n });
          break;
        case 'skip':
          if (r.unknownEvent) {
            const c = stats.unknownEvents.get(r.unknownEvent);
            stats.unknownEvents.set(c === undefined ? detach(r.unknownEvent) : r.unknownEvent, (c ?? 0) + 1);
          }
          break;
        case 'error':
          stats.problems++;
          items.push({ kind: 'problem', problem: { file, line: n, why: detach(r.why) } });
          break;
      }
    },
    tooLong(bytes) {
      n++;
      stats.problems++;
      items.push({ kind: 'problem', problem: { file, line: n, why: `line of ${bytes} bytes is longer than ${MAX_LINE}` } });
    },
  };
  for await (const chunk0 of source) {
    const chunk = typeof chunk0 === 'string' ? Buffer.from(chunk0) : chunk0;
    stats.bytes += chunk.length;
    splitter.scan(chunk, sink);
    stats.lines = n;
    perName.flushInto(stats.perEvent);
    if (items.length) {
      yield items;
      items = [];
    }
  }
  splitter.finish(sink);
  stats.lines = n;
  perName.flushInto(stats.perEvent);
  if (items.length) yield items;
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

/** A file (or '-' for stdin) as a byte stream, with its size when known. */
export function openTrace(file: string): { stream: Readable; size: number | null } {
  if (file === '-') return { stream: process.stdin, size: null };
  let size: number | null = null;
  try {
    const st = statSync(file);
    if (st.isFile()) size = st.size;
  } catch {
    size = null;
  }
  return { stream: createReadStream(file, { highWaterMark: 1 << 16 }), size };
}
