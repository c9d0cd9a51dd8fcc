// SPDX-License-Identifier: GPL-2.0-only
/*
 * Result formats of `iomap-sim run`: the fixtures' .out text (byte for
 * byte) and one JSON object per command with 64-bit values as hex strings.
 * The .out lines are printed by one set of helpers into an OutBytes, the
 * way printf fills a FILE buffer: digits go straight into bytes, no string
 * per field. writeOutI (I64 results, `iomap-sim run`) streams the bytes in
 * large chunks; writeOut (bigint results) hands out each line as a string.
 */
import { forkName, type Fork } from '../cache/constants.js';
import { type Mapping, type MappingI, emptyMappingI } from '../iext/record.js';
import { ADDR, DEV, LEN, OFF, ONES_D, REC, REC_U, TF } from '../iext/arena.js';
import type { IextTree } from '../iext/tree.js';
import { type I64, U64_MAX, hex64I, toBig } from '../util/int64.js';
import { type CommandResult, type CommandResultI, dumpExtents } from './run.js';

const x = hex64I;
const jx = (v: bigint): string => '0x' + x(v);

const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const NL = 10;
const SAFE = Number.MAX_SAFE_INTEGER;
const ENCODER = new TextEncoder();

/** ASCII text assembled in a byte buffer and handed to sink in chunks. */
export class OutBytes {
  /** the buffer and the write position: the line writers below fill it directly */
  readonly buf: Uint8Array;
  /** buf's bytes for the 2- and 8-byte stores of the writers below */
  readonly dv: DataView;
  pos = 0;

  /**
   * sink gets buf and the number of bytes used; the bytes are only valid
   * during the call. lineChunks: hand out each line as soon as it ends.
   */
  constructor(
    private readonly sink: (bytes: Uint8Array, n: number) => void,
    size = 1 << 16,
    private readonly lineChunks = false,
  ) {
    this.buf = new Uint8Array(Math.max(size, 256));
    this.dv = new DataView(this.buf.buffer);
  }

  /** drops what is not flushed yet */
  discard(): void {
    this.pos = 0;
  }

  flush(): void {
    if (this.pos === 0) return;
    const n = this.pos;
    this.pos = 0;
    this.sink(this.buf, n);
  }

  /** room for n more bytes (n <= 256: a line of numbers); returns where to write */
  at(n: number): number {
    if (this.pos + n > this.buf.length) this.flush();
    return this.pos;
  }

  /** a string, as UTF-8 */
  str(s: string): void {
    const n = s.length;
    if (n <= 64) {
      let p = this.at(n);
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) return this.utf8(s);
        this.buf[p++] = c;
      }
      this.pos = p;
      return;
    }
    this.utf8(s);
  }

  /** long or non-ASCII text: encoded into the buffer, or as its own chunk when longer than the buffer */
  private utf8(s: string): void {
    const most = 3 * s.length; // UTF-8 bytes of a UTF-16 unit
    if (this.pos + most > this.buf.length) this.flush();
    if (most <= this.buf.length) {
      this.pos += ENCODER.encodeInto(s, this.buf.subarray(this.pos)).written;
      return;
    }
    const b = ENCODER.encode(s);
    if (b.length) this.sink(b, b.length);
  }

  /** %llx of a u64 I64 */
  hex(v: I64): void {
    this.pos = putHex(this.dv, this.at(16), v);
  }

  /** %d / %u / %llu of an integer I64 */
  dec(v: I64): void {
    this.pos = putDec(this.dv, this.at(20), v);
  }

  /** ends a line */
  nl(): void {
    this.buf[this.at(1)] = NL;
    this.pos++;
    if (this.lineChunks) this.flush();
  }
}

/**
 * A constant run of at most 24 ASCII bytes, kept as the doubles whose
 * little-endian bytes they are, so that it is stored with one to three
 * 8-byte writes instead of a byte loop. The zero padding past the run is
 * written too: the writers reserve LINE_MAX bytes a line, and what follows
 * overwrites it or lies past the flushed end. No ASCII byte pattern is a
 * NaN (the top byte is below 0x7f), so the doubles keep their bits.
 */
interface Ascii {
  w0: number;
  w1: number;
  w2: number;
  n: number;
}
const ascii = (s: string): Ascii => {
  if (s.length > 24 || /[^\x20-\x7e]/.test(s)) throw new Error(`not a short ASCII constant: ${JSON.stringify(s)}`);
  const v = new DataView(new ArrayBuffer(24));
  for (let i = 0; i < s.length; i++) v.setUint8(i, s.charCodeAt(i));
  return { w0: v.getFloat64(0, true), w1: v.getFloat64(8, true), w2: v.getFloat64(16, true), n: s.length };
};

