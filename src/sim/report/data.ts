// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a report holds: the runs (SimRun, unchanged) and what is needed to
 * read them. This is report.json, and the HTML embeds the same object.
 */
import type { SimRun } from '../result.js';
import { allFigures, type RunFigures } from './derive.js';

export interface ReportPolicy {
  name: string;
  description: string;
}

export interface ReportJob {
  name: string;
  /** the fio job file's text */
  text: string;
}

export interface ReportData {
  tool: 'iomap-sim simulate';
  /** the command line that produced it (argv after `iomap-sim`) */
  command: string[];
  seed: number;
  revisions: string[];
  /** in column order; the first is the baseline of `vs base` */
  policies: ReportPolicy[];
  baseline: string;
  jobs: ReportJob[];
  /** ordered by job, then revision, then policy (as listed above) */
  runs: SimRun[];
  /** derived from runs (the table's numbers) */
  figures: RunFigures[];
}

/** Order runs by the job, revision and policy lists and derive the figures. */
export function reportData(args: Omit<ReportData, 'tool' | 'figures' | 'baseline' | 'runs'> & { runs: readonly SimRun[] }): ReportData {
  const idx = <T>(list: readonly T[], x: T) => list.indexOf(x);
  const jobs = args.jobs.map((j) => j.name);
  const pols = args.policies.map((p) => p.name);
  const runs = [...args.runs].sort(
    (a, b) => idx(jobs, a.job) - idx(jobs, b.job) || idx(args.revisions, a.revision) - idx(args.revisions, b.revision) || idx(pols, a.policy) - idx(pols, b.policy),
  );
  const baseline = pols[0];
  return { tool: 'iomap-sim simulate', ...args, baseline, runs, figures: allFigures(runs, baseline) };
}
