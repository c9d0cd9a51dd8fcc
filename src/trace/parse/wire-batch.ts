// SPDX-License-Identifier: GPL-2.0-only
/*
 * An EventBatch (batch.ts) as a message between threads, so that a worker
 * can parse the next chunk while the replay reads this one (threaded.ts).
 *
 * The numbers go in one ArrayBuffer per batch (transferred, not copied):
 * the per-row columns, the field columns, and the exact values and
 * pointers as numbers. What the receiver must resolve in its own realm
 * goes by name or value: a row's schema by its event name (schemas are
 * objects of each thread's registry), a 16-digit pointer by its two
 * 32-bit halves (interned again on the receiving side, so that equal
 * pointers stay one string there, as the replay's identity checks expect),
 * a 64-bit exact value by its halves. A clean chunk's text is not sent at
 * all when its bytes are in a SharedArrayBuffer (threaded.ts hands chunks
 * over that way): the row's text is the same shared bytes on both sides.
 * Rows only the exact path read (items), other texts, values beyond 64 bits
 * and other pointer texts are few and go by structured clone.
 */
import { type EventBatch, STRIDE } from './batch.js';
import type { TraceItem } from './stream.js';
import { CleanText, type LineText } from './split.js';
import { schemasOf } from '../schema/registry.js';
import type { EventSchema } from '../schema/types.js';
import type { FuseTraceFormat } from '../revision.js';

/** A line text of the batch: clean bytes (shared, or copied), or a string with its bytes view (or null). */
export type WireText = { shared: SharedArrayBuffer; at: number; len: number } | { bytes: Uint8Array } | { str: string; clean: Uint8Array | null };

export interface WireBatch {
  length: number;
  /** pointers (16 digits) and exact 64-bit values in the buffer */
  pointers: number;
  wides: number;
  /** the numbers; layout in sections() */
  buf: ArrayBuffer;
  /** event names of the batch's schemas (schemaIdx indexes it, -1 for an item row) */
  names: string[];
  items: Array<[number, TraceItem]>;
  texts: WireText[];
  /** values beyond 64 bits (never from a kernel's printk): flat index (row * STRIDE + slot) and value */
  bigAt: number[];
  bigVal: bigint[];
  /** pointer texts not of 16 digits: flat index and text */
  strAt: number[];
  strVal: string[];
}

/** Views of a batch buffer: float64 columns first, then int32, then bytes. */
function sections(buf: ArrayBuffer, n: number, p: number, w: number) {
  let at = 0;
  const f64 = (k: number) => {
    const v = new Float64Array(buf, at, k);
    at += 8 * k;
    return v;
  };
  const i32 = (k: number) => {
    const v = new Int32Array(buf, at, k);
    at += 4 * k;
    return v;
  };
  const s = {
    line: f64(n),
    ts: f64(n),
    pid: f64(n),
    num: f64(n * STRIDE),
    start: i32(n),
    end: i32(n),
    tsStart: i32(n),
    tsEnd: i32(n),
    schemaIdx: i32(n),
    textIdx: i32(n),
    ptrAt: i32(p),
    ptrHi: i32(p),
    ptrLo: i32(p),
    wideAt: i32(w),
    wideHi: i32(w),
    wideLo: i32(w),
    wideNeg: new Uint8Array(buf, at, w),
  };
  return s;
}
const bytesFor = (n: number, p: number, w: number) => 8 * (3 * n + n * STRIDE) + 4 * (6 * n + 3 * p + 3 * w) + w;

const TWO_64 = 1n << 64n;
const MIN_S64 = -(1n << 63n);

/** [0-9a-f] by char code: its value; 255 for any other */
const HEX_OF = new Uint8Array(128).fill(255);
for (const [i, ch] of [...'0123456789abcdef'].entries()) HEX_OF[ch.charCodeAt(0)] = i;

/** The int32 of 8 lowercase hex digits of s at from; hexOk is cleared when one is not such a digit. */
let hexOk = true;
function hex8(s: string, from: number): number {
  let v = 0;
  for (let i = from; i < from + 8; i++) {
    const c = s.charCodeAt(i);
    const d = c < 128 ? HEX_OF[c] : 255;
    if (d === 255) hexOk = false;
    v = (v << 4) | (d & 15);
  }
  return v;
}

/** The pointer slots of a schema, and how many slots it uses, cached per schema. */
const slotsOf = new WeakMap<EventSchema, { ptr: number[]; isPtr: Uint8Array; count: number }>();
function schemaSlots(schema: EventSchema): { ptr: number[]; isPtr: Uint8Array; count: number } {
  let s = slotsOf.get(schema);
  if (!s) {
    const ptr: number[] = [];
    for (const f of schema.fields) if (f.decode.kind === 'ptr') ptr.push(schema.slots.get(f.field)!);
    const count = Math.max(0, ...schema.slots.values()) + 1;
    const isPtr = new Uint8Array(count);
    for (const k of ptr) isPtr[k] = 1;
    s = { ptr, isPtr, count };
    slotsOf.set(schema, s);
  }
  return s;
}

