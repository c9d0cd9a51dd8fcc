// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of IextTree (src/iext/tree.ts), the model of fuse_iext_*
 * (seed 001 L7273-8328, a port of fs/xfs/libxfs/xfs_iext_tree.c).
 *
 * Every expectation below was computed by hand from the C, not copied from
 * the model's output: record placement after each split/merge, node keys,
 * the cursor (as leaf identity + pos) after every primitive, the number of
 * fuse_iext_inc_seq calls and the kzalloc/krealloc/kfree sequence.
 *
 * The tree is driven directly: records are inserted with insertRaw at the
 * cursor fuse_iext_lookup_extent leaves (the record after the new offset,
 * or the append point), as fuse_iomap_cache_add does, and removed with
 * remove at the cursor of a lookup hit.
 *
 * Unless said otherwise record i starts at i * 0x10000 and is 0x1000 long
 * (r(i) below), so the tree order is the index order. In the fuse geometry
 * a leaf holds 7 records (RECS_PER_LEAF = (256 - 16) / 32), a node 16 keys;
 * the xfs geometry has 15 records per leaf (16-byte records).
 */
import { describe, expect, it } from 'vitest';
import { NULL } from '../src/iext/arena.js';
import { FUSE_GEOMETRY, type Geometry, XFS_GEOMETRY } from '../src/iext/geometry.js';
import { type Cursor, type Mapping, emptyMapping } from '../src/iext/record.js';
import { type AllocEvent, IextTree } from '../src/iext/tree.js';

const KEY_INVALID = 1n << 63n; // FUSE_IEXT_KEY_INVALID
const STEP = 0x10000n;
const LEN = 0x1000n;
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
/** offset of record i */
const r = (i: number): bigint => STEP * BigInt(i);
/** offsets of records a..b inclusive */
const rs = (a: number, b: number): bigint[] => Array.from({ length: b - a + 1 }, (_, k) => r(a + k));
const rep = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);
const HALF = 0x8000n; // an offset inside the hole after a record

function mapping(offset: bigint, length = LEN): Mapping {
  return { addr: u64(0x1000_0000n + offset), offset, length, type: 2, flags: 0, dev: 1 };
}

/** A tree plus everything its hooks saw. */
class H {
  seq = 0;
  allocs: AllocEvent[] = [];
  log: string[] = [];
  readonly tree: IextTree;

  constructor(geo: Geometry = FUSE_GEOMETRY) {
    this.tree = new IextTree(geo, {
      incSeq: () => {
        this.seq++;
        this.log.push('inc_seq');
      },
      trace: (ev, cur) => this.log.push(`${ev}@${this.tree.leafId(cur.leaf)}:${cur.pos}`),
      onAlloc: (ev) => this.allocs.push(ev),
    });
  }

  /** forget the hook history (after building a tree) */
  mark(): this {
    this.allocs = [];
    this.log = [];
    this.seq = 0;
    return this;
  }

  /** fuse_iomap_cache_add's cursor: lookup_extent hit (a later record) or miss (append point), then insert_raw */
  insertAt(off: bigint, len = LEN): Cursor {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    if (this.tree.lookupExtent(off, cur, got)) expect(got.offset > off).toBe(true);
    this.tree.insertRaw(cur, mapping(off, len));
    return cur;
  }

  /** append records first..first+n-1 */
  append(n: number, first = 0): this {
    for (let i = first; i < first + n; i++) this.insertAt(r(i));
    return this;
  }

  /** cursor on the record starting at off (lookup hit) */
  find(off: bigint): Cursor {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    expect(this.tree.lookupExtent(off, cur, got)).toBe(true);
    expect(got.offset).toBe(off);
    return cur;
  }

  removeAt(off: bigint): Cursor {
    const cur = this.find(off);
    this.tree.remove(cur, 0);
    return cur;
  }

  /** remove records a..b (inclusive), lowest offset first */
  removeRange(a: number, b: number): Cursor {
    let cur: Cursor = { leaf: NULL, pos: 0 };
    for (let i = a; i <= b; i++) cur = this.removeAt(r(i));
    return cur;
  }

  id(leaf: number): number {
    return this.tree.leafId(leaf);
  }

  /** a cursor as (leaf identity, pos) */
  at(cur: Cursor): { id: number; pos: number } {
    return { id: this.tree.leafId(cur.leaf), pos: cur.pos };
  }

  offsets(): bigint[] {
    return [...this.tree.records()].map((m) => m.offset);
  }

  leafOffsets(leaf: number): bigint[] {
    const out: bigint[] = [];
    for (let i = 0; i < this.tree.leafNrEntries(leaf, 0); i++) out.push(this.tree.arena.off[leaf * this.tree.R + i]);
    return out;
  }

  keys(node = this.tree.root): bigint[] {
    const out: bigint[] = [];
    for (let i = 0; i < this.tree.nodeNrEntries(node, 0); i++) out.push(this.tree.arena.keys[node * this.tree.K + i]);
    return out;
  }

  child(node: number, i: number): number {
    return this.tree.arena.ptrs[node * this.tree.K + i];
  }

  /** record counts of the leaves, nested by node */
  shape(): unknown {
    const t = this.tree;
    const walk = (node: number, level: number): unknown =>
      level === 1 ? t.leafNrEntries(node, 0) : Array.from({ length: t.nodeNrEntries(node, 0) }, (_, i) => walk(this.child(node, i), level - 1));
    return t.height === 0 ? null : walk(t.root, t.height);
  }

  /** B+tree invariants: keys = first key of each child, unused slots INVALID/NULL, leaf chain in order, if_bytes right, records sorted */
  check(): void {
    const t = this.tree;
    const a = t.arena;
    if (t.height === 0) {
      expect(t.root).toBe(NULL);
      expect(t.bytes).toBe(0);
      return;
    }
    const leaves: number[] = [];
    const walk = (node: number, level: number): bigint => {
      if (level === 1) {
        leaves.push(node);
        expect(t.leafNrEntries(node, 0)).toBeGreaterThan(0);
        return t.leafKey(node, 0);
      }
      const n = t.nodeNrEntries(node, 0);
      expect(n).toBeGreaterThan(0);
      for (let i = 0; i < t.K; i++) {
        if (i < n) expect(a.keys[node * t.K + i]).toBe(walk(a.ptrs[node * t.K + i], level - 1));
        else {
          expect(a.keys[node * t.K + i]).toBe(KEY_INVALID);
          expect(a.ptrs[node * t.K + i]).toBe(NULL);
        }
      }
      return a.keys[node * t.K];
    };
    walk(t.root, t.height);
    if (t.height > 1) {
      leaves.forEach((leaf, i) => {
        expect(a.prev[leaf]).toBe(i === 0 ? NULL : leaves[i - 1]);
        expect(a.next[leaf]).toBe(i === leaves.length - 1 ? NULL : leaves[i + 1]);
      });
    }
    expect(leaves.reduce((s, l) => s + t.leafNrEntries(l, 0), 0)).toBe(t.count());
    const offs = this.offsets();
    expect(offs.length).toBe(t.count());
    for (let i = 1; i < offs.length; i++) expect(offs[i] > offs[i - 1]).toBe(true);
  }
}

const allocKinds = (evs: AllocEvent[]): string[] => evs.map((e) => `${e.op}:${e.kind}`);

// ---------------------------------------------------------------------------