function putConst(dv: DataView, p: number, c: Ascii): number {
  dv.setFloat64(p, c.w0, true);
  if (c.n > 8) {
    dv.setFloat64(p + 8, c.w1, true);
    if (c.n > 16) dv.setFloat64(p + 16, c.w2, true);
  }
  return p + c.n;
}

/** ASCII text of at most a line's length (the bigint fallbacks) */
function putAscii(dv: DataView, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) dv.setUint8(p + i, s.charCodeAt(i));
  return p + s.length;
}

/** two hex digits of a byte as a little-endian u16 (the high digit first in memory) */
const HEX2 = Uint16Array.from({ length: 256 }, (_, b) => HEX[b >> 4] | (HEX[b & 15] << 8));
/** two decimal digits of 0..99 the same way */
const DEC2 = Uint16Array.from({ length: 100 }, (_, n) => (48 + ((n / 10) | 0)) | ((48 + (n % 10)) << 8));

/** %llx of a u64 I64 at p (at most 16 bytes); returns the end */
function putHex(dv: DataView, p: number, v: I64): number {
  if (typeof v !== 'number' || v < 0 || v > SAFE) return v === U64_MAX ? putConst(dv, p, ALL_ONES) : putAscii(dv, p, hex64I(v));
  const hi = Math.floor(v / 0x1_0000_0000);
  const lo = v - hi * 0x1_0000_0000;
  return putHexParts(dv, p, hi, lo >>> 16, lo & 0xffff);
}

/**
 * %llx of hi * 2^32 + mid * 2^16 + low (hi below 2^21) at p; returns the
 * end. Every argument is a small integer: a double or a u32 above 2^30
 * passed to a call that is not inlined is boxed, a heap number allocated
 * per call, and a dump formats three numbers a record.
 */
function putHexParts(dv: DataView, p: number, hi: number, mid: number, low: number): number {
  let lo = (mid << 16) | low; // the low 32 bits (int32)
  const n = hi !== 0 ? 8 + ((35 - Math.clz32(hi)) >>> 2) : lo === 0 ? 1 : (35 - Math.clz32(lo)) >>> 2;
  const end = p + n;
  let q = end;
  // the low half two digits a step, then the high half
  let k = hi !== 0 ? 8 : n;
  for (; k >= 2; k -= 2) {
    q -= 2;
    dv.setUint16(q, HEX2[lo & 255], true);
    lo >>>= 8;
  }
  if (k === 1) dv.setUint8(--q, HEX[lo & 15]);
  if (hi !== 0) {
    let h = hi;
    for (k = n - 8; k >= 2; k -= 2) {
      q -= 2;
      dv.setUint16(q, HEX2[h & 255], true);
      h >>>= 8;
    }
    if (k === 1) dv.setUint8(q - 1, HEX[h & 15]);
  }
  return end;
}

/** decimal digits of a non-negative safe integer (by comparison: no division) */
function decDigits(v: number): number {
  let n = 1;
  for (let t = 10; v >= t; t *= 10) n++;
  return n;
}

/** %d / %u / %llu of an integer I64 at p (at most 20 bytes); returns the end */
function putDec(dv: DataView, p: number, i: I64): number {
  if (typeof i !== 'number' || i > SAFE || i < -SAFE) return putAscii(dv, p, toBig(i).toString());
  let v = i;
  if (v < 0) {
    dv.setUint8(p++, 45); // '-'
    v = -v;
  }
  const end = p + decDigits(v);
  let q = end;
  if (v > 0x7fff_ffff) {
    // beyond int32: peel two digits at a time in doubles until it fits
    while (v > 0x7fff_ffff) {
      const d = Math.floor(v / 100);
      q -= 2;
      dv.setUint16(q, DEC2[v - d * 100], true);
      v = d;
    }
  }
  // int arithmetic, two digits a step
  while (v >= 100) {
    const d = (v / 100) | 0;
    q -= 2;
    dv.setUint16(q, DEC2[v - d * 100], true);
    v = d;
  }
  if (v >= 10) dv.setUint16(q - 2, DEC2[v], true);
  else dv.setUint8(q - 1, 48 + v);
  return end;
}

