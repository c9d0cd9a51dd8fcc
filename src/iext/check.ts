// SPDX-License-Identifier: GPL-2.0-only
/*
 * Structural checker for the in-core extent B+tree (IextTree).
 *
 * checkTreeStructure() walks the arena's typed arrays directly, without
 * going through the tree's navigation methods, and reports every invariant
 * the C (fs/fuse/iomap_cache.c fuse_iext_*, seed 001 L7273-8328, ported from
 * xfs_iext_tree.c) maintains between two operations:
 *
 *   - height 0 <=> root NULL <=> if_bytes 0; if_bytes a whole number of records;
 *   - height 1: the root is a live leaf whose first count() records are
 *     non-empty, the rest empty (all-zero, as fuse_iext_rec_clear and the
 *     zeroing krealloc leave them), no siblings;
 *   - height >= 2: every node's used key slots form a prefix (keys !=
 *     KEY_INVALID, ptrs non-NULL exactly there), keys strictly increasing,
 *     each key equal to the first key of the child below it (a leaf's key
 *     is its first record offset as u64), every non-root node has >= 1
 *     entry and the root >= 2 (a root left with one entry is collapsed),
 *     all leaves at depth height, each leaf holds 1..RECS_PER_LEAF records
 *     packed at the front, the prev/next chain visits exactly the leaves
 *     of the tree in key order with consistent back links and NULL ends;
 *   - records sorted by offset (as u64 keys) across the whole tree;
 *   - the number of records equals count() (if_bytes / record size);
 *   - the I64 columns of every live leaf and node are coherent: each double
 *     is an integer, and where it is beyond 2^53 the side array holds an
 *     exact value whose Number() (of the offset as the geometry compares
 *     it) is that double.
 *
 * Fill lower bounds (half-full leaves and nodes) are deliberately NOT
 * checked: the C keeps an under-full leaf or node whenever its neighbours
 * are too full to merge with it.
 */
import { NULL, ONES_D, SAFE } from './arena.js';
// HEIGHT_LIMIT, deeper than any tree that fits in memory, also guards the walk against garbage heights
import { HEIGHT_LIMIT, type IextTree } from './tree.js';
import { type I64, toBig } from '../util/int64.js';

const KEY_INVALID = 0x8000_0000_0000_0000n; // FUSE_IEXT_KEY_INVALID
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const hex = (x: bigint): string => '0x' + u64(x).toString(16);

/** Stop collecting after this many problems (a broken tree can yield thousands). */
const MAX_PROBLEMS = 64;