describe('alloc_root / realloc_root (height 1)', () => {
  it('alloc_root: one 32-byte kzalloc, height 1, cursor (root, 0) whatever came in', () => {
    const h = new H();
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    expect(h.tree.lookupExtent(0x5000n, cur, got)).toBe(false); // empty tree: (NULL, 0)
    expect(cur).toEqual({ leaf: NULL, pos: 0 });
    cur.pos = 5; // fuse_iext_alloc_root overwrites both fields
    h.tree.insertRaw(cur, mapping(0x5000n));
    const root = h.tree.root;
    expect(cur).toEqual({ leaf: root, pos: 0 });
    expect(h.tree.height).toBe(1);
    expect(h.tree.bytes).toBe(32);
    expect(h.tree.count()).toBe(1);
    expect(h.seq).toBe(1);
    expect(h.allocs).toEqual([{ op: 'alloc', kind: 'leaf', id: h.id(root), addr: h.tree.leafAddr(root), size: 32 }]);
    expect(h.tree.arena.leafKsize[root]).toBe(32);
    expect(h.offsets()).toEqual([0x5000n]);
  });

  /*
   * realloc_root: new_size = if_bytes + 32, or NODE_SIZE when new_size / 32
   * == RECS_PER_LEAF; krealloc moves when new_size > ksize(old block), and
   * the block then comes from the next kmalloc class.
   */
  const reallocCases = (
    geo: Geometry,
    first: number,
    table: ReadonlyArray<readonly [number, number, number, boolean]>,
  ) => {
    const h = new H(geo);
    h.insertAt(r(0));
    const root = h.tree.root;
    const id = h.id(root);
    expect(h.allocs).toEqual([{ op: 'alloc', kind: 'leaf', id, addr: h.tree.leafAddr(root), size: first }]);
    for (const [n, oldSize, size, moved] of table) {
      h.allocs = [];
      const oldAddr = h.tree.leafAddr(root);
      const cur = h.insertAt(r(n - 1));
      const ev = h.allocs[0];
      expect(ev).toMatchObject({ op: 'realloc', kind: 'leaf', id, oldAddr, size, oldSize, moved });
      if (ev.op !== 'realloc') throw new Error('unreachable');
      if (moved) expect(ev.addr).not.toBe(oldAddr);
      else expect(ev.addr).toBe(oldAddr);
      if (n <= geo.recsPerLeaf) {
        // the root keeps its identity; its address changes exactly when krealloc moved it
        expect(h.allocs).toHaveLength(1);
        expect(cur).toEqual({ leaf: root, pos: n - 1 });
        expect(h.tree.leafAddr(root)).toBe(ev.addr);
        expect(h.id(root)).toBe(id);
        expect(h.tree.arena.leafKsize[root]).toBe(size);
        expect(h.tree.height).toBe(1);
      } else {
        // the full root does not move; the insert then spills into a new leaf under a new root node
        expect(allocKinds(h.allocs)).toEqual(['realloc:leaf', 'alloc:leaf', 'alloc:node']);
        expect(h.allocs[1]).toMatchObject({ size: 256 });
        expect(h.allocs[2]).toMatchObject({ size: 256 });
        expect(cur.leaf).not.toBe(root);
        expect(h.at(cur)).toEqual({ id: h.allocs[1].id, pos: 0 });
        expect(h.tree.leafAddr(root)).toBe(oldAddr);
        expect(h.tree.height).toBe(2);
        expect(h.shape()).toEqual([geo.recsPerLeaf, 1]);
        expect(h.keys()).toEqual([r(0), r(n - 1)]);
      }
      h.check();
    }
    expect(h.seq).toBe(table.length + 1);
  };

  it('fuse: kmalloc classes 32/64/96/128/192/256; 1->2, 2->3, 3->4, 4->5, 6->7 move; 5->6 and 7->8 do not', () => {
    reallocCases(FUSE_GEOMETRY, 32, [
      // [records after the insert, old ksize, new ksize, moved]
      [2, 32, 64, true],
      [3, 64, 96, true],
      [4, 96, 128, true],
      [5, 128, 192, true], // 160 > 128: class 192
      [6, 192, 192, false], // 192 <= 192
      [7, 192, 256, true], // 7 == RECS_PER_LEAF: NODE_SIZE
      [8, 256, 256, false], // 8 * 32 / 32 = 8 != 7: 256 again, then split
    ]);
  });

  it('xfs: 16-byte records, classes 16/32/64/96/128/192/256', () => {
    reallocCases(XFS_GEOMETRY, 16, [
      [2, 16, 32, true],
      [3, 32, 64, true],
      [4, 64, 64, false],
      [5, 64, 96, true],
      [6, 96, 96, false],
      [7, 96, 128, true],
      [8, 128, 128, false],
      [9, 128, 192, true],
      [10, 192, 192, false],
      [11, 192, 192, false],
      [12, 192, 192, false],
      [13, 192, 256, true],
      [14, 256, 256, false],
      [15, 256, 256, false], // 15 == RECS_PER_LEAF: NODE_SIZE, already 256
      [16, 256, 256, false], // split
    ]);
  });
});

// ---------------------------------------------------------------------------

interface SplitCase {
  name: string;
  off: bigint;
  /** the cursor insert_raw starts from (what lookup_extent left) */
  pos: number;
  /** cursor afterwards: in the new leaf? and pos */
  inNew: boolean;
  curPos: number;
  left: bigint[];
  right: bigint[];
  keys: bigint[];
}

function splitCase(geo: Geometry, c: SplitCase): void {
  const R = geo.recsPerLeaf;
  const h = new H(geo);
  for (let i = 1; i <= R; i++) h.insertAt(r(i)); // a full root: r(1)..r(R)
  const old = h.tree.root;
  const oldId = h.id(old);
  const oldAddr = h.tree.leafAddr(old);
  h.mark();
  const cur: Cursor = { leaf: NULL, pos: 0 };
  h.tree.lookupExtent(c.off, cur, emptyMapping());
  expect(cur).toEqual({ leaf: old, pos: c.pos });
  h.tree.insertRaw(cur, mapping(c.off));
  expect(h.seq).toBe(1);
  expect(allocKinds(h.allocs)).toEqual(['realloc:leaf', 'alloc:leaf', 'alloc:node']);
  expect(h.allocs[0]).toMatchObject({ moved: false });
  const nw = h.tree.arena.next[old];
  expect(h.id(nw)).toBe(h.allocs[1].id);
  expect(h.tree.arena.prev[nw]).toBe(old);
  expect(h.tree.arena.next[nw]).toBe(NULL);
  expect(h.tree.arena.prev[old]).toBe(NULL);
  expect(h.at(cur)).toEqual({ id: c.inNew ? h.id(nw) : oldId, pos: c.curPos });
  expect(h.tree.getExtent(cur, emptyMapping())).toBe(true);
  expect(h.tree.arena.off[cur.leaf * R + cur.pos]).toBe(c.off);
  // the old leaf keeps its identity and its memory
  expect(h.id(old)).toBe(oldId);
  expect(h.tree.leafAddr(old)).toBe(oldAddr);
  expect(h.tree.height).toBe(2);
  expect(h.child(h.tree.root, 0)).toBe(old);
  expect(h.child(h.tree.root, 1)).toBe(nw);
  expect(h.leafOffsets(old)).toEqual(c.left);
  expect(h.leafOffsets(nw)).toEqual(c.right);
  expect(h.keys()).toEqual(c.keys);
  h.check();
}