/** the longest line of numbers: a hit, every field at its widest */
const LINE_MAX = 192;
const PLUS = 43;
const SP = 32;
const T_ADDR = ascii(' addr ');
const T_TYPE = ascii(' type ');
const T_FLAGS = ascii(' flags ');
const T_DEV = ascii(' dev ');
const T_COOKIE = ascii(' cookie ');
const T_HIT = ascii('hit ');
const T_SEQ = ascii(' seq ');
const T_FORK = ascii('fork ');
const T_COUNT = ascii(' count ');
const T_HEIGHT = ascii(' height ');
/** %llx of the all-ones u64 (every hole's and delalloc's addr): no bigint to string */
const ALL_ONES = ascii('ffffffffffffffff');
const OP_NAMES = ['add', 'upsert', 'remove', 'invalidate'];
const OP_TEXT: Record<string, Ascii> = Object.fromEntries(OP_NAMES.map((op) => [op, ascii(`${op} `)]));
/** "OP 0 seq ", the whole constant part of a line that returned 0 */
const OP_RET0: Record<string, Ascii> = Object.fromEntries(OP_NAMES.map((op) => [op, ascii(`${op} 0 seq `)]));

/** "OFFSET+LENGTH addr ADDR type T flags F dev D" at p */
function putMap(dv: DataView, p: number, m: MappingI): number {
  p = putHex(dv, p, m.offset);
  dv.setUint8(p++, PLUS);
  p = putHex(dv, p, m.length);
  p = putConst(dv, p, T_ADDR);
  p = putHex(dv, p, m.addr);
  p = putConst(dv, p, T_TYPE);
  p = putDec(dv, p, m.type);
  p = putConst(dv, p, T_FLAGS);
  p = putHex(dv, p, m.flags);
  p = putConst(dv, p, T_DEV);
  return putDec(dv, p, m.dev);
}

/**
 * A dump line of record i of t, read from the arena's doubles and words
 * (forEachRecordIndex) when offset, length and addr are safe numbers (or
 * addr the all-ones u64): no MappingI is filled, whose fields would box
 * the doubles, three heap numbers a record. Else as extentLine.
 */
function extentLineAt(o: OutBytes, t: IextTree, i: number): void {
  const a = t.arena;
  const rec = a.rec;
  const od = rec[i * REC + OFF];
  const ld = rec[i * REC + LEN];
  const ad = rec[i * REC + ADDR];
  if (!(od >= 0 && od <= SAFE && ld <= SAFE && (ad <= SAFE || ad === ONES_D))) return extentLine(o, t.readRecI(i, atScratch));
  const dv = o.dv;
  let p = o.at(LINE_MAX);
  dv.setUint16(p, SP | (SP << 8), true);
  let hi = Math.floor(od / 0x1_0000_0000);
  let lo = od - hi * 0x1_0000_0000;
  p = putHexParts(dv, p + 2, hi, lo >>> 16, lo & 0xffff);
  dv.setUint8(p++, PLUS);
  hi = Math.floor(ld / 0x1_0000_0000);
  lo = ld - hi * 0x1_0000_0000;
  p = putHexParts(dv, p, hi, lo >>> 16, lo & 0xffff);
  p = putConst(dv, p, T_ADDR);
  if (ad === ONES_D) p = putConst(dv, p, ALL_ONES);
  else {
    hi = Math.floor(ad / 0x1_0000_0000);
    lo = ad - hi * 0x1_0000_0000;
    p = putHexParts(dv, p, hi, lo >>> 16, lo & 0xffff);
  }
  const tf = a.recU[i * REC_U + TF];
  p = putConst(dv, p, T_TYPE);
  p = putDec(dv, p, tf & 0xffff);
  p = putConst(dv, p, T_FLAGS);
  p = putHexParts(dv, p, 0, 0, tf >>> 16);
  p = putConst(dv, p, T_DEV);
  o.pos = putDec(dv, p, a.recU[i * REC_U + DEV]);
  o.nl();
}
const atScratch = emptyMappingI();

function extentLine(o: OutBytes, m: MappingI): void {
  const dv = o.dv;
  const p = o.at(LINE_MAX);
  dv.setUint16(p, SP | (SP << 8), true);
  o.pos = putMap(dv, p + 2, m);
  o.nl();
}

function retLine(o: OutBytes, op: string, ret: number, seq: I64): void {
  const dv = o.dv;
  let p = o.at(LINE_MAX);
  if (ret === 0) p = putConst(dv, p, OP_RET0[op]);
  else {
    p = putConst(dv, p, OP_TEXT[op]);
    p = putDec(dv, p, ret);
    p = putConst(dv, p, T_SEQ);
  }
  o.pos = putDec(dv, p, seq);
  o.nl();
}

