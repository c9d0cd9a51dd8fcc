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
 *
 * The operations compute on I64 values (src/util/int64.ts: a number when
 * safe, a bigint otherwise) and MappingI records; the methods ending in I
 * are that core. The methods of the same name without the I take and give
 * bigint Mappings for the other layers and only convert.
 */
import { ADDR, DEV, IextArena, LEN, NULL, OFF, ONES_D, REC, REC_U, SAFE, TF } from './arena.js';
import { type Geometry, kmallocSize } from './geometry.js';
import { type Cursor, KernelLockup, KernelMemoryError, type Mapping, type MappingI, KernelOops, emptyMappingI, fromMappingI, toMappingI } from './record.js';
import { type I64, U64_MAX, addU64, hex64I, s64I, subS64, toBig, toI64, u64I } from '../util/int64.js';

const KEY_INVALID = 0x8000_0000_0000_0000n; // FUSE_IEXT_KEY_INVALID
const KEY_INVALID_D = 2 ** 63;
/** IextTree.undef: a root slot krealloc did not copy (uninitialized), or one past the root's allocation */
const UNDEF_UNINIT = 1;
const UNDEF_PAST = 2;
/** why a block in IextTree.danglingLeaves/Nodes was freed while something kept pointing at it */
const FREED_BY_REMOVE_NODE =
  "fuse_iext_remove_node freed while its parent kept pointing at it (the parent's keys were out of order or equal, and its ASSERT(node->ptrs[pos] == victim) is compiled out)";
const FREED_BY_REALLOC_ROOT =
  "fuse_iext_realloc_root's krealloc freed when it moved the root, while a leaf the root no longer reaches (left by a collapse over records out of order) kept pointing at it";
/**
 * No tree of fewer than 2^53 records reaches this height (a node keeps at
 * least half its keys). insert_node only gets here through its endless
 * split: see insertNode.
 */
