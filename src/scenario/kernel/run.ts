// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs one kernel-scenario command against the KernelWorld and says what
 * happened: served from the cache or sent to the server, the iomap and
 * srcmap, the errno, the inode's sequence value, the events and hazards.
 */
import { u64 } from '../../util/int64.js';
import { decodeBeginOut } from '../../protocol/codec.js';
import { notifyIomapInvalResult, notifyIomapUpsertResult } from '../../protocol/notify.js';
import type { BeginIn, BeginOut, InvalOut, UpsertOut } from '../../protocol/wire.js';
import { IOMAP_DIRECT, IOMAP_F_SIZE_CHANGED, IOMAP_WRITE } from '../../iomap/constants.js';
import { fuseIomapBegin } from '../../iomap/begin.js';
import { fuseIomapEnd, fuseIomapIoend } from '../../iomap/end.js';
import { fuseIomapCopiedFileRange, fuseIomapFallocate, fuseIomapOpenTruncate, fuseIomapSetsize } from '../../iomap/hooks.js';
import { zeroIomap } from '../../iomap/iomap.js';
import { fuseIomapMapBlocks, iomapValid, newWritepageCtx } from '../../iomap/revalidate.js';
import { ServerScriptEmpty } from '../../iomap/server.js';
import { ScenarioError } from '../parse.js';
import { type KernelResult, Out } from './output.js';
import type { KernelCommand, KernelOp, ReplySpec } from './parse.js';
import type { FuseInode } from '../../protocol/inode.js';
import type { KernelWorld } from './world.js';

/** A command the kernel cannot run as written (unknown nodeid, unknown map name, empty server script). */
class KernelRunError extends Error {
  constructor(
    readonly line: number,
    why: string,
  ) {
    super(why);
  }
}

export function runKernelCommand(w: KernelWorld, cmd: KernelCommand): KernelResult {
  w.begin();
  const out = new Out(cmd.line, cmd.k.kind === 'server' ? `server ${cmd.words[1]}` : cmd.k.kind, w);
  try {
    run(w, cmd.k, out, cmd.line);
  } catch (e) {
    if (e instanceof ServerScriptEmpty || e instanceof KernelRunError) throw new ScenarioError(cmd.file, cmd.line, e.message);
    throw e;
  }
  return out.finish();
}

function target(w: KernelWorld, nodeid: bigint | undefined, line: number): FuseInode {
  const fi = w.inode(nodeid);
  if (!fi) throw new KernelRunError(line, `nodeid ${nodeid} is not in the inode table (declare it with an inode line)`);
  return fi;
}

