// SPDX-License-Identifier: GPL-2.0-only
/*
 * A hand-written scanner for one TP_printk format: the same pieces as the
 * body regex (compile.ts), read left to right over the line's bytes, no
 * regex and no substring for numbers. It is built only when every
 * conversion is followed by text that cannot continue it (or by the end),
 * so the greedy read it does is the only way the regex can match: where
 * the scanner accepts a body, the regex gives the same captures. Anything
 * it does not accept (a mismatch, a table name it does not know) goes to
 * the exact path, which names the problem.
 *
 * It reads "clean" text only (see parse/split.ts): printable ASCII plus
 * spaces and tabs, no line terminator, so byte i of b is character i of t
 * and the regex's `.` matches every byte.
 */
import type { SymbolTable } from '../print-flags.js';
import { BytesIndex, hashStep } from '../parse/bytes-index.js';
import { detach } from '../parse/detach.js';
import { type I64, toBig, toI64 } from '../../util/int64.js';
import type { Decode, FieldSpec, Fields } from './types.js';
import type { LineText } from '../parse/split.js';

/** One step: text that must be there, or a conversion to read. */
export type ScanOp = { lit: string } | { spec: FieldSpec };

/** The exact path's inverse of __print_flags or __print_symbolic. */
export type Unprint = (text: string, table: SymbolTable) => bigint | null;

/**
 * The fields of a trimmed body at [pos, end) of t (b: the same text as
 * bytes, one per character); null when the exact path must decide.
 */
export type BodyScanner = (t: LineText, b: Uint8Array, pos: number, end: number) => Fields | null;

/**
 * The same scan writing a batch row (parse/batch.ts) instead of an object:
 * field k's value at num[o + k] as the I64 of src/util/int64.ts (a number
 * when it is a safe integer; else NaN there and the exact bigint at
 * big[o + k]), a pointer's text at str[o + k], a symbol's start at
 * num[o + k] (it runs to the body's end). False when the exact path must
 * decide, as the object scanner returns null (the row is then garbage).
 */
export type ColumnScanner = (t: LineText, b: Uint8Array, pos: number, end: number, num: Float64Array, big: bigint[], str: string[], o: number, dv: DataView) => boolean;

const isDigit = (c: number) => c >= 48 && c <= 57;
/** [0-9a-f] by byte, and each one's value (HEX_DIGIT: 255 for any other byte) */
const HEX = new Uint8Array(256);
const HEX_VALUE = new Uint8Array(256);
const HEX_DIGIT = new Uint8Array(256).fill(255);
for (const [i, ch] of [...'0123456789abcdef'].entries()) {
  HEX[ch.charCodeAt(0)] = 1;
  HEX_VALUE[ch.charCodeAt(0)] = i;
  HEX_DIGIT[ch.charCodeAt(0)] = i;
}
const isHex = (c: number) => HEX[c] === 1;
/** [^\s)] on clean text: anything but space, tab and ')' */
const isFlagChar = (c: number) => c !== 32 && c !== 9 && c !== 41;

/** Whether c could continue the text a conversion of this kind reads. */
function continues(kind: Decode['kind'], c: number): boolean {
  switch (kind) {
    case 'dec':
    case 'major':
    case 'minor':
      return isDigit(c);
    case 'hex':
      return isHex(c);
    case 'ptr':
      // (?:0x)?[0-9a-f]+ | \(null\) | \(nil\)
      return isHex(c) || c === 120 || c === 40 || c === 41 || c === 110 || c === 117 || c === 108 || c === 105;
    case 'flags':
    case 'symbolic':
      return c !== 32 && c !== 41 && !(c >= 9 && c <= 13);
    case 'sym':
      return true;
  }
}

/** Small values as shared bigints (no allocation for the common flags, types, slots). */
const SMALL: readonly bigint[] = Array.from({ length: 4096 }, (_, i) => BigInt(i));

/**
 * Source for the bigint of a safe n: shared for small values, else the
 * last one this conversion made when n is the same again (a device, an
 * inode, a size repeat from line to line), else a new one.
 */
const bigCode = (i: number) => `(n < 4096 ? SMALL[n] : n === last${i} ? lastBig${i} : (last${i} = n, lastBig${i} = BigInt(n)))`;

/**
 * The values of one table's renderings met so far (null: not a rendering),
 * by their bytes; at most 4096 texts are kept, others are decoded each time.
 */
