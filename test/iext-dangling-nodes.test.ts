// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reads of a node fuse_iext_remove_node freed while its parent kept
 * pointing at it (src/iext/tree.ts IextTree.freeDangling): with keys out
 * of order or equal, node_pos names another slot, the C frees `victim`
 * anyway (its ASSERT(node->ptrs[pos] == victim) is compiled out) and
 * drops the other slot. Every later read through the kept pointer is a
 * use-after-free in the C, and must stop the model (KernelMemoryError)
 * naming the C function that makes it, at that read and not before.
 *
 * The trees here are put into that state the way removeNode does it: a
 * call of its freeDangling(victim, level) (level 3: the victim is a
 * level-2 node; level 2: a leaf), the parent left as it was. Each reader
 * is then driven through the public operations where one reaches it
 * (lookup, insert, remove, update_extent, first/last, destroy), directly
 * otherwise, and the same operations on the same tree with nothing freed
 * run clean. test/seed-native.test.ts (NODE_UAF_*) has the C doing it.
 *
 * Record i starts at i * 0x10000 and is 0x1000 long. Appending 2000 of
 * them in order gives a tree of height 4 whose leaves hold 7 records and
 * whose nodes are full (16 entries) but the last ones: root R (2 entries)
 * -> A = R[0] (16 level-2 nodes) -> N0 = A[0], N1 = A[1], ... (16 leaves
 * each, 112 records: N1 holds records 112..223).
 */
import { describe, expect, it } from 'vitest';
import { NULL } from '../src/iext/arena.js';
import { FUSE_GEOMETRY } from '../src/iext/geometry.js';
import { type Cursor, KernelMemoryError, KernelOops, type Mapping, emptyMapping } from '../src/iext/record.js';
import { IextTree } from '../src/iext/tree.js';

const STEP = 0x10000n;
const r = (i: number): bigint => STEP * BigInt(i);
const mapping = (offset: bigint): Mapping => ({ addr: 0x1000_0000n + offset, offset, length: 0x1000n, type: 2, flags: 0, dev: 1 });
const PER_NODE = 16 * 7; // records under one full level-2 node

/** the private members the checks live in */
interface Private {
  dangling: number;
  danglingNodes: Map<number, string>;
  freeDangling(victim: number, level: number): void;
  rebalanceNode(parent: number, pos: number, node: number, nr: number, level: number): number;
}
const priv = (t: IextTree) => t as unknown as Private;

/** a tree and the hook calls it made since mark() */
class T {
  readonly log: string[] = [];
  readonly tree = new IextTree(FUSE_GEOMETRY, {
    incSeq: () => this.log.push('inc_seq'),
    trace: (ev, cur) => this.log.push(`${ev}:${cur.pos}`),
  });

  constructor(n = 2000) {
    for (let i = 0; i < n; i++) {
      const cur: Cursor = { leaf: NULL, pos: 0 };
      expect(this.tree.lookupExtent(r(i), cur, emptyMapping())).toBe(false);
      this.tree.insertRaw(cur, mapping(r(i)));
    }
    this.log.length = 0;
  }

  child(node: number, i: number): number {
    return this.tree.arena.ptrs[node * this.tree.K + i];
  }

  /** R[0] (level 3) and its first two children */
  get A(): number {
    return this.child(this.tree.root, 0);
  }
  get N0(): number {
    return this.child(this.A, 0);
  }
  get N1(): number {
    return this.child(this.A, 1);
  }

  find(i: number): Cursor {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const got = emptyMapping();
    expect(this.tree.lookupExtent(r(i), cur, got)).toBe(true);
    expect(got.offset).toBe(r(i));
    return cur;
  }

  /** remove records hi, hi-1, ..., lo (each through a lookup, as fuse_iext_del_mapping's callers do) */
  removeDown(hi: number, lo: number): void {
    for (let i = hi; i >= lo; i--) this.tree.remove(this.find(i), 0);
  }

  /** what removeNode does at level 3 when node_pos names another slot than victim's: free it, keep the parent's pointer */
  freeNode(node: number): void {
    priv(this.tree).freeDangling(node, 3);
  }
}

const FREED = /fuse_iext_remove_node freed while its parent kept pointing at it .*: a use-after-free$/;

