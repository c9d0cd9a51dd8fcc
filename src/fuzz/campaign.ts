// SPDX-License-Identifier: GPL-2.0-only
/*
 * One fuzz campaign in one thread: rounds of fast-check runs (fixed
 * number of runs each, seed derived from the campaign seed and the round,
 * so a campaign with a run budget is deterministic), until the time or run
 * budget is spent. The first input of a round that breaks a property not
 * seen yet locks fast-check's shrinking onto that violation; the shrunk
 * input is replayed into concrete operations, cut down further
 * (shrink.ts), and reported with its corpus body. A failure outranks
 * findings in the same input, so a known seed bug never hides a new one.
 */
import fc from 'fast-check';
import type { Revision } from '../cache/revision.js';
import { shrinkCase } from './shrink.js';
import { type Bias, type FuzzTarget, type TargetName, outcomeHas, outcomeKey } from './target.js';
import { makeTarget } from './targets/index.js';
import type { PropertyName } from './violation.js';

export interface Report {
  target: TargetName;
  kind: 'failure' | 'finding';
  /** property, or property/hazard for findings */
  key: string;
  property: PropertyName;
  hazard?: string;
  /** the violation's message for the shrunk case */
  message: string;
  /** campaign seed, round, fast-check seed and path of the counterexample */
  seed: number;
  round: number;
  roundSeed: number;
  path: string;
  /** operations in the shrunk reproducer */
  commands: number;
  /** operations before op-level shrinking */
  commandsBefore: number;
  /** the corpus body: scenario text or trace bytes */
  body: string | Buffer;
  ext: string;
  /** campaign time until the breaking input was first run, and executions before it */
  foundAfterMs: number;
  execsBefore: number;
  shrinkMs: number;
}

export interface Progress {
  execs: number;
  elapsedMs: number;
  failures: number;
  findings: number;
  rounds: number;
}

/** Coverage feedback: asked for the bias before each round, told when a round ends. */
export interface BiasSource {
  bias(round: number): Readonly<Bias>;
  afterRound(round: number): void;
}

export interface CampaignOptions {
  target: TargetName;
  revision: Revision;
  seed: number;
  /** wall-clock budget (the campaign ends after the round that crosses it) */
  seconds?: number;
  /** execution budget (deterministic); with neither, 10 s */
  runs?: number;
  /** runs per round (default: per target) */
  roundRuns?: number;
  /** violations already known (property, or property/hazard) */
  seen?: Iterable<string>;
  /** keep hunting after the first failure (default true) */
  continueAfterFailure?: boolean;
  bias?: BiasSource;
  /** end the campaign after a report this returns true for */
  stopWhen?: (r: Report) => boolean;
  onProgress?: (p: Progress) => void;
  onReport?: (r: Report) => void;
  /** a test build of the model (planted bugs) passes its own target instance */
  targetInstance?: FuzzTarget;
}

export interface CampaignResult {
  execs: number;
  elapsedMs: number;
  rounds: number;
  reports: Report[];
}

const ROUND_RUNS: Record<TargetName, number> = { tree: 50, cache: 50, parser: 100, protocol: 50, race: 50, 'race-sim': 20 };

/** A 32-bit seed for round r of a campaign (splitmix-style mixing). */
export function roundSeed(seed: number, round: number): number {
  let x = (Math.imul(seed | 0, 0x9e3779b1) + Math.imul(round + 1, 0x85ebca6b)) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) | 0;
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const target = (opts.targetInstance ?? makeTarget(opts.target, { revision: opts.revision })) as FuzzTarget;
  const seen = new Set(opts.seen ?? []);
  const reports: Report[] = [];
  const t0 = Date.now();
  const budgetMs = opts.seconds !== undefined ? opts.seconds * 1000 : opts.runs === undefined ? 10_000 : Infinity;
  const budgetRuns = opts.runs ?? Infinity;
  const perRound = opts.roundRuns ?? ROUND_RUNS[target.name];
  let execs = 0;
  let round = 0;
  const progress = (): Progress => ({
    execs,
    elapsedMs: Date.now() - t0,
    failures: reports.filter((r) => r.kind === 'failure').length,
    findings: reports.filter((r) => r.kind === 'finding').length,
    rounds: round,
  });

  while (execs < budgetRuns && Date.now() - t0 < budgetMs) {
    const bias = opts.bias?.bias(round) ?? target.defaultBias;
    const rs = roundSeed(opts.seed, round);
    const numRuns = Math.min(perRound, budgetRuns - execs);
    let locked: string | null = null;
    let foundAt = 0;
    let execsBefore = 0;
    const check = (outcome: Awaited<ReturnType<FuzzTarget['runCase']>>): boolean => {
      if (locked === null) {
        execs++;
        const k = outcomeKey(outcome, seen);
        if (!k) return true;
        locked = k.key;
        foundAt = Date.now() - t0;
        execsBefore = execs;
        return false;
      }
      return !outcomeHas(outcome, locked);
    };
    const arb = target.arbitrary(bias);
    const params = { seed: rs, numRuns, interruptAfterTimeLimit: 60_000 };
    const details = target.async
      ? await fc.check(fc.asyncProperty(arb, async (input) => check((await target.runInput(input)).outcome)), params)
      : fc.check(fc.property(arb, (input) => check((target.runInput(input) as { outcome: Awaited<ReturnType<FuzzTarget['runCase']>> }).outcome)), params);
    opts.bias?.afterRound(round);
    round++;
    if (details.failed && locked !== null && details.counterexample) {
      const key: string = locked;
      const tShrink = Date.now();
      const { outcome, case: c } = await target.runInput(details.counterexample[0]);
      const first = outcomeKey(outcome, new Set([...seen].filter((s) => s !== key)));
      const opIndex = outcome.failure?.property === key ? outcome.failure.opIndex : (outcome.findings.find((f) => `${f.property}/${f.hazard}` === key)?.opIndex ?? target.size(c) - 1);
      const shrunk = await shrinkCase(target, c, key, opIndex, { maxRuns: 3000, maxMs: 20_000 });
      const final = await target.runCase(shrunk.case);
      const fin = final.failure?.property === key ? final.failure : final.findings.find((f) => `${f.property}/${f.hazard}` === key);
      const [property, hazard] = key.split('/') as [PropertyName, string | undefined];
      const report: Report = {
        target: target.name,
        kind: hazard ? 'finding' : 'failure',
        key,
        property,
        hazard,
        message: fin?.message ?? first?.message ?? '(the violation did not reproduce after shrinking)',
        seed: opts.seed,
        round: round - 1,
        roundSeed: rs,
        path: details.counterexamplePath ?? '',
        commands: target.size(shrunk.case),
        commandsBefore: target.size(c),
        body: target.format(shrunk.case),
        ext: target.ext,
        foundAfterMs: foundAt,
        execsBefore,
        shrinkMs: Date.now() - tShrink,
      };
      reports.push(report);
      seen.add(key);
      opts.onReport?.(report);
      if (report.kind === 'failure' && opts.continueAfterFailure === false) break;
      if (opts.stopWhen?.(report)) break;
    }
    opts.onProgress?.(progress());
  }
  return { execs, elapsedMs: Date.now() - t0, rounds: round, reports };
}
