// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parse thread (parse/threaded.ts, columns-worker.ts, wire-batch.ts)
 * against the one-thread column path: a batch sent as a message reads back
 * row for row as the batch it came from (items, fields to the last bit,
 * timestamps, raw lines, events); the threaded stream gives the same rows
 * and stats however the bytes are chunked, damaged lines and all; a replay
 * with the parse thread reports exactly what one without it reports,
 * intact or corrupted; and a consumer that leaves early, or a source that
 * fails, leaves no thread behind and no promise hanging. From dist/: the
 * worker is the compiled columns-worker.js.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBatch } from '../dist/src/trace/parse/batch.js';
import { type TraceItem, newStats, parseTraceColumns } from '../dist/src/trace/parse/stream.js';
import { parseTraceColumnsThreaded } from '../dist/src/trace/parse/threaded.js';
import { PointerHalves, decodeBatch, encodeBatch } from '../dist/src/trace/parse/wire-batch.js';
import { type ReplayOptions, replayStream } from '../dist/src/trace/replay/run.js';
import type { FuseTraceFormat } from '../dist/src/trace/revision.js';
import { SHARED } from './paths.js';
import { damaged, eventLine } from './trace-lines.js';

/** Everything a consumer can read of row r, as plain data. */
function rowOf(b: EventBatch, r: number) {
  const item: TraceItem = b.itemAt(r);
  if (b.schema[r] === null) return { item };
  return { item, schema: b.schema[r]!.name, fields: b.fields(r), micros: b.micros(r), pid: b.pid[r], raw: b.raw(r), line: b.line[r] };
}

function rows(b: EventBatch) {
  return Array.from({ length: b.length }, (_, r) => rowOf(b, r));
}

/** The text as chunks of the given sizes, in turn. */
function chunked(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0, i = 0; p < bytes.length; i++) {
    out.push(bytes.subarray(p, p + sizes[i % sizes.length]));
    p += sizes[i % sizes.length];
  }
  return out;
}

const lineSet = fc.tuple(
  fc.array(fc.oneof(eventLine, eventLine, damaged), { minLength: 1, maxLength: 60 }),
  fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 6 }),
  fc.boolean(),
  fc.boolean(),
);

function textOf([lines, , crlf, junk]: [Array<{ line: string; format: FuseTraceFormat }>, number[], boolean, boolean]): Buffer {
  const texts = lines.map((l) => l.line.replace(/\n/g, ' '));
  if (junk) texts.splice(texts.length >> 1, 0, 'CPU:1 [LOST 5 EVENTS]', '# comment', '', 'x'.repeat(70_000), 'garbage line', 'fio-9 [001] 1.000001: unknown_event: a 1');
  return Buffer.from(texts.map((t) => t + (crlf ? '\r\n' : '\n')).join(''));
}

const XFS = join(SHARED, 'fixtures', 'xfs-live', 'fio-randwrite-punch-collapse.trace');
const FUSE_DIR = join(SHARED, 'fixtures', 'fuse-cache');