describe('split_leaf', () => {
  const X = (i: number) => r(i) + HALF;
  // full root r1..r7; records 4,5,6 (r5, r6, r7) move unless pos == 7
  it.each<SplitCase>([
    { name: 'pos 0 (update_node of the first key first)', off: HALF, pos: 0, inNew: false, curPos: 0, left: [HALF, ...rs(1, 4)], right: rs(5, 7), keys: [HALF, r(5)] },
    { name: 'pos 2', off: X(2), pos: 2, inNew: false, curPos: 2, left: [r(1), r(2), X(2), r(3), r(4)], right: rs(5, 7), keys: [r(1), r(5)] },
    { name: 'pos 3 (last that stays)', off: X(3), pos: 3, inNew: false, curPos: 3, left: [...rs(1, 3), X(3), r(4)], right: rs(5, 7), keys: [r(1), r(5)] },
    { name: 'pos 4 -> (new, 0)', off: X(4), pos: 4, inNew: true, curPos: 0, left: rs(1, 4), right: [X(4), ...rs(5, 7)], keys: [r(1), X(4)] },
    { name: 'pos 6 -> (new, 2)', off: X(6), pos: 6, inNew: true, curPos: 2, left: rs(1, 4), right: [r(5), r(6), X(6), r(7)], keys: [r(1), r(5)] },
    { name: 'pos 7: sequential-append spill, alone in the new leaf', off: X(7), pos: 7, inNew: true, curPos: 0, left: rs(1, 7), right: [X(7)], keys: [r(1), X(7)] },
  ])('fuse: $name', (c) => splitCase(FUSE_GEOMETRY, c));

  // full root r1..r15; records 8..14 (r9..r15) move unless pos == 15
  it.each<SplitCase>([
    { name: 'pos 0', off: HALF, pos: 0, inNew: false, curPos: 0, left: [HALF, ...rs(1, 8)], right: rs(9, 15), keys: [HALF, r(9)] },
    { name: 'pos 7 (last that stays)', off: X(7), pos: 7, inNew: false, curPos: 7, left: [...rs(1, 7), X(7), r(8)], right: rs(9, 15), keys: [r(1), r(9)] },
    { name: 'pos 8 -> (new, 0)', off: X(8), pos: 8, inNew: true, curPos: 0, left: rs(1, 8), right: [X(8), ...rs(9, 15)], keys: [r(1), X(8)] },
    { name: 'pos 14 -> (new, 6)', off: X(14), pos: 14, inNew: true, curPos: 6, left: rs(1, 8), right: [...rs(9, 14), X(14), r(15)], keys: [r(1), r(9)] },
    { name: 'pos 15: spill', off: X(15), pos: 15, inNew: true, curPos: 0, left: rs(1, 15), right: [X(15)], keys: [r(1), X(15)] },
  ])('xfs: $name', (c) => splitCase(XFS_GEOMETRY, c));

  it('fuse: a split in the middle of the chain relinks the siblings; other leaves keep identity and address', () => {
    const h = new H().append(14); // [r0..r6] [r7..r13]
    const l1 = h.find(r(0)).leaf;
    const l2 = h.find(r(7)).leaf;
    const [id1, id2, a2] = [h.id(l1), h.id(l2), h.tree.leafAddr(l2)];
    h.mark();
    const cur = h.insertAt(r(2) + HALF); // lookup hits r3 at (l1, 3)
    expect(h.seq).toBe(1);
    expect(allocKinds(h.allocs)).toEqual(['alloc:leaf']); // no realloc at height 2, node not full
    expect(h.at(cur)).toEqual({ id: id1, pos: 3 });
    const nw = h.tree.arena.next[l1];
    expect(h.id(nw)).toBe(h.allocs[0].id);
    expect(h.tree.arena.prev[nw]).toBe(l1);
    expect(h.tree.arena.next[nw]).toBe(l2);
    expect(h.tree.arena.prev[l2]).toBe(nw);
    expect(h.leafOffsets(l1)).toEqual([r(0), r(1), r(2), r(2) + HALF, r(3)]);
    expect(h.leafOffsets(nw)).toEqual(rs(4, 6));
    expect(h.keys()).toEqual([r(0), r(4), r(7)]);
    expect([h.id(l2), h.tree.leafAddr(l2)]).toEqual([id2, a2]);
    // and splitting l2 leaves l1 alone
    const a1 = h.tree.leafAddr(l1);
    h.mark();
    const cur2 = h.insertAt(r(12) + HALF); // hits r13 at (l2, 6) -> (new, 2)
    expect(h.id(l1)).toBe(id1);
    expect(h.tree.leafAddr(l1)).toBe(a1);
    expect(h.id(l2)).toBe(id2);
    expect(h.tree.leafAddr(l2)).toBe(a2);
    expect(h.at(cur2)).toEqual({ id: h.allocs[0].id, pos: 2 });
    expect(h.shape()).toEqual([5, 3, 4, 4]);
    expect(h.keys()).toEqual([r(0), r(4), r(7), r(11)]);
    h.check();
  });

  it('fuse: inserting at pos 0 of a full first leaf at height 2 splits and propagates the new first key', () => {
    const h = new H().append(8, 1); // [r1..r7] [r8]
    const l1 = h.find(r(1)).leaf;
    h.mark();
    const cur = h.insertAt(0n); // hits r1 at (l1, 0)
    expect(h.at(cur)).toEqual({ id: h.id(l1), pos: 0 });
    expect(h.leafOffsets(l1)).toEqual([0n, ...rs(1, 4)]);
    expect(h.shape()).toEqual([5, 3, 1]);
    expect(h.keys()).toEqual([0n, r(5), r(8)]);
    h.check();
  });
});

// ---------------------------------------------------------------------------

describe('update_node on insert in front of a leaf (height >= 2)', () => {
  it('height 2: the parent key of the second leaf becomes the new offset', () => {
    const h = new H().append(8); // [r0..r6] [r7]
    const l2 = h.find(r(7)).leaf;
    expect(h.keys()).toEqual([r(0), r(7)]);
    h.mark();
    // lookup: find_level picks l1, no record >= offset there, moves on to (l2, 0)
    const cur = h.insertAt(r(7) - HALF);
    expect(h.at(cur)).toEqual({ id: h.id(l2), pos: 0 });
    expect(h.keys()).toEqual([r(0), r(7) - HALF]);
    expect(h.leafOffsets(l2)).toEqual([r(7) - HALF, r(7)]);
    expect(h.allocs).toEqual([]);
    expect(h.seq).toBe(1);
    h.check();
  });

  it('height 3: both the root key and the level-2 key change', () => {
    const h = new H().append(113); // root [A: 16 full leaves, B: leaf [r112]]
    expect(h.tree.height).toBe(3);
    const B = h.child(h.tree.root, 1);
    const l16 = h.find(r(112)).leaf;
    expect(h.keys()).toEqual([0n, r(112)]);
    expect(h.keys(B)).toEqual([r(112)]);
    h.mark();
    const cur = h.insertAt(r(112) - HALF);
    expect(h.at(cur)).toEqual({ id: h.id(l16), pos: 0 });
    expect(h.keys()).toEqual([0n, r(112) - HALF]);
    expect(h.keys(B)).toEqual([r(112) - HALF]);
    expect(h.allocs).toEqual([]);
    h.check();
  });
});

