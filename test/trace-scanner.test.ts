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
import { printFlags, printSymbolic } from '../src/trace/print-flags.js';
import { scanLine } from '../src/trace/parse/fast-line.js';
import { type LineResult, parseLine } from '../src/trace/parse/line.js';
import { isClean } from '../src/trace/parse/split.js';
import { type TraceItem, parseTraceStream } from '../src/trace/parse/stream.js';
import type { FuseTraceFormat } from '../src/trace/revision.js';
import { FUSE_SCHEMAS, FUSE_V7_SCHEMAS, XFS_SCHEMAS } from '../src/trace/schema/registry.js';
import type { EventSchema, FieldSpec } from '../src/trace/schema/types.js';

const CONVERSION = /%(%|pS|p|(?:ll|l|z|h|hh)?[udx]|s)/g;
const SCHEMAS: Array<{ format: FuseTraceFormat; schema: EventSchema }> = [
  ...[...FUSE_SCHEMAS.values()].map((schema) => ({ format: 'rfc-v3' as const, schema })),
  ...[...FUSE_V7_SCHEMAS.values()].map((schema) => ({ format: 'v7' as const, schema })),
  ...[...XFS_SCHEMAS.values()].map((schema) => ({ format: 'rfc-v3' as const, schema })),
];

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const s64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
/** small values too, where the numbers and the names of the tables are */
const small = fc.bigInt({ min: 0n, max: 0x1_0000n });

/** Text for one conversion: what the kernel would print for a random value. */
function conversionText(spec: FieldSpec): fc.Arbitrary<string> {
  const d = spec.decode;
  const signed = /d$/.test(spec.conversion);
  switch (d.kind) {
    case 'dec':
      return fc.oneof(signed ? s64 : u64, small).map((v) => v.toString());
    case 'hex':
      return fc.oneof(u64, small).map((v) => v.toString(16));
    case 'major':
    case 'minor':
      return fc.oneof(fc.nat(4095), u64).map((v) => v.toString());
    case 'ptr':
      return fc.oneof(
        u64.map((v) => v.toString(16).padStart(16, '0')),
        u64.map((v) => '0x' + v.toString(16)),
        fc.constantFrom('(null)', '(nil)', '0000000000000000'),
      );
    case 'sym':
      return fc.oneof(
        fc.constantFrom('fuse_iomap_cache+0x0/0x0', 'xfs_bmap_add_extent_hole_delay.constprop.0+0x94/0x470', '0xffffffffc0a8b1c2'),
        fc.string({ unit: fc.constantFrom(...'abz_.+/0x19 '), minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s.length > 0),
      );
    case 'flags':
      return fc.nat().map((v) => printFlags(v, d.table));
    case 'symbolic':
      return fc.oneof(fc.constantFrom(...d.table.map(([v]) => v)), fc.nat()).map((v) => printSymbolic(v, d.table));
  }
}

/** A body of the schema's format with random values. */
function bodyOf(schema: EventSchema): fc.Arbitrary<string> {
  const parts = schema.format.split(CONVERSION);
  // split with one capture group: text, conversion, text, ...
  const gens: fc.Arbitrary<string>[] = [];
  let f = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) gens.push(fc.constant(parts[i]));
    else if (parts[i] === '%') gens.push(fc.constant('%'));
    else gens.push(conversionText(schema.fields[f++]));
  }
  return fc.tuple(...gens).map((xs) => xs.join(''));
}

/** The ftrace prefix in its forms: trace / trace_pipe, with or without irq-info and tgid, trace-cmd report. */
const prefix = fc.record({
  lead: fc.constantFrom('', ' ', '          ', '\t'),
  comm: fc.oneof(
    fc.constantFrom('fio', 'fuse2fs', 'kworker/u8:3', '<idle>', 'a b-c', 'my-prog-2', 'inst: fio', 'x:  y', ':a b', 'CPUx'),
    fc.string({ unit: fc.constantFrom(...'ab-: 1(['), maxLength: 12 }),
  ),
  pid: fc.oneof(fc.nat(99999), fc.bigInt({ min: 0n, max: 10n ** 20n })).map(String),
  tgid: fc.option(fc.constantFrom('(  123)', '(-------)', '(1)', '( -)'), { nil: null }),
  cpu: fc.nat(300).map((c) => String(c).padStart(3, '0')),
  flags: fc.option(fc.constantFrom('.....', 'd..1.', 'dNh.', '....', '1234'), { nil: null }),
  ts: fc.tuple(fc.nat(99999), fc.nat(999999)).map(([s, u]) => `${s}.${String(u).padStart(6, '0')}`),
  gap: fc.constantFrom(' ', '   ', '\t'),
  after: fc.constantFrom(' ', '  ', '   '),
});

const eventLine = fc
  .tuple(fc.constantFrom(...SCHEMAS), prefix)
  .chain(([s, p]) =>
    bodyOf(s.schema).map((body) => ({
      format: s.format,
      line: `${p.lead}${p.comm}-${p.pid}${p.gap}${p.tgid ? p.tgid + ' ' : ''}[${p.cpu}]${p.gap}${p.flags ? p.flags + ' ' : ''}${p.ts}:${p.gap}${s.schema.name}:${p.after}${body}`,
    })),
  );

/** Damage: a character changed, inserted or removed somewhere. */
const damaged = fc.tuple(eventLine, fc.nat(), fc.constantFrom('del', 'ins', 'set'), fc.constantFrom(...' -:[]()x0a|/\t.\r\u00a0é#', 'CPU:')).map(([l, at, how, ch]) => {
  const i = at % (l.line.length + 1);
  const line = how === 'del' ? l.line.slice(0, i) + l.line.slice(i + 1) : how === 'ins' ? l.line.slice(0, i) + ch + l.line.slice(i) : l.line.slice(0, i) + ch + l.line.slice(i + 1);
  return { format: l.format, line };
});

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
