// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HTML report in headless Chromium (Debian's /usr/bin/chromium, see
 * .ci/run): it renders without console errors or network requests, every
 * plot is drawn, and the points and bars of the plots carry exactly the
 * data of the runs, at positions that follow their values.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimRun } from '../src/sim/result.js';
import { reportData } from '../src/sim/report/data.js';
import { writeReport } from '../src/sim/report/write.js';
import { listPolicies, simulate } from '../src/sim/index.js';
import { makeRun } from './report-runs.js';

const CHROMIUM = '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'iomap-sim-report-browser-'));
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

const policies = [
  { name: 'seed', description: 'the seed exactly' },
  { name: 'whole-extent', description: 'upsert the whole extent' },
  { name: 'lru-64', description: 'at most 64 extents per inode, LRU' },
];
const revisions = ['rfc-v3', 'v7'];
const jobs = [
  { name: 'seq', text: '[seq]\nrw=write\nsize=1m\n' },
  { name: 'rand <&>', text: '[rand]\nrw=randwrite\nsize=1m\n' },
];
const runs: SimRun[] = [];
let k = 0;
for (const j of jobs) for (const r of revisions) for (const p of policies) runs.push(makeRun(j.name, p.name, r, ++k % 7, 4 + (k % 3)));
runs[1].violations.push({ what: 'read through a stale unwritten mapping at 0x3000', schedule: ['writer: iomap_begin', 'ioend: convert', 'writer: io'], scenario: 'upsert read 0 0x1000 0x1000 2 0 1\n' });
const data = reportData({ command: ['simulate', 'test'], seed: 1, revisions, policies, jobs, runs });

// A real run of the simulator: a small unwritten-conversion job under two policies and both revisions.
const realJob = { name: 'real', text: '[real]\nrw=randwrite\nbs=4k\nsize=512k\nfallocate=native\nrandseed=9\nfsync=8\nsim_writeback_every=4\n' };
const realPolicies = listPolicies().filter((p) => p.name === 'seed' || p.name === 'inval-file');
const realRuns = revisions.flatMap((revision) => realPolicies.map((p) => simulate({ jobText: realJob.text, jobName: 'real', policy: p.name, revision, seed: 2, sampleEvery: 16 })));
const realData = reportData({ command: ['simulate', 'real'], seed: 2, revisions, policies: realPolicies, jobs: [realJob], runs: realRuns });
let realHtml = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  const { html } = await writeReport(join(work, 'out'), data);
  realHtml = (await writeReport(join(work, 'real'), realData)).html;
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(work, { recursive: true, force: true });
});

