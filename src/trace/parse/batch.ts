// SPDX-License-Identifier: GPL-2.0-only
/*
 * A chunk's events in columns (the replay's fast path, fourth throughput
 * pass in docs/trace.md): per row the schema, the line number and where
 * the line is in its chunk's text, and the decoded fields in a fixed-width
 * stretch of one Float64Array (field k of the schema's slots at
 * row * STRIDE + k). A field's value is the I64 of src/util/int64.ts: a
 * number when it is a safe integer, else NaN in the column and the exact
 * bigint in the big side array; pointers are their (shared) texts in str.
 * No object and no string is made per event: the TraceEvent of a row is
 * built only when asked (event(), for a divergence or a rare event), by
 * scanning its line again with the object scanner.
 *
 * Rows the columns cannot hold (lost-event markers, problems, lines only
 * the exact path reads) keep their TraceItem as it is. One batch is reused
 * for every chunk: a row is valid until the parser resumes.
 */
import { type I64, toBig } from '../../util/int64.js';
import type { FuseTraceFormat } from '../revision.js';
import type { EventSchema, Fields } from '../schema/types.js';
import { scanLine } from './fast-line.js';
import { type TraceEvent, parseLine } from './line.js';
import type { TraceItem } from './stream.js';
import type { LineText } from './split.js';
import { microsOf } from './timestamp.js';

/** Slots per row: no schema has more fields (compile.ts gives a larger one no column scanner). */
export const STRIDE = 24;

export class EventBatch {
  /** rows in use */
  length = 0;
  private cap = 0;
  /** per row: the event's schema, or null when item holds the row */
  readonly schema: Array<EventSchema | null> = [];
  readonly item: Array<TraceItem | null> = [];
  /** the chunk text the line is in, and the same text as bytes (see split.ts: LineSink) */
  readonly text: LineText[] = [];
  readonly clean: Array<Uint8Array | null> = [];
  line = new Float64Array(0);
  start = new Int32Array(0);
  end = new Int32Array(0);
  tsStart = new Int32Array(0);
  tsEnd = new Int32Array(0);
  /** the timestamp in µs when the scan could tell (NaN: microsOf reads it) */
  ts = new Float64Array(0);
  /** the task's pid (the prefix's comm-PID) */
  pid = new Float64Array(0);
  num = new Float64Array(0);
  readonly big: bigint[] = [];
  readonly str: string[] = [];

  /** format: whose fuse texts the lines have (for event()) */
  constructor(readonly format: FuseTraceFormat) {
    this.grow(256);
  }

  private grow(cap: number): void {
    const copy = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T, width = 1): T => {
      const b = make(cap * width);
      b.set(a);
      return b;
    };
    this.line = copy(this.line, (n) => new Float64Array(n));
    this.start = copy(this.start, (n) => new Int32Array(n));
    this.end = copy(this.end, (n) => new Int32Array(n));
    this.tsStart = copy(this.tsStart, (n) => new Int32Array(n));
    this.tsEnd = copy(this.tsEnd, (n) => new Int32Array(n));
    this.ts = copy(this.ts, (n) => new Float64Array(n));
    this.pid = copy(this.pid, (n) => new Float64Array(n));
    this.num = copy(this.num, (n) => new Float64Array(n), STRIDE);
    this.cap = cap;
  }

  /** The offset in num/big/str of the next row's fields (room made for it). */
  nextRow(): number {
    if (this.length === this.cap) this.grow(this.cap * 2);
    return this.length * STRIDE;
  }

  /** Commits the row nextRow() gave, its fields written. */
  addRow(schema: EventSchema, text: LineText, clean: Uint8Array, start: number, end: number, line: number, tsStart: number, tsEnd: number, micros: number, pid: number): void {
    const r = this.length++;
    this.schema[r] = schema;
    this.item[r] = null;
    this.text[r] = text;
    this.clean[r] = clean;
    this.line[r] = line;
    this.start[r] = start;
    this.end[r] = end;
    this.tsStart[r] = tsStart;
    this.tsEnd[r] = tsEnd;
    this.ts[r] = micros;
    this.pid[r] = pid;
  }

  /** A row the exact path decoded (or a marker, a problem) as its item. */
  addItem(item: TraceItem): void {
    if (this.length === this.cap) this.grow(this.cap * 2);
    const r = this.length++;
    this.schema[r] = null;
    this.item[r] = item;
    this.text[r] = '';
    this.clean[r] = null;
  }

  /** Empties the batch (the arrays are kept for the next chunk). */
  reset(): void {
    this.length = 0;
  }

  /** Field slot's I64 in row r. */
  i64(r: number, slot: number): I64 {
    const o = r * STRIDE + slot;
    const v = this.num[o];
    return v === v ? v : this.big[o];
  }

  /** A pointer field's text in row r. */
  ptr(r: number, slot: number): string {
    return this.str[r * STRIDE + slot];
  }

  /** Row r's timestamp in µs (see timestamp.ts). */
  micros(r: number): number {
    const us = this.ts[r];
    if (us === us) return us;
    const ts = this.text[r].slice(this.tsStart[r], this.tsEnd[r]);
    return microsOf(ts, 0, ts.length);
  }

  /** Row r's line as read (a view of the chunk's text). */
  raw(r: number): string {
    return this.text[r].slice(this.start[r], this.end[r]);
  }

  /** Row r's fields as Fields (bigint numbers), from its columns alone. */
  fields(r: number): Fields {
    const schema = this.schema[r];
    if (schema === null) return this.event(r).fields;
    const out: Fields = {};
    for (const f of schema.fields) {
      const k = schema.slots.get(f.field)!;
      if (f.decode.kind === 'ptr') out[f.field] = this.ptr(r, k);
      else if (f.decode.kind === 'sym') {
        // to the end of the trimmed body, which is the line's end less its spaces and tabs
        const b = this.clean[r]!;
        const from = this.num[r * STRIDE + k];
        let to = this.end[r];
        while (to > from && (b[to - 1] === 32 || b[to - 1] === 9)) to--;
        out[f.field] = this.text[r].slice(from, to);
      } else out[f.field] = toBig(this.i64(r, k));
    }
    return out;
  }

  /** Row r as the TraceEvent the object path gives for its line (a column row: scanned again). */
  event(r: number): TraceEvent {
    const it = this.item[r];
    if (it !== null) {
      if (it.kind !== 'event') throw new Error(`row ${r} is a ${it.kind}, not an event`);
      return it.event;
    }
    const text = this.text[r];
    const got = scanLine(text, this.clean[r]!, this.start[r], this.end[r], this.line[r], this.format) ?? parseLine(this.raw(r), this.line[r], this.format);
    if (got.kind !== 'event') throw new Error(`line ${this.line[r]}: the column row does not read back as an event`);
    return got.event;
  }

  /** Row r as the TraceItem parseTraceBatches gives. */
  itemAt(r: number): TraceItem {
    return this.item[r] ?? { kind: 'event', event: this.event(r) };
  }
}
