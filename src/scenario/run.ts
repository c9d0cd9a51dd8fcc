// SPDX-License-Identifier: GPL-2.0-only
/*
 * Execute a parsed scenario against one inode's cache, the way the fixture
 * harness drives the seed's C: ino 12, nodeid 7, i_size 0, connection 1,
 * cache enabled (FUSE_I_IOMAP_CACHE set) so that invalidate acts.
 */
import { FUSE_IOMAP_LOCK_EXCL, FUSE_IOMAP_LOCK_SHARED, Fork, LookupResult } from '../cache/constants.js';
import type { CacheEventSink, RevisionEventSink } from '../cache/events.js';
import type { HazardHit } from '../cache/hazards.js';
import { type CachedMapping, type CachedMappingI, IomapCache, emptyCachedMappingI } from '../cache/iomap-cache.js';
import { DEFAULT_REVISION, type Revision } from '../cache/revision.js';
import type { AllocEvent, IextTree } from '../iext/tree.js';
import { KernelOops, type Mapping, emptyMapping, fromMappingI } from '../iext/record.js';
import { type I64, toBig } from '../util/int64.js';
import { type Command, type Scenario, commandTable } from './parse.js';
import { translateScenario } from './translate.js';
import type { KernelResult } from './kernel/output.js';
import { parseKernelCommand } from './kernel/parse.js';
import { runKernelCommand } from './kernel/run.js';
import { KernelWorld } from './kernel/world.js';
import { protocolFor } from '../protocol/layout.js';
import { resolveRevision } from '../cache/revision.js';

export const FIXTURE_INODE = { connection: 1, ino: 12n, nodeid: 7n } as const;

export type CommandResult =
  | { op: 'add' | 'upsert' | 'remove' | 'invalidate'; line: number; ret: number; seq: bigint }
  | { op: 'lookup'; line: number; fork: Fork; result: 'hit'; map: CachedMapping }
  | { op: 'lookup'; line: number; fork: Fork; result: 'miss' | 'nofork' }
  | { op: 'dump'; line: number; fork: Fork; nofork: true }
  | {
      op: 'dump';
      line: number;
      fork: Fork;
      nofork: false;
      count: number;
      height: number;
      seq: bigint;
      /**
       * Calls fn with every extent in order, in one reused Mapping (copy it
       * to keep it); valid only while onResult runs, before the next command.
       */
      forEachExtent(fn: (m: Mapping) => void): void;
    }
  | KernelResult;

/**
 * One command's outcome on the cache's I64 values (src/util/int64.ts), in
 * one object reused from command to command: what onResultI hands out and
 * writeOutI formats, without the bigints of a CommandResult.
 */
export interface CommandResultI {
  op: 'add' | 'upsert' | 'remove' | 'invalidate' | 'lookup' | 'dump' | 'kernel';
  line: number;
  fork: Fork;
  /** add, upsert, remove, invalidate: the return value */
  ret: number;
  /** im_seq after the command */
  seq: I64;
  /** lookup */
  result: 'hit' | 'miss' | 'nofork';
  /** lookup hit: the mapping and its cookie */
  map: CachedMappingI;
  /** dump: the fork's tree, null when there is no such fork */
  tree: IextTree | null;
  /** a kernel command's result */
  kernel: KernelResult | null;
}

/** A dump's extents as an array of copies. */
export function dumpExtents(r: { forEachExtent(fn: (m: Mapping) => void): void }): Mapping[] {
  const out: Mapping[] = [];
  r.forEachExtent((m) => out.push({ ...m }));
  return out;
}

