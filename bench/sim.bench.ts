// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulator's own speed: simulated application I/Os per second of wall
 * time for a few workloads, each policy against the no-cache run of the
 * same workload measured in the same suite (the baseline: the kernel model
 * without the mapping cache doing the same I/O).
 */
import { type BenchArgs, defineSuite, fmt, mdTable, ratio, runRounds, table } from './common.js';
import { simulate } from '../src/sim/index.js';

const JOBS: ReadonlyArray<readonly [string, string]> = [
  ['direct reread 16 MiB', '[r]\nrw=read\nbs=4k\nsize=16m\ndirect=1\nloops=2\n'],
  ['random 4k writes into 4 MiB unwritten', '[w]\nrw=randwrite\nbs=4k\nsize=4m\n'],
  ['buffered random reads 16 MiB', '[r]\nrw=randread\nbs=4k\nsize=16m\n'],
];
const POLICIES = ['no-cache', 'seed', 'per-range', 'prefetch-4'];

interface Row {
  job: string;
  policy: string;
  /** application I/Os per run */
  ios: number;
  /** simulated I/Os per wall second */
  iosPerSecond: number;
  rme: number;
  /** iosPerSecond / the no-cache run's */
  vsNoCache: number;
}

export interface SimBenchResult {
  rows: Row[];
}

function run(args: BenchArgs, log: (s: string) => void): SimBenchResult {
  const rows: Row[] = [];
  for (const [job, text] of JOBS) {
    const ios = new Map(POLICIES.map((p) => [p, simulate(text, p, { seed: 1, timing: false }).totals.ios]));
    const figures = runRounds(`sim ${job}`, POLICIES.map((p) => [p, () => simulate(text, p, { seed: 1, timing: false })] as const), { maxTime: args.quick ? 0.3 : 2, minSamples: args.quick ? 2 : 5, log }, args.quick ? 1 : 2);
    const base = figures[0].hz * ios.get(POLICIES[0])!;
    for (const f of figures) {
      const perSec = f.hz * ios.get(f.name)!;
      rows.push({ job, policy: f.name, ios: ios.get(f.name)!, iosPerSecond: perSec, rme: f.rme, vsNoCache: perSec / base });
    }
  }
  return { rows };
}

export const benchSuite = defineSuite<SimBenchResult>({
  name: 'sim',
  title: 'simulator speed: simulated I/Os per wall second per policy; ratio = policy / no-cache on the same workload',
  run,
  text: (r) =>
    '## sim: simulated I/Os per second\n' +
    table(
      ['workload', 'policy', 'I/Os', 'I/Os per s', '±%', 'vs no-cache'],
      r.rows.map((x) => [x.job, x.policy, String(x.ios), fmt(x.iosPerSecond), x.rme.toFixed(1), ratio(x.vsNoCache)]),
    ),
  markdown: (r) =>
    [
      mdTable(
        ['workload', 'policy', 'I/Os a run', 'simulated I/Os per s', '±%', 'vs no-cache'],
        r.rows.map((x) => [x.job, x.policy, x.ios, x.iosPerSecond, String(Math.round(x.rme)), ratio(x.vsNoCache)]),
      ),
      '',
      '* Baseline: the same workload under `no-cache` (every `->iomap_begin` an upcall to the simulated server) in the same run.',
    ].join('\n'),
});