/** Scratch lists of the encoder, grown as needed and kept between batches. */
class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view(): Int32Array {
    return this.a.subarray(0, this.n);
  }
}
const pAt = new IntList();
const pHi = new IntList();
const pLo = new IntList();
const wAt = new IntList();
const wHi = new IntList();
const wLo = new IntList();
const wNeg = new IntList();
const schemaIdxOf = new IntList();
const textIdxOf = new IntList();

/** The last exact value split into halves (the all-ones NULL_ADDR repeats) */
let lastWide: bigint | null = null;
let lastHi = 0;
let lastLo = 0;

/** The batch's rows as a message, and the buffers to transfer with it (the batch itself is left as it was). */
export function encodeBatch(b: EventBatch): { wire: WireBatch; transfer: ArrayBuffer[] } {
  const n = b.length;
  const names: string[] = [];
  const nameOf = new Map<EventSchema, number>();
  const items: Array<[number, TraceItem]> = [];
  const texts: WireText[] = [];
  const bigAt: number[] = [];
  const bigVal: bigint[] = [];
  const strAt: number[] = [];
  const strVal: string[] = [];
  for (const l of [pAt, pHi, pLo, wAt, wHi, wLo, wNeg, schemaIdxOf, textIdxOf]) l.n = 0;
  let lastText: LineText | null = null;
  let lastClean: Uint8Array | null = null;
  let lastSchema: EventSchema | null = null;
  let lastSi = -1;
  const num = b.num;
  for (let r = 0; r < n; r++) {
    const schema = b.schema[r];
    if (schema === null) {
      schemaIdxOf.push(-1);
      textIdxOf.push(-1);
      items.push([r, b.item[r]!]);
      continue;
    }
    if (schema !== lastSchema) {
      let si = nameOf.get(schema);
      if (si === undefined) {
        si = names.push(schema.name) - 1;
        nameOf.set(schema, si);
      }
      lastSchema = schema;
      lastSi = si;
    }
    schemaIdxOf.push(lastSi);
    const text = b.text[r];
    const clean = b.clean[r];
    if (text !== lastText || clean !== lastClean) {
      // a clean chunk's rows share its CleanText: its bytes sent once (by reference when shared); a string line (carried, mixed) with its bytes up to its end
      if (typeof text !== 'string') {
        const bytes = text.bytes;
        if (bytes.buffer instanceof SharedArrayBuffer) texts.push({ shared: bytes.buffer, at: bytes.byteOffset, len: bytes.length });
        else texts.push({ bytes: Uint8Array.prototype.slice.call(bytes) });
      } else texts.push({ str: text, clean: clean === null ? null : clean.slice(0, b.end[r]) });
      lastText = text;
      lastClean = clean;
    }
    textIdxOf.push(texts.length - 1);
    const o = r * STRIDE;
    const { ptr, isPtr, count } = schemaSlots(schema);
    for (let k = 0; k < count; k++) {
      const v = num[o + k];
      if (v !== v && isPtr[k] === 0) {
        const x = b.big[o + k];
        if (x === lastWide) {
          wAt.push(o + k);
          wHi.push(lastHi);
          wLo.push(lastLo);
          wNeg.push(x < 0n ? 1 : 0);
        } else if (x >= MIN_S64 && x < TWO_64) {
          const u = BigInt.asUintN(64, x);
          lastWide = x;
          lastHi = Number(u >> 32n) | 0;
          lastLo = Number(u & 0xffffffffn) | 0;
          wAt.push(o + k);
          wHi.push(lastHi);
          wLo.push(lastLo);
          wNeg.push(x < 0n ? 1 : 0);
        } else {
          bigAt.push(o + k);
          bigVal.push(x);
        }
      }
    }
    for (let j = 0; j < ptr.length; j++) {
      const k = ptr[j];
      const s = b.str[o + k];
      hexOk = s.length === 16;
      const hi = hexOk ? hex8(s, 0) : 0;
      const lo = hexOk ? hex8(s, 8) : 0;
      if (hexOk) {
        pAt.push(o + k);
        pHi.push(hi);
        pLo.push(lo);
      } else {
        strAt.push(o + k);
        strVal.push(s);
      }
    }
  }
  const p = pAt.n;
  const w = wAt.n;
  const buf = new ArrayBuffer(bytesFor(n, p, w));
  const s = sections(buf, n, p, w);
  s.line.set(b.line.subarray(0, n));
  s.ts.set(b.ts.subarray(0, n));
  s.pid.set(b.pid.subarray(0, n));
  s.num.set(num.subarray(0, n * STRIDE));
  s.start.set(b.start.subarray(0, n));
  s.end.set(b.end.subarray(0, n));
  s.tsStart.set(b.tsStart.subarray(0, n));
  s.tsEnd.set(b.tsEnd.subarray(0, n));
  s.schemaIdx.set(schemaIdxOf.view());
  s.textIdx.set(textIdxOf.view());
  s.ptrAt.set(pAt.view());
  s.ptrHi.set(pHi.view());
  s.ptrLo.set(pLo.view());
  s.wideAt.set(wAt.view());
  s.wideHi.set(wHi.view());
  s.wideLo.set(wLo.view());
  s.wideNeg.set(wNeg.view());
  const transfer: ArrayBuffer[] = [buf];
  for (const t of texts) if ('bytes' in t) transfer.push(t.bytes.buffer as ArrayBuffer);
  return { wire: { length: n, pointers: p, wides: w, buf, names, items, texts, bigAt, bigVal, strAt, strVal }, transfer };
}

