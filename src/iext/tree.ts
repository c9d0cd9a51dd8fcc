// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-core extent B+tree of one fork: fs/fuse/iomap_cache.c fuse_iext_*
 * (RFC v3, seed 001 L7273-8328), itself a port of
 * fs/xfs/libxfs/xfs_iext_tree.c. Each method names the C function it
 * models; the order of every step (sequence bump, key propagation, cursor
 * moves, allocation and freeing) follows the C, because the cursor slot,
 * the leaf identity and the trace events depend on it.
 *
 * Keys are u64 (node->keys[]); record offsets are loff_t. A loff_t offset
 * compared with a key is converted to u64, exactly as the C does.
 */
import { IextArena, NULL } from './arena.js';
import { type Geometry, kmallocSize } from './geometry.js';
import { type Cursor, type Mapping, KernelOops } from './record.js';

const KEY_INVALID = 0x8000_0000_0000_0000n; // FUSE_IEXT_KEY_INVALID
const KEY_INVALID_F = 2 ** 63;
const EXACT_LIMIT = 2 ** 53; // doubles below this are exact integers
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const S64_MIN = -0x8000_0000_0000_0000n;
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

/** An allocation the kernel would perform (kzalloc/krealloc/kfree). */
export type AllocEvent =
  | { op: 'alloc'; kind: 'leaf' | 'node'; id: number; addr: number; size: number }
  | { op: 'free'; kind: 'leaf' | 'node'; id: number; addr: number; size: number }
  /** krealloc of a height-1 root; moved when the new size exceeds ksize(). */
  | { op: 'realloc'; kind: 'leaf'; id: number; addr: number; oldAddr: number; size: number; oldSize: number; moved: boolean };

/** Tracepoints of fuse_iext_class that the tree itself fires. */
export type IextCursorEvent = 'fuse_iext_insert' | 'fuse_iext_remove' | 'fuse_iext_pre_update' | 'fuse_iext_post_update';

export interface IextHooks {
  /** fuse_iext_inc_seq / xfs_iext_inc_seq: called where the C bumps the counter. */
  incSeq(): void;
  /** Fired at the tracepoints of fuse_iext_class; cursor as the C has it then. */
  trace?: (event: IextCursorEvent, cur: Cursor, state: number) => void;
  onAlloc?: (ev: AllocEvent) => void;
  /** a record key equal to FUSE_IEXT_KEY_INVALID was written into a node (SPEC 8.2) */
  onKeyInvalid?: () => void;
}

/** struct fuse_ifork: if_bytes, if_data (root), if_height. */
export class IextTree {
  bytes = 0; // if_bytes
  height = 0; // if_height
  root = NULL; // if_data: a leaf slot at height 1, a node slot above

  readonly R: number; // RECS_PER_LEAF
  readonly K: number; // KEYS_PER_NODE
  private readonly recSize: number;
  private readonly signed: boolean;
  // split_leaf / split_node results (the C returns them through pointers)
  private splitNr = 0;
  private splitNode_ = NULL;
  private splitPos = 0;
  private readonly peekCur: Cursor = { leaf: NULL, pos: 0 };

  constructor(
    readonly geometry: Geometry,
    readonly hooks: IextHooks,
    readonly arena: IextArena = new IextArena(geometry),
  ) {
    if (arena.geometry !== geometry) throw new Error('arena geometry differs from tree geometry');
    this.R = geometry.recsPerLeaf;
    this.K = geometry.keysPerNode;
    this.recSize = geometry.recSize;
    this.signed = geometry.signedOffsets;
  }

  // ------------------------------------------------------------------ basics

  /** fuse_iext_count */
  count(): number {
    return this.bytes / this.recSize;
  }

  /** fuse_iext_max_recs */
  maxRecs(): number {
    return this.height === 1 ? this.count() : this.R;
  }

  /** fuse_iext_valid */
  valid(cur: Cursor): boolean {
    if (cur.leaf === NULL) return false;
    if (cur.pos < 0 || cur.pos >= this.maxRecs()) return false;
    return this.arena.lenF[cur.leaf * this.R + cur.pos] !== 0;
  }

