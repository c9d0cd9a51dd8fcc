// SPDX-License-Identifier: GPL-2.0-only
/*
 * The column path (parse/batch.ts, scanLineInto, parseTraceColumns) against
 * the object path (scanLine, parseLine, parseTraceBatches): on every line
 * the column scanner takes exactly the lines the object scanner takes, and
 * a row's columns decode to the same fields (full 64-bit values: numbers
 * up to 2^53, the exact bigint beyond), the same timestamp and pid (also
 * where a line's prefix is the one before it, reused), the same
 * event when materialised; the stream gives the same items and stats
 * however the bytes are chunked; and a replay reading the columns reports
 * exactly what the replay of TraceEvent objects reports, corrupted or not.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBatch, STRIDE } from '../src/trace/parse/batch.js';
import { scanLine, scanLineInto } from '../src/trace/parse/fast-line.js';
import { parseLine } from '../src/trace/parse/line.js';
import { isClean } from '../src/trace/parse/split.js';
import { type TraceItem, newStats, parseTraceBatches, parseTraceColumns, parseTraceStream } from '../src/trace/parse/stream.js';
import { micros } from '../src/trace/parse/timestamp.js';
import { type ReplayOptions, replayItems, replayStream } from '../src/trace/replay/run.js';
import type { FuseTraceFormat } from '../src/trace/revision.js';
import { FUSE_SCHEMAS, FUSE_V7_SCHEMAS, XFS_SCHEMAS } from '../src/trace/schema/registry.js';
import { SHARED } from './paths.js';
import { damaged, eventLine, sharedPrefixLines } from './trace-lines.js';

/** Both paths on one line (when clean): the object answer, and the column answer with its row read back. */
function both(line: string, format: FuseTraceFormat) {
  const b = Buffer.from(line);
  if (!isClean(b)) return null;
  const batch = new EventBatch(format);
  const code = scanLineInto(line, b, 0, line.length, 7, format, batch);
  return { object: scanLine(line, b, 0, line.length, 7, format), code, batch };
}

/** The column answer agrees with scanLine's: same acceptance, and the row reads back as its event. */
function agree(line: string, format: FuseTraceFormat): boolean {
  const got = both(line, format);
  if (got === null) return false;
  const { object, code, batch } = got;
  if (object === null) {
    expect(code).toBe(-1);
    return false;
  }
  if (object.kind === 'skip') {
    expect(code).toBe(0);
    return false;
  }
  expect(object.kind).toBe('event');
  if (object.kind !== 'event') return false;
  expect(code).toBe(1);
  expect(batch.length).toBe(1);
  expect(batch.schema[0]!.name).toBe(object.event.name);
  // the columns alone give the object scanner's fields, to the last bit
  expect(batch.fields(0)).toStrictEqual(object.event.fields);
  expect(batch.micros(0)).toBe(micros(object.event.timestamp));
  expect(batch.pid[0]).toBe(object.event.pid);
  expect(batch.raw(0)).toBe(object.event.raw);
  expect(batch.event(0)).toStrictEqual(object.event);
  // a number only where it is exact; NaN (the bigint beside it) otherwise
  const schema = batch.schema[0]!;
  for (const f of schema.fields) {
    const k = schema.slots.get(f.field)!;
    const v = batch.num[k];
    if (f.decode.kind === 'ptr' || f.decode.kind === 'sym') continue;
    if (Number.isNaN(v)) expect(typeof batch.big[k]).toBe('bigint');
    else expect(Number.isSafeInteger(v)).toBe(true);
  }
  return true;
}

