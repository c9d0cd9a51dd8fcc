// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in simulator module for the worker-pool tests: it follows the
 * simulate() contract of src/sim/index.ts, works for a while proportional
 * to the seed, reports progress, and fails on request. The worker thread it
 * ran in is recorded under `hazards` so that the test can see parallelism.
 */
import { threadId } from 'node:worker_threads';

export class JobError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FioError';
  }
}

export function listPolicies() {
  return [
    { name: 'seed', description: 'the seed exactly' },
    { name: 'other', description: 'another policy' },
  ];
}

export function simulate({ jobName, jobText, policy, revision, seed, onProgress }) {
  if (jobText.includes('bad-option')) throw new JobError(`${jobName}:2: option 'bad-option': unknown option`);
  if (jobText.includes('crash')) throw new TypeError('cannot read properties of undefined');
  const total = 20;
  const until = Date.now() + 5 * seed;
  for (let i = 1; i <= total; i++) {
    while (Date.now() < until * (i / total) + (1 - i / total) * (until - 5 * seed));
    onProgress?.(i, total);
  }
  const m = {
    ios: total, bytes: total * 4096, iomapBegins: total, upcalls: seed, hits: { read: total - seed, write: 0 }, misses: { read: seed, write: 0 },
    nofork: { read: 0, write: 0 }, revalidationFailures: { needed: 0, needless: 0 }, staleViolations: 0, upserts: 0, invalidations: 0,
    extentsCached: { read: 1, write: 0 }, treeHeight: { read: 1, write: 0 }, kernelBytes: 32, simulatedSeconds: 0.001,
  };
  return { job: jobName, policy, revision, seed, totals: m, series: [{ ...m, at: total }], violations: [], hazards: { [`thread-${threadId}`]: 1 }, wallSeconds: 0, iosPerSecond: 0 };
}
