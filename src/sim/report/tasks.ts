// SPDX-License-Identifier: GPL-2.0-only
/*
 * One unit of work for the worker pool: a job under one policy and one
 * revision. The messages a worker sends back are listed here too.
 */
import type { Workload } from '../workload/types.js';
import type { SimRun } from '../result.js';

export interface SimTask {
  /** the job's name (SimRun.job) and the file name used in error messages */
  jobName: string;
  /** the fio job file text */
  jobText?: string;
  /** or the workload itself (a captured trace's requests, src/sim/workload/trace.ts) */
  workload?: Workload;
  policy: string;
  revision: string;
  seed: number;
}

/** What a simulator module (src/sim/index.ts) must export for the workers. */
export interface SimulatorModule {
  /** the class of errors that mean the job text is wrong (message: FILE:LINE: ...) */
  JobError?: new (...args: never[]) => Error;
  UnknownPolicyError?: new (...args: never[]) => Error;
  UnknownRevisionError?: new (...args: never[]) => Error;
  simulate(opts: SimTask & { onProgress?: (done: number, total: number) => void }): SimRun | Promise<SimRun>;
}

export type WorkerReply =
  | { type: 'progress'; task: number; done: number; total: number }
  | { type: 'done'; task: number; run: SimRun }
  /** userError: bad input (a job file error), to be printed as is; else a crash with its stack */
  | { type: 'error'; task: number; message: string; stack?: string; userError: boolean };

export type WorkerRequest = { type: 'task'; task: number; spec: SimTask } | { type: 'exit' };
