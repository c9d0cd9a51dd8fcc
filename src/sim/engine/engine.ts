// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulation engine: the modelled kernel (src/iomap's consumers on
 * src/protocol's connection and inodes), the simulated server, and the
 * actors the scheduler interleaves: one per application thread, the
 * writeback worker, the I/O completion worker. Actors are generators that
 * yield where the kernel has dropped the cache lock (after each
 * ->iomap_begin, between folios, while I/O is in flight), so the scheduler
 * can run anyone else there.
 *
 * The invariant, checked at every use of a mapping: the mapping used for
 * a range equals the server's ground truth for that range at that moment,
 * unless revalidation caught it first and the iomap was redone.
 *
 * Modelled: the invalidate lock (fallocate vs buffered reads), the folio
 * lock (buffered reads vs writeback starting) and PG_writeback (a later
 * writeback pass waits for a folio's I/O in flight). Not
 * modelled: i_rwsem. Application threads that share a file interleave at
 * every cache-lock drop, which over-approximates what write(2) would allow
 * (docs/simulator.md).
 */
import { FUSE_IOMAP_F_SHARED, FUSE_IOMAP_TYPE_HOLE, FUSE_IOMAP_TYPE_MAPPED, FUSE_IOMAP_TYPE_UNWRITTEN, Fork } from '../../cache/constants.js';
import type { CacheEvent } from '../../cache/events.js';
import type { HazardHit } from '../../cache/hazards.js';
import type { Revision } from '../../cache/revision.js';
import { fuseIomapBegin, type BeginResult } from '../../iomap/begin.js';
import {
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE,
  FUSE_IOMAP_IOEND_DIRECT,
  FUSE_IOMAP_IOEND_SHARED,
  FUSE_IOMAP_IOEND_UNWRITTEN,
  IOMAP_DIRECT,
  IOMAP_WRITE,
} from '../../iomap/constants.js';
import type { IomapEnv, KernelInode } from '../../iomap/env.js';
import { fuseIomapEnd, fuseIomapIoend } from '../../iomap/end.js';
import { fuseIomapCopiedFileRange, fuseIomapFallocate, fuseIomapOpenTruncate, fuseIomapSetsize, type HookResult } from '../../iomap/hooks.js';
import { type Iomap, zeroIomap } from '../../iomap/iomap.js';
import { fuseIomapMapBlocks, iomapValid, newWritepageCtx, type WritepageCtx } from '../../iomap/revalidate.js';
import { FuseConn } from '../../protocol/conn.js';
import type { FuseInode } from '../../protocol/inode.js';
import { beginValidate } from '../../protocol/validate.js';
import type { SimMetrics } from '../result.js';
import { Rng } from '../rng.js';
import type { PolicyInode, PolicyParts } from '../policy/types.js';
import { BlockAllocator } from '../server/allocator.js';
import { SimServer, type ServedFile } from '../server/server.js';
import { FileTruth, type TruthType } from '../server/truth.js';
import type { FallocMode } from '../workload/fio.js';
import type { Op, Workload } from '../workload/types.js';
import { zeroMetrics } from './metrics.js';
import { notifyInval, notifyUpsert } from './notify.js';
import { PageCache } from './pagecache.js';
import { FolioBits, RwSem } from './rwsem.js';
import type { KernelScript } from './script.js';

/** What an actor yields: nothing (runnable again at once) or a condition to wait for. */
export type Wait = { until: () => boolean; why: string } | undefined;
export type Step = Generator<Wait, void, void>;

export interface Actor {
  name: string;
  gen: Step;
  waiting: Wait;
  done: boolean;
  /** workers run forever; the run ends when every non-daemon actor is done */
  daemon: boolean;
  /** application threads: the fio phase (stonewall) */
  phase?: number;
}

export interface EngineOptions {
  revision: Revision;
  seed: number;
  blockSize?: number;
  /** disk size in blocks (default: enough for the workload four times over) */
  diskBlocks?: number;
  maxExtentBlocks?: number;
  /** fraction of the disk filled by other data before the run (fragmentation) */
  prefill?: number;
  /** NULL replies fuse_iomap_begin retries before the signal arrives (SPEC 8.9) */
  nullRetryLimit?: number;
  /** stop the run at the first violation (race search) */
  stopAtViolation?: boolean;
}

export interface Violation {
  what: string;
  /** scheduler step at which it happened */
  step: number;
}

export interface SimFile extends ServedFile {
  id: number;
  name: string;
  kinode: KernelInode;
  pino: PolicyInode;
  pc: PageCache;
  /** folios under writeback (submitted, not completed) */
  inflight: number;
  queued: boolean;
  /** the writeback pass over this file has walked up to this block (Infinity: no pass under way) */
  passCursor: number;
  /** mapping->invalidate_lock: fallocate exclusive, buffered reads of uncached folios shared */
  invalidateLock: RwSem;
  /** PG_locked per folio: a buffered read holds it from ->iomap_begin to the read; writeback takes it to start on a folio */
  folioLock: FolioBits;
  /** PG_writeback per folio: set when a pass submits the folio, cleared when its ioend completes */
  folioWriteback: FolioBits;
}

interface Ioend {
  file: SimFile;
  pos: number;
  len: number;
  flags: number;
}

const TYPE_OF: Record<number, TruthType | undefined> = {
  [FUSE_IOMAP_TYPE_HOLE]: 'hole',
  [FUSE_IOMAP_TYPE_MAPPED]: 'mapped',
  [FUSE_IOMAP_TYPE_UNWRITTEN]: 'unwritten',
};

const FALLOC_MODE: Record<FallocMode, number> = {
  prealloc: 0,
  punch: FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
  zero: FALLOC_FL_ZERO_RANGE,
  collapse: FALLOC_FL_COLLAPSE_RANGE,
  insert: FALLOC_FL_INSERT_RANGE,
};

/** Folios per ioend before it is submitted (a full bio). */
const IOEND_MAX_BLOCKS = 16;

/** Mapping cookie tokens a non-kernel counter handed out, by iomap. */
type Tokens = WeakMap<Iomap, unknown>;

export class Engine {
  readonly conn: FuseConn;
  readonly env: IomapEnv;
  readonly files: SimFile[] = [];
  readonly server: SimServer;
  readonly m: SimMetrics = zeroMetrics();
  /** cache lookups done (for the cost model) */
  lookups = 0;
  readonly hazards: Record<string, number> = {};
  readonly violations: Violation[] = [];
  readonly bs: number;
  readonly alloc: BlockAllocator;
  /** scheduler step counter (set by the scheduler) */
  step = 0;
  private readonly byNodeid = new Map<bigint, SimFile>();
  private readonly byKinode = new Map<KernelInode, SimFile>();
  private readonly tokens: Tokens = new WeakMap();
  private readonly wbQueue: SimFile[] = [];
  private readonly ioendQueue: Ioend[] = [];
  private wbPasses = 0;
  /** called after each application I/O */
  onIo: (() => void) | null = null;
  /** when set, every kernel call is written down as a kernel scenario */
  script: KernelScript | null = null;

  constructor(
    readonly workload: Workload,
    readonly policy: PolicyParts,
    readonly opts: EngineOptions,
  ) {
    this.bs = opts.blockSize ?? 4096;
    const need = workload.files.reduce((s, f) => s + Math.ceil(f.size / this.bs), 0);
    this.alloc = new BlockAllocator({ blocks: opts.diskBlocks ?? Math.max(1024, need * 4 + 1024), maxExtentBlocks: opts.maxExtentBlocks });
    if (opts.prefill) this.alloc.prefill(opts.prefill, 16, new Rng(opts.seed ^ 0x5eed));

    const wantEvents = !!(policy.counter.onCacheEvent || policy.capacity?.onCacheEvent);
    this.conn = new FuseConn({
      revision: opts.revision,
      blockSize: BigInt(this.bs),
      onHazard: (hit) => this.hazard(hit),
      sink: wantEvents ? (ev) => this.cacheEvent(ev as CacheEvent) : undefined,
    });
    const devId = this.conn.addDevice({ sizeBytes: BigInt(this.alloc.blocks * this.bs), name: 'simdisk' });
    if (devId <= 0) throw new Error(`cannot register the simulated disk: ${devId}`);

    this.server = new SimServer(
      this.byNodeid,
      policy.serve,
      {
        notifyUpsert: (inode, r, w) => {
          this.script?.serverUpsert(inode.nodeid, inode.attrIno, r, w);
          return notifyUpsert(inode, r, w);
        },
        afterNotify: (f) => this.enforceCapacity(f as SimFile),
      },
      devId,
      this.bs,
      policy.cow ?? false,
      this.conn.protocol.typeNull ?? this.conn.protocol.typeRetryCache!,
    );
    const conn = this.conn;
    const p = conn.protocol;
    const server = this.server;
    const retryType = p.typeNull ?? p.typeRetryCache!;
    this.env = {
      conn: { hasDevice: (id) => conn.devices.has(id), atomicOTrunc: true },
      // the server as the kernel sees it; its answers are written down when scripting
      server: {
        begin: (req, nodeid) => {
          const out = server.begin(req, nodeid);
          this.script?.serverReply(out, retryType);
          return out;
        },
        end: (req, nodeid) => server.end(req, nodeid),
        ioend: (req, nodeid) => server.ioend(req, nodeid),
      },
      // fuse_iomap_begin_validate: src/protocol's, for the connection's revision
      validateBegin: (o, kinode, _opflags, pos) => beginValidate(conn.protocol, o, { blockSize: BigInt(this.bs), maxBytes: conn.maxBytes, cachesIomaps: kinode.cache.enabled }, pos),
      // a policy counter decides validity where the kernel compares cookie and im_seq
      revalidate: policy.counter.kind === 'inode' ? undefined : (kinode, iomap) => this.policyValid(kinode, iomap),
      types: { retryType: p.typeNull ?? p.typeRetryCache!, typePureOverwrite: p.typePureOverwrite, beginOutSharedRange: p.beginOutSharedRange },
      onHazard: (hit) => this.hazard(hit),
      nullRetryLimit: opts.nullRetryLimit,
    };

    workload.files.forEach((spec, id) => this.addFile(id, spec.name, spec.size, spec.layout));
  }

  private addFile(id: number, name: string, size: number, layout: Workload['files'][number]['layout']): void {
    const truth = new FileTruth(id, this.bs, this.alloc);
    const blocksEnd = Math.ceil(size / this.bs) * this.bs;
    if (layout === 'written' && blocksEnd) truth.allocate(0, blocksEnd, 'mapped');
    if ((layout === 'prealloc' || layout === 'prealloc-keep') && blocksEnd) truth.allocate(0, blocksEnd, 'unwritten');
    truth.size = layout === 'empty' || layout === 'prealloc-keep' ? 0 : size;
    const nodeid = BigInt(id + 2);
    const inode: FuseInode = this.conn.addInode({ nodeid, isize: BigInt(truth.size) });
    const kinode: KernelInode = {
      get cache() {
        return inode.cacheOrNull!;
      },
      get fileio() {
        return inode.fileio;
      },
      get bad() {
        return inode.bad;
      },
    };
    const f: SimFile = { id, name, truth, inode, kinode, pino: { file: id, inode }, pc: new PageCache(), inflight: 0, queued: false, passCursor: Infinity, invalidateLock: new RwSem(`invalidate_lock of ${name}`), folioLock: new FolioBits(`folio lock of ${name}`), folioWriteback: new FolioBits(`folio writeback of ${name}`) };
    this.files.push(f);
    this.byNodeid.set(nodeid, f);
    this.byKinode.set(kinode, f);
  }

  // ------------------------------------------------------------ observers

  private hazard(hit: HazardHit): void {
    this.hazards[hit.hazard.id] = (this.hazards[hit.hazard.id] ?? 0) + 1;
  }

  private cacheEvent(ev: CacheEvent): void {
    if (!('inode' in ev)) return;
    const f = this.byNodeid.get(ev.inode.nodeid);
    if (!f) return;
    this.policy.counter.onCacheEvent?.(f.pino, ev);
    this.policy.capacity?.onCacheEvent?.(f.pino, ev);
  }

  private enforceCapacity(f: SimFile): void {
    const cap = this.policy.capacity;
    if (!cap?.afterInsert) return;
    cap.afterInsert(f.pino);
  }

  /** The policy's invalidation granularity after an exact invalidation. */
  private widen(f: SimFile, inv: { offset: bigint; length: bigint } | undefined | number): void {
    // an invalidation can split a record in two: a capped cache checks its size again
    if (inv !== undefined) this.enforceCapacity(f);
    if (inv === undefined || this.policy.invalidation !== 'file') return;
    this.script?.comment('the policy drops the whole file here (fuse_iomap_cache_invalidate_range 0, 2^62): not a scenario command');
    // the whole file, not through the erase-everything shortcut: 2^62 < s_maxbytes
    f.kinode.cache.invalidateRange(0n, 1n << 62n);
  }

  // ------------------------------------------------------------- the check

  /** Does mapping m, used for [lo, lo + len), equal the server's truth now? */
  private matches(f: SimFile, m: Iomap, lo: number, len: number): boolean {
    const type = TYPE_OF[m.type];
    if (!type) return false;
    const addr = type === 'hole' ? -1 : Number(m.addr) + (lo - Number(m.offset));
    return f.truth.matches(lo, len, type, addr, m.flags & FUSE_IOMAP_F_SHARED ? 'cow' : 'data');
  }

  /** A mapping is used for I/O on [lo, lo + len): the invariant. */
  private use(f: SimFile, m: Iomap, lo: number, len: number, what: string): void {
    if (this.matches(f, m, lo, len)) return;
    this.m.staleViolations++;
    this.script?.comment(`VIOLATION: ${what} of [0x${lo.toString(16)}, +0x${len.toString(16)}) through a mapping the server no longer has there`);
    const run = f.truth.data.run(lo);
    this.violations.push({
      step: this.step,
      what: `${what} of ${f.name} [0x${lo.toString(16)}, +0x${len.toString(16)}) used type ${m.type} addr 0x${m.addr.toString(16)} (mapping 0x${m.offset.toString(16)}+0x${m.length.toString(16)}, cookie ${m.validityCookie}) but the server has ${run.type}${run.type === 'hole' ? '' : ` at 0x${(run.addr + (lo - run.off)).toString(16)}`}`,
    });
  }

  /**
   * ->iomap_valid for a buffered write's folio, or the writeback reuse
   * check, through the policy's counter (the seed: the kernel's own).
   * Counts failures as needed (the mapping really changed) or needless.
   */
  private revalidate(f: SimFile, m: Iomap, lo: number, len: number): boolean {
    this.script?.revalidate(m);
    const ok = iomapValid(this.env, f.kinode, m).valid;
    if (!ok) {
      if (this.matches(f, m, lo, len)) this.m.revalidationFailures.needless++;
      else this.m.revalidationFailures.needed++;
    }
    return ok;
  }

  /** env.revalidate: the policy's counter (the kernel's compare when it has no opinion) */
  private policyValid(kinode: KernelInode, m: Iomap): boolean {
    const f = this.byKinode.get(kinode)!;
    const token = this.tokens.get(m);
    // a mapping the counter never issued (from an upcall) has only the kernel's cookie
    if (token === undefined && this.policy.counter.kind !== 'none') return m.validityCookie === kinode.cache.seq;
    return this.policy.counter.valid(f.pino, m, token) ?? m.validityCookie === kinode.cache.seq;
  }

  // ---------------------------------------------------------- iomap_begin

  /** ->iomap_begin with accounting; a cached mapping gets a policy token. */
  private begin(f: SimFile, pos: number, count: number, opflags: number, iomap: Iomap, srcmap: Iomap): BeginResult {
    const r = fuseIomapBegin(this.env, f.kinode, BigInt(pos), BigInt(count), opflags, iomap, srcmap);
    this.script?.begin(f.inode.nodeid, pos, count, opflags, iomap);
    this.countBegin(r);
    if (r.ret === 0 && iomap.folioOps && this.policy.counter.issue) {
      const last = r.tries[r.tries.length - 1];
      const fork = last?.write === 'hit' ? Fork.WRITE : Fork.READ;
      this.tokens.set(iomap, this.policy.counter.issue(f.pino, fork, iomap));
    }
    return r;
  }

  // -------------------------------------------------------------- actors

  /** One application thread: its ops in order. */
  *appThread(ops: Op[]): Step {
    for (const op of ops) {
      yield* this.doOp(op);
      if (op.op !== 'fsync' && op.op !== 'kick-writeback') {
        this.m.ios++;
        this.m.bytes += 'len' in op ? op.len : 0;
        this.onIo?.();
      }
    }
  }

  private *doOp(op: Op): Step {
    switch (op.op) {
      case 'read':
        if (op.direct) yield* this.directRead(this.files[op.file], op.off, op.len);
        else yield* this.bufferedRead(this.files[op.file], op.off, op.len);
        return;
      case 'write':
        if (op.direct) yield* this.directWrite(this.files[op.file], op.off, op.len);
        else yield* this.bufferedWrite(this.files[op.file], op.off, op.len);
        return;
      case 'fsync':
        yield* this.fsync(this.files[op.file]);
        return;
      case 'kick-writeback':
        this.kick(this.files[op.file]);
        return;
      case 'truncate':
        yield* this.truncate(this.files[op.file], op.size);
        return;
      case 'open-trunc':
        yield* this.openTrunc(this.files[op.file]);
        return;
      case 'fallocate':
        yield* this.fallocate(this.files[op.file], op.mode, op.off, op.len);
        return;
      case 'copy':
        yield* this.copy(this.files[op.src], this.files[op.dst], op.srcOff, op.dstOff, op.len);
        return;
    }
  }

  private blockOf(x: number): number {
    return Math.floor(x / this.bs);
  }

  /** Buffered write: map, then write folio by folio, revalidating each. */
  private *bufferedWrite(f: SimFile, off: number, len: number): Step {
    const end = off + len;
    let pos = off;
    while (pos < end) {
      const iomap = zeroIomap();
      const srcmap = zeroIomap();
      const r = this.begin(f, pos, end - pos, IOMAP_WRITE, iomap, srcmap);
      if (r.ret) return; // the write fails with r.ret
      yield; // the cache lock was dropped after the lookup
      const mapEnd = Math.min(end, Number(iomap.offset + iomap.length));
      let at = pos;
      let stale = false;
      while (at < mapEnd) {
        const fe = Math.min(mapEnd, (this.blockOf(at) + 1) * this.bs);
        // iomap_write_begin: ->iomap_valid before touching the folio
        if (iomap.folioOps && !this.revalidate(f, iomap, at, fe - at)) {
          stale = true;
          break;
        }
        this.use(f, iomap, at, fe - at, 'buffered write');
        f.pc.markDirty(this.blockOf(at));
        const ci = f.kinode.cache.inode;
        if (BigInt(fe) > ci.isize) ci.isize = BigInt(fe); // iomap_write_end: i_size_write
        at = fe;
        if (at < mapEnd) yield;
      }
      fuseIomapEnd(this.env, f.kinode, BigInt(pos), BigInt(end - pos), BigInt(at - pos), IOMAP_WRITE, iomap, srcmap);
      this.script?.end(at - pos, iomap);
      pos = at;
      if (stale) continue; // iomap_iter goes round again from the folio that failed
    }
  }

  /** Buffered read: map only the blocks that are not up to date. */
  private *bufferedRead(f: SimFile, off: number, len: number): Step {
    const end = Math.min(off + len, Math.max(f.truth.size, Number(f.kinode.cache.inode.isize)));
    let pos = off;
    while (pos < end) {
      if (f.pc.isUptodate(this.blockOf(pos))) {
        pos = (this.blockOf(pos) + 1) * this.bs;
        continue;
      }
      let runEnd = pos;
      while (runEnd < end && !f.pc.isUptodate(this.blockOf(runEnd))) runEnd = (this.blockOf(runEnd) + 1) * this.bs;
      runEnd = Math.min(runEnd, end);
      // filemap_create_folio / page_cache_ra_unbounded: folios are added and
      // read in under invalidate_lock shared, so fallocate cannot change the
      // mapping between ->iomap_begin and the read
      const lock = f.invalidateLock;
      yield* lock.lockShared();
      // the folios are added locked and stay locked until read in, so
      // writeback cannot start on them between ->iomap_begin and the read
      const first = this.blockOf(pos);
      const last = this.blockOf(runEnd - 1);
      yield* f.folioLock.lockRange(first, last);
      const unlock = () => {
        for (let b = first; b <= last; b++) f.folioLock.clear(b);
        lock.unlockShared();
      };
      // a folio of the run may have been read in or written while we
      // waited (readahead skips folios already cached): look again
      let cachedMeanwhile = false;
      for (let b = first; b <= last; b++) if (f.pc.isUptodate(b)) cachedMeanwhile = true;
      if (cachedMeanwhile) {
        unlock();
        continue;
      }
      const iomap = zeroIomap();
      const r = this.begin(f, pos, runEnd - pos, 0, iomap, zeroIomap());
      if (r.ret) {
        unlock();
        return;
      }
      yield;
      const mapEnd = Math.min(runEnd, Number(iomap.offset + iomap.length));
      this.use(f, iomap, pos, mapEnd - pos, 'buffered read');
      for (let b = this.blockOf(pos); b * this.bs < mapEnd; b++) f.pc.markUptodate(b);
      unlock();
      pos = mapEnd;
    }
  }

  private *directRead(f: SimFile, off: number, len: number): Step {
    const end = off + len;
    let pos = off;
    while (pos < end) {
      const iomap = zeroIomap();
      const r = this.begin(f, pos, end - pos, IOMAP_DIRECT, iomap, zeroIomap());
      if (r.ret) return;
      yield;
      const mapEnd = Math.min(end, Number(iomap.offset + iomap.length));
      this.use(f, iomap, pos, mapEnd - pos, 'direct read');
      pos = mapEnd;
    }
  }

  /** Direct write: flush the range, map and submit each piece, then end_io. */
  private *directWrite(f: SimFile, off: number, len: number): Step {
    yield* this.flushRange(f, off, off + len);
    f.pc.drop(this.blockOf(off), this.blockOf(off + len - 1));
    const end = off + len;
    let pos = off;
    let flags = FUSE_IOMAP_IOEND_DIRECT;
    while (pos < end) {
      const iomap = zeroIomap();
      const r = this.begin(f, pos, end - pos, IOMAP_WRITE | IOMAP_DIRECT, iomap, zeroIomap());
      if (r.ret) return;
      yield;
      const mapEnd = Math.min(end, Number(iomap.offset + iomap.length));
      this.use(f, iomap, pos, mapEnd - pos, 'direct write');
      if (iomap.type === FUSE_IOMAP_TYPE_UNWRITTEN) flags |= FUSE_IOMAP_IOEND_UNWRITTEN;
      if (iomap.flags & FUSE_IOMAP_F_SHARED) flags |= FUSE_IOMAP_IOEND_SHARED;
      pos = mapEnd;
    }
    yield; // the I/O is in flight
    // fuse_iomap_dio_end_io -> fuse_iomap_ioend
    const r = fuseIomapIoend(this.env, f.kinode, BigInt(off), BigInt(len), 0, flags, 0n);
    this.script?.ioend(f.inode.nodeid, off, len, flags);
    if (r.upcall && r.ret === 0) this.widen(f, r.invalidated);
  }

  /** Wait until nothing in [lo, hi) is dirty or under writeback. */
  private *flushRange(f: SimFile, lo: number, hi: number): Step {
    yield* this.writeAndWait(f, lo, hi, `flush of ${f.name}`);
  }

  private *fsync(f: SimFile): Step {
    yield* this.writeAndWait(f, 0, Number.MAX_SAFE_INTEGER, `fsync of ${f.name}`);
  }

  /**
   * filemap_write_and_wait_range: start writeback of what is dirty in
   * [lo, hi) and wait for it. A folio dirtied after the worker's cursor
   * went past it (or after its pass ended) is written by nobody unless
   * the waiter starts writeback again, so the waiter wakes up for such
   * orphaned folios and kicks again (i_rwsem, which keeps writers out of
   * a flushing fallocate, is not modelled; without this the waiter
   * waited forever).
   */
  private *writeAndWait(f: SimFile, lo: number, hi: number, why: string): Step {
    const firstDirty = () => {
      const d = f.pc.nextDirty(this.blockOf(lo));
      return d !== undefined && d * this.bs < hi ? d : undefined;
    };
    // dirty in range and no pass queued or under way will reach it
    const orphaned = () => {
      const d = firstDirty();
      return d !== undefined && !f.queued && d < f.passCursor;
    };
    for (;;) {
      if (firstDirty() !== undefined) this.kick(f);
      if (firstDirty() === undefined && f.inflight === 0) return;
      yield { until: () => (firstDirty() === undefined && f.inflight === 0) || orphaned(), why };
    }
  }

  private kick(f: SimFile): void {
    if (f.queued || f.pc.dirtyCount === 0) return;
    f.queued = true;
    this.wbQueue.push(f);
  }

  /** truncate_pagecache: drop from the block holding newsize, after writeback of it ends. */
  private *dropCache(f: SimFile, from: number): Step {
    if (f.inflight > 0) yield { until: () => f.inflight === 0, why: `truncate of ${f.name} waits for writeback` };
    f.pc.drop(this.blockOf(from + this.bs - 1));
  }

  private *truncate(f: SimFile, size: number): Step {
    yield* this.dropCache(f, size);
    f.truth.truncate(size); // FUSE_SETATTR
    const r = fuseIomapSetsize(this.env, f.kinode, BigInt(size));
    this.script?.setsize(f.inode.nodeid, size);
    this.widen(f, r.invalidated);
  }

  private *openTrunc(f: SimFile): Step {
    yield* this.dropCache(f, 0);
    f.truth.truncate(0); // FUSE_OPEN with O_TRUNC (atomic_o_trunc)
    const r = fuseIomapOpenTruncate(this.env, f.kinode, true);
    this.script?.openTrunc(f.inode.nodeid);
    this.widen(f, r.invalidated);
  }

  /** fuse_file_fallocate: with iomap file I/O, every mode runs under filemap_invalidate_lock. */
  private *fallocate(f: SimFile, mode: FallocMode, off: number, len: number): Step {
    yield* f.invalidateLock.lock();
    try {
      yield* this.fallocateLocked(f, mode, off, len);
    } finally {
      f.invalidateLock.unlock();
    }
  }

  private *fallocateLocked(f: SimFile, mode: FallocMode, off: number, len: number): Step {
    const size = f.truth.size;
    // the VFS and the server refuse these (EINVAL): nothing happens
    if ((mode === 'collapse' && off + len >= size) || (mode === 'insert' && off >= size)) return;
    if (mode !== 'prealloc') {
      yield* this.flushRange(f, off, mode === 'punch' || mode === 'zero' ? off + len : Number.MAX_SAFE_INTEGER);
      f.pc.drop(this.blockOf(off), mode === 'punch' || mode === 'zero' ? this.blockOf(off + len - 1) : undefined);
    }
    // FUSE_FALLOCATE: the server acts first
    const t = f.truth;
    if (mode === 'prealloc') {
      t.allocate(off, off + len, 'unwritten');
      t.size = Math.max(t.size, off + len);
    } else if (mode === 'punch') t.punch(off, off + len);
    else if (mode === 'zero') {
      t.zero(off, off + len);
      t.size = Math.max(t.size, off + len);
    } else if (mode === 'collapse') t.collapse(off, off + len);
    else t.insertRange(off, off + len);
    yield; // the reply crossed /dev/fuse; the kernel invalidates only now (SPEC 8.13)
    const r: HookResult = fuseIomapFallocate(this.env, f.kinode, FALLOC_MODE[mode], BigInt(off), BigInt(len));
    this.script?.fallocate(f.inode.nodeid, FALLOC_MODE[mode], off, len);
    this.widen(f, r.invalidated);
    if (mode === 'collapse' || mode === 'insert') f.kinode.cache.inode.isize = BigInt(t.size);
  }

  private *copy(src: SimFile, dst: SimFile, srcOff: number, dstOff: number, len: number): Step {
    yield* this.flushRange(src, srcOff, srcOff + len);
    yield* this.flushRange(dst, dstOff, dstOff + len);
    dst.pc.drop(this.blockOf(dstOff), this.blockOf(dstOff + len - 1));
    // FUSE_COPY_FILE_RANGE: the server writes new blocks for the destination
    dst.truth.punch(dstOff, dstOff + len);
    dst.truth.allocate(dstOff, dstOff + len, 'mapped');
    dst.truth.size = Math.max(dst.truth.size, dstOff + len);
    yield;
    const r = fuseIomapCopiedFileRange(this.env, dst.kinode, BigInt(dstOff), len);
    this.script?.copyRange(dst.inode.nodeid, dstOff, len);
    this.widen(dst, r.invalidated);
  }

  /**
   * The writeback worker: takes a queued file, walks its dirty folios in
   * order (picking up folios dirtied meanwhile), maps each through
   * fuse_iomap_map_blocks with one writepage context for the pass, and
   * submits ioends of contiguous folios with equal flags.
   */
  *writeback(): Step {
    for (;;) {
      if (this.wbQueue.length === 0) yield { until: () => this.wbQueue.length > 0, why: 'writeback idle' };
      const f = this.wbQueue.shift()!;
      f.queued = false;
      const wpc: WritepageCtx = newWritepageCtx();
      const ctx = `wb${++this.wbPasses}`;
      let fresh = true;
      let open: Ioend | null = null;
      const submit = () => {
        if (open) this.ioendQueue.push(open);
        open = null;
      };
      let cursor = 0;
      f.passCursor = 0;
      for (;;) {
        const b = f.pc.nextDirty(cursor);
        if (b === undefined) break;
        f.passCursor = b;
        const off = b * this.bs;
        // writeback_iter: folio_lock, then (data integrity or not) wait for
        // the folio's earlier writeback before clearing dirty and mapping it
        yield* f.folioLock.lockRange(b, b);
        yield* f.folioWriteback.wait(b);
        if (!f.pc.isDirty(b)) {
          // truncated or dropped while we waited: skip it
          f.folioLock.clear(b);
          continue;
        }
        f.pc.clean(b);
        f.folioWriteback.set(b);
        f.inflight++;
        // fuse_iomap_revalidate_writeback, counted (map_blocks does it again, through env.revalidate)
        const covers = BigInt(off) >= wpc.iomap.offset && BigInt(off) < wpc.iomap.offset + wpc.iomap.length;
        if (covers && !(this.env.revalidate ? this.env.revalidate(f.kinode, wpc.iomap) : wpc.iomap.validityCookie === f.kinode.cache.seq)) {
          if (this.matches(f, wpc.iomap, off, this.bs)) this.m.revalidationFailures.needless++;
          else this.m.revalidationFailures.needed++;
        }
        const before = wpc.iomap;
        const r = fuseIomapMapBlocks(this.env, wpc, f.kinode, BigInt(off), this.bs);
        this.script?.writeback(f.inode.nodeid, off, this.bs, ctx, fresh);
        fresh = false;
        if (r.begin) {
          this.countBegin(r.begin);
          if (wpc.iomap.folioOps && this.policy.counter.issue)
            this.tokens.set(wpc.iomap, this.policy.counter.issue(f.pino, r.begin.tries.at(-1)?.write === 'hit' ? Fork.WRITE : Fork.READ, wpc.iomap));
        }
        if (r.ret) {
          f.inflight--;
          f.folioWriteback.clear(b);
          f.folioLock.clear(b);
          continue;
        }
        if (wpc.iomap !== before) {
          // ->iomap_begin ran and dropped the cache lock
          submit();
          yield;
        }
        this.use(f, wpc.iomap, off, this.bs, 'writeback');
        let flags = 0;
        if (wpc.iomap.type === FUSE_IOMAP_TYPE_UNWRITTEN) flags |= FUSE_IOMAP_IOEND_UNWRITTEN;
        if (wpc.iomap.flags & FUSE_IOMAP_F_SHARED) flags |= FUSE_IOMAP_IOEND_SHARED;
        const cur = open as Ioend | null;
        if (cur && cur.pos + cur.len === off && cur.flags === flags) cur.len += this.bs;
        else {
          submit();
          open = { file: f, pos: off, len: this.bs, flags };
        }
        f.folioLock.clear(b); // iomap_writepage_map unlocks once the folio is in an ioend
        cursor = b + 1;
        f.passCursor = cursor;
        // a full bio goes out; others run between folios
        if ((open as Ioend | null) && (open as unknown as Ioend).len >= IOEND_MAX_BLOCKS * this.bs) submit();
        yield;
      }
      f.passCursor = Infinity;
      submit();
    }
  }

  private countBegin(r: BeginResult): void {
    this.m.iomapBegins++;
    this.m.upcalls += r.upcalls;
    for (const t of r.tries) {
      if (t.write || t.read) this.lookups++;
      if (t.write === 'hit' || t.write === 'hit-overwrite') this.m.hits.write++;
      else if (t.write === 'miss') this.m.misses.write++;
      else if (t.write === 'nofork') this.m.nofork.write++;
      if (t.read === 'hit') this.m.hits.read++;
      else if (t.read === 'miss') this.m.misses.read++;
      else if (t.read === 'nofork') this.m.nofork.read++;
    }
    this.m.upserts = this.server.counters.upserts;
  }

  /**
   * The server's background defragmenter: after every `every` application
   * I/Os it moves one file's extents to new blocks (round robin over the
   * files) and, under the same server lock, tells the kernel with
   * FUSE_NOTIFY_IOMAP_INVAL: the moved range exactly, or offset 0 to EOF
   * for whole-file invalidation, which the kernel turns into the
   * erase-everything shortcut (SPEC 8.1).
   */
  *defrag(every: number): Step {
    let next = 0;
    for (let pass = 1; ; pass++) {
      const due = pass * every;
      if (this.m.ios < due) yield { until: () => this.m.ios >= due, why: 'defrag idle' };
      const f = this.files[next++ % this.files.length];
      const end = Math.ceil(f.truth.size / this.bs) * this.bs;
      if (end === 0 || f.truth.data.count === 0) continue;
      f.truth.remap(0, end);
      const range = this.policy.invalidation === 'file' ? { offset: 0n, length: 0xffff_ffff_ffff_ffffn } : { offset: 0n, length: BigInt(end) };
      const wr = f.inode.cacheOrNull?.write ? range : null;
      this.script?.notifyInval(f.inode.nodeid, range, wr);
      notifyInval(f.inode, range, wr);
      this.server.counters.invalidations++;
      this.m.invalidations = this.server.counters.invalidations;
      yield;
    }
  }

  /** The I/O completion worker: one ioend at a time (fuse_iomap_ioend). */
  *completion(): Step {
    for (;;) {
      if (this.ioendQueue.length === 0) yield { until: () => this.ioendQueue.length > 0, why: 'completion idle' };
      const io = this.ioendQueue.shift()!;
      const r = fuseIomapIoend(this.env, io.file.kinode, BigInt(io.pos), BigInt(io.len), 0, io.flags, 0n);
      this.script?.ioend(io.file.inode.nodeid, io.pos, io.len, io.flags);
      if (r.upcall && r.ret === 0) this.widen(io.file, r.invalidated);
      io.file.inflight -= io.len / this.bs;
      for (let b = this.blockOf(io.pos); b * this.bs < io.pos + io.len; b++) io.file.folioWriteback.clear(b); // folio_end_writeback
      yield;
    }
  }
}
