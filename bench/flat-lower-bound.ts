// SPDX-License-Identifier: GPL-2.0-only
/*
 * NOT the model: a lower bound for any JavaScript implementation of the
 * grow run, measured beside the model and the seed's C (grow.bench.ts).
 *
 * A flat B+tree of the fuse geometry (7 records of four doubles a leaf, 16
 * keys a node, leaves and nodes in typed arrays) runs the scenario's
 * commands with the cache's work shape and little else: an upsert looks up
 * the extent before the range's end and drops what it overlaps, then looks
 * the offset up again and merges with a neighbour or inserts (splitting
 * leaves and nodes, lowering parent keys); remove and invalidate drop a
 * range; a lookup descends and scans. Values are doubles (the all-ones
 * address is Infinity). It leaves out everything faithfulness costs: no
 * cursor semantics, no leaf rebalancing or freeing, overlaps dropped only
 * within one leaf, no sequence counter rules, no events, no 64-bit
 * exactness, no output. So its time is what the grow run could cost in
 * this language on this machine at best; the model's time over it is the
 * price of the model's structure and fidelity.
 */
import type { I64 } from '../src/util/int64.js';
import { commandTable, type Scenario } from '../src/scenario/parse.js';

const R = 7; // records a leaf
const K = 16; // keys a node
const RS = 4; // doubles a record: offset, length, addr, type | flags << 16 | dev * 2^32
const LEAF = R * RS;

const num = (v: I64): number => (typeof v === 'number' ? v : Number(v) >= 2 ** 64 - 1 ? Infinity : Number(v));

class FlatTree {
  rec = new Float64Array(1024 * LEAF);
  keys = new Float64Array(256 * K).fill(Infinity);
  ptrs = new Int32Array(256 * K).fill(-1);
  leaves = 1;
  nodes = 0;
  root = 0;
  height = 1;
  records = 0;
  /** the last descent: the node at each level and the slot taken in it */
  private readonly pathNode = new Int32Array(40);
  private readonly pathSlot = new Int32Array(40);

  /** the leaf whose key range holds key */
  descend(key: number): number {
    const keys = this.keys;
    let node = this.root;
    for (let h = this.height; h > 1; h--) {
      const b = node * K;
      let i = 1;
      while (i < K && keys[b + i] <= key) i++;
      this.pathNode[h] = node;
      this.pathSlot[h] = i - 1;
      node = this.ptrs[b + i - 1];
    }
    return node;
  }

  /** the first record of leaf ending after off (R when none) */
  pos(leaf: number, off: number): number {
    const rec = this.rec;
    const b = leaf * LEAF;
    let i = 0;
    while (i < R && rec[b + i * RS + 1] !== 0 && rec[b + i * RS] + rec[b + i * RS + 1] <= off) i++;
    return i;
  }

  count(leaf: number): number {
    const b = leaf * LEAF + 1;
    let n = 0;
    while (n < R && this.rec[b + n * RS] !== 0) n++;
    return n;
  }

  /** drop [off, end) from the leaf holding end - 1 */
  drop(off: number, end: number): void {
    const leaf = this.descend(end - 1);
    const rec = this.rec;
    const b = leaf * LEAF;
    let n = this.count(leaf);
    for (let i = this.pos(leaf, off); i < n; ) {
      const o = b + i * RS;
      const ro = rec[o];
      const re = ro + rec[o + 1];
      if (ro >= end) break;
      if (ro < off && re > end) {
        // the range is inside the record: keep both ends (a leaf with room only)
        if (n === R) return;
        rec.copyWithin(o + 2 * RS, o + RS, b + n * RS);
        rec[o + 1] = off - ro;
        rec[o + RS] = end;
        rec[o + RS + 1] = re - end;
        rec[o + RS + 2] = rec[o + 2] === Infinity ? Infinity : rec[o + 2] + (end - ro);
        rec[o + RS + 3] = rec[o + 3];
        this.records++;
        return;
      }
      if (ro < off) {
        rec[o + 1] = off - ro;
        i++;
      } else if (re > end) {
        rec[o] = end;
        rec[o + 1] = re - end;
        if (rec[o + 2] !== Infinity) rec[o + 2] += end - ro;
        i++;
      } else {
        rec.copyWithin(o, o + RS, b + n * RS);
        n--;
        rec.fill(0, b + n * RS, b + n * RS + RS);
        this.records--;
      }
    }
  }

  /** add [off, off + len) at addr with meta, merging with an adjacent neighbour in the leaf */
  add(off: number, len: number, addr: number, meta: number): void {
    let leaf = this.descend(off);
    const rec = this.rec;
    let b = leaf * LEAF;
    let n = this.count(leaf);
    let p = this.pos(leaf, off);
    if (p > 0) {
      const l = b + (p - 1) * RS;
      if (rec[l + 3] === meta && rec[l] + rec[l + 1] === off && (addr === Infinity ? rec[l + 2] === Infinity : rec[l + 2] + rec[l + 1] === addr)) {
        rec[l + 1] += len;
        return;
      }
    }
    if (p < n) {
      const r = b + p * RS;
      if (rec[r + 3] === meta && off + len === rec[r] && (addr === Infinity ? rec[r + 2] === Infinity : addr + len === rec[r + 2])) {
        rec[r] = off;
        rec[r + 1] += len;
        rec[r + 2] = addr;
        if (p === 0) this.lowerKeys(off);
        return;
      }
    }
    let split = false;
    if (n === R) {
      const nl = this.newLeaf();
      const nb = nl * LEAF;
      // an append at the end of the leaf starts an empty leaf; else the upper half moves
      const half = p === R ? R : R >> 1;
      this.rec.set(this.rec.subarray(b + half * RS, b + R * RS), nb);
      this.rec.fill(0, b + half * RS, b + R * RS);
      // the new leaf's key: its first record once the new one is in
      const key = p === half ? off : this.rec[nb];
      if (p >= half) {
        p -= half;
        leaf = nl;
        b = nb;
        n = R - half;
        split = true;
      } else n = half;
      this.insertKey(2, key, nl);
    }
    const r = this.rec;
    r.copyWithin(b + (p + 1) * RS, b + p * RS, b + n * RS);
    const o = b + p * RS;
    r[o] = off;
    r[o + 1] = len;
    r[o + 2] = addr;
    r[o + 3] = meta;
    this.records++;
    if (p === 0 && !split) this.lowerKeys(off);
  }