  /** fuse_iext_leaf_key: the record offset as a u64 key */
  leafKey(leaf: number, n: number): bigint {
    return u64(this.arena.off[leaf * this.R + n]);
  }

  /**
   * fuse_iext_rec_cmp(rec, offset): 1 if the record starts after offset, -1
   * if it ends at or before it. offsetF = Number(offset as the geometry
   * compares it), uoffsetF = Number(u64 offset); see IextArena.offF.
   */
  private recCmp(i: number, offset: bigint, uoffset: bigint, offsetF: number, uoffsetF: number): number {
    const a = this.arena;
    const of = a.offF[i];
    if (of !== offsetF) {
      if (of > offsetF) return 1;
    } else if (this.signed ? a.off[i] > offset : u64(a.off[i]) > uoffset) {
      return 1;
    }
    // rec->offset + rec->length <= offset, the sum in u64 (wraps)
    const end = of + a.lenF[i];
    if (of >= 0 && end < EXACT_LIMIT) return end <= uoffsetF ? -1 : 0;
    return u64(a.off[i] + a.len[i]) <= uoffset ? -1 : 0;
  }

  /** Number() of an offset as this geometry compares record offsets */
  private offsetF(offset: bigint): number {
    return this.signed ? Number(offset) : Number(u64(offset));
  }

  /** node->keys[i] > key (u64), decided on the double mirrors when they differ */
  private keyGt(i: number, key: bigint, keyF: number): boolean {
    const kf = this.arena.keysF[i];
    return kf !== keyF ? kf > keyF : this.arena.keys[i] > key;
  }

  private keyIsInvalid(i: number): boolean {
    return this.arena.keysF[i] === KEY_INVALID_F && this.arena.keys[i] === KEY_INVALID;
  }

  private setKey(i: number, key: bigint): void {
    this.arena.keys[i] = key;
    this.arena.keysF[i] = Number(key);
  }

  /** a key that came from a record offset (not an empty-slot marker) */
  private setRecordKey(i: number, key: bigint): void {
    if (key === KEY_INVALID) this.hooks.onKeyInvalid?.();
    this.setKey(i, key);
  }

  private copyKey(to: number, from: number): void {
    this.arena.keys[to] = this.arena.keys[from];
    this.arena.keysF[to] = this.arena.keysF[from];
  }

  /** fuse_iext_get: copy the record at absolute index i */
  readRec(i: number, out: Mapping): Mapping {
    const a = this.arena;
    out.addr = a.addr[i];
    out.offset = a.off[i];
    out.length = a.len[i];
    const tf = a.typeFlags[i];
    out.type = tf & 0xffff;
    out.flags = tf >>> 16;
    out.dev = a.dev[i];
    return out;
  }

  /** fuse_iext_set */
  private writeRec(i: number, m: Mapping): void {
    const a = this.arena;
    a.addr[i] = m.addr;
    a.off[i] = m.offset;
    a.len[i] = m.length;
    a.offF[i] = this.offsetF(a.off[i]);
    a.lenF[i] = Number(a.len[i]);
    a.typeFlags[i] = (m.type & 0xffff) | ((m.flags & 0xffff) << 16);
    a.dev[i] = m.dev;
  }

  /** memmove of n records (absolute indexes; ranges may overlap) */
  private moveRecs(to: number, from: number, n: number): void {
    if (n <= 0) return;
    const a = this.arena;
    const end = from + n;
    a.addr.copyWithin(to, from, end);
    a.off.copyWithin(to, from, end);
    a.len.copyWithin(to, from, end);
    a.offF.copyWithin(to, from, end);
    a.lenF.copyWithin(to, from, end);
    a.typeFlags.copyWithin(to, from, end);
    a.dev.copyWithin(to, from, end);
  }

  /** fuse_iext_rec_clear */
  private clearRec(i: number): void {
    const a = this.arena;
    a.addr[i] = 0n;
    a.off[i] = 0n;
    a.len[i] = 0n;
    a.offF[i] = 0;
    a.lenF[i] = 0;
    a.typeFlags[i] = 0;
    a.dev[i] = 0;
  }

  // -------------------------------------------------------------- navigation

