// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `parser` target: well-formed trace lines (parser-seeds.ts) mutated
 * (truncated lines, wrong field types, unknown or swapped event names,
 * binary garbage, huge numbers, split and joined lines, multi-byte UTF-8,
 * over-long lines, CRLF) and fed to parseTraceStream in random chunk
 * sizes. Properties: it never throws; every line it cannot read comes
 * back as a problem naming FILE:LINE; and the items are exactly what
 * parseLine says about each line on its own, however the bytes were
 * chunked.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { type LineResult, parseLine } from '../../trace/parse/line.js';
import { MAX_LINE, type TraceItem, formatProblem, parseTraceStream } from '../../trace/parse/stream.js';
import type { Bias, FuzzTarget, Outcome } from '../target.js';
import type { Finding, PropertyName } from '../violation.js';
import { seedLines } from './parser-seeds.js';

const FILE = 'fuzz.trace';

type MutKind = 'truncate' | 'field' | 'event' | 'garbage' | 'huge' | 'dup' | 'cut' | 'join' | 'long' | 'utf8' | 'cr';
interface Mutation {
  at: number;
  kind: MutKind;
  a: number;
  bytes: Uint8Array;
}

export interface ParserInput {
  lines: number[];
  muts: Mutation[];
  crlf: boolean;
  finalNewline: boolean;
  chunks: number[];
}

export interface ParserCase {
  lines: Buffer[];
  finalNewline: boolean;
  chunks: number[];
}

export const PARSER_BIAS: Readonly<Bias> = Object.freeze({ maxLines: 30, maxMuts: 6, long: 1 });

const WRONG = ['zz', '-1', '0x', '1.5', '', '0xg', '(', ')', '0x' + 'f'.repeat(40), '99999999999999999999999999', 'NaN', '\t'];
const UTF8 = ['é', '€', '😀', '\u0000', '\ufffd'];
const EVENT_SWAPS = ['fuse_iomap_cache_bogus', 'xfs_iext_insert', 'fuse_iext_insert', 'fuse_iomap_cache_lookup_result', 'x', ''];

function mutate(lines: Buffer[], m: Mutation): void {
  if (lines.length === 0) return;
  const i = m.at % lines.length;
  const line = lines[i];
  const s = line.toString('latin1');
  const pos = line.length === 0 ? 0 : m.a % line.length;
  switch (m.kind) {
    case 'truncate':
      lines[i] = line.subarray(0, pos);
      break;
    case 'field': {
      // a number token gets a value of the wrong type
      const toks = [...s.matchAll(/\b(0x[0-9a-f]+|\d+)\b/g)];
      if (toks.length === 0) break;
      const t = toks[m.a % toks.length];
      lines[i] = Buffer.from(s.slice(0, t.index) + WRONG[m.a % WRONG.length] + s.slice(t.index! + t[0].length), 'latin1');
      break;
    }
    case 'huge': {
      const toks = [...s.matchAll(/\b(0x[0-9a-f]+|\d+)\b/g)];
      if (toks.length === 0) break;
      const t = toks[m.a % toks.length];
      const big = t[0].startsWith('0x') ? '0x' + '9'.repeat(17 + (m.a % 30)) : '1' + '0'.repeat(20 + (m.a % 30));
      lines[i] = Buffer.from(s.slice(0, t.index) + big + s.slice(t.index! + t[0].length), 'latin1');
      break;
    }
    case 'event': {
      const e = /: (\w+): /.exec(s);
      if (!e) break;
      lines[i] = Buffer.from(s.slice(0, e.index + 2) + EVENT_SWAPS[m.a % EVENT_SWAPS.length] + s.slice(e.index + 2 + e[1].length), 'latin1');
      break;
    }
    case 'garbage':
      lines[i] = Buffer.concat([line.subarray(0, pos), Buffer.from(m.bytes).filter((b) => b !== 10), line.subarray(pos)]);
      break;
    case 'utf8':
      lines[i] = Buffer.concat([line.subarray(0, pos), Buffer.from(UTF8[m.a % UTF8.length]), line.subarray(pos)]);
      break;
    case 'dup':
      lines.splice(i, 0, Buffer.from(line));
      break;
    case 'cut':
      // split the line in two
      lines.splice(i, 1, line.subarray(0, pos), line.subarray(pos));
      break;
    case 'join':
      if (i + 1 < lines.length) lines.splice(i, 2, Buffer.concat([line, lines[i + 1]]));
      break;
    case 'long':
      // around MAX_LINE: just under, at, and over
      lines[i] = Buffer.concat([line, Buffer.alloc(Math.max(0, MAX_LINE - line.length - 2 + (m.a % 5)), 0x41)]);
      break;
    case 'cr':
      lines[i] = Buffer.concat([line.subarray(0, pos), Buffer.from('\r'), line.subarray(pos)]);
      break;
  }
}