export interface RunOptions {
  /** overrides the scenario's own `revision` setting */
  revision?: Revision;
  debug?: boolean;
  /** every tracepoint, in firing order */
  sink?: CacheEventSink;
  /**
   * revision-only tracepoints (v7 fuse_iomap_cache_alloc/_cleanup/_free,
   * rfc-v3 fuse_iomap_cache_enable). With a sink the run models the inode's
   * life: the cache is enabled through enable() before the first command
   * (v7: fuse_iomap_cache_alloc) and evicted through clear() after the last
   * (v7: fuse_iomap_cache_free), so summary.cache is empty afterwards.
   */
  revisionSink?: RevisionEventSink;
  /** the kernel layer's tracepoints (iomap consumers, notifications) as name and TP_printk body, in firing order with sink's */
  traceLine?: (name: string, body: string) => void;
  /** the server's cache_maxbytes (v7 iomap config; clamped by the cache), overriding the scenario's `cachemaxbytes` */
  cacheMaxBytes?: number;
  /** the cache's record-index paths (CacheOptions.indexPaths; default on) */
  indexPaths?: boolean;
  /** also fire fuse_iomap_cache_lock/unlock around each command */
  lockEvents?: boolean;
  onAlloc?: (fork: Fork, ev: AllocEvent, line: number) => void;
  onHazard?: (hit: HazardHit, line: number) => void;
  /** called after each command with its result and the cache */
  onResult?: (r: CommandResult, cache: IomapCache) => void;
  /**
   * called after each command with its result on I64 values (one reused
   * object, valid until the next command): onResult without the bigints,
   * for long scenarios (writeOutI formats it as .out text)
   */
  onResultI?: (r: CommandResultI, cache: IomapCache) => void;
}

export interface RunSummary {
  cache: IomapCache;
  commands: number;
  hazards: Map<string, { hit: HazardHit; count: number; firstLine: number }>;
}

export function runScenario(sc: Scenario, opts: RunOptions = {}): RunSummary {
  const revision = opts.revision ?? sc.revision ?? DEFAULT_REVISION;
  const kernelEncoding = sc.encoding ?? DEFAULT_REVISION;
  // names were resolved for sc.encoding; re-encode them for the revision run
  if (sc.encoding !== undefined && sc.encoding !== revision) sc = translateScenario(sc, revision);
  let line = 0;
  const hazards: RunSummary['hazards'] = new Map();
  const onAlloc = opts.onAlloc;
  const world = sc.kernel
    ? new KernelWorld(sc.kernel, {
        revision,
        blockSize: sc.blockSize,
        maxBytes: sc.maxBytes,
        debug: opts.debug,
        lockEvents: opts.lockEvents,
        cacheMaxBytes: opts.cacheMaxBytes ?? sc.cacheMaxBytes,
        cacheSink: opts.sink,
        revisionSink: opts.revisionSink,
        traceLine: opts.traceLine,
        onHazard: (hit) => {
          const known = hazards.get(hit.hazard.id);
          if (known) known.count++;
          else hazards.set(hit.hazard.id, { hit, count: 1, firstLine: line });
          opts.onHazard?.(hit, line);
        },
      })
    : undefined;
  const table = commandTable(sc);
  const cache = world ? world.primary.cacheForNotify() : new IomapCache(
    { ids: { ...FIXTURE_INODE }, isize: 0n, blockSize: sc.blockSize, maxBytes: sc.maxBytes },
    {
      geometry: sc.geometry,
      recordsHint: table?.recordBound(),
      indexPaths: opts.indexPaths,
      revision,
      cacheMaxBytes: opts.cacheMaxBytes ?? sc.cacheMaxBytes,
      revisionSink: opts.revisionSink,
      debug: opts.debug,
      sink: opts.sink,
      traceLocks: opts.lockEvents,
      onAlloc: onAlloc ? (fork, ev) => onAlloc(fork, ev, line) : undefined,
      onHazard: (hit) => {
        const known = hazards.get(hit.hazard.id);
        if (known) known.count++;
        else hazards.set(hit.hazard.id, { hit, count: 1, firstLine: line });
        opts.onHazard?.(hit, line);
      },
    },
  );
  if (world) {
    // the kernel world's inodes say whether their caches start enabled
  } else if (opts.revisionSink) cache.enable();
  else cache.enabled = true;
  const lockEvents = opts.lockEvents === true;
  const { onResult, onResultI } = opts;
  const r: CommandResultI = { op: 'add', line: 0, fork: Fork.READ, ret: 0, seq: 0, result: 'miss', map: emptyCachedMappingI(), tree: null, kernel: null };

  // a parsed scenario's commands straight from its table (no object per command)
  const commands = table ? undefined : sc.commands;
  const n = table ? table.length : commands!.length;
  for (let i = 0; i < n; i++) {
    const cmd = table ? table.get(i) : commands![i];
    line = cmd.line;
    try {
      if (cmd.op === 'kernel') {
        const k = runKernelCommand(world!, kernelFor(cmd, kernelEncoding, revision));
        r.op = 'kernel';
        r.line = cmd.line;
        r.kernel = k;
        onResult?.(k, cache);
      } else {
        runOne(cache, cmd, r, lockEvents);
        onResult?.(commandResult(r), cache);
      }
      onResultI?.(r, cache);
    } catch (e) {
      if (e instanceof KernelOops) e.line = line;
      throw e;
    }
  }
  if (opts.revisionSink && !world) cache.clear();
  return { cache, commands: n, hazards };
}