  /** fuse_iext_find_first_leaf */
  findFirstLeaf(): number {
    if (this.height === 0) return NULL;
    let node = this.root;
    for (let h = this.height; h > 1; h--) node = this.arena.ptrs[node * this.K];
    return node;
  }

  /** fuse_iext_find_last_leaf */
  findLastLeaf(): number {
    if (this.height === 0) return NULL;
    const ptrs = this.arena.ptrs;
    let node = this.root;
    for (let h = this.height; h > 1; h--) {
      let i = 1;
      for (; i < this.K; i++) if (ptrs[node * this.K + i] === NULL) break;
      node = ptrs[node * this.K + i - 1];
    }
    return node;
  }

  /** fuse_iext_first */
  first(cur: Cursor): void {
    cur.pos = 0;
    cur.leaf = this.findFirstLeaf();
  }

  /** fuse_iext_last */
  last(cur: Cursor): void {
    cur.leaf = this.findLastLeaf();
    if (cur.leaf === NULL) {
      cur.pos = 0;
      return;
    }
    const max = this.maxRecs();
    const lenF = this.arena.lenF;
    let i = 1;
    for (; i < max; i++) if (lenF[cur.leaf * this.R + i] === 0) break;
    cur.pos = i - 1;
  }

  /** fuse_iext_next */
  next(cur: Cursor): void {
    if (cur.leaf === NULL) {
      this.first(cur);
      return;
    }
    cur.pos++;
    if (this.height > 1 && !this.valid(cur) && this.arena.next[cur.leaf] !== NULL) {
      cur.leaf = this.arena.next[cur.leaf];
      cur.pos = 0;
    }
  }

  /** fuse_iext_prev */
  prev(cur: Cursor): void {
    if (cur.leaf === NULL) {
      this.last(cur);
      return;
    }
    for (;;) {
      do {
        cur.pos--;
        if (this.valid(cur)) return;
      } while (cur.pos > 0);
      if (this.height > 1 && this.arena.prev[cur.leaf] !== NULL) {
        cur.leaf = this.arena.prev[cur.leaf];
        cur.pos = this.R;
        continue;
      }
      return;
    }
  }

  /** fuse_iext_get_extent */
  getExtent(cur: Cursor, got: Mapping): boolean {
    if (!this.valid(cur)) return false;
    this.readRec(cur.leaf * this.R + cur.pos, got);
    return true;
  }

  /** fuse_iext_next_extent */
  nextExtent(cur: Cursor, got: Mapping): boolean {
    this.next(cur);
    return this.getExtent(cur, got);
  }

  /** fuse_iext_prev_extent */
  prevExtent(cur: Cursor, got: Mapping): boolean {
    this.prev(cur);
    return this.getExtent(cur, got);
  }

  /** fuse_iext_peek_next_extent: on a copy of the cursor */
  peekNextExtent(cur: Cursor, got: Mapping): boolean {
    const ncur = this.peekCur;
    ncur.leaf = cur.leaf;
    ncur.pos = cur.pos;
    return this.nextExtent(ncur, got);
  }

  /** fuse_iext_peek_prev_extent: on a copy of the cursor */
  peekPrevExtent(cur: Cursor, got: Mapping): boolean {
    const ncur = this.peekCur;
    ncur.leaf = cur.leaf;
    ncur.pos = cur.pos;
    return this.prevExtent(ncur, got);
  }

  // ------------------------------------------------------------ node helpers

  /** fuse_iext_find_level: the node (or leaf, level 1) whose range holds key */
  findLevel(key: bigint, level: number): number {
    if (this.height === 0) return NULL;
    const K = this.K;
    const { ptrs, keys, keysF } = this.arena;
    const keyF = Number(key);
    let node = this.root;
    for (let h = this.height; h > level; h--) {
      const base = node * K;
      let i = 1;
      // keyGt inlined: this loop is the hottest of every lookup
      for (; i < K; i++) {
        const kf = keysF[base + i];
        if (kf > keyF || (kf === keyF && keys[base + i] > key)) break;
      }
      node = ptrs[base + i - 1];
      if (node === NULL) break;
    }
    return node;
  }

