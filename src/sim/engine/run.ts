// SPDX-License-Identifier: GPL-2.0-only
/*
 * One simulation run: build the engine for a workload and a policy, make
 * the actors, let the scheduler interleave them, sample the metrics, and
 * return a SimRun. Everything but the two speed fields follows from the
 * inputs and the seed.
 */
import { DEFAULT_REVISION, revisionByName, revisionNames } from '../../cache/revision.js';
import type { SimMetrics, SimRun, SimSample } from '../result.js';
import { policyByName } from '../policy/registry.js';
import type { Workload } from '../workload/types.js';
import { type Actor, Engine, type EngineOptions, type Step } from './engine.js';
import { type CostModel, DEFAULT_COST, addCounters, kernelBytesOf, simulatedSeconds, zeroMetrics } from './metrics.js';
import { runActors } from './scheduler.js';
import { KernelScript } from './script.js';

export interface RunOptions {
  seed?: number;
  revision?: string;
  /** take a sample every N application I/Os (default: about 100 samples a run) */
  sampleEvery?: number;
  onProgress?: (iosDone: number, iosTotal: number) => void;
  cost?: Partial<CostModel>;
  /** engine knobs: disk size, extent limit, prefill, NULL-retry bound */
  engine?: Partial<Omit<EngineOptions, 'revision' | 'seed' | 'stopAtViolation'>>;
  /** actor names to follow step by step (a violation's schedule) */
  replay?: readonly string[];
  stopAtViolation?: boolean;
  /** false: wallSeconds and iosPerSecond are 0, so equal inputs give equal JSON */
  timing?: boolean;
  /** how the violation reproducers name the job (the fio text, when known) */
  jobText?: string;
  /** write the kernel calls down as a kernel scenario (engine.script) */
  script?: boolean;
}

/** Longest schedule a violation carries inline. */
const MAX_SCHEDULE = 5000;

export class UnknownRevisionError extends Error {
  constructor(name: string) {
    super(`unknown revision '${name}' (known: ${revisionNames().join(', ')})`);
    this.name = 'UnknownRevisionError';
  }
}

export interface RunDetail {
  run: SimRun;
  /** the actors' names and the choices made (for race search and replay) */
  actorNames: string[];
  choices: Int32Array;
  stoppedAtViolation: boolean;
  /** the kernel scenario, when opts.script */
  script?: string;
}

/** Violations that get a kernel scenario (each costs a replay). */
const MAX_SCRIPTED = 3;

