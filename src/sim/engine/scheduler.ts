// SPDX-License-Identifier: GPL-2.0-only
/*
 * The deterministic scheduler: at each step it picks one runnable actor
 * (seeded random choice, or the next name of a schedule being replayed)
 * and runs it to its next yield, i.e. to the next point where the kernel
 * has dropped the cache lock. The run ends when every application thread
 * has finished and the workers have nothing left to do.
 */
import { Rng } from '../rng.js';
import type { Actor, Engine } from './engine.js';

export interface SchedulerOptions {
  seed: number;
  /** actor names to run, one per step; when it runs out (or names a blocked actor) the seeded choice takes over */
  replay?: readonly string[];
  stopAtViolation?: boolean;
  /** give up after this many steps (a livelocked workload) */
  maxSteps?: number;
  /** told before each step which actor runs */
  onStep?: (step: number, actor: string) => void;
}

export interface ScheduleResult {
  steps: number;
  /** actor index chosen at each step */
  choices: Int32Array;
  stoppedAtViolation: boolean;
}

export class SchedulerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerError';
  }
}

export function runActors(engine: Engine, actors: Actor[], opts: SchedulerOptions): ScheduleResult {
  const rng = new Rng(opts.seed);
  const byName = new Map(actors.map((a, i) => [a.name, i]));
  let choices = new Int32Array(1024);
  const maxSteps = opts.maxSteps ?? 50_000_000;
  const runnable: number[] = [];
  let step = 0;
  for (;;) {
    runnable.length = 0;
    let appsLeft = false;
    for (let i = 0; i < actors.length; i++) {
      const a = actors[i];
      if (a.done) continue;
      if (!a.daemon) appsLeft = true;
      if (!a.waiting || a.waiting.until()) runnable.push(i);
    }
    if (!appsLeft && runnable.length === 0) break;
    if (runnable.length === 0) {
      const stuck = actors.filter((a) => !a.done && !a.daemon).map((a) => `${a.name} (${a.waiting?.why ?? 'runnable'})`);
      throw new SchedulerError(`no actor can run at step ${step}: ${stuck.join(', ')}`);
    }
    if (step >= maxSteps) throw new SchedulerError(`the run did not finish within ${maxSteps} scheduler steps`);
    let pick = -1;
    const want = opts.replay && step < opts.replay.length ? byName.get(opts.replay[step]) : undefined;
    if (want !== undefined && runnable.includes(want)) pick = want;
    else pick = runnable[runnable.length === 1 ? 0 : rng.below(runnable.length)];
    if (step === choices.length) {
      const grown = new Int32Array(choices.length * 2);
      grown.set(choices);
      choices = grown;
    }
    choices[step] = pick;
    engine.step = step;
    step++;
    const a = actors[pick];
    opts.onStep?.(step - 1, a.name);
    const before = engine.violations.length;
    const r = a.gen.next();
    if (r.done) a.done = true;
    else a.waiting = r.value;
    if (opts.stopAtViolation && engine.violations.length > before) return { steps: step, choices: choices.subarray(0, step), stoppedAtViolation: true };
  }
  return { steps: step, choices: choices.subarray(0, step), stoppedAtViolation: false };
}
