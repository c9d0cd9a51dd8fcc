// SPDX-License-Identifier: GPL-2.0-only
/*
 * Slab-like storage for leaves and nodes.
 *
 * The kernel kzallocs each leaf and node separately. Here leaves and nodes
 * live in typed arrays indexed by a slot number, so a record costs about
 * the 32 bytes it costs in the kernel instead of a JS object per record. A
 * slot is the model's "pointer"; NULL is -1. Every allocation gets a serial
 * number that is never reused, which gives leaves a stable identity for
 * their lifetime (slots are reused, serials are not).
 *
 * A record is 32 bytes in one ArrayBuffer, like the kernel's struct: three
 * doubles (addr, offset, length) and two u32 words (type | flags << 16,
 * dev), read through a Float64Array (rec) and a Uint32Array (recU) over
 * the same memory, so that one record is one or two cache lines.
 *
 * The 64-bit values (record offset, length, addr; node keys) are I64
 * (src/util/int64.ts): the double IS the value when it is a safe integer;
 * only when it is not (|v| >= 2^53: the all-ones NULL_ADDR, negative keys,
 * KEY_INVALID) does the exact value live in a plain side array at the
 * record's (key's) index, created on first need. The commonest such value,
 * the all-ones NULL_ADDR of an addr, is an Infinity double instead
 * (ONES_D). Reading a safe value
 * allocates nothing, and reading a bigint reference from the side array
 * allocates nothing either (a BigUint64Array read would). Record offsets
 * are stored as the geometry compares them (loff_t for fuse, u64 for xfs
 * and v7), so that the doubles order like the C.
 */
import type { Geometry } from './geometry.js';
import { type I64, U64_MAX, toBig, toI64 } from '../util/int64.js';

/** doubles of magnitude <= this are the exact value; beyond it the side array holds it */
export const SAFE = Number.MAX_SAFE_INTEGER;
/**
 * An addr double of +Infinity is the all-ones u64 (FUSE_IOMAP_NULL_ADDR,
 * about a third of all records: holes, delalloc, overwrites) with no side
 * value: Number() of no u64 is Infinity, and Infinity still orders above
 * every other u64's double.
 */
export const ONES_D = Infinity;

/** record i's doubles: rec[i * REC + ADDR / OFF / LEN] */
export const REC = 4;
export const ADDR = 0;
export const OFF = 1;
export const LEN = 2;
/** record i's u32 words: recU[i * REC_U + TF / DEV] (little-endian halves of the 4th double) */
export const REC_U = 8;
export const TF = 6;
export const DEV = 7;

/** A bigint-indexed view of one 64-bit column (tests and tools; not the hot path). */
export type BigColumn = { [index: number]: bigint };

export const NULL = -1;

export class IextArena {
  readonly recsPerLeaf: number;
  readonly keysPerNode: number;

  // --- leaf records: struct *_iext_rec, one slot row of recsPerLeaf each
  /**
   * Number() of the u64 addr and length and of the offset as the geometry
   * compares it (signed for fuse, unsigned for xfs): rounding is monotonic,
   * so comparing the doubles is exact unless they are equal, and equal
   * doubles beyond 2^53 are decided by the exact values in the side arrays.
   */
  rec: Float64Array;
  /** type | flags << 16 and dev of each record, over rec's memory (not enumerable: one buffer) */
  declare recU: Uint32Array;
  /** exact values where the double is not (index as above; null until needed) */
  addrX: I64[] | null = null;
  /** the record's offset as its loff_t I64 (also for xfs) */
  offX: I64[] | null = null;
  lenX: I64[] | null = null;
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
  /** u64 keys as doubles, exact values of unsafe ones in keysX (see offD) */
  keysD: Float64Array;
  keysX: I64[] | null = null;
  ptrs: Int32Array;
  nodeId: Float64Array;
  private nodeCap: number;
  private nodeTop = 0;
  private nodeFree: number[] = [];
  liveNodes = 0;

  private serial = 0;
  /** bumped on every change of a node key or pointer, a root or a height (IextTree's finger checks it) */
  nodeGen = 0;

