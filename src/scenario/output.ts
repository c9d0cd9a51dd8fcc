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
import type { Mapping, MappingI } from '../iext/record.js';
import { type I64, U64_MAX, hex64I, toBig } from '../util/int64.js';
import { type CommandResult, type CommandResultI, dumpExtents } from './run.js';

const x = hex64I;
const jx = (v: bigint): string => '0x' + x(v);

const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const NL = 10;
const SAFE = Number.MAX_SAFE_INTEGER;
const ENCODER = new TextEncoder();
/** %llx of the all-ones u64 (every hole's and delalloc's addr): no bigint to string */
const ALL_ONES = Uint8Array.from('ffffffffffffffff', (c) => c.charCodeAt(0));

/** ASCII text assembled in a byte buffer and handed to sink in chunks. */
export class OutBytes {
  /** the buffer and the write position: the line writers below fill it directly */
  readonly buf: Uint8Array;
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
    this.pos = putHex(this.buf, this.at(16), v);
  }

  /** %d / %u / %llu of an integer I64 */
  dec(v: I64): void {
    this.pos = putDec(this.buf, this.at(20), v);
  }

  /** ends a line */
  nl(): void {
    this.buf[this.at(1)] = NL;
    this.pos++;
    if (this.lineChunks) this.flush();
  }
}

/** ASCII s as bytes, for the constant parts of the lines */
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

function putBytes(buf: Uint8Array, p: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) buf[p + i] = b[i];
  return p + b.length;
}

/** ASCII text of at most a line's length (the bigint fallbacks) */
function putAscii(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[p + i] = s.charCodeAt(i);
  return p + s.length;
}

/** %llx of a u64 I64 at p (at most 16 bytes); returns the end */
function putHex(buf: Uint8Array, p: number, v: I64): number {
  if (typeof v !== 'number' || v < 0 || v > SAFE) return v === U64_MAX ? putBytes(buf, p, ALL_ONES) : putAscii(buf, p, hex64I(v));
  if (v < 0x1_0000_0000) return putHex32(buf, p, v, v === 0 ? 1 : (35 - Math.clz32(v)) >>> 2);
  const hi = Math.floor(v / 0x1_0000_0000);
  p = putHex32(buf, p, hi, (35 - Math.clz32(hi)) >>> 2);
  return putHex32(buf, p, v - hi * 0x1_0000_0000, 8);
}

/** the low `digits` hex digits of a u32 at p */
function putHex32(buf: Uint8Array, p: number, v: number, digits: number): number {
  const end = p + digits;
  for (let q = end; q > p; ) {
    buf[--q] = HEX[v & 15];
    v >>>= 4;
  }
  return end;
}

/** %d / %u / %llu of an integer I64 at p (at most 20 bytes); returns the end */
function putDec(buf: Uint8Array, p: number, i: I64): number {
  if (typeof i !== 'number' || i > SAFE || i < -SAFE) return putAscii(buf, p, toBig(i).toString());
  let v = i;
  if (v < 0) {
    buf[p++] = 45; // '-'
    v = -v;
  }
  if (v <= 0x7fff_ffff) {
    // int arithmetic
    let digits = 1;
    for (let t = v; t >= 10; t = (t / 10) | 0) digits++;
    const end = p + digits;
    for (let q = end; q > p; ) {
      const d = (v / 10) | 0;
      buf[--q] = 48 + v - d * 10;
      v = d;
    }
    return end;
  }
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  const end = p + digits;
  for (let q = end; q > p; ) {
    const d = Math.floor(v / 10);
    buf[--q] = 48 + (v - d * 10);
    v = d;
  }
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
const OP_TEXT: Record<string, Uint8Array> = { add: ascii('add '), upsert: ascii('upsert '), remove: ascii('remove '), invalidate: ascii('invalidate ') };

/** "OFFSET+LENGTH addr ADDR type T flags F dev D" at p */
function putMap(buf: Uint8Array, p: number, m: MappingI): number {
  p = putHex(buf, p, m.offset);
  buf[p++] = PLUS;
  p = putHex(buf, p, m.length);
  p = putBytes(buf, p, T_ADDR);
  p = putHex(buf, p, m.addr);
  p = putBytes(buf, p, T_TYPE);
  p = putDec(buf, p, m.type);
  p = putBytes(buf, p, T_FLAGS);
  p = putHex(buf, p, m.flags);
  p = putBytes(buf, p, T_DEV);
  return putDec(buf, p, m.dev);
}

function extentLine(o: OutBytes, m: MappingI): void {
  const buf = o.buf;
  let p = o.at(LINE_MAX);
  buf[p++] = SP;
  buf[p++] = SP;
  o.pos = putMap(buf, p, m);
  o.nl();
}

function retLine(o: OutBytes, op: string, ret: number, seq: I64): void {
  const buf = o.buf;
  let p = o.at(LINE_MAX);
  p = putBytes(buf, p, OP_TEXT[op]);
  p = putDec(buf, p, ret);
  p = putBytes(buf, p, T_SEQ);
  o.pos = putDec(buf, p, seq);
  o.nl();
}

function hitLine(o: OutBytes, m: MappingI, cookie: I64): void {
  const buf = o.buf;
  let p = o.at(LINE_MAX);
  p = putBytes(buf, p, T_HIT);
  p = putMap(buf, p, m);
  p = putBytes(buf, p, T_COOKIE);
  o.pos = putDec(buf, p, cookie);
  o.nl();
}

function dumpLine(o: OutBytes, fork: Fork, count: number, height: number, seq: I64): void {
  const buf = o.buf;
  let p = o.at(LINE_MAX);
  p = putBytes(buf, p, T_FORK);
  p = putAscii(buf, p, forkName(fork));
  p = putBytes(buf, p, T_COUNT);
  p = putDec(buf, p, count);
  p = putBytes(buf, p, T_HEIGHT);
  p = putDec(buf, p, height);
  p = putBytes(buf, p, T_SEQ);
  o.pos = putDec(buf, p, seq);
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
      t.forEachRecordI((m) => extentLine(o, m));
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
