// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streaming reader of ftrace text: splits any byte stream into lines in
 * constant memory (a line longer than maxLine is reported, not kept),
 * parses each, and yields events, lost-event markers and problems with
 * FILE:LINE. Counts what it saw; never throws on bad input.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
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

/** Lines of a byte stream, without their newline, in constant memory. */
export async function* splitLines(source: AsyncIterable<Buffer | string>, onBytes?: (n: number) => void, maxLine = MAX_LINE): AsyncGenerator<string | { tooLong: number }> {
  let carry: Buffer[] = [];
  let carryLen = 0;
  let dropping = 0; // bytes of an over-long line being skipped
  for await (const chunk0 of source) {
    const chunk = typeof chunk0 === 'string' ? Buffer.from(chunk0) : chunk0;
    onBytes?.(chunk.length);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (dropping) {
        yield { tooLong: dropping + nl - start };
        dropping = 0;
      } else if (carryLen + nl - start > maxLine) {
        yield { tooLong: carryLen + nl - start };
      } else {
        const piece = chunk.subarray(start, nl);
        const whole = carryLen ? Buffer.concat([...carry, piece]) : piece;
        let end = whole.length;
        if (end && whole[end - 1] === 13) end--;
        yield whole.toString('utf8', 0, end);
      }
      carry = [];
      carryLen = 0;
      start = nl + 1;
    }
    const rest = chunk.length - start;
    if (rest > 0) {
      if (dropping || carryLen + rest > maxLine) {
        dropping += carryLen + rest;
        carry = [];
        carryLen = 0;
      } else {
        carry.push(Buffer.from(chunk.subarray(start)));
        carryLen += rest;
      }
    }
  }
  if (dropping) yield { tooLong: dropping };
  else if (carryLen) yield Buffer.concat(carry).toString('utf8');
}

/** Parse a stream of ftrace text into events, lost markers and problems. */
export async function* parseTraceStream(source: AsyncIterable<Buffer | string>, file: string, stats: ParseStats = newStats()): AsyncGenerator<TraceItem> {
  let n = 0;
  for await (const text of splitLines(source, (b) => (stats.bytes += b))) {
    n++;
    stats.lines = n;
    if (typeof text !== 'string') {
      stats.problems++;
      yield { kind: 'problem', problem: { file, line: n, why: `line of ${text.tooLong} bytes is longer than ${MAX_LINE}` } };
      continue;
    }
    const r = parseLine(text, n);
    switch (r.kind) {
      case 'event':
        stats.events++;
        stats.perEvent.set(r.event.name, (stats.perEvent.get(r.event.name) ?? 0) + 1);
        yield r;
        break;
      case 'lost':
        stats.lostMarkers++;
        stats.lostEvents += r.count ?? 0;
        yield { kind: 'lost', cpu: r.cpu, count: r.count, line: n };
        break;
      case 'skip':
        if (r.unknownEvent) stats.unknownEvents.set(r.unknownEvent, (stats.unknownEvents.get(r.unknownEvent) ?? 0) + 1);
        break;
      case 'error':
        stats.problems++;
        yield { kind: 'problem', problem: { file, line: n, why: r.why } };
        break;
    }
  }
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