  /** fuse_iext_node_pos */
  private nodePos(node: number, key: bigint): number {
    const keyF = Number(key);
    const base = node * this.K;
    let i = 1;
    for (; i < this.K; i++) if (this.keyGt(base + i, key, keyF)) break;
    return i - 1;
  }

  /** fuse_iext_node_insert_pos */
  private nodeInsertPos(node: number, key: bigint): number {
    const keyF = Number(key);
    const base = node * this.K;
    for (let i = 0; i < this.K; i++) if (this.keyGt(base + i, key, keyF)) return i;
    return this.K;
  }

  /** fuse_iext_node_nr_entries */
  nodeNrEntries(node: number, start: number): number {
    const base = node * this.K;
    let i = start;
    for (; i < this.K; i++) if (this.keyIsInvalid(base + i)) break;
    return i;
  }

  /** fuse_iext_leaf_nr_entries */
  leafNrEntries(leaf: number, start: number): number {
    const lenF = this.arena.lenF;
    const max = this.maxRecs();
    const base = leaf * this.R;
    let i = start;
    for (; i < max; i++) if (lenF[base + i] === 0) break;
    return i;
  }

  // ------------------------------------------------------------- allocation

  private allocLeaf(size: number): number {
    const leaf = this.arena.allocLeaf(kmallocSize(size));
    const ev = this.hooks.onAlloc;
    if (ev) ev({ op: 'alloc', kind: 'leaf', id: this.arena.leafId[leaf], addr: this.arena.leafAddr[leaf], size: this.arena.leafKsize[leaf] });
    return leaf;
  }

  private freeLeaf(leaf: number): void {
    const ev = this.hooks.onAlloc;
    if (ev) ev({ op: 'free', kind: 'leaf', id: this.arena.leafId[leaf], addr: this.arena.leafAddr[leaf], size: this.arena.leafKsize[leaf] });
    this.arena.freeLeaf(leaf);
  }

  private allocNode(): number {
    const node = this.arena.allocNode();
    const ev = this.hooks.onAlloc;
    if (ev) ev({ op: 'alloc', kind: 'node', id: this.arena.nodeId[node], addr: this.arena.nodeId[node], size: this.geometry.nodeSize });
    return node;
  }

  private freeNode(node: number): void {
    const ev = this.hooks.onAlloc;
    if (ev) ev({ op: 'free', kind: 'node', id: this.arena.nodeId[node], addr: this.arena.nodeId[node], size: this.geometry.nodeSize });
    this.arena.freeNode(node);
  }

  /** fuse_iext_grow: add a new root node above the current root */
  private grow(): void {
    const a = this.arena;
    const K = this.K;
    const node = this.allocNode();
    if (this.height === 1) this.setRecordKey(node * K, this.leafKey(this.root, 0));
    else this.copyKey(node * K, this.root * K);
    a.ptrs[node * K] = this.root;
    for (let i = 1; i < K; i++) this.setKey(node * K + i, KEY_INVALID);
    this.root = node;
    this.height++;
  }

  /** fuse_iext_update_node: replace key old by new on the path down to level */
  private updateNode(oldKey: bigint, newKey: bigint, level: number, ptr: number): void {
    const K = this.K;
    const { keys, keysF, ptrs } = this.arena;
    const oldF = Number(oldKey);
    let node = this.root;
    for (let h = this.height; h > level; h--) {
      if (node === NULL) throw new KernelOops('fuse_iext_update_node', 'NULL node on the path');
      const base = node * K;
      let i = 0;
      for (; i < K; i++) {
        if (i > 0 && this.keyGt(base + i, oldKey, oldF)) break;
        if (keysF[base + i] === oldF && keys[base + i] === oldKey) this.setRecordKey(base + i, newKey);
      }
      node = ptrs[base + i - 1];
    }
    void ptr; // ASSERT(node == ptr) only
  }

