// SPDX-License-Identifier: GPL-2.0-only
/*
 * IextTree driven directly (insert_raw, remove, lookup_extent) next to a
 * sorted-btree map: after every command the tree must pass
 * checkTreeStructure, walk the same records as the map, bump the sequence
 * once per primitive, leave the cursor where the C leaves it and answer
 * lookups like the map. test/property.test.ts and the `tree` fuzz target
 * share it.
 */
import fc from 'fast-check';
import BTreeImport from 'sorted-btree';
import { NULL } from '../iext/arena.js';
import { checkTreeStructure } from '../iext/check.js';
import type { Geometry } from '../iext/geometry.js';
import { type Cursor, type Mapping, emptyMapping } from '../iext/record.js';
import { IextTree } from '../iext/tree.js';
import { fmtMap, hex, sameMap } from './cache-model.js';
import { shuffle } from './cache-commands.js';
import { type PropertyName, PropertyViolation } from './violation.js';

type BTreeClass = typeof BTreeImport.default;
const BTree: BTreeClass = ((BTreeImport as unknown as { default?: BTreeClass }).default ?? BTreeImport) as BTreeClass;
const cmpBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

export type TreeCmd =
  | { k: 'ins'; key: number; len: number }
  | { k: 'del'; pick: number; n: number }
  | { k: 'burst'; start: number; n: number; stride: number; order: 'asc' | 'desc' | 'shuffle'; seed: number };

/** A concrete tree operation (what a reproducer replays). */
export type TreeOp = { op: 'ins'; rec: Mapping } | { op: 'del'; offset: bigint } | { op: 'probe'; q: bigint };

export const KEY_SPACE = 6000;
const REC_GRAIN = 16n; // record i lives at [16 i, 16 i + len), len <= 16: never overlapping

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

export interface TreeWeights {
  ins: number;
  del: number;
  burst: number;
  /** largest burst (bigger bursts reach height 4 and node-level splits and rebalances) */
  burstMax: number;
}
export const DEFAULT_TREE_WEIGHTS: Readonly<TreeWeights> = Object.freeze({ ins: 10, del: 8, burst: 1, burstMax: 400 });

export function treeCmdArbWith(w: Readonly<TreeWeights>): fc.Arbitrary<TreeCmd> {
  return fc.oneof(
    { weight: w.ins, arbitrary: fc.record({ k: fc.constant<'ins'>('ins'), key: fc.nat(KEY_SPACE - 1), len: fc.integer({ min: 1, max: 16 }) }) },
    { weight: w.del, arbitrary: fc.record({ k: fc.constant<'del'>('del'), pick: unit, n: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 200 }) }) }) },
    {
      weight: w.burst,
      arbitrary: fc.record({
        k: fc.constant<'burst'>('burst'),
        start: fc.nat(KEY_SPACE - 1),
        n: fc.integer({ min: 20, max: w.burstMax }),
        stride: fc.integer({ min: 1, max: 3 }),
        order: fc.constantFrom<'asc' | 'desc' | 'shuffle'>('asc', 'desc', 'shuffle'),
        seed: fc.nat(),
      }),
    },
  );
}

export const treeCmdArb: fc.Arbitrary<TreeCmd> = treeCmdArbWith(DEFAULT_TREE_WEIGHTS);

/** The record stored for key (attributes vary so that nothing could merge). */
export const recordFor = (key: number, len: number): Mapping => ({
  offset: BigInt(key) * REC_GRAIN,
  length: BigInt(len),
  addr: BigInt(key) * 1000n + 7n,
  type: key % 5,
  flags: key % 3,
  dev: key % 2,
});

export class TreePair {
  seq = 0;
  readonly tree: IextTree;
  readonly ref = new BTree<bigint, Mapping>(undefined, cmpBig);
  /** every operation run so far (the reproducer) */
  readonly ops: TreeOp[] = [];
  private readonly log: string[] = [];

  constructor(readonly geometry: Geometry) {
    this.tree = new IextTree(geometry, { incSeq: () => void this.seq++ });
  }

  fail(what: string, property: PropertyName = 'differential'): never {
    const tail = this.log.slice(-30);
    throw new PropertyViolation(property, `${what}\n(${this.geometry.name}) last operations:\n  ${tail.join('\n  ')}`);
  }

  insert(key: number, len: number): void {
    const offset = BigInt(key) * REC_GRAIN;
    if (this.ref.has(offset)) return;
    this.insertRec(recordFor(key, len));
  }

