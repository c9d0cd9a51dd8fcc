// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arena's I64 columns (src/iext/arena.ts): a record's addr, offset and
 * length are doubles, with the exact value in a side array where the
 * double is beyond 2^53. Offsets on both sides of 2^53 and up to just below
 * 2^63 (node keys beyond 2^53; 2^63 and up is the KEY_INVALID hazard,
 * tested elsewhere), lengths and addresses up to the all-ones NULL_ADDR
 * must come back exactly through the bigint API after inserts, splits and
 * shifts, in both geometries; checkTreeStructure must notice a side value
 * that no longer matches its double.
 */
import { describe, expect, it } from 'vitest';
import { NULL } from '../src/iext/arena.js';
import { checkTreeStructure } from '../src/iext/check.js';
import { FUSE_GEOMETRY, XFS_GEOMETRY } from '../src/iext/geometry.js';
import { type Cursor, type Mapping, emptyMapping } from '../src/iext/record.js';
import { IextTree } from '../src/iext/tree.js';

const P53 = 1n << 53n;
const ALL_ONES = (1n << 64n) - 1n;

/** 60 non-overlapping records, inserted out of order, at offsets from 0 past 2^53 up to just below 2^63 */
function records(): Mapping[] {
  const out: Mapping[] = [];
  for (let i = 0n; i < 20n; i++) {
    // near 2^63; the last one reaches 2^64 with an all-ones length
    out.push({ offset: (1n << 63n) - (1n << 60n) + i * 4096n + 1n, length: i === 19n ? ALL_ONES : 4096n, addr: ALL_ONES - i, type: 1, flags: 0, dev: 0 });
    out.push({ offset: i * 4096n, length: 4096n, addr: i % 2n ? ALL_ONES : P53 - 2n + i, type: 2, flags: 0x8000, dev: 0xffff_ffff });
    // 2^54 apart, lengths past 2^53
    out.push({ offset: (i + 1n) * (1n << 54n) + 1n, length: P53 + i, addr: P53 + 2n * i, type: 0xffff, flags: 1, dev: 7 });
  }
  return out;
}

function fill(tree: IextTree, recs: Mapping[]): void {
  for (const r of recs) {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    tree.lookupExtent(r.offset, cur, emptyMapping());
    tree.insertRaw(cur, r);
  }
}

describe('I64 record columns', () => {
  for (const g of [FUSE_GEOMETRY, XFS_GEOMETRY]) {
    it(`${g.name}: values beyond 2^53 survive inserts, splits and shifts exactly`, () => {
      const tree = new IextTree(g, { incSeq: () => {} });
      const recs = records();
      fill(tree, recs);
      expect(tree.height).toBeGreaterThanOrEqual(2); // leaves split, node keys beyond 2^53
      expect(checkTreeStructure(tree)).toEqual([]);
      const want = [...recs].sort((a, b) => (a.offset < b.offset ? -1 : 1));
      expect([...tree.records()]).toEqual(want);
    });
  }

  it('checkTreeStructure reports a side value that disagrees with its double', () => {
    const tree = new IextTree(FUSE_GEOMETRY, { incSeq: () => {} });
    fill(tree, records());
    expect(checkTreeStructure(tree)).toEqual([]);
    const a = tree.arena;
    const leaf = tree.findLastLeaf();
    // the last leaf ends with the record of all-ones length
    const i = leaf * tree.R + tree.leafNrEntries(leaf, 0) - 1;
    expect(a.lenD(i)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(a.offD(i)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    const saved = a.lenX![i];
    a.lenX![i] = 5n;
    expect(checkTreeStructure(tree).join('\n')).toMatch(/length: double .* != Number\(exact value 0x5\)/);
    a.lenX![i] = saved;
    expect(checkTreeStructure(tree)).toEqual([]);
    a.rec[i * 4] = 0.5; // addr: not an integer
    expect(checkTreeStructure(tree).join('\n')).toMatch(/addr: double 0.5 is not an integer/);
  });
});
