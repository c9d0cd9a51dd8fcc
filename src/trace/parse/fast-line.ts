// SPDX-License-Identifier: GPL-2.0-only
/*
 * The common ftrace event line read byte by byte instead of with regexes:
 * the prefix (comm-pid [(tgid)] [cpu] [flags] timestamp: event:) scanned
 * the way line.ts's PREFIX regex would match it, the body by the schema's
 * scanner. It answers only for lines it reads completely (an event of a
 * known schema, a comment, an empty line); for anything else (lost-event
 * markers, headers, unknown tracepoints, a body the scanner does not take)
 * it returns null and parseLine, the exact path, decides, so every answer
 * and every error message stays parseLine's. It reads clean text only
 * (parse/split.ts: printable ASCII, spaces and tabs, no line terminator:
 * there \s is a space or a tab and `.` matches every byte).
 */
import type { FuseTraceFormat } from '../revision.js';
import { schemasOf } from '../schema/registry.js';
import { BytesIndex, hashStep } from './bytes-index.js';
import type { EventSchema } from '../schema/types.js';
import type { LineResult } from './line.js';
import type { EventBatch } from './batch.js';
import type { LineText } from './split.js';

/** character classes by byte: one load instead of a chain of ranges */
const WORD = 1;
const FLAG = 2;
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  CLASS[c] = (alnum || c === 95 ? WORD : 0) | (alnum || c === 46 ? FLAG : 0);
}
const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (c: number) => c === 32 || c === 9;
/** \w */
const isWord = (c: number) => (CLASS[c] & WORD) !== 0;
/** the irq-info column's [.a-zA-Z0-9] */
const isFlag = (c: number) => (CLASS[c] & FLAG) !== 0;

/** Where the parts of a prefix are, once scanned. */
interface Prefix {
  pidEnd: number;
  cpuStart: number;
  cpuEnd: number;
  tsStart: number;
  tsEnd: number;
  /** the timestamp in µs where it has the usual form (see timestamp.ts), else NaN */
  micros: number;
  nameStart: number;
  nameEnd: number;
  /** nameHash of the event name's bytes */
  nameHash: number;
}

const skipDigits = (t: Uint8Array, p: number, end: number): number => {
  while (p < end && isDigit(t[p])) p++;
  return p;
};
const skipSpaces = (t: Uint8Array, p: number, end: number): number => {
  while (p < end && isSpace(t[p])) p++;
  return p;
};

/** whether the last prefixAt found the irq-info flags column (then all it read before the timestamp ends before it) */
let hadFlags = false;

/** The prefix after comm, from the '-' at dash; false where PREFIX cannot match from this dash. */
function prefixAt(t: Uint8Array, dash: number, end: number, out: Prefix): boolean {
  let p = skipDigits(t, dash + 1, end);
  if (p === dash + 1) return false;
  out.pidEnd = p;
  let q = skipSpaces(t, p, end);
  if (q === p) return false;
  p = q;
  if (t[p] === 40) {
    // (tgid): \(\s*[\d-]+\)\s+
    p = skipSpaces(t, p + 1, end);
    q = p;
    while (q < end && (isDigit(t[q]) || t[q] === 45)) q++;
    if (q === p || t[q] !== 41) return false;
    p = skipSpaces(t, q + 1, end);
    if (p === q + 1) return false;
  }
  if (t[p] !== 91) return false;
  out.cpuStart = p + 1;
  p = skipDigits(t, p + 1, end);
  if (p === out.cpuStart || t[p] !== 93) return false;
  out.cpuEnd = p;
  q = skipSpaces(t, p + 1, end);
  if (q === p + 1) return false;
  p = q;
  // irq-info flags: 4 or 5 of [.a-zA-Z0-9] then whitespace (a timestamp ends in ':')
  q = p;
  while (q < end && isFlag(t[q])) q++;
  hadFlags = (q - p === 4 || q - p === 5) && q < end && isSpace(t[q]);
  if (hadFlags) p = skipSpaces(t, q, end);
  out.tsStart = p;
  return stampAt(t, p, end, out);
}