  /** fuse_iext_split_node: returns the new node; target node/pos/nr in splitNode_/splitPos/splitNr */
  private splitNode(node: number, pos: number): number {
    const a = this.arena;
    const K = this.K;
    const nw = this.allocNode();
    const nrMove = K >> 1;
    const nrKeep = nrMove + (K & 1);
    let i = 0;
    if (pos === K) {
      // sequential append: spill over into the empty new node
      this.splitNode_ = nw;
      this.splitPos = 0;
      this.splitNr = 0;
    } else {
      for (i = 0; i < nrMove; i++) {
        this.copyKey(nw * K + i, node * K + nrKeep + i);
        a.ptrs[nw * K + i] = a.ptrs[node * K + nrKeep + i];
        this.setKey(node * K + nrKeep + i, KEY_INVALID);
        a.ptrs[node * K + nrKeep + i] = NULL;
      }
      if (pos >= nrKeep) {
        this.splitNode_ = nw;
        this.splitPos = pos - nrKeep;
        this.splitNr = nrMove;
      } else {
        this.splitNode_ = node;
        this.splitPos = pos;
        this.splitNr = nrKeep;
      }
    }
    for (; i < K; i++) this.setKey(nw * K + i, KEY_INVALID);
    return nw;
  }

  /** fuse_iext_insert_node: insert key/ptr at level, splitting upwards */
  private insertNode(key: bigint, ptr: number, level: number): void {
    const K = this.K;
    for (;;) {
      if (this.height < level) this.grow();
      let nw = NULL;
      let node = this.findLevel(key, level);
      if (node === NULL) throw new KernelOops('fuse_iext_insert_node', `no node at level ${level} for key 0x${key.toString(16)}`);
      let pos = this.nodeInsertPos(node, key);
      let nr = this.nodeNrEntries(node, pos);
      if (nr === K) {
        nw = this.splitNode(node, pos);
        node = this.splitNode_;
        pos = this.splitPos;
        nr = this.splitNr;
      }
      const a = this.arena;
      if (node !== nw && pos === 0 && nr > 0) this.updateNode(a.keys[node * K], key, level, node);
      for (let i = nr; i > pos; i--) {
        this.copyKey(node * K + i, node * K + i - 1);
        a.ptrs[node * K + i] = a.ptrs[node * K + i - 1];
      }
      this.setRecordKey(node * K + pos, key);
      a.ptrs[node * K + pos] = ptr;
      if (nw === NULL) return;
      key = a.keys[nw * K];
      ptr = nw;
      level++;
    }
  }

  /** fuse_iext_split_leaf: returns the new leaf; entries of the cursor's leaf in splitNr */
  private splitLeaf(cur: Cursor): number {
    const a = this.arena;
    const R = this.R;
    const leaf = cur.leaf;
    const nw = this.allocLeaf(this.geometry.nodeSize);
    const nrMove = R >> 1;
    const nrKeep = nrMove + (R & 1);
    if (cur.pos === R) {
      // sequential append: spill over into the empty new leaf
      cur.leaf = nw;
      cur.pos = 0;
      this.splitNr = 0;
    } else {
      this.moveRecs(nw * R, leaf * R + nrKeep, nrMove);
      for (let i = 0; i < nrMove; i++) this.clearRec(leaf * R + nrKeep + i);
      if (cur.pos >= nrKeep) {
        cur.leaf = nw;
        cur.pos -= nrKeep;
        this.splitNr = nrMove;
      } else {
        this.splitNr = nrKeep;
      }
    }
    if (a.next[leaf] !== NULL) a.prev[a.next[leaf]] = nw;
    a.next[nw] = a.next[leaf];
    a.prev[nw] = leaf;
    a.next[leaf] = nw;
    return nw;
  }

  /** fuse_iext_alloc_root: the first record gets a one-record allocation */
  private allocRoot(cur: Cursor): void {
    this.root = this.allocLeaf(this.recSize);
    this.height = 1;
    cur.leaf = this.root;
    cur.pos = 0;
  }

  /** fuse_iext_realloc_root: krealloc the height-1 root one record larger */
  private reallocRoot(cur: Cursor): void {
    const a = this.arena;
    let newSize = this.bytes + this.recSize;
    // account for the prev/next pointers
    if (Math.trunc(newSize / this.recSize) === this.R) newSize = this.geometry.nodeSize;
    const leaf = this.root;
    const oldSize = a.leafKsize[leaf];
    const oldAddr = a.leafAddr[leaf];
    const moved = newSize > oldSize;
    if (moved) {
      a.leafKsize[leaf] = kmallocSize(newSize);
      a.leafAddr[leaf] = a.nextSerial();
    }
    const ev = this.hooks.onAlloc;
    if (ev) ev({ op: 'realloc', kind: 'leaf', id: a.leafId[leaf], addr: a.leafAddr[leaf], oldAddr, size: a.leafKsize[leaf], oldSize, moved });
    // the bytes past if_bytes are zero already: removal clears freed slots
    cur.leaf = leaf;
  }

