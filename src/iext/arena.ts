// SPDX-License-Identifier: GPL-2.0-only
/*
 * Slab-like storage for leaves and nodes.
 *
 * The kernel kzallocs each leaf and node separately. Here leaves and nodes
 * live in typed arrays indexed by a slot number, so a record costs the same
 * 32 bytes it costs in the kernel instead of a JS object per record. A slot
 * is the model's "pointer"; NULL is -1. Every allocation gets a serial
 * number that is never reused, which gives leaves a stable identity for
 * their lifetime (slots are reused, serials are not).
 */
import type { Geometry } from './geometry.js';

export const NULL = -1;

export class IextArena {
  readonly recsPerLeaf: number;
  readonly keysPerNode: number;

  // --- leaf records: struct *_iext_rec, one slot row of recsPerLeaf each
  addr: BigUint64Array;
  off: BigInt64Array;
  len: BigUint64Array;
  /**
   * Number() of off (unsigned for xfs) and len: rounding is monotonic, so a
   * comparison of the doubles is exact unless they are equal, and then the
   * bigint arrays decide. Searches never touch a bigint below 2^53.
   */
  offF: Float64Array;
  lenF: Float64Array;
  /** type | flags << 16 */
  typeFlags: Uint32Array;
  dev: Uint32Array;
  // --- leaf links and allocation bookkeeping
  prev: Int32Array;
  next: Int32Array;
  /** serial of the allocation that created the leaf (stable identity) */
  leafId: Float64Array;
  /** serial of the current memory block (changes when krealloc moves it) */
  leafAddr: Float64Array;
  /** ksize() of the current block: grows while the leaf is a height-1 root */
  leafKsize: Uint16Array;
  private leafCap: number;
  private leafTop = 0;
  private leafFree: number[] = [];
  liveLeaves = 0;

  // --- nodes: struct *_iext_node
  keys: BigUint64Array;
  /** Number(keys[i]), see offF */
  keysF: Float64Array;
  ptrs: Int32Array;
  nodeId: Float64Array;
  private nodeCap: number;
  private nodeTop = 0;
  private nodeFree: number[] = [];
  liveNodes = 0;

  private serial = 0;

  constructor(readonly geometry: Geometry, initialLeaves = 4, initialNodes = 2) {
    this.recsPerLeaf = geometry.recsPerLeaf;
    this.keysPerNode = geometry.keysPerNode;
    this.leafCap = Math.max(1, initialLeaves);
    this.nodeCap = Math.max(1, initialNodes);
    const r = this.leafCap * this.recsPerLeaf;
    this.addr = new BigUint64Array(r);
    this.off = new BigInt64Array(r);
    this.len = new BigUint64Array(r);
    this.offF = new Float64Array(r);
    this.lenF = new Float64Array(r);
    this.typeFlags = new Uint32Array(r);
    this.dev = new Uint32Array(r);
    this.prev = new Int32Array(this.leafCap);
    this.next = new Int32Array(this.leafCap);
    this.leafId = new Float64Array(this.leafCap);
    this.leafAddr = new Float64Array(this.leafCap);
    this.leafKsize = new Uint16Array(this.leafCap);
    const k = this.nodeCap * this.keysPerNode;
    this.keys = new BigUint64Array(k);
    this.keysF = new Float64Array(k);
    this.ptrs = new Int32Array(k);
    this.nodeId = new Float64Array(this.nodeCap);
  }

  nextSerial(): number {
    return ++this.serial;
  }

