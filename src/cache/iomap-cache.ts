// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-inode iomap mapping cache: struct fuse_iomap_cache and the
 * fuse_iomap_cache_* / fuse_iext_{add,del}_mapping functions of
 * fs/fuse/iomap_cache.c (RFC v3, seed 001 L8330-8860) plus
 * fuse_iomap_cache_invalidate_range from PATCH 3/4 (L9621-9648).
 *
 * The functions compute on I64 values and MappingI records
 * (src/util/int64.ts: a number when safe, a bigint beyond 2^53); the
 * methods ending in I are that implementation, and the public methods of
 * the same name without the I take and give bigints and only convert.
 */
import { ADDR, DEV, IextArena, LEN, NULL, OFF, REC, REC_U, TF } from '../iext/arena.js';
import { FUSE_GEOMETRY, type Geometry } from '../iext/geometry.js';
import {
  type Cursor,
  KernelLockup,
  type Mapping,
  type MappingI,
  bigMapping,
  copyMappingI,
  emptyMapping,
  emptyMappingI,
  fromMappingI,
  toMappingI,
} from '../iext/record.js';
import { type AllocEvent, IextTree, type IextCursorEvent } from '../iext/tree.js';
import {
  BIT63,
  type I64,
  S64_MAX,
  addI,
  addS64,
  addU64,
  hex64I,
  roundDownS64I,
  roundUpS64I,
  roundUpU64I,
  s64I,
  subI,
  subS64,
  subU64,
  toBig,
  toI64,
  u64,
  u64I,
} from '../util/int64.js';
import {
  EUCLEAN,
  FUSE_IEXT_LEFT_CONTIG,
  FUSE_IEXT_LEFT_FILLING,
  FUSE_IEXT_LEFT_VALID,
  FUSE_IEXT_RIGHT_CONTIG,
  FUSE_IEXT_RIGHT_FILLING,
  FUSE_IEXT_RIGHT_VALID,
  FUSE_IEXT_WRITEFORK,
  FUSE_IOMAP_INVAL_TO_EOF,
  FUSE_IOMAP_LOCK_EXCL,
  FUSE_IOMAP_LOCK_SHARED,
  FUSE_IOMAP_NULL_ADDR,
  FUSE_IOMAP_TYPE_DELALLOC,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_INLINE,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_UNWRITTEN,
  Fork,
  LookupResult,
  forkName,
} from './constants.js';
import type { CacheEvent, CacheEventI, CacheEventName, CacheEventSink, CacheEventSinkI, InodeIds } from './events.js';
import { HAZARDS, type HazardHit, type HazardInfo } from './hazards.js';
import { canMerge, canMerge3I, canMergeI } from './merge.js';
import { DEFAULT_REVISION, type ResolvedRevision, type Revision, resolveRevision } from './revision.js';
import type { RevisionEvent, RevisionEventSink } from './events.js';

/** A mapping handed out by a lookup: struct fuse_iomap with its cookie. */
export interface CachedMapping extends Mapping {
  validityCookie: bigint;
}

/** CachedMapping with I64 fields */
export interface CachedMappingI extends MappingI {
  validityCookie: I64;
}

/**
 * A zeroed CachedMappingI, written as one literal: `{ ...emptyMappingI(),
 * validityCookie: 0 }` gave each call's object a map of its own once the
 * fields had held doubles and bigints, so code that saw the last run's
 * object deoptimized on the next run's ("wrong map", every run).
 */
export const emptyCachedMappingI = (): CachedMappingI => ({ addr: 0, offset: 0, length: 0, type: 0, flags: 0, dev: 0, validityCookie: 0 });

export interface CacheInode {
  ids: InodeIds;
  /** i_size (only printed by tracepoints here) */
  isize: bigint;
  /** i_blocksize(inode): a power of two */
  blockSize: bigint;
  /** inode->i_sb->s_maxbytes (loff_t) */
  maxBytes: bigint;
}

export interface CacheOptions {
  geometry?: Geometry;
  revision?: Revision;
  /** CONFIG_FUSE_IOMAP_DEBUG: ASSERTs warn, check_mappings walks and traces */
  debug?: boolean;
  sink?: CacheEventSink;
  /**
   * The same events in I64 form, into one reused CacheEventI (opt-in, for
   * consumers that compare numbers: the trace replay). Independent of sink:
   * either, both or neither may be given.
   */
  sinkI?: CacheEventSinkI;
  /** fire fuse_iomap_cache_lock/unlock too (default off, as in the fixtures) */
  traceLocks?: boolean;
  onAlloc?: (fork: Fork, ev: AllocEvent) => void;
  onHazard?: (hit: HazardHit) => void;
  /** share leaf/node storage between caches (the kernel's slab) */
  arena?: IextArena;
  /**
   * About how many records the forks will hold at most (a scenario runner
   * knows a bound from its commands): the arena reserves leaf slots for
   * them up front instead of growing by copies into fresh memory. Slots a
   * run never reaches stay untouched zero pages. Ignored with opts.arena.
   */
  recordsHint?: number;
  /**
   * The record-index paths of the common cases (docs/architecture.md,
   * "Index paths"); default on. Off, every operation runs its general
   * code: tests compare the two.
   */
  indexPaths?: boolean;
  /**
   * The cache_maxbytes the server sets through FUSE_IOMAP_CONFIG (passed
   * through fuse_iomap_cache_set_maxbytes); only revisions with a size cap.
   */
  cacheMaxBytes?: number;
  /** events only some revisions fire (fuse_iomap_cache_cleanup, _alloc, _enable) */
  revisionSink?: RevisionEventSink;
}

/** sums of safe numbers up to this are exact */
const SAFE_END = Number.MAX_SAFE_INTEGER;

/** The geometry a revision's record uses: v7 records have u64 offsets. */
const unsignedGeometries = new Map<Geometry, Geometry>();
/** An arena with leaf slots for about `records` records (leaves about 4 records full, a node per 8 leaves), or the default one. */
function arenaFor(geometry: Geometry, records: number | undefined): IextArena {
  if (records === undefined || !(records > 0)) return new IextArena(geometry);
  const leaves = Math.min(Math.ceil(records / 4), MAX_HINT_LEAVES);
  return new IextArena(geometry, leaves, Math.ceil(leaves / 8));
}
/** the most leaf slots a hint reserves (about 230 MB of fuse records, virtual until used); past it the arena grows as usual */
const MAX_HINT_LEAVES = 1 << 20;

function geometryFor(base: Geometry, rev: ResolvedRevision): Geometry {
  if (!rev.unsignedRecordOffsets || !base.signedOffsets) return base;
  let g = unsignedGeometries.get(base);
  if (!g) {
    g = Object.freeze({ ...base, signedOffsets: false });
    unsignedGeometries.set(base, g);
  }
  return g;
}