type Expected = LineResult | { kind: 'long' };

/** Why the stream's item is not what parseLine says about the line (null when it is). */
function mismatch(got: TraceItem, want: Expected, n: number): { property: PropertyName; message: string } | null {
  if (want.kind === 'error' || want.kind === 'long') {
    if (got.kind !== 'problem' || got.problem.line !== n || got.problem.file !== FILE) return { property: 'parser-names-line', message: `unreadable, but the stream gave ${got.kind}` };
    if (!formatProblem(got.problem).startsWith(`${FILE}:${n}: `) || got.problem.why.length === 0) return { property: 'parser-names-line', message: `problem text ${JSON.stringify(formatProblem(got.problem))}` };
    if (want.kind === 'error' && got.problem.why !== want.why) return { property: 'parser-chunking', message: `stream says ${got.problem.why}, parseLine says ${want.why}` };
    return null;
  }
  if (want.kind === 'lost') {
    if (got.kind !== 'lost' || got.line !== n || got.cpu !== want.cpu || got.count !== want.count) return { property: 'parser-chunking', message: `lost marker, the stream gave ${got.kind}` };
    return null;
  }
  if (want.kind === 'skip') return { property: 'parser-chunking', message: 'a line to skip gave an item' };
  if (got.kind !== 'event' || got.event.line !== n || got.event.name !== want.event.name || !isDeepStrictEqual(got.event.fields, want.event.fields))
    return { property: 'parser-chunking', message: `event ${want.event.name}, the stream gave ${got.kind === 'event' ? `${got.event.name} at line ${got.event.line}` : got.kind === 'problem' ? `problem "${got.problem.why}"` : got.kind}` };
  return null;
}

/** What the stream must say about one line, by parseLine alone (LineSplitter's rules: \n ends a line, one \r before it is dropped). */
function expected(line: Buffer, n: number): Expected {
  if (line.length > MAX_LINE) return { kind: 'long' };
  const end = line.length && line[line.length - 1] === 13 ? line.length - 1 : line.length;
  return parseLine(line.toString('utf8', 0, end), n);
}

async function* chunked(bytes: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let p = 0;
  for (let i = 0; p < bytes.length; i++) {
    const n = sizes.length ? sizes[i % sizes.length] : bytes.length;
    yield bytes.subarray(p, p + n);
    p += n;
  }
}


export class ParserTarget implements FuzzTarget<ParserInput, ParserCase> {
  readonly name = 'parser' as const;
  readonly ext = '.trace' as const;
  readonly defaultBias = PARSER_BIAS;
  readonly async = true;
  readonly coverageFiles = ['src/trace/parse/line.js', 'src/trace/parse/stream.js', 'src/trace/schema/compile.js', 'src/trace/parse/fast-line.js', 'src/trace/parse/split.js', 'src/trace/schema/scanner.js'];