export function runWorkload(workload: Workload, jobName: string, policyName: string, opts: RunOptions = {}): RunDetail {
  const seed = opts.seed ?? 1;
  const revision = opts.revision === undefined ? DEFAULT_REVISION : revisionByName(opts.revision);
  if (!revision) throw new UnknownRevisionError(opts.revision!);
  const policy = policyByName(policyName).create();
  const cost: CostModel = { ...DEFAULT_COST, ...opts.cost };
  const engine = new Engine(workload, policy, { ...opts.engine, revision, seed, stopAtViolation: opts.stopAtViolation });

  const total = workload.threads.reduce((s, t) => s + t.ops.filter((o) => o.op !== 'fsync' && o.op !== 'kick-writeback').length, 0);
  const sampleEvery = opts.sampleEvery ?? Math.max(1, Math.ceil(total / 100));
  const progressEvery = Math.max(1, Math.ceil(total / 100));
  const series: SimSample[] = [];
  const last = zeroMetrics();
  let lastLookups = 0;
  const lookupsOf = new WeakMap<SimSample, number>();

  const gauges = (into: SimMetrics) => {
    for (const f of engine.files) {
      const c = f.inode.cacheOrNull;
      if (!c) continue;
      into.extentsCached.read += c.read.count();
      into.extentsCached.write += c.write?.count() ?? 0;
      into.treeHeight.read = Math.max(into.treeHeight.read, c.read.height);
      into.treeHeight.write = Math.max(into.treeHeight.write, c.write?.height ?? 0);
      into.kernelBytes += kernelBytesOf(c);
    }
  };
  const sample = () => {
    engine.m.upserts = engine.server.counters.upserts;
    const s: SimSample = { ...zeroMetrics(), at: engine.m.ios };
    addCounters(s, engine.m);
    addCounters(s, last, -1);
    s.simulatedSeconds = simulatedSeconds(s, engine.lookups - lastLookups, cost);
    gauges(s);
    series.push(s);
    addCounters(last, s);
    lookupsOf.set(s, engine.lookups - lastLookups);
    lastLookups = engine.lookups;
  };
  engine.onIo = () => {
    const n = engine.m.ios;
    if (n % sampleEvery === 0) sample();
    if (opts.onProgress && (n % progressEvery === 0 || n === total)) opts.onProgress(n, total);
  };

  // actors: application threads (later fio phases wait for earlier ones), writeback, completion
  const actors: Actor[] = [];
  const phaseDone = (p: number) => () => actors.every((a) => a.daemon || a.phase! >= p || a.done);
  for (const t of workload.threads) {
    const gen = engine.appThread(t.ops);
    const start = phaseDone(t.phase);
    actors.push({
      name: t.name,
      gen: (function* (): Step {
        if (!start()) yield { until: start, why: `waiting for phase ${t.phase}` };
        yield* gen;
      })(),
      waiting: undefined,
      done: false,
      daemon: false,
      phase: t.phase,
    });
  }
  actors.push({ name: 'writeback', gen: engine.writeback(), waiting: undefined, done: false, daemon: true });
  actors.push({ name: 'ioend', gen: engine.completion(), waiting: undefined, done: false, daemon: true });
  if (workload.defragEvery) actors.push({ name: 'defrag', gen: engine.defrag(workload.defragEvery), waiting: undefined, done: false, daemon: true });

  let onStep: ((step: number, actor: string) => void) | undefined;
  if (opts.script) {
    const script = (engine.script = new KernelScript());
    script.setup(
      engine.alloc.blocks * engine.bs,
      engine.files.map((f) => ({ nodeid: f.inode.nodeid, ino: f.inode.attrIno, isize: Number(f.kinode.cache.inode.isize), name: f.name })),
      [`iomap-sim simulate reproducer: job ${jobName}, policy ${policyName}, revision ${revision.name}, seed ${seed}`, 'the simulated server is scripted before each upcall; its ground truth is told in comments'],
    );
    onStep = (step, actor) => script.comment(`step ${step}: ${actor}`);
  }
  const t0 = performance.now();
  const sr = runActors(engine, actors, { seed, replay: opts.replay, stopAtViolation: opts.stopAtViolation, onStep });
  const wall = (performance.now() - t0) / 1000;
  // what happened after the last sample (writeback, completions) goes into a last one
  const tail = zeroMetrics();
  addCounters(tail, engine.m);
  addCounters(tail, last, -1);
  if (series.length === 0 || JSON.stringify(tail) !== JSON.stringify(zeroMetrics())) {
    if (series.length > 0 && series[series.length - 1].at === engine.m.ios) {
      const s = series.pop()!;
      addCounters(last, s, -1);
      lastLookups -= lookupsOf.get(s)!;
    }
    sample();
  }

  const totals = zeroMetrics();
  addCounters(totals, engine.m);
  totals.simulatedSeconds = simulatedSeconds(totals, engine.lookups, cost);
  gauges(totals);

  const peak = { extentsCached: { ...totals.extentsCached }, treeHeight: { ...totals.treeHeight }, kernelBytes: totals.kernelBytes };
  for (const s of series) {
    for (const k of ['read', 'write'] as const) {
      peak.extentsCached[k] = Math.max(peak.extentsCached[k], s.extentsCached[k]);
      peak.treeHeight[k] = Math.max(peak.treeHeight[k], s.treeHeight[k]);
    }
    peak.kernelBytes = Math.max(peak.kernelBytes, s.kernelBytes);
  }
  const names = actors.map((a) => a.name);
  const run: SimRun = {
    job: jobName,
    policy: policyName,
    revision: revision.name,
    seed,
    totals,
    peak,
    series,
    violations: engine.violations.slice(0, 20).map((v, k) => {
      const short = v.step + 1 <= MAX_SCHEDULE;
      const schedule = short ? Array.from(sr.choices.subarray(0, v.step + 1), (i) => names[i]) : [`(${v.step + 1} steps: too long to keep; run race() for a short schedule)`];
      const replay = scenarioText({ jobName, jobText: opts.jobText, workload, policy: policyName, revision: revision.name, seed, schedule, engine: opts.engine });
      let scenario = '# (no kernel scenario: the schedule is too long or this is not among the first violations)\n';
      if (opts.script && k === 0 && engine.script) scenario = engine.script.text();
      else if (short && k < MAX_SCRIPTED && !opts.script)
        scenario = runWorkload(workload, jobName, policyName, { seed, revision: opts.revision, replay: schedule, stopAtViolation: true, timing: false, engine: opts.engine, script: true, sampleEvery: 1 << 30 }).script!;
      return { what: v.what, schedule, scenario, replay };
    }),
    hazards: { ...engine.hazards },
    wallSeconds: opts.timing === false ? 0 : wall,
    iosPerSecond: opts.timing === false || wall === 0 ? 0 : engine.m.ios / wall,
  };
  return { run, actorNames: names, choices: sr.choices, stoppedAtViolation: sr.stoppedAtViolation, script: engine.script?.text() };
}

/** A replayable reproducer: everything runWorkload needs, and the schedule. */
export interface ScenarioFile {
  format: 'iomap-sim-schedule/1';
  jobName: string;
  /** the fio job text, or the generated workload when there is none */
  jobText?: string;
  workload?: Workload;
  policy: string;
  revision: string;
  seed: number;
  schedule: string[];
  engine?: RunOptions['engine'];
}

export function scenarioText(s: Omit<ScenarioFile, 'format'>): string {
  const file: ScenarioFile = { format: 'iomap-sim-schedule/1', jobName: s.jobName, policy: s.policy, revision: s.revision, seed: s.seed, schedule: s.schedule };
  if (s.jobText !== undefined) file.jobText = s.jobText;
  else file.workload = s.workload;
  if (s.engine) file.engine = s.engine;
  return JSON.stringify(file);
}