// ---------------------------------------------------------------------------

describe('split_node / insert_node (16 keys per node)', () => {
  const sevens = (n: number) => rep(n, 7);

  it('112 sequential records: 16 full leaves under a full root node', () => {
    const h = new H().append(112);
    expect(h.tree.height).toBe(2);
    expect(h.shape()).toEqual(sevens(16));
    expect(h.keys()).toEqual(Array.from({ length: 16 }, (_, i) => r(7 * i)));
    expect(h.tree.arena.liveLeaves).toBe(16);
    expect(h.tree.arena.liveNodes).toBe(1);
    h.check();
  });

  it('node-level spill (pos == 16): new leaf in a new node, root grows to height 3', () => {
    const h = new H().append(112);
    const A = h.tree.root;
    const keysA = h.keys(A);
    h.mark();
    const cur = h.insertAt(r(112)); // leaf spill (pos 7) then node spill (pos 16)
    expect(h.seq).toBe(1);
    // split_leaf's kzalloc, split_node's, then grow's
    expect(allocKinds(h.allocs)).toEqual(['alloc:leaf', 'alloc:node', 'alloc:node']);
    expect(h.tree.height).toBe(3);
    expect(h.tree.arena.nodeId[h.tree.root]).toBe(h.allocs[2].id);
    expect(h.child(h.tree.root, 0)).toBe(A);
    const B = h.child(h.tree.root, 1);
    expect(h.tree.arena.nodeId[B]).toBe(h.allocs[1].id);
    expect(h.keys()).toEqual([0n, r(112)]);
    expect(h.keys(A)).toEqual(keysA);
    expect(h.keys(B)).toEqual([r(112)]);
    expect(h.at(cur)).toEqual({ id: h.allocs[0].id, pos: 0 });
    expect(h.shape()).toEqual([sevens(16), [1]]);
    h.check();
  });

  it('split at node pos 4 (< 8): entries 8..15 move, the new leaf stays in the old node', () => {
    const h = new H().append(112);
    const A = h.tree.root;
    const l3 = h.find(r(21)).leaf;
    h.mark();
    const cur = h.insertAt(r(23) + HALF); // hits r24 at (l3, 3): leaf split keeps l3, new leaf [r25..r27]
    expect(allocKinds(h.allocs)).toEqual(['alloc:leaf', 'alloc:node', 'alloc:node']);
    expect(h.at(cur)).toEqual({ id: h.id(l3), pos: 3 });
    expect(h.tree.height).toBe(3);
    expect(h.child(h.tree.root, 0)).toBe(A);
    const B = h.child(h.tree.root, 1);
    expect(h.keys()).toEqual([0n, r(56)]);
    expect(h.keys(A)).toEqual([r(0), r(7), r(14), r(21), r(25), r(28), r(35), r(42), r(49)]);
    expect(h.keys(B)).toEqual([r(56), r(63), r(70), r(77), r(84), r(91), r(98), r(105)]);
    expect(h.shape()).toEqual([[7, 7, 7, 5, 3, 7, 7, 7, 7], sevens(8)]);
    h.check();
  });

  it('split at node pos 11 (>= 8): the new leaf goes to the new node at pos 3', () => {
    const h = new H().append(112);
    const l10 = h.find(r(70)).leaf;
    h.mark();
    const cur = h.insertAt(r(72) + HALF); // hits r73 at (l10, 3); new leaf [r74..r76] at node pos 11
    expect(h.at(cur)).toEqual({ id: h.id(l10), pos: 3 });
    const A = h.child(h.tree.root, 0);
    const B = h.child(h.tree.root, 1);
    expect(h.keys()).toEqual([0n, r(56)]);
    expect(h.keys(A)).toEqual([r(0), r(7), r(14), r(21), r(28), r(35), r(42), r(49)]);
    expect(h.keys(B)).toEqual([r(56), r(63), r(70), r(74), r(77), r(84), r(91), r(98), r(105)]);
    expect(h.shape()).toEqual([sevens(8), [7, 7, 5, 3, 7, 7, 7, 7, 7]]);
    h.check();
  });

  it('root growth: height 2 at 8 records, 3 at 113 (7*16 + 1), 4 at 1793 (7*16*16 + 1)', () => {
    const h = new H();
    const grewAt: number[] = [];
    for (let i = 0; i < 1793; i++) {
      const before = h.tree.height;
      h.insertAt(r(i));
      if (h.tree.height !== before) grewAt.push(i + 1);
    }
    expect(grewAt).toEqual([1, 8, 113, 1793]);
    expect(h.tree.height).toBe(4);
    expect(h.keys()).toEqual([0n, r(1792)]);
    const [n0, n1] = [h.child(h.tree.root, 0), h.child(h.tree.root, 1)];
    expect(h.keys(n0)).toEqual(Array.from({ length: 16 }, (_, i) => r(112 * i)));
    expect(h.keys(n1)).toEqual([r(1792)]);
    expect(h.tree.arena.liveLeaves).toBe(257);
    expect(h.tree.arena.liveNodes).toBe(16 + 1 + 1 + 1 + 1); // 16 + 1 level-2, 1 + 1 level-3, root
    h.check();
  });

  it('xfs: 15 * 16 + 1 sequential records reach height 3 by the node spill', () => {
    const h = new H(XFS_GEOMETRY).append(240);
    expect(h.tree.height).toBe(2);
    expect(h.shape()).toEqual(rep(16, 15));
    h.mark();
    const cur = h.insertAt(r(240));
    expect(allocKinds(h.allocs)).toEqual(['alloc:leaf', 'alloc:node', 'alloc:node']);
    expect(h.at(cur)).toEqual({ id: h.allocs[0].id, pos: 0 });
    expect(h.tree.height).toBe(3);
    expect(h.keys()).toEqual([0n, r(240)]);
    expect(h.shape()).toEqual([rep(16, 15), [1]]);
    h.check();
  });
});

// ---------------------------------------------------------------------------

