// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ftrace text parser: every fixture line reads; trace-cmd report,
 * tgid and no-irq-info prefixes; lost-event markers; garbage gives
 * FILE:LINE: why and never an exception; the stream is read in constant
 * memory (a generated input much larger than the heap growth allowed).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../src/trace/parse/line.js';
import { type TraceItem, formatProblem, newStats, openTrace, parseTraceStream, splitLines } from '../src/trace/parse/stream.js';
import { FIXTURES, SHARED } from './paths.js';

async function collect(text: string | Buffer[], file = 'mem.trace') {
  const stats = newStats();
  const items: TraceItem[] = [];
  const src = typeof text === 'string' ? Readable.from([Buffer.from(text)]) : Readable.from(text);
  for await (const it of parseTraceStream(src, file, stats)) items.push(it);
  return { items, stats };
}

const XFS_BODY = 'dev 7:0 ino 0x84 state LF|RF|0xc0 cur 0000000067e6a4fc/5 fileoff 0x1ba startblock 0x75 fsbcount 0x2 flag 1 caller xfs_bmap_add_extent_unwritten_real+0x582/0x1240';

describe('fixture traces', () => {
  const files = [...readdirSync(FIXTURES).filter((f) => f.endsWith('.trace')).map((f) => join(FIXTURES, f)), join(SHARED, 'fixtures', 'xfs-live', 'fio-randwrite-punch-collapse.trace')];
  for (const file of files) {
    it(`${file.split('/').pop()}: every event line reads`, async () => {
      const stats = newStats();
      let problems = 0;
      for await (const it of parseTraceStream(openTrace(file).stream, file, stats)) if (it.kind === 'problem') problems++;
      expect(problems).toBe(0);
      expect(stats.events).toBeGreaterThan(1000);
      expect(stats.unknownEvents.size).toBe(0);
    });
  }
});

describe('line forms', () => {
  it('trace_pipe with irq-info, without it, with the tgid column, and trace-cmd report', () => {
    const forms = [
      `             fio-5909    [001] .....   452.843562: xfs_bmap_pre_update: ${XFS_BODY}`,
      `             fio-5909    [001]   452.843562: xfs_bmap_pre_update: ${XFS_BODY}`,
      `             fio-5909    (   5909) [001] d..1.   452.843562: xfs_bmap_pre_update: ${XFS_BODY}`,
      `     kworker/u8:3-5909  [001]   452.843562: xfs_bmap_pre_update:  ${XFS_BODY}`,
      `  my comm with spaces-5909 [001] .N...   452.843562123: xfs_bmap_pre_update: ${XFS_BODY}`,
    ];
    for (const l of forms) {
      const r = parseLine(l, 1);
      expect(r.kind, l).toBe('event');
      if (r.kind !== 'event') continue;
      expect(r.event.pid).toBe(5909);
      expect(r.event.cpu).toBe(1);
      expect(r.event.fields.pos).toBe(5n);
    }
    const r = parseLine(forms[4], 1);
    expect(r.kind === 'event' && r.event.comm).toBe('my comm with spaces');
  });

  it('trace-cmd report of an instance buffer (as trace-cmd 3.1 prints it here)', () => {
    const l = 'tcchk:           xfs_io-6006  [000]  5227.107525: xfs_bmap_pre_update:  dev 7:0 ino 0x83 state LC|0x50 cur 0xffff888102d6c930/0 fileoff 0x0 startblock 0xffffffffe0005 fsbcount 0x1 flag 0 caller xfs_bmap_add_extent_hole_delay.constprop.0+0x229';
    const r = parseLine(l, 7);
    expect(r.kind).toBe('event');
    if (r.kind !== 'event') return;
    expect(r.event).toMatchObject({ comm: 'xfs_io', pid: 6006, cpu: 0, timestamp: '5227.107525', line: 7 });
    expect(r.event.fields).toMatchObject({ bmap_state: 0x51n, leaf: 'ffff888102d6c930', startblock: 0xffffffffe0005n });
  });

  it('raw pointers (no_hash_pointers, trace-cmd) and NULL', () => {
    const raw = parseLine(`x-1 [000] 1.000000: xfs_iext_remove: ${XFS_BODY.replace('0000000067e6a4fc', '0xffff888104a2c000')}`, 1);
    expect(raw.kind === 'event' && raw.event.fields.leaf).toBe('ffff888104a2c000');
    const nil = parseLine(`x-1 [000] 1.000000: xfs_iext_remove: ${XFS_BODY.replace('0000000067e6a4fc', '(nil)')}`, 1);
    expect(nil.kind === 'event' && nil.event.fields.leaf).toBe('0000000000000000');
  });

  it('lost-event markers of trace_pipe and trace-cmd', () => {
    expect(parseLine('CPU:1 [LOST 123 EVENTS]', 1)).toEqual({ kind: 'lost', cpu: 1, count: 123 });
    expect(parseLine('CPU:0 [42 EVENTS DROPPED]', 1)).toEqual({ kind: 'lost', cpu: 0, count: 42 });
    expect(parseLine('CPU:3 [LOST EVENTS]', 1)).toEqual({ kind: 'lost', cpu: 3, count: null });
  });

  it('headers and comments are skipped; tracepoints without a schema are counted, not errors', async () => {
    const { items, stats } = await collect(
      ['# tracer: nop', '#', 'cpus=2', 'version = 6', 'x-1 [000] 1.000000: sched_switch: prev_comm=a', `x-1 [000] 1.000001: xfs_iext_remove: ${XFS_BODY}`, 'CPU:0 [LOST 7 EVENTS]', ''].join('\n'),
    );
    expect(items.map((i) => i.kind)).toEqual(['event', 'lost']);
    expect(stats.unknownEvents.get('sched_switch')).toBe(1);
    expect(stats.lostEvents).toBe(7);
    expect(stats.perEvent.get('xfs_iext_remove')).toBe(1);
  });
});

