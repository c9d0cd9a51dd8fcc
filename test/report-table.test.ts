// SPDX-License-Identifier: GPL-2.0-only
/*
 * The figures of the comparison table on runs computed by hand, the text
 * table's layout, report ordering, and the progress bar (TTY only).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { allFigures } from '../src/sim/report/derive.js';
import { reportData } from '../src/sim/report/data.js';
import { progressBar } from '../src/sim/report/progress.js';
import { cell, comparisonTable } from '../src/sim/report/table.js';
import type { SimRun } from '../src/sim/result.js';
import { metrics } from './report-runs.js';

function run(job: string, policy: string, revision: string, p: Parameters<typeof metrics>[0]): SimRun {
  return { job, policy, revision, seed: 1, totals: metrics(p), series: [], violations: [], hazards: {}, wallSeconds: 0, iosPerSecond: 0 };
}

// 256 I/Os of 4 KiB = 1 MiB; the seed needs 64 upcalls, the other policy 16
const seed = run('j', 'seed', 'rfc-v3', {
  ios: 256, bytes: 1 << 20, upcalls: 64, hits: { read: 150, write: 42 }, misses: { read: 40, write: 20 }, nofork: { read: 0, write: 4 },
  revalidationFailures: { needed: 3, needless: 9 }, extentsCached: { read: 10, write: 2 }, kernelBytes: 512, simulatedSeconds: 0.0125,
});
const other = run('j', 'prefetch', 'rfc-v3', { ios: 256, bytes: 1 << 20, upcalls: 16, hits: { read: 240, write: 0 }, misses: { read: 16, write: 0 }, kernelBytes: 40960 });
const v7 = run('j', 'seed', 'v7', { ios: 0, bytes: 0 });

describe('derived figures', () => {
  it('computes ratios against the baseline of the same job and revision', () => {
    const [a, b, c] = allFigures([seed, other, v7], 'seed');
    expect(a).toMatchObject({ upcallsPerIo: 0.25, upcallsPerMiB: 64, upcallsVsBaseline: 1, hitRatio: 192 / 256, revalNeeded: 3, revalNeedless: 9, extentsCached: 12 });
    expect(b).toMatchObject({ upcallsPerIo: 1 / 16, upcallsPerMiB: 16, upcallsVsBaseline: 0.25, hitRatio: 240 / 256 });
    // no I/O, no lookup, baseline with no upcall: not-a-number, shown as '-'
    expect(c.upcallsPerIo).toBeNaN();
    expect(c.hitRatio).toBeNaN();
    expect(c.upcallsVsBaseline).toBeNaN();
  });

  it('peak columns take SimRun.peak, the end values when a run has none', () => {
    const withPeak: SimRun = { ...seed, peak: { extentsCached: { read: 30, write: 1 }, treeHeight: { read: 2, write: 1 }, kernelBytes: 4096 } };
    const [p, q] = allFigures([withPeak, other], 'seed');
    expect(p).toMatchObject({ extentsCached: 12, kernelBytes: 512, peakExtents: 31, peakKernelBytes: 4096 });
    expect(q).toMatchObject({ peakExtents: 0, peakKernelBytes: 40960 });
    expect(comparisonTable([p]).split('\n')[2].split(/\s{2,}/).slice(12, 14)).toEqual(['31', '4096 B']);
  });

  it('formats cells', () => {
    expect(cell(NaN, 'real')).toBe('-');
    expect(cell(0.75, 'pct')).toBe('75.0%');
    expect(cell(0.25, 'ratio')).toBe('0.25x');
    expect(cell(14.02, 'ratio')).toBe('14.0x');
    expect(cell(4280, 'ratio')).toBe('4,280x');
    expect(cell(1234567, 'int')).toBe('1,234,567');
    expect(cell(512, 'bytes')).toBe('512 B');
    expect(cell(40960, 'bytes')).toBe('40.0 KiB');
    expect(cell(0.0125, 'real')).toBe('0.0125');
    expect(cell(2.5, 'real')).toBe('2.5');
  });
});

describe('comparisonTable', () => {
  it('lays out one row per run, numbers right-aligned, a blank line between groups', () => {
    const text = comparisonTable(allFigures([seed, other, v7], 'seed'));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^job\s+rev\s+policy\s+I\/Os\s+upcalls\s+vs base\s+upc\/IO\s+upc\/MiB\s+hit\s+reval needed\s+needless\s+stale\s+peak ext\s+peak mem\s+sim s$/);
    expect(lines[1]).toMatch(/^[- ]+$/);
    expect(lines[2].split(/\s{2,}/)).toEqual(['j', 'rfc-v3', 'seed', '256', '64', '1.00x', '0.25', '64', '75.0%', '3', '9', '0', '12', '512 B', '0.0125']);
    expect(lines[3].split(/\s{2,}/)).toEqual(['j', 'rfc-v3', 'prefetch', '256', '16', '0.25x', '0.0625', '16', '93.8%', '0', '0', '0', '0', '40.0 KiB', '0']);
    expect(lines[4]).toBe('');
    expect(lines[5]).toMatch(/^j\s+v7\s+seed\s+0\s+0\s+-\s+-\s+-\s+-\s/);
    // every line of the table proper is as wide as the separator (right alignment)
    for (const l of [lines[2], lines[3]]) expect(l.length).toBe(lines[1].length);
  });
});

describe('reportData', () => {
  it('orders runs by job, revision and policy lists and takes the first policy as baseline', () => {
    const d = reportData({
      command: ['simulate'],
      seed: 1,
      revisions: ['rfc-v3', 'v7'],
      policies: [
        { name: 'seed', description: '' },
        { name: 'prefetch', description: '' },
      ],
      jobs: [{ name: 'j', text: '' }],
      runs: [v7, other, seed],
    });
    expect(d.baseline).toBe('seed');
    expect(d.runs.map((r) => `${r.revision}/${r.policy}`)).toEqual(['rfc-v3/seed', 'rfc-v3/prefetch', 'v7/seed']);
    expect(d.figures[1].upcallsVsBaseline).toBe(0.25);
  });
});

function sink(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(w, { isTTY, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: w, text: () => out };
}

describe('progressBar', () => {
  it('writes nothing when the stream is not a terminal', () => {
    const s = sink(false);
    const bar = progressBar(2, s.stream);
    bar.update(0, 5, 10);
    bar.finish(0);
    bar.stop();
    expect(s.text()).toBe('');
  });

  it('shows the share of all I/Os done and the runs finished on a terminal', () => {
    const s = sink(true);
    const bar = progressBar(2, s.stream);
    bar.update(0, 10, 10);
    bar.finish(0);
    bar.update(1, 5, 10);
    // cli-progress redraws on a timer; stop() draws the last state
    bar.stop();
    expect(s.text()).toContain('75% | 1/2 runs');
  });
});