function memoryError(fn: () => void): KernelMemoryError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelMemoryError) return e;
    throw e;
  }
  throw new Error('no KernelMemoryError');
}

describe('the tree the tests start from', () => {
  it('has height 4, A full, N0 and N1 full level-2 nodes', () => {
    const t = new T();
    expect(t.tree.height).toBe(4);
    expect(t.tree.nodeNrEntries(t.tree.root, 0)).toBe(2);
    expect(t.tree.nodeNrEntries(t.A, 0)).toBe(16);
    expect(t.tree.nodeNrEntries(t.N0, 0)).toBe(16);
    expect(t.tree.nodeNrEntries(t.N1, 0)).toBe(16);
    expect(t.tree.leafKey(t.child(t.N1, 0), 0)).toBe(r(PER_NODE));
    expect(priv(t.tree).dangling).toBe(0);
  });

  it('freeDangling at level 3 frees the node for the accounting and keeps the pointer to it', () => {
    const t = new T();
    const { A, N1 } = t;
    const live = t.tree.arena.liveNodes;
    t.freeNode(N1);
    expect(priv(t.tree).dangling).toBe(1);
    expect(priv(t.tree).danglingNodes.has(N1)).toBe(true);
    expect(t.tree.arena.liveNodes).toBe(live - 1);
    expect(t.child(A, 1)).toBe(N1);
  });
});

describe('fuse_iext_update_node walks from the root through node pointers', () => {
  it('a remove of the first record under a freed node: the key update reads it', () => {
    const t = new T();
    const cur = t.find(PER_NODE); // the first record of N1's first leaf, found before N1 is freed
    t.freeNode(t.N1);
    const e = memoryError(() => t.tree.remove(cur, 0));
    expect(e.func).toBe('fuse_iext_update_node');
    expect(e.message).toMatch(/^memory error in fuse_iext_update_node: reads a node that /);
    expect(e.message).toMatch(FREED);
    // the remove ran up to the walk: its tracepoint and sequence bump came first
    expect(t.log).toEqual(['fuse_iext_remove:0', 'inc_seq']);
  });

  it('an update_extent moving the first record under a freed node', () => {
    const t = new T();
    const cur = t.find(PER_NODE);
    t.freeNode(t.N1);
    const e = memoryError(() => t.tree.updateExtent(0, cur, mapping(r(PER_NODE) + 0x100n)));
    expect(e.func).toBe('fuse_iext_update_node');
    expect(e.message).toMatch(FREED);
    // update_node comes before the tracepoints
    expect(t.log).toEqual(['inc_seq']);
  });

  it('walks that do not pass the freed node run clean, and so does everything with nothing freed', () => {
    const t = new T();
    const cur0 = t.find(PER_NODE - 7); // first record of N0's last leaf: the walk goes R, A, N0
    t.freeNode(t.N1);
    t.tree.updateExtent(0, cur0, mapping(r(PER_NODE - 7) + 0x100n));
    expect(t.tree.arena.keys[t.N0 * t.tree.K + 15]).toBe(r(PER_NODE - 7) + 0x100n);

    const clean = new T();
    const { A, N1 } = clean;
    clean.tree.updateExtent(0, clean.find(PER_NODE), mapping(r(PER_NODE) + 0x100n));
    expect(clean.tree.arena.keys[A * clean.tree.K + 1]).toBe(r(PER_NODE) + 0x100n);
    expect(clean.tree.arena.keys[N1 * clean.tree.K]).toBe(r(PER_NODE) + 0x100n);
    clean.tree.remove(clean.find(PER_NODE + 1), 0);
    expect(clean.tree.count()).toBe(1999);
  });
});