describe('remove: cursor afterwards', () => {
  it('middle of a leaf: cursor stays, now on the successor', () => {
    const h = new H().append(7);
    const root = h.tree.root;
    h.mark();
    const cur = h.removeAt(r(3));
    expect(h.seq).toBe(1);
    expect(h.at(cur)).toEqual({ id: h.id(root), pos: 3 });
    const got = emptyMapping();
    expect(h.tree.getExtent(cur, got)).toBe(true);
    expect(got.offset).toBe(r(4));
    expect(h.offsets()).toEqual([...rs(0, 2), ...rs(4, 6)]);
    expect(h.tree.count()).toBe(6);
    expect(h.allocs).toEqual([]);
    h.check();
  });

  it('middle of a leaf at height 2', () => {
    const h = new H().append(14);
    const l1 = h.find(0n).leaf;
    const cur = h.removeAt(r(3));
    expect(h.at(cur)).toEqual({ id: h.id(l1), pos: 3 });
    expect(h.keys()).toEqual([r(0), r(7)]);
    h.check();
  });

  it('first record of the second leaf: update_node, cursor (leaf, 0) on the successor', () => {
    const h = new H().append(14);
    const l2 = h.find(r(7)).leaf;
    const cur = h.removeAt(r(7));
    expect(h.at(cur)).toEqual({ id: h.id(l2), pos: 0 });
    expect(h.keys()).toEqual([r(0), r(8)]);
    h.check();
  });

  it('first record of the first leaf: the root key 0 becomes r1', () => {
    const h = new H().append(14);
    const cur = h.removeAt(r(0));
    expect(cur.pos).toBe(0);
    expect(h.keys()).toEqual([r(1), r(7)]);
    h.check();
  });

  it('last record of a leaf at height 2: (next leaf, 0)', () => {
    const h = new H().append(14);
    const l2 = h.find(r(7)).leaf;
    const cur = h.removeAt(r(6));
    expect(h.at(cur)).toEqual({ id: h.id(l2), pos: 0 });
    const got = emptyMapping();
    expect(h.tree.getExtent(cur, got)).toBe(true);
    expect(got.offset).toBe(r(7));
    h.check();
  });

  it('last record of the last leaf at height 2: (NULL, 0)', () => {
    const h = new H().append(14);
    const cur = h.removeAt(r(13));
    expect(cur).toEqual({ leaf: NULL, pos: 0 });
    h.check();
  });

  it('last record at height 1: (NULL, 0), no rebalance, nothing freed', () => {
    const h = new H().append(5);
    h.mark();
    const cur = h.removeAt(r(4));
    expect(cur).toEqual({ leaf: NULL, pos: 0 });
    expect(h.allocs).toEqual([]);
    expect(h.tree.height).toBe(1);
    h.removeAt(r(3));
    h.removeAt(r(2)); // 2 left: an under-full root leaf is kept
    expect(h.tree.height).toBe(1);
    expect(h.offsets()).toEqual([r(0), r(1)]);
    expect(h.allocs).toEqual([]);
    h.check();
  });

  it('free_last_leaf: the last record goes, height 1 -> 0, the root is kfreed (still its 64-byte block)', () => {
    const h = new H().append(2);
    const root = h.tree.root;
    const [id, addr] = [h.id(root), h.tree.leafAddr(root)];
    h.mark();
    expect(h.removeAt(r(1))).toEqual({ leaf: NULL, pos: 0 });
    expect(h.allocs).toEqual([]);
    expect(h.removeAt(r(0))).toEqual({ leaf: NULL, pos: 0 });
    expect(h.allocs).toEqual([{ op: 'free', kind: 'leaf', id, addr, size: 64 }]);
    expect(h.tree.height).toBe(0);
    expect(h.tree.root).toBe(NULL);
    expect(h.tree.bytes).toBe(0);
    expect(h.seq).toBe(2);
    expect(h.tree.arena.liveLeaves).toBe(0);
    h.check();
  });

  it('trace/inc_seq order: insert bumps then traces; remove traces then bumps', () => {
    const h = new H().append(3);
    const root = h.tree.root;
    h.mark();
    const cur = h.find(r(1));
    h.tree.remove(cur, 0);
    expect(h.log).toEqual([`fuse_iext_remove@${h.id(root)}:1`, 'inc_seq']);
    h.mark();
    h.tree.insert(cur, mapping(r(1)), 0);
    expect(h.log).toEqual(['inc_seq', `fuse_iext_insert@${h.id(root)}:1`]);
  });
});

// ---------------------------------------------------------------------------

describe('rebalance_leaf', () => {
  it('merge into prev: cursor (prev, pos + nr_prev); the emptied root node collapses to height 1', () => {
    const h = new H().append(14); // l1 [r0..r6], l2 [r7..r13]
    const l1 = h.find(r(0)).leaf;
    const l2 = h.find(r(7)).leaf;
    const [id1, id2, node] = [h.id(l1), h.id(l2), h.tree.root];
    const nodeId = h.tree.arena.nodeId[node];
    h.mark();
    h.removeRange(3, 5); // l1 -> [r0 r1 r2 r6]
    for (let i = 8; i <= 11; i++) h.removeAt(r(i)); // l2 -> [r7 r12 r13]
    expect(h.shape()).toEqual([4, 3]);
    expect(h.allocs).toEqual([]);
    const cur = h.removeAt(r(12)); // l2 -> [r7 r13], cursor (l2, 1); 4 + 2 <= 7
    expect(h.at(cur)).toEqual({ id: id1, pos: 5 });
    expect(h.allocs.map((e) => [e.op, e.kind, e.id])).toEqual([
      ['free', 'leaf', id2],
      ['free', 'node', nodeId],
    ]);
    expect(h.tree.height).toBe(1);
    expect(h.tree.root).toBe(l1);
    expect(h.id(l1)).toBe(id1);
    expect(h.leafOffsets(l1)).toEqual([r(0), r(1), r(2), r(6), r(7), r(13)]);
    const got = emptyMapping();
    expect(h.tree.getExtent(cur, got)).toBe(true);
    expect(got.offset).toBe(r(13));
    expect(h.seq).toBe(8);
    h.check();
  });

  it('merge next into this, cursor in next: (leaf, pos + nr); next is deleted', () => {
    const h = new H().append(21); // [r0..r6] [r7..r13] [r14..r20]
    const l2 = h.find(r(7)).leaf;
    const l3 = h.find(r(14)).leaf;
    const id3 = h.id(l3);
    h.removeRange(15, 17); // l3 -> [r14 r18 r19 r20]
    h.removeRange(8, 11); // l2 -> [r7 r12 r13]
    h.mark();
    // last record of l2: cursor (l3, 0); prev full (7 + 2 > 7), next has 4 (2 + 4 <= 7)
    const cur = h.removeAt(r(13));
    expect(h.at(cur)).toEqual({ id: h.id(l2), pos: 2 });
    expect(h.allocs.map((e) => [e.op, e.kind, e.id])).toEqual([['free', 'leaf', id3]]);
    expect(h.leafOffsets(l2)).toEqual([r(7), r(12), r(14), r(18), r(19), r(20)]);
    expect(h.keys()).toEqual([r(0), r(7)]);
    expect(h.shape()).toEqual([7, 6]);
    const got = emptyMapping();
    expect(h.tree.getExtent(cur, got)).toBe(true);
    expect(got.offset).toBe(r(14));
    h.check();
  });

  it('merge next into this, cursor in this leaf: unchanged', () => {
    const h = new H().append(21);
    const l2 = h.find(r(7)).leaf;
    h.removeRange(15, 17);
    h.removeRange(8, 11);
    const cur = h.removeAt(r(12)); // (l2, 1) on r13
    expect(h.at(cur)).toEqual({ id: h.id(l2), pos: 1 });
    expect(h.leafOffsets(l2)).toEqual([r(7), r(13), r(14), r(18), r(19), r(20)]);
    expect(h.shape()).toEqual([7, 6]);
    h.check();
  });

  it('keep an under-full leaf between full neighbours; delete it once empty', () => {
    const h = new H().append(21);
    const l1 = h.find(r(0)).leaf;
    const l2 = h.find(r(7)).leaf;
    const l3 = h.find(r(14)).leaf;
    const id2 = h.id(l2);
    h.mark();
    const c1 = h.removeRange(8, 12); // nr 2: 7 + 2 > 7 on both sides
    expect(h.at(c1)).toEqual({ id: id2, pos: 1 });
    expect(h.shape()).toEqual([7, 2, 7]);
    const c2 = h.removeAt(r(7)); // nr 1, first record: key r7 -> r13
    expect(h.at(c2)).toEqual({ id: id2, pos: 0 });
    expect(h.keys()).toEqual([r(0), r(13), r(14)]);
    expect(h.shape()).toEqual([7, 1, 7]);
    expect(h.allocs).toEqual([]);
    const c3 = h.removeAt(r(13)); // nr 0: cursor (l3, 0), the leaf is deleted
    expect(h.at(c3)).toEqual({ id: h.id(l3), pos: 0 });
    expect(h.allocs.map((e) => [e.op, e.kind, e.id])).toEqual([['free', 'leaf', id2]]);
    expect(h.keys()).toEqual([r(0), r(14)]);
    expect(h.tree.arena.next[l1]).toBe(l3);
    expect(h.tree.arena.prev[l3]).toBe(l1);
    expect(h.seq).toBe(7);
    h.check();
  });

  it('xfs: merge into prev (threshold RECS_PER_LEAF / 2 = 7) and collapse', () => {
    const h = new H(XFS_GEOMETRY).append(30); // [r0..r14] [r15..r29]
    const l1 = h.find(r(0)).leaf;
    h.removeRange(3, 9); // l1: 8 records, nr stays >= 7
    h.removeRange(16, 23); // l2: 7 records
    expect(h.shape()).toEqual([8, 7]);
    h.mark();
    const cur = h.removeAt(r(24)); // l2: 6 < 7; 8 + 6 <= 15; cursor (l2, 1) -> (l1, 9)
    expect(h.at(cur)).toEqual({ id: h.id(l1), pos: 9 });
    expect(allocKinds(h.allocs)).toEqual(['free:leaf', 'free:node']);
    expect(h.tree.height).toBe(1);
    expect(h.offsets()).toEqual([...rs(0, 2), ...rs(10, 15), ...rs(25, 29)]);
    h.check();
  });
});

