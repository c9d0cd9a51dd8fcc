// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xfs-dialect replay of the live capture in ../shared/fixtures/xfs-live:
 * 0 divergences, every xfs_wb_data_iomap_invalid forkseq predicted (the
 * first is 0x832), and corrupted copies caught: a changed record, a
 * dropped insert, a swapped leaf pointer, a forkseq nothing near it
 * matches (its context ending at its own line); a capture that starts
 * mid-way is "unknown start".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../src/trace/replay/report.js';
import { replayStream } from '../src/trace/replay/run.js';
import { SHARED } from './paths.js';

const FILE = join(SHARED, 'fixtures', 'xfs-live', 'fio-randwrite-punch-collapse.trace');
const lines = readFileSync(FILE, 'utf8').split('\n');
const replayText = (l: string[]) => replayStream(Readable.from([Buffer.from(l.join('\n'))]), 'x.trace', { dialect: 'xfs' });
const isEvent = (l: string, name: string) => l.includes(` ${name}: `);

describe('xfs replay of the live capture', () => {
  it('0 divergences; every iext event and every forkseq checked', async () => {
    const r = await replayText(lines);
    expect(r.first, r.first ? `${r.first.line}: ${r.first.what}` : '').toBeNull();
    const count = (n: string) => lines.filter((l) => isEvent(l, n)).length;
    const iext = count('xfs_iext_insert') + count('xfs_iext_remove') + count('xfs_bmap_pre_update') + count('xfs_bmap_post_update');
    const wb = count('xfs_wb_data_iomap_invalid');
    expect(wb).toBe(190);
    expect(r.seqChecks).toBe(wb);
    expect(r.checked).toBe(iext + wb);
    expect(r.unknownStart).toEqual([]);
    expect(r.inodesChecked).toBe(1);
    expect(r.perEvent.xfs_iomap_alloc).toBe(count('xfs_iomap_alloc'));
  });

  it('predicts the first forkseq, 0x832: the data-fork mutations before it', async () => {
    const first = lines.findIndex((l) => isEvent(l, 'xfs_wb_data_iomap_invalid'));
    expect(lines[first]).toContain('forkseq 0x832');
    // the prefix up to and including that event replays with its forkseq checked
    const r = await replayText(lines.slice(0, first + 1));
    expect(r.divergences).toBe(0);
    expect(r.seqChecks).toBe(1);
    // one mutation fewer and the same forkseq no longer fits
    const lastMutation = lines.slice(0, first).map((l) => isEvent(l, 'xfs_iext_insert')).lastIndexOf(true);
    const shifted = lines.slice(0, first + 1).filter((_l, k) => k !== lastMutation);
    const r2 = await replayText(shifted);
    expect(r2.divergences).toBeGreaterThan(0);
    expect(r2.divergent.some((d) => /^forkseq: trace 0x832, model 0x831/.test(d.what))).toBe(true);
  });

  it('a forkseq no value near it matches diverges at its own line, with the lines up to it as context', async () => {
    const hits = lines.map((l, k) => (isEvent(l, 'xfs_wb_data_iomap_invalid') ? k : -1)).filter((k) => k >= 0);
    const i = hits[Math.floor(hits.length / 2)];
    const bad = [...lines];
    bad[i] = bad[i].replace(/ forkseq 0x[0-9a-f]+/, ' forkseq 0x7fff0000');
    expect(bad[i]).not.toBe(lines[i]);
    const r = await replayText(bad);
    expect(r.first?.line).toBe(i + 1);
    expect(r.first?.what).toMatch(/^forkseq: trace 0x7fff0000, model 0x[0-9a-f]+ \(no value within \d+ µs before, nor a mutation to it traced within \d+ µs after\)$/);
    // the divergence is decided once the race window has passed, later in the trace: its context still ends at its line
    const ctx = r.first!.context;
    expect(ctx.at(-1)).toBe(`${i + 1}: ${bad[i].trim()}`);
    expect(ctx.length).toBeGreaterThan(1);
  });

  it('a read may see a value the model held at any moment of the race window, also one set before the window began', async () => {
    // the first forkseq read (0x832, line 4548): the model bumped to 0x832 80 µs before it and to 0x831 107 µs before;
    // 0x831 was the fork's value from 107 to 80 µs before the read, inside the 100 µs window
    const first = lines.findIndex((l) => isEvent(l, 'xfs_wb_data_iomap_invalid'));
    expect(first + 1).toBe(4548);
    const older = [...lines];
    older[first] = older[first].replace(' forkseq 0x832', ' forkseq 0x831');
    expect(older[first]).not.toBe(lines[first]);
    const r = await replayText(older);
    expect(r.first, r.first ? `${r.first.line}: ${r.first.what}` : '').toBeNull();
    expect(r.racedSeqChecks).toBe(2);
    // two values back (0x830, replaced 107 µs before the read) is outside the window
    const oldest = [...lines];
    oldest[first] = oldest[first].replace(' forkseq 0x832', ' forkseq 0x830');
    const r2 = await replayText(oldest);
    expect(r2.first?.line).toBe(4548);
    expect(r2.first?.what).toMatch(/^forkseq: trace 0x830, model 0x[0-9a-f]+ \(no value within 100 µs before, nor a mutation to it traced within 20100 µs after\)$/);
  });

  it('a changed record is caught at its event', async () => {
    const hits = lines.map((l, k) => (isEvent(l, 'xfs_bmap_pre_update') ? k : -1)).filter((k) => k >= 0);
    const i = hits[Math.floor(hits.length / 2)];
    const bad = [...lines];
    bad[i] = bad[i].replace(/ fsbcount 0x([0-9a-f]+) /, (_s, h: string) => ` fsbcount 0x${(BigInt('0x' + h) + 1n).toString(16)} `);
    const r = await replayText(bad);
    expect(r.first?.line).toBe(i + 1);
    expect(r.first?.what).toMatch(/^record: trace fileoff/);
  });

  it('a dropped insert is caught', async () => {
    const hits = lines.map((l, k) => (isEvent(l, 'xfs_iext_insert') ? k : -1)).filter((k) => k >= 0);
    const i = hits[Math.floor(hits.length / 2)];
    const r = await replayText(lines.filter((_l, k) => k !== i));
    expect(r.divergences).toBeGreaterThan(0);
    expect(r.first!.line).toBeGreaterThan(i);
  });

  it('a swapped leaf pointer is caught at its event', async () => {
    const P = / cur ([0-9a-f]{16})\//;
    const hits = lines.map((l, k) => (isEvent(l, 'xfs_bmap_pre_update') ? k : -1)).filter((k) => k >= 0);
    const i = hits[Math.floor(hits.length / 2)];
    const mine = P.exec(lines[i])![1];
    const other = lines
      .slice(0, i)
      .map((l) => P.exec(l)?.[1])
      .find((p) => p !== undefined && p !== mine)!;
    const bad = [...lines];
    bad[i] = bad[i].replace(` cur ${mine}/`, ` cur ${other}/`);
    const r = await replayText(bad);
    expect(r.first?.line).toBe(i + 1);
    expect(r.first?.what).toMatch(/^leaf identity: /);
  });

  it('a capture that starts mid-way is "unknown start", not agreement', async () => {
    const start = lines.findIndex((l, k) => k > 5000 && isEvent(l, 'xfs_bmap_pre_update'));
    const r = await replayText(lines.slice(start));
    expect(r.unknownStart).toEqual(['dev 7:0 ino 0x84 data fork']);
    expect(r.checked).toBe(0);
    expect(r.divergences).toBe(0);
    expect(r.unknownStartEvents).toBeGreaterThan(1000);
  });
});