/** The rest of a prefix from its timestamp at p: seconds.micros, ':', the event name and its ':'. */
function stampAt(t: Uint8Array, p: number, end: number, out: Prefix): boolean {
  let q: number;
  // seconds.micros read as they are scanned (timestamp.ts: microsOf's usual form)
  let secs = 0;
  for (q = p; q < end && isDigit(t[q]); q++) secs = secs * 10 + (t[q] - 48);
  if (q === p || t[q] !== 46) return false;
  const secDigits = q - p;
  let us = 0;
  for (p = q + 1; p < end && isDigit(t[p]); p++) us = us * 10 + (t[p] - 48);
  if (p === q + 1 || t[p] !== 58) return false;
  out.tsEnd = p;
  out.micros = p - q - 1 === 6 && secDigits <= 15 ? secs * 1e6 + us : NaN;
  q = skipSpaces(t, p + 1, end);
  if (q === p + 1) return false;
  p = q;
  // the name the last schema was followed by last time, where these bytes are it and its ':'
  // (what the loop below would find: a name is \w+): no hash, no lookup
  const guess = guessed;
  if (guess !== undefined && isName(t, p, end, guess)) {
    out.nameStart = p;
    out.nameEnd = p + guess.name.length;
    hit = guess;
    return true;
  }
  hit = undefined;
  let h = 0;
  while (q < end && isWord(t[q])) h = hashStep(h, t[q++]);
  out.nameHash = h;
  if (q === p || t[q] !== 58) return false;
  out.nameStart = p;
  out.nameEnd = q;
  return true;
}

/** A decimal of the prefix (pid, cpu) as Number() of its text gives it. */
function decimal(s: LineText, t: Uint8Array, from: number, to: number): number {
  if (to - from > 15) return Number(s.slice(from, to));
  let n = 0;
  for (let p = from; p < to; p++) n = n * 10 + (t[p] - 48);
  return n;
}

const where: Prefix = { pidEnd: 0, cpuStart: 0, cpuEnd: 0, tsStart: 0, tsEnd: 0, micros: 0, nameStart: 0, nameEnd: 0, nameHash: 0 };

