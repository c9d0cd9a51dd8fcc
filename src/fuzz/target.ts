// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a fuzz target is: a fast-check arbitrary of inputs, a run of one
 * input that records the concrete operations it performed (the "case"),
 * a replay of a case, and the case's text form (a scenario file or trace
 * text) for the corpus. The campaign (campaign.ts) only talks to this.
 */
import type fc from 'fast-check';
import type { Revision } from '../cache/revision.js';
import type { Finding, PropertyName } from './violation.js';

export const TARGET_NAMES = ['tree', 'cache', 'parser', 'protocol', 'race', 'race-sim'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface Failure {
  property: PropertyName;
  message: string;
  /** index (in the case) of the operation after which it broke */
  opIndex: number;
}

export interface Outcome {
  failure: Failure | null;
  findings: Finding[];
}

/** Generation weights a campaign may change between rounds (coverage feedback). */
export type Bias = Record<string, number>;

export interface FuzzTarget<I = unknown, C = unknown> {
  readonly name: TargetName;
  /** corpus file extension */
  readonly ext: '.scenario' | '.trace' | '.protocol' | '.race' | '.racesim';
  /** the weights generation starts from */
  readonly defaultBias: Readonly<Bias>;
  /** source files (under dist/src) whose coverage the campaign reports */
  readonly coverageFiles: readonly string[];
  /** runInput/runCase return promises (fast-check asyncProperty) */
  readonly async?: boolean;
  arbitrary(bias: Readonly<Bias>): fc.Arbitrary<I>;
  runInput(input: I): { outcome: Outcome; case: C } | Promise<{ outcome: Outcome; case: C }>;
  runCase(c: C): Outcome | Promise<Outcome>;
  /** number of operations (commands, lines) in a case */
  size(c: C): number;
  /** the case with operations [from, to) left out */
  without(c: C, from: number, to: number): C;
  /** the case's corpus body (scenario text, or trace bytes) */
  format(c: C): string | Buffer;
  /** the corpus body back into a case; throws naming FILE:LINE when it cannot */
  parse(body: Buffer, file: string): C;
}

export interface TargetOptions {
  revision: Revision;
}

/** The first violation an outcome holds that the campaign has not seen yet: a failure first, then a new finding. */
export function outcomeKey(o: Outcome, seen: ReadonlySet<string>): { key: string; property: PropertyName; hazard?: string; message: string; opIndex: number } | null {
  if (o.failure && !seen.has(o.failure.property)) return { key: o.failure.property, ...o.failure };
  for (const f of o.findings) {
    const key = `${f.property}/${f.hazard}`;
    if (!seen.has(key)) return { key, property: f.property, hazard: f.hazard, message: f.message, opIndex: f.opIndex };
  }
  return null;
}

/** Does the outcome (still) show the violation with this key? */
export function outcomeHas(o: Outcome, key: string): boolean {
  if (o.failure && o.failure.property === key) return true;
  return o.findings.some((f) => `${f.property}/${f.hazard}` === key);
}