class Renderings<V extends bigint | I64 | null = bigint | null> extends BytesIndex<V> {
  constructor(private readonly decode: (text: string) => V) {
    super();
  }
  learn(text: string): V {
    const v = this.decode(text);
    if (this.entries < 4096) this.add(detach(text), v);
    return v;
  }
}

/**
 * The texts of 16-digit pointers, one string per distinct text among those
 * met lately (a slot per hash, the last text wins it): the replay compares
 * and looks up the same few leaf pointers over and over, which costs least
 * on one flat string (hash kept, equal by identity), and a kept pointer
 * holds no view into the parser's chunk.
 */
export class PointerTexts {
  /** per slot: the text's two 32-bit halves (as int32) and the text ('' for none) */
  private readonly his = new Int32Array(4096);
  private readonly los = new Int32Array(4096);
  private readonly texts: string[] = new Array<string>(4096).fill('');

  /** The slot of the text with these halves (int32). */
  private static slot(hi: number, lo: number): number {
    return (Math.imul(hi, 0x9e3779b1) ^ lo ^ (lo >>> 12)) & 4095;
  }

  /** The slot of a 16-digit text (for tests: texts that share one). */
  static slotOf(text: string): number {
    return PointerTexts.slot(Number.parseInt(text.slice(0, 8), 16) | 0, Number.parseInt(text.slice(8), 16) | 0);
  }

  /** The 16 hex digits at b[from, from + 16), as one kept string: found by their value, not compared as text. */
  get(b: Uint8Array, from: number): string {
    let hi = 0;
    let lo = 0;
    for (let i = from; i < from + 8; i++) hi = (hi << 4) | HEX_VALUE[b[i]];
    for (let i = from + 8; i < from + 16; i++) lo = (lo << 4) | HEX_VALUE[b[i]];
    const k = PointerTexts.slot(hi, lo);
    if (this.his[k] === hi && this.los[k] === lo && this.texts[k] !== '') return this.texts[k];
    this.his[k] = hi;
    this.los[k] = lo;
    const c = (i: number) => b[from + i];
    // sixteen arguments, no array or view made
    return (this.texts[k] = String.fromCharCode(c(0), c(1), c(2), c(3), c(4), c(5), c(6), c(7), c(8), c(9), c(10), c(11), c(12), c(13), c(14), c(15)));
  }
}

const pointers = new PointerTexts();

/** Source that reads digits at p into n (moving p); null when there are none. */
function digitsCode(radix: 10 | 16): string {
  // one unsigned compare per decimal digit, one table load per hex digit
  const step = radix === 10 ? 'const d = b[p] - 48; if (d >>> 0 > 9) break; n = n * 10 + d;' : 'const d = HEX_DIGIT[b[p]]; if (d > 15) break; n = n * 16 + d;';
  return `
      let n = 0;
      for (; p < end; p++) { ${step} }
      if (p === from) return null;`;
}

/** Source that reads an optionally negative decimal at p: its start in at, the digits' in from, their value in n. */
function signedDigitsCode(): string {
  return `const at = p;
      const neg = p < end && b[p] === 45;
      if (neg) p++;
      const from = p;${digitsCode(10)}`;
}

/** Source that reads the 14 to 16 hex digits [from, p) as two exact halves: hi (all but the last 8) and lo. */
function halvesCode(): string {
  return `let hi = 0, lo = 0;
        for (let q = from; q < p - 8; q++) { const c = b[q]; hi = hi * 16 + (c <= 57 ? c - 48 : c - 87); }
        for (let q = p - 8; q < p; q++) { const c = b[q]; lo = lo * 16 + (c <= 57 ? c - 48 : c - 87); }`;
}

