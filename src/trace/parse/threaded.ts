// SPDX-License-Identifier: GPL-2.0-only
/*
 * parseTraceColumns with the parsing in a worker thread: this thread reads
 * the source and hands each chunk over (copied into shared memory); the
 * worker splits and scans it (columns-worker.ts) while this thread's
 * consumer replays the batch before. The batches, their order, their rows
 * and the final stats are the ones parseTraceColumns gives
 * (test/trace-threaded.test.ts); on two cores a replay then costs about
 * the larger of the parse and the model instead of their sum.
 *
 * At most MAX_AHEAD chunks are in flight, so memory stays bounded when the
 * consumer is the slower side. Needs the compiled worker next to this file
 * (dist/); from the TypeScript sources use parseTraceColumns.
 */
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { FuseTraceFormat } from '../revision.js';
import { EventBatch } from './batch.js';
import type { FromParser, ToParser } from './columns-worker.js';
import type { ParseStats } from './stream.js';
import { newStats } from './stream.js';
import { PointerHalves, decodeBatch } from './wire-batch.js';

const WORKER_URL = new URL('./columns-worker.js', import.meta.url);
/** the most chunks the worker has not parsed yet plus batches the consumer has not taken */
const MAX_AHEAD = 16;

/**
 * Idle parse threads, kept for the next parse: a thread's code gets warm
 * over its first parses as this thread's does. unref'd: an idle one never
 * keeps the process alive.
 */
const idle: Worker[] = [];

/** node's flags for the worker: this process's, less those only an entry point takes (node -e with --input-type) */
const workerArgv = () => process.execArgv.filter((a) => !a.startsWith('--input-type'));

function takeWorker(): Worker {
  const w = idle.pop() ?? new Worker(WORKER_URL, { execArgv: workerArgv() });
  w.ref();
  return w;
}

function giveBack(w: Worker): void {
  w.unref();
  idle.push(w);
}

export async function* parseTraceColumnsThreaded(
  source: AsyncIterable<Buffer | string>,
  file: string,
  stats: ParseStats = newStats(),
  format: FuseTraceFormat = 'rfc-v3',
): AsyncGenerator<EventBatch> {
  const worker = takeWorker();
  const inbox: FromParser[] = [];
  let failure: Error | null = null;
  let stopped = false;
  // chunks handed over, and taken up by the worker (its 'pulled' messages)
  let sent = 0;
  let pulled = 0;
  let wakeConsumer: (() => void) | null = null;
  let wakePump: (() => void) | null = null;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = null;
  };
  const wakeP = () => {
    wakePump?.();
    wakePump = null;
  };
  // backlog: chunks the worker has not parsed yet plus batches the consumer has not taken
  const behind = () => sent - pulled + inbox.length > MAX_AHEAD;
  const onMessage = (m: FromParser) => {
    if (m.kind === 'pulled') {
      pulled = m.chunks;
      return wakeP();
    }
    inbox.push(m);
    wake();
  };
  const onError = (e: Error) => {
    failure ??= e;
    wake();
  };
  const onExit = (code: number) => {
    if (!stopped) failure ??= new Error(`${file}: the parse thread exited with code ${code}`);
    wake();
  };
  worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  worker.postMessage({ start: { file, format } } satisfies ToParser);

  // this thread's side: read the source, hand each chunk over (copied once: the source may reuse its buffer)
  const pump = (async () => {
    try {
      for await (const chunk0 of source) {
        if (stopped) return;
        const chunk = typeof chunk0 === 'string' ? Buffer.from(chunk0) : chunk0;
        // shared: the worker's rows point into these bytes and this thread reads them there (wire-batch.ts)
        const copy = new Uint8Array(new SharedArrayBuffer(chunk.length));
        copy.set(chunk);
        worker.postMessage({ chunk: copy } satisfies ToParser);
        sent++;
        while (behind() && !stopped) await new Promise<void>((r) => (wakePump = r));
      }
      if (!stopped) worker.postMessage({ end: true } satisfies ToParser);
    } catch (e) {
      failure ??= e as Error;
      wake();
    }
  })();

  // decoded into: each message's arrays replace its own
  const batch = new EventBatch(format);
  const pointers = new PointerHalves();
  let done = false;
  try {
    while (!done) {
      while (inbox.length === 0 && failure === null) await new Promise<void>((r) => (wakeConsumer = r));
      if (inbox.length === 0) throw failure!;
      const m = inbox.shift()!;
      wakeP();
      switch (m.kind) {
        case 'batch':
          stats.bytes = m.bytes;
          stats.lines = m.lines;
          stats.events = m.events;
          decodeBatch(m.wire, batch, format, pointers);
          yield batch;
          break;
        case 'done':
          Object.assign(stats, m.stats);
          done = true;
          break;
        case 'error':
          throw new Error(`${file}: the parse thread failed: ${m.message}`);
      }
    }
  } finally {
    stopped = true;
    wakeP();
    worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    if (done) {
      // the source is at its end: the pump has finished; the thread is kept for the next parse
      await pump;
      giveBack(worker);
    } else {
      // stopped midway (an error, a consumer that left): the thread goes, and a stream source is closed
      // rather than waited for (stdin may never send another byte)
      (source as Partial<Readable>).destroy?.();
      await worker.terminate();
    }
  }
}
