// SPDX-License-Identifier: GPL-2.0-only
/*
 * One progress bar over every task of a simulate run, on stderr and only
 * when stderr is a terminal (a log file or a pipe gets nothing). Tasks
 * report I/Os done of their total; the bar shows the share of all I/Os
 * done, the runs finished, and an estimate of the time left.
 */
import { SingleBar } from 'cli-progress';

export interface ProgressSink {
  update(task: number, done: number, total: number): void;
  finish(task: number): void;
  stop(): void;
}

const NONE: ProgressSink = { update() {}, finish() {}, stop() {} };

/** Scale of the bar: per mille of all I/Os. */
const SCALE = 1000;

export function progressBar(tasks: number, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (!stream.isTTY || tasks === 0) return NONE;
  const done = new Float64Array(tasks);
  const total = new Float64Array(tasks).fill(NaN);
  const closed = new Uint8Array(tasks);
  let runs = 0;
  const bar = new SingleBar(
    {
      stream,
      format: 'simulate [{bar}] {percentage}% | {runs}/{tasks} runs | ETA {eta_formatted}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 10,
    },
  );
  bar.start(SCALE, 0, { runs, tasks });
  /** share of the work done: tasks with no total yet count as not started */
  const share = () => {
    let s = 0;
    for (let i = 0; i < tasks; i++) s += closed[i] ? 1 : Number.isFinite(total[i]) && total[i] > 0 ? Math.min(1, done[i] / total[i]) : 0;
    return s / tasks;
  };
  return {
    update(task, d, t) {
      done[task] = d;
      total[task] = t;
      bar.update(Math.floor(share() * SCALE), { runs, tasks });
    },
    finish(task) {
      closed[task] = 1;
      runs++;
      bar.update(Math.floor(share() * SCALE), { runs, tasks });
    },
    stop() {
      bar.stop();
    },
  };
}