/** Source that leaves the value of one conversion in v (p moved past its text). */
function readCode(kind: Decode['kind'], i: number, memo: number): string {
  switch (kind) {
    case 'dec':
      // -?\d+, through a double when exact (at most 15 digits), as the exact path does
      return `
    { ${signedDigitsCode()}
      v = p - from > 15 ? BigInt(t.slice(at, p)) : neg ? BigInt(-n) : ${bigCode(i)}; }`;
    case 'hex':
      // up to 16 digits (a u64) as two 32-bit halves, the last pair's bigint kept
      return `
    { const from = p;${digitsCode(16)}
      if (p - from <= 13) v = ${bigCode(i)};
      else if (p - from > 16) v = BigInt('0x' + t.slice(from, p));
      else {
        ${halvesCode()}
        v = hi === hi${i} && lo === lo${i} ? wide${i} : (hi${i} = hi, lo${i} = lo, wide${i} = (BigInt(hi) << 32n) | BigInt(lo));
      } }`;
    case 'major':
    case 'minor':
      return `
    { const from = p;${digitsCode(10)}
      v = p - from > 15 ? BigInt(t.slice(from, p)) : ${bigCode(i)}; }`;
    case 'ptr':
      // (null) and (nil) are NULL; 0x-prefixed (raw) pointers padded to 16 digits like hashed ones
      return `
    if (end - p >= 6 && b[p] === 40 && b[p + 1] === 110 && b[p + 2] === 117 && b[p + 3] === 108 && b[p + 4] === 108 && b[p + 5] === 41) { p += 6; v = '0000000000000000'; }
    else if (end - p >= 5 && b[p] === 40 && b[p + 1] === 110 && b[p + 2] === 105 && b[p + 3] === 108 && b[p + 4] === 41) { p += 5; v = '0000000000000000'; }
    else {
      const raw = end - p > 2 && b[p] === 48 && b[p + 1] === 120 && isHex(b[p + 2]);
      if (raw) p += 2;
      const from = p;
      while (p < end && isHex(b[p])) p++;
      if (p === from) return null;
      // (the other forms detached too: a pointer text is never a view into the chunk, a replay may keep it)
      v = p - from === 16 ? pointers.get(b, from) : detach(raw ? t.slice(from, p).padStart(16, '0') : t.slice(from, p));
    }`;
    case 'flags':
    case 'symbolic':
      // found by its bytes; a text seen for the first time decoded by the exact path
      return `
    { const from = p;
      let h = 0;
      for (; p < end; p++) { const c = b[p]; if (!isFlagChar(c)) break; h = hashStep(h, c); }
      v = renderings[${memo}].get(b, from, p, h);
      if (v === undefined) v = renderings[${memo}].learn(t.slice(from, p));
      if (v === null) return null; }`;
    case 'sym':
      // .* to the end of the (trimmed) body: every byte of clean text
      return `
    v = t.slice(p, end);
    p = end;`;
  }
}

/**
 * litCode reading four bytes at a time through dv, a DataView of b's bytes
 * (dv.getUint32(p, true) is b[p] | b[p+1] << 8 | ...): the long literals
 * between a fuse line's fields cost a quarter of the loads and compares.
 */
function litWordsCode(lit: string): string {
  const checks: string[] = [];
  let k = 0;
  for (; k + 4 <= lit.length; k += 4) {
    const word = (lit.charCodeAt(k) | (lit.charCodeAt(k + 1) << 8) | (lit.charCodeAt(k + 2) << 16) | (lit.charCodeAt(k + 3) << 24)) >>> 0;
    checks.push(`dv.getUint32(p + ${k}, true) !== ${word}`);
  }
  for (; k < lit.length; k++) checks.push(`b[p + ${k}] !== ${lit.charCodeAt(k)}`);
  return `
    if (end - p < ${lit.length} || ${checks.join(' || ')}) return null;
    p += ${lit.length};`;
}

/** Source that checks the literal text lit at p and moves past it. */
function litCode(lit: string): string {
  const checks = [...lit].map((ch, k) => `b[p + ${k}] !== ${ch.charCodeAt(0)}`);
  return `
    if (end - p < ${lit.length} || ${checks.join(' || ')}) return null;
    p += ${lit.length};`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** generated functions made so far in this module instance (see ownSource) */
let generated = 0;

/**
 * A comment that makes a generated scanner's source text its own: V8
 * shares compiled code and feedback between functions made from the same
 * text (its compilation cache), so two schemas with the same format (the
 * fuse_iext_class events), or a second build of this module loaded beside
 * this one (a benchmark's baseline), would otherwise run one shared, less
 * specialised code (and a baseline build would slow this one down).
 */
function ownSource(): string {
  return `/* ${import.meta.url} #${++generated} */\n`;
}

/**
 * The scanner of a format split into ops, or null when some conversion
 * could run into the text after it (then only the regex can decide).
 * unprint: the exact path's decoders of __print_flags / __print_symbolic.
 * It is generated as the source of one function per format, so each is
 * monomorphic and builds its fields in one object literal, keys in the
 * exact path's order (field names are the schema's C identifiers).
 */
/** Whether a greedy left-to-right read of ops decides as the regex does (see compileScanner). */
function scannable(ops: readonly ScanOp[]): boolean {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (!('spec' in op)) continue;
    if (!IDENT.test(op.spec.field)) return false;
    const next = ops[i + 1];
    if (next === undefined) continue;
    if (!('lit' in next) || op.spec.decode.kind === 'sym') return false;
    if (continues(op.spec.decode.kind, next.lit.charCodeAt(0))) return false;
  }
  return true;
}

