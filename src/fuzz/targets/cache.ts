// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `cache` target: random add/upsert/remove/lookup/invalidate sequences
 * (the property test's commands plus edge commands near 2^63, overflowing
 * and zero/unaligned lengths, INVAL_TO_EOF) on IomapCache next to
 * OracleCache. Properties: differential (rfc-v3 only: the oracle's
 * revision), tree structure, check_mappings, cookie soundness, and no
 * exceptions. A property broken while the model walks through a known
 * seed bug is a finding.
 */
import fc from 'fast-check';
import type { Revision } from '../../cache/revision.js';
import { type Op, Pair, type Setting, StopRun, makeWorld, newStats, worldArb, type World } from '../cache-model.js';
import { type Cmd, type CmdWeights, DEFAULT_WEIGHTS, cacheCmdArb, runCmd } from '../cache-commands.js';
import { opLine, parseScenarioOps, settingLines } from '../scenario-text.js';
import type { Bias, FuzzTarget, Outcome, TargetOptions } from '../target.js';
import { PropertyViolation } from '../violation.js';

export interface CacheInput {
  world: World;
  cmds: Cmd[];
}

export interface CacheCase {
  setting: Setting;
  ops: Op[];
  /** the scenario's own `revision` line, when it was read from a file */
  revision?: Revision;
}

/** The fuzzer's default mix: the property test's, plus edge commands. */
export const CACHE_BIAS: Readonly<Bias> = Object.freeze({ ...DEFAULT_WEIGHTS, edge: 3, maxCmds: 40 });

/** Run ops (or generated commands) on a fresh Pair; a violation ends the run. */
function drive(pair: Pair, body: () => void): Outcome {
  try {
    body();
    return { failure: null, findings: pair.findings };
  } catch (e) {
    if (e instanceof StopRun) return { failure: null, findings: pair.findings };
    if (e instanceof PropertyViolation) return { failure: { property: e.property, message: e.message, opIndex: Math.max(0, pair.ops.length - 1) }, findings: pair.findings };
    return { failure: { property: 'no-crash', message: `harness threw ${(e as Error).stack ?? e}`, opIndex: Math.max(0, pair.ops.length - 1) }, findings: pair.findings };
  }
}

export class CacheTarget implements FuzzTarget<CacheInput, CacheCase> {
  readonly name = 'cache' as const;
  readonly ext = '.scenario' as const;
  readonly defaultBias = CACHE_BIAS;
  readonly coverageFiles = ['src/cache/iomap-cache.js', 'src/iext/tree.js', 'src/cache/merge.js'];
  readonly revision: Revision;
  constructor(opts: TargetOptions) {
    this.revision = opts.revision;
  }

  arbitrary(bias: Readonly<Bias>): fc.Arbitrary<CacheInput> {
    const w = { ...DEFAULT_WEIGHTS } as CmdWeights;
    for (const k of Object.keys(w) as (keyof CmdWeights)[]) if (bias[k] !== undefined) w[k] = bias[k];
    return fc.record({ world: worldArb, cmds: fc.array(cacheCmdArb(w), { minLength: 1, maxLength: bias.maxCmds ?? 40 }) });
  }

  private pair(s: World | Setting, revision = this.revision): Pair {
    return new Pair(s, newStats(), { revision, fuzz: true, cookies: true, readBack: true });
  }

  runInput(input: CacheInput): { outcome: Outcome; case: CacheCase } {
    const p = this.pair(input.world);
    const outcome = drive(p, () => {
      for (const c of input.cmds) runCmd(p, c);
    });
    return { outcome, case: { setting: makeWorld(input.world), ops: p.ops } };
  }

  runCase(c: CacheCase): Outcome {
    const p = this.pair(c.setting, c.revision);
    return drive(p, () => {
      for (const o of c.ops) {
        p.exec(o);
        p.check();
      }
    });
  }

  size(c: CacheCase): number {
    return c.ops.length;
  }

  without(c: CacheCase, from: number, to: number): CacheCase {
    return { ...c, ops: [...c.ops.slice(0, from), ...c.ops.slice(to)] };
  }

  format(c: CacheCase): string {
    return [...settingLines(c.setting, c.revision ?? this.revision), ...c.ops.map(opLine)].join('\n') + '\n';
  }

  parse(body: Buffer, file: string): CacheCase {
    const { setting, ops, revision } = parseScenarioOps(body.toString('utf8'), file);
    return revision ? { setting, ops, revision } : { setting, ops };
  }
}
