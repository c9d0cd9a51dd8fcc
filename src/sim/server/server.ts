// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated FUSE server: answers FUSE_IOMAP_BEGIN from each file's
 * ground truth the way fuse2fs does (001 L15048-15130, L16073-16172: the
 * extent containing pos, or the hole up to the next extent; a write into a
 * hole allocates [pos, pos + count) unwritten and marks it
 * FUSE_IOMAP_F_DIRTY), and caches what it answers as the policy says:
 * upsert then reply NULL (fuse2fs, L17497-17546), upsert and reply the
 * mapping, or reply only. FUSE_IOMAP_IOEND converts unwritten extents,
 * remaps out-of-place writes and grows the file.
 */
import {
  FUSE_IOMAP_F_DIRTY,
  FUSE_IOMAP_F_SHARED,
  FUSE_IOMAP_NULL_ADDR,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_NULL,
  FUSE_IOMAP_TYPE_UNWRITTEN,
} from '../../cache/constants.js';
import type { Mapping } from '../../iext/record.js';
import { FUSE_IOMAP_IOEND_SHARED, FUSE_IOMAP_IOEND_UNWRITTEN, IOMAP_ZERO, isFileWrite } from '../../iomap/constants.js';
import type { IomapServer } from '../../iomap/env.js';
import type { BeginIn, BeginOut, EndIn, IoendIn } from '../../iomap/iomap.js';
import type { FuseInode } from '../../protocol/inode.js';
import type { ServeStrategy } from '../policy/types.js';
import { NoSpaceError } from './allocator.js';
import { type FileTruth, HOLE_TO_EOF, type Run } from './truth.js';

const ENOSPC = 28;

export interface ServedFile {
  truth: FileTruth;
  inode: FuseInode;
}

/** What the server tells the engine it did (for metrics). */
export interface ServerCounters {
  upserts: number;
  invalidations: number;
}

export interface ServerHooks {
  notifyUpsert(inode: FuseInode, read: Mapping | null, write: Mapping | null): number;
  /** after a notification changed the cache (capacity policies evict here) */
  afterNotify?(file: ServedFile): void;
}

export class SimServer implements IomapServer {
  readonly counters: ServerCounters = { upserts: 0, invalidations: 0 };

  constructor(
    private readonly files: Map<bigint, ServedFile>,
    private readonly serve: ServeStrategy,
    private readonly hooks: ServerHooks,
    private readonly devId: number,
    private readonly blockSize: number,
    /** write out of place through the write fork (a COW filesystem) */
    private readonly cow = false,
    /** "look in the cache again": FUSE_IOMAP_TYPE_NULL (rfc-v3) / _RETRY_CACHE (v7) */
    private readonly retryType = FUSE_IOMAP_TYPE_NULL,
  ) {}

  private file(nodeid: bigint): ServedFile {
    const f = this.files.get(nodeid);
    if (!f) throw new Error(`the simulated server has no file for nodeid ${nodeid}`);
    return f;
  }

  private down(x: number): number {
    return Math.floor(x / this.blockSize) * this.blockSize;
  }

  private up(x: number): number {
    return Math.ceil(x / this.blockSize) * this.blockSize;
  }

  /** A truth run as the mapping fuse2fs reports (whole) or clipped to the request (exact). */
  mappingOf(f: ServedFile, run: Run, pos: number, count: number, flags: number, extent: 'exact' | 'whole'): Mapping {
    let lo = run.off;
    let hi = run.off + run.len;
    if (run.type === 'hole' && hi === HOLE_TO_EOF) {
      // fuse2fs_iomap_hole_to_eof: the hole runs to EOF or the end of the request
      hi = Math.max(this.up(f.truth.size), this.up(pos + count), lo + this.blockSize);
    }
    if (extent === 'exact') {
      lo = Math.max(lo, this.down(pos));
      hi = Math.min(hi, this.up(pos + count));
    }
    const hole = run.type === 'hole';
    return {
      offset: BigInt(lo),
      length: BigInt(hi - lo),
      addr: hole ? FUSE_IOMAP_NULL_ADDR : BigInt(run.addr + (lo - run.off)),
      type: hole ? FUSE_IOMAP_TYPE_HOLE : run.type === 'mapped' ? FUSE_IOMAP_TYPE_MAPPED : FUSE_IOMAP_TYPE_UNWRITTEN,
      flags,
      dev: hole ? 0 : this.devId,
    };
  }