/** A DataView of the last clean bytes scanned (a chunk's: made once per chunk), for the column scanners and sameAsPrev. */
let viewOf: Uint8Array | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));
function viewFor(b: Uint8Array): DataView {
  if (b !== viewOf) {
    viewOf = b;
    view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  return view;
}

/** Per fuse revision: the schemas of both dialects by name, found from the name's bytes. */
const BY_NAME = new Map<FuseTraceFormat, BytesIndex<EventSchema>>();

/** the last format asked for and its index (a trace has one format) */
let lastFormat: FuseTraceFormat | null = null;
let lastIndex: BytesIndex<EventSchema> | undefined;

/** Makes format's index the one schemaAt reads (and forgets the guesses, which are schemas of the last one). */
function useFormat(format: FuseTraceFormat): void {
  let index = BY_NAME.get(format);
  if (!index) {
    index = new BytesIndex();
    for (const schema of schemasOf(format).values()) index.add(schema.name, schema);
    BY_NAME.set(format, index);
  }
  lastFormat = format;
  lastIndex = index;
  following.length = 0;
  guessed = undefined;
  hit = undefined;
}

function schemaAt(t: Uint8Array, from: number, to: number, hash: number): EventSchema | undefined {
  return lastIndex!.get(t, from, to, hash);
}

/*
 * A trace repeats its sequences of events (a cache call, then the events
 * it fires), so the name after an event of schema S is most often the one
 * that came after S last time: following[S.id]. head() tries that guess
 * first (stampAt: the line's bytes compared with the name and its ':',
 * four at a time), and hashes and looks the name up only where it is not
 * the guess. A guess is a hint checked on the bytes: never a wrong schema.
 */
const following: Array<EventSchema | undefined> = [];
/** the guess for the line being read, and the schema it turned out to be (undefined: not the guess) */
let guessed: EventSchema | undefined;
let hit: EventSchema | undefined;
/** each schema's name and ':' as little-endian 32-bit words (the last one padded), by schema id */
const nameWords: Array<Uint32Array | undefined> = [];

function wordsOf(schema: EventSchema): Uint32Array {
  const text = schema.name + ':';
  const w = new Uint32Array((text.length + 3) >> 2);
  for (let i = 0; i < text.length; i++) w[i >> 2] |= text.charCodeAt(i) << ((i & 3) * 8);
  return (nameWords[schema.id] = w);
}

/** Whether t[p..] starts with schema's name and a ':'. */
function isName(t: Uint8Array, p: number, end: number, schema: EventSchema): boolean {
  const n = schema.name.length + 1;
  if (end - p < n) return false;
  const w = nameWords[schema.id] ?? wordsOf(schema);
  const v = viewFor(t);
  const full = n >> 2;
  for (let k = 0; k < full; k++) if (v.getUint32(p + 4 * k, true) !== w[k]) return false;
  // the last 1 to 3 bytes
  let last = w[full];
  for (let i = full * 4; i < n; i++, last >>>= 8) if (t[p + i] !== (last & 255)) return false;
  return true;
}

/** What head() found: an event line of a known schema (its parts in where, dash, body), a line to skip, or one for the exact path. */
const SKIP = 0;
const EVENT = 1;
const EXACT = -1;
let found: EventSchema | undefined;
let commStart = 0;
let dashAt = 0;
let bodyFrom = 0;
let bodyTo = 0;

/*
 * The prefix up to the timestamp of the last line whose prefix may be
 * reused: its bytes and, relative to its start, where its parts are. A line
 * with the same bytes there has the same parts: the first '-' after comm is
 * the same one, and what prefixAt reads before the timestamp (pid, tgid,
 * cpu, the flags column and the blanks after it) is the same text, read the
 * same way; only the timestamp and the name are read again (stampAt), and
 * where they do not read, the whole prefix is scanned as before. Kept only
 * when the dash is the first '-' after comm (no earlier dash to try) and the
 * flags column was there (so nothing before the timestamp was decided by
 * what follows it).
 */
const PREV_MAX = 128;
const prevBytes = new Uint8Array(PREV_MAX);
const prevView = new DataView(prevBytes.buffer);
let prevLen = 0;
let prevComm = 0;
let prevDash = 0;
let prevPidEnd = 0;
let prevCpuStart = 0;
let prevCpuEnd = 0;
let prevPid = 0;
/** the pid of the line head() read last */
let pidNow = 0;

/** The pid of the prefix (digits from..to), as decimal() and so the object path read it. */
function pidOf(t: Uint8Array, from: number, to: number): number {
  // no kernel prints more digits; Number() of the text as decimal() does
  if (to - from > 15) return Number(String.fromCharCode(...t.subarray(from, to)));
  let n = 0;
  for (let p = from; p < to; p++) n = n * 10 + (t[p] - 48);
  return n;
}

/** Whether b[start, start + n) is the kept prefix (n = prevLen, four bytes at a time). */
function sameAsPrev(b: Uint8Array, start: number, n: number): boolean {
  const v = viewFor(b);
  let k = 0;
  for (; k + 4 <= n; k += 4) if (v.getUint32(start + k, true) !== prevView.getUint32(k, true)) return false;
  for (; k < n; k++) if (b[start + k] !== prevBytes[k]) return false;
  return true;
}

/** Keeps the prefix prefixAt just read from dash, when it may be reused (see above). */
function remember(b: Uint8Array, start: number, dash: number): void {
  const n = where.tsStart - start;
  prevLen = 0;
  if (!hadFlags || n > PREV_MAX || b.indexOf(45, commStart) !== dash) return;
  prevBytes.set(b.subarray(start, start + n));
  prevLen = n;
  prevComm = commStart - start;
  prevDash = dash - start;
  prevPidEnd = where.pidEnd - start;
  prevCpuStart = where.cpuStart - start;
  prevCpuEnd = where.cpuEnd - start;
  prevPid = pidNow;
}

/** The prefix, the schema and the body's bounds of a clean line (see scanLine). */
function head(b: Uint8Array, start: number, end: number, format: FuseTraceFormat): number {
  if (start === end || b[start] === 35) return SKIP;
  if (format !== lastFormat) useFormat(format);
  const prev = found;
  guessed = prev === undefined ? undefined : following[prev.id];
  // the previous line's prefix up to its timestamp again (one task's lines): its parts are where they were
  // (comm's start and the "CPU:" test below too: they lie in those bytes)
  const n = prevLen;
  let dash: number;
  if (n !== 0 && end - start > n && sameAsPrev(b, start, n) && stampAt(b, start + n, end, where)) {
    commStart = start + prevComm;
    dash = start + prevDash;
    where.pidEnd = start + prevPidEnd;
    where.cpuStart = start + prevCpuStart;
    where.cpuEnd = start + prevCpuEnd;
    where.tsStart = start + n;
    pidNow = prevPid;
  } else {
    commStart = skipSpaces(b, start, end);
    // "CPU:..." may be a lost-events marker
    if (end - commStart >= 4 && b[commStart] === 67 && b[commStart + 1] === 80 && b[commStart + 2] === 85 && b[commStart + 3] === 58) return EXACT;
    // comm is PREFIX's lazy (.*?): the first '-' the rest of the prefix fits
    for (dash = commStart; ; dash++) {
      if (dash >= end) return EXACT;
      if (b[dash] === 45 && prefixAt(b, dash, end, where)) break;
    }
    pidNow = pidOf(b, dash + 1, where.pidEnd);
    remember(b, start, dash);
  }
  dashAt = dash;
  if (hit !== undefined) found = hit;
  else {
    found = schemaAt(b, where.nameStart, where.nameEnd, where.nameHash);
    if (prev !== undefined && found !== undefined) following[prev.id] = found;
  }
  if (!found) return EXACT;
  // the body, trimmed (clean text's only whitespace: spaces and tabs)
  bodyFrom = skipSpaces(b, where.nameEnd + 1, end);
  let to = end;
  while (to > bodyFrom && isSpace(b[to - 1])) to--;
  bodyTo = to;
  return EVENT;
}

/**
 * parseLine's answer for s.slice(start, end), or null when only parseLine
 * can give it. b: the same clean text as bytes (b[i] is s's character i).
 * format: whose fuse texts the line has.
 */
export function scanLine(s: LineText, b: Uint8Array, start: number, end: number, line: number, format: FuseTraceFormat): LineResult | null {
  const h = head(b, start, end, format);
  if (h === SKIP) return { kind: 'skip' };
  if (h === EXACT) return null;
  const schema = found!;
  if (!schema.scanner) return null;
  const fields = schema.scanner(s, b, bodyFrom, bodyTo);
  if (fields === null) return null;
  const dash = dashAt;
  // trace-cmd report of an instance buffer: "NAME: comm" (parseLine strips ^\S+:\s+)
  let comm = s.slice(commStart, dash);
  let ws = commStart;
  while (ws < dash && !isSpace(b[ws])) ws++;
  if (ws < dash && ws - commStart >= 2 && b[ws - 1] === 58) comm = s.slice(skipSpaces(b, ws, dash), dash);
  return {
    kind: 'event',
    event: {
      name: schema.name,
      dialect: schema.dialect,
      comm,
      pid: decimal(s, b, dash + 1, where.pidEnd),
      cpu: decimal(s, b, where.cpuStart, where.cpuEnd),
      timestamp: s.slice(where.tsStart, where.tsEnd),
      fields,
      line,
      raw: s.slice(start, end),
    },
  };
}


/**
 * scanLine into a batch row: 1 when the line is an event now in the
 * batch's last row, 0 for a line to skip (scanLine's 'skip'), -1 when only
 * parseLine can read it (where scanLine gives null). The row's fields are
 * the column form of scanLine's (schema/scanner.ts: compileColumnScanner).
 */
export function scanLineInto(s: LineText, b: Uint8Array, start: number, end: number, line: number, format: FuseTraceFormat, batch: EventBatch): number {
  const h = head(b, start, end, format);
  if (h !== EVENT) return h;
  const schema = found!;
  const columns = schema.columns;
  if (columns === null) return EXACT;
  // room first: nextRow may replace batch.num
  const o = batch.nextRow();
  if (!columns(s, b, bodyFrom, bodyTo, batch.num, batch.big, batch.str, o, viewFor(b))) return EXACT;
  batch.addRow(schema, s, b, start, end, line, where.tsStart, where.tsEnd, where.micros, pidNow);
  return EVENT;
}
