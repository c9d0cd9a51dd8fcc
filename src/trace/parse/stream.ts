// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streaming reader of ftrace text: splits any byte stream into lines in
 * constant memory (a line longer than maxLine is reported, not kept),
 * parses each, and yields events, lost-event markers and problems with
 * FILE:LINE. Counts what it saw; never throws on bad input.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FuseTraceFormat } from '../revision.js';
import { type TraceEvent, parseLine } from './line.js';

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

export const MAX_LINE = 64 * 1024;

export type SplitLine = string | { tooLong: number };

/** Splits byte chunks into lines (no newline, CR dropped) in constant memory. */
/** A line's text without the CR of a CRLF ending. */
function withoutCr(line: Buffer): string {
  const end = line.length && line[line.length - 1] === 13 ? line.length - 1 : line.length;
  return line.toString('utf8', 0, end);
}

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private dropping = 0; // bytes of an over-long line being skipped

  constructor(private readonly maxLine = MAX_LINE) {}

  /** The lines this chunk completes, in order. */
  push(chunk: Buffer, out: SplitLine[] = []): SplitLine[] {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (this.dropping) {
        out.push({ tooLong: this.dropping + nl - start });
        this.dropping = 0;
      } else if (this.carryLen + nl - start > this.maxLine) {
        out.push({ tooLong: this.carryLen + nl - start });
      } else {
        const piece = chunk.subarray(start, nl);
        out.push(withoutCr(this.carryLen ? Buffer.concat([...this.carry, piece]) : piece));
      }
      this.carry = [];
      this.carryLen = 0;
      start = nl + 1;
    }
    const rest = chunk.length - start;
    if (rest > 0) {
      if (this.dropping || this.carryLen + rest > this.maxLine) {
        this.dropping += this.carryLen + rest;
        this.carry = [];
        this.carryLen = 0;
      } else {
        this.carry.push(Buffer.from(chunk.subarray(start)));
        this.carryLen += rest;
      }
    }
    return out;
  }

  /** The unterminated last line, if any. */
  end(): SplitLine | null {
    if (this.dropping) return { tooLong: this.dropping };
    if (this.carryLen) return withoutCr(Buffer.concat(this.carry));
    return null;
  }
}

/** Lines of a byte stream, without their newline, in constant memory. */
export async function* splitLines(source: AsyncIterable<Buffer | string>, onBytes?: (n: number) => void, maxLine = MAX_LINE): AsyncGenerator<SplitLine> {
  const splitter = new LineSplitter(maxLine);
  for await (const chunk0 of source) {
    const chunk = typeof chunk0 === 'string' ? Buffer.from(chunk0) : chunk0;
    onBytes?.(chunk.length);
    yield* splitter.push(chunk);
  }
  const last = splitter.end();
  if (last !== null) yield last;
}

/** Parse a stream of ftrace text into events, lost markers and problems. */
export async function* parseTraceStream(
  source: AsyncIterable<Buffer | string>,
  file: string,
  stats: ParseStats = newStats(),
  format: FuseTraceFormat = 'rfc-v3',
): AsyncGenerator<TraceItem> {
  let n = 0;
  const splitter = new LineSplitter();
  const lines: SplitLine[] = [];
  const items: TraceItem[] = [];
  // whole chunks are split and parsed synchronously; only the items are yielded
  const parseAll = (batch: SplitLine[]) => {
    for (const text of batch) {
      n++;
      if (typeof text !== 'string') {
        stats.problems++;
        items.push({ kind: 'problem', problem: { file, line: n, why: `line of ${text.tooLong} bytes is longer than ${MAX_LINE}` } });
        continue;
      }
      const r = parseLine(text, n, format);
      switch (r.kind) {
        case 'event':
          stats.events++;
          stats.perEvent.set(r.event.name, (stats.perEvent.get(r.event.name) ?? 0) + 1);
          items.push(r);
          break;
        case 'lost':
          stats.lostMarkers++;
          stats.lostEvents += r.count ?? 0;
          items.push({ kind: 'lost', cpu: r.cpu, count: r.count, line: n });
          break;
        case 'skip':
          if (r.unknownEvent) stats.unknownEvents.set(r.unknownEvent, (stats.unknownEvents.get(r.unknownEvent) ?? 0) + 1);
          break;
        case 'error':
          stats.problems++;
          items.push({ kind: 'problem', problem: { file, line: n, why: r.why } });
          break;
      }
    }
    stats.lines = n;
    batch.length = 0;
  };
  for await (const chunk0 of source) {
    const chunk = typeof chunk0 === 'string' ? Buffer.from(chunk0) : chunk0;
    stats.bytes += chunk.length;
    parseAll(splitter.push(chunk, lines));
    yield* items;
    items.length = 0;
  }
  const last = splitter.end();
  if (last !== null) parseAll([last]);
  yield* items;
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