/**
 * Pointer texts and exact values by their halves on the receiving side:
 * one string per text among those met lately (a slot per hash, the last
 * text wins it), like the scanner's PointerTexts on the parsing side, and
 * the last bigints made.
 */
export class PointerHalves {
  private readonly his = new Int32Array(4096);
  private readonly los = new Int32Array(4096);
  private readonly texts: string[] = new Array<string>(4096).fill('');
  private readonly wHi = new Int32Array(256);
  private readonly wLo = new Int32Array(256);
  private readonly wNeg = new Uint8Array(256);
  private readonly wide: bigint[] = new Array<bigint>(256).fill(-1n);

  get(hi: number, lo: number): string {
    const k = (Math.imul(hi, 0x9e3779b1) ^ lo ^ (lo >>> 12)) & 4095;
    if (this.his[k] === hi && this.los[k] === lo && this.texts[k] !== '') return this.texts[k];
    this.his[k] = hi;
    this.los[k] = lo;
    return (this.texts[k] = (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0'));
  }

  /** The 64-bit value of u64 halves, negative (as an s64) when neg. */
  wideOf(hi: number, lo: number, neg: number): bigint {
    const k = (Math.imul(hi ^ neg, 0x9e3779b1) ^ lo) & 255;
    if (this.wHi[k] === hi && this.wLo[k] === lo && this.wNeg[k] === neg && this.wide[k] !== -1n) return this.wide[k];
    const u = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    this.wHi[k] = hi;
    this.wLo[k] = lo;
    this.wNeg[k] = neg;
    return (this.wide[k] = neg ? BigInt.asIntN(64, u) : u);
  }
}

/** The rows of a message in b (emptied first), schemas resolved in this thread's registry for format. */
export function decodeBatch(w: WireBatch, b: EventBatch, format: FuseTraceFormat, pointers: PointerHalves): EventBatch {
  const all = schemasOf(format);
  const schemas = w.names.map((name) => {
    const s = all.get(name);
    if (!s) throw new Error(`parse thread: no schema named ${name} here`);
    return s;
  });
  const texts: Array<{ text: LineText; clean: Uint8Array | null }> = w.texts.map((t) => {
    if ('shared' in t) {
      const bytes = Buffer.from(t.shared, t.at, t.len);
      return { text: new CleanText(bytes), clean: bytes };
    }
    if ('bytes' in t) return { text: new CleanText(Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.length)), clean: t.bytes };
    return { text: t.str, clean: t.clean };
  });
  const n = w.length;
  const s = sections(w.buf, n, w.pointers, w.wides);
  b.length = n;
  for (let r = 0; r < n; r++) {
    const si = s.schemaIdx[r];
    if (si < 0) continue;
    const t = texts[s.textIdx[r]];
    b.schema[r] = schemas[si];
    b.item[r] = null;
    b.text[r] = t.text;
    b.clean[r] = t.clean;
  }
  for (const [r, item] of w.items) {
    b.schema[r] = null;
    b.item[r] = item;
    b.text[r] = '';
    b.clean[r] = null;
  }
  b.line = s.line;
  b.start = s.start;
  b.end = s.end;
  b.tsStart = s.tsStart;
  b.tsEnd = s.tsEnd;
  b.ts = s.ts;
  b.pid = s.pid;
  b.num = s.num;
  for (let i = 0; i < w.wides; i++) b.big[s.wideAt[i]] = pointers.wideOf(s.wideHi[i], s.wideLo[i], s.wideNeg[i]);
  for (let i = 0; i < w.bigAt.length; i++) b.big[w.bigAt[i]] = w.bigVal[i];
  for (let i = 0; i < w.pointers; i++) b.str[s.ptrAt[i]] = pointers.get(s.ptrHi[i], s.ptrLo[i]);
  for (let i = 0; i < w.strAt.length; i++) b.str[w.strAt[i]] = w.strVal[i];
  return b;
}