function run(w: KernelWorld, k: KernelOp, o: Out, line: number): void {
  switch (k.kind) {
    case 'begin': {
      const fi = target(w, k.nodeid, line);
      if (!fi.fileio) return o.skip(fi, 'no FUSE_I_IOMAP_FILEIO: the kernel does not use iomap for this inode');
      const iomap = zeroIomap();
      const srcmap = zeroIomap();
      const r = fuseIomapBegin(w.env, w.kinode(fi), k.pos, k.count, k.opflags, iomap, srcmap);
      w.handles.set(k.name, { inode: fi, pos: k.pos, count: k.count, opflags: k.opflags, ret: r.ret, iomap, srcmap });
      o.ret(r.ret);
      o.add('via', r.fromCache ? (r.upcalls ? 'cache-after-upcall' : 'cache') : r.upcalls ? 'server' : 'none', r.fromCache ? (r.upcalls ? 'cache-after-upcall' : 'cache') : r.upcalls ? 'server' : 'none');
      o.add('upcalls', String(r.upcalls), r.upcalls);
      if (r.nullRetries) o.add('retries', String(r.nullRetries), r.nullRetries);
      if (r.rule) o.add('rule', r.rule, r.rule);
      o.add('lookups', r.tries.map(trailText).join(',') || '-', r.tries);
      if (r.ret === 0) {
        o.map('iomap', iomap, fi);
        o.map('srcmap', srcmap, fi);
      }
      return o.seq(fi);
    }
    case 'revalidate': {
      const h = handle(w, k.name, line);
      const v = iomapValid(w.env, w.kinode(h.inode), h.iomap);
      o.add('result', v.checked ? (v.valid ? 'valid' : 'invalid') : 'unchecked', v.checked ? v.valid : null);
      o.add('cookie', h.iomap.folioOps ? String(h.iomap.validityCookie) : '-', h.iomap.folioOps ? h.iomap.validityCookie : null);
      return o.seq(h.inode);
    }
    case 'end': {
      const h = handle(w, k.name, line);
      const ci = h.inode;
      // iomap_iter: count = what is left of the request inside the mapping
      const inMap = u64(h.iomap.offset + h.iomap.length) - u64(h.pos);
      const count = inMap < h.count ? BigInt.asIntN(64, inMap) : h.count;
      // iomap_write_end of a buffered write past EOF: i_size grows, IOMAP_F_SIZE_CHANGED
      if (h.opflags & IOMAP_WRITE && !(h.opflags & IOMAP_DIRECT) && k.written > 0n && h.pos + k.written > ci.isize) {
        ci.isize = h.pos + k.written;
        h.iomap.flags |= IOMAP_F_SIZE_CHANGED;
      }
      const r = fuseIomapEnd(w.env, w.kinode(ci), h.pos, count, k.written, h.opflags, h.iomap, h.srcmap);
      o.ret(r.ret);
      o.add('count', '0x' + count.toString(16), count);
      o.add('upcall', r.upcall ? 'yes' : 'no', r.upcall);
      if (r.inlineWrite) o.add('inline-write', 'yes', true);
      if (r.invalidated !== undefined) o.add('invalidate', `0x${h.pos.toString(16)}+0x${k.written.toString(16)}`, { offset: h.pos, length: k.written, ret: r.invalidated });
      o.isize(ci);
      return o.seq(ci);
    }
    case 'ioend': {
      const fi = target(w, k.nodeid, line);
      const r = fuseIomapIoend(w.env, w.kinode(fi), k.pos, k.written, k.error, k.flags, k.newAddr);
      o.ret(r.ret);
      o.add('upcall', r.upcall ? 'yes' : 'no', r.upcall);
      if (r.invalidated !== undefined) o.add('invalidate', `0x${u64(k.pos).toString(16)}+0x${k.written.toString(16)}`, { offset: k.pos, length: k.written, ret: r.invalidated });
      o.isize(fi);
      return o.seq(fi);
    }
    case 'writeback': {
      const fi = target(w, k.nodeid, line);
      if (!fi.fileio) return o.skip(fi, 'no FUSE_I_IOMAP_FILEIO');
      let wpc = w.wpcs.get(k.ctx);
      if (!wpc || k.fresh) w.wpcs.set(k.ctx, (wpc = newWritepageCtx()));
      const r = fuseIomapMapBlocks(w.env, wpc, w.kinode(fi), k.pos, k.len);
      o.ret(r.ret);
      o.add('mapping', r.reused ? 'reused' : 'new', r.reused ? 'reused' : 'new');
      if (r.begin) o.add('via', r.begin.fromCache ? 'cache' : 'server', r.begin.fromCache ? 'cache' : 'server'), o.add('upcalls', String(r.begin.upcalls), r.begin.upcalls);
      if (r.ret === 0) o.map('iomap', wpc.iomap, fi);
      return o.seq(fi);
    }
    case 'setsize':
    case 'fallocate':
    case 'open-trunc': {
      const fi = target(w, k.nodeid, line);
      if (!fi.fileio && k.kind !== 'open-trunc') return o.skip(fi, 'no FUSE_I_IOMAP_FILEIO: not the iomap path');
      const ki = w.kinode(fi);
      const r = k.kind === 'setsize' ? fuseIomapSetsize(w.env, ki, k.size) : k.kind === 'fallocate' ? fuseIomapFallocate(w.env, ki, k.mode, k.offset, k.length) : fuseIomapOpenTruncate(w.env, ki, w.atomicOTrunc);
      o.ret(r.ret);
      o.invalidated(r.invalidated);
      o.isize(fi);
      return o.seq(fi);
    }
    case 'copy-range': {
      const fi = target(w, k.nodeid, line);
      const r = fuseIomapCopiedFileRange(w.env, w.kinode(fi), k.pos, k.size);
      o.ret(r.ret);
      o.invalidated(r.invalidated);
      o.isize(fi);
      return o.seq(fi);
    }
    case 'notify-upsert':
    case 'notify-inval': {
      const fi = w.primary;
      const r = k.kind === 'notify-upsert' ? notifyIomapUpsertResult(w.conn, k.raw ?? fill(k.out!, k.nodeidDefault, fi)) : notifyIomapInvalResult(w.conn, k.raw ?? fill(k.out!, k.nodeidDefault, fi));
      o.ret(r.err);
      if (r.rule) o.add('rule', r.rule, r.rule);
      if (r.oops) o.add('oops', 'yes', r.oops.message);
      return o.seq(notifiedInode(w, k) ?? fi);
    }
    case 'server':
      return serverCommand(w, k, o);
  }
}

