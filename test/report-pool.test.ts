// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulate worker pool (built code in dist/, since workers load .js):
 * results in task order whatever the finishing order, several threads used,
 * progress reported per task, and a bad job told apart from a crash.
 */
import { describe, expect, it } from 'vitest';
import { runPool, SimTaskError } from '../dist/src/sim/report/pool.js';
import type { SimTask } from '../src/sim/report/tasks.js';
import './paths.js';

const FAKE = new URL('./report-fake-sim.mjs', import.meta.url).href;
const task = (jobName: string, seed: number, jobText = '[x]\n'): SimTask => ({ jobName, jobText, policy: 'seed', revision: 'rfc-v3', seed });

describe('runPool', () => {
  it('returns every run in task order although later tasks finish first', async () => {
    // seeds: long tasks first, so the short ones finish earlier on the other thread
    const tasks = [task('a', 60), task('b', 40), task('c', 1), task('d', 2), task('e', 3)];
    const finished: number[] = [];
    const runs = await runPool(tasks, { threads: 2, simulatorUrl: FAKE, onDone: (t) => finished.push(t) });
    expect(runs.map((r) => r.job)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(runs.map((r) => r.totals.upcalls)).toEqual([60, 40, 1, 2, 3]);
    expect(finished.slice().sort()).toEqual([0, 1, 2, 3, 4]);
    expect(finished).not.toEqual([0, 1, 2, 3, 4]);
    const threads = new Set(runs.flatMap((r) => Object.keys(r.hazards)));
    expect(threads.size).toBe(2);
  });

  it('reports progress of each task up to its total', async () => {
    const last = new Map<number, [number, number]>();
    await runPool([task('a', 5), task('b', 5)], { threads: 2, simulatorUrl: FAKE, onProgress: (t, d, n) => last.set(t, [d, n]) });
    expect([...last.entries()].sort()).toEqual([
      [0, [20, 20]],
      [1, [20, 20]],
    ]);
  });

  it('rejects with a user error for a bad job and stops the other workers', async () => {
    const err = await runPool([task('slow', 200), task('broken', 1, '[x]\nbad-option=1\n')], { threads: 2, simulatorUrl: FAKE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimTaskError);
    expect((err as SimTaskError).userError).toBe(true);
    expect((err as SimTaskError).message).toBe("broken:2: option 'bad-option': unknown option");
    expect((err as SimTaskError).task.jobName).toBe('broken');
  });

  it('rejects with a crash (not a user error) when the simulator throws anything else', async () => {
    const err = await runPool([task('c', 1, 'crash')], { simulatorUrl: FAKE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimTaskError);
    expect((err as SimTaskError).userError).toBe(false);
    expect((err as SimTaskError).workerStack).toMatch(/TypeError: cannot read properties/);
  });

  it('resolves to no run for no task', async () => {
    expect(await runPool([], { simulatorUrl: FAKE })).toEqual([]);
  });
});