  // --------------------------------------------------------------- insertion

  /** fuse_iext_insert_raw: insert irec at the cursor; cursor ends on it */
  insertRaw(cur: Cursor, irec: Mapping): void {
    const R = this.R;
    const key = u64(irec.offset);
    let nw = NULL;

    this.hooks.incSeq();

    if (this.height === 0) this.allocRoot(cur);
    else if (this.height === 1) this.reallocRoot(cur);
    if (cur.leaf === NULL) throw new KernelOops('fuse_iext_insert_raw', 'NULL cursor leaf');

    let nr = this.leafNrEntries(cur.leaf, cur.pos);
    if (nr === R) {
      nw = this.splitLeaf(cur);
      nr = this.splitNr;
    }

    // Update the pointers in higher levels if the first entry changes.
    if (cur.leaf !== nw && cur.pos === 0 && nr > 0) this.updateNode(this.leafKey(cur.leaf, 0), key, 1, cur.leaf);

    const base = cur.leaf * R;
    this.moveRecs(base + cur.pos + 1, base + cur.pos, nr - cur.pos);
    this.writeRec(base + cur.pos, irec);
    this.bytes += this.recSize;

    if (nw !== NULL) this.insertNode(this.leafKey(nw, 0), nw, 2);
  }

  /** fuse_iext_insert: insert_raw, then the fuse_iext_insert tracepoint */
  insert(cur: Cursor, irec: Mapping, state: number): void {
    this.insertRaw(cur, irec);
    this.hooks.trace?.('fuse_iext_insert', cur, state);
  }

  // ----------------------------------------------------------------- removal

  /** fuse_iext_rebalance_node: returns the node to delete, or NULL; pos via splitPos */
  private rebalanceNode(parent: number, pos: number, node: number, nr: number): number {
    const a = this.arena;
    const K = this.K;
    this.splitPos = pos;
    // Neighbours completely full or with other parents: delete only when empty.
    if (nr === 0) return node;

    if (pos > 0) {
      const prev = a.ptrs[parent * K + pos - 1];
      const nrPrev = this.nodeNrEntries(prev, 0);
      if (nrPrev + nr <= K) {
        for (let i = 0; i < nr; i++) {
          this.copyKey(prev * K + nrPrev + i, node * K + i);
          a.ptrs[prev * K + nrPrev + i] = a.ptrs[node * K + i];
        }
        return node;
      }
    }

    if (pos + 1 < this.nodeNrEntries(parent, pos)) {
      const next = a.ptrs[parent * K + pos + 1];
      const nrNext = this.nodeNrEntries(next, 0);
      if (nr + nrNext <= K) {
        // Merge next into this node: no key update needed higher up.
        for (let i = 0; i < nrNext; i++) {
          this.copyKey(node * K + nr + i, next * K + i);
          a.ptrs[node * K + nr + i] = a.ptrs[next * K + i];
        }
        this.splitPos = pos + 1;
        return next;
      }
    }
    return NULL;
  }

