// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `tree` target: random insert/remove/lookup sequences straight on
 * IextTree in both geometries (fuse 32-byte and xfs 16-byte records),
 * checkTreeStructure after every command, differential against a
 * sorted-btree map (records, cursor positions, seq bumps, lookups).
 * A reproducer is a scenario of whole-record adds and removes, which
 * `iomap-sim run` also runs (the cache does the same tree primitives).
 */
import fc from 'fast-check';
import { Fork } from '../../cache/constants.js';
import { FUSE_GEOMETRY, type Geometry, XFS_GEOMETRY } from '../../iext/geometry.js';
import { opLine, parseScenarioOps, settingLines } from '../scenario-text.js';
import type { Op } from '../cache-model.js';
import type { Bias, FuzzTarget, Outcome } from '../target.js';
import { DEFAULT_TREE_WEIGHTS, type TreeCmd, type TreeOp, TreePair, runTreeCmd, treeCmdArbWith } from '../tree-model.js';
import { PropertyViolation } from '../violation.js';

export interface TreeInput {
  geometry: 'fuse' | 'xfs';
  cmds: TreeCmd[];
}

export interface TreeCase {
  geometry: Geometry;
  ops: TreeOp[];
}

export const TREE_BIAS: Readonly<Bias> = Object.freeze({ ...DEFAULT_TREE_WEIGHTS, maxCmds: 60 });

function drive(t: TreePair, body: () => void): Outcome {
  try {
    body();
    return { failure: null, findings: [] };
  } catch (e) {
    const opIndex = Math.max(0, t.ops.length - 1);
    if (e instanceof PropertyViolation) return { failure: { property: e.property, message: e.message, opIndex }, findings: [] };
    const property = (e as Error).name === 'KernelOops' ? 'kernel-oops' : 'no-crash';
    return { failure: { property, message: `threw ${(e as Error).stack ?? e}`, opIndex }, findings: [] };
  }
}

export class TreeTarget implements FuzzTarget<TreeInput, TreeCase> {
  readonly name = 'tree' as const;
  readonly ext = '.scenario' as const;
  readonly defaultBias = TREE_BIAS;
  readonly coverageFiles = ['src/iext/tree.js'];

  arbitrary(bias: Readonly<Bias>): fc.Arbitrary<TreeInput> {
    const w = { ...DEFAULT_TREE_WEIGHTS };
    for (const k of Object.keys(w) as (keyof typeof w)[]) if (bias[k] !== undefined) w[k] = bias[k];
    return fc.record({ geometry: fc.constantFrom<'fuse' | 'xfs'>('fuse', 'xfs'), cmds: fc.array(treeCmdArbWith(w), { minLength: 1, maxLength: bias.maxCmds ?? 60 }) });
  }

  runInput(input: TreeInput): { outcome: Outcome; case: TreeCase } {
    const geometry = input.geometry === 'fuse' ? FUSE_GEOMETRY : XFS_GEOMETRY;
    const t = new TreePair(geometry);
    const outcome = drive(t, () => {
      let probe = 1;
      for (const c of input.cmds) if (runTreeCmd(t, c, probe)) probe++;
    });
    return { outcome, case: { geometry, ops: t.ops } };
  }

  runCase(c: TreeCase): Outcome {
    const t = new TreePair(c.geometry);
    return drive(t, () => {
      for (const o of c.ops) {
        // a shrunk case may insert where a record is, or remove one that is gone: skip those
        if (o.op === 'ins') {
          if (t.ref.has(o.rec.offset)) continue;
          t.insertRec(o.rec);
        } else if (o.op === 'del') {
          if (!t.ref.has(o.offset)) continue;
          t.remove(o.offset);
        } else {
          t.probe(o.q);
          continue;
        }
        t.checkState();
      }
    });
  }

  size(c: TreeCase): number {
    return c.ops.length;
  }

  without(c: TreeCase, from: number, to: number): TreeCase {
    return { geometry: c.geometry, ops: [...c.ops.slice(0, from), ...c.ops.slice(to)] };
  }

  /** ins -> add, del -> remove of the whole record, probe -> lookup of one byte */
  format(c: TreeCase): string {
    const lens = new Map<bigint, bigint>();
    const lines = settingLines({ geometry: c.geometry, bs: 1n, maxBytes: 0x7fff_ffff_ffff_ffffn }, null);
    for (const o of c.ops) {
      let op: Op;
      if (o.op === 'ins') {
        lens.set(o.rec.offset, o.rec.length);
        op = { op: 'add', fork: Fork.READ, map: o.rec };
      } else if (o.op === 'del') {
        op = { op: 'remove', fork: Fork.READ, start: o.offset, len: lens.get(o.offset) ?? 1n };
        lens.delete(o.offset);
      } else op = { op: 'lookup', fork: Fork.READ, off: o.q, len: 1n };
      lines.push(opLine(op));
    }
    return lines.join('\n') + '\n';
  }

  parse(body: Buffer, file: string): TreeCase {
    const { setting, ops } = parseScenarioOps(body.toString('utf8'), file);
    const out: TreeOp[] = [];
    for (const o of ops) {
      if (o.op === 'add' || o.op === 'upsert') out.push({ op: 'ins', rec: { ...o.map } });
      else if (o.op === 'remove') out.push({ op: 'del', offset: o.start });
      else if (o.op === 'lookup') out.push({ op: 'probe', q: o.off });
      else throw new Error(`${file}: the tree target replays add, remove and lookup only, not ${o.op}`);
    }
    return { geometry: setting.geometry, ops: out };
  }
}