describe('a batch as a message', () => {
  it('reads back row for row as the batch it came from (random and damaged lines, any chunking)', async () => {
    let wide = 0;
    await fc.assert(
      fc.asyncProperty(lineSet, async (set) => {
        const format = set[0][0].format;
        const into = new EventBatch(format);
        const pointers = new PointerHalves();
        for await (const batch of parseTraceColumns(Readable.from(chunked(textOf(set), set[1])), 'f.trace', newStats(), format)) {
          const want = rows(batch);
          const { wire, transfer } = encodeBatch(batch);
          wide += wire.wides;
          // the batch is left as it was: encoding copies what it sends
          expect(rows(batch)).toStrictEqual(want);
          const got = decodeBatch(structuredClone(wire, { transfer }), into, format, pointers);
          expect(got.length).toBe(batch.length);
          expect(rows(got)).toStrictEqual(want);
        }
      }),
      { numRuns: 300 },
    );
    // values beyond 2^53 went through the halves, not only small ones
    expect(wide).toBeGreaterThan(100);
  });

  it('equal pointers read back as one string, as the parser gives them', async () => {
    const text = readFileSync(join(FUSE_DIR, readdirSync(FUSE_DIR).filter((f) => f.endsWith('.trace')).sort()[0]));
    const into = new EventBatch('rfc-v3');
    const pointers = new PointerHalves();
    const seen = new Map<string, string>();
    let checked = 0;
    for await (const batch of parseTraceColumns(Readable.from([text]), 'f.trace', newStats(), 'rfc-v3')) {
      const { wire, transfer } = encodeBatch(batch);
      const got = decodeBatch(structuredClone(wire, { transfer }), into, 'rfc-v3', pointers);
      for (let r = 0; r < got.length; r++) {
        const s = got.schema[r];
        const k = s?.slots.get('cur') ?? s?.slots.get('leaf');
        if (k === undefined) continue;
        const p = got.ptr(r, k);
        const kept = seen.get(p);
        if (kept !== undefined) {
          expect(Object.is(kept, p)).toBe(true);
          checked++;
        } else seen.set(p, p);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});

/** Every row of a stream (rows read as they come: batches are reused) and its stats. */
async function drain(gen: AsyncGenerator<EventBatch>) {
  const out: ReturnType<typeof rowOf>[] = [];
  for await (const b of gen) out.push(...rows(b));
  return out;
}

describe('the threaded stream', () => {
  it('gives the one-thread stream\'s rows and stats, however it is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(lineSet, async (set) => {
        const format = set[0][0].format;
        const chunks = chunked(textOf(set), set[1]);
        const wantStats = newStats();
        const want = await drain(parseTraceColumns(Readable.from(chunks), 'f.trace', wantStats, format));
        const stats = newStats();
        const got = await drain(parseTraceColumnsThreaded(Readable.from(chunks), 'f.trace', stats, format));
        expect(got).toStrictEqual(want);
        expect(stats).toStrictEqual(wantStats);
      }),
      { numRuns: 60 },
    );
  });

  it('a long trace in 64 KiB chunks: the same rows and stats (the xfs-live fixture)', async () => {
    const bytes = readFileSync(XFS);
    const wantStats = newStats();
    const want = await drain(parseTraceColumns(Readable.from(chunked(bytes, [65536])), 'x.trace', wantStats));
    const stats = newStats();
    const got = await drain(parseTraceColumnsThreaded(Readable.from(chunked(bytes, [65536])), 'x.trace', stats));
    expect(want.length).toBeGreaterThan(10_000);
    expect(got).toStrictEqual(want);
    expect(stats).toStrictEqual(wantStats);
  });

  it('a consumer that leaves after the first batch stops the thread; the next parse still works', async () => {
    const bytes = readFileSync(XFS);
    let n = 0;
    for await (const b of parseTraceColumnsThreaded(Readable.from(chunked(bytes, [4096])), 'x.trace')) {
      n += b.length;
      break;
    }
    expect(n).toBeGreaterThan(0);
    const again = await drain(parseTraceColumnsThreaded(Readable.from(chunked(bytes, [65536])), 'x.trace'));
    expect(again.length).toBe((await drain(parseTraceColumns(Readable.from([bytes]), 'x.trace'))).length);
  });

  it('an empty source, and one of comments only: no rows, the same stats', async () => {
    for (const chunks of [[], [Buffer.from('# tracer: nop\n#\n')], [Buffer.from('# no newline at the end')]]) {
      const wantStats = newStats();
      const want = await drain(parseTraceColumns(Readable.from(chunks), 'e.trace', wantStats));
      const stats = newStats();
      expect(await drain(parseTraceColumnsThreaded(Readable.from(chunks), 'e.trace', stats))).toStrictEqual(want);
      expect(stats).toStrictEqual(wantStats);
    }
  });

  it('a consumer that fails midway does not wait for a source that never ends', async () => {
    const bytes = readFileSync(XFS).subarray(0, 200_000);
    // a stream that gives one chunk and then nothing, ever (like an idle stdin)
    const idle = new Readable({ read() {} });
    idle.push(bytes);
    const gen = parseTraceColumnsThreaded(idle, 'stdin');
    await expect(
      (async () => {
        for await (const _ of gen) throw new Error('replayer failed');
      })(),
    ).rejects.toThrow('replayer failed');
    expect(idle.destroyed).toBe(true);
  });

  it('a source that fails rejects the stream with its error', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield readFileSync(XFS).subarray(0, 100_000);
      throw new Error('disk gone');
    }
    await expect(drain(parseTraceColumnsThreaded(failing(), 'x.trace'))).rejects.toThrow('disk gone');
  });
});