  /** fuse_iext_remove_node: drop victim's entry at level 2 and rebalance upwards */
  private removeNode(key: bigint, victim: number): void {
    const a = this.arena;
    const K = this.K;
    let level = 2;
    let node = this.findLevel(key, level);
    if (node === NULL) throw new KernelOops('fuse_iext_remove_node', 'no parent node for the victim');
    let pos = this.nodePos(node, key);
    for (;;) {
      if (level === 2) this.freeLeaf(victim);
      else this.freeNode(victim);

      const nr = this.nodeNrEntries(node, pos) - 1;
      key = a.keys[node * K];
      for (let i = pos; i < nr; i++) {
        this.copyKey(node * K + i, node * K + i + 1);
        a.ptrs[node * K + i] = a.ptrs[node * K + i + 1];
      }
      this.setKey(node * K + nr, KEY_INVALID);
      a.ptrs[node * K + nr] = NULL;

      if (pos === 0 && nr > 0) {
        this.updateNode(key, a.keys[node * K], level, node);
        key = a.keys[node * K];
      }

      if (nr >= K >> 1) return;

      if (level < this.height) {
        // Not at the root: merge with a neighbour (or delete if empty), then go up.
        level++;
        const parent = this.findLevel(key, level);
        pos = this.nodePos(parent, key);
        const v = this.rebalanceNode(parent, pos, node, nr);
        pos = this.splitPos;
        if (v !== NULL) {
          victim = v;
          node = parent;
          continue;
        }
      } else if (nr === 1) {
        // Root with one entry left: the child becomes the root.
        this.root = a.ptrs[node * K];
        this.height--;
        this.freeNode(node);
      }
      return;
    }
  }

  /** fuse_iext_rebalance_leaf: merge an under-full leaf into a neighbour */
  private rebalanceLeaf(cur: Cursor, leaf: number, key: bigint, nr: number): void {
    const a = this.arena;
    const R = this.R;
    remove: {
      if (nr === 0) break remove;

      const prev = a.prev[leaf];
      if (prev !== NULL) {
        const nrPrev = this.leafNrEntries(prev, 0);
        if (nrPrev + nr <= R) {
          this.moveRecs(prev * R + nrPrev, leaf * R, nr);
          if (cur.leaf === leaf) {
            cur.leaf = prev;
            cur.pos += nrPrev;
          }
          break remove;
        }
      }

      const next = a.next[leaf];
      if (next !== NULL) {
        const nrNext = this.leafNrEntries(next, 0);
        if (nr + nrNext <= R) {
          // Merge next into this leaf: no key update needed higher up.
          this.moveRecs(leaf * R + nr, next * R, nrNext);
          if (cur.leaf === next) {
            cur.leaf = leaf;
            cur.pos += nr;
          }
          key = this.leafKey(next, 0);
          leaf = next;
          break remove;
        }
      }
      return;
    }
    if (a.prev[leaf] !== NULL) a.next[a.prev[leaf]] = a.next[leaf];
    if (a.next[leaf] !== NULL) a.prev[a.next[leaf]] = a.prev[leaf];
    this.removeNode(key, leaf);
  }

  /** fuse_iext_free_last_leaf */
  private freeLastLeaf(): void {
    this.height--;
    this.freeLeaf(this.root);
    this.root = NULL;
  }

  /** fuse_iext_remove: delete the record under the cursor */
  remove(cur: Cursor, state: number): void {
    const R = this.R;
    const leaf = cur.leaf;
    if (leaf === NULL) throw new KernelOops('fuse_iext_remove', 'NULL cursor leaf');
    let key = this.leafKey(leaf, 0);

    this.hooks.trace?.('fuse_iext_remove', cur, state);
    this.hooks.incSeq();

    const nr = this.leafNrEntries(leaf, cur.pos) - 1;
    const base = leaf * R;
    this.moveRecs(base + cur.pos, base + cur.pos + 1, nr - cur.pos);
    this.clearRec(base + nr);
    this.bytes -= this.recSize;

    if (cur.pos === 0 && nr > 0) {
      this.updateNode(key, this.leafKey(leaf, 0), 1, leaf);
      key = this.leafKey(leaf, 0);
    } else if (cur.pos === nr) {
      const next = this.arena.next[leaf];
      cur.leaf = this.height > 1 && next !== NULL ? next : NULL;
      cur.pos = 0;
    }

    if (nr >= R >> 1) return;

    if (this.height > 1) this.rebalanceLeaf(cur, leaf, key, nr);
    else if (nr === 0) this.freeLastLeaf();
  }

  // ----------------------------------------------------------------- lookups