/** Returns human-readable violations; an empty array means the tree is sound. */
export function checkTreeStructure(tree: IextTree): string[] {
  const out: string[] = [];
  const report = (msg: string): void => {
    if (out.length < MAX_PROBLEMS) out.push(msg);
  };

  const a = tree.arena;
  const R = tree.R;
  const K = tree.K;
  const recSize = tree.geometry.recSize;
  const height = tree.height;
  const root = tree.root;
  const bytes = tree.bytes;
  const leafSlots = a.prev.length;
  const nodeSlots = a.nodeId.length;
  const signed = tree.geometry.signedOffsets;
  const off = (j: number): bigint => toBig(a.offI(j));
  const len = (j: number): bigint => toBig(a.lenI(j));
  const addr = (j: number): bigint => toBig(a.addrI(j));
  const keyAt = (j: number): bigint => toBig(a.keyI(j));

  /** d is the value, or (beyond 2^53) Number() of the exact value x as asD sees it */
  const checkExact = (d: number, x: I64 | undefined, asD: (v: bigint) => number, what: string): void => {
    if (!Number.isInteger(d)) report(`${what}: double ${d} is not an integer`);
    else if (d > SAFE || d < -SAFE) {
      if (x === undefined) report(`${what}: double ${d} is beyond 2^53 but there is no exact value`);
      else if (asD(toBig(x)) !== d) report(`${what}: double ${d} != Number(exact value ${hex(toBig(x))})`);
    }
  };
  const asU64 = (v: bigint): number => (v >= 0n && v <= 0xffff_ffff_ffff_ffffn ? Number(v) : NaN);
  const asOff = (v: bigint): number => (v < -(1n << 63n) || v >= 1n << 63n ? NaN : signed ? Number(v) : Number(u64(v)));
  const checkLeafMirrors = (leaf: number, where: string): void => {
    for (let i = 0; i < R; i++) {
      const j = leaf * R + i;
      checkExact(a.offD(j), a.offX?.[j], asOff, `${where}: record ${i} offset`);
      checkExact(a.lenD(j), a.lenX?.[j], asU64, `${where}: record ${i} length`);
      // Infinity: the all-ones addr, which has no side value (arena.ts ONES_D)
      if (a.addrD(j) !== ONES_D) checkExact(a.addrD(j), a.addrX?.[j], asU64, `${where}: record ${i} addr`);
    }
  };
  const checkNodeMirrors = (node: number, where: string): void => {
    for (let i = 0; i < K; i++) {
      const j = node * K + i;
      checkExact(a.keysD[j], a.keysX?.[j], asU64, `${where}: keys[${i}]`);
    }
  };

  if (!Number.isInteger(bytes) || bytes < 0 || bytes % recSize !== 0)
    report(`if_bytes ${bytes} is not a whole number of ${recSize}-byte records`);
  const count = Math.floor(bytes / recSize);

  if (!Number.isInteger(height) || height < 0 || height > HEIGHT_LIMIT) {
    report(`height ${height} out of range`);
    return out;
  }

  if (height === 0 || root === NULL || bytes === 0) {
    if (height !== 0) report(`height ${height} but ${root === NULL ? 'root is NULL' : 'if_bytes is 0'}`);
    if (root !== NULL) report(`height ${height} / if_bytes ${bytes} but root is ${root}, not NULL`);
    if (bytes !== 0) report(`height ${height} / root ${root} but if_bytes is ${bytes}`);
    return out;
  }

  const leafOk = (leaf: number, where: string): boolean => {
    if (!Number.isInteger(leaf) || leaf < 0 || leaf >= leafSlots) report(`${where}: leaf slot ${leaf} out of range`);
    else if (a.leafId[leaf] === 0) report(`${where}: leaf slot ${leaf} is free (use after free)`);
    else return true;
    return false;
  };
  const nodeOk = (node: number, where: string): boolean => {
    if (!Number.isInteger(node) || node < 0 || node >= nodeSlots) report(`${where}: node slot ${node} out of range`);
    else if (a.nodeId[node] === 0) report(`${where}: node slot ${node} is free (use after free)`);
    else return true;
    return false;
  };

  /** Records packed at the front of a leaf; returns the number of records. */
  const checkLeafRecords = (leaf: number, max: number, where: string): number => {
    const base = leaf * R;
    let n = 0;
    while (n < max && len(base + n) !== 0n) n++;
    for (let i = n; i < R; i++) {
      const j = base + i;
      if (len(j) !== 0n) {
        report(`${where}: record ${i} is non-empty after the empty record ${n} (records not packed, or beyond max_recs ${max})`);
      } else if (off(j) !== 0n || addr(j) !== 0n || a.typeFlags(j) !== 0 || a.dev(j) !== 0) {
        report(`${where}: empty record ${i} is not all-zero`);
      }
    }
    for (let i = 1; i < n; i++) {
      if (u64(off(base + i - 1)) >= u64(off(base + i)))
        report(`${where}: record ${i} offset ${hex(off(base + i))} not above record ${i - 1} offset ${hex(off(base + i - 1))}`);
    }
    return n;
  };

  if (height === 1) {
    if (!leafOk(root, 'root leaf')) return out;
    if (count > R) report(`height 1 root leaf holds count() = ${count} > RECS_PER_LEAF ${R} records`);
    const n = checkLeafRecords(root, Math.min(count, R), 'root leaf');
    checkLeafMirrors(root, 'root leaf');
    if (n !== count) report(`root leaf has ${n} non-empty leading records, count() is ${count}`);
    if (a.prev[root] !== NULL || a.next[root] !== NULL)
      report(`height 1 root leaf has siblings (prev ${a.prev[root]}, next ${a.next[root]})`);
    return out;
  }

  // height >= 2: depth-first walk, collecting the leaves in key order.
  if (!nodeOk(root, 'root node')) return out;
  const leaves: number[] = [];
  const seenNodes = new Set<number>();
  const seenLeaves = new Set<number>();
  let total = 0;

  /** Walk a node at level >= 2; returns its first key, or undefined when unusable. */
  const walkNode = (node: number, level: number, path: string): bigint | undefined => {
    if (seenNodes.has(node)) {
      report(`${path}: node slot ${node} reached twice (shared subtree or cycle)`);
      return undefined;
    }
    seenNodes.add(node);
    checkNodeMirrors(node, path);
    const base = node * K;
    let nr = 0;
    while (nr < K && keyAt(base + nr) !== KEY_INVALID) nr++;
    for (let i = 0; i < K; i++) {
      const used = i < nr;
      const key = keyAt(base + i);
      const ptr = a.ptrs[base + i];
      if (!used && key !== KEY_INVALID) report(`${path}: key slot ${i} = ${hex(key)} used after the first KEY_INVALID slot ${nr}`);
      if (used && ptr === NULL) report(`${path}: key slot ${i} = ${hex(key)} has a NULL ptr`);
      if (!used && ptr !== NULL) report(`${path}: unused slot ${i} has ptr ${ptr}, not NULL`);
    }
    if (nr === 0) {
      report(`${path}: node has no entries`);
      return undefined;
    }
    if (node === root && nr < 2) report(`${path}: root node has ${nr} entry (a one-entry root is collapsed)`);
    for (let i = 1; i < nr; i++) {
      if (keyAt(base + i - 1) >= keyAt(base + i))
        report(`${path}: keys[${i}] = ${hex(keyAt(base + i))} not above keys[${i - 1}] = ${hex(keyAt(base + i - 1))}`);
    }
    for (let i = 0; i < nr; i++) {
      const key = keyAt(base + i);
      const child = a.ptrs[base + i];
      if (child === NULL) continue;
      const cpath = `${path}/${i}`;
      let first: bigint | undefined;
      if (level === 2) {
        if (!leafOk(child, `${cpath} (leaf)`)) continue;
        first = walkLeaf(child, `${cpath} (leaf ${child})`);
      } else {
        if (!nodeOk(child, `${cpath} (node)`)) continue;
        first = walkNode(child, level - 1, `${cpath} (node ${child}, level ${level - 1})`);
      }
      if (first !== undefined && first !== key)
        report(`${path}: keys[${i}] = ${hex(key)} but the first key of its child is ${hex(first)}`);
    }
    return keyAt(base);
  };

  const walkLeaf = (leaf: number, path: string): bigint | undefined => {
    if (seenLeaves.has(leaf)) {
      report(`${path}: leaf slot ${leaf} reached twice`);
      return undefined;
    }
    seenLeaves.add(leaf);
    leaves.push(leaf);
    const n = checkLeafRecords(leaf, R, path);
    checkLeafMirrors(leaf, path);
    total += n;
    if (n === 0) {
      report(`${path}: leaf has no records`);
      return undefined;
    }
    return u64(off(leaf * R));
  };

  walkNode(root, height, `root (node ${root}, level ${height})`);

  if (total !== count) report(`the tree holds ${total} records, count() is ${count}`);

  // Records sorted across leaves (within a leaf is checked above).
  for (let i = 1; i < leaves.length; i++) {
    const p = leaves[i - 1];
    const l = leaves[i];
    let pn = 0;
    while (pn < R && len(p * R + pn) !== 0n) pn++;
    if (pn === 0 || len(l * R) === 0n) continue;
    const last = u64(off(p * R + pn - 1));
    const first = u64(off(l * R));
    if (last >= first) report(`leaf ${l} (#${i} in key order) starts at ${hex(first)}, not above the last record ${hex(last)} of leaf ${p}`);
  }

  // The sibling chain visits exactly the leaves, in key order.
  if (leaves.length > 0) {
    if (a.prev[leaves[0]] !== NULL) report(`first leaf ${leaves[0]} has prev ${a.prev[leaves[0]]}, not NULL`);
    let cur = leaves[0];
    let i = 0;
    for (;;) {
      const nx = a.next[cur];
      if (nx === NULL) break;
      i++;
      if (i >= leaves.length) {
        report(`leaf chain continues past the last leaf ${leaves[leaves.length - 1]} (to ${nx})`);
        break;
      }
      if (nx !== leaves[i]) {
        report(`leaf chain: next of leaf ${cur} is ${nx}, expected leaf ${leaves[i]} (#${i} in key order)`);
        break;
      }
      if (a.prev[nx] !== cur) report(`leaf chain: prev of leaf ${nx} is ${a.prev[nx]}, expected ${cur}`);
      cur = nx;
    }
    if (i < leaves.length - 1 && a.next[cur] === NULL)
      report(`leaf chain ends at leaf ${cur} after ${i + 1} of ${leaves.length} leaves`);
  }

  return out;
}