  /** kzalloc of a leaf of ksize bytes: all records empty, no siblings. */
  allocLeaf(ksize: number): number {
    let slot = this.leafFree.pop();
    if (slot === undefined) {
      if (this.leafTop === this.leafCap) this.growLeaves();
      slot = this.leafTop++;
    }
    const base = slot * this.recsPerLeaf;
    this.addr.fill(0n, base, base + this.recsPerLeaf);
    this.off.fill(0n, base, base + this.recsPerLeaf);
    this.len.fill(0n, base, base + this.recsPerLeaf);
    this.offF.fill(0, base, base + this.recsPerLeaf);
    this.lenF.fill(0, base, base + this.recsPerLeaf);
    this.typeFlags.fill(0, base, base + this.recsPerLeaf);
    this.dev.fill(0, base, base + this.recsPerLeaf);
    this.prev[slot] = NULL;
    this.next[slot] = NULL;
    const serial = this.nextSerial();
    this.leafId[slot] = serial;
    this.leafAddr[slot] = serial;
    this.leafKsize[slot] = ksize;
    this.liveLeaves++;
    return slot;
  }

  freeLeaf(slot: number): void {
    this.leafId[slot] = 0;
    this.leafFree.push(slot);
    this.liveLeaves--;
  }

  /** kzalloc of a node: keys zero, ptrs NULL. */
  allocNode(): number {
    let slot = this.nodeFree.pop();
    if (slot === undefined) {
      if (this.nodeTop === this.nodeCap) this.growNodes();
      slot = this.nodeTop++;
    }
    const base = slot * this.keysPerNode;
    this.keys.fill(0n, base, base + this.keysPerNode);
    this.keysF.fill(0, base, base + this.keysPerNode);
    this.ptrs.fill(NULL, base, base + this.keysPerNode);
    this.nodeId[slot] = this.nextSerial();
    this.liveNodes++;
    return slot;
  }

  freeNode(slot: number): void {
    this.nodeId[slot] = 0;
    this.nodeFree.push(slot);
    this.liveNodes--;
  }

  /** Bytes of typed-array storage reserved, live or not. */
  reservedBytes(): number {
    return (
      this.addr.byteLength + this.off.byteLength + this.len.byteLength +
      this.offF.byteLength + this.lenF.byteLength + this.keysF.byteLength +
      this.typeFlags.byteLength + this.dev.byteLength + this.prev.byteLength +
      this.next.byteLength + this.leafId.byteLength + this.leafAddr.byteLength +
      this.leafKsize.byteLength + this.keys.byteLength + this.ptrs.byteLength +
      this.nodeId.byteLength
    );
  }

  private growLeaves(): void {
    const cap = grownCapacity(this.leafCap);
    const r = cap * this.recsPerLeaf;
    this.addr = grow(this.addr, new BigUint64Array(r));
    this.off = grow(this.off, new BigInt64Array(r));
    this.len = grow(this.len, new BigUint64Array(r));
    this.offF = grow(this.offF, new Float64Array(r));
    this.lenF = grow(this.lenF, new Float64Array(r));
    this.typeFlags = grow(this.typeFlags, new Uint32Array(r));
    this.dev = grow(this.dev, new Uint32Array(r));
    this.prev = grow(this.prev, new Int32Array(cap));
    this.next = grow(this.next, new Int32Array(cap));
    this.leafId = grow(this.leafId, new Float64Array(cap));
    this.leafAddr = grow(this.leafAddr, new Float64Array(cap));
    this.leafKsize = grow(this.leafKsize, new Uint16Array(cap));
    this.leafCap = cap;
  }

  private growNodes(): void {
    const cap = grownCapacity(this.nodeCap);
    const k = cap * this.keysPerNode;
    this.keys = grow(this.keys, new BigUint64Array(k));
    this.keysF = grow(this.keysF, new Float64Array(k));
    this.ptrs = grow(this.ptrs, new Int32Array(k));
    this.nodeId = grow(this.nodeId, new Float64Array(cap));
    this.nodeCap = cap;
  }
}

/** Grow by a quarter: at most 25% of the storage is ever unused slack. */
const grownCapacity = (cap: number): number => cap + Math.max(16, Math.ceil(cap / 4));

function grow<T extends { set(a: ArrayLike<unknown> & object): void }>(old: T, fresh: T): T {
  (fresh as unknown as { set(a: unknown): void }).set(old);
  return fresh;
}
