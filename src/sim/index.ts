// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulator's entry points: simulate() one job under one policy and
 * revision, listPolicies(), race() for the fuzzing and test harnesses, and
 * replayScenario() for the reproducers violations carry.
 */
import './policy/builtin/index.js';
import { type RunOptions, type ScenarioFile, UnknownRevisionError, runWorkload } from './engine/run.js';
import { listPolicies, policyByName, registerPolicy, SEED_POLICY, UnknownPolicyError } from './policy/registry.js';
import { type RaceOptions, type RaceResult, race as raceWorkload } from './race.js';
import type { SimRun } from './result.js';
import { FioError, FIO_OPTIONS, parseFio } from './workload/fio.js';
import { workloadFromJobs } from './workload/generate.js';
import type { Workload } from './workload/types.js';

export type { SimMetrics, SimRun, SimSample } from './result.js';
export type { PolicyDef, PolicyParts, CounterModel, CapacityModel, ServeStrategy } from './policy/types.js';
export type { Workload, Op, FileSetup, Thread } from './workload/types.js';
export type { CostModel } from './engine/metrics.js';
export type { RaceOptions, RaceResult, ScenarioFile };
export { DEFAULT_COST } from './engine/metrics.js';
export { listPolicies, policyByName, registerPolicy, SEED_POLICY, UnknownPolicyError, UnknownRevisionError, FIO_OPTIONS };
export { SchedulerError } from './engine/scheduler.js';

/** A job file that cannot be parsed: message `NAME:LINE: option 'x': why`. */
export const JobError = FioError;
export type JobError = FioError;

/** Parse a fio job file into the workload the simulator runs (throws JobError). */
export function parseJob(text: string, name = 'job.fio'): Workload {
  return workloadFromJobs(parseFio(text, name), name.replace(/^.*\//, '').replace(/\.fio$/, ''));
}

export interface SimulateOptions extends Omit<RunOptions, 'jobText'> {
  /** for error messages and SimRun.job (default 'job') */
  jobName?: string;
}

/** The options-object form (what the report workers call). */
export interface SimulateRequest extends SimulateOptions {
  jobText?: string;
  workload?: Workload;
  policy: string;
}

/**
 * Run a job (fio job text or a workload) under a policy. Deterministic:
 * the same inputs and seed give the same SimRun, except wallSeconds and
 * iosPerSecond (the simulator's own speed; timing: false zeroes them).
 */
export function simulate(req: SimulateRequest): SimRun;
export function simulate(job: string | Workload, policy: string, opts?: SimulateOptions): SimRun;
export function simulate(a: string | Workload | SimulateRequest, policy?: string, opts: SimulateOptions = {}): SimRun {
  let jobText: string | undefined;
  let workload: Workload;
  let o: SimulateOptions;
  let pol: string;
  if (typeof a === 'string' || policy !== undefined) {
    if (policy === undefined) throw new TypeError('simulate(job, policy, opts): policy missing');
    o = opts;
    pol = policy;
    if (typeof a === 'string') jobText = a;
    else workload = a as Workload;
  } else {
    const r = a as SimulateRequest;
    o = r;
    pol = r.policy;
    jobText = r.jobText;
    if (jobText === undefined && !r.workload) throw new TypeError('simulate: give jobText or workload');
    if (r.workload) workload = r.workload;
  }
  const jobName = o.jobName ?? (jobText !== undefined ? 'job' : workload!.name);
  if (jobText !== undefined) workload = parseJob(jobText, jobName);
  policyByName(pol); // unknown names fail before any work
  return runWorkload(workload!, jobName.replace(/^.*\//, '').replace(/\.fio$/, ''), pol, { ...o, jobText }).run;
}

/** Race search over seeded interleavings (see src/sim/race.ts). */
export function race(job: string | Workload, policy: string, opts: RaceOptions & { jobName?: string } = {}): RaceResult {
  const jobName = opts.jobName ?? (typeof job === 'string' ? 'job' : job.name);
  const workload = typeof job === 'string' ? parseJob(job, jobName) : job;
  policyByName(policy);
  return raceWorkload(workload, jobName, policy, { ...opts, jobText: typeof job === 'string' ? job : undefined });
}

/** Run a violation's JSON replay file (SimRun violations' `replay`) again; the SimRun stops at its first violation. */
export function replayScenario(text: string): SimRun {
  let s: ScenarioFile;
  try {
    s = JSON.parse(text) as ScenarioFile;
  } catch (e) {
    throw new Error(`scenario: not JSON (${(e as Error).message})`);
  }
  if (s.format !== 'iomap-sim-schedule/1') throw new Error(`scenario: format '${String(s.format)}' is not iomap-sim-schedule/1`);
  if (!Array.isArray(s.schedule) || !s.schedule.every((x) => typeof x === 'string')) throw new Error('scenario: schedule must be a list of actor names');
  const workload = s.jobText !== undefined ? parseJob(s.jobText, s.jobName) : s.workload;
  if (!workload) throw new Error('scenario: needs jobText or workload');
  return runWorkload(workload, s.jobName, s.policy, { seed: s.seed, revision: s.revision, replay: s.schedule, stopAtViolation: true, timing: false, engine: s.engine, jobText: s.jobText }).run;
}
