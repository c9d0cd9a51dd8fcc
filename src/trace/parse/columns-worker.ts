// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parse thread of threaded.ts: chunks come in as messages, go through
 * parseTraceColumns exactly as in one thread, and each batch goes back as
 * a WireBatch with the counts so far; the last message carries the final
 * stats. An error goes back as a message too.
 */
import { parentPort } from 'node:worker_threads';
import type { FuseTraceFormat } from '../revision.js';
import { type ParseStats, newStats, parseTraceColumns } from './stream.js';
import { type WireBatch, encodeBatch } from './wire-batch.js';

export type ToParser = { start: { file: string; format: FuseTraceFormat } } | { chunk: Uint8Array } | { end: true };
export type FromParser =
  | { kind: 'batch'; wire: WireBatch; bytes: number; lines: number; events: number }
  | { kind: 'done'; stats: ParseStats }
  /** the worker took its next chunk: every chunk before it is parsed and its batch posted */
  | { kind: 'pulled'; chunks: number }
  | { kind: 'error'; message: string };

const port = parentPort!;

/**
 * One parse after another (the thread is kept for the next replay, warm):
 * a start message opens a session, its chunks follow, end closes it.
 */
let queue: Array<Buffer | null> = [];
let wake: (() => void) | null = null;
port.on('message', (m: ToParser) => {
  if ('start' in m) {
    queue = [];
    void session(m.start.file, m.start.format);
    return;
  }
  queue.push('chunk' in m ? Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.length) : null);
  wake?.();
  wake = null;
});

/** The session's chunks as they arrive, as an async iterable. */
async function* incoming(): AsyncGenerator<Buffer> {
  let pulled = 0;
  for (;;) {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    const c = queue.shift()!;
    if (c === null) return;
    port.postMessage({ kind: 'pulled', chunks: ++pulled } satisfies FromParser);
    yield c;
  }
}

async function session(file: string, format: FuseTraceFormat): Promise<void> {
  try {
    const stats = newStats();
    for await (const batch of parseTraceColumns(incoming(), file, stats, format)) {
      const { wire, transfer } = encodeBatch(batch);
      const msg: FromParser = { kind: 'batch', wire, bytes: stats.bytes, lines: stats.lines, events: stats.events };
      port.postMessage(msg, transfer);
    }
    port.postMessage({ kind: 'done', stats } satisfies FromParser);
  } catch (e) {
    port.postMessage({ kind: 'error', message: (e as Error).stack ?? String(e) } satisfies FromParser);
  }
}