/** One problem fuse_iext_check_mappings (or the model's own checks) found. */
export interface MappingProblem {
  fork: Fork;
  index: number;
  what: string;
}

export class IomapCache {
  /** im_read */
  readonly read: IextTree;
  /** im_write: NULL until the first add to the write fork */
  write: IextTree | null = null;
  /** im_seq (I64) */
  seqI: I64;
  /** im_seq */
  get seq(): bigint {
    return toBig(this.seqI);
  }
  set seq(v: bigint) {
    this.seqI = toI64(v);
  }
  /** FUSE_I_IOMAP_CACHE */
  enabled = false;
  /** im_lock: number of shared holders, or -1 when held exclusively */
  private lockHolders = 0;
  /** WARN()s a debug build would print (ASSERT, BAD_DATA, CORRUPTION) */
  readonly warnings: string[] = [];

  readonly geometry: Geometry;
  readonly revision: Revision;
  /** the revision with every behaviour filled in */
  readonly rev: ResolvedRevision;
  /** fc->iomap_conn.cache_maxbytes, or null when the revision has no cap */
  cacheMaxBytes: number | null;
  revisionSink: RevisionEventSink | undefined;
  private readonly unsignedOffsets: boolean;
  private readonly pureOverwrite: number;
  readonly debug: boolean;
  /** CacheOptions.indexPaths */
  private readonly indexPaths: boolean;
  sink: CacheEventSink | undefined;
  sinkI: CacheEventSinkI | undefined;
  /** the one CacheEventI sinkI receives */
  private readonly evI: CacheEventI;
  /** fire fuse_iomap_cache_lock/unlock (the fixtures leave them out) */
  traceLocks: boolean;
  onHazard: ((hit: HazardHit) => void) | undefined;
  private readonly onAlloc: CacheOptions['onAlloc'];
  private readonly arena: IextArena;
  // Scratch values, one set per function (none of them nest), so that the
  // hot paths do not allocate: the C keeps these on the stack.
  private readonly rmCur: Cursor = { leaf: NULL, pos: 0 };
  private readonly rmGot = emptyMappingI();
  private readonly rmDel = emptyMappingI();
  private readonly rmEnd = { value: 0 as I64 };
  private readonly delNew = emptyMappingI();
  private readonly addCur: Cursor = { leaf: NULL, pos: 0 };
  private readonly addGot = emptyMappingI();
  private readonly amLeft = emptyMappingI();
  private readonly amRight = emptyMappingI();
  private readonly luCur: Cursor = { leaf: NULL, pos: 0 };
  private readonly luGot = emptyMappingI();
  // the bigint API's conversions
  private readonly apiMap = emptyMappingI();
  private readonly apiMval: CachedMappingI = emptyCachedMappingI();
  // inode->i_sb->s_maxbytes and i_blocksize as I64, refreshed when the inode's bigints change
  private maxBytesBig = -1n;
  private maxBytesI: I64 = -1;
  private blockSizeBig = -1n;
  private blockSizeI: I64 = -1;

  constructor(readonly inode: CacheInode, opts: CacheOptions = {}) {
    this.revision = opts.revision ?? DEFAULT_REVISION;
    this.rev = resolveRevision(this.revision);
    this.unsignedOffsets = this.rev.unsignedRecordOffsets;
    this.pureOverwrite = this.rev.pureOverwriteType;
    this.geometry = geometryFor(opts.geometry ?? FUSE_GEOMETRY, this.rev);
    if (opts.arena && opts.arena.geometry !== this.geometry)
      throw new Error(`CacheOptions.arena was built for another geometry than revision ${this.rev.name} uses (${this.rev.unsignedRecordOffsets ? 'u64' : 'loff_t'} record offsets)`);
    this.cacheMaxBytes = this.rev.cacheSizeCap ? this.rev.cacheSizeCap.defaultBytes : null;
    if (opts.cacheMaxBytes !== undefined) this.setCacheMaxBytes(opts.cacheMaxBytes);
    this.revisionSink = opts.revisionSink;
    this.debug = opts.debug ?? false;
    this.indexPaths = opts.indexPaths ?? true;
    this.sink = opts.sink;
    this.sinkI = opts.sinkI;
    this.evI = { name: 'fuse_iomap_cache_add', inode: inode.ids, isize: inode.isize, fork: Fork.READ, state: 0, leafAddr: 0, leafId: 0, pos: 0, count: 0, offset: 0, length: 0, cookie: 0, lockFlags: 0, rec: emptyMappingI(), map: emptyMappingI(), got: emptyMappingI() };
    this.traceLocks = opts.traceLocks ?? false;
    this.onHazard = opts.onHazard;
    this.onAlloc = opts.onAlloc;
    this.arena = opts.arena ?? arenaFor(this.geometry, opts.recordsHint);
    // fuse_iomap_set_fileio: zero im_read, im_seq, no write fork
    this.seqI = toI64(this.revision.initialSeq);
    this.read = this.newFork(Fork.READ);
  }

  private newFork(fork: Fork): IextTree {
    const onAlloc = this.onAlloc;
    const nextSeqI = this.rev.nextSeqI;
    return new IextTree(
      this.geometry,
      {
        incSeq: () => {
          this.seqI = nextSeqI(this.seqI);
        },
        trace: (event, cur, state) => this.traceCursor(event, cur, state),
        onAlloc: onAlloc ? (ev) => onAlloc(fork, ev) : undefined,
        onKeyInvalid: () => this.hazard(HAZARDS.keyInvalidCollision, `${forkName(fork)} fork: a node key slot now holds 0x8000000000000000`),
      },
      this.arena,
    );
  }

  // ---------------------------------------------------------------- helpers

  /** inode->i_sb->s_maxbytes as I64 */
  private maxBytes(): I64 {
    const b = this.inode.maxBytes;
    if (b !== this.maxBytesBig) {
      this.maxBytesBig = b;
      this.maxBytesI = toI64(b);
    }
    return this.maxBytesI;
  }

  /** i_blocksize(inode) as I64 */
  private blockSize(): I64 {
    const b = this.inode.blockSize;
    if (b !== this.blockSizeBig) {
      this.blockSizeBig = b;
      this.blockSizeI = toI64(b);
    }
    return this.blockSizeI;
  }

  /** fuse_iomap_fork_ptr */
  forkPtr(fork: Fork): IextTree | null {
    return fork === Fork.READ ? this.read : this.write;
  }

  /** fuse_iomap_fork_to_state */
  private forkToState(ifp: IextTree): number {
    return ifp === this.write ? FUSE_IEXT_WRITEFORK : 0;
  }

