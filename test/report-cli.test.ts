// SPDX-License-Identifier: GPL-2.0-only
/*
 * `iomap-sim simulate` end to end with the real simulator, on small jobs:
 * the comparison table, report.json and report.html, bit-for-bit
 * reproducible runs for a seed, the built-in suite's job files, and the
 * errors (bad job: status 1 with FILE:LINE; bad usage: status 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReportData } from '../src/sim/report/data.js';
import { SUITE_JOBS, suiteJobs } from '../src/sim/suite/suite.js';
import { listPolicies, parseJob } from '../src/sim/index.js';
import { CLI } from './paths.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-report-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'simulate', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const JOB = join(work, 'small.fio');
writeFileSync(JOB, '[small]\nrw=randwrite\nbs=4k\nsize=256k\nfallocate=native\nrandseed=5\nfsync=8\n');

/** A report without the simulator's own speed, which is the only thing allowed to vary. */
function strip(d: ReportData): unknown {
  return { ...d, command: [], runs: d.runs.map((r) => ({ ...r, wallSeconds: 0, iosPerSecond: 0 })) };
}

describe('iomap-sim simulate', () => {
  it('prints the table and writes report.json and report.html; runs are reproducible for a seed', () => {
    const args = [JOB, '--policy', 'seed', '--policy', 'no-cache', '--revision', 'rfc-v3', '--revision', 'v7', '--seed', '3', '--threads', '2'];
    const a = cli([...args, '--out', join(work, 'a')]);
    expect(a.stderr).toBe(''); // stderr is not a terminal: no progress bar
    expect(a.status).toBe(0);
    const lines = a.stdout.split('\n');
    expect(lines[0]).toMatch(/^job\s+rev\s+policy\s+I\/Os\s+upcalls\s+vs base/);
    const rows = lines.filter((l) => l.startsWith('small '));
    expect(rows.map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(['small rfc-v3 seed', 'small rfc-v3 no-cache', 'small v7 seed', 'small v7 no-cache']);
    expect(a.stdout).toContain(`report: ${join(work, 'a', 'report.html')}`);

    const data = JSON.parse(readFileSync(join(work, 'a', 'report.json'), 'utf8')) as ReportData;
    expect(data.runs.map((r) => [r.job, r.revision, r.policy, r.seed])).toEqual([
      ['small', 'rfc-v3', 'seed', 3],
      ['small', 'rfc-v3', 'no-cache', 3],
      ['small', 'v7', 'seed', 3],
      ['small', 'v7', 'no-cache', 3],
    ]);
    // 64 writes of 4 KiB; the table's upcalls are the runs' totals
    for (const r of data.runs) expect(r.totals.ios).toBeGreaterThanOrEqual(64);
    for (const [i, r] of data.runs.entries()) expect(rows[i].split(/\s+/)[4]).toBe(r.totals.upcalls.toLocaleString('en-US'));
    const html = readFileSync(join(work, 'a', 'report.html'), 'utf8');
    expect(html).toContain('<figure id="job0-small-hit"');
    expect(html.match(/<svg /g)?.length).toBe(4);

    const b = cli([...args, '--threads', '1', '--out', join(work, 'b')]);
    expect(b.status).toBe(0);
    const again = JSON.parse(readFileSync(join(work, 'b', 'report.json'), 'utf8')) as ReportData;
    expect(strip(again)).toEqual(strip(data));
  });

  it('a bad job file: status 1, FILE:LINE and the option, nothing written', () => {
    const bad = join(work, 'bad.fio');
    writeFileSync(bad, '[bad]\nrw=write\nsize=1m\nfrobnicate=1\n');
    const r = cli([bad, '--policy', 'seed', '--out', join(work, 'bad-out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad:4: option 'frobnicate'/);
    expect(() => readFileSync(join(work, 'bad-out', 'report.json'))).toThrow();
  });

  it('bad usage: status 2 naming the policy, revision, seed or file', () => {
    expect(cli([JOB, '--policy', 'nope']).stderr).toMatch(/unknown policy 'nope' \(known: seed, /);
    expect(cli([JOB, '--revision', 'v99']).stderr).toMatch(/unknown revision 'v99'/);
    expect(cli([JOB, '--seed=-1']).stderr).toMatch(/--seed '-1' must be a non-negative integer/);
    expect(cli([JOB, '--seed', 'x']).stderr).toMatch(/--seed 'x' must be a non-negative integer/);
    expect(cli([join(work, 'missing.fio')]).stderr).toMatch(/cannot read job .*missing\.fio/);
    expect(cli([JOB, '--policy', 'nope']).status).toBe(2);
  });

  it('--list-policies prints every built-in policy with its description', () => {
    const r = cli(['--list-policies']);
    expect(r.status).toBe(0);
    for (const p of listPolicies()) expect(r.stdout).toContain(`${p.name}\n    ${p.description}\n`);
  });

  it('the built-in suite: every job file parses and the suite has the required workloads', () => {
    const jobs = suiteJobs();
    expect(jobs.map((j) => j.name)).toEqual([...SUITE_JOBS]);
    for (const j of jobs) expect(() => parseJob(j.text, `${j.name}.fio`), j.name).not.toThrow();
    const text = (n: string) => jobs.find((j) => j.name === n)!.text;
    // unwritten conversion: random writes into preallocated (unwritten) space
    expect(text('unwritten-conversion')).toMatch(/rw=randwrite[\s\S]*fallocate=native/);
    // racing writeback: two writers on one file with writeback kicked every few writes
    expect(text('racing-writeback')).toMatch(/filename=shared\.dat[\s\S]*numjobs=2[\s\S]*sim_writeback_every=4/);
  });
});