  constructor(readonly geometry: Geometry, initialLeaves = 4, initialNodes = 2) {
    this.recsPerLeaf = geometry.recsPerLeaf;
    this.keysPerNode = geometry.keysPerNode;
    this.leafCap = Math.max(1, initialLeaves);
    this.nodeCap = Math.max(1, initialNodes);
    const r = this.leafCap * this.recsPerLeaf;
    this.rec = new Float64Array(r * REC);
    this.setRecU();
    this.prev = new Int32Array(this.leafCap);
    this.next = new Int32Array(this.leafCap);
    this.leafId = new Float64Array(this.leafCap);
    this.leafAddr = new Float64Array(this.leafCap);
    this.leafKsize = new Uint16Array(this.leafCap);
    const k = this.nodeCap * this.keysPerNode;
    this.keysD = new Float64Array(k);
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
      // a slot never used is zero already: the arrays grow zero-filled
      if (this.leafTop === this.leafCap) this.growLeaves();
      slot = this.leafTop++;
    } else {
      const base = slot * this.recsPerLeaf;
      this.rec.fill(0, base * REC, (base + this.recsPerLeaf) * REC);
    }
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

  /** kfree of a leaf something still points to: freed (identity gone, not live) but never handed out again */
  quarantineLeaf(slot: number): void {
    this.leafId[slot] = 0;
    this.liveLeaves--;
  }

  /** the same for a node */
  quarantineNode(slot: number): void {
    this.nodeGen++;
    this.nodeId[slot] = 0;
    this.liveNodes--;
  }

  /** kzalloc of a node: keys zero, ptrs NULL. */
  allocNode(): number {
    this.nodeGen++;
    let slot = this.nodeFree.pop();
    if (slot === undefined) {
      if (this.nodeTop === this.nodeCap) this.growNodes();
      slot = this.nodeTop++;
    }
    const base = slot * this.keysPerNode;
    this.keysD.fill(0, base, base + this.keysPerNode);
    this.ptrs.fill(NULL, base, base + this.keysPerNode);
    this.nodeId[slot] = this.nextSerial();
    this.liveNodes++;
    return slot;
  }

  freeNode(slot: number): void {
    this.nodeGen++;
    this.nodeId[slot] = 0;
    this.nodeFree.push(slot);
    this.liveNodes--;
  }

  /** Bytes of typed-array storage reserved, live or not. */
  reservedBytes(): number {
    return (
      this.rec.byteLength + this.keysD.byteLength + this.prev.byteLength + this.next.byteLength + this.leafId.byteLength +
      this.leafAddr.byteLength + this.leafKsize.byteLength + this.ptrs.byteLength +
      this.nodeId.byteLength +
      8 * ((this.addrX?.length ?? 0) + (this.offX?.length ?? 0) + (this.lenX?.length ?? 0) + (this.keysX?.length ?? 0))
    );
  }

  // ------------------------------------------------ exact I64 columns

  /** the side array of a record column, created (zero-filled) on first need */
  addrSide(): I64[] {
    return (this.addrX ??= newSide(this.rec.length / REC));
  }
  offSide(): I64[] {
    return (this.offX ??= newSide(this.rec.length / REC));
  }
  lenSide(): I64[] {
    return (this.lenX ??= newSide(this.rec.length / REC));
  }
  keysSide(): I64[] {
    return (this.keysX ??= newSide(this.keysD.length));
  }

  /** record i's addr, offset (loff_t), length and node key j as I64 */
  addrI(i: number): I64 {
    const d = this.rec[i * REC + ADDR];
    return d <= SAFE ? d : d === ONES_D ? U64_MAX : this.addrX![i];
  }
  offI(i: number): I64 {
    const d = this.rec[i * REC + OFF];
    return d <= SAFE && d >= -SAFE ? d : this.offX![i];
  }
  lenI(i: number): I64 {
    const d = this.rec[i * REC + LEN];
    return d <= SAFE ? d : this.lenX![i];
  }
  /** the raw doubles and words, for checkers */
  addrD(i: number): number {
    return this.rec[i * REC + ADDR];
  }
  offD(i: number): number {
    return this.rec[i * REC + OFF];
  }
  lenD(i: number): number {
    return this.rec[i * REC + LEN];
  }
  typeFlags(i: number): number {
    return this.recU[i * REC_U + TF];
  }
  dev(i: number): number {
    return this.recU[i * REC_U + DEV];
  }
  keyI(j: number): I64 {
    const d = this.keysD[j];
    return d <= SAFE ? d : this.keysX![j];
  }