/*
 * A lockless if_seq read (the forkseq of xfs_wb_data_iomap_invalid, read in
 * its tracepoint) may see the value of an insert or an update before that
 * mutation's tracepoint: xfs_iext_insert_raw and xfs_iext_update_extent bump
 * if_seq first and trace afterwards, and the mutating task can be preempted
 * in between (a 4 GiB live session showed 214 µs). The bump is no earlier
 * than that task's previous event; xfs_iext_remove traces first and bumps
 * after.
 */
describe('xfs replay: a read that saw a mutation before its tracepoint', () => {
  const ev = (pid: number, t: string, name: string, body: string) => `             task-${pid}    [000] ..... ${t}: ${name}: dev 7:0 ${body}`;
  const rec = (ino: string, state: string, leaf: string, pos: number, off: number) =>
    `ino ${ino} state ${state} cur ${leaf}/${pos} fileoff 0x${off.toString(16)} startblock 0x${(0x100 + off).toString(16)} fsbcount 0x1 flag 0 caller x+0x0/0x10`;
  const L = '00000000aaaa0001';
  const read = (t: string, forkseq: number) => ev(200, t, 'xfs_wb_data_iomap_invalid', `ino 0x99 pos 0x0 addr 0x0 bytecount 0x1000 type 0x3 flags 0x2 wpcseq 0x1 forkseq 0x${forkseq.toString(16)}`);
  // two inserts by task 100 (seq 1, 2), task 200 reads 0x3 at 10.001000, task 100's third insert (seq 3) is traced 500 µs later
  const base = [
    ev(100, '10.000000', 'xfs_iext_insert', rec('0x99', '', L, 0, 0)),
    ev(100, '10.000050', 'xfs_iext_insert', rec('0x99', '0x40', L, 1, 0x10)),
    read('10.001000', 3),
  ];
  const third = ev(100, '10.001500', 'xfs_iext_insert', rec('0x99', '0x40', L, 2, 0x20));

  it('is accepted when the mutating task had no event between the read and that tracepoint', async () => {
    const r = await replayText([...base, third]);
    expect(r.first, r.first ? `${r.first.line}: ${r.first.what}` : '').toBeNull();
    expect(r.seqChecks).toBe(1);
    expect(r.racedSeqChecks).toBe(1);
    expect(r.checked).toBe(4);
  });

  it('diverges at the read when that task had an event after the read and the window (its bump came after)', async () => {
    const other = ev(100, '10.001200', 'xfs_iext_insert', rec('0x98', '', '00000000bbbb0001', 0, 0));
    const r = await replayText([...base, other, third]);
    expect(r.first?.line).toBe(3);
    expect(r.first?.what).toBe(
      'forkseq: trace 0x3, model 0x2, read 500 µs before the model\'s mutation to it was traced, which its task (pid 100) began no earlier than 200 µs after the read (race window 100 µs)',
    );
    expect(r.first?.context.at(-1)).toBe(`3: ${base[2].trim()}`);
  });

  it('diverges at the read when the value is a remove\'s traced after the window (xfs_iext_remove traces before it bumps)', async () => {
    const remove = ev(100, '10.001500', 'xfs_iext_remove', rec('0x99', '0x40', L, 1, 0x10));
    const r = await replayText([...base, remove]);
    expect(r.first?.line).toBe(3);
    expect(r.first?.what).toMatch(/^forkseq: trace 0x3, model 0x2, read 500 µs before .* began no earlier than 500 µs after the read/);
    // within the window the remove's value is accepted as before
    const near = ev(100, '10.001050', 'xfs_iext_remove', rec('0x99', '0x40', L, 1, 0x10));
    const r2 = await replayText([...base, near]);
    expect(r2.first, r2.first ? `${r2.first.line}: ${r2.first.what}` : '').toBeNull();
    expect(r2.racedSeqChecks).toBe(1);
  });

  it('a value no mutation reaches within the lead diverges once it has passed, with the model\'s value at the read', async () => {
    const late = ev(100, '10.021200', 'xfs_iext_insert', rec('0x99', '0x40', L, 2, 0x20));
    const r = await replayText([...base, late]);
    expect(r.first?.line).toBe(3);
    expect(r.first?.what).toBe('forkseq: trace 0x3, model 0x2 (no value within 100 µs before, nor a mutation to it traced within 20100 µs after)');
  });
});