  /** FUSE_IOMAP_BEGIN */
  begin(req: BeginIn, nodeid: bigint): BeginOut | number {
    const f = this.file(nodeid);
    const pos = Number(req.pos);
    const count = Number(req.count);
    const write = isFileWrite(req.opflags) && !(req.opflags & IOMAP_ZERO);
    let flags = 0;
    let cowMap: Mapping | null = null;
    try {
      if (write && f.truth.data.run(pos).type === 'hole') {
        // fuse2fs_iomap_write_allocate: ext2fs_fallocate(FORCE_UNINIT) of the request, F_DIRTY
        f.truth.allocate(this.down(pos), this.up(pos + count), 'unwritten');
        flags = FUSE_IOMAP_F_DIRTY;
      } else if (write && this.cow && f.truth.data.run(pos).type === 'mapped') {
        const run = f.truth.data.run(pos);
        const hi = Math.min(run.off + run.len, this.up(pos + count));
        f.truth.stageCow(this.down(pos), hi);
        cowMap = this.mappingOf(f, f.truth.cow.run(pos), pos, hi - pos, FUSE_IOMAP_F_SHARED, this.serve.extent);
      }
    } catch (e) {
      if (e instanceof NoSpaceError) return -ENOSPC;
      throw e;
    }
    const read = this.mappingOf(f, f.truth.data.run(pos), pos, count, flags, this.serve.extent);
    if (cowMap) {
      // one range for both mappings (fuse_iomap_begin_out has a single offset/length)
      const lo = cowMap.offset > read.offset ? cowMap.offset : read.offset;
      const hiC = cowMap.offset + cowMap.length;
      const hiR = read.offset + read.length;
      const hi = hiC < hiR ? hiC : hiR;
      for (const m of [read, cowMap]) {
        if (m.type !== FUSE_IOMAP_TYPE_HOLE) m.addr += lo - m.offset;
        m.offset = lo;
        m.length = hi - lo;
      }
    }

    // A COW server keeps the write fork populated from the first upsert on:
    // without a write fork a write would find NOFORK and overwrite in place
    // through the read mapping; with an emptied one it misses (SPEC 8.17).
    // Reads cache a write-fork HOLE (a write there must ask the server),
    // writes outside shared blocks a pure overwrite.
    let writeMap: Mapping | null = cowMap;
    if (!writeMap && this.cow) {
      const type = write && read.type !== FUSE_IOMAP_TYPE_MAPPED ? f.inode.cacheOrNull!.rev.pureOverwriteType : FUSE_IOMAP_TYPE_HOLE;
      writeMap = { ...read, type, addr: FUSE_IOMAP_NULL_ADDR, dev: 0, flags: 0 };
    }
    if (this.serve.mode !== 'direct') {
      const err = this.hooks.notifyUpsert(f.inode, read, writeMap);
      this.counters.upserts++;
      // fuse2fs fails the request when caching fails (SPEC 8.22)
      if (err) return err;
      this.prefetch(f, Number(read.offset + read.length));
      this.hooks.afterNotify?.(f);
    }
    if (this.serve.mode === 'upsert-null') {
      // fuse2fs: both halves NULL, keeping the read mapping's range
      const nul = { offset: read.offset, length: read.length, addr: FUSE_IOMAP_NULL_ADDR, type: this.retryType, flags: 0, dev: 0 };
      return { read: nul, write: { ...nul } };
    }
    const w = writeMap ?? { ...read, addr: FUSE_IOMAP_NULL_ADDR, type: f.inode.cacheOrNull!.rev.pureOverwriteType, flags: 0, dev: 0 };
    return { read, write: w };
  }

  /** Upsert the next `prefetch` runs after end, up to the end of the file. */
  private prefetch(f: ServedFile, end: number): void {
    let at = end;
    const eof = this.up(f.truth.size);
    for (let i = 0; i < this.serve.prefetch && at < eof; i++) {
      const run = f.truth.data.run(at);
      const m = this.mappingOf(f, run, at, this.blockSize, 0, 'whole');
      if (m.type === FUSE_IOMAP_TYPE_HOLE && m.offset + m.length > BigInt(eof)) m.length = BigInt(eof) - m.offset;
      if (this.hooks.notifyUpsert(f.inode, m, null)) return;
      this.counters.upserts++;
      at = Number(m.offset + m.length);
    }
  }

  /** FUSE_IOMAP_END: nothing to undo (no delalloc reservations here). */
  end(_req: EndIn, _nodeid: bigint): number {
    return 0;
  }

  /** FUSE_IOMAP_IOEND: convert unwritten, remap staged COW blocks, grow the file. */
  ioend(req: IoendIn, nodeid: bigint): number {
    const f = this.file(nodeid);
    if (req.error) return 0;
    const lo = this.down(Number(req.pos));
    const hi = this.up(Number(req.pos) + req.written);
    if (req.ioendflags & FUSE_IOMAP_IOEND_SHARED) f.truth.remapCow(lo, hi);
    if (req.ioendflags & FUSE_IOMAP_IOEND_UNWRITTEN) f.truth.convert(lo, hi);
    f.truth.size = Math.max(f.truth.size, Number(req.pos) + req.written);
    return 0;
  }
}