/** aria-labels of the marks of one plot, by role description ('point', 'bar', ...) */
function labels(id: string, role: string): Promise<string[]> {
  return page.$$eval(`figure[id="${id}"] svg [aria-roledescription="${role}"]`, (els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
}

const hitRatio = (s: SimRun['series'][number]) => s.hits.read / (s.hits.read + s.misses.read);

describe('report.html in headless Chromium', () => {
  it('renders with no console error, no page error and no request beyond the file', async () => {
    expect(await page.title()).toBe('iomap-sim report');
    expect(problems).toEqual([]);
  });

  it('draws every plot: four per job, each a visible SVG', async () => {
    const boxes = await page.$$eval('figure.plot', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const r = svg?.getBoundingClientRect();
        return { id: f.id, w: r?.width ?? 0, h: r?.height ?? 0 };
      }),
    );
    expect(boxes.map((b) => b.id).sort()).toEqual(['job0-seq', 'job1-rand-'].flatMap((s) => ['hit', 'memory', 'needless', 'upcalls'].map((p) => `${s}-${p}`)).sort());
    for (const b of boxes) {
      expect(b.w, b.id).toBeGreaterThan(200);
      expect(b.h, b.id).toBeGreaterThan(150);
    }
  });

  it("the line plots' points are exactly the runs' samples", async () => {
    for (const [i, job] of jobs.entries()) {
      const slug = i === 0 ? 'job0-seq' : 'job1-rand-';
      const mine = runs.filter((r) => r.job === job.name);
      const expected = { hit: [] as string[], upcalls: [] as string[], memory: [] as string[] };
      for (const r of mine) {
        let total = 0;
        for (const s of r.series) {
          total += s.upcalls;
          expected.hit.push(`${r.revision} ${r.policy} at ${s.at}: hitRatio=${hitRatio(s)}`);
          expected.upcalls.push(`${r.revision} ${r.policy} at ${s.at}: upcalls=${total}`);
          expected.memory.push(`${r.revision} ${r.policy} at ${s.at}: kernelBytes=${s.kernelBytes}`);
        }
      }
      for (const plot of ['hit', 'upcalls', 'memory'] as const) {
        expect((await labels(`${slug}-${plot}`, 'point')).sort(), `${slug}-${plot}`).toEqual(expected[plot].sort());
      }
    }
  });

  it('places points by their values: later samples to the right, larger values higher', async () => {
    const r = runs.find((x) => x.job === 'seq' && x.revision === 'v7' && x.policy === 'whole-extent')!;
    const pts = await page.$$eval('figure[id="job0-seq-memory"] svg [aria-roledescription="point"]', (els) =>
      els.map((e) => ({ label: e.getAttribute('aria-label') ?? '', x: e.getBoundingClientRect().x, y: e.getBoundingClientRect().y })),
    );
    const series = r.series.map((s) => pts.find((p) => p.label === `v7 whole-extent at ${s.at}: kernelBytes=${s.kernelBytes}`)!);
    expect(series.every(Boolean)).toBe(true);
    for (let i = 1; i < series.length; i++) {
      expect(series[i].x).toBeGreaterThan(series[i - 1].x);
      // makeRun's kernel bytes grow with every sample
      expect(series[i].y).toBeLessThan(series[i - 1].y);
    }
  });

  it('the revalidation bars are the needed and needless failures of every run', async () => {
    for (const [i, job] of jobs.entries()) {
      const slug = i === 0 ? 'job0-seq' : 'job1-rand-';
      const expected = runs
        .filter((r) => r.job === job.name)
        .flatMap((r) => [`${r.revision} ${r.policy}: needless=${r.totals.revalidationFailures.needless}`, `${r.revision} ${r.policy}: needed=${r.totals.revalidationFailures.needed}`]);
      expect((await labels(`${slug}-needless`, 'bar')).sort()).toEqual(expected.sort());
    }
  });

  it('the comparison table has a row per run with its upcalls and hit ratio', async () => {
    const rows = await page.$$eval('#comparison tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.length).toBe(runs.length);
    for (const r of runs) {
      const row = rows.find((x) => x[0] === r.job && x[1] === r.revision && x[2] === r.policy)!;
      expect(row, `${r.job} ${r.revision} ${r.policy}`).toBeDefined();
      expect(row[4]).toBe(r.totals.upcalls.toLocaleString('en-US'));
      expect(row[8]).toBe(((100 * r.totals.hits.read) / (r.totals.hits.read + r.totals.misses.read)).toFixed(1) + '%');
    }
  });

  it('shows the violation with its schedule and embeds the report data', async () => {
    const text = await page.textContent('body');
    expect(text).toContain('read through a stale unwritten mapping at 0x3000');
    expect(text).toContain('ioend: convert');
    const embedded = JSON.parse((await page.textContent('#iomap-sim-data')) ?? '');
    // report.json's data, the time series aside (the plots hold them)
    expect(embedded).toEqual(JSON.parse(JSON.stringify({ ...data, runs: data.runs.map((r) => ({ ...r, series: [] })) })));
  });
});

describe('report.html of a real simulator run in headless Chromium', () => {
  it('renders without errors and its plots hold exactly the samples and failures of the runs', async () => {
    problems.length = 0;
    await page.goto(pathToFileURL(realHtml).href, { waitUntil: 'load' });
    expect(problems).toEqual([]);
    expect(realRuns.every((r) => r.series.length > 1)).toBe(true);
    const hit: string[] = [];
    const upcalls: string[] = [];
    const memory: string[] = [];
    for (const r of realRuns) {
      let total = 0;
      for (const s of r.series) {
        total += s.upcalls;
        const lookups = s.hits.read + s.hits.write + s.misses.read + s.misses.write + s.nofork.read + s.nofork.write;
        if (lookups > 0) hit.push(`${r.revision} ${r.policy} at ${s.at}: hitRatio=${(s.hits.read + s.hits.write) / lookups}`);
        upcalls.push(`${r.revision} ${r.policy} at ${s.at}: upcalls=${total}`);
        memory.push(`${r.revision} ${r.policy} at ${s.at}: kernelBytes=${s.kernelBytes}`);
      }
      // the samples add up to the run's totals
      expect(total).toBe(r.totals.upcalls);
    }
    expect((await labels('job0-real-hit', 'point')).sort()).toEqual(hit.sort());
    expect((await labels('job0-real-upcalls', 'point')).sort()).toEqual(upcalls.sort());
    expect((await labels('job0-real-memory', 'point')).sort()).toEqual(memory.sort());
    const bars = realRuns.flatMap((r) => [`${r.revision} ${r.policy}: needless=${r.totals.revalidationFailures.needless}`, `${r.revision} ${r.policy}: needed=${r.totals.revalidationFailures.needed}`]);
    expect((await labels('job0-real-needless', 'bar')).sort()).toEqual(bars.sort());
    const rows = await page.$$eval('#comparison tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.map((r) => [r[1], r[2], r[4]])).toEqual(realRuns.map((r) => [r.revision, r.policy, r.totals.upcalls.toLocaleString('en-US')]));
  });
});