describe('bad input', () => {
  it('reports FILE:LINE: why for each unreadable line and goes on', async () => {
    const text = [
      `x-1 [000] 1.000000: xfs_iext_remove: ${XFS_BODY}`,
      'complete garbage',
      `x-1 [000] 1.000000: xfs_iext_remove: ${XFS_BODY.replace('LF|RF', 'LF|XX')}`,
      `x-1 [000] 1.000000: fuse_iext_insert: connection 1 ino`,
      `x-1 [000] 1.000001: xfs_iext_remove: ${XFS_BODY}`,
    ].join('\n');
    const { items } = await collect(text, 'bad.trace');
    const problems = items.flatMap((i) => (i.kind === 'problem' ? [formatProblem(i.problem)] : []));
    expect(problems).toEqual([
      'bad.trace:2: not an ftrace event line (expected COMM-PID [CPU] TIMESTAMP: EVENT: FIELDS)',
      "bad.trace:3: xfs_iext_remove: bmap_state: 'LF|XX|0xc0' is not a XFS_BMAP_EXT_FLAGS rendering",
      "bad.trace:4: fuse_iext_insert: body does not match the format 'connection %u ino %llu state (%s) cur %p/%d offset 0x%llx addr 0x%llx length 0x%llx type %s mapflags (%s) dev %u caller %pS'",
    ]);
    expect(items.filter((i) => i.kind === 'event').length).toBe(2);
  });

  it('never throws on arbitrary text or bytes', async () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseLine(s, 1);
        expect(['event', 'lost', 'skip', 'error']).toContain(r.kind);
      }),
      { numRuns: 2000 },
    );
    const arbitrary = fc.sample(fc.uint8Array({ maxLength: 5000 }), { numRuns: 50, seed: 1 });
    const { stats } = await collect(arbitrary.map((a) => Buffer.from(a)));
    expect(stats.lines).toBeGreaterThan(0);
  });

  it('a line longer than the limit is reported and skipped without being kept', async () => {
    const huge = Buffer.alloc(300_000, 0x41);
    const { items } = await collect([Buffer.from(`x-1 [000] 1.0: xfs_iext_remove: ${XFS_BODY}\n`), huge, huge, Buffer.from(`\nx-1 [000] 1.0: xfs_iext_remove: ${XFS_BODY}`)], 'long.trace');
    expect(items.map((i) => i.kind)).toEqual(['event', 'problem', 'event']);
    const p = items[1];
    expect(p.kind === 'problem' && formatProblem(p.problem)).toBe('long.trace:2: line of 600000 bytes is longer than 65536');
  });

  it('splits lines across chunk boundaries and CRLF', async () => {
    const out: string[] = [];
    for await (const l of splitLines(Readable.from([Buffer.from('ab'), Buffer.from('c\r\nd'), Buffer.from('e\n\nf')]))) out.push(l as string);
    expect(out).toEqual(['abc', 'de', '', 'f']);
  });
});

describe('streaming', () => {
  it('parses a generated 600,000-line (~110 MB) trace with bounded heap growth', async () => {
    const N = 600_000;
    const line = (i: number) => `             fio-5909    [001] .....   ${(452 + i / 1e6).toFixed(6)}: xfs_iext_insert: dev 7:0 ino 0x84 state LF|0xc0 cur 00000000d946f679/${i % 15} fileoff 0x${i.toString(16)} startblock 0xffffffffe0005 fsbcount 0x1 flag 0 caller xfs_bmap_add_extent_hole_delay.constprop.0+0x94/0x470\n`;
    function* chunks() {
      let buf = '';
      for (let i = 0; i < N; i++) {
        buf += line(i);
        if (buf.length > 60_000) {
          yield Buffer.from(buf);
          buf = '';
        }
      }
      yield Buffer.from(buf);
    }
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const stats = newStats();
    let n = 0;
    for await (const it of parseTraceStream(Readable.from(chunks()), 'gen.trace', stats)) {
      if (it.kind === 'event') n++;
      if ((n & 0xffff) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(n).toBe(N);
    expect(stats.problems).toBe(0);
    expect(stats.bytes).toBeGreaterThan(100e6);
    // the input is ~110 MB; a parser that kept lines or events would grow by far more
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
  });
});
