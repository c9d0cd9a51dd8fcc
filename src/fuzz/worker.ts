// SPDX-License-Identifier: GPL-2.0-only
/* A worker thread running one campaign session; messages go to the parent port. */
import { parentPort, workerData } from 'node:worker_threads';
import { runSession, type SessionConfig } from './session.js';

const cfg = workerData as SessionConfig;
runSession(cfg, (m) => parentPort!.postMessage(m)).catch((e: unknown) => {
  parentPort!.postMessage({ type: 'error', worker: cfg.worker, message: (e as Error).stack ?? String(e) });
});