describe('column path vs object path', () => {
  it('every schema has a column scanner that fits a row', () => {
    for (const s of [...FUSE_SCHEMAS.values(), ...FUSE_V7_SCHEMAS.values(), ...XFS_SCHEMAS.values()]) {
      expect(s.columns, s.name).not.toBeNull();
      expect(s.slots.size).toBeLessThanOrEqual(STRIDE);
    }
  });

  it('takes every undamaged line and decodes it as the object scanner does', () => {
    let taken = 0;
    fc.assert(
      fc.property(eventLine, ({ line, format }) => {
        if (agree(line, format)) taken++;
        else expect(isClean(Buffer.from(line))).toBe(false);
      }),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(2000);
  });

  it('a run of one task\'s lines (the prefix reused from the line before) has each line\'s pid and timestamp in its row', () => {
    let n = 0;
    fc.assert(
      fc.property(sharedPrefixLines, (lines) => {
        const batch = new EventBatch('rfc-v3');
        for (const { line } of lines) {
          const b = Buffer.from(line);
          if (!isClean(b)) continue;
          const before = batch.length;
          if (scanLineInto(line, b, 0, line.length, 7, 'rfc-v3', batch) !== 1) continue;
          const want = parseLine(line, 7, 'rfc-v3');
          expect(want.kind).toBe('event');
          if (want.kind !== 'event') continue;
          expect(batch.pid[before]).toBe(want.event.pid);
          expect(batch.micros(before)).toBe(micros(want.event.timestamp));
          n++;
        }
      }),
      { numRuns: 1000 },
    );
    expect(n).toBeGreaterThan(2000);
  });

  it('agrees on every damaged line (taken, skipped or left to parseLine alike)', () => {
    let taken = 0;
    fc.assert(
      fc.property(damaged, ({ line, format }) => {
        if (agree(line, format)) taken++;
      }),
      { numRuns: 4000 },
    );
    expect(taken).toBeGreaterThan(100);
  });

  it('never throws and agrees on garbage', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom<FuseTraceFormat>('rfc-v3', 'v7'), (line, format) => {
        agree(line, format);
      }),
      { numRuns: 3000 },
    );
  });

  it('a row reused for another line keeps nothing of the old one', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(eventLine, damaged), { minLength: 2, maxLength: 30 }), (lines) => {
        const batch = new EventBatch('rfc-v3');
        const want: unknown[] = [];
        for (const { line } of lines.filter((l) => l.format === 'rfc-v3')) {
          const b = Buffer.from(line);
          if (!isClean(b)) continue;
          const object = scanLine(line, b, 0, line.length, 1, 'rfc-v3');
          if (scanLineInto(line, b, 0, line.length, 1, 'rfc-v3', batch) === 1 && object?.kind === 'event') want.push(object.event.fields);
          // one row at a time: every line lands on the same row
          if (batch.length) {
            expect(batch.fields(0)).toStrictEqual(want[want.length - 1]);
            batch.reset();
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the column stream gives the object stream\'s items and stats, however it is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(eventLine, eventLine, damaged), { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        async (lines, sizes, crlf, junk) => {
          const format = lines[0].format;
          const texts = lines.map((l) => l.line.replace(/\n/g, ' '));
          if (junk) texts.splice(texts.length >> 1, 0, 'CPU:1 [LOST 5 EVENTS]', '# comment', '', 'x'.repeat(70_000), 'garbage line');
          const bytes = Buffer.from(texts.map((t) => t + (crlf ? '\r\n' : '\n')).join(''));
          const chunks: Buffer[] = [];
          for (let p = 0, i = 0; p < bytes.length; i++) {
            chunks.push(bytes.subarray(p, p + sizes[i % sizes.length]));
            p += sizes[i % sizes.length];
          }
          const want: TraceItem[] = [];
          const wantStats = newStats();
          for await (const batch of parseTraceBatches(Readable.from(chunks), 'f.trace', wantStats, format)) want.push(...batch);
          const got: TraceItem[] = [];
          const gotFields: unknown[] = [];
          const stats = newStats();
          for await (const batch of parseTraceColumns(Readable.from(chunks), 'f.trace', stats, format))
            for (let r = 0; r < batch.length; r++) {
              got.push(batch.itemAt(r));
              if (batch.schema[r]) gotFields.push(batch.fields(r));
              else if (batch.item[r]!.kind === 'event') gotFields.push(batch.fields(r));
            }
          expect(got).toStrictEqual(want);
          expect(gotFields).toStrictEqual(want.flatMap((it) => (it.kind === 'event' ? [it.event.fields] : [])));
          expect(stats).toStrictEqual(wantStats);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A replay from the columns (replayStream) and from TraceEvent objects (replayItems over parseTraceStream). */
async function bothReplays(text: string, opts: ReplayOptions, format: FuseTraceFormat = 'rfc-v3') {
  const chunks = () => Readable.from([Buffer.from(text)]);
  const columns = await replayStream(chunks(), 'c.trace', opts);
  const stats = newStats();
  const objects = await replayItems(parseTraceStream(chunks(), 'c.trace', stats, format), stats, opts);
  return { columns, objects };
}

const XFS = join(SHARED, 'fixtures', 'xfs-live', 'fio-randwrite-punch-collapse.trace');
const FUSE_DIR = join(SHARED, 'fixtures', 'fuse-cache');

/** A corrupted copy: a number in a line changed by one, a line dropped, or two leaf pointers swapped. */
const corruption = fc.tuple(fc.constantFrom('field', 'drop', 'pointer'), fc.nat(), fc.nat());
function corrupt(lines: string[], [how, a, b]: [string, number, number]): string[] {
  const out = [...lines];
  const events = out.map((l, k) => (/: \w+: /.test(l) && !l.startsWith('#') ? k : -1)).filter((k) => k >= 0);
  const i = events[a % events.length];
  if (how === 'drop') out.splice(i, 1);
  else if (how === 'field') {
    const nums = [...out[i].matchAll(/ (0x[0-9a-f]+|\d+)(?= |$)/g)];
    const m = nums[b % nums.length];
    if (m) out[i] = out[i].slice(0, m.index! + 1) + (m[1].startsWith('0x') ? '0x' + (BigInt(m[1]) + 1n).toString(16) : String(BigInt(m[1]) + 1n)) + out[i].slice(m.index! + 1 + m[1].length);
  } else {
    const ptrs = events.filter((k) => / cur [0-9a-f]{16}\//.test(out[k]));
    const [pi, pj] = [ptrs[a % ptrs.length], ptrs[b % ptrs.length]];
    const p = (k: number) => / cur ([0-9a-f]{16})\//.exec(out[k])![1];
    const [x, y] = [p(pi), p(pj)];
    out[pi] = out[pi].replace(` cur ${x}/`, ` cur ${y}/`);
    out[pj] = out[pj].replace(` cur ${y}/`, ` cur ${x}/`);
  }
  return out;
}

describe('replay from the columns vs from TraceEvent objects', () => {
  const xfs = readFileSync(XFS, 'utf8').split('\n');
  it('the xfs-live fixture: the same report, intact and corrupted', async () => {
    const intact = await bothReplays(xfs.join('\n'), { dialect: 'xfs' });
    expect(intact.columns.divergences).toBe(0);
    expect(intact.columns).toStrictEqual(intact.objects);
    let caught = 0;
    await fc.assert(
      fc.asyncProperty(corruption, async (c) => {
        const { columns, objects } = await bothReplays(corrupt(xfs, c).join('\n'), { dialect: 'xfs' });
        expect(columns).toStrictEqual(objects);
        if (columns.divergences) caught++;
      }),
      { numRuns: 12 },
    );
    // the corruptions are not all harmless: the reports compared name divergences
    expect(caught).toBeGreaterThan(0);
  });

  const fuse = readdirSync(FUSE_DIR).filter((f) => f.endsWith('.trace')).sort();
  it('the fuse-cache fixtures: the same report, intact and corrupted', async () => {
    expect(fuse.length).toBeGreaterThanOrEqual(10);
    let caught = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fuse), fc.option(corruption, { nil: null }), async (name, c) => {
        const text = readFileSync(join(FUSE_DIR, name), 'utf8');
        // the inode's block size and s_maxbytes from the fixture's scenario header
        const sc = readFileSync(join(FUSE_DIR, name.replace(/\.trace$/, '.scenario')), 'utf8');
        const opts: ReplayOptions = { dialect: 'fuse', blockSize: BigInt(/^blocksize (\S+)/m.exec(sc)![1]), maxBytes: BigInt.asIntN(64, BigInt(/^maxbytes (\S+)/m.exec(sc)![1])) };
        const lines = text.split('\n');
        const { columns, objects } = await bothReplays((c ? corrupt(lines, c) : lines).join('\n'), opts);
        if (!c) expect(columns.divergences).toBe(0);
        expect(columns).toStrictEqual(objects);
        if (columns.divergences) caught++;
      }),
      { numRuns: 40 },
    );
    expect(caught).toBeGreaterThan(0);
  });
});