// ---------------------------------------------------------------------------

describe('remove_node / rebalance_node (height 3)', () => {
  it('deleting an empty level-2 node, then root collapse 3 -> 2', () => {
    const h = new H().append(113); // root [A (16 leaves), B (leaf [r112])]
    const oldRoot = h.tree.root;
    const A = h.child(oldRoot, 0);
    const B = h.child(oldRoot, 1);
    const l16 = h.find(r(112)).leaf;
    const ids = [h.id(l16), h.tree.arena.nodeId[B], h.tree.arena.nodeId[oldRoot]];
    h.mark();
    const cur = h.removeAt(r(112));
    expect(cur).toEqual({ leaf: NULL, pos: 0 }); // no next leaf
    expect(h.allocs.map((e) => [e.op, e.kind, e.id])).toEqual([
      ['free', 'leaf', ids[0]],
      ['free', 'node', ids[1]],
      ['free', 'node', ids[2]],
    ]);
    expect(h.tree.height).toBe(2);
    expect(h.tree.root).toBe(A);
    expect(h.shape()).toEqual(rep(16, 7));
    expect(h.seq).toBe(1);
    h.check();
  });

  it('merge the next node into this one (9 leaves gone from A), then collapse 3 -> 2', () => {
    const h = new H().append(113);
    const oldRoot = h.tree.root;
    const A = h.child(oldRoot, 0);
    const B = h.child(oldRoot, 1);
    const l10 = h.find(r(70)).leaf;
    const idB = h.tree.arena.nodeId[B];
    const idRoot = h.tree.arena.nodeId[oldRoot];
    h.mark();
    // empty leaves l1..l8: A goes 16 -> 8 entries, no node rebalance yet
    h.removeRange(7, 62);
    expect(h.tree.height).toBe(3);
    expect(h.keys(A)).toEqual([r(0), ...Array.from({ length: 7 }, (_, i) => r(63 + 7 * i))]);
    expect(allocKinds(h.allocs)).toEqual(rep(8, 'free:leaf'));
    h.allocs = [];
    // empty l9: A has 7 < 8, pos 0 in the root, B (1 entry) merges into A, then the root has 1 entry
    const cur = h.removeRange(63, 69);
    expect(h.at(cur)).toEqual({ id: h.id(l10), pos: 0 });
    expect(h.allocs.map((e) => [e.op, e.kind])).toEqual([
      ['free', 'leaf'],
      ['free', 'node'],
      ['free', 'node'],
    ]);
    expect(h.allocs[1].id).toBe(idB);
    expect(h.allocs[2].id).toBe(idRoot);
    expect(h.tree.height).toBe(2);
    expect(h.tree.root).toBe(A);
    expect(h.keys()).toEqual([r(0), r(70), r(77), r(84), r(91), r(98), r(105), r(112)]);
    expect(h.shape()).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    expect(h.seq).toBe(63);
    expect(h.tree.count()).toBe(50);
    h.check();
  });

  it('merge into the previous node (no collapse: the root keeps 2 entries)', () => {
    const h = new H().append(225); // root [A (l0..l15), B (l16..l31), C (l32 = [r224])]
    expect(h.shape()).toEqual([rep(16, 7), rep(16, 7), [1]]);
    const [A, B, C] = [0, 1, 2].map((i) => h.child(h.tree.root, i));
    const idB = h.tree.arena.nodeId[B];
    h.removeRange(7, 62); // A: 8 entries left (l0, l9..l15)
    h.mark();
    const l26 = h.find(r(182)).leaf;
    const cur = h.removeRange(119, 181); // l17..l25: B 16 -> 7; 8 + 7 <= 16 -> into A
    expect(h.at(cur)).toEqual({ id: h.id(l26), pos: 0 });
    expect(allocKinds(h.allocs)).toEqual([...rep(9, 'free:leaf'), 'free:node']);
    expect(h.allocs[9].id).toBe(idB);
    expect(h.tree.height).toBe(3);
    expect([h.child(h.tree.root, 0), h.child(h.tree.root, 1)]).toEqual([A, C]);
    expect(h.keys()).toEqual([r(0), r(224)]);
    expect(h.keys(A)).toEqual([
      r(0),
      ...Array.from({ length: 7 }, (_, i) => r(63 + 7 * i)),
      r(112),
      ...Array.from({ length: 6 }, (_, i) => r(182 + 7 * i)),
    ]);
    expect(h.shape()).toEqual([rep(15, 7), [1]]);
    h.check();
  });

  it('an under-full node between full neighbours is kept, then deleted when empty', () => {
    const h = new H().append(336); // root [A, B, C], 16 full leaves each
    const [A, B, C] = [0, 1, 2].map((i) => h.child(h.tree.root, i));
    const idB = h.tree.arena.nodeId[B];
    const l32 = h.find(r(224)).leaf;
    h.mark();
    h.removeRange(112, 174); // 9 leaves of B gone: 7 entries, neighbours 16 + 7 > 16: kept
    expect(h.shape()).toEqual([rep(16, 7), rep(7, 7), rep(16, 7)]);
    expect(h.keys()).toEqual([r(0), r(175), r(224)]);
    const cur = h.removeRange(175, 223);
    expect(h.at(cur)).toEqual({ id: h.id(l32), pos: 0 });
    expect(allocKinds(h.allocs)).toEqual([...rep(16, 'free:leaf'), 'free:node']);
    expect(h.allocs[16].id).toBe(idB);
    expect(h.tree.height).toBe(3);
    expect([h.child(h.tree.root, 0), h.child(h.tree.root, 1)]).toEqual([A, C]);
    expect(h.keys()).toEqual([r(0), r(224)]);
    expect(h.shape()).toEqual([rep(16, 7), rep(16, 7)]);
    h.check();
  });
});