function serverCommand(w: KernelWorld, k: Extract<KernelOp, { kind: 'server' }>, o: Out): void {
  const s = w.server;
  switch (k.action) {
    case 'upsert':
    case 'inval': {
      const conn = w.conn;
      const what = k.action;
      w.pendingNotify.push({
        what,
        send: (nodeid: bigint) => {
          const fi = w.conn.ilookup(nodeid) ?? w.primary;
          const r = what === 'upsert' ? notifyIomapUpsertResult(conn, fill(k.out as UpsertOut, k.nodeidDefault, fi)) : notifyIomapInvalResult(conn, fill(k.out as InvalOut, k.nodeidDefault, fi));
          return r.err;
        },
      });
      o.add('pending', String(w.pendingNotify.length), w.pendingNotify.length);
      return;
    }
    case 'reply':
    case 'error': {
      const notify = w.pendingNotify;
      w.pendingNotify = [];
      const p = w.conn.protocol;
      let reply: BeginOut | number | ((req: BeginIn) => BeginOut | number);
      if (k.action === 'error') reply = k.errno;
      else if (k.reply instanceof Uint8Array) {
        const d = decodeBeginOut(p, k.reply);
        reply = d.ok ? d.value : d.err; // a reply of the wrong size fails the request
      } else {
        const spec = k.reply;
        reply = (req: BeginIn) => replyFor(spec, req, w);
      }
      s.queueBegin({ notify, reply }, k.times);
      o.add('queued', String(s.pendingBegins()), s.pendingBegins());
      if (notify.length) o.add('notifications', String(notify.length), notify.length);
      return;
    }
    case 'end':
      s.queueEnd(k.errno);
      break;
    case 'ioend':
      s.queueIoend(k.errno);
      break;
    case 'inline':
      s.queueInline(k.errno);
      break;
  }
  o.add('errno', String(k.errno), k.errno);
}

/** A scripted reply made concrete for the request: offset/length default to the block-rounded request. */
function replyFor(spec: ReplySpec, req: BeginIn, w: KernelWorld): BeginOut {
  const fi = w.primary;
  const bs = fi.blockSize;
  const start = req.pos & ~(bs - 1n);
  const end = u64(((u64(req.pos + req.count) - 1n) | (bs - 1n)) + 1n);
  const offset = spec.offset ?? start;
  const length = spec.length ?? u64(end - start);
  const half = (h: ReplySpec['read']) => ({ offset: h.offset ?? offset, length: h.length ?? length, addr: h.addr, type: h.type, flags: h.flags, dev: h.dev });
  return { read: half(spec.read), write: half(spec.write) };
}

/** nodeid and attr_ino left out of a notification name the first inode. */
function fill<T extends UpsertOut | InvalOut>(out: T, nodeidDefault: boolean, fi: FuseInode): T {
  if (!nodeidDefault) return out;
  return { ...out, nodeid: fi.nodeid, attrIno: out.attrIno === 0n ? fi.attrIno : out.attrIno };
}

function notifiedInode(w: KernelWorld, k: Extract<KernelOp, { kind: 'notify-upsert' | 'notify-inval' }>): FuseInode | undefined {
  if (k.out && !k.nodeidDefault) return w.conn.ilookup(k.out.nodeid);
  return undefined;
}

function handle(w: KernelWorld, name: string, line: number) {
  const h = w.handles.get(name);
  if (!h) throw new KernelRunError(line, `no mapping named '${name}' (a begin with as=${name} must come first)`);
  if (h.ret !== 0) throw new KernelRunError(line, `the begin that made '${name}' failed (${h.ret}): iomap core would not use it`);
  return h;
}

const trailText = (t: { write?: string; read?: string; refused?: string }): string =>
  [t.write && `w:${t.write}`, t.read && `r:${t.read}`, t.refused && `refused:${t.refused}`].filter(Boolean).join('/') || 'off';