/*
 * trace_pipe prints %p hashed to 32 bits (00000000xxxxxxxx): two live leaves
 * can print alike. Where a leaf the model has not yet paired meets a hashed
 * pointer bound to another live leaf, the replay reports a collision (its
 * count and first line), not a divergence; a raw pointer (the native reader)
 * there still diverges.
 */
describe('xfs replay: hashed leaf pointers of two live leaves', () => {
  // [first line of leaf NEW, NEW, a live leaf's pointer LIVE given to NEW]: at 121 and 155 the two are
  // neighbours, so an insert between them is told apart by its slot (insertCursor), not by the pointer
  const CASES: Array<[number, string, string]> = [
    [75, '00000000144afd8d', '00000000cdf06538'],
    [121, '00000000c2eddc06', '00000000a0f14a56'],
    [155, '00000000047c267d', '00000000cdf06538'],
  ];
  const collide = (NEW: string, LIVE: string) => lines.map((l) => l.split(` cur ${NEW}/`).join(` cur ${LIVE}/`));

  it.each(CASES)('the trace is as this test needs it: line %i is leaf %s\'s first, and %s is used before it', (at, NEW, LIVE) => {
    expect(lines.findIndex((l) => l.includes(` cur ${NEW}/`)) + 1).toBe(at);
    expect(lines.findIndex((l) => l.includes(` cur ${LIVE}/`)) + 1).toBeLessThan(at);
    expect(collide(NEW, LIVE).filter((l, k) => l !== lines[k]).length).toBeGreaterThan(2);
  });

  it.each(CASES)('is a collision at line %i, counted and reported there, not a divergence', async (at, NEW, LIVE) => {
    const r = await replayText(collide(NEW, LIVE));
    expect(r.first, r.first ? `${r.first.line}: ${r.first.what}` : '').toBeNull();
    expect(r.pointerCollisions).toBe(1);
    expect(r.firstPointerCollision?.line).toBe(at);
    expect(r.firstPointerCollision?.what).toMatch(new RegExp(`^hashed kernel leaf ${LIVE} is bound to model block .*/\\d+, and the model's cursor is in block .*/\\d+, a leaf not yet seen`));
    // every event is still checked
    expect(r.checked).toBe((await replayText(lines)).checked);
  });

  it.each(CASES)('with raw pointers the same trace diverges at line %i', async (at, NEW, LIVE) => {
    const raw = collide(NEW, LIVE).map((l) => l.replace(/ cur 00000000([0-9a-f]{8})\//, ' cur ffff8881$1/'));
    const r = await replayText(raw);
    expect(r.first?.line).toBe(at);
    expect(r.first?.what).toMatch(new RegExp(`^leaf identity: kernel leaf ffff8881${LIVE.slice(8)} is bound to model block .* \\(a different live leaf\\)$`));
    expect(r.pointerCollisions).toBeUndefined();
  });

  it('the report says so; the intact trace has none', async () => {
    const [at, NEW, LIVE] = CASES[0];
    const r = await replayText(collide(NEW, LIVE));
    const text = formatReport(r, 'x.trace').split('\n');
    expect(text.at(-2)).toMatch(new RegExp(`^hashed leaf pointers shared by two live leaves: 1, the first at x\\.trace:${at} \\(dev 7:0 ino 0x84 data fork\\): hashed kernel leaf`));
    expect(text.at(-1)).toMatch(/, 0 divergences, .*, 1 hashed-pointer collisions$/);
    expect((await replayText(lines)).pointerCollisions).toBeUndefined();
  });
});
