// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fast scanners (parse/fast-line.ts, schema/scanner.ts) against the
 * exact path (parseLine): on every line both accept they give the same
 * result (event, fields, comm, pid, cpu, timestamp, raw). Lines are made
 * from every schema of both dialects and both fuse revisions with random
 * values over the full 64-bit range and random prefixes, then some are
 * damaged. The fast path must also take every undamaged line (else it is
 * not the fast path), and the stream (split + fast + exact fallback) must
 * say what parseLine says about each line however the bytes are chunked.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanLine } from '../src/trace/parse/fast-line.js';
import { type LineResult, parseLine } from '../src/trace/parse/line.js';
import { isClean } from '../src/trace/parse/split.js';
import { type TraceItem, parseTraceStream } from '../src/trace/parse/stream.js';
import type { FuseTraceFormat } from '../src/trace/revision.js';
import { damaged, eventLine, sharedPrefixLines } from './trace-lines.js';

/** The fast path's answer on a line, when the text is clean (else the stream does not ask it). */
function fast(line: string, format: FuseTraceFormat): LineResult | null {
  const b = Buffer.from(line);
  return isClean(b) ? scanLine(line, b, 0, line.length, 7, format) : null;
}

describe('fast scanner vs the exact path', () => {
  it('takes every undamaged line, and gives what parseLine gives', () => {
    fc.assert(
      fc.property(eventLine, ({ line, format }) => {
        const want = parseLine(line, 7, format);
        const got = fast(line, format);
        if (!isClean(Buffer.from(line))) return;
        expect(got).not.toBeNull();
        expect(got).toStrictEqual(want);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with parseLine on every damaged line it takes', () => {
    let taken = 0;
    fc.assert(
      fc.property(damaged, ({ line, format }) => {
        const got = fast(line, format);
        if (got === null) return;
        taken++;
        expect(got).toStrictEqual(parseLine(line, 7, format));
      }),
      { numRuns: 4000 },
    );
    // most damage lands in a field's text, and part of it still reads
    expect(taken).toBeGreaterThan(100);
  });

  it('never throws and agrees on garbage', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom<FuseTraceFormat>('rfc-v3', 'v7'), (line, format) => {
        const got = fast(line, format);
        if (got !== null) expect(got).toStrictEqual(parseLine(line, 7, format));
      }),
      { numRuns: 3000 },
    );
  });

  it('runs of lines with the same prefix (reused from the line before) read as parseLine reads each', () => {
    let n = 0;
    fc.assert(
      fc.property(sharedPrefixLines, (lines) => {
        for (const { line, damaged: hurt } of lines) {
          const got = fast(line, 'rfc-v3');
          // an undamaged clean line is always taken (the reuse never refuses what the scan takes)
          if (!hurt && isClean(Buffer.from(line))) expect(got).not.toBeNull();
          if (got === null) continue;
          n++;
          expect(got).toStrictEqual(parseLine(line, 7, 'rfc-v3'));
        }
      }),
      { numRuns: 1500 },
    );
    expect(n).toBeGreaterThan(3000);
  });

  it('the stream says what parseLine says about each line, however it is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(eventLine, damaged), { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 6 }), fc.boolean(), async (lines, sizes, crlf) => {
        const format = lines[0].format;
        // the stream splits on \n: keep lines whole
        const texts = lines.map((l) => l.line.replace(/\n/g, ' '));
        const bytes = Buffer.from(texts.map((t) => t + (crlf ? '\r\n' : '\n')).join(''));
        const chunks: Buffer[] = [];
        for (let p = 0, i = 0; p < bytes.length; i++) {
          chunks.push(bytes.subarray(p, p + sizes[i % sizes.length]));
          p += sizes[i % sizes.length];
        }
        const items: TraceItem[] = [];
        for await (const it of parseTraceStream(Readable.from(chunks), 'f.trace', undefined, format)) items.push(it);
        const want: TraceItem[] = [];
        texts.forEach((t, i) => {
          // one \r before the \n is dropped: the CRLF's, else a damaged line's own
          const r = parseLine(crlf ? t : t.replace(/\r$/, ''), i + 1, format);
          if (r.kind === 'event') want.push(r);
          else if (r.kind === 'lost') want.push({ kind: 'lost', cpu: r.cpu, count: r.count, line: i + 1 });
          else if (r.kind === 'error') want.push({ kind: 'problem', problem: { file: 'f.trace', line: i + 1, why: r.why } });
        });
        expect(items).toStrictEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