  /** fuse_iext_state_to_fork */
  private stateToFork(state: number): IextTree | null {
    return state & FUSE_IEXT_WRITEFORK ? this.write : this.read;
  }

  private emit(ev: CacheEvent): void {
    this.sink!(ev);
  }

  /** The reused CacheEventI named name, its inode values current (the caller sets the rest, then emitI). */
  private evIOf(name: CacheEventName): CacheEventI {
    const ev = this.evI;
    ev.name = name;
    ev.inode = this.inode.ids;
    ev.isize = this.inode.isize;
    return ev;
  }

  /** sinkI of a range event: fuse_iomap_cache_remove, _lookup (pos, count), _invalidate_range (no fork) */
  private emitRangeI(name: 'fuse_iomap_cache_remove' | 'fuse_iomap_cache_lookup' | 'fuse_iomap_cache_invalidate_range', fork: Fork, a: I64, b: I64): void {
    const ev = this.evIOf(name);
    ev.fork = fork;
    if (name === 'fuse_iomap_cache_lookup') {
      ev.pos = a;
      ev.count = b;
    } else {
      ev.offset = a;
      ev.length = b;
    }
    this.sinkI!(ev);
  }

  /** sinkI of a mapping event (state: for add/del_mapping only) */
  private emitMapI(name: CacheEventName, fork: Fork, state: number, map: MappingI): void {
    const ev = this.evIOf(name);
    ev.fork = fork;
    ev.state = state;
    ev.map = map;
    this.sinkI!(ev);
  }

  private traceCursor(name: IextCursorEvent, cur: Cursor, state: number): void {
    if (this.sinkI) this.traceCursorI(name, cur, state);
    if (!this.sink) return;
    const ifp = this.stateToFork(state);
    const rec = emptyMapping();
    if (ifp) ifp.getExtent(cur, rec);
    this.emit({
      inode: this.inode.ids, isize: this.inode.isize,
      name,
      state,
      leafAddr: ifp ? ifp.leafAddr(cur.leaf) : 0,
      leafId: ifp ? ifp.leafId(cur.leaf) : 0,
      pos: cur.pos,
      rec,
    });
  }

  /** traceCursor for sinkI */
  private traceCursorI(name: IextCursorEvent, cur: Cursor, state: number): void {
    const ifp = this.stateToFork(state);
    const ev = this.evIOf(name);
    const rec = ev.rec;
    if (!ifp || !ifp.getExtentI(cur, rec)) {
      rec.addr = rec.offset = rec.length = 0;
      rec.type = rec.flags = rec.dev = 0;
    }
    ev.state = state;
    ev.leafAddr = ifp ? ifp.leafAddr(cur.leaf) : 0;
    ev.leafId = ifp ? ifp.leafId(cur.leaf) : 0;
    ev.pos = cur.pos;
    this.sinkI!(ev);
  }

  private assert(cond: boolean, what: string, func: string): void {
    if (!cond && this.debug) this.warnings.push(`Assertion failed: ${what}, func: ${func}`);
  }

  private hazard(h: HazardInfo, detail: string): void {
    this.onHazard?.({ hazard: h, detail });
  }

  /**
   * a > b where a is a record offset: loff_t in rfc-v3, u64 in v7 (struct
   * fuse_iomap_io), so the C compares unsigned there (b converts to u64).
   */
  private recOffGt(a: I64, b: I64): boolean {
    if (typeof a === 'number' && typeof b === 'number' && (!this.unsignedOffsets || (a >= 0 && b >= 0))) return a > b;
    return this.unsignedOffsets ? u64I(a) > u64I(b) : a > b;
  }

  private emitRevision(ev: RevisionEvent): void {
    this.revisionSink!(ev);
  }

  /**
   * fuse_iomap_cache_set_maxbytes (v7): a non-zero cache_maxbytes from the
   * server's iomap config, clamped to [NODE_SIZE, 2 MiB]; 0 keeps the
   * current value. Revisions without a cap ignore it. Returns the value now
   * in force (null without a cap).
   */
  setCacheMaxBytes(maxbytes: number): number | null {
    if (!Number.isInteger(maxbytes) || maxbytes < 0 || maxbytes > 0xffff_ffff)
      throw new RangeError(`cache_maxbytes ${maxbytes} is not an unsigned 32-bit integer`);
    const cap = this.rev.cacheSizeCap;
    if (!cap || maxbytes === 0) return this.cacheMaxBytes;
    this.cacheMaxBytes = Math.min(Math.max(maxbytes, cap.minBytes), cap.maxBytes);
    return this.cacheMaxBytes;
  }

