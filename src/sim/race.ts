// SPDX-License-Identifier: GPL-2.0-only
/*
 * Race search on the scheduler: run a workload under many seeded
 * interleavings, stop each at its first violation of the invariant (a
 * mapping used that differs from the server's truth without revalidation
 * catching it), keep the shortest schedule found, then shrink it by
 * dropping steps while the violation still happens. The result carries a
 * scenario file that replays it (replayScenario).
 */
import { type RunOptions, type ScenarioFile, runWorkload, scenarioText } from './engine/run.js';
import type { Workload } from './workload/types.js';

export interface RaceOptions {
  seed?: number;
  revision?: string;
  /** interleavings to try (default 200) */
  attempts?: number;
  /** replays spent shrinking the shortest schedule (default 300) */
  shrinkBudget?: number;
  engine?: RunOptions['engine'];
  jobText?: string;
}

export interface RaceResult {
  /** interleavings run */
  attempts: number;
  /** scenario: kernel scenario language; replay: the JSON schedule for replayScenario() */
  violation: { what: string; schedule: string[]; scenario: string; replay: string } | null;
  /** the seed (attempt) that first found it */
  foundAt: number | null;
}

const attemptSeed = (seed: number, i: number): number => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;

function violates(workload: Workload, jobName: string, policy: string, seed: number, opts: RaceOptions, replay?: readonly string[]) {
  const d = runWorkload(workload, jobName, policy, { seed, revision: opts.revision, replay, stopAtViolation: true, timing: false, engine: opts.engine, sampleEvery: 1 << 30 });
  if (!d.stoppedAtViolation) return null;
  const schedule = Array.from(d.choices, (i) => d.actorNames[i]);
  return { what: d.run.violations[0].what, schedule };
}

export function race(workload: Workload, jobName: string, policy: string, opts: RaceOptions = {}): RaceResult {
  const base = opts.seed ?? 1;
  const attempts = opts.attempts ?? 200;
  let best: { what: string; schedule: string[]; seed: number } | null = null;
  let foundAt: number | null = null;
  let tried = 0;
  for (let i = 0; i < attempts; i++) {
    tried++;
    const s = attemptSeed(base, i);
    const v = violates(workload, jobName, policy, s, opts);
    if (v && (!best || v.schedule.length < best.schedule.length)) {
      best = { ...v, seed: s };
      if (foundAt === null) foundAt = i;
    }
    // after the first find, a few more tries for a shorter one
    if (foundAt !== null && i >= foundAt + 20) break;
  }
  if (!best) return { attempts: tried, violation: null, foundAt: null };

  // shrink (ddmin-like): drop chunks of steps, halving the chunk size, and
  // keep a candidate whenever it still ends in a violation
  let budget = opts.shrinkBudget ?? 300;
  for (let chunk = Math.max(1, best.schedule.length >> 1); chunk >= 1 && budget > 0; chunk >>= 1) {
    for (let at = best.schedule.length - 1 - chunk; at >= 0 && budget > 0; at -= chunk, budget--) {
      const candidate = best.schedule.slice(0, at).concat(best.schedule.slice(at + chunk));
      const v = violates(workload, jobName, policy, best.seed, opts, candidate);
      if (v && v.schedule.length < best.schedule.length) best = { ...v, seed: best.seed };
      if (at > best.schedule.length - 1 - chunk) at = best.schedule.length - 1 - chunk + chunk;
    }
  }
  const replay = scenarioText({ jobName, jobText: opts.jobText, workload, policy, revision: opts.revision ?? 'rfc-v3', seed: best.seed, schedule: best.schedule, engine: opts.engine });
  const scenario = runWorkload(workload, jobName, policy, { seed: best.seed, revision: opts.revision, replay: best.schedule, stopAtViolation: true, timing: false, engine: opts.engine, script: true, sampleEvery: 1 << 30 }).script!;
  return { attempts: tried, violation: { what: best.what, schedule: best.schedule, scenario, replay }, foundAt };
}

export type { ScenarioFile };
