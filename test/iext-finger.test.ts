// SPDX-License-Identifier: GPL-2.0-only
/*
 * IextTree's finger (src/iext/tree.ts findLevelI): a lookup may reuse the
 * path of the previous descent instead of walking down from the root. It
 * must give exactly what a fresh descent gives (same leaf, slot, record
 * and result), also with negative loff_t offsets, keys beyond 2^53 and
 * trees that grow, split, shrink and collapse; it must be used when the
 * key is in range and dropped as soon as a node key changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NULL } from '../src/iext/arena.js';
import { checkTreeStructure } from '../src/iext/check.js';
import { FUSE_GEOMETRY, type Geometry, XFS_GEOMETRY } from '../src/iext/geometry.js';
import { type Cursor, KernelOops, type MappingI, emptyMappingI } from '../src/iext/record.js';
import { IextTree } from '../src/iext/tree.js';
import { type I64, toI64 } from '../src/util/int64.js';

const RUNS = Math.max(1, Math.ceil((Number(process.env.IOMAP_SIM_PROP_RUNS ?? 10000) || 10000) / 20));

type Op = { kind: 'insert' | 'remove'; at: bigint } | { kind: 'probe'; at: bigint };

/** offsets: small, around 2^53, near 2^63 and negative (as loff_t) */
const offsetArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 4000n }).map((v) => v * 4096n),
  fc.bigInt({ min: (1n << 53n) - 64n, max: (1n << 53n) + 64n }),
  fc.bigInt({ min: (1n << 63n) - 4096n, max: (1n << 63n) - 1n }),
  fc.bigInt({ min: -(1n << 20n), max: -1n }),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: offsetArb.map((at) => ({ kind: 'insert' as const, at })) },
  { weight: 2, arbitrary: offsetArb.map((at) => ({ kind: 'remove' as const, at })) },
  { weight: 3, arbitrary: offsetArb.map((at) => ({ kind: 'probe' as const, at })) },
);

function lookup(t: IextTree, at: I64): { found: boolean; cur: Cursor; got: MappingI } {
  const cur: Cursor = { leaf: NULL, pos: 0 };
  const got = emptyMappingI();
  const found = t.lookupExtentI(at, cur, got);
  return { found, cur, got };
}

/** a tree of n records [i * len, + len) with addr i, each inserted where a lookup of its offset leaves the cursor */
function appended(g: Geometry, n: number, len: number): IextTree {
  const t = new IextTree(g, { incSeq: () => {} });
  for (let i = 0; i < n; i++) {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    t.lookupExtentI(i * len, cur, emptyMappingI());
    t.insertRawI(cur, { offset: i * len, length: len, addr: i, type: 2, flags: 0, dev: 0 });
  }
  return t;
}

function newTree(g: Geometry): IextTree {
  return new IextTree(g, { incSeq: () => {} });
}

/** one op on t; fresh: forget the finger before every call into the tree */
function apply(t: IextTree, op: Op, fresh: boolean): unknown[] {
  const at = toI64(op.at);
  const seen: unknown[] = [];
  const look = (k: I64) => {
    if (fresh) t.dropFinger();
    const r = lookup(t, k);
    seen.push(r);
    return r;
  };
  if (op.kind === 'insert') {
    const { cur } = look(at);
    if (fresh) t.dropFinger();
    // one-byte records (the property turns a second insert at an offset into a probe)
    t.insertRawI(cur, { offset: at, length: 1, addr: 7, type: 2, flags: 0, dev: 0 });
  } else if (op.kind === 'remove' && t.count() > 0) {
    const { found, cur } = look(at);
    if (fresh) t.dropFinger();
    if (found && t.valid(cur)) t.remove(cur, 0);
  }
  for (const d of [0n, 1n, -1n, 4096n]) look(toI64(BigInt.asIntN(64, op.at + d)));
  return seen;
}

/** what op returned, or the kernel failure it ran into (an oops; KernelLockup for insert_node's endless growth) */
function outcome(run: () => unknown[]): unknown[] | Error {
  try {
    return run();
  } catch (e) {
    if (e instanceof KernelOops) return e;
    throw e;
  }
}

/** everything a descent reads or an operation writes, slot by slot */
function state(t: IextTree) {
  const a = t.arena;
  return { height: t.height, root: t.root, bytes: t.bytes, rec: [...a.rec], keys: [...a.keysD], ptrs: [...a.ptrs], next: [...a.next], prev: [...a.prev] };
}

describe('IextTree finger', () => {
  for (const g of [FUSE_GEOMETRY, XFS_GEOMETRY]) {
    it(`${g.name}: lookups and tree changes equal those of fresh descents (${RUNS} runs)`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 200 }), (ops) => {
          const withFinger = newTree(g);
          const fresh = newTree(g);
          const have = new Set<bigint>();
          for (let op of ops) {
            if (op.kind === 'insert' && have.has(op.at)) op = { kind: 'probe', at: op.at };
            else if (op.kind === 'insert') have.add(op.at);
            // negative loff_t records (fuse) sort first in a leaf but key as huge u64s: the C's
            // tree goes out of order, and insert_node can then grow it without end or a cursor
            // come back NULL (without the finger too): both trees must fail alike, at the same op
            const a = outcome(() => apply(withFinger, op, false));
            const b = outcome(() => apply(fresh, op, true));
            if (a instanceof Error || b instanceof Error) {
              expect(String(a)).toBe(String(b));
              return;
            }
            expect(a).toEqual(b);
            expect(state(withFinger)).toEqual(state(fresh));
          }
          if (ops.every((o) => o.at >= 0n)) expect(checkTreeStructure(withFinger)).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('is used while the key stays in range, and dropped when a node key changes', () => {
    const t = appended(FUSE_GEOMETRY, 2000, 4096);
    expect(t.height).toBeGreaterThanOrEqual(3);
    const a = lookup(t, 1000 * 4096);
    expect(a.got.addr).toBe(1000);
    // wreck the root's keys behind the tree's back: a descent would now go elsewhere
    const K = t.K;
    const saved = t.arena.keysD.slice(t.root * K, t.root * K + K);
    for (let i = 1; i < K; i++) t.arena.keysD[t.root * K + i] = 0;
    const b = lookup(t, 1000 * 4096 + 1);
    expect([b.cur.leaf, b.got.addr]).toEqual([a.cur.leaf, 1000]); // the finger, not the root
    // a key write (here: the same value back) is a node change: the next lookup descends
    t.arena.setKey(t.root * K, t.arena.keyI(t.root * K));
    const c = lookup(t, 1000 * 4096 + 1);
    expect(c.cur.leaf).not.toBe(a.cur.leaf);
    t.arena.keysD.set(saved, t.root * K);
    t.dropFinger();
    expect(lookup(t, 1000 * 4096 + 1).got.addr).toBe(1000);
    expect(checkTreeStructure(t)).toEqual([]);
  });

  it('answers find_level at every level as a fresh descent does, above the root too', () => {
    const t = appended(XFS_GEOMETRY, 3000, 8);
    expect(t.height).toBeGreaterThanOrEqual(3);
    for (const key of [0n, 8n * 1500n + 3n, 8n * 2999n]) {
      for (let level = 1; level <= t.height + 2; level++) {
        lookup(t, Number(key)); // the finger for key
        const viaFinger = t.findLevel(key, level);
        t.dropFinger();
        // the C's loop does not run for a level at or above the height: the root
        expect(viaFinger).toBe(t.findLevel(key, level));
        if (level >= t.height) expect(viaFinger).toBe(t.root);
      }
    }
  });
});