describe("fuse_iext_rebalance_node reads the siblings through the parent's pointers", () => {
  // emptying the last 9 leaves of N1 (63 records) leaves it 7 entries, under KEYS_PER_NODE / 2: it is rebalanced at level 3
  const lastOfN1 = 2 * PER_NODE - 1;
  const firstGone = 2 * PER_NODE - 63;

  it('the prev sibling: N1 under-full, N0 freed', () => {
    const t = new T();
    t.freeNode(t.N0);
    // the first 62 removes empty 8 leaves and most of a ninth, none under N0
    t.removeDown(lastOfN1, firstGone + 1);
    expect(t.tree.nodeNrEntries(t.N1, 0)).toBe(8);
    const e = memoryError(() => t.tree.remove(t.find(firstGone), 0));
    expect(e.func).toBe('fuse_iext_rebalance_node');
    expect(e.message).toMatch(/^memory error in fuse_iext_rebalance_node: reads a node that /);
    expect(e.message).toMatch(FREED);
    // the leaf was unlinked and its entry dropped from N1 before the parent's level
    expect(t.tree.nodeNrEntries(t.N1, 0)).toBe(7);
  });

  it('the next sibling: N0 under-full (no prev), N1 freed', () => {
    const t = new T();
    t.freeNode(t.N1);
    t.removeDown(PER_NODE - 1, PER_NODE - 62);
    const e = memoryError(() => t.tree.remove(t.find(PER_NODE - 63), 0));
    expect(e.func).toBe('fuse_iext_rebalance_node');
    expect(e.message).toMatch(FREED);
  });

  it('with nothing freed the same removes merge N1 into N0 and free it', () => {
    const t = new T();
    const { A, N0, N1 } = t;
    const live = t.tree.arena.liveNodes;
    t.removeDown(lastOfN1, firstGone);
    // N0 and N2 are full (7 + 16 > 16): N1 stays under-full
    expect(t.tree.nodeNrEntries(N1, 0)).toBe(7);
    expect(t.child(A, 0)).toBe(N0);
    expect(t.tree.arena.liveNodes).toBe(live);
    // and N0 emptied down to 7 merges with N1 (7 + 7): N1 goes
    t.removeDown(PER_NODE - 1, PER_NODE - 63);
    expect(t.tree.nodeNrEntries(N0, 0)).toBe(14);
    expect(t.child(A, 1)).not.toBe(N1);
    expect(t.tree.arena.liveNodes).toBe(live - 1);
    expect(priv(t.tree).dangling).toBe(0);
  });

  it("a pos past the parent's entries finds a NULL prev: an oops (node_nr_entries(NULL)), not a read of slot -1", () => {
    const t = new T();
    const R = t.tree.root;
    expect(t.child(R, 4)).toBe(NULL);
    expect(() => priv(t.tree).rebalanceNode(R, 5, t.A, 3, 3)).toThrow(/^kernel oops in fuse_iext_rebalance_node: NULL prev sibling at slot 4 of its parent$/);
  });
});

describe('fuse_iext_destroy_node', () => {
  it('reads a freed node (its keys) before it would kfree it again: a use-after-free', () => {
    const t = new T();
    t.freeNode(t.N1);
    const e = memoryError(() => t.tree.destroy());
    expect(e.func).toBe('fuse_iext_destroy_node');
    expect(e.message).toMatch(FREED);
  });

  it('frees a freed leaf again: a double free', () => {
    const t = new T();
    priv(t.tree).freeDangling(t.child(t.N1, 3), 2);
    expect(() => t.tree.destroy()).toThrow(/^memory error in fuse_iext_destroy_node: frees a leaf that fuse_iext_remove_node freed .*: a double free$/);
  });

  it('runs clean with nothing freed', () => {
    const t = new T();
    t.tree.destroy();
    expect(t.tree.height).toBe(0);
    expect(t.tree.arena.liveNodes).toBe(0);
  });
});

