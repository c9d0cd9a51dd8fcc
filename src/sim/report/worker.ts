// SPDX-License-Identifier: GPL-2.0-only
/*
 * A worker_thread of the pool: loads the simulator module once, then runs
 * the tasks it is sent one at a time, reporting progress (at most every
 * 50 ms) and the SimRun, which is plain data and crosses as a structured
 * clone.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SimulatorModule, WorkerReply, WorkerRequest } from './tasks.js';

const port = parentPort;
if (!port) throw new Error('worker.js must run in a worker_thread');
const { simulatorUrl } = workerData as { simulatorUrl: string };
const sim = import(simulatorUrl) as Promise<SimulatorModule>;
const post = (m: WorkerReply) => port.postMessage(m);

port.on('message', async (msg: WorkerRequest) => {
  if (msg.type === 'exit') {
    port.close();
    return;
  }
  const { task, spec } = msg;
  let last = 0;
  try {
    const { simulate } = await sim;
    const run = await simulate({
      ...spec,
      onProgress: (done, total) => {
        const now = performance.now();
        if (now - last < 50 && done < total) return;
        last = now;
        post({ type: 'progress', task, done, total });
      },
    });
    post({ type: 'done', task, run });
  } catch (e) {
    const err = e as Error;
    // bad input: a job file the fio parser refuses, a policy or revision the simulator does not know
    const mod = await sim;
    const userError = [mod.JobError, mod.UnknownPolicyError, mod.UnknownRevisionError].some((c) => typeof c === 'function' && err instanceof c);
    post({ type: 'error', task, message: String(err?.message ?? err), stack: err?.stack, userError });
  }
});
