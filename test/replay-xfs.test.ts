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
    expect(r.first?.what).toMatch(/^forkseq: trace 0x7fff0000, model 0x[0-9a-f]+ \(no value within \d+ µs either side\)$/);
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
    expect(r2.first?.what).toMatch(/^forkseq: trace 0x830, model 0x[0-9a-f]+ \(no value within 100 µs either side\)$/);
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