  setAddr(i: number, v: I64): void {
    if (typeof v === 'number') this.rec[i * REC + ADDR] = v;
    else if (v === U64_MAX) this.rec[i * REC + ADDR] = ONES_D;
    else {
      this.rec[i * REC + ADDR] = Number(v);
      this.addrSide()[i] = v;
    }
  }
  setLen(i: number, v: I64): void {
    if (typeof v === 'number') this.rec[i * REC + LEN] = v;
    else {
      this.rec[i * REC + LEN] = Number(v);
      this.lenSide()[i] = v;
    }
  }
  /** v is the loff_t offset; signed says how the geometry compares it */
  setOff(i: number, v: I64, signed: boolean): void {
    if (typeof v === 'number' && (signed || v >= 0)) this.rec[i * REC + OFF] = v;
    else {
      this.rec[i * REC + OFF] = signed ? Number(v) : Number(BigInt.asUintN(64, toBig(v)));
      this.offSide()[i] = v;
    }
  }

  /** recU over rec's buffer, not enumerable so that the buffer is counted once */
  private setRecU(): void {
    Object.defineProperty(this, 'recU', { value: new Uint32Array(this.rec.buffer), writable: true, configurable: true, enumerable: false });
  }
  setKey(j: number, v: I64): void {
    this.nodeGen++;
    if (typeof v === 'number') this.keysD[j] = v;
    else {
      this.keysD[j] = Number(v);
      this.keysSide()[j] = v;
    }
  }

  /** Bigint views of the columns for tests and tools: a[i] reads and writes the exact value. */
  get addr(): BigColumn {
    return (this.views ??= this.makeViews()).addr;
  }
  get off(): BigColumn {
    return (this.views ??= this.makeViews()).off;
  }
  get len(): BigColumn {
    return (this.views ??= this.makeViews()).len;
  }
  get keys(): BigColumn {
    return (this.views ??= this.makeViews()).keys;
  }
  private views: { addr: BigColumn; off: BigColumn; len: BigColumn; keys: BigColumn } | null = null;
  private makeViews() {
    const view = (get: (i: number) => I64, set: (i: number, v: I64) => void, kind: 'u64' | 's64'): BigColumn =>
      new Proxy({} as BigColumn, {
        get: (_t, p) => (typeof p === 'string' && /^\d+$/.test(p) ? toBig(get(Number(p))) : undefined),
        set: (_t, p, v) => {
          if (typeof p !== 'string' || !/^\d+$/.test(p) || typeof v !== 'bigint') return false;
          set(Number(p), toI64(kind === 'u64' ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v)));
          return true;
        },
      });
    return {
      addr: view((i) => this.addrI(i), (i, v) => this.setAddr(i, v), 'u64'),
      off: view((i) => this.offI(i), (i, v) => this.setOff(i, v, this.geometry.signedOffsets), 's64'),
      len: view((i) => this.lenI(i), (i, v) => this.setLen(i, v), 'u64'),
      keys: view((j) => this.keyI(j), (j, v) => this.setKey(j, v), 'u64'),
    };
  }

  private growLeaves(): void {
    const cap = grownCapacity(this.leafCap);
    const r = cap * this.recsPerLeaf;
    this.rec = grow(this.rec, new Float64Array(r * REC)); // a byte copy: the u32 words are kept exactly
    this.setRecU();
    if (this.addrX) growSide(this.addrX, r);
    if (this.offX) growSide(this.offX, r);
    if (this.lenX) growSide(this.lenX, r);
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
    this.keysD = grow(this.keysD, new Float64Array(k));
    if (this.keysX) growSide(this.keysX, k);
    this.ptrs = grow(this.ptrs, new Int32Array(k));
    this.nodeId = grow(this.nodeId, new Float64Array(cap));
    this.nodeCap = cap;
  }
}

const newSide = (n: number): I64[] => new Array<I64>(n).fill(0);

function growSide(a: I64[], n: number): void {
  for (let i = a.length; i < n; i++) a.push(0);
}

/** Grow by a quarter: at most 25% of the storage is ever unused slack. */
const grownCapacity = (cap: number): number => cap + Math.max(16, Math.ceil(cap / 4));

function grow<T extends { set(a: ArrayLike<unknown> & object): void }>(old: T, fresh: T): T {
  (fresh as unknown as { set(a: unknown): void }).set(old);
  return fresh;
}