// ---------------------------------------------------------------------------

describe('destroy / update_extent', () => {
  it('destroy frees every leaf and node depth-first and never bumps the sequence', () => {
    const h = new H().append(113);
    h.mark();
    h.tree.destroy();
    expect(h.seq).toBe(0);
    expect(h.log).toEqual([]);
    expect(allocKinds(h.allocs)).toEqual([...rep(16, 'free:leaf'), 'free:node', 'free:leaf', 'free:node', 'free:node']);
    expect(new Set(h.allocs.map((e) => `${e.kind}${e.id}`)).size).toBe(20);
    expect(h.tree.arena.liveLeaves).toBe(0);
    expect(h.tree.arena.liveNodes).toBe(0);
    expect([h.tree.height, h.tree.root, h.tree.bytes]).toEqual([0, NULL, 0]);
    h.check();
  });

  it('destroy of a height-1 root frees its current block', () => {
    const h = new H().append(3); // ksize 96
    const root = h.tree.root;
    const [id, addr] = [h.id(root), h.tree.leafAddr(root)];
    h.mark();
    h.tree.destroy();
    expect(h.allocs).toEqual([{ op: 'free', kind: 'leaf', id, addr, size: 96 }]);
    expect(h.seq).toBe(0);
  });

  it('update_extent at pos 0 with a new offset: one bump, key propagated, cursor unchanged', () => {
    const h = new H().append(14);
    const l2 = h.find(r(7)).leaf;
    h.mark();
    const cur = h.find(r(7));
    h.tree.updateExtent(0, cur, mapping(r(7) - HALF, LEN + HALF));
    expect(h.seq).toBe(1);
    expect(h.log).toEqual(['inc_seq', `fuse_iext_pre_update@${h.id(l2)}:0`, `fuse_iext_post_update@${h.id(l2)}:0`]);
    expect(cur).toEqual({ leaf: l2, pos: 0 });
    expect(h.keys()).toEqual([r(0), r(7) - HALF]);
    expect(h.allocs).toEqual([]);
    h.check();
  });

  it('update_extent of the first leaf key and of a non-first record', () => {
    const h = new H().append(14);
    h.tree.updateExtent(0, h.find(r(0)), mapping(HALF));
    expect(h.keys()).toEqual([HALF, r(7)]);
    h.tree.updateExtent(0, h.find(r(8)), mapping(r(8) + HALF)); // pos 1: keys untouched
    expect(h.keys()).toEqual([HALF, r(7)]);
    h.tree.updateExtent(0, h.find(r(7)), mapping(r(7), 2n * LEN)); // pos 0, same offset
    expect(h.keys()).toEqual([HALF, r(7)]);
    expect(h.offsets()).toEqual([HALF, ...rs(1, 7), r(8) + HALF, ...rs(9, 13)]);
    h.check();
  });
});

// ---------------------------------------------------------------------------

describe('first / last / next / prev', () => {
  it('empty tree: first and last give (NULL, 0); next/prev from NULL do the same', () => {
    const h = new H();
    const cur: Cursor = { leaf: 3, pos: 4 };
    h.tree.first(cur);
    expect(cur).toEqual({ leaf: NULL, pos: 0 });
    h.tree.last(cur);
    expect(cur).toEqual({ leaf: NULL, pos: 0 });
    h.tree.next(cur);
    expect(cur).toEqual({ leaf: NULL, pos: 0 });
    h.tree.prev(cur);
    expect(cur).toEqual({ leaf: NULL, pos: 0 });
  });

  it('height 1: next never leaves the root; prev from pos 0 leaves (root, -1)', () => {
    const h = new H().append(3);
    const root = h.tree.root;
    const cur: Cursor = { leaf: NULL, pos: 0 };
    h.tree.next(cur); // NULL: first
    expect(cur).toEqual({ leaf: root, pos: 0 });
    h.tree.last(cur);
    expect(cur).toEqual({ leaf: root, pos: 2 });
    h.tree.next(cur);
    expect(cur).toEqual({ leaf: root, pos: 3 });
    expect(h.tree.getExtent(cur, emptyMapping())).toBe(false);
    h.tree.prev(cur); // from past the end back to the last record
    expect(cur).toEqual({ leaf: root, pos: 2 });
    h.tree.first(cur);
    h.tree.prev(cur);
    expect(cur).toEqual({ leaf: root, pos: -1 });
    expect(h.tree.valid(cur)).toBe(false);
    cur.leaf = NULL;
    cur.pos = 0;
    h.tree.prev(cur); // NULL: last
    expect(cur).toEqual({ leaf: root, pos: 2 });
  });

  it('height 2: next/prev cross leaves; prev from the first leaf pos 0 leaves (first leaf, -1); next at the end stays', () => {
    const h = new H().append(14);
    const l1 = h.find(r(0)).leaf;
    const l2 = h.find(r(7)).leaf;
    const cur: Cursor = { leaf: l1, pos: 6 };
    h.tree.next(cur);
    expect(cur).toEqual({ leaf: l2, pos: 0 });
    h.tree.prev(cur); // (l1, 7) and scan down
    expect(cur).toEqual({ leaf: l1, pos: 6 });
    h.tree.first(cur);
    expect(cur).toEqual({ leaf: l1, pos: 0 });
    h.tree.prev(cur);
    expect(cur).toEqual({ leaf: l1, pos: -1 });
    h.tree.last(cur);
    expect(cur).toEqual({ leaf: l2, pos: 6 });
    h.tree.next(cur);
    expect(cur).toEqual({ leaf: l2, pos: 7 });
    expect(h.tree.getExtent(cur, emptyMapping())).toBe(false);
    const got = emptyMapping();
    expect(h.tree.prevExtent(cur, got)).toBe(true);
    expect(got.offset).toBe(r(13));
    // peeks work on a copy
    const c2: Cursor = { leaf: l2, pos: 0 };
    expect(h.tree.peekPrevExtent(c2, got)).toBe(true);
    expect(got.offset).toBe(r(6));
    expect(h.tree.peekNextExtent(c2, got)).toBe(true);
    expect(got.offset).toBe(r(8));
    expect(c2).toEqual({ leaf: l2, pos: 0 });
  });

  it('prev skips back over a partially filled leaf', () => {
    const h = new H().append(21);
    h.removeRange(10, 12); // l2 = [r7 r8 r9 r13]
    const l2 = h.find(r(7)).leaf;
    const l3 = h.find(r(14)).leaf;
    const cur: Cursor = { leaf: l3, pos: 0 };
    h.tree.prev(cur);
    expect(cur).toEqual({ leaf: l2, pos: 3 });
  });
});

// ---------------------------------------------------------------------------