  /**
   * fuse_iext_lookup_extent: the record covering offset, else the first one
   * after it; false with the cursor at the append point when there is none.
   */
  lookupExtent(offset: bigint, cur: Cursor, got: Mapping): boolean {
    const uoff = offset >= 0n ? offset : u64(offset);
    cur.leaf = this.findLevel(uoff, 1);
    if (cur.leaf === NULL) {
      cur.pos = 0;
      return false;
    }
    const max = this.maxRecs();
    const lenF = this.arena.lenF;
    const base = cur.leaf * this.R;
    const offF = this.offsetF(offset);
    const uoffF = Number(uoff);
    for (cur.pos = 0; cur.pos < max; cur.pos++) {
      if (lenF[base + cur.pos] === 0) break;
      if (this.recCmp(base + cur.pos, offset, uoff, offF, uoffF) >= 0) {
        this.readRec(base + cur.pos, got);
        return true;
      }
    }
    // Try looking in the next leaf for an entry > offset.
    const next = this.arena.next[cur.leaf];
    if (this.height === 1 || next === NULL) return false;
    cur.leaf = next;
    cur.pos = 0;
    if (!this.valid(cur)) return false;
    this.readRec(next * this.R, got);
    return true;
  }

  /**
   * fuse_iext_lookup_extent_before: the last extent before end; if it does
   * not cover end - 1, end becomes that extent's end (loff_t, wraps).
   */
  lookupExtentBefore(end: { value: bigint }, cur: Cursor, got: Mapping): boolean {
    const last = end.value > S64_MIN ? end.value - 1n : s64(end.value - 1n);
    if (this.lookupExtent(last, cur, got) && got.offset <= last) return true;
    if (!this.prevExtent(cur, got)) return false;
    end.value = s64(got.offset + got.length);
    return true;
  }

  /** fuse_iext_update_extent: overwrite the record under the cursor */
  updateExtent(state: number, cur: Cursor, nw: Mapping): void {
    if (cur.leaf === NULL) throw new KernelOops('fuse_iext_update_extent', 'NULL cursor leaf');
    this.hooks.incSeq();
    const i = cur.leaf * this.R + cur.pos;
    if (cur.pos === 0) {
      const old = this.arena.off[i];
      if (nw.offset !== old) this.updateNode(u64(old), u64(nw.offset), 1, cur.leaf);
    }
    this.hooks.trace?.('fuse_iext_pre_update', cur, state);
    this.writeRec(i, nw);
    this.hooks.trace?.('fuse_iext_post_update', cur, state);
  }

  // ----------------------------------------------------------------- destroy

  /** fuse_iext_destroy_node: children while keys[i] != KEY_INVALID */
  private destroyNode(node: number, level: number): void {
    if (node === NULL) return; // kfree(NULL)
    if (level > 1) {
      const a = this.arena;
      for (let i = 0; i < this.K; i++) {
        if (this.keyIsInvalid(node * this.K + i)) break;
        this.destroyNode(a.ptrs[node * this.K + i], level - 1);
      }
      this.freeNode(node);
    } else {
      this.freeLeaf(node);
    }
  }

  /** fuse_iext_destroy: free everything; the sequence counter is not touched */
  destroy(): void {
    this.destroyNode(this.root, this.height);
    this.bytes = 0;
    this.height = 0;
    this.root = NULL;
  }

  // -------------------------------------------------------- model extras

  /** Every record in order, walking the leaf chain (for dumps and checks). */
  *records(): Generator<Mapping> {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    this.first(cur);
    for (;;) {
      const m: Mapping = { addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, dev: 0 };
      if (!this.getExtent(cur, m)) return;
      yield m;
      this.next(cur);
    }
  }

  /**
   * Every record in order, in one reused Mapping: the walk of records()
   * without an object per record, for dumps of hundreds of thousands.
   */
  forEachRecord(fn: (m: Mapping) => void): void {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const m: Mapping = { addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, dev: 0 };
    this.first(cur);
    while (this.getExtent(cur, m)) {
      fn(m);
      this.next(cur);
    }
  }

  /** Stable identity of a leaf slot (0 for NULL). */
  leafId(leaf: number): number {
    return leaf === NULL ? 0 : this.arena.leafId[leaf];
  }

  /** The leaf's current memory block: what the kernel's %p would show. */
  leafAddr(leaf: number): number {
    return leaf === NULL ? 0 : this.arena.leafAddr[leaf];
  }
}