  /**
   * First upsert notification for the inode: rfc-v3 sets FUSE_I_IOMAP_CACHE
   * (fuse_iomap_upsert, trace fuse_iomap_cache_enable); v7 allocates the
   * cache object (fuse_iomap_cache_alloc). Either way invalidation starts
   * to act. A second call does nothing.
   */
  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    if (this.revisionSink) this.emitRevision({ inode: this.inode.ids, isize: this.inode.isize, name: this.rev.allocatedCache ? 'fuse_iomap_cache_alloc' : 'fuse_iomap_cache_enable' });
  }

  /**
   * Bytes of struct fuse_iomap_cache itself: embedded in struct fuse_inode
   * in rfc-v3 (always there), kmalloc'd on first upsert in v7.
   */
  cacheObjectBytes(): number {
    return this.enabled || !this.rev.allocatedCache ? this.rev.cacheObjectBytes : 0;
  }

  /** Bytes of the separately allocated write fork header (rfc-v3 only, once created). */
  forkHeaderBytes(): number {
    return this.write ? this.rev.writeForkHeaderBytes : 0;
  }

  // ------------------------------------------------------------------ lock

  /** fuse_iomap_cache_lock: take im_lock, then trace */
  lock(flags: number): void {
    if (flags === FUSE_IOMAP_LOCK_EXCL) {
      this.assert(this.lockHolders === 0, 'im_lock free for an exclusive lock', 'fuse_iomap_cache_lock');
      this.lockHolders = -1;
    } else {
      this.assert(this.lockHolders >= 0, 'im_lock not held exclusively', 'fuse_iomap_cache_lock');
      this.lockHolders++;
    }
    if (this.sink && this.traceLocks) this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iomap_cache_lock', lockFlags: flags });
    if (this.sinkI && this.traceLocks) this.emitLockI('fuse_iomap_cache_lock', flags);
  }

  /** fuse_iomap_cache_unlock: trace, then release im_lock */
  unlock(flags: number): void {
    if (this.sink && this.traceLocks) this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iomap_cache_unlock', lockFlags: flags });
    if (this.sinkI && this.traceLocks) this.emitLockI('fuse_iomap_cache_unlock', flags);
    if (flags === FUSE_IOMAP_LOCK_EXCL) this.lockHolders = 0;
    else if (this.lockHolders > 0) this.lockHolders--;
  }

  /** sinkI of fuse_iomap_cache_lock / _unlock */
  private emitLockI(name: 'fuse_iomap_cache_lock' | 'fuse_iomap_cache_unlock', flags: number): void {
    const ev = this.evIOf(name);
    ev.lockFlags = flags;
    this.sinkI!(ev);
  }

  /** fuse_iomap_assert_locked */
  private assertLocked(flags: number, func: string): void {
    if (!this.debug) return;
    if (flags & FUSE_IOMAP_LOCK_SHARED) this.assert(this.lockHolders !== 0, 'im_lock held', func);
    else this.assert(this.lockHolders === -1, 'im_lock held exclusively', func);
  }

  // --------------------------------------------------------------- removal

  /** fuse_iext_del_mapping: remove del (a part of got, under the cursor) */
  private delMapping(ifp: IextTree, icur: Cursor, got: MappingI, del: MappingI): void {
    const delEndoff = addU64(del.offset, del.length);
    const gotEndoff = addU64(got.offset, got.length);
    let state = this.forkToState(ifp);
    const delEndaddr =
      del.type === FUSE_IOMAP_TYPE_MAPPED || del.type === FUSE_IOMAP_TYPE_UNWRITTEN ? addU64(del.addr, del.length) : FUSE_IOMAP_NULL_ADDR;

    if (got.offset === del.offset) state |= FUSE_IEXT_LEFT_FILLING;
    if (gotEndoff === delEndoff) state |= FUSE_IEXT_RIGHT_FILLING;

    if (this.sink) {
      this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iext_del_mapping', state, map: bigMapping(del) });
      this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iext_del_mapping_got', map: bigMapping(got) });
    }
    if (this.sinkI) {
      this.emitMapI('fuse_iext_del_mapping', Fork.READ, state, del);
      this.emitMapI('fuse_iext_del_mapping_got', Fork.READ, 0, got);
    }

    switch (state & (FUSE_IEXT_LEFT_FILLING | FUSE_IEXT_RIGHT_FILLING)) {
      case FUSE_IEXT_LEFT_FILLING | FUSE_IEXT_RIGHT_FILLING:
        // Matches the whole extent: delete the entry.
        ifp.remove(icur, state);
        ifp.prev(icur);
        break;
      case FUSE_IEXT_LEFT_FILLING:
        // Deleting the first part of the extent.
        got.offset = s64I(delEndoff);
        got.addr = delEndaddr;
        got.length = subU64(got.length, del.length);
        ifp.updateExtentI(state, icur, got);
        break;
      case FUSE_IEXT_RIGHT_FILLING:
        // Deleting the last part of the extent.
        got.length = subU64(got.length, del.length);
        ifp.updateExtentI(state, icur, got);
        break;
      case 0: {
        // Deleting the middle of the extent.
        got.length = subU64(del.offset, got.offset);
        ifp.updateExtentI(state, icur, got);
        const nw = this.delNew;
        nw.offset = s64I(delEndoff);
        nw.length = subU64(gotEndoff, delEndoff);
        nw.type = got.type;
        nw.flags = got.flags;
        nw.addr = delEndaddr;
        nw.dev = got.dev;
        ifp.next(icur);
        ifp.insertI(icur, nw, state);
        break;
      }
    }
  }

  /**
   * fuse_iomap_cache_remove: drop [start, start + len) from a fork.
   * start is a loff_t, len a u64. Returns 0 or -EUCLEAN.
   */
  cacheRemove(fork: Fork, start: bigint, len: bigint): number {
    return this.cacheRemoveI(fork, toI64(start), toI64(len));
  }

  /** fuse_iomap_cache_remove on I64 */
  cacheRemoveI(fork: Fork, start: I64, len: I64): number {
    this.assertLocked(FUSE_IOMAP_LOCK_EXCL, 'fuse_iomap_cache_remove');
    if (this.sink) this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iomap_cache_remove', fork, offset: toBig(start), length: toBig(len) });
    if (this.sinkI) this.emitRangeI('fuse_iomap_cache_remove', fork, start, len);

    const ifp = this.forkPtr(fork);
    if (!ifp || ifp.count() === 0) return 0;

    // Fast shortcut if the caller wants to erase everything.
    const maxBytes = this.maxBytes();
    // a range over a hole deletes nothing and fires nothing more: found on record indexes (holeAt)
    if (this.indexPaths && !this.debug && this.overHole(ifp, start, len)) return 0;
    if (start === 0 && len >= (maxBytes >= 0 ? maxBytes : u64I(maxBytes))) {
      this.hazard(HAZARDS.eraseAllNoSeqBump, `cache_remove ${forkName(fork)} 0x0+0x${hex64I(len)} erased ${ifp.count()} record(s) at seq ${this.seqI}`);
      ifp.destroy();
      return 0;
    }

    let ret = 0;
    out: {
      if (len === 0) break out;

      // Remove to EOF: round s_maxbytes up to a block (loff_t, wraps).
      if (len === FUSE_IOMAP_INVAL_TO_EOF) len = subU64(roundUpS64I(maxBytes, this.blockSize()), start);

      const sum = addI(start, len);
      const endRef = this.rmEnd;
      endRef.value = typeof sum === 'number' || sum <= S64_MAX ? sum : s64I(sum);
      // end == LLONG_MIN still works (end - 1 wraps to LLONG_MAX, SPEC 8.20); past it the result depends on the tree height
      if (start < 0 || (typeof sum !== 'number' && sum > BIT63))
        this.hazard(HAZARDS.removeEndOverflow, `cache_remove ${forkName(fork)} start 0x${hex64I(start)} len 0x${hex64I(len)}: end wraps to 0x${hex64I(endRef.value)}`);
      const icur = this.rmCur;
      const got = this.rmGot;
      if (!this.lookupExtentBefore(ifp, endRef, icur, got)) break out;
      let end = subS64(endRef.value, 1);
      let done = false;
      // A remove that makes progress visits each record once, plus a split at
      // either end; more passes than that means the C spins (v7, start >= 2^63)
      let passes = ifp.count() * 2 + 8;

      while (end !== -1 && end >= start) {
        if (--passes < 0)
          throw new KernelLockup('fuse_iomap_cache_remove', `no progress removing ${forkName(fork)} start 0x${hex64I(start)} len 0x${hex64I(len)}: each pass deletes 0x${hex64I(this.rmDel.length)} bytes at 0x${hex64I(this.rmDel.offset)}`);
        // Is the found extent after a hole in which end lives? Back up.
        if (this.recOffGt(got.offset, end) && !ifp.prevExtentI(icur, got)) {
          done = true;
          break;
        }
        // Is the last block of this extent before the range? Then done.
        const gotLast = subS64(addS64(got.offset, got.length), 1);
        if (gotLast < end) end = gotLast;
        if (end < start) break;

        const del = copyMappingI(this.rmDel, got);
        let wasreal: boolean;
        switch (del.type) {
          case FUSE_IOMAP_TYPE_DELALLOC:
          case FUSE_IOMAP_TYPE_HOLE:
          case FUSE_IOMAP_TYPE_INLINE:
            wasreal = false;
            break;
          case FUSE_IOMAP_TYPE_MAPPED:
          case FUSE_IOMAP_TYPE_UNWRITTEN:
            wasreal = true;
            break;
          default:
            // FUSE_IOMAP_TYPE_PURE_OVERWRITE: 0xffff in rfc-v3, 255 in v7
            if (del.type === this.pureOverwrite) {
              wasreal = false;
              break;
            }
            this.assert(false, '0', 'fuse_iomap_cache_remove');
            ret = -EUCLEAN; // v7: -EFSCORRUPTED, defined as EUCLEAN
            break out;
        }

        if (this.recOffGt(start, got.offset)) {
          const skip = subI(start, got.offset);
          del.offset = start;
          del.length = subU64(del.length, skip);
          if (wasreal) del.addr = addU64(del.addr, skip);
        }
        const endPlus1 = addI(end, 1);
        if (addU64(del.offset, del.length) > u64I(endPlus1)) del.length = subU64(endPlus1, del.offset);

        this.delMapping(ifp, icur, got, del);
        end = subS64(del.offset, 1);

        // If not done go on to the next (previous) record.
        if (end !== -1 && end >= start) {
          if (!ifp.getExtentI(icur, got) || (this.recOffGt(got.offset, end) && !ifp.prevExtentI(icur, got))) {
            done = true;
            break;
          }
        }
      }

      // Should have removed everything.
      ret = len === 0 || done || end === -1 || end < start ? 0 : -EUCLEAN;
    }
    this.checkMappingsDebug(ifp);
    return ret;
  }

  // -------------------------------------------------------------- addition

  /** fuse_iext_add_mapping: insert nw at the cursor, merging with neighbours */
  private addMapping(ifp: IextTree, icur: Cursor, nw: MappingI): void {
    const left = this.amLeft;
    const right = this.amRight;
    let state = this.forkToState(ifp);

    if (ifp.peekPrevExtentI(icur, left)) state |= FUSE_IEXT_LEFT_VALID;
    // Not true if we're inserting into the "hole" at eof.
    if (ifp.getExtentI(icur, right)) state |= FUSE_IEXT_RIGHT_VALID;
    if (state & FUSE_IEXT_LEFT_VALID && canMergeI(left, nw)) state |= FUSE_IEXT_LEFT_CONTIG;
    if (state & FUSE_IEXT_RIGHT_VALID && canMergeI(nw, right) && (!(state & FUSE_IEXT_LEFT_CONTIG) || canMerge3I(left, nw, right)))
      state |= FUSE_IEXT_RIGHT_CONTIG;

    if (this.sink) {
      this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iext_add_mapping', state, map: bigMapping(nw) });
      if (state & FUSE_IEXT_LEFT_VALID) this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iext_add_mapping_left', map: bigMapping(left) });
      if (state & FUSE_IEXT_RIGHT_VALID) this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iext_add_mapping_right', map: bigMapping(right) });
    }
    if (this.sinkI) {
      this.emitMapI('fuse_iext_add_mapping', Fork.READ, state, nw);
      if (state & FUSE_IEXT_LEFT_VALID) this.emitMapI('fuse_iext_add_mapping_left', Fork.READ, 0, left);
      if (state & FUSE_IEXT_RIGHT_VALID) this.emitMapI('fuse_iext_add_mapping_right', Fork.READ, 0, right);
    }

    switch (state & (FUSE_IEXT_LEFT_CONTIG | FUSE_IEXT_RIGHT_CONTIG)) {
      case FUSE_IEXT_LEFT_CONTIG | FUSE_IEXT_RIGHT_CONTIG:
        // Contiguous on both sides: merge all three into one record.
        left.length = addU64(addU64(left.length, nw.length), right.length);
        ifp.remove(icur, state);
        ifp.prev(icur);
        ifp.updateExtentI(state, icur, left);
        break;
      case FUSE_IEXT_LEFT_CONTIG:
        left.length = addU64(left.length, nw.length);
        ifp.prev(icur);
        ifp.updateExtentI(state, icur, left);
        break;
      case FUSE_IEXT_RIGHT_CONTIG:
        right.offset = nw.offset;
        right.addr = nw.addr;
        right.length = addU64(right.length, nw.length);
        ifp.updateExtentI(state, icur, right);
        break;
      case 0:
        if (nw.offset < 0 && !this.unsignedOffsets) this.hazard(HAZARDS.negativeOffsetRecord, `insert ${forkName(ifp === this.write ? Fork.WRITE : Fork.READ)} offset 0x${hex64I(nw.offset)}`);
        ifp.insertI(icur, nw, state);
        break;
    }
  }

  /**
   * fuse_iomap_cache_add: add a mapping into a hole of the fork, creating
   * the write fork on first use. Returns 0 or -EUCLEAN.
   */
  cacheAdd(fork: Fork, nw: Mapping): number {
    return this.cacheAddI(fork, toMappingI(this.apiMap, nw));
  }

  /** fuse_iomap_cache_add on I64 (nw is not modified) */
  cacheAddI(fork: Fork, nw: MappingI): number {
    this.assertLocked(FUSE_IOMAP_LOCK_EXCL, 'fuse_iomap_cache_add');
    if (this.debug) {
      this.assert(nw.length > 0, 'new->length > 0', 'fuse_iomap_cache_add');
      this.assert(this.recOffGt(this.maxBytes(), nw.offset), 'new->offset < inode->i_sb->s_maxbytes', 'fuse_iomap_cache_add');
    }
    if (this.sink) this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iomap_cache_add', fork, map: bigMapping(nw) });
    if (this.sinkI) this.emitMapI('fuse_iomap_cache_add', fork, 0, nw);

    let ifp = this.forkPtr(fork);
    if (!ifp) {
      // rfc-v3: kzalloc(__GFP_NOFAIL) of the write fork, the -ENOMEM branch
      // after it is dead code; v7: ir_bytes -1 -> 0 ("mark this fork in use")
      ifp = this.write = this.newFork(Fork.WRITE);
    }
    if (this.indexPaths && this.addIntoHole(ifp, nw)) return 0;

    const icur = this.addCur;
    const got = this.addGot;
    if (ifp.lookupExtentI(nw.offset, icur, got)) {
      // make sure we only add into a hole
      const gap = subU64(got.offset, nw.offset);
      const fits = this.recOffGt(got.offset, nw.offset) && gap >= nw.length;
      if (this.debug) {
        this.assert(this.recOffGt(got.offset, nw.offset), 'got.offset > new->offset', 'fuse_iomap_cache_add');
        this.assert(gap >= nw.length, 'got.offset - new->offset >= new->length', 'fuse_iomap_cache_add');
      }
      if (!fits) return -EUCLEAN; // v7: -EFSCORRUPTED (= EUCLEAN)
    }

    this.addMapping(ifp, icur, nw);
    if (!this.unsignedOffsets && nw.offset >= 0) {
      const end = addI(nw.offset, nw.length);
      if (typeof end !== 'number' && end > S64_MAX + 1n)
        this.hazard(HAZARDS.recordEndPastLlongMax, `cache_add ${forkName(fork)} 0x${nw.offset.toString(16)}+0x${nw.length.toString(16)} ends at 0x${end.toString(16)}`);
    }
    this.checkMappingsDebug(ifp);
    return 0;
  }

  /**
   * fuse_iomap_cache_upsert: remove the range, then add. v7 first skips a
   * pure overwrite aimed at a never-used write fork (no write fork means
   * all writes are pure overwrites) and, between the two, destroys a fork
   * that is over cache_maxbytes (fuse_iomap_cache_cleanup).
   */
  cacheUpsert(fork: Fork, map: Mapping): number {
    return this.cacheUpsertI(fork, toMappingI(this.apiMap, map));
  }

  /** fuse_iomap_cache_upsert on I64 (map is not modified) */
  cacheUpsertI(fork: Fork, map: MappingI): number {
    if (this.rev.skipPureOverwriteIntoUnusedWriteFork && fork === Fork.WRITE && map.type === this.pureOverwrite && !this.write) return 0;
    // the commonest upsert, nobody listening: its range is a hole (the remove fires and deletes nothing) and the add goes into it
    if (this.indexPaths && this.sink === undefined && this.sinkI === undefined && this.cacheMaxBytes === null && !this.debug) {
      const ifp = this.forkPtr(fork);
      // as cacheRemoveI then cacheAddI would (addIntoHole declines before its first write)
      if (ifp && this.overHole(ifp, map.offset, map.length)) return this.addIntoHole(ifp, map) ? 0 : this.cacheAddI(fork, map);
    }
    const err = this.cacheRemoveI(fork, map.offset, map.length);
    if (err) return err;
    if (this.cacheMaxBytes !== null) this.cleanup(fork);
    return this.cacheAddI(fork, map);
  }

  /**
   * fuse_iomap_cache_add into a fastReady() fork of a mapping whose
   * offset, length and end are safe non-negative numbers (no step needs
   * the exact 64-bit paths), in the commonest case: lookup_extent(offset)
   * finds the hole add wants. The lookup runs over record indexes without
   * copying records out; add_mapping then runs from the cursor it leaves:
   * with nobody listening its merges on doubles (mergeAt), else a plain
   * insert; with a listener as the general code (addMapping), whose
   * events carry the neighbours. It reads before it writes, and returns
   * false before its first write for cacheAddI to go on as usual from the
   * same state (a record in the way: -EUCLEAN there; a value beyond 2^53
   * in a neighbour). test/cache-upsert-hole.test.ts compares trees and
   * events with runs whose cache has indexPaths off.
   */
  private addIntoHole(ifp: IextTree, map: MappingI): boolean {
    const off = map.offset;
    const len = map.length;
    if (typeof off !== 'number' || typeof len !== 'number' || off < 0 || len <= 0 || off + len > SAFE_END) return false;
    if (this.debug || !ifp.fastReady()) return false;
    const rec = ifp.arena.rec;
    const end = off + len;
    // lookup_extent(off) must land before a record that starts at or
    // after end (or none): the hole add checks for
    const cur = this.addCur;
    ifp.argKey = off;
    const right = ifp.lookupIndexAt(cur);
    if (cur.leaf === NULL) return false;
    if (right >= 0 && rec[right * REC + OFF] < end) return false;
    // fuse_iext_add_mapping from this cursor: with a listener, as the
    // general code does it (its events carry the neighbours' records)
    if (this.sink !== undefined || this.sinkI !== undefined) {
      this.addMapping(ifp, cur, map);
      return true;
    }
    // else on doubles: a neighbour it may merge with (mergeAt), or an
    // insert (fuse_iext_insert's tracepoint has no listener)
    const pcur = this.luCur;
    pcur.leaf = cur.leaf;
    pcur.pos = cur.pos;
    const left = ifp.prevIndex(pcur);
    const lm = left >= 0 ? this.mergeAt(ifp, left, map, true) : 0;
    const rm = right >= 0 ? this.mergeAt(ifp, right, map, false) : 0;
    if (lm < 0 || rm < 0) {
      this.addMapping(ifp, cur, map);
      return true;
    }
    let state = this.forkToState(ifp);
    if (left >= 0) state |= FUSE_IEXT_LEFT_VALID;
    if (right >= 0) state |= FUSE_IEXT_RIGHT_VALID;
    // can_merge3 holds: every length is a safe number
    if (lm > 0) state |= FUSE_IEXT_LEFT_CONTIG;
    if (rm > 0) state |= FUSE_IEXT_RIGHT_CONTIG;
    switch (state & (FUSE_IEXT_LEFT_CONTIG | FUSE_IEXT_RIGHT_CONTIG)) {
      case FUSE_IEXT_LEFT_CONTIG | FUSE_IEXT_RIGHT_CONTIG: {
        // the three lengths add up to right's end minus left's offset: a safe number
        const l = ifp.readRecI(left, this.amLeft);
        l.length = (l.length as number) + len + rec[right * REC + LEN];
        ifp.remove(cur, state);
        ifp.prev(cur);
        ifp.updateExtentI(state, cur, l);
        break;
      }
      case FUSE_IEXT_LEFT_CONTIG:
        // the cursor moves back onto left (pcur); its offset stays: no key update
        ifp.setLengthAt(pcur, rec[left * REC + LEN] + len);
        break;
      case FUSE_IEXT_RIGHT_CONTIG: {
        const r = ifp.readRecI(right, this.amRight);
        r.offset = off;
        r.addr = map.addr;
        r.length = (r.length as number) + len;
        ifp.updateExtentI(state, cur, r);
        break;
      }
      default:
        if (!ifp.insertInLeaf(cur, map)) ifp.insertRawI(cur, map);
    }
    return true;
  }

  /**
   * cacheRemoveI's shortcut (the remove deletes nothing, holeAt) where it
   * applies: start and len safe non-negative numbers, not the
   * erase-everything range, a fastReady() fork. start and len come in as
   * the caller has them (tagged values: no heap number made for the call).
   */
  private overHole(ifp: IextTree, start: I64, len: I64): boolean {
    if (typeof start !== 'number' || typeof len !== 'number' || start < 0 || len <= 0 || start + len > SAFE_END || !ifp.fastReady()) return false;
    if (start === 0 && !(len < this.maxBytes())) return false;
    this.holeOff = start;
    this.holeLen = len;
    return this.holeAt(ifp);
  }

  /** holeAt's range [off, off + len), passed in fields: a double passed to a call that is not inlined is boxed */
  private holeOff = 0;
  private holeLen = 0;

  /**
   * fuse_iomap_cache_remove of [off, off + len) (safe non-negative numbers, a
   * fastReady() tree) would delete nothing: lookup_extent_before(end)
   * finds no record ending after off. The record at or after end - 1
   * starts at or after end, and the one before it ends at or before off.
   * Record offsets compare as the geometry stores them (loff_t, or u64 in
   * v7, whose values past 2^53 are above every safe end either way).
   * Reads only (the remove's cursor in rmCur); false also where a value
   * is beyond the safe numbers.
   */
  private holeAt(ifp: IextTree): boolean {
    const off = this.holeOff;
    const end = off + this.holeLen;
    const rec = ifp.arena.rec;
    const icur = this.rmCur;
    ifp.argKey = end - 1;
    const at = ifp.lookupIndexAt(icur);
    if (icur.leaf === NULL) return false;
    if (at >= 0 && rec[at * REC + OFF] <= end - 1) return false;
    const before = ifp.prevIndex(icur);
    if (before < 0) return true;
    const bo = rec[before * REC + OFF];
    const bEnd = bo + rec[before * REC + LEN];
    return bo >= 0 && bEnd <= SAFE_END && bEnd <= off;
  }

  /**
   * fuse_iomap_can_merge of the record at index i and map (left: the
   * record before map, else after it), on doubles: 1 yes, 0 no, -1 when a
   * value is not a safe non-negative number and add_mapping must decide.
   */
  private mergeAt(ifp: IextTree, i: number, map: MappingI, left: boolean): number {
    const a = ifp.arena;
    const tf = a.recU[i * REC_U + TF];
    // dev, type and flags first: most neighbours differ there
    if (a.recU[i * REC_U + DEV] !== map.dev || (tf & 0xffff) !== map.type || tf >>> 16 !== map.flags) return 0;
    const rec = a.rec;
    const ro = rec[i * REC + OFF];
    const rl = rec[i * REC + LEN];
    const ra = rec[i * REC + ADDR];
    if (ro < 0 || ro + rl > SAFE_END || (ra > SAFE_END && ra !== Infinity)) return -1;
    const off = map.offset as number;
    const len = map.length as number;
    const addr = map.addr;
    // offsets adjacent (u64 sums, exact below 2^53)
    if (left ? ro + rl !== off : off + len !== ro) return 0;
    // fuse_iomap_addrs_adjacent(first, second)
    if (map.type === FUSE_IOMAP_TYPE_MAPPED || map.type === FUSE_IOMAP_TYPE_UNWRITTEN) {
      if (typeof addr !== 'number' || ra === Infinity) return -1;
      const firstEnd = left ? ra + rl : addr + len;
      if (firstEnd > SAFE_END) return -1;
      return firstEnd === (left ? addr : ra) ? 1 : 0;
    }
    return ra === Infinity && addr === FUSE_IOMAP_NULL_ADDR ? 1 : 0;
  }

  /**
   * fuse_iomap_cache_cleanup (v7): a fork holding more than cache_maxbytes
   * (ir_bytes, 32 per record; a never-used fork's -1 never is) is destroyed
   * whole. No sequence bump here; the add that follows bumps it.
   */
  private cleanup(fork: Fork): void {
    const ifp = this.forkPtr(fork);
    if (!ifp || ifp.bytes <= this.cacheMaxBytes!) return;
    if (this.revisionSink) this.emitRevision({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iomap_cache_cleanup', fork, bytes: BigInt(ifp.bytes) });
    ifp.destroy();
  }

  /**
   * fuse_iext_lookup_extent_before: the tree's version compares the found
   * record's offset as a loff_t; v7 records have a u64 offset, so there
   * "gotp->offset <= *end - 1" is an unsigned comparison.
   */
  private lookupExtentBefore(ifp: IextTree, end: { value: I64 }, cur: Cursor, got: MappingI): boolean {
    if (!this.unsignedOffsets) return ifp.lookupExtentBeforeI(end, cur, got);
    const last = subS64(end.value, 1);
    if (ifp.lookupExtentI(last, cur, got) && !this.recOffGt(got.offset, last)) return true;
    if (!ifp.prevExtentI(cur, got)) return false;
    end.value = addS64(got.offset, got.length);
    return true;
  }

  // ---------------------------------------------------------------- lookup

  /** fuse_iomap_trim: clip got to the block-rounded request [off, off + len) */
  private trim(mval: MappingI, got: MappingI, off: I64, len: I64): void {
    const bs = this.blockSize();
    const alignedOff = roundDownS64I(off, bs);
    const alignedEnd = roundUpS64I(addS64(off, len), bs);
    const alignedLen = subS64(alignedEnd, alignedOff);
    if (this.debug) this.assert(!this.recOffGt(got.offset, alignedOff), 'aligned_off >= got->offset', 'fuse_iomap_trim');
    const skip = subI(alignedOff, got.offset);
    mval.addr =
      got.type === FUSE_IOMAP_TYPE_MAPPED || got.type === FUSE_IOMAP_TYPE_UNWRITTEN ? addU64(got.addr, skip) : FUSE_IOMAP_NULL_ADDR;
    mval.offset = alignedOff;
    const rest = subS64(got.length, skip);
    mval.length = u64I(alignedLen < rest ? alignedLen : rest); // min_t(loff_t, ...)
    mval.type = got.type;
    mval.flags = got.flags;
    mval.dev = got.dev;
  }

  /** fuse_iomap_trim of the later v7 tree: the whole record, addr only for types that have one */
  private untrimmed(mval: MappingI, got: MappingI): void {
    copyMappingI(mval, got);
    if (got.type !== FUSE_IOMAP_TYPE_MAPPED && got.type !== FUSE_IOMAP_TYPE_UNWRITTEN) mval.addr = FUSE_IOMAP_NULL_ADDR;
  }

  /**
   * fuse_iomap_cache_lookup: the cached mapping at off (a loff_t) for len
   * bytes. On HIT, mval gets the mapping and the current im_seq as cookie.
   */
  cacheLookup(fork: Fork, off: bigint, len: bigint, mval: CachedMapping): LookupResult {
    const m = this.apiMval;
    const res = this.cacheLookupI(fork, toI64(off), toI64(len), m);
    if (res === LookupResult.HIT) {
      fromMappingI(mval, m);
      mval.validityCookie = toBig(m.validityCookie);
    }
    return res;
  }

  /** fuse_iomap_cache_lookup on I64 (mval is written on HIT only) */
  cacheLookupI(fork: Fork, off: I64, len: I64, mval: CachedMappingI): LookupResult {
    this.assertLocked(FUSE_IOMAP_LOCK_SHARED | FUSE_IOMAP_LOCK_EXCL, 'fuse_iomap_cache_lookup');
    if (this.sink) this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iomap_cache_lookup', fork, pos: toBig(off), count: toBig(len) });
    if (this.sinkI) this.emitRangeI('fuse_iomap_cache_lookup', fork, off, len);

    const ifp = this.forkPtr(fork);
    // No write fork at all: this filesystem doesn't do out of place writes.
    if (!ifp) return LookupResult.NOFORK;

    const icur = this.luCur;
    const got = this.luGot;
    // Nothing at or beyond off: a miss.
    if (!ifp.lookupExtentI(off, icur, got)) return LookupResult.MISS;
    // Found a mapping that does not cover off: effectively a miss.
    if (this.recOffGt(got.offset, off)) return LookupResult.MISS;

    if (this.rev.trimLookup) this.trim(mval, got, off, s64I(len));
    else this.untrimmed(mval, got);
    mval.validityCookie = this.seqI; // fuse_iext_read_seq
    if (this.sink)
      this.emit({
        inode: this.inode.ids, isize: this.inode.isize,
        name: 'fuse_iomap_cache_lookup_result',
        fork,
        pos: toBig(off),
        count: toBig(len),
        got: bigMapping(got),
        map: bigMapping(mval),
        cookie: toBig(mval.validityCookie),
      });
    if (this.sinkI) {
      const ev = this.evIOf('fuse_iomap_cache_lookup_result');
      ev.fork = fork;
      ev.pos = off;
      ev.count = len;
      ev.got = got;
      ev.map = mval;
      ev.cookie = mval.validityCookie;
      this.sinkI(ev);
    }
    return LookupResult.HIT;
  }

  // ---------------------------------------------------------- invalidation

  /**
   * fuse_iomap_cache_invalidate_range: drop [offset, offset + length) from
   * both forks, rounded out to blocks; a no-op until the cache is enabled.
   * offset is a loff_t, length a u64 (FUSE_IOMAP_INVAL_TO_EOF = to EOF).
   */
  invalidateRange(offset: bigint, length: bigint): number {
    return this.invalidateRangeI(toI64(offset), toI64(length));
  }

  /** fuse_iomap_cache_invalidate_range on I64 */
  invalidateRangeI(offset: I64, length: I64): number {
    if (!this.enabled) return 0;
    if (this.sink) this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iomap_cache_invalidate_range', offset: toBig(offset), length: toBig(length) });
    if (this.sinkI) this.emitRangeI('fuse_iomap_cache_invalidate_range', Fork.READ, offset, length);

    const bs = this.blockSize();
    const alignedOffset = roundDownS64I(offset, bs);
    if (length !== FUSE_IOMAP_INVAL_TO_EOF) {
      length = addU64(length, subI(offset, alignedOffset));
      length = roundUpU64I(length, bs);
    }

    this.lock(FUSE_IOMAP_LOCK_EXCL);
    const ret = this.cacheRemoveI(Fork.READ, alignedOffset, length);
    const ret2 = this.cacheRemoveI(Fork.WRITE, alignedOffset, length);
    this.unlock(FUSE_IOMAP_LOCK_EXCL);
    return ret || ret2;
  }

  /** fuse_iomap_cache_invalidate: from offset to EOF */
  invalidate(offset: bigint): number {
    return this.invalidateRange(offset, FUSE_IOMAP_INVAL_TO_EOF);
  }

  /**
   * fuse_iomap_clear_cache (rfc-v3) / fuse_iomap_cache_free (v7, fires
   * fuse_iomap_cache_free first): eviction destroys both forks; seq untouched.
   */
  clear(): void {
    if (this.rev.allocatedCache && this.enabled && this.revisionSink) this.emitRevision({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iomap_cache_free' });
    this.enabled = false;
    this.read.destroy();
    this.write?.destroy();
  }

  // ---------------------------------------------------------------- checks

  /**
   * fuse_iext_check_mappings as a callable checker: records must be
   * non-empty, sorted, non-overlapping and not mergeable with their
   * predecessor. Returns the problems found (empty when sound).
   */
  checkMappings(fork: Fork): MappingProblem[] {
    const ifp = this.forkPtr(fork);
    const problems: MappingProblem[] = [];
    if (!ifp) return problems;
    let prev: Mapping | undefined;
    let index = 0;
    for (const got of ifp.records()) {
      if (prev) {
        if (got.length === 0n) problems.push({ fork, index, what: 'zero-length record' });
        if (u64(got.offset) < u64(prev.offset + prev.length)) problems.push({ fork, index, what: 'record overlaps or precedes its predecessor' });
        if (canMerge(prev, got)) problems.push({ fork, index, what: 'record could merge with its predecessor' });
      }
      prev = got;
      index++;
    }
    return problems;
  }

  /** The debug build's walk: trace every record and WARN on corruption. */
  private checkMappingsDebug(ifp: IextTree): void {
    if (!this.debug) return;
    const fork = ifp === this.write ? Fork.WRITE : Fork.READ;
    // one walk for both emissions, each record's event to both before the next record is read: where the
    // walk stops (a KernelMemoryError reading a record), the two streams hold the same events
    if (this.sink || this.sinkI)
      for (const m of ifp.records()) {
        if (this.sink) this.emit({ inode: this.inode.ids, isize: this.inode.isize, name: 'fuse_iext_check_mapping', fork, map: m });
        if (this.sinkI) this.emitMapI('fuse_iext_check_mapping', fork, 0, toMappingI(emptyMappingI(), m));
      }
    for (const p of this.checkMappings(fork)) this.warnings.push(`FUSE IOMAP CORRUPTION ino=${this.inode.ids.ino} nr=${p.index}: ${p.what}`);
  }
}