  /** fuse_iext_insert_raw of rec into the hole it belongs to */
  insertRec(rec: Mapping): void {
    const offset = rec.offset;
    this.log.push(`insert ${hex(offset)}+${rec.length}`);
    this.ops.push({ op: 'ins', rec });
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    const seq0 = this.seq;
    const found = this.tree.lookupExtent(offset, cur, got);
    const succ = this.ref.nextHigherPair(offset);
    if (found !== (succ !== undefined) || (found && got.offset !== succ![0]))
      this.fail(`lookupExtent(${hex(offset)}) before insert: ${found ? fmtMap(got) : 'none'}, expected ${succ ? fmtMap(succ[1]) : 'none'}`);
    this.tree.insertRaw(cur, rec);
    this.ref.set(offset, rec);
    if (this.seq !== seq0 + 1) this.fail(`insertRaw bumped seq ${this.seq - seq0} times`);
    const at = emptyMapping();
    if (!this.tree.getExtent(cur, at) || !sameMap(at, rec)) this.fail(`cursor after insert is not on the new record`);
  }

  /** fuse_iext_remove of the record at offset */
  remove(offset: bigint): void {
    this.log.push(`remove ${hex(offset)}`);
    this.ops.push({ op: 'del', offset });
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    if (!this.tree.lookupExtent(offset, cur, got) || got.offset !== offset) this.fail(`lookupExtent(${hex(offset)}) did not find the record`);
    const seq0 = this.seq;
    this.tree.remove(cur, 0);
    this.ref.delete(offset);
    if (this.seq !== seq0 + 1) this.fail(`remove bumped seq ${this.seq - seq0} times`);
    // the cursor is left on the successor, or invalid when there is none
    const succ = this.ref.nextHigherPair(offset);
    const at = emptyMapping();
    const valid = this.tree.getExtent(cur, at);
    if (succ ? !valid || !sameMap(at, succ[1]) : valid)
      this.fail(`cursor after remove: ${valid ? fmtMap(at) : 'invalid'}, expected ${succ ? fmtMap(succ[1]) : 'invalid'}`);
  }

  /** Structure and records, then three lookups derived from probe. */
  check(probe: number): void {
    this.checkState();
    for (let j = 0; j < 3; j++) this.probe(BigInt((probe * (j + 7) * 2654435761) % (KEY_SPACE * 16 + 64)));
  }

  checkState(): void {
    const problems = checkTreeStructure(this.tree);
    if (problems.length > 0) this.fail(`tree structure:\n    ${problems.join('\n    ')}`, 'tree-structure');
    const want = this.ref.valuesArray();
    let i = 0;
    for (const got of this.tree.records()) {
      if (i >= want.length || !sameMap(got, want[i])) this.fail(`record #${i}: tree ${fmtMap(got)}, map ${i < want.length ? fmtMap(want[i]) : 'none'}`);
      i++;
    }
    if (i !== want.length || this.tree.count() !== want.length) this.fail(`tree walks ${i} records, count() ${this.tree.count()}, map ${want.length}`);
  }

  /** lookupExtent(q): the record covering q, else the first one after it */
  probe(q: bigint): void {
    this.ops.push({ op: 'probe', q });
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    const found = this.tree.lookupExtent(q, cur, got);
    const lo = this.ref.getPairOrNextLower(q);
    const exp = lo && lo[1].offset + lo[1].length > q ? lo[1] : this.ref.nextHigherPair(q)?.[1];
    if (found !== (exp !== undefined) || (found && !sameMap(got, exp!)))
      this.fail(`lookupExtent(${hex(q)}): ${found ? fmtMap(got) : 'none'}, expected ${exp ? fmtMap(exp) : 'none'}`);
  }
}

/** Run one generated command, then check (the property test's loop body); false when it did nothing and checked nothing. */
export function runTreeCmd(t: TreePair, c: TreeCmd, probe: number): boolean {
  if (c.k === 'ins') t.insert(c.key, c.len);
  else if (c.k === 'burst') {
    const keys = Array.from({ length: c.n }, (_, i) => (c.start + i * c.stride) % KEY_SPACE);
    if (c.order === 'desc') keys.reverse();
    else if (c.order === 'shuffle') shuffle(keys, c.seed);
    for (const k of keys) t.insert(k, 1 + (k % 16));
  } else {
    const keys = t.ref.keysArray();
    if (keys.length === 0) return false;
    const k = Math.min(keys.length - 1, Math.floor(c.pick * keys.length));
    const victims = keys.slice(k, k + c.n);
    // remove a run of neighbours in either direction
    if ((c.pick * 1000) % 2 < 1) victims.reverse();
    for (const v of victims) t.remove(v);
  }
  t.check(probe);
  return true;
}