/** A kernel command with its names resolved for the running revision (re-parsed when it differs from the scenario's). */
function kernelFor(cmd: Extract<Command, { op: 'kernel' }>, encoding: Revision, revision: Revision): Extract<Command, { op: 'kernel' }> {
  if (encoding === revision) return cmd;
  return parseKernelCommand(cmd.file, cmd.line, cmd.words, { rev: resolveRevision(revision), protocol: protocolFor(revision) });
}

/** Runs one command into r, with im_lock events around it when asked (the cache never mutates cmd.map). */
function runOne(cache: IomapCache, cmd: Exclude<Command, { op: 'kernel' }>, r: CommandResultI, lockEvents: boolean): void {
  const lockFlags = cmd.op === 'lookup' ? FUSE_IOMAP_LOCK_SHARED : FUSE_IOMAP_LOCK_EXCL;
  const locks = lockEvents && cmd.op !== 'invalidate' && cmd.op !== 'dump';
  if (locks) cache.lock(lockFlags);
  runUnlocked(cache, cmd, r);
  if (locks) cache.unlock(lockFlags);
}

function runUnlocked(cache: IomapCache, cmd: Exclude<Command, { op: 'kernel' }>, r: CommandResultI): void {
  r.op = cmd.op;
  r.line = cmd.line;
  r.kernel = null;
  switch (cmd.op) {
    case 'add':
      r.ret = cache.cacheAddI(cmd.fork, cmd.map);
      break;
    case 'upsert':
      r.ret = cache.cacheUpsertI(cmd.fork, cmd.map);
      break;
    case 'remove':
      r.ret = cache.cacheRemoveI(cmd.fork, cmd.offset, cmd.length);
      break;
    case 'invalidate':
      // fuse_iomap_cache_invalidate_range takes im_lock itself
      r.ret = cache.invalidateRangeI(cmd.offset, cmd.length);
      break;
    case 'lookup': {
      r.fork = cmd.fork;
      const res = cache.cacheLookupI(cmd.fork, cmd.pos, cmd.count, r.map);
      r.result = res === LookupResult.HIT ? 'hit' : res === LookupResult.MISS ? 'miss' : 'nofork';
      break;
    }
    case 'dump':
      r.fork = cmd.fork;
      r.tree = cache.forkPtr(cmd.fork);
      break;
  }
  r.seq = cache.seqI;
}

/** The public (bigint) result of the command r holds (not a kernel command). */
function commandResult(r: CommandResultI): CommandResult {
  switch (r.op) {
    case 'add':
    case 'upsert':
    case 'remove':
    case 'invalidate':
      return { op: r.op, line: r.line, ret: r.ret, seq: toBig(r.seq) };
    case 'lookup':
      if (r.result !== 'hit') return { op: 'lookup', line: r.line, fork: r.fork, result: r.result };
      return { op: 'lookup', line: r.line, fork: r.fork, result: 'hit', map: { ...fromMappingI(emptyMapping(), r.map), validityCookie: toBig(r.map.validityCookie) } };
    case 'dump': {
      const ifp = r.tree;
      if (!ifp) return { op: 'dump', line: r.line, fork: r.fork, nofork: true };
      const forEachExtent = (fn: (m: Mapping) => void) => ifp.forEachRecord(fn);
      return { op: 'dump', line: r.line, fork: r.fork, nofork: false, count: ifp.count(), height: ifp.height, seq: toBig(r.seq), forEachExtent };
    }
    case 'kernel':
      return r.kernel!;
  }
}
