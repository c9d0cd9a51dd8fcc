// SPDX-License-Identifier: GPL-2.0-only
/*
 * What one simulation run produces: the contract between the simulator
 * (src/sim/engine, workloads, server, scheduler, policies) and its readers
 * (src/sim/report, the simulate CLI, the revisions diff, benchmarks).
 * Plain JSON-able data only (bigints as decimal strings), so that results
 * cross worker_threads and land in report JSON unchanged.
 */

/** Counters of one run (or of one time-series bucket). */
export interface SimMetrics {
  /** application I/Os issued (each read/write/zero/... call of the workload) */
  ios: number;
  /** bytes the application asked for */
  bytes: number;
  /** iomap_begin calls (one I/O may need several: each mapping covers a part) */
  iomapBegins: number;
  /** FUSE_IOMAP_BEGIN round trips to the server */
  upcalls: number;
  /** per fork: lookups that hit / missed / found no fork */
  hits: { read: number; write: number };
  misses: { read: number; write: number };
  nofork: { read: number; write: number };
  /** revalidation (fuse_iomap_revalidate / writeback variant) failures */
  revalidationFailures: {
    /** the mapping the cookie stood for really changed */
    needed: number;
    /** the counter moved for an unrelated range; the mapping was still right */
    needless: number;
  };
  /** I/O done through a mapping that differed from the server's truth */
  staleViolations: number;
  /** server notifications sent */
  upserts: number;
  invalidations: number;
  /** at the end of the run (or bucket) */
  extentsCached: { read: number; write: number };
  treeHeight: { read: number; write: number };
  /** records and nodes as the kernel would kmalloc them, both forks */
  kernelBytes: number;
  /** cost model: simulated seconds */
  simulatedSeconds: number;
}

/** One sample of the time series (every N I/Os). */
export interface SimSample extends SimMetrics {
  /** I/Os done when the sample was taken */
  at: number;
}

export interface SimRun {
  job: string;
  policy: string;
  revision: string;
  seed: number;
  /** totals; the gauges (extentsCached, treeHeight, kernelBytes) there are the state at the end */
  totals: SimMetrics;
  /** the largest value each gauge reached at any sample or at the end */
  peak?: { extentsCached: { read: number; write: number }; treeHeight: { read: number; write: number }; kernelBytes: number };
  series: SimSample[];
  /**
   * violations found by the scheduler, each with reproducers: `scenario` in
   * the kernel scenario language (iomap-sim run FILE replays the kernel
   * side), `replay` the JSON schedule that replayScenario() runs again
   */
  violations: Array<{ what: string; schedule: string[]; scenario: string; replay?: string }>;
  /** seed hazards (src/cache/hazards.ts ids) walked through, with counts */
  hazards: Record<string, number>;
  /** the simulator's own speed */
  wallSeconds: number;
  iosPerSecond: number;
}