  arbitrary(bias: Readonly<Bias>): fc.Arbitrary<ParserInput> {
    const n = seedLines().length;
    const kinds: fc.WeightedArbitrary<MutKind>[] = [
      ...(['truncate', 'field', 'event', 'garbage', 'huge', 'dup', 'cut', 'join', 'utf8', 'cr'] as const).map((k) => ({ weight: 4, arbitrary: fc.constant<MutKind>(k) })),
      { weight: bias.long ?? 1, arbitrary: fc.constant<MutKind>('long') },
    ];
    const mut = fc.record({ at: fc.nat(1000), kind: fc.oneof(...kinds.filter((k) => k.weight > 0)), a: fc.nat(1 << 16), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) });
    return fc.record({
      lines: fc.array(fc.nat(n - 1), { minLength: 1, maxLength: bias.maxLines ?? 30 }),
      muts: fc.array(mut, { maxLength: bias.maxMuts ?? 6 }),
      crlf: fc.boolean(),
      finalNewline: fc.boolean(),
      chunks: fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 8 }),
    });
  }

  async runInput(input: ParserInput): Promise<{ outcome: Outcome; case: ParserCase }> {
    const seeds = seedLines();
    const lines = input.lines.map((i) => Buffer.from(seeds[i] + (input.crlf ? '\r' : '')));
    for (const m of input.muts) mutate(lines, m);
    const c: ParserCase = { lines, finalNewline: input.finalNewline, chunks: input.chunks };
    return { outcome: await this.runCase(c), case: c };
  }

  async runCase(c: ParserCase): Promise<Outcome> {
    const fail = (property: PropertyName, message: string, opIndex: number): Outcome => ({ failure: { property, message, opIndex }, findings: [] });
    const bytes = this.bytes(c);
    const items: TraceItem[] = [];
    try {
      for await (const it of parseTraceStream(chunked(bytes, c.chunks), FILE)) items.push(it);
    } catch (e) {
      return fail('parser-never-throws', `parseTraceStream threw ${(e as Error).stack ?? e}`, c.lines.length - 1);
    }
    // the lines as LineSplitter cuts them: a last line without \n counts when it is not empty
    const lines = [...c.lines];
    if (!c.finalNewline && lines.length && lines[lines.length - 1].length === 0) lines.pop();
    let k = 0;
    let lastLine = 0;
    const findings: Finding[] = [];
    for (let i = 0; i < lines.length; i++) {
      const n = i + 1;
      let want: Expected;
      try {
        want = expected(lines[i], n);
      } catch (e) {
        return fail('parser-never-throws', `parseLine threw on line ${n}: ${(e as Error).stack ?? e}`, i);
      }
      if (want.kind === 'skip') {
        continue;
      }
      const got = items[k++];
      const where = `line ${n} (${JSON.stringify(lines[i].toString('utf8').slice(0, 200))})`;
      if (!got) return fail('parser-chunking', `${where}: expected ${want.kind}, the stream gave nothing more`, i);
      const gotLine = got.kind === 'event' ? got.event.line : got.kind === 'lost' ? got.line : got.problem.line;
      if (gotLine <= lastLine || gotLine > lines.length) return fail('parser-names-line', `${where}: item for line ${gotLine} out of order or past the end`, i);
      lastLine = gotLine;
      const bad = mismatch(got, want, n);
      if (bad === null) continue;
      return { failure: { ...bad, message: `${where}: ${bad.message}`, opIndex: i }, findings };
    }
    if (k !== items.length) return { failure: { property: 'parser-chunking', message: `the stream gave ${items.length - k} item(s) more than the lines hold`, opIndex: lines.length - 1 }, findings };
    return { failure: null, findings };
  }

  private bytes(c: ParserCase): Buffer {
    const parts: Buffer[] = [];
    c.lines.forEach((l, i) => {
      parts.push(l);
      if (i < c.lines.length - 1 || c.finalNewline) parts.push(Buffer.from('\n'));
    });
    return Buffer.concat(parts);
  }

  size(c: ParserCase): number {
    return c.lines.length;
  }

  without(c: ParserCase, from: number, to: number): ParserCase {
    return { ...c, lines: [...c.lines.slice(0, from), ...c.lines.slice(to)] };
  }

  /** A header line with the chunk sizes, then the exact bytes */
  format(c: ParserCase): Buffer {
    return Buffer.concat([Buffer.from(`# chunks: ${c.chunks.join(',') || 'whole'}; final newline: ${c.finalNewline ? 'yes' : 'no'}\n${INPUT_MARK}\n`), this.bytes(c)]);
  }

  parse(body: Buffer, file: string): ParserCase {
    const head = body.indexOf(`${INPUT_MARK}\n`);
    if (head < 0) throw new Error(`${file}: no '${INPUT_MARK}' line before the trace bytes`);
    const meta = /# chunks: ([\d,]+|whole); final newline: (yes|no)/.exec(body.subarray(0, head).toString('utf8'));
    if (!meta) throw new Error(`${file}: no '# chunks: ...; final newline: ...' line`);
    const bytes = body.subarray(head + INPUT_MARK.length + 1);
    const finalNewline = meta[2] === 'yes';
    const lines: Buffer[] = [];
    let p = 0;
    for (;;) {
      const nl = bytes.indexOf(10, p);
      if (nl < 0) break;
      lines.push(bytes.subarray(p, nl));
      p = nl + 1;
    }
    if (!finalNewline || p < bytes.length) lines.push(bytes.subarray(p));
    return { lines, finalNewline, chunks: meta[1] === 'whole' ? [] : meta[1].split(',').map(Number) };
  }
}

/** Everything after this line of a parser corpus file is the input, byte for byte. */
export const INPUT_MARK = '# ---- input ----';
