// SPDX-License-Identifier: GPL-2.0-only
/*
 * An EventBatch (batch.ts) as a message between threads, so that a worker
 * can parse the next chunk while the replay reads this one (threaded.ts).
 * The columns go as typed arrays (transferred, not copied); what the
 * receiver must resolve in its own realm goes by name or value: the schema
 * of a row by its event name (schemas are objects of each thread's
 * registry), a 16-digit pointer by its two 32-bit halves (interned again
 * on the receiving side, so that equal pointers stay one string there, as
 * the replay's identity checks expect), a chunk's clean bytes once per
 * batch. Rows only the exact path read (items), exact bigints and other
 * pointer texts are few and go by structured clone.
 */
import { EventBatch, STRIDE } from './batch.js';
import type { TraceItem } from './stream.js';
import { CleanText, type LineText } from './split.js';
import { schemasOf } from '../schema/registry.js';
import type { EventSchema } from '../schema/types.js';
import type { FuseTraceFormat } from '../revision.js';

/** A line text of the batch: a clean chunk's bytes, or a string with its bytes view (or null). */
export type WireText = { bytes: Uint8Array } | { str: string; clean: Uint8Array | null };

export interface WireBatch {
  length: number;
  /** event names of the batch's schemas; schemaIdx[r] indexes it, -1 for an item row */
  names: string[];
  schemaIdx: Int32Array<ArrayBuffer>;
  items: Array<[number, TraceItem]>;
  texts: WireText[];
  /** textIdx[r] indexes texts, -1 for an item row */
  textIdx: Int32Array<ArrayBuffer>;
  line: Float64Array<ArrayBuffer>;
  start: Int32Array<ArrayBuffer>;
  end: Int32Array<ArrayBuffer>;
  tsStart: Int32Array<ArrayBuffer>;
  tsEnd: Int32Array<ArrayBuffer>;
  ts: Float64Array<ArrayBuffer>;
  num: Float64Array<ArrayBuffer>;
  /** exact values where num is NaN, of 64 bits: flat index (row * STRIDE + slot), u64 halves, 1 when the value is negative */
  wideAt: Int32Array<ArrayBuffer>;
  wideHi: Int32Array<ArrayBuffer>;
  wideLo: Int32Array<ArrayBuffer>;
  wideNeg: Uint8Array<ArrayBuffer>;
  /** wider ones (never from a kernel's printk): flat index and value */
  bigAt: number[];
  bigVal: bigint[];
  /** 16-digit pointers: flat index and halves */
  ptrAt: Int32Array<ArrayBuffer>;
  ptrHi: Int32Array<ArrayBuffer>;
  ptrLo: Int32Array<ArrayBuffer>;
  /** other pointer texts: flat index and text */
  strAt: number[];
  strVal: string[];
}

const TWO_64 = 1n << 64n;
const MIN_S64 = -(1n << 63n);

/** [0-9a-f] by char code: its value; 255 for any other */
const HEX_OF = new Uint8Array(128).fill(255);
for (const [i, ch] of [...'0123456789abcdef'].entries()) HEX_OF[ch.charCodeAt(0)] = i;

/** The int32 of 8 lowercase hex digits of s at from, or -1 with ok cleared when one is not such a digit. */
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

/** The fields of a schema that are pointers (their slots), and all its slots, cached per schema. */
const slotsOf = new WeakMap<EventSchema, { ptr: number[]; count: number }>();
function schemaSlots(schema: EventSchema): { ptr: number[]; count: number } {
  let s = slotsOf.get(schema);
  if (!s) {
    const ptr: number[] = [];
    for (const f of schema.fields) if (f.decode.kind === 'ptr') ptr.push(schema.slots.get(f.field)!);
    s = { ptr, count: Math.max(0, ...schema.slots.values()) + 1 };
    slotsOf.set(schema, s);
  }
  return s;
}

