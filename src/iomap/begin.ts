// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuse_iomap_begin with the cache (seed 001: base L1862-1935, devices
 * L2330-2396, inline L6305-6327, cache and NULL retry PATCH 2/4 L9228-9270).
 */
import { EINTR, IOMAP_INLINE, isFileWrite } from './constants.js';
import { DEFAULT_NULL_RETRY_LIMIT, type IomapEnv, type KernelInode, RFC_V3_TYPES, emitEvent, hazard } from './env.js';
import { IOMAP_HAZARDS } from './hazards.js';
import type { BeginOut, Iomap, IomapIo } from './iomap.js';
import { type TryCacheTrail, fuseIomapFindDev, fuseIomapSetInline, fuseIomapTryCache } from './try-cache.js';

export interface BeginResult {
  /** 0 or a negative errno, what ->iomap_begin returns */
  ret: number;
  /** served from the cache (no upcall, or the cache hit after a NULL reply) */
  fromCache: boolean;
  /** FUSE_IOMAP_BEGIN requests sent */
  upcalls: number;
  /** NULL replies that were retried */
  nullRetries: number;
  /** each fuse_iomap_try_cache call's decisions, in order */
  tries: TryCacheTrail[];
  /** the server's last reply, if any */
  reply?: BeginOut;
  /** the begin-validation rule that refused the reply */
  rule?: string;
}

/**
 * fuse_iomap_begin: try the cache, else ask the server; a NULL read
 * mapping means "I upserted it, look again" and loops until the cache hits,
 * an error, or a pending signal (the model's signal arrives after
 * env.nullRetryLimit retries, SPEC 8.9).
 */
export function fuseIomapBegin(env: IomapEnv, inode: KernelInode, pos: bigint, count: bigint, opflags: number, iomap: Iomap, srcmap: Iomap): BeginResult {
  const ci = inode.cache.inode;
  const r: BeginResult = { ret: 0, fromCache: false, upcalls: 0, nullRetries: 0, tries: [] };
  emitEvent(env, inode, 'fuse_iomap_begin', { opflags, pos, count });

  const tryCache = (): number => {
    const trail: TryCacheTrail = {};
    r.tries.push(trail);
    return fuseIomapTryCache(env, inode, pos, count, opflags, iomap, srcmap, trail);
  };
  const done = (ret: number, fromCache = false): BeginResult => {
    r.ret = ret;
    r.fromCache = fromCache;
    return r;
  };

  const filled = { folioOps: iomap.folioOps, src: srcmap.folioOps };
  let err = tryCache();
  if (err < 0) return done(err);
  if (err === 1) return done(0, true);
  // try_cache may have filled iomap (and srcmap) before deciding to upcall
  let partial = (iomap.folioOps && !filled.folioOps) || (srcmap.folioOps && !filled.src);

  const limit = env.nullRetryLimit ?? DEFAULT_NULL_RETRY_LIMIT;
  const types = env.types ?? RFC_V3_TYPES;
  for (;;) {
    r.upcalls++;
    const reply = env.server.begin({ opflags, reserved: 0, attrIno: ci.ids.ino, pos: BigInt.asUintN(64, pos), count: BigInt.asUintN(64, count) }, ci.ids.nodeid);
    if (typeof reply === 'number') {
      emitEvent(env, inode, 'fuse_iomap_begin_error', { opflags, pos, count, error: reply });
      return done(reply);
    }
    r.reply = reply;
    const rd = reply.read;
    const wr = types.beginOutSharedRange ? { ...reply.write, offset: rd.offset, length: rd.length } : reply.write;
    emitEvent(env, inode, 'fuse_iomap_read_map', { offset: rd.offset, length: rd.length, dev: rd.dev, addr: rd.addr, type: rd.type, mapflags: rd.flags });
    emitEvent(env, inode, 'fuse_iomap_write_map', { offset: wr.offset, length: wr.length, dev: wr.dev, addr: wr.addr, type: wr.type, mapflags: wr.flags });

    const verdict = env.validateBegin(reply, inode, opflags, pos);
    if (verdict.err) {
      r.rule = verdict.rule;
      return done(verdict.err);
    }

    if (rd.type !== types.retryType) break;
    // The server says it populated the cache: look again. The cache lock
    // was dropped, so anything may have happened in between.
    err = tryCache();
    if (err < 0) return done(err);
    if (err === 1) return done(0, true);
    partial ||= iomap.folioOps && !filled.folioOps;
    if (r.nullRetries >= limit) {
      hazard(env, IOMAP_HAZARDS.nullRetryUnbounded, `begin pos 0x${pos.toString(16)} count 0x${count.toString(16)} opflags 0x${opflags.toString(16)}: ${r.upcalls} NULL replies, cache still misses`);
      return done(-EINTR); // signal_pending(current)
    }
    r.nullRetries++;
  }

  const rd = r.reply!.read;
  const wr = types.beginOutSharedRange ? { ...r.reply!.write, offset: rd.offset, length: rd.length } : r.reply!.write;
  const readDev = fuseIomapFindDev(env, rd.type, rd.dev);
  if (readDev < 0) return done(readDev);
  if (isFileWrite(opflags) && wr.type !== types.typePureOverwrite) {
    const writeDev = fuseIomapFindDev(env, wr.type, wr.dev);
    if (writeDev < 0) return done(writeDev);
    // out of place write: the write mapping in iomap, the read one in srcmap
    setFromReply(iomap, wr, writeDev);
    setFromReply(srcmap, rd, readDev);
    if (wr.type === types.retryType)
      hazard(env, IOMAP_HAZARDS.writeNullLeak, `begin pos 0x${pos.toString(16)} opflags 0x${opflags.toString(16)}: iomap->type = 0xfffe`);
  } else {
    // reads, reports and pure overwrites: the sole mapping in iomap, srcmap untouched
    setFromReply(iomap, rd, readDev);
  }
  if (partial)
    hazard(env, IOMAP_HAZARDS.partialFillSurvives, `begin pos 0x${pos.toString(16)}: server mapping with cookie 0x${iomap.validityCookie.toString(16)} and folio_ops ${iomap.folioOps ? 'set' : 'clear'}, srcmap ${srcmap.folioOps ? 'from the cache' : 'not from the cache'}`);

  if (iomap.type === IOMAP_INLINE || srcmap.type === IOMAP_INLINE) {
    err = fuseIomapSetInline(env, inode, opflags, pos, count, iomap, srcmap);
    if (err) return done(err);
  }
  return done(0);
}

/** The fields the upcall path writes: never folio_ops or validity_cookie (SPEC 4.1 step 8). */
function setFromReply(m: Iomap, io: IomapIo, dev: number): void {
  m.addr = io.addr;
  m.offset = BigInt.asIntN(64, io.offset);
  m.length = io.length;
  m.type = io.type;
  m.flags = io.flags;
  m.bdev = dev;
}