describe("a cursor on a freed leaf: the operation's own first read of it", () => {
  it('fuse_iext_remove reads the leaf key before its tracepoint and sequence bump', () => {
    const t = new T();
    const cur = t.find(PER_NODE + 2);
    priv(t.tree).freeDangling(cur.leaf, 2);
    const e = memoryError(() => t.tree.remove(cur, 0));
    expect(e.func).toBe('fuse_iext_remove');
    expect(e.message).toMatch(/^memory error in fuse_iext_remove: reads a leaf that fuse_iext_remove_node freed/);
    expect(t.log).toEqual([]);
  });

  it('fuse_iext_update_extent reads the old record at pos 0, and writes the record at any other pos after the pre_update tracepoint', () => {
    const t = new T();
    const c0 = t.find(PER_NODE);
    const c2 = t.find(PER_NODE + 2);
    priv(t.tree).freeDangling(c0.leaf, 2);
    expect(memoryError(() => t.tree.updateExtent(0, c0, mapping(r(PER_NODE) + 0x100n))).func).toBe('fuse_iext_update_extent');
    expect(t.log).toEqual(['inc_seq']);
    t.log.length = 0;
    expect(memoryError(() => t.tree.updateExtent(0, c2, mapping(r(PER_NODE + 2) + 0x100n))).func).toBe('fuse_iext_update_extent');
    expect(t.log).toEqual(['inc_seq', 'fuse_iext_pre_update:2']);
  });

  it('the same cursors with nothing freed', () => {
    const t = new T();
    t.tree.updateExtent(0, t.find(PER_NODE + 2), mapping(r(PER_NODE + 2) + 0x100n));
    t.tree.remove(t.find(PER_NODE), 0);
    expect(t.log).toEqual(['inc_seq', 'fuse_iext_pre_update:2', 'fuse_iext_post_update:2', 'fuse_iext_remove:0', 'inc_seq']);
  });
});

describe('find_level, find_first_leaf and find_last_leaf read the nodes on the way, their callers the block returned', () => {
  it('a lookup under a freed node: find_level reads it on the way down', () => {
    const t = new T();
    t.freeNode(t.N1);
    expect(memoryError(() => t.find(PER_NODE + 3)).message).toMatch(/^memory error in fuse_iext_find_level: reads a node that fuse_iext_remove_node freed/);
    // a lookup whose path does not pass it runs clean
    expect(t.find(PER_NODE - 1).pos).toBe(6);
  });

  it('a lookup in a freed leaf: fuse_iext_lookup_extent reads it (find_level only returns it)', () => {
    const t = new T();
    priv(t.tree).freeDangling(t.child(t.N1, 0), 2);
    expect(memoryError(() => t.find(PER_NODE + 3)).func).toBe('fuse_iext_lookup_extent');
  });

  it('insert_node: the node find_level returns at level 2 is read by node_insert_pos', () => {
    const t = new T();
    // a cursor in N1's first leaf (full), taken before N1 is freed: the insert splits the leaf and inserts the new one into N1
    const cur = t.find(PER_NODE + 3);
    cur.pos = 4;
    t.freeNode(t.N1);
    expect(memoryError(() => t.tree.insertRaw(cur, mapping(r(PER_NODE + 3) + 0x8000n))).func).toBe('fuse_iext_insert_node');
    const clean = new T();
    const c = clean.find(PER_NODE + 3);
    c.pos = 4;
    clean.tree.insertRaw(c, mapping(r(PER_NODE + 3) + 0x8000n));
    // the leaf splits at pos 4 (4 kept; the new leaf starts with the inserted record); N1 was full: it splits
    // (8 kept, the new leaf at slot 1), and so does A, which adds an entry to the root
    expect(clean.tree.nodeNrEntries(clean.N1, 0)).toBe(9);
    expect(clean.tree.leafKey(clean.child(clean.N1, 1), 0)).toBe(r(PER_NODE + 3) + 0x8000n);
    expect(clean.tree.nodeNrEntries(clean.tree.root, 0)).toBe(3);
    expect(clean.tree.count()).toBe(2001);
  });

  it('fuse_iext_last reads the last leaf; fuse_iext_first does not read the first (fuse_iext_valid does)', () => {
    const t = new T();
    const R = t.tree.root;
    const lastNode = t.child(R, 1);
    const lastL2 = t.child(lastNode, t.tree.nodeNrEntries(lastNode, 0) - 1);
    const lastLeaf = t.child(lastL2, t.tree.nodeNrEntries(lastL2, 0) - 1);
    const firstLeaf = t.child(t.N0, 0);
    priv(t.tree).freeDangling(lastLeaf, 2);
    priv(t.tree).freeDangling(firstLeaf, 2);
    const cur: Cursor = { leaf: NULL, pos: 0 };
    expect(memoryError(() => t.tree.last(cur)).func).toBe('fuse_iext_last');
    t.tree.first(cur);
    expect(cur).toEqual({ leaf: firstLeaf, pos: 0 });
    expect(memoryError(() => t.tree.getExtent(cur, emptyMapping())).func).toBe('fuse_iext_valid');
  });
});

