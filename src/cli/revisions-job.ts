// SPDX-License-Identifier: GPL-2.0-only
/*
 * `iomap-sim revisions diff JOB.fio`: the same workload through the
 * simulator under two kernel revisions, per policy, metrics side by side
 * and every metric that differs listed.
 */
import type { Revision } from '../cache/revision.js';
import { parseJob, type SimRun, SEED_POLICY, simulate } from '../sim/index.js';
import { allFigures, type RunFigures } from '../sim/report/derive.js';
import { comparisonTable } from '../sim/report/table.js';

/** A fio job file has [section] lines; the scenario language never does. */
export function looksLikeJob(text: string, file: string): boolean {
  return file.endsWith('.fio') || /^\s*\[[^\]\n]+\]\s*$/m.test(text);
}

/** The figures compared, by the name the report prints. */
const COMPARED: ReadonlyArray<readonly [string, (f: RunFigures) => number]> = [
  ['upcalls', (f) => f.upcalls],
  ['hit ratio', (f) => f.hitRatio],
  ['revalidation failures needed', (f) => f.revalNeeded],
  ['revalidation failures needless', (f) => f.revalNeedless],
  ['stale-mapping violations', (f) => f.staleViolations],
  ['extents cached', (f) => f.extentsCached],
  ['kernel bytes', (f) => f.kernelBytes],
  ['simulated seconds', (f) => f.simulatedSeconds],
];

export interface JobDiff {
  job: string;
  a: string;
  b: string;
  figures: RunFigures[];
  differences: Array<{ policy: string; metric: string; a: number; b: number }>;
}

export function diffJob(text: string, file: string, a: Revision, b: Revision, policies: readonly string[], seed: number): JobDiff {
  const jobName = file.replace(/^.*\//, '').replace(/\.fio$/, '');
  // parsed once, with the file's own name in any FILE:LINE error
  const workload = parseJob(text, file);
  const runs: SimRun[] = [];
  for (const rev of [a, b])
    for (const policy of policies) runs.push(simulate({ workload, policy, revision: rev.name, seed, jobName, timing: false }));
  const figures = allFigures(runs, policies.includes(SEED_POLICY) ? SEED_POLICY : policies[0]);
  const differences: JobDiff['differences'] = [];
  for (let i = 0; i < policies.length; i++) {
    const fa = figures[i];
    const fb = figures[policies.length + i];
    for (const [metric, value] of COMPARED) {
      const va = value(fa);
      const vb = value(fb);
      if (va !== vb && !(Number.isNaN(va) && Number.isNaN(vb))) differences.push({ policy: policies[i], metric, a: va, b: vb });
    }
  }
  return { job: jobName, a: a.name, b: b.name, figures, differences };
}

export function formatJobDiff(d: JobDiff): string {
  const out = [`revisions diff ${d.job}: ${d.a} vs ${d.b}, simulator metrics per policy`, '', comparisonTable(d.figures), ''];
  if (!d.differences.length) out.push('no metric differs');
  else {
    out.push(`${d.differences.length} metric(s) differ:`);
    for (const x of d.differences) out.push(`  ${x.policy}: ${x.metric} ${d.a} ${x.a} -> ${d.b} ${x.b}`);
  }
  return out.join('\n') + '\n';
}
