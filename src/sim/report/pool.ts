// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs simulation tasks in parallel worker_threads (one per core by
 * default, never more than there are tasks). Results come back in task
 * order whatever order the workers finish in, so a report does not depend
 * on scheduling; each task is deterministic given its seed.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SimRun } from '../result.js';
import type { SimTask, WorkerReply } from './tasks.js';

/** A simulation that failed; userError: the job or policy was bad (not a crash). */
export class SimTaskError extends Error {
  constructor(
    readonly task: SimTask,
    message: string,
    readonly userError: boolean,
    readonly workerStack?: string,
  ) {
    super(message);
    this.name = 'SimTaskError';
  }
}

export interface PoolOptions {
  /** worker threads; default: available cores */
  threads?: number;
  /** the module exporting simulate(); default: src/sim/index.js beside this file's directory */
  simulatorUrl?: string;
  /** progress of one task: I/Os done of total (total NaN when unknown) */
  onProgress?: (task: number, done: number, total: number) => void;
  /** a task finished */
  onDone?: (task: number, run: SimRun) => void;
}

export const DEFAULT_SIMULATOR_URL = new URL('../index.js', import.meta.url).href;
const WORKER_URL = new URL('./worker.js', import.meta.url);

export function runPool(tasks: readonly SimTask[], opts: PoolOptions = {}): Promise<SimRun[]> {
  const results: SimRun[] = new Array(tasks.length);
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), tasks.length));
  if (tasks.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    let next = 0;
    let finished = 0;
    let failed = false;
    const workers: Worker[] = [];
    const stopAll = () => {
      for (const w of workers) void w.terminate();
    };
    const feed = (w: Worker) => {
      if (next < tasks.length) {
        const task = next++;
        w.postMessage({ type: 'task', task, spec: tasks[task] });
      } else {
        w.postMessage({ type: 'exit' });
      }
    };
    for (let i = 0; i < threads; i++) {
      const w = new Worker(WORKER_URL, { workerData: { simulatorUrl: opts.simulatorUrl ?? DEFAULT_SIMULATOR_URL } });
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if (failed) return;
        switch (m.type) {
          case 'progress':
            opts.onProgress?.(m.task, m.done, m.total);
            break;
          case 'done':
            results[m.task] = m.run;
            opts.onDone?.(m.task, m.run);
            if (++finished === tasks.length) {
              for (const x of workers) x.postMessage({ type: 'exit' });
              resolve(results);
            } else feed(w);
            break;
          case 'error':
            failed = true;
            stopAll();
            reject(new SimTaskError(tasks[m.task], m.message, m.userError, m.stack));
            break;
        }
      });
      w.on('error', (e) => {
        if (failed) return;
        failed = true;
        stopAll();
        reject(e);
      });
      w.on('exit', (code) => {
        if (!failed && finished < tasks.length && code !== 0) {
          failed = true;
          stopAll();
          reject(new Error(`simulation worker exited with status ${code}`));
        }
      });
      feed(w);
    }
  });
}
