// SPDX-License-Identifier: GPL-2.0-only
/* SimRun values built by hand for the report tests (no simulator involved). */
import { zeroMetrics } from '../src/sim/engine/metrics.js';
import type { SimMetrics, SimRun, SimSample } from '../src/sim/result.js';

export function metrics(p: Partial<SimMetrics> = {}): SimMetrics {
  return { ...zeroMetrics(), ...p };
}

/**
 * A run of `buckets` samples of 100 I/Os of 4 KiB each; `k` varies the numbers
 * between runs so that every run's points differ.
 */
export function makeRun(job: string, policy: string, revision: string, k: number, buckets = 5): SimRun {
  const series: SimSample[] = [];
  for (let b = 0; b < buckets; b++) {
    const hits = 10 * k + 7 * b;
    const misses = 100 - hits;
    series.push({
      ...metrics({
        ios: 100,
        bytes: 100 * 4096,
        iomapBegins: 100,
        upcalls: misses + k,
        hits: { read: hits, write: 0 },
        misses: { read: misses, write: 0 },
        revalidationFailures: { needed: b, needless: k },
        extentsCached: { read: 10 * (b + 1), write: k },
        kernelBytes: 256 * (b + 1) + 32 * k,
        simulatedSeconds: 0.001 * (b + 1),
      }),
      at: 100 * (b + 1),
    });
  }
  const sum = (f: (s: SimSample) => number) => series.reduce((t, s) => t + f(s), 0);
  const last = series[series.length - 1];
  const totals = metrics({
    ios: sum((s) => s.ios),
    bytes: sum((s) => s.bytes),
    iomapBegins: sum((s) => s.iomapBegins),
    upcalls: sum((s) => s.upcalls),
    hits: { read: sum((s) => s.hits.read), write: 0 },
    misses: { read: sum((s) => s.misses.read), write: 0 },
    revalidationFailures: { needed: sum((s) => s.revalidationFailures.needed), needless: sum((s) => s.revalidationFailures.needless) },
    extentsCached: last.extentsCached,
    kernelBytes: last.kernelBytes,
    simulatedSeconds: sum((s) => s.simulatedSeconds),
  });
  return { job, policy, revision, seed: 1, totals, series, violations: [], hazards: {}, wallSeconds: 0.01, iosPerSecond: 50000 };
}