/** The batch's rows as a message, and the buffers to transfer with it (the batch itself is left as it was). */
export function encodeBatch(b: EventBatch): { wire: WireBatch; transfer: ArrayBuffer[] } {
  const n = b.length;
  const names: string[] = [];
  const nameOf = new Map<EventSchema, number>();
  const schemaIdx = new Int32Array(n);
  const textIdx = new Int32Array(n);
  const items: Array<[number, TraceItem]> = [];
  const texts: WireText[] = [];
  const bigAt: number[] = [];
  const bigVal: bigint[] = [];
  const wAt: number[] = [];
  const wHi: number[] = [];
  const wLo: number[] = [];
  const wNeg: number[] = [];
  const strAt: number[] = [];
  const strVal: string[] = [];
  const pAt: number[] = [];
  const pHi: number[] = [];
  const pLo: number[] = [];
  const transfer: ArrayBuffer[] = [];
  let lastText: LineText | null = null;
  let lastClean: Uint8Array | null = null;
  let lastIdx = -1;
  for (let r = 0; r < n; r++) {
    const schema = b.schema[r];
    if (schema === null) {
      schemaIdx[r] = -1;
      textIdx[r] = -1;
      items.push([r, b.item[r]!]);
      continue;
    }
    let si = nameOf.get(schema);
    if (si === undefined) {
      si = names.push(schema.name) - 1;
      nameOf.set(schema, si);
    }
    schemaIdx[r] = si;
    const text = b.text[r];
    const clean = b.clean[r];
    if (text !== lastText || clean !== lastClean) {
      // a clean chunk's rows share its CleanText and bytes: sent once; a string line (carried, mixed) sent with its bytes up to its end
      if (typeof text !== 'string') {
        const bytes = new Uint8Array(text.bytes);
        transfer.push(bytes.buffer);
        texts.push({ bytes });
      } else texts.push({ str: text, clean: clean === null ? null : clean.slice(0, b.end[r]) });
      lastText = text;
      lastClean = clean;
      lastIdx = texts.length - 1;
    }
    textIdx[r] = lastIdx;
    const o = r * STRIDE;
    const { ptr, count } = schemaSlots(schema);
    for (let k = 0; k < count; k++) {
      const v = b.num[o + k];
      if (v !== v && ptr.indexOf(k) < 0) {
        const x = b.big[o + k];
        if (x >= MIN_S64 && x < TWO_64) {
          const u = BigInt.asUintN(64, x);
          wAt.push(o + k);
          wHi.push(Number(u >> 32n) | 0);
          wLo.push(Number(u & 0xffffffffn) | 0);
          wNeg.push(x < 0n ? 1 : 0);
        } else {
          bigAt.push(o + k);
          bigVal.push(x);
        }
      }
    }
    for (const k of ptr) {
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
  const take = <T extends Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T): T => {
    transfer.push(a.buffer as ArrayBuffer);
    return a;
  };
  const wire: WireBatch = {
    length: n,
    names,
    schemaIdx: take(schemaIdx),
    items,
    texts,
    textIdx: take(textIdx),
    line: take(b.line.slice(0, n)),
    start: take(b.start.slice(0, n)),
    end: take(b.end.slice(0, n)),
    tsStart: take(b.tsStart.slice(0, n)),
    tsEnd: take(b.tsEnd.slice(0, n)),
    ts: take(b.ts.slice(0, n)),
    num: take(b.num.slice(0, n * STRIDE)),
    wideAt: take(Int32Array.from(wAt)),
    wideHi: take(Int32Array.from(wHi)),
    wideLo: take(Int32Array.from(wLo)),
    wideNeg: take(Uint8Array.from(wNeg)),
    bigAt,
    bigVal,
    ptrAt: take(Int32Array.from(pAt)),
    ptrHi: take(Int32Array.from(pHi)),
    ptrLo: take(Int32Array.from(pLo)),
    strAt,
    strVal,
  };
  return { wire, transfer };
}

/**
 * Pointer texts by their halves on the receiving side: one string per
 * text among those met lately (a slot per hash, the last text wins it),
 * like the scanner's PointerTexts on the parsing side.
 */
export class PointerHalves {
  /** the last bigints made from halves, by hash slot (the all-ones NULL_ADDR and a few offsets repeat) */
  private readonly wHi = new Int32Array(256);
  private readonly wLo = new Int32Array(256);
  private readonly wNeg = new Uint8Array(256);
  private readonly wide: bigint[] = new Array<bigint>(256).fill(-1n);

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

  private readonly his = new Int32Array(4096);
  private readonly los = new Int32Array(4096);
  private readonly texts: string[] = new Array<string>(4096).fill('');

  get(hi: number, lo: number): string {
    const k = (Math.imul(hi, 0x9e3779b1) ^ lo ^ (lo >>> 12)) & 4095;
    if (this.his[k] === hi && this.los[k] === lo && this.texts[k] !== '') return this.texts[k];
    this.his[k] = hi;
    this.los[k] = lo;
    return (this.texts[k] = (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0'));
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
  const texts: Array<{ text: LineText; clean: Uint8Array | null }> = w.texts.map((t) =>
    'bytes' in t ? { text: new CleanText(Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.length)), clean: t.bytes } : { text: t.str, clean: t.clean },
  );
  const n = w.length;
  b.length = n;
  for (let r = 0; r < n; r++) {
    const si = w.schemaIdx[r];
    if (si < 0) continue;
    const t = texts[w.textIdx[r]];
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
  b.line = w.line;
  b.start = w.start;
  b.end = w.end;
  b.tsStart = w.tsStart;
  b.tsEnd = w.tsEnd;
  b.ts = w.ts;
  b.num = w.num;
  for (let i = 0; i < w.wideAt.length; i++) b.big[w.wideAt[i]] = pointers.wideOf(w.wideHi[i], w.wideLo[i], w.wideNeg[i]);
  for (let i = 0; i < w.bigAt.length; i++) b.big[w.bigAt[i]] = w.bigVal[i];
  for (let i = 0; i < w.ptrAt.length; i++) b.str[w.ptrAt[i]] = pointers.get(w.ptrHi[i], w.ptrLo[i]);
  for (let i = 0; i < w.strAt.length; i++) b.str[w.strAt[i]] = w.strVal[i];
  return b;
}

/** A batch to decode messages into (its arrays are replaced by each message's). */
export const receivingBatch = (format: FuseTraceFormat): EventBatch => new EventBatch(format);