/** A corrupted copy: a number in an event line changed by one, or an event line dropped. */
function corrupt(lines: string[], how: 'field' | 'drop', a: number, b: number): string[] {
  const out = [...lines];
  const events = out.map((l, k) => (/: \w+: /.test(l) && !l.startsWith('#') ? k : -1)).filter((k) => k >= 0);
  const i = events[a % events.length];
  if (how === 'drop') out.splice(i, 1);
  else {
    const nums = [...out[i].matchAll(/ (0x[0-9a-f]+|\d+)(?= |$)/g)];
    const m = nums[b % nums.length];
    if (m) out[i] = out[i].slice(0, m.index! + 1) + (m[1].startsWith('0x') ? '0x' + (BigInt(m[1]) + 1n).toString(16) : String(BigInt(m[1]) + 1n)) + out[i].slice(m.index! + 1 + m[1].length);
  }
  return out;
}

describe('replay with the parse thread', () => {
  const same = async (text: string, opts: ReplayOptions, chunk: number) => {
    const bytes = Buffer.from(text);
    const one = await replayStream(Readable.from(chunked(bytes, [chunk])), 'c.trace', opts);
    const two = await replayStream(Readable.from(chunked(bytes, [chunk])), 'c.trace', { ...opts, parseThread: true });
    expect(two).toStrictEqual(one);
    return one;
  };

  it('the xfs-live fixture: the same report, intact and corrupted', async () => {
    const lines = readFileSync(XFS, 'utf8').split('\n');
    expect((await same(lines.join('\n'), { dialect: 'xfs' }, 65536)).divergences).toBe(0);
    let caught = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('field' as const, 'drop' as const), fc.nat(), fc.nat(), fc.constantFrom(1000, 65536), async (how, a, b, chunk) => {
        if ((await same(corrupt(lines, how, a, b).join('\n'), { dialect: 'xfs' }, chunk)).divergences) caught++;
      }),
      { numRuns: 8 },
    );
    expect(caught).toBeGreaterThan(0);
  });

  it('the fuse-cache fixtures: the same report, intact and corrupted', async () => {
    const fuse = readdirSync(FUSE_DIR).filter((f) => f.endsWith('.trace')).sort();
    expect(fuse.length).toBeGreaterThanOrEqual(10);
    let caught = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fuse), fc.option(fc.tuple(fc.constantFrom('field' as const, 'drop' as const), fc.nat(), fc.nat()), { nil: null }), async (name, c) => {
        const sc = readFileSync(join(FUSE_DIR, name.replace(/\.trace$/, '.scenario')), 'utf8');
        const opts: ReplayOptions = { dialect: 'fuse', blockSize: BigInt(/^blocksize (\S+)/m.exec(sc)![1]), maxBytes: BigInt.asIntN(64, BigInt(/^maxbytes (\S+)/m.exec(sc)![1])) };
        const lines = readFileSync(join(FUSE_DIR, name), 'utf8').split('\n');
        const r = await same((c ? corrupt(lines, ...c) : lines).join('\n'), opts, 4096);
        if (!c) expect(r.divergences).toBe(0);
        if (r.divergences) caught++;
      }),
      { numRuns: 30 },
    );
    expect(caught).toBeGreaterThan(0);
  });
});
