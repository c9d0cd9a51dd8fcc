// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cuts byte chunks into lines in constant memory: \n ends a line, one \r
 * before it is dropped, a line longer than maxLine bytes is reported by
 * its length and not kept. The complete lines of a chunk are decoded to
 * one string at once and handed out as (text, start, end) ranges of it, so
 * the parser makes no string per line (UTF-8 never uses byte 10 inside a
 * character, so a line decodes the same alone or with its neighbours).
 */
import { isAscii } from 'node:buffer';

export const MAX_LINE = 64 * 1024;

export type SplitLine = string | { tooLong: number };

/**
 * A chunk's clean lines (below) kept as their bytes: a string is made only
 * where one is asked for (slice: one piece; whole: the chunk's text, once),
 * so the column path, which reads the bytes, decodes nothing. Clean text is
 * ASCII: byte i is character i, and latin1 decodes it as UTF-8 would.
 */
export class CleanText {
  private text: string | null = null;
  constructor(readonly bytes: Buffer) {}
  /** The characters [start, end). */
  slice(start: number, end?: number): string {
    return this.text !== null ? this.text.slice(start, end) : this.bytes.toString('latin1', start, end ?? this.bytes.length);
  }
  /** The whole text (decoded once). */
  whole(): string {
    return (this.text ??= this.bytes.toString('latin1'));
  }
}

/** A line's text: a string, or a chunk's clean bytes (slice() gives the same characters either way). */
export type LineText = string | CleanText;

/** The string of a LineText. */
export const textOf = (t: LineText): string => (typeof t === 'string' ? t : t.whole());

/**
 * Receives the lines of a chunk, in order: text.slice(start, end) is the
 * line. clean: when the text is clean (below), the same text as bytes,
 * clean[i] being character i of text; else null. A clean chunk's text is
 * its CleanText.
 */
export interface LineSink {
  line(text: LineText, start: number, end: number, clean: Uint8Array | null): void;
  tooLong(bytes: number): void;
}

/** end, less one when the line ends with the \r of a CRLF. */
function withoutCr(text: string, start: number, end: number): number {
  return end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

/**
 * Clean text: ASCII whose only whitespace inside a line is spaces and
 * tabs (no \v, \f, and \r only in a CRLF ending). There one byte is one
 * character, \s is a space or a tab and a regex's `.` matches every byte
 * of a line, which the fast scanners rely on (parse/fast-line.ts).
 */
export function isClean(b: Uint8Array): boolean {
  if (!isAscii(b) || b.indexOf(11) >= 0 || b.indexOf(12) >= 0) return false;
  for (let i = b.indexOf(13); i >= 0; i = b.indexOf(13, i + 1)) if (b[i + 1] !== 10) return false;
  return true;
}

/** One line from its bytes (a carried line, or the unterminated last one). */
function lineOf(bytes: Buffer, sink: LineSink): void {
  const end = bytes.length && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
  const b = bytes.subarray(0, end);
  const text = b.toString('utf8');
  sink.line(text, 0, text.length, isClean(b) ? b : null);
}

const collect = (out: SplitLine[]): LineSink => ({ line: (text, start, end) => out.push(textOf(text).slice(start, end)), tooLong: (n) => out.push({ tooLong: n }) });

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private dropping = 0; // bytes of an over-long line being skipped

  constructor(private readonly maxLine = MAX_LINE) {}

  /** Hands the lines this chunk completes to sink, in order. */
  scan(chunk: Buffer, sink: LineSink): void {
    let start = 0;
    if (this.dropping || this.carryLen) {
      // the line the carry began
      const nl = chunk.indexOf(10);
      if (nl < 0) return this.keep(chunk, 0);
      const len = this.dropping + this.carryLen + nl;
      if (this.dropping || len > this.maxLine) sink.tooLong(len);
      else lineOf(Buffer.concat([...this.carry, chunk.subarray(0, nl)]), sink);
      this.dropping = 0;
      this.carry = [];
      this.carryLen = 0;
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= start) {
      // every complete line of the chunk: clean ones as their bytes (CleanText), the others decoded once
      const region = chunk.subarray(start, last + 1);
      if (isClean(region)) {
        // one byte per character: the \n are found in the bytes
        const text = new CleanText(region);
        for (let c = 0; c < region.length; ) {
          const cnl = region.indexOf(10, c);
          if (cnl - c > this.maxLine) sink.tooLong(cnl - c);
          else sink.line(text, c, cnl > c && region[cnl - 1] === 13 ? cnl - 1 : cnl, region);
          c = cnl + 1;
        }
      } else {
        this.scanMixed(chunk, start, last, chunk.toString('utf8', start, last + 1), sink);
      }
      start = last + 1;
    }
    if (start < chunk.length) this.keep(chunk, start);
  }

  /** The lines of chunk[start, last] (last: a \n) when they are not all clean; text: them decoded. */
  private scanMixed(chunk: Buffer, start: number, last: number, text: string, sink: LineSink): void {
    let b = start;
    let c = 0;
    while (b <= last) {
      const bnl = chunk.indexOf(10, b);
      const cnl = text.indexOf('\n', c);
      if (bnl - b > this.maxLine) sink.tooLong(bnl - b);
      else {
        const end = withoutCr(text, c, cnl);
        // in a region that is not clean as a whole, a line may still be: its
        // bytes are then its characters, at a view shifted so that view[c + k]
        // is its byte k (characters never outnumber bytes, so b >= c)
        const bytes = isClean(chunk.subarray(b, b + end - c)) && b + end - c === bnl - (cnl - end) ? chunk.subarray(b - c) : null;
        sink.line(text, c, end, bytes);
      }
      b = bnl + 1;
      c = cnl + 1;
    }
  }

  /** The start of a line the next chunk ends. */
  private keep(chunk: Buffer, start: number): void {
    const rest = chunk.length - start;
    if (this.dropping || this.carryLen + rest > this.maxLine) {
      this.dropping += this.carryLen + rest;
      this.carry = [];
      this.carryLen = 0;
    } else {
      this.carry.push(Buffer.from(chunk.subarray(start)));
      this.carryLen += rest;
    }
  }

  /** Hands the unterminated last line, if any, to sink. */
  finish(sink: LineSink): void {
    if (this.dropping) sink.tooLong(this.dropping);
    else if (this.carryLen) lineOf(Buffer.concat(this.carry), sink);
    this.dropping = 0;
    this.carry = [];
    this.carryLen = 0;
  }

  /** The lines this chunk completes, in order, as strings. */
  push(chunk: Buffer, out: SplitLine[] = []): SplitLine[] {
    this.scan(chunk, collect(out));
    return out;
  }

  /** The unterminated last line, if any. */
  end(): SplitLine | null {
    const out: SplitLine[] = [];
    this.finish(collect(out));
    return out.length ? out[0] : null;
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