export function compileScanner(ops: readonly ScanOp[], unprint: { flags: Unprint; symbolic: Unprint }): BodyScanner | null {
  if (!scannable(ops)) return null;
  // each distinct rendering is decoded once, by the exact path's own function
  const renderings: Renderings[] = [];
  const order: string[] = [];
  const value = new Map<string, string>();
  let body = 'let v;';
  // the conversions' last values (see bigCode), kept between calls
  let state = '';
  ops.forEach((op, i) => {
    if ('lit' in op) {
      body += litCode(op.lit);
      return;
    }
    const { field, decode: d } = op.spec;
    if (!IDENT.test(field)) return;
    if (d.kind === 'flags' || d.kind === 'symbolic') {
      const decode = d.kind === 'flags' ? unprint.flags : unprint.symbolic;
      renderings.push(new Renderings((text) => decode(text, d.table)));
    }
    body += readCode(d.kind, i, renderings.length - 1);
    state += `let last${i} = -1, lastBig${i} = 0n, hi${i} = -1, lo${i} = -1, wide${i} = 0n;\n  `;
    // dev_t: MAJOR << 20 | MINOR, in the exact path's order (the last pair's result kept too)
    const prev = value.get(field) ?? '0n';
    if (d.kind === 'major' || d.kind === 'minor') {
      const expr = d.kind === 'major' ? `(v << 20n) | ${prev}` : `${prev} | v`;
      state += `let in${i} = -1n, prev${i} = -1n, out${i} = 0n;\n  `;
      body += `\n    const f${i} = v === in${i} && ${prev} === prev${i} ? out${i} : (in${i} = v, prev${i} = ${prev}, out${i} = ${expr});`;
    } else body += `\n    const f${i} = v;`;
    if (!value.has(field)) order.push(field);
    value.set(field, `f${i}`);
  });
  if (ops.some((op) => 'spec' in op && !IDENT.test(op.spec.field))) return null;
  body += `\n    if (p !== end) return null;\n    return { ${order.map((f) => `${f}: ${value.get(f)}`).join(', ')} };`;
  const make = new Function('SMALL', 'isHex', 'isFlagChar', 'hashStep', 'renderings', 'pointers', 'HEX_DIGIT', 'detach', `${ownSource()}${state}return function scan(t, b, p, end) {\n    ${body}\n  };`);
  return make(SMALL, isHex, isFlagChar, hashStep, renderings, pointers, HEX_DIGIT, detach) as BodyScanner;
}

/** Source that stores the I64 in w at column slot k (a number, else NaN and the bigint beside). */
const putCode = (k: number, w: string) => `if (typeof ${w} === 'number') num[o + ${k}] = ${w}; else { num[o + ${k}] = NaN; big[o + ${k}] = ${w}; }`;

/**
 * Source that reads one conversion and stores it at once in column slot k
 * (numbers stay doubles: no value is boxed between the read and the store):
 * the I64 of a number, a pointer's text, a symbol's start.
 */
