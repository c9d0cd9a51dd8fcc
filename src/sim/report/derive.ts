// SPDX-License-Identifier: GPL-2.0-only
/*
 * Figures derived from a SimRun's counters, shared by the text table, the
 * HTML table and the plots so that all three show the same numbers.
 */
import type { SimMetrics, SimRun } from '../result.js';

const MiB = 1024 * 1024;

/** hits / lookups over both forks; NaN when there was no lookup */
export function hitRatio(m: SimMetrics): number {
  const hits = m.hits.read + m.hits.write;
  const lookups = hits + m.misses.read + m.misses.write + m.nofork.read + m.nofork.write;
  return lookups === 0 ? NaN : hits / lookups;
}

export const upcallsPerIo = (m: SimMetrics): number => (m.ios === 0 ? NaN : m.upcalls / m.ios);
export const upcallsPerMiB = (m: SimMetrics): number => (m.bytes === 0 ? NaN : m.upcalls / (m.bytes / MiB));

/** share of revalidation failures that were needless; NaN when none failed */
export function needlessShare(m: SimMetrics): number {
  const { needed, needless } = m.revalidationFailures;
  return needed + needless === 0 ? NaN : needless / (needed + needless);
}

/** The row the table and the report show for one run. */
export interface RunFigures {
  job: string;
  revision: string;
  policy: string;
  ios: number;
  upcalls: number;
  upcallsPerIo: number;
  upcallsPerMiB: number;
  /** upcalls of this run / upcalls of the baseline policy on the same job and revision */
  upcallsVsBaseline: number;
  hitRatio: number;
  revalNeeded: number;
  revalNeedless: number;
  staleViolations: number;
  extentsCached: number;
  kernelBytes: number;
  /** the most the run ever held (SimRun.peak; the end values when a run has no peak) */
  peakExtents: number;
  peakKernelBytes: number;
  simulatedSeconds: number;
  violations: number;
}

export function figures(run: SimRun, baseline: SimRun | undefined): RunFigures {
  const m = run.totals;
  return {
    job: run.job,
    revision: run.revision,
    policy: run.policy,
    ios: m.ios,
    upcalls: m.upcalls,
    upcallsPerIo: upcallsPerIo(m),
    upcallsPerMiB: upcallsPerMiB(m),
    upcallsVsBaseline: baseline === undefined || baseline.totals.upcalls === 0 ? NaN : m.upcalls / baseline.totals.upcalls,
    hitRatio: hitRatio(m),
    revalNeeded: m.revalidationFailures.needed,
    revalNeedless: m.revalidationFailures.needless,
    staleViolations: m.staleViolations,
    extentsCached: m.extentsCached.read + m.extentsCached.write,
    kernelBytes: m.kernelBytes,
    peakExtents: run.peak ? run.peak.extentsCached.read + run.peak.extentsCached.write : m.extentsCached.read + m.extentsCached.write,
    peakKernelBytes: run.peak ? run.peak.kernelBytes : m.kernelBytes,
    simulatedSeconds: m.simulatedSeconds,
    violations: run.violations.length,
  };
}

/**
 * Figures of every run, in the order given, each compared with the run of
 * `baselinePolicy` on the same job and revision.
 */
export function allFigures(runs: readonly SimRun[], baselinePolicy: string): RunFigures[] {
  const key = (r: SimRun) => `${r.job}\0${r.revision}`;
  const base = new Map(runs.filter((r) => r.policy === baselinePolicy).map((r) => [key(r), r]));
  return runs.map((r) => figures(r, base.get(key(r))));
}