  /** a record now starts at key at the front of the last descent's leaf: lower the keys above it */
  private lowerKeys(key: number): void {
    for (let h = 2; h <= this.height; h++) {
      const at = this.pathNode[h] * K + this.pathSlot[h];
      if (this.keys[at] <= key) return;
      this.keys[at] = key;
    }
  }

  private newLeaf(): number {
    if ((this.leaves + 1) * LEAF > this.rec.length) {
      const grown = new Float64Array(this.rec.length * 2);
      grown.set(this.rec);
      this.rec = grown;
    }
    return this.leaves++;
  }

  private newNode(): number {
    if ((this.nodes + 1) * K > this.keys.length) {
      const keys = new Float64Array(this.keys.length * 2).fill(Infinity);
      keys.set(this.keys);
      const ptrs = new Int32Array(this.ptrs.length * 2).fill(-1);
      ptrs.set(this.ptrs);
      this.keys = keys;
      this.ptrs = ptrs;
    }
    return this.nodes++;
  }

  /** (key, child) into the node of the last descent at level, splitting upward; a new root above the top */
  private insertKey(level: number, key: number, child: number): void {
    if (level > this.height) {
      const firstKey = this.height === 1 ? this.rec[this.root * LEAF] : this.keys[this.root * K];
      const nr = this.newNode();
      this.keys[nr * K] = firstKey;
      this.ptrs[nr * K] = this.root;
      this.keys[nr * K + 1] = key;
      this.ptrs[nr * K + 1] = child;
      this.root = nr;
      this.height++;
      return;
    }
    const node = this.pathNode[level];
    const b = node * K;
    const keys = this.keys;
    const ptrs = this.ptrs;
    let n = 0;
    while (n < K && ptrs[b + n] !== -1) n++;
    let p = 0;
    while (p < n && keys[b + p] <= key) p++;
    if (n < K) {
      keys.copyWithin(b + p + 1, b + p, b + n);
      ptrs.copyWithin(b + p + 1, b + p, b + n);
      keys[b + p] = key;
      ptrs[b + p] = child;
      return;
    }
    const half = K >> 1;
    const nn = this.newNode();
    const k2 = this.keys;
    const p2 = this.ptrs;
    const nb = nn * K;
    k2.copyWithin(nb, b + half, b + K);
    p2.copyWithin(nb, b + half, b + K);
    k2.fill(Infinity, b + half, b + K);
    p2.fill(-1, b + half, b + K);
    const into = p <= half ? b : nb;
    const at = p <= half ? p : p - half;
    k2.copyWithin(into + at + 1, into + at, into + half);
    p2.copyWithin(into + at + 1, into + at, into + half);
    k2[into + at] = key;
    p2[into + at] = child;
    this.insertKey(level + 1, k2[nb], nn);
  }

  /** the record holding off, as a lookup hit would trim it (1 when there is one) */
  lookup(off: number): number {
    const leaf = this.descend(off);
    const p = this.pos(leaf, off);
    return p < R && this.rec[leaf * LEAF + p * RS + 1] !== 0 && this.rec[leaf * LEAF + p * RS] <= off ? 1 : 0;
  }
}

export interface FlatResult {
  records: number;
  hits: number;
  leaves: number;
  height: number;
}

/** The parsed scenario's cache commands on two flat trees (read and write fork). */
export function runFlat(sc: Scenario): FlatResult {
  const table = commandTable(sc);
  if (!table) throw new Error('runFlat: the scenario has no command table (its commands were replaced)');
  const forks = [new FlatTree(), new FlatTree()];
  let hits = 0;
  for (let i = 0; i < table.length; i++) {
    const c = table.get(i);
    switch (c.op) {
      case 'add':
      case 'upsert': {
        const t = forks[c.fork];
        const m = c.map;
        const off = num(m.offset);
        const len = num(m.length);
        if (c.op === 'upsert') t.drop(off, off + len);
        t.add(off, len, num(m.addr), m.type + m.flags * 65536 + m.dev * 2 ** 32);
        break;
      }
      case 'remove': {
        const off = num(c.offset);
        forks[c.fork].drop(off, off + num(c.length));
        break;
      }
      case 'invalidate': {
        const off = num(c.offset);
        const end = off + num(c.length);
        forks[0].drop(off, end);
        forks[1].drop(off, end);
        break;
      }
      case 'lookup':
        hits += forks[c.fork].lookup(num(c.pos));
        break;
    }
  }
  return {
    records: forks[0].records + forks[1].records,
    hits,
    leaves: forks[0].leaves + forks[1].leaves,
    height: Math.max(forks[0].height, forks[1].height),
  };
}