function storeColumnCode(kind: Decode['kind'], i: number, memo: number, k: number): string {
  switch (kind) {
    case 'dec':
      // a number up to 15 digits; beyond, the exact value as its I64
      return `
    { ${signedDigitsCode()}
      if (p - from > 15) { const w = toI64(BigInt(t.slice(at, p))); ${putCode(k, 'w')} }
      else num[o + ${k}] = neg ? 0 - n : n; }`;
    case 'hex':
      // 14 to 16 digits as two 32-bit halves: a number below 2^53, else the last pair's bigint kept
      return `
    { const from = p;${digitsCode(16)}
      if (p - from <= 13) num[o + ${k}] = n;
      else if (p - from > 16) { const w = toI64(BigInt('0x' + t.slice(from, p))); ${putCode(k, 'w')} }
      else {
        ${halvesCode()}
        if (hi < 2097152) num[o + ${k}] = hi * 4294967296 + lo;
        else {
          if (hi !== hi${i} || lo !== lo${i}) { hi${i} = hi; lo${i} = lo; wide${i} = toI64((BigInt(hi) << 32n) | BigInt(lo)); }
          const w = wide${i}; ${putCode(k, 'w')}
        }
      } }`;
    case 'sym':
      return `
    num[o + ${k}] = p;
    p = end;`;
    case 'ptr':
      return `
    { let v;${readCode(kind, i, memo)}
    str[o + ${k}] = v; }`;
    case 'flags':
    case 'symbolic':
      // readCode's, the rendering's bytes compared four at a time (BytesIndex.getWords)
      return `
    { let v;
    { const from = p;
      let h = 0;
      for (; p < end; p++) { const c = b[p]; if (!isFlagChar(c)) break; h = hashStep(h, c); }
      v = renderings[${memo}].getWords(b, dv, from, p, h);
      if (v === undefined) v = renderings[${memo}].learn(t.slice(from, p));
      if (v === null) return null; }
    ${putCode(k, 'v')} }`;
    default:
      throw new Error(`no direct store for ${kind}`);
  }
}

/** Source that leaves the I64 of a dev_t half in v (p moved past its text). */
function readDevCode(): string {
  return `
    { const from = p;${digitsCode(10)}
      v = p - from > 15 ? toI64(BigInt(t.slice(from, p))) : n; }`;
}

/** MAJOR << 20 | MINOR on I64 (the exact path's bigint order): numbers while they stay exact */
function devMajor(major: I64, prev: I64): I64 {
  if (typeof major === 'number' && typeof prev === 'number' && major < 8589934592 && prev >= 0 && prev < 1048576) return major * 1048576 + prev;
  return toI64((toBig(major) << 20n) | toBig(prev));
}
function devMinor(prev: I64, minor: I64): I64 {
  if (typeof prev === 'number' && typeof minor === 'number' && minor < 1048576 && prev >= 0 && prev % 1048576 === 0) return prev + minor;
  return toI64(toBig(prev) | toBig(minor));
}

/**
 * The column form of compileScanner (same ops, same checks, same order):
 * where one accepts a body the other does, and field k of the row holds
 * the I64 of what the object scanner gives for the slot's field.
 */
export function compileColumnScanner(ops: readonly ScanOp[], unprint: { flags: Unprint; symbolic: Unprint }, slots: ReadonlyMap<string, number>): ColumnScanner | null {
  if (!scannable(ops)) return null;
  const renderings: Renderings<I64 | null>[] = [];
  // dev_t fields (MAJOR and MINOR into one slot) are combined as read and stored at the end; others are stored as read
  const dev = new Map<string, string>();
  let body = 'let v;';
  let state = '';
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if ('lit' in op) {
      body += litWordsCode(op.lit);
      continue;
    }
    const { field, decode: d } = op.spec;
    const k = slots.get(field);
    if (k === undefined) return null;
    if (d.kind === 'flags' || d.kind === 'symbolic') {
      const decode = d.kind === 'flags' ? unprint.flags : unprint.symbolic;
      renderings.push(
        new Renderings<I64 | null>((text) => {
          const v = decode(text, d.table);
          return v === null ? null : toI64(v);
        }),
      );
    }
    if (d.kind === 'major' || d.kind === 'minor') {
      body += readDevCode();
      const prev = dev.get(field) ?? '0';
      body += d.kind === 'major' ? `\n    const f${i} = devMajor(v, ${prev});` : `\n    const f${i} = devMinor(${prev}, v);`;
      dev.set(field, `f${i}`);
      continue;
    }
    if (d.kind === 'hex') state += `let hi${i} = -1, lo${i} = -1, wide${i} = 0n;\n  `;
    body += storeColumnCode(d.kind, i, renderings.length - 1, k);
  }
  body += `\n    if (p !== end) return false;`;
  for (const [field, local] of dev) body += `\n    ${putCode(slots.get(field)!, local)}`;
  body += `\n    return true;`;
  const make = new Function('isHex', 'isFlagChar', 'hashStep', 'renderings', 'pointers', 'toI64', 'devMajor', 'devMinor', 'HEX_DIGIT', 'detach', `${ownSource()}${state}return function scanColumns(t, b, p, end, num, big, str, o, dv) {\n    ${body}\n  };`);
  return make(isHex, isFlagChar, hashStep, renderings, pointers, toI64, devMajor, devMinor, HEX_DIGIT, detach) as ColumnScanner;
}