describe('lookup_extent / lookup_extent_before', () => {
  it('hit covering, hit after a hole, miss past the end (height 1: (root, count))', () => {
    const h = new H().append(3);
    const root = h.tree.root;
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    expect(h.tree.lookupExtent(r(1) + 0xfffn, cur, got)).toBe(true); // last byte of r1
    expect([cur, got.offset]).toEqual([{ leaf: root, pos: 1 }, r(1)]);
    expect(h.tree.lookupExtent(r(1) + LEN, cur, got)).toBe(true); // first byte after r1: r2
    expect([cur, got.offset]).toEqual([{ leaf: root, pos: 2 }, r(2)]);
    expect(h.tree.lookupExtent(r(2) + LEN, cur, got)).toBe(false);
    expect(cur).toEqual({ leaf: root, pos: 3 });
  });

  it('height 2: miss in a full last leaf leaves pos 7; a hole at the end of a leaf continues into the next leaf', () => {
    const h = new H().append(14);
    const l2 = h.find(r(7)).leaf;
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    expect(h.tree.lookupExtent(r(20), cur, got)).toBe(false);
    expect(cur).toEqual({ leaf: l2, pos: 7 });
    expect(h.tree.lookupExtent(r(6) + HALF, cur, got)).toBe(true);
    expect([cur, got.offset]).toEqual([{ leaf: l2, pos: 0 }, r(7)]);
    h.removeAt(r(13));
    expect(h.tree.lookupExtent(r(20), cur, got)).toBe(false);
    expect(cur).toEqual({ leaf: l2, pos: 6 });
  });

  it('lookup_extent_before: covering record, record before a hole, nothing before', () => {
    const h = new H().append(2, 1); // r1, r2
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    const end = { value: r(2) + 0x800n };
    expect(h.tree.lookupExtentBefore(end, cur, got)).toBe(true);
    expect([end.value, got.offset]).toEqual([r(2) + 0x800n, r(2)]);
    end.value = r(2); // end - 1 is in the hole before r2
    expect(h.tree.lookupExtentBefore(end, cur, got)).toBe(true);
    expect([end.value, got.offset]).toEqual([r(1) + LEN, r(1)]);
    end.value = r(5); // past the end: prev of the append point
    expect(h.tree.lookupExtentBefore(end, cur, got)).toBe(true);
    expect([end.value, got.offset]).toEqual([r(2) + LEN, r(2)]);
    end.value = HALF; // before r1: prev from (root, 0)
    expect(h.tree.lookupExtentBefore(end, cur, got)).toBe(false);
    expect(cur).toEqual({ leaf: h.tree.root, pos: -1 });
    expect(end.value).toBe(HALF);
  });
});

// ---------------------------------------------------------------------------

describe('64-bit edges of the comparisons (SPEC 2.2, 8.3)', () => {
  const NEG = -0x1000n; // a loff_t >= 2^63 as u64

  it('height 1: rec_cmp is signed, so a negative offset "hits" the first record', () => {
    const h = new H().append(3);
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    expect(h.tree.lookupExtent(-1n, cur, got)).toBe(true);
    expect([cur, got.offset]).toEqual([{ leaf: h.tree.root, pos: 0 }, 0n]);
    // lookup_extent_before with end = 0 (start + len wrapped): end - 1 = -1 finds r0, which starts after it; prev fails
    const end = { value: 0n };
    expect(h.tree.lookupExtentBefore(end, cur, got)).toBe(false);
  });

  it('height 2, root node not full: find_level runs off into ptrs[15] == NULL', () => {
    const h = new H().append(14);
    expect(h.tree.findLevel(u64(NEG), 1)).toBe(NULL);
    expect(h.tree.findLevel(u64(-1n), 1)).toBe(NULL);
    expect(h.tree.findLevel(KEY_INVALID, 1)).toBe(NULL); // LLONG_MIN: KEY_INVALID > 2^63 is false too
    const l2 = h.find(r(7)).leaf;
    expect(h.tree.findLevel(KEY_INVALID - 1n, 1)).toBe(l2); // LLONG_MAX < KEY_INVALID
    const cur: Cursor = { leaf: 0, pos: 3 };
    const got = emptyMapping();
    expect(h.tree.lookupExtent(NEG, cur, got)).toBe(false);
    expect(cur).toEqual({ leaf: NULL, pos: 0 });
    // lookup_extent_before(end = 0) then falls back to last(): the last record
    const end = { value: 0n };
    expect(h.tree.lookupExtentBefore(end, cur, got)).toBe(true);
    expect([cur, got.offset, end.value]).toEqual([{ leaf: l2, pos: 6 }, r(13), r(13) + LEN]);
  });

  it('height 3 with a root of 2 entries: NULL as well', () => {
    const h = new H().append(113);
    expect(h.tree.findLevel(u64(-1n), 1)).toBe(NULL);
    expect(h.tree.findLevel(u64(-1n), 2)).toBe(NULL);
  });

  it('offsets above 2^53 that differ only in the low bits compare exactly (records, keys)', () => {
    const B = (1n << 60n) + 1n;
    const h = new H();
    for (let k = 0; k < 8; k++) h.insertAt(B + 2n * BigInt(k), 1n); // [B,+1) [B+2,+1) ... [B+14,+1)
    expect(h.tree.height).toBe(2);
    expect(h.keys()).toEqual([B, B + 14n]);
    const l1 = h.find(B).leaf;
    const l2 = h.find(B + 14n).leaf;
    expect(h.tree.findLevel(B + 13n, 1)).toBe(l1);
    expect(h.tree.findLevel(B + 14n, 1)).toBe(l2);
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    expect(h.tree.lookupExtent(B + 1n, cur, got)).toBe(true); // B ends at B + 1: the next record
    expect([cur, got.offset]).toEqual([{ leaf: l1, pos: 1 }, B + 2n]);
    expect(h.tree.lookupExtent(B + 12n, cur, got)).toBe(true);
    expect([cur, got.offset]).toEqual([{ leaf: l1, pos: 6 }, B + 12n]);
    expect(h.tree.lookupExtent(B + 13n, cur, got)).toBe(true); // off the end of l1, into (l2, 0)
    expect([cur, got.offset]).toEqual([{ leaf: l2, pos: 0 }, B + 14n]);
    expect(h.tree.lookupExtent(B + 15n, cur, got)).toBe(false);
    expect(cur).toEqual({ leaf: l2, pos: 1 });
    h.removeAt(B + 14n); // l2 empties: the root collapses again
    expect(h.tree.height).toBe(1);
    h.insertAt(B - 1n, 1n); // in front of B: pos 0 of the full root
    expect(h.offsets()).toEqual([B - 1n, ...Array.from({ length: 7 }, (_, k) => B + 2n * BigInt(k))]);
    expect(h.keys()).toEqual([B - 1n, B + 8n]); // split: slots 4..6 (B+8, B+10, B+12) moved
    h.check();
  });

  it('height 2, full root node: ptrs[15] is the last leaf, whose first record "covers" the negative offset', () => {
    const h = new H().append(112);
    const l15 = h.find(r(105)).leaf;
    expect(h.tree.findLevel(u64(-1n), 1)).toBe(l15);
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    expect(h.tree.lookupExtent(-1n, cur, got)).toBe(true);
    expect([cur, got.offset]).toEqual([{ leaf: l15, pos: 0 }, r(105)]);
    // lookup_extent_before(end = 0): r105 starts after -1, prev steps into l14
    const end = { value: 0n };
    expect(h.tree.lookupExtentBefore(end, cur, got)).toBe(true);
    expect([h.at(cur), got.offset, end.value]).toEqual([{ id: h.id(h.find(r(98)).leaf), pos: 6 }, r(104), r(104) + LEN]);
  });
});