export const HEIGHT_LIMIT = 32;
/** leaves forEachRecordI reads ahead at once */
const WALK_BATCH = 8;

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
  // scratch records of the bigint wrappers
  private readonly wrapIn = emptyMappingI();
  private readonly wrapOut = emptyMappingI();
  private readonly wrapEnd = { value: 0 as I64 };
  // The last full descent (finger): the node at each level, and the u64
  // keys [fLo, fHi) that take the same path through the same nodes. It is
  // good while no node key, pointer, root or height has changed (the
  // arena's nodeGen): an upsert's add then finds the leaf its remove found
  // without descending again. Only safe (number) keys use it.
  private readonly fPath: number[] = [];
  /**
   * Blocks fuse_iext_remove_node freed while a parent kept pointing at them
   * (its compiled-out ASSERT(node->ptrs[pos] == victim)): kept out of the
   * arena's free lists, so that the next read through that pointer is
   * caught as the C's use-after-free (KernelMemoryError) instead of reading
   * a reused slot. Leaves (level 1) and nodes, by slot.
   */
  private readonly danglingLeaves = new Map<number, string>();
  private readonly danglingNodes = new Map<number, string>();
  private dangling = 0;
  /** live leaves of this tree (the arena, shared by a cache's forks, counts both) */
  private leaves = 0;
  /**
   * Record slots of the height-1 root (undefLeaf) that hold no defined
   * bytes: krealloc copies only the old block's bytes, and
   * fuse_iext_realloc_root zeroes only from if_bytes on, so when if_bytes
   * counts more records than the old block held (zero-length records kept
   * in if_bytes after the tree emptied or collapsed to one leaf), the slots
   * between are uninitialized memory. A scan that reads one stops the model
   * (KernelMemoryError). Slots 0..RECS_PER_LEAF; undefCount is 0 normally.
   */
  private undef: Uint8Array | null = null;
  private undefLeaf = NULL;
  private undefCount = 0;
  /** the size the height-1 root was last k(z|re)alloc'd with (its defined bytes) */
  private rootReq = 0;
  /** the leaf that was the height-1 root when the tree grew above it, and its size */
  private oldRoot = NULL;
  private oldRootReq = 0;
  private fLo = 0;
  private fHi = -1;
  private fGen = -1;
  private fRoot = NULL;
  private fHeight = -1;
  /** forEachRecordI's batch of leaves, and the sum of what it read ahead (kept, so that the reads are made) */
  private walkBatch: Int32Array | null = null;
  private walkSum = 0;

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

  /**
   * fuse_iext_max_recs. A height-1 root can count more records than a leaf
   * holds: a zero-length record (fuse_iomap_cache_add's length ASSERT is
   * compiled out) reads as the end of the leaf, so inserts stop splitting
   * while if_bytes keeps growing, and realloc_root zeroes each slot it adds
   * past RECS_PER_LEAF. Those slots only ever read as empty in the C; the
   * model's leaf has RECS_PER_LEAF slots, so its scans stop there.
   */
  maxRecs(): number {
    return this.height === 1 ? Math.min(this.count(), this.R) : this.R;
  }

  /** fuse_iext_valid */
  valid(cur: Cursor): boolean {
    if (cur.leaf === NULL) return false;
    if ((this.undefCount | this.dangling) !== 0) return this.validChecked(cur);
    if (cur.pos < 0 || cur.pos >= this.maxRecs()) return false;
    return this.arena.rec[(cur.leaf * this.R + cur.pos) * REC + LEN] !== 0;
  }

  /**
   * fuse_iext_valid where undefined slots or freed leaves exist: the C's
   * bound is if_bytes at height 1 (slot RECS_PER_LEAF reads empty), and
   * the record it reads must be in a live block.
   */
  private validChecked(cur: Cursor): boolean {
    if (cur.pos < 0 || cur.pos >= (this.height === 1 ? this.count() : this.R)) return false;
    this.touch(cur.leaf, 1, 'fuse_iext_valid');
    if (this.undefCount !== 0) this.readSlot(cur.leaf, cur.pos, 'fuse_iext_valid');
    if (cur.pos >= this.R) return false;
    return this.arena.rec[(cur.leaf * this.R + cur.pos) * REC + LEN] !== 0;
  }

  /**
   * The C reads slot k of leaf (fuse_iext_rec_is_empty): a slot of the
   * height-1 root that holds no defined bytes stops the model. Only called
   * while undefCount is not 0.
   */
  private readSlot(leaf: number, k: number, func: string): void {
    if (leaf !== this.undefLeaf || k > this.R) return;
    const u = this.undef![k];
    if (u === UNDEF_UNINIT)
      throw new KernelMemoryError(
        func,
        `reads record ${k} of the root leaf, which fuse_iext_realloc_root's krealloc left uninitialized (if_bytes counts zero-length records the old block never held, and only the bytes from if_bytes on are zeroed): what it reads depends on earlier contents of that memory`,
      );
    if (u === UNDEF_PAST)
      throw new KernelMemoryError(
        func,
        `reads record ${k} of the root leaf, past its ${this.rootReq}-byte block (if_bytes counts zero-length records the block was not sized for, as after fuse_iext_alloc_root's one-record allocation): a heap out-of-bounds read`,
      );
  }

  /** the C's scan bound (fuse_iext_max_recs) reached the model's leaf end: slot RECS_PER_LEAF is read too when if_bytes counts more */
  private readSlotAtEnd(leaf: number, i: number, func: string): void {
    if (i === this.R && this.height === 1 && this.count() > this.R) this.readSlot(leaf, i, func);
  }

  /**
   * fuse_iext_alloc_root / fuse_iext_realloc_root: the root block is now
   * newReq bytes, its first `copied` bytes kept from the old block, zeroed
   * from zeroFrom on; the bytes between are uninitialized.
   */
  private markRootSlots(leaf: number, copied: number, zeroFrom: number, newReq: number): void {
    if (this.undefLeaf !== leaf) this.clearUndef();
    const undef = (this.undef ??= new Uint8Array(this.R + 1));
    this.undefLeaf = leaf;
    const size = this.recSize;
    for (let k = 0; k <= this.R; k++) {
      const lo = k * size;
      let u = undef[k];
      if (lo + size > newReq) u = UNDEF_PAST;
      else if (lo >= zeroFrom) u = 0;
      else if (lo + size > copied) u = UNDEF_UNINIT;
      if (u !== undef[k]) {
        this.undefCount += (u !== 0 ? 1 : 0) - (undef[k] !== 0 ? 1 : 0);
        undef[k] = u;
      }
    }
    if (this.undefCount === 0) this.undefLeaf = NULL;
  }

  /** slots from..to (inclusive) of the undefined-slots leaf now hold written records */
  private defineSlots(leaf: number, from: number, to: number): void {
    if (leaf !== this.undefLeaf) return;
    const undef = this.undef!;
    for (let k = from; k <= to && k <= this.R; k++) {
      if (undef[k] !== 0) {
        undef[k] = 0;
        this.undefCount--;
      }
    }
    if (this.undefCount === 0) this.undefLeaf = NULL;
  }

  private clearUndef(): void {
    if (this.undef) this.undef.fill(0);
    this.undefCount = 0;
    this.undefLeaf = NULL;
  }

  /** fuse_iext_leaf_key: the record offset as a u64 key */
  leafKey(leaf: number, n: number): bigint {
    return toBig(this.leafKeyI(leaf, n));
  }

  /** fuse_iext_leaf_key on I64 */
  private leafKeyI(leaf: number, n: number): I64 {
    const i = leaf * this.R + n;
    const d = this.arena.rec[i * REC + OFF];
    return d >= 0 && d <= SAFE ? d : u64I(this.arena.offI(i));
  }

  /**
   * fuse_iext_rec_cmp(rec, offset): 1 if the record starts after offset, -1
   * if it ends at or before it. offset is the loff_t, offD the double of it
   * as the geometry compares it, uoff/uoffD the u64 offset and its double.
   */
  private recCmp(i: number, offset: I64, offD: number, uoff: I64, uoffD: number): number {
    const a = this.arena;
    const od = a.rec[i * REC + OFF];
    if (od !== offD) {
      if (od > offD) return 1;
    } else if (od > SAFE || od < -SAFE) {
      // equal doubles beyond 2^53: the exact values decide
      const o = a.offX![i];
      if (this.signed ? o > offset : u64I(o) > uoff) return 1;
    }
    // rec->offset + rec->length <= offset, the sum in u64 (wraps)
    const end = od + a.rec[i * REC + LEN];
    if (od >= 0 && end <= SAFE) return end <= uoffD ? -1 : 0;
    return addU64(a.offI(i), a.lenI(i)) <= uoff ? -1 : 0;
  }

  /** the double of a loff_t offset as this geometry compares record offsets */
  private offsetD(offset: I64): number {
    if (typeof offset === 'number' && (this.signed || offset >= 0)) return offset;
    return this.signed ? Number(offset) : Number(BigInt.asUintN(64, toBig(offset)));
  }

  /** node->keys[i] > key (u64), decided on the doubles when they differ */
  private keyGt(i: number, key: I64, keyD: number): boolean {
    const kd = this.arena.keysD[i];
    if (kd !== keyD) return kd > keyD;
    return kd > SAFE && this.arena.keysX![i] > key;
  }

  private keyIsInvalid(i: number): boolean {
    return this.arena.keysD[i] === KEY_INVALID_D && this.arena.keysX![i] === KEY_INVALID;
  }

  private setKey(i: number, key: I64): void {
    this.arena.setKey(i, key);
  }

  /** a key that came from a record offset (not an empty-slot marker) */
  private setRecordKey(i: number, key: I64): void {
    if (key === KEY_INVALID) this.hooks.onKeyInvalid?.();
    this.arena.setKey(i, key);
  }

  private copyKey(to: number, from: number): void {
    const a = this.arena;
    const d = a.keysD[from];
    a.keysD[to] = d;
    if (d > SAFE) a.keysX![to] = a.keysX![from];
  }

  /** fuse_iext_get: copy the record at absolute index i (bigint Mapping) */
  readRec(i: number, out: Mapping): Mapping {
    return fromMappingI(out, this.readRecI(i, this.wrapOut));
  }

  /** fuse_iext_get on I64 */
  readRecI(i: number, out: MappingI): MappingI {
    const a = this.arena;
    const rec = a.rec;
    const r = i * REC;
    const ad = rec[r + ADDR];
    out.addr = ad <= SAFE ? ad : ad === ONES_D ? U64_MAX : a.addrX![i];
    const od = rec[r + OFF];
    out.offset = od <= SAFE && od >= -SAFE ? od : a.offX![i];
    const ld = rec[r + LEN];
    out.length = ld <= SAFE ? ld : a.lenX![i];
    const u = i * REC_U;
    const tf = a.recU[u + TF];
    out.type = tf & 0xffff;
    out.flags = tf >>> 16;
    out.dev = a.recU[u + DEV];
    return out;
  }

  /** fuse_iext_set: offset stored as a loff_t, addr and length as u64 (the C's field types) */
  private writeRec(i: number, m: MappingI): void {
    const a = this.arena;
    const ad = m.addr;
    const od = m.offset;
    const ld = m.length;
    if (typeof od === 'number' && typeof ld === 'number' && ld >= 0 && (od >= 0 || this.signed) && ((typeof ad === 'number' && ad >= 0) || ad === U64_MAX)) {
      // safe values stored as the setters store them, without passing a double to them (which boxes it)
      const rec = a.rec;
      rec[i * REC + ADDR] = ad === U64_MAX ? ONES_D : (ad as number);
      rec[i * REC + OFF] = od;
      rec[i * REC + LEN] = ld;
    } else {
      this.writeRecSides(i, m);
    }
    a.recU[i * REC_U + TF] = (m.type & 0xffff) | ((m.flags & 0xffff) << 16);
    a.recU[i * REC_U + DEV] = m.dev;
  }

  /** writeRec's 64-bit fields through the arena's setters (values beyond the safe numbers) */
  private writeRecSides(i: number, m: MappingI): void {
    const a = this.arena;
    a.setAddr(i, u64I(m.addr));
    a.setOff(i, s64I(m.offset), this.signed);
    a.setLen(i, u64I(m.length));
  }

  /** memmove of n records (absolute indexes; ranges may overlap; n <= RECS_PER_LEAF) */
  private moveRecs(to: number, from: number, n: number): void {
    if (n <= 0) return;
    if (to < from) for (let k = 0; k < n; k++) this.moveRec(to + k, from + k);
    else for (let k = n - 1; k >= 0; k--) this.moveRec(to + k, from + k);
  }

  /** one record of moveRecs: the doubles, and the exact values where the doubles are not */
  private moveRec(t: number, f: number): void {
    const a = this.arena;
    const rec = a.rec;
    const rt = t * REC;
    const rf = f * REC;
    const ad = rec[rf + ADDR];
    rec[rt + ADDR] = ad;
    if (ad > SAFE && ad !== ONES_D) a.addrX![t] = a.addrX![f];
    const od = rec[rf + OFF];
    rec[rt + OFF] = od;
    if (od > SAFE || od < -SAFE) a.offX![t] = a.offX![f];
    const ld = rec[rf + LEN];
    rec[rt + LEN] = ld;
    if (ld > SAFE) a.lenX![t] = a.lenX![f];
    // the u32 words move as words: as a double they could be a NaN, whose bits JS need not keep
    const recU = a.recU;
    recU[t * REC_U + TF] = recU[f * REC_U + TF];
    recU[t * REC_U + DEV] = recU[f * REC_U + DEV];
  }

  /** fuse_iext_rec_clear */
  private clearRec(i: number): void {
    const a = this.arena;
    // four stores, not a fill() call per record; the 4th double is the type/flags and dev words (0.0 is all-zero bits)
    const rec = a.rec;
    const r = i * REC;
    rec[r] = 0;
    rec[r + 1] = 0;
    rec[r + 2] = 0;
    rec[r + 3] = 0;
  }

  // -------------------------------------------------------------- navigation

  /** fuse_iext_find_first_leaf: reads the nodes on the way, not the leaf it returns (its callers' reads check that) */
  findFirstLeaf(): number {
    if (this.height === 0) return NULL;
    let node = this.root;
    for (let h = this.height; h > 1; h--) {
      this.touch(node, h, 'fuse_iext_find_first_leaf');
      node = this.arena.ptrs[node * this.K];
    }
    return node;
  }

  /** fuse_iext_find_last_leaf: as find_first_leaf, the leaf it returns is not read here */
  findLastLeaf(): number {
    if (this.height === 0) return NULL;
    const ptrs = this.arena.ptrs;
    let node = this.root;
    for (let h = this.height; h > 1; h--) {
      this.touch(node, h, 'fuse_iext_find_last_leaf');
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
    const rec = this.arena.rec;
    let i = 1;
    // its scan from record 1 is the first read of the leaf find_last_leaf returned
    if (this.dangling !== 0 && max > 1) this.touch(cur.leaf, 1, 'fuse_iext_last');
    if (this.undefCount !== 0) {
      for (; i < max; i++) {
        this.readSlot(cur.leaf, i, 'fuse_iext_last');
        if (rec[(cur.leaf * this.R + i) * REC + LEN] === 0) break;
      }
      if (i === max) this.readSlotAtEnd(cur.leaf, i, 'fuse_iext_last');
    } else for (; i < max; i++) if (rec[(cur.leaf * this.R + i) * REC + LEN] === 0) break;
    cur.pos = i - 1;
  }

  /** fuse_iext_next */
  next(cur: Cursor): void {
    if (cur.leaf === NULL) {
      this.first(cur);
      return;
    }
    cur.pos++;
    if (this.height > 1 && !this.valid(cur) && (this.touch(cur.leaf, 1, 'fuse_iext_next'), this.arena.next[cur.leaf] !== NULL)) {
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
      if (this.height > 1 && (this.touch(cur.leaf, 1, 'fuse_iext_prev'), this.arena.prev[cur.leaf] !== NULL)) {
        cur.leaf = this.arena.prev[cur.leaf];
        cur.pos = this.R;
        continue;
      }
      return;
    }
  }

  /** fuse_iext_get_extent */
  getExtentI(cur: Cursor, got: MappingI): boolean {
    if (!this.valid(cur)) return false;
    this.readRecI(cur.leaf * this.R + cur.pos, got);
    return true;
  }

  /** fuse_iext_next_extent */
  nextExtentI(cur: Cursor, got: MappingI): boolean {
    this.next(cur);
    return this.getExtentI(cur, got);
  }

  /** fuse_iext_prev_extent */
  prevExtentI(cur: Cursor, got: MappingI): boolean {
    this.prev(cur);
    return this.getExtentI(cur, got);
  }

  /** fuse_iext_peek_next_extent: on a copy of the cursor */
  peekNextExtentI(cur: Cursor, got: MappingI): boolean {
    const ncur = this.peekCur;
    ncur.leaf = cur.leaf;
    ncur.pos = cur.pos;
    return this.nextExtentI(ncur, got);
  }

  /** fuse_iext_peek_prev_extent: on a copy of the cursor */
  peekPrevExtentI(cur: Cursor, got: MappingI): boolean {
    const ncur = this.peekCur;
    ncur.leaf = cur.leaf;
    ncur.pos = cur.pos;
    return this.prevExtentI(ncur, got);
  }

  /** got (bigint) = the I64 record the core found, when it found one */
  private out(found: boolean, got: Mapping): boolean {
    if (found) fromMappingI(got, this.wrapOut);
    return found;
  }

  /** fuse_iext_get_extent (bigint Mapping) */
  getExtent(cur: Cursor, got: Mapping): boolean {
    return this.out(this.getExtentI(cur, this.wrapOut), got);
  }

  /** fuse_iext_next_extent (bigint Mapping) */
  nextExtent(cur: Cursor, got: Mapping): boolean {
    return this.out(this.nextExtentI(cur, this.wrapOut), got);
  }

  /** fuse_iext_prev_extent (bigint Mapping) */
  prevExtent(cur: Cursor, got: Mapping): boolean {
    return this.out(this.prevExtentI(cur, this.wrapOut), got);
  }

  /** fuse_iext_peek_next_extent (bigint Mapping) */
  peekNextExtent(cur: Cursor, got: Mapping): boolean {
    return this.out(this.peekNextExtentI(cur, this.wrapOut), got);
  }

  /** fuse_iext_peek_prev_extent (bigint Mapping) */
  peekPrevExtent(cur: Cursor, got: Mapping): boolean {
    return this.out(this.peekPrevExtentI(cur, this.wrapOut), got);
  }

  // ------------------------------------------------------------ node helpers

  /** fuse_iext_find_level: the node (or leaf, level 1) whose range holds key (a u64) */
  findLevel(key: bigint, level: number): number {
    return this.findLevelI(toI64(BigInt.asUintN(64, key)), level);
  }

  /** Forget the last descent, so that the next lookup descends from the root (tests compare the two). */
  dropFinger(): void {
    this.fHi = -1;
  }

  /** fuse_iext_find_level on an I64 u64 key */
  private findLevelI(key: I64, level: number): number {
    if (typeof key === 'number') {
      this.argKey = key;
      return this.findLevelArg(level);
    }
    if (this.height === 0) return NULL;
    if (this.dangling !== 0) return this.findLevelChecked(key, level);
    // a key beyond 2^53: compared on the doubles, and on the exact values where they are equal; never the finger
    const K = this.K;
    const { ptrs, keysD } = this.arena;
    const keyD = Number(key);
    let node = this.root;
    for (let h = this.height; h > level; h--) {
      const base = node * K;
      let i = 1;
      for (; i < K; i++) if (this.keyGt(base + i, key, keyD)) break;
      node = ptrs[base + i - 1];
      if (node === NULL) break;
    }
    return node;
  }

  /**
   * A safe key for findLevelArg and lookupIndexAt, passed in a field: a
   * double passed to a call that is not inlined is boxed, a heap number
   * allocated per call.
   */
  argKey = 0;

  /** fuse_iext_find_level of the safe u64 key in argKey */
  private findLevelArg(level: number): number {
    const key = this.argKey;
    if (this.height === 0) return NULL;
    if (this.dangling !== 0) return this.findLevelChecked(key, level);
    if (key >= this.fLo && key < this.fHi && this.fGen === this.arena.nodeGen && this.root === this.fRoot && this.height === this.fHeight && level <= this.height)
      return this.fPath[level];
    const K = this.K;
    const { ptrs, keysD } = this.arena;
    // the finger's range: every key at or above each passed key and below each key that stopped a scan
    let lo = 0;
    let hi = Infinity;
    let node = this.root;
    // only a level-1 descent becomes the finger (and only it writes fPath)
    const finger = level === 1;
    if (finger) {
      this.fHi = -1;
      this.fPath[this.height] = node;
    }
    for (let h = this.height; h > level; h--) {
      const base = node * K;
      let i = 1;
      // keyGt inlined, for a safe key (a double equal to it is the same value): this loop is the hottest of every lookup
      for (; i < K; i++) {
        const kd = keysD[base + i];
        if (kd > key) break;
        if (kd > lo) lo = kd;
      }
      if (i < K && keysD[base + i] < hi) hi = keysD[base + i];
      node = ptrs[base + i - 1];
      if (node === NULL) break;
      if (finger) this.fPath[h - 1] = node;
    }
    // a safe key compares exactly with every double it passed (all <= key) and stopped at (> key)
    if (finger && node !== NULL) {
      this.fLo = lo;
      this.fHi = hi;
      this.fGen = this.arena.nodeGen;
      this.fRoot = this.root;
      this.fHeight = this.height;
    }
    return node;
  }

  /**
   * findLevelI without the finger, each node it reads checked against the
   * blocks left dangling. The block it returns is not read here: its
   * caller reads it next (lookup_extent, insert_node, remove_node) and
   * checks it under its own name.
   */
  private findLevelChecked(key: I64, level: number): number {
    this.fHi = -1;
    const K = this.K;
    const keyD = typeof key === 'number' ? key : Number(key);
    let node = this.root;
    for (let h = this.height; h > level; h--) {
      this.touch(node, h, 'fuse_iext_find_level');
      let i = 1;
      for (; i < K; i++) if (this.keyGt(node * K + i, key, keyD)) break;
      node = this.arena.ptrs[node * K + i - 1];
      if (node === NULL) break;
    }
    return node;
  }

  /** fuse_iext_node_pos */
  private nodePos(node: number, key: I64): number {
    const keyD = Number(key);
    const base = node * this.K;
    let i = 1;
    for (; i < this.K; i++) if (this.keyGt(base + i, key, keyD)) break;
    return i - 1;
  }

  /** fuse_iext_node_insert_pos */
  private nodeInsertPos(node: number, key: I64): number {
    const base = node * this.K;
    if (typeof key === 'number') {
      // a safe key: keyGt is the doubles' >
      const keysD = this.arena.keysD;
      for (let i = 0; i < this.K; i++) if (keysD[base + i] > key) return i;
      return this.K;
    }
    const keyD = Number(key);
    for (let i = 0; i < this.K; i++) if (this.keyGt(base + i, key, keyD)) return i;
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
    const rec = this.arena.rec;
    const max = this.maxRecs();
    const base = leaf * this.R;
    let i = start;
    if ((this.undefCount | this.dangling) !== 0) {
      if (i < max) this.touch(leaf, 1, 'fuse_iext_leaf_nr_entries');
      for (; i < max; i++) {
        if (this.undefCount !== 0) this.readSlot(leaf, i, 'fuse_iext_leaf_nr_entries');
        if (rec[(base + i) * REC + LEN] === 0) break;
      }
      if (i === max) this.readSlotAtEnd(leaf, i, 'fuse_iext_leaf_nr_entries');
      return i;
    }
    for (; i < max; i++) if (rec[(base + i) * REC + LEN] === 0) break;
    return i;
  }

  // ------------------------------------------------------------- allocation

  private allocLeaf(size: number): number {
    const leaf = this.arena.allocLeaf(kmallocSize(size));
    this.leaves++;
    const ev = this.hooks.onAlloc;
    if (ev) ev({ op: 'alloc', kind: 'leaf', id: this.arena.leafId[leaf], addr: this.arena.leafAddr[leaf], size: this.arena.leafKsize[leaf] });
    return leaf;
  }

  private freeLeaf(leaf: number): void {
    this.leaves--;
    this.forgetLeaf(leaf);
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

  /** a freed leaf slot may be handed out again: drop what the tree remembers of its block */
  private forgetLeaf(leaf: number): void {
    if (leaf === this.oldRoot) this.oldRoot = NULL;
    if (leaf === this.undefLeaf) this.clearUndef();
  }

  /** kfree of a block a parent may still point to (removeNode): freed for the accounting, kept from reuse */
  private freeDangling(victim: number, level: number): void {
    const ev = this.hooks.onAlloc;
    const a = this.arena;
    if (level === 2) {
      this.forgetLeaf(victim);
      if (ev) ev({ op: 'free', kind: 'leaf', id: a.leafId[victim], addr: a.leafAddr[victim], size: a.leafKsize[victim] });
      a.quarantineLeaf(victim);
      this.leaves--;
      this.danglingLeaves.set(victim, FREED_BY_REMOVE_NODE);
    } else {
      if (ev) ev({ op: 'free', kind: 'node', id: a.nodeId[victim], addr: a.nodeId[victim], size: this.geometry.nodeSize });
      a.quarantineNode(victim);
      this.danglingNodes.set(victim, FREED_BY_REMOVE_NODE);
    }
    this.dangling++;
  }

  /** The C reads block (at level: 1 a leaf) through a pointer: a block removeNode freed is a use-after-free. */
  private touch(block: number, level: number, func: string): void {
    if (block === NULL || this.dangling === 0) return;
    const freed = (level === 1 ? this.danglingLeaves : this.danglingNodes).get(block);
    if (freed !== undefined) throw new KernelMemoryError(func, `reads a ${level === 1 ? 'leaf' : 'node'} that ${freed}: a use-after-free`);
  }

  /** fuse_iext_grow: add a new root node above the current root */
  private grow(): void {
    this.arena.nodeGen++;
    const a = this.arena;
    const K = this.K;
    const node = this.allocNode();
    if (this.height === 1) {
      this.oldRoot = this.root;
      this.oldRootReq = this.rootReq;
    }
    if (this.height === 1) this.setRecordKey(node * K, this.leafKeyI(this.root, 0));
    else this.copyKey(node * K, this.root * K);
    a.ptrs[node * K] = this.root;
    for (let i = 1; i < K; i++) this.setKey(node * K + i, KEY_INVALID);
    this.root = node;
    this.height++;
  }

  /** fuse_iext_update_node: replace key old by new on the path down to level */
  private updateNode(oldKey: I64, newKey: I64, level: number, ptr: number): void {
    if (this.dangling !== 0) this.updateNodeTouch(oldKey, level);
    const K = this.K;
    const a = this.arena;
    const { keysD, ptrs } = a;
    const oldD = Number(oldKey);
    let node = this.root;
    if (typeof oldKey === 'number' && typeof newKey === 'number') {
      // safe keys: keyGt is the doubles' >, and a key equal to old is old
      for (let h = this.height; h > level; h--) {
        if (node === NULL) throw new KernelOops('fuse_iext_update_node', 'NULL node on the path');
        const base = node * K;
        let i = 0;
        for (; i < K; i++) {
          const kd = keysD[base + i];
          if (i > 0 && kd > oldKey) break;
          if (kd === oldKey) {
            keysD[base + i] = newKey;
            a.nodeGen++;
          }
        }
        node = ptrs[base + i - 1];
      }
      return;
    }
    for (let h = this.height; h > level; h--) {
      if (node === NULL) throw new KernelOops('fuse_iext_update_node', 'NULL node on the path');
      const base = node * K;
      let i = 0;
      for (; i < K; i++) {
        if (i > 0 && this.keyGt(base + i, oldKey, oldD)) break;
        if (keysD[base + i] === oldD && (oldD <= SAFE || a.keysX![base + i] === oldKey)) this.setRecordKey(base + i, newKey);
      }
      node = ptrs[base + i - 1];
    }
    void ptr; // ASSERT(node == ptr) only
  }

  /**
   * fuse_iext_update_node's walk where blocks dangle: each node it reads
   * (every one above level) checked before the walk writes a key. The
   * walk rewrites only keys it has already compared, so this descent takes
   * its path; a NULL on it is left to the walk's own oops.
   */
  private updateNodeTouch(oldKey: I64, level: number): void {
    const K = this.K;
    const oldD = Number(oldKey);
    let node = this.root;
    for (let h = this.height; h > level && node !== NULL; h--) {
      this.touch(node, h, 'fuse_iext_update_node');
      let i = 1;
      for (; i < K; i++) if (this.keyGt(node * K + i, oldKey, oldD)) break;
      node = this.arena.ptrs[node * K + i - 1];
    }
  }

  /** fuse_iext_split_node: returns the new node; target node/pos/nr in splitNode_/splitPos/splitNr */
  private splitNode(node: number, pos: number): number {
    this.arena.nodeGen++;
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
  private insertNode(key: I64, ptr: number, level: number): void {
    const K = this.K;
    for (;;) {
      if (this.height < level) {
        // A key above KEY_INVALID (a record offset >= 2^63 as u64: a negative
        // loff_t) is above every empty slot too, so insert_pos is KEYS_PER_NODE
        // in every node, each node looks full, and every pass splits off an
        // empty node and grows the tree a level: the C allocates nodes without end.
        if (this.height >= HEIGHT_LIMIT)
          throw new KernelLockup(
            'fuse_iext_insert_node',
            `the tree grew to height ${this.height} inserting key 0x${hex64I(key)}${u64I(key) > KEY_INVALID ? ', a key above FUSE_IEXT_KEY_INVALID (2^63): every node looks full at insert position KEYS_PER_NODE, so each pass splits off an empty node and adds a level, without end' : ''}`,
          );
        this.grow();
      }
      let nw = NULL;
      let node = this.findLevelI(key, level);
      // keys and pointers change from here on (copyKey and ptrs bypass setKey): no finger after this
      this.arena.nodeGen++;
      if (node === NULL) throw new KernelOops('fuse_iext_insert_node', `no node at level ${level} for key 0x${key.toString(16)}`);
      // node_insert_pos reads the node find_level returned
      if (this.dangling !== 0) this.touch(node, level, 'fuse_iext_insert_node');
      let pos = this.nodeInsertPos(node, key);
      let nr = this.nodeNrEntries(node, pos);
      if (nr === K) {
        nw = this.splitNode(node, pos);
        node = this.splitNode_;
        pos = this.splitPos;
        nr = this.splitNr;
      }
      const a = this.arena;
      if (node !== nw && pos === 0 && nr > 0) this.updateNode(a.keyI(node * K), key, level, node);
      for (let i = nr; i > pos; i--) {
        this.copyKey(node * K + i, node * K + i - 1);
        a.ptrs[node * K + i] = a.ptrs[node * K + i - 1];
      }
      this.setRecordKey(node * K + pos, key);
      a.ptrs[node * K + pos] = ptr;
      if (nw === NULL) return;
      key = a.keyI(nw * K);
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
    if (a.next[leaf] !== NULL) {
      this.touch(a.next[leaf], 1, 'fuse_iext_split_leaf');
      a.prev[a.next[leaf]] = nw;
    }
    a.next[nw] = a.next[leaf];
    a.prev[nw] = leaf;
    a.next[leaf] = nw;
    return nw;
  }

  /** fuse_iext_alloc_root: the first record gets a one-record allocation */
  private allocRoot(cur: Cursor): void {
    this.arena.nodeGen++;
    this.root = this.allocLeaf(this.recSize);
    this.height = 1;
    this.rootReq = this.recSize;
    // ASSERT(if_bytes == 0) is compiled out: zero-length records can leave if_bytes counting past the one-record block
    if (this.bytes !== 0) this.markRootSlots(this.root, 0, 0, this.recSize);
    cur.leaf = this.root;
    cur.pos = 0;
  }

  /**
   * fuse_iext_realloc_root's krealloc moving the root while other leaves
   * live: a tree that collapsed to height 1 over records out of order can
   * keep leaves the root no longer reaches, whose prev/next still point at
   * the root's block. The root moves to a new slot and the old one stays
   * out of reuse as a freed block (danglingLeaves), so that a walk along
   * those pointers stops the model where the C reads freed memory.
   */
  private relocateRoot(old: number): number {
    const a = this.arena;
    const R = this.R;
    const nw = a.allocLeaf(a.leafKsize[old]);
    this.moveRecs(nw * R, old * R, R);
    a.prev[nw] = a.prev[old];
    a.next[nw] = a.next[old];
    a.leafId[nw] = a.leafId[old];
    a.quarantineLeaf(old);
    this.danglingLeaves.set(old, FREED_BY_REALLOC_ROOT);
    this.dangling++;
    a.nodeGen++;
    this.root = nw;
    if (this.undefLeaf === old) this.undefLeaf = nw;
    if (this.oldRoot === old) this.oldRoot = nw;
    return nw;
  }

  /** fuse_iext_realloc_root: krealloc the height-1 root one record larger */
  private reallocRoot(cur: Cursor): void {
    const a = this.arena;
    let newSize = this.bytes + this.recSize;
    // account for the prev/next pointers
    if (Math.trunc(newSize / this.recSize) === this.R) newSize = this.geometry.nodeSize;
    let leaf = this.root;
    const oldSize = a.leafKsize[leaf];
    const oldAddr = a.leafAddr[leaf];
    const moved = newSize > oldSize;
    // leaves the root no longer reaches (a collapse over records out of order) may still point at the old block
    if (moved && this.leaves > 1) leaf = this.relocateRoot(leaf);
    const oldReq = this.rootReq;
    this.rootReq = newSize;
    // krealloc copies the old block; memset zeroes from if_bytes: records between the two are uninitialized
    if (this.undefCount !== 0 || oldReq < this.bytes) this.markRootSlots(leaf, Math.min(oldReq, newSize), this.bytes, newSize);
    if (moved) {
      a.leafKsize[leaf] = kmallocSize(newSize);
      a.leafAddr[leaf] = a.nextSerial();
    }
    const ev = this.hooks.onAlloc;
    if (ev) ev({ op: 'realloc', kind: 'leaf', id: a.leafId[leaf], addr: a.leafAddr[leaf], oldAddr, size: a.leafKsize[leaf], oldSize, moved });
    // memset(new + if_bytes, 0, new_size - if_bytes): usually zero already, but a record can sit past if_bytes
    // behind an empty slot (a remove's scan stops at a zero-length record and clears the slot before it)
    const R = this.R;
    const to = Math.min(newSize / this.recSize, R);
    for (let k = this.bytes / this.recSize; k < to; k++) this.clearRec(leaf * R + k);
    // the leaf's prev/next pointers follow its records: NODE_SIZE covers them
    if (this.bytes <= R * this.recSize && newSize > R * this.recSize) {
      a.prev[leaf] = NULL;
      a.next[leaf] = NULL;
    }
    cur.leaf = leaf;
  }

  // --------------------------------------------------------------- insertion

  /** fuse_iext_insert_raw: insert irec at the cursor; cursor ends on it (bigint Mapping) */
  insertRaw(cur: Cursor, irec: Mapping): void {
    this.insertRawI(cur, toMappingI(this.wrapIn, irec));
  }

  /** fuse_iext_insert_raw on I64 */
  insertRawI(cur: Cursor, irec: MappingI): void {
    const R = this.R;
    const key = u64I(irec.offset);
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
    if (cur.leaf !== nw && cur.pos === 0 && nr > 0) this.updateNode(this.leafKeyI(cur.leaf, 0), key, 1, cur.leaf);

    const base = cur.leaf * R;
    this.moveRecs(base + cur.pos + 1, base + cur.pos, nr - cur.pos);
    this.writeRec(base + cur.pos, irec);
    if (this.undefCount !== 0) this.defineSlots(cur.leaf, cur.pos, nr);
    this.bytes += this.recSize;

    if (nw !== NULL) this.insertNode(this.leafKeyI(nw, 0), nw, 2);
  }

  /** fuse_iext_insert: insert_raw, then the fuse_iext_insert tracepoint (bigint Mapping) */
  insert(cur: Cursor, irec: Mapping, state: number): void {
    this.insertI(cur, toMappingI(this.wrapIn, irec), state);
  }

  /** fuse_iext_insert on I64 */
  insertI(cur: Cursor, irec: MappingI, state: number): void {
    this.insertRawI(cur, irec);
    this.hooks.trace?.('fuse_iext_insert', cur, state);
  }

  // ----------------------------------------------------------------- removal

  /** fuse_iext_rebalance_node: returns the node to delete, or NULL; pos via splitPos. level: node's and its siblings' */
  private rebalanceNode(parent: number, pos: number, node: number, nr: number, level: number): number {
    this.arena.nodeGen++;
    const a = this.arena;
    const K = this.K;
    this.splitPos = pos;
    // Neighbours completely full or with other parents: delete only when empty.
    if (nr === 0) return node;

    if (pos > 0) {
      const prev = a.ptrs[parent * K + pos - 1];
      // keys out of order can put pos past the parent's entries: node_nr_entries(NULL) dereferences NULL
      if (prev === NULL) throw new KernelOops('fuse_iext_rebalance_node', `NULL prev sibling at slot ${pos - 1} of its parent`);
      // a sibling fuse_iext_remove_node freed while the parent kept pointing at it: node_nr_entries reads it
      if (this.dangling !== 0) this.touch(prev, level, 'fuse_iext_rebalance_node');
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
      if (this.dangling !== 0) this.touch(next, level, 'fuse_iext_rebalance_node');
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
  private removeNode(key: I64, victim: number): void {
    this.arena.nodeGen++;
    const a = this.arena;
    const K = this.K;
    let level = 2;
    let node = this.findLevelI(key, level);
    if (node === NULL) throw new KernelOops('fuse_iext_remove_node', 'no parent node for the victim');
    // node_pos reads the node find_level returned
    if (this.dangling !== 0) this.touch(node, level, 'fuse_iext_remove_node');
    let pos = this.nodePos(node, key);
    for (;;) {
      // ASSERT(node->ptrs[pos] == victim) is compiled out: keys out of order or equal (a record past LLONG_MAX
      // whose key update_node could not find, zero-length records) make node_pos name another slot; the C
      // frees victim, drops that slot and keeps the pointer to the freed block, read by the next lookup there
      if (a.ptrs[node * K + pos] !== victim) this.freeDangling(victim, level);
      else if (level === 2) this.freeLeaf(victim);
      else this.freeNode(victim);

      const nr = this.nodeNrEntries(node, pos) - 1;
      key = a.keyI(node * K);
      for (let i = pos; i < nr; i++) {
        this.copyKey(node * K + i, node * K + i + 1);
        a.ptrs[node * K + i] = a.ptrs[node * K + i + 1];
      }
      this.setKey(node * K + nr, KEY_INVALID);
      a.ptrs[node * K + nr] = NULL;

      if (pos === 0 && nr > 0) {
        this.updateNode(key, a.keyI(node * K), level, node);
        key = a.keyI(node * K);
      }

      if (nr >= K >> 1) return;

      if (level < this.height) {
        // Not at the root: merge with a neighbour (or delete if empty), then go up.
        level++;
        const parent = this.findLevelI(key, level);
        // find_level runs off into a NULL slot for a key past every entry (keys out of order): node_pos dereferences it
        if (parent === NULL) throw new KernelOops('fuse_iext_remove_node', `no parent node at level ${level}`);
        if (this.dangling !== 0) this.touch(parent, level, 'fuse_iext_remove_node');
        pos = this.nodePos(parent, key);
        const v = this.rebalanceNode(parent, pos, node, nr, level - 1);
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
        // a leaf root again: its block is the old root's (krealloc'd) or a split leaf's NODE_SIZE
        if (this.height === 1) this.rootReq = this.root === this.oldRoot ? this.oldRootReq : this.geometry.nodeSize;
        this.freeNode(node);
      }
      return;
    }
  }

  /** fuse_iext_rebalance_leaf: merge an under-full leaf into a neighbour */
  private rebalanceLeaf(cur: Cursor, leaf: number, key: I64, nr: number): void {
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
          key = this.leafKeyI(next, 0);
          leaf = next;
          break remove;
        }
      }
      return;
    }
    if (a.prev[leaf] !== NULL) {
      this.touch(a.prev[leaf], 1, 'fuse_iext_rebalance_leaf');
      a.next[a.prev[leaf]] = a.next[leaf];
    }
    if (a.next[leaf] !== NULL) {
      this.touch(a.next[leaf], 1, 'fuse_iext_rebalance_leaf');
      a.prev[a.next[leaf]] = a.prev[leaf];
    }
    this.removeNode(key, leaf);
  }

  /** fuse_iext_free_last_leaf */
  private freeLastLeaf(): void {
    this.arena.nodeGen++;
    this.height--;
    this.freeLeaf(this.root);
    this.root = NULL;
  }

  /** fuse_iext_remove: delete the record under the cursor */
  remove(cur: Cursor, state: number): void {
    const R = this.R;
    const leaf = cur.leaf;
    if (leaf === NULL) throw new KernelOops('fuse_iext_remove', 'NULL cursor leaf');
    // its first read of the cursor's leaf (fuse_iext_leaf_key) comes before the tracepoint's
    if (this.dangling !== 0) this.touch(leaf, 1, 'fuse_iext_remove');
    let key = this.leafKeyI(leaf, 0);

    this.hooks.trace?.('fuse_iext_remove', cur, state);
    this.hooks.incSeq();

    const nr = this.leafNrEntries(leaf, cur.pos) - 1;
    const base = leaf * R;
    this.moveRecs(base + cur.pos, base + cur.pos + 1, nr - cur.pos);
    this.clearRec(base + nr);
    this.bytes -= this.recSize;

    if (cur.pos === 0 && nr > 0) {
      this.updateNode(key, this.leafKeyI(leaf, 0), 1, leaf);
      key = this.leafKeyI(leaf, 0);
    } else if (cur.pos === nr) {
      const next = this.arena.next[leaf];
      cur.leaf = this.height > 1 && next !== NULL ? next : NULL;
      cur.pos = 0;
    }

    if (nr >= R >> 1) return;

    if (this.height > 1) this.rebalanceLeaf(cur, leaf, key, nr);
    else if (nr === 0) this.freeLastLeaf();
  }

  // ------------------------------------------------------- safe-value paths

  /**
   * The tree holds nothing that needs a checked read (no freed block a
   * pointer still reaches, no undefined root slot) and has nodes (no
   * height-1 root to krealloc): the index paths below may run.
   */
  fastReady(): boolean {
    return (this.dangling | this.undefCount) === 0 && this.height > 1;
  }

  /**
   * fuse_iext_lookup_extent for an offset that is a safe non-negative
   * number, on a fastReady() tree: the cursor ends where lookupExtentI
   * leaves it, and the found record's index is returned instead of a
   * copy of it (-1: none). The offset is argKey.
   */
  lookupIndexAt(cur: Cursor): number {
    const off = this.argKey;
    const leaf = this.findLevelArg(1);
    cur.leaf = leaf;
    if (leaf === NULL) {
      cur.pos = 0;
      return -1;
    }
    const rec = this.arena.rec;
    const R = this.R;
    const base = leaf * R;
    let pos = 0;
    for (; pos < R; pos++) {
      const r = (base + pos) * REC;
      const ld = rec[r + LEN];
      if (ld === 0) break;
      const od = rec[r + OFF];
      // fuse_iext_rec_cmp >= 0: starts after off, or ends after it (the sum exact below 2^53)
      if (od > off || (od >= 0 && od + ld <= SAFE ? od + ld > off : this.recCmp(base + pos, off, off, off, off) >= 0)) {
        cur.pos = pos;
        return base + pos;
      }
    }
    cur.pos = pos;
    const next = this.arena.next[leaf];
    if (next === NULL) return -1;
    cur.leaf = next;
    cur.pos = 0;
    return rec[next * R * REC + LEN] !== 0 ? next * R : -1;
  }

  /** fuse_iext_prev then fuse_iext_get_extent on a fastReady() tree: the record's index, or -1 */
  prevIndex(cur: Cursor): number {
    const rec = this.arena.rec;
    const R = this.R;
    for (;;) {
      do {
        cur.pos--;
        if (cur.pos >= 0 && cur.pos < R && rec[(cur.leaf * R + cur.pos) * REC + LEN] !== 0) return cur.leaf * R + cur.pos;
      } while (cur.pos > 0);
      const prev = this.arena.prev[cur.leaf];
      if (prev === NULL) return -1;
      cur.leaf = prev;
      cur.pos = R;
    }
  }

  /**
   * fuse_iext_insert_raw where it needs neither a root krealloc, a leaf
   * split nor a key update above (fastReady(), the leaf not full, the
   * cursor not on slot 0 of a leaf with records): the sequence bump, the
   * memmove and the write, without fuse_iext_insert's tracepoint (for
   * callers nobody listens to). Returns false, having done nothing,
   * otherwise.
   */
  insertInLeaf(cur: Cursor, irec: MappingI): boolean {
    const R = this.R;
    if (cur.leaf === NULL || !this.fastReady()) return false;
    const nr = this.leafNrEntries(cur.leaf, cur.pos);
    if (nr === R || (cur.pos === 0 && nr > 0)) return false;
    this.hooks.incSeq();
    const base = cur.leaf * R;
    this.moveRecs(base + cur.pos + 1, base + cur.pos, nr - cur.pos);
    this.writeRec(base + cur.pos, irec);
    this.bytes += this.recSize;
    return true;
  }

  /**
   * fuse_iext_update_extent of the record under the cursor to a longer
   * length only, on a fastReady() tree with nobody listening (no
   * tracepoints): its offset stays, so no key changes above; the sequence
   * bump and the store. len is a safe number.
   */
  setLengthAt(cur: Cursor, len: number): void {
    this.hooks.incSeq();
    this.arena.rec[(cur.leaf * this.R + cur.pos) * REC + LEN] = len;
  }

  // ----------------------------------------------------------------- lookups

  /**
   * fuse_iext_lookup_extent: the record covering offset, else the first one
   * after it; false with the cursor at the append point when there is none.
   * (bigint Mapping)
   */
  lookupExtent(offset: bigint, cur: Cursor, got: Mapping): boolean {
    return this.out(this.lookupExtentI(toI64(offset), cur, this.wrapOut), got);
  }

  /** fuse_iext_lookup_extent on I64 (offset a loff_t) */
  lookupExtentI(offset: I64, cur: Cursor, got: MappingI): boolean {
    const uoff = u64I(offset);
    cur.leaf = this.findLevelI(uoff, 1);
    if (cur.leaf === NULL) {
      cur.pos = 0;
      return false;
    }
    // its scan reads the leaf find_level returned
    if (this.dangling !== 0) this.touch(cur.leaf, 1, 'fuse_iext_lookup_extent');
    const max = this.maxRecs();
    const rec = this.arena.rec;
    const base = cur.leaf * this.R;
    const offD = this.offsetD(offset);
    const uoffD = typeof uoff === 'number' ? uoff : Number(uoff);
    const checked = this.undefCount !== 0;
    for (cur.pos = 0; cur.pos < max; cur.pos++) {
      if (checked) this.readSlot(cur.leaf, cur.pos, 'fuse_iext_lookup_extent');
      if (rec[(base + cur.pos) * REC + LEN] === 0) break;
      if (this.recCmp(base + cur.pos, offset, offD, uoff, uoffD) >= 0) {
        this.readRecI(base + cur.pos, got);
        return true;
      }
    }
    if (checked && cur.pos === max) this.readSlotAtEnd(cur.leaf, cur.pos, 'fuse_iext_lookup_extent');
    // Try looking in the next leaf for an entry > offset.
    const next = this.arena.next[cur.leaf];
    if (this.height === 1 || next === NULL) return false;
    cur.leaf = next;
    cur.pos = 0;
    if (!this.valid(cur)) return false;
    this.readRecI(next * this.R, got);
    return true;
  }

  /**
   * fuse_iext_lookup_extent_before: the last extent before end; if it does
   * not cover end - 1, end becomes that extent's end (loff_t, wraps).
   * (bigint Mapping and end)
   */
  lookupExtentBefore(end: { value: bigint }, cur: Cursor, got: Mapping): boolean {
    const e = this.wrapEnd;
    e.value = toI64(end.value);
    const found = this.lookupExtentBeforeI(e, cur, this.wrapOut);
    end.value = toBig(e.value);
    return this.out(found, got);
  }

  /** fuse_iext_lookup_extent_before on I64 */
  lookupExtentBeforeI(end: { value: I64 }, cur: Cursor, got: MappingI): boolean {
    const last = subS64(end.value, 1);
    if (this.lookupExtentI(last, cur, got) && got.offset <= last) return true;
    if (!this.prevExtentI(cur, got)) return false;
    end.value = s64I(addU64(got.offset, got.length));
    return true;
  }

  /** fuse_iext_update_extent: overwrite the record under the cursor (bigint Mapping) */
  updateExtent(state: number, cur: Cursor, nw: Mapping): void {
    this.updateExtentI(state, cur, toMappingI(this.wrapIn, nw));
  }

  /** fuse_iext_update_extent on I64 */
  updateExtentI(state: number, cur: Cursor, nw: MappingI): void {
    if (cur.leaf === NULL) throw new KernelOops('fuse_iext_update_extent', 'NULL cursor leaf');
    this.hooks.incSeq();
    const i = cur.leaf * this.R + cur.pos;
    if (cur.pos === 0) {
      // fuse_iext_get of the old record: the C's first read of the cursor's leaf here
      if (this.dangling !== 0) this.touch(cur.leaf, 1, 'fuse_iext_update_extent');
      const old = this.arena.offI(i);
      const nwOff = s64I(nw.offset);
      if (nwOff !== old) this.updateNode(u64I(old), u64I(nwOff), 1, cur.leaf);
    }
    this.hooks.trace?.('fuse_iext_pre_update', cur, state);
    // fuse_iext_set writes the record (after the tracepoint's own read)
    if (this.dangling !== 0) this.touch(cur.leaf, 1, 'fuse_iext_update_extent');
    this.writeRec(i, nw);
    this.hooks.trace?.('fuse_iext_post_update', cur, state);
  }

  // ----------------------------------------------------------------- destroy

  /** fuse_iext_destroy_node: children while keys[i] != KEY_INVALID */
  private destroyNode(node: number, level: number): void {
    if (node === NULL) return; // kfree(NULL)
    const freed = this.dangling !== 0 ? (level === 1 ? this.danglingLeaves : this.danglingNodes).get(node) : undefined;
    // a node's keys are read (its children's walk) before its kfree: that read is the first fault
    if (freed !== undefined)
      throw new KernelMemoryError('fuse_iext_destroy_node', level === 1 ? `frees a leaf that ${freed}: a double free` : `reads a node that ${freed}: a use-after-free`);
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
    this.arena.nodeGen++;
    this.destroyNode(this.root, this.height);
    // nothing points into the old tree any more (its dangling blocks stay out of the arena's reuse)
    this.danglingLeaves.clear();
    this.danglingNodes.clear();
    this.dangling = 0;
    // leaves no path reached (a collapse over records out of order) stay allocated in the C: leaked, not counted
    this.leaves = 0;
    this.clearUndef();
    this.oldRoot = NULL;
    this.rootReq = 0;
    this.bytes = 0;
    this.height = 0;
    this.root = NULL;
  }

  // -------------------------------------------------------- model extras

  /** Every record in order, walking the leaf chain (for dumps and checks). */
  *records(): Generator<Mapping> {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    const m = emptyMappingI();
    this.first(cur);
    for (;;) {
      if (!this.getExtentI(cur, m)) return;
      yield fromMappingI({ addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, dev: 0 }, m);
      this.next(cur);
    }
  }

  /**
   * Every record in order, in one reused Mapping: the walk of records()
   * without an object per record, for dumps of hundreds of thousands.
   */
  forEachRecord(fn: (m: Mapping) => void): void {
    const m: Mapping = { addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, dev: 0 };
    this.forEachRecordI((r) => fn(fromMappingI(m, r)));
  }

  /** forEachRecord on I64: one reused MappingI */
  forEachRecordI(fn: (m: MappingI) => void): void {
    const m = emptyMappingI();
    if (this.forEachRecordIndex((i) => fn(this.readRecI(i, m)))) return;
    const cur: Cursor = { leaf: NULL, pos: 0 };
    this.first(cur);
    while (this.getExtentI(cur, m)) {
      fn(m);
      this.next(cur);
    }
  }

  /**
   * forEachRecordI's walk on a fastReady() tree, handing out each record's
   * index in the arena (rec, recU) instead of a copy; false, with nothing
   * handed out, on any other tree. fuse_iext_next leaves a leaf at its
   * first empty slot, and the walk ends at a leaf whose slot 0 is empty.
   * The chain's order is not the arena's, so each leaf is a cache miss:
   * the walk reads WALK_BATCH leaves' lines together first, so that their
   * misses overlap (a dump of 205k records 9% faster), then hands out
   * their records.
   */
  forEachRecordIndex(fn: (i: number) => void): boolean {
    if (!this.fastReady()) return false;
    const cur: Cursor = { leaf: NULL, pos: 0 };
    this.first(cur);
    const rec = this.arena.rec;
    const next = this.arena.next;
    const R = this.R;
    const batch = (this.walkBatch ??= new Int32Array(WALK_BATCH));
    const span = R * REC;
    let leaf = cur.leaf;
    while (leaf !== NULL) {
      let n = 0;
      let sum = 0;
      for (let l = leaf; l !== NULL && n < WALK_BATCH; l = next[l]) {
        batch[n++] = l;
        for (let d = l * span, end = d + span; d < end; d += 8) sum += rec[d];
      }
      this.walkSum = sum;
      for (let k = 0; k < n; k++) {
        const l = batch[k];
        if (rec[l * span + LEN] === 0) return true;
        for (let i = l * R, end = i + R; i < end && rec[i * REC + LEN] !== 0; i++) fn(i);
      }
      leaf = next[batch[n - 1]];
    }
    return true;
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