function hitLine(o: OutBytes, m: MappingI, cookie: I64): void {
  const dv = o.dv;
  let p = o.at(LINE_MAX);
  p = putConst(dv, p, T_HIT);
  p = putMap(dv, p, m);
  p = putConst(dv, p, T_COOKIE);
  o.pos = putDec(dv, p, cookie);
  o.nl();
}

function dumpLine(o: OutBytes, fork: Fork, count: number, height: number, seq: I64): void {
  const dv = o.dv;
  let p = o.at(LINE_MAX);
  p = putConst(dv, p, T_FORK);
  p = putAscii(dv, p, forkName(fork));
  p = putConst(dv, p, T_COUNT);
  p = putDec(dv, p, count);
  p = putConst(dv, p, T_HEIGHT);
  p = putDec(dv, p, height);
  p = putConst(dv, p, T_SEQ);
  o.pos = putDec(dv, p, seq);
  o.nl();
}

function textLine(o: OutBytes, s: string): void {
  o.str(s);
  o.nl();
}

/** writeOut's line-by-line strings */
let lineWrite: (s: string) => void = () => {};
const lineOut = new OutBytes((b, n) => lineWrite(Buffer.from(b.buffer, b.byteOffset, n).toString('utf8')), 1 << 16, true);

/**
 * Writes the .out lines of one command (a dump gives several), each ending
 * in \n; a dump goes out line by line, never as one string.
 */
export function writeOut(r: CommandResult, write: (s: string) => void): void {
  lineWrite = write;
  const o = lineOut;
  o.discard(); // a line left over by a call that threw is not this call's
  switch (r.op) {
    case 'kernel':
      return textLine(o, r.text);
    case 'add':
    case 'upsert':
    case 'remove':
    case 'invalidate':
      return retLine(o, r.op, r.ret, r.seq);
    case 'lookup':
      if (r.result !== 'hit') return textLine(o, r.result);
      return hitLine(o, r.map, r.map.validityCookie);
    case 'dump':
      if (r.nofork) return textLine(o, 'nofork');
      dumpLine(o, r.fork, r.count, r.height, r.seq);
      r.forEachExtent((m) => extentLine(o, m));
  }
}

/**
 * The .out lines of an I64 result (runScenario's onResultI) into o: the
 * same text as writeOut, without bigints in the common case. Call
 * o.flush() after the last command.
 */
export function writeOutI(r: CommandResultI, o: OutBytes): void {
  switch (r.op) {
    case 'kernel':
      return textLine(o, r.kernel!.text);
    case 'add':
    case 'upsert':
    case 'remove':
    case 'invalidate':
      return retLine(o, r.op, r.ret, r.seq);
    case 'lookup':
      if (r.result !== 'hit') return textLine(o, r.result);
      return hitLine(o, r.map, r.map.validityCookie);
    case 'dump': {
      const t = r.tree;
      if (!t) return textLine(o, 'nofork');
      dumpLine(o, r.fork, t.count(), t.height, r.seq);
      if (!t.forEachRecordIndex((i) => extentLineAt(o, t, i))) t.forEachRecordI((m) => extentLine(o, m));
    }
  }
}

/** The .out lines of one command as one string. */
export function formatOut(r: CommandResult): string {
  let s = '';
  writeOut(r, (t) => (s += t));
  return s;
}

const jsonMap = (m: Mapping) => ({ offset: jx(m.offset), length: jx(m.length), addr: jx(m.addr), type: m.type, flags: m.flags, dev: m.dev });

/** Writes one JSON object (one line) per command. */
export function writeJson(r: CommandResult, write: (s: string) => void): void {
  write(formatJson(r));
}

/** One JSON object (one line) per command. */
export function formatJson(r: CommandResult): string {
  let o: Record<string, unknown>;
  switch (r.op) {
    case 'kernel':
      o = r.json;
      break;
    case 'add':
    case 'upsert':
    case 'remove':
    case 'invalidate':
      o = { line: r.line, cmd: r.op, ret: r.ret, seq: jx(r.seq) };
      break;
    case 'lookup':
      o = { line: r.line, cmd: 'lookup', fork: forkName(r.fork), result: r.result };
      if (r.result === 'hit') o.map = { ...jsonMap(r.map), cookie: jx(r.map.validityCookie) };
      break;
    case 'dump':
      o = { line: r.line, cmd: 'dump', fork: forkName(r.fork) };
      if (r.nofork) o.result = 'nofork';
      else Object.assign(o, { count: r.count, height: r.height, seq: jx(r.seq), extents: dumpExtents(r).map(jsonMap) });
      break;
  }
  return JSON.stringify(o) + '\n';
}
