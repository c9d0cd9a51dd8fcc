// SPDX-License-Identifier: GPL-2.0-only
/*
 * The server side: libfuse's notification wrappers (seed 001 L13990-14080)
 * and fuse2fs's use of them in op_iomap_begin (L17497-17546), talking to a
 * modelled kernel connection.
 *
 * fuse_lowlevel_notify_iomap_upsert / _inval: no session -EINVAL; a
 * negotiated minor below 44 -ENOSYS; both maps absent -> 0 without
 * sending; an absent map becomes type NULL with every other field 0 (so an
 * upsert with one absent half is always refused by the kernel's zero-length
 * check, SPEC 8.4); the send's result is the kernel's answer to the write().
 * A kernel older than the feature (minor 44..98 for rfc-v3, whose
 * FUSE_KERNEL_MINOR_VERSION is 99) does not know the code and answers
 * -EINVAL (SPEC 8.5).
 */
import { EINVAL, ENOSYS, FUSE_KERNEL_MINOR_VERSION_RFC_V3, LIBFUSE_IOMAP_NOTIFY_MIN_MINOR } from './constants.js';
import { encodeInval, encodeNotifyFrame, encodeUpsert } from './codec.js';
import type { FuseConn } from './conn.js';
import { PROTOCOL_HAZARDS } from './hazards.js';
import { beginRetryType, upsertSkipType } from './layout.js';
import { type NotifyResult, writeNotification } from './notify.js';
import type { FuseRange, IomapIo } from './wire.js';
import { FUSE_IOMAP_DEV_NULL, FUSE_IOMAP_NULL_ADDR } from '../cache/constants.js';

/** struct fuse_session as far as these wrappers look at it */
export interface FuseSession {
  /** the kernel connection this session writes to */
  conn: FuseConn;
}

/** libfuse struct fuse_iomap (32 bytes: addr, offset, length, type, flags, dev) */
export type LibfuseIomap = IomapIo;
/** libfuse struct fuse_iomap_inval { offset, length } */
export type LibfuseIomapInval = FuseRange;

/** what the library returned and, when it sent something, the kernel's verdict */
export interface LibfuseResult {
  ret: number;
  sent: Uint8Array | null;
  kernel: NotifyResult | null;
}

function send(se: FuseSession, code: number, payload: Uint8Array): LibfuseResult {
  const frame = encodeNotifyFrame(code, payload);
  const conn = se.conn;
  // A kernel that predates the iomap notifications takes the default branch of fuse_notify.
  if (conn.protocol.name === 'rfc-v3' && conn.protoMinor < FUSE_KERNEL_MINOR_VERSION_RFC_V3) {
    conn.onHazard?.({ hazard: PROTOCOL_HAZARDS.libfuseVersionGate, detail: `proto minor ${conn.protoMinor}: notify code ${code} unknown to the kernel` });
    return { ret: -EINVAL, sent: frame, kernel: { err: -EINVAL, rule: 'unknown-notify-code' } };
  }
  const kernel = writeNotification(conn, frame);
  return { ret: kernel.err, sent: frame, kernel };
}

const absent = (type: number): IomapIo => ({ offset: 0n, length: 0n, addr: 0n, type, flags: 0, dev: 0 });

// fuse_lowlevel_notify_iomap_upsert (001 L14000-14046)
export function libfuseNotifyIomapUpsert(
  se: FuseSession | null,
  nodeid: bigint,
  attrIno: bigint,
  readIomap: LibfuseIomap | null,
  writeIomap: LibfuseIomap | null,
): LibfuseResult {
  if (!se) return { ret: -EINVAL, sent: null, kernel: null };
  if (se.conn.protoMinor < LIBFUSE_IOMAP_NOTIFY_MIN_MINOR) return { ret: -ENOSYS, sent: null, kernel: null };
  if (!readIomap && !writeIomap) return { ret: 0, sent: null, kernel: null };
  const skip = upsertSkipType(se.conn.protocol);
  if (!readIomap || !writeIomap)
    se.conn.onHazard?.({ hazard: PROTOCOL_HAZARDS.libfuseNullHalf, detail: `nodeid ${nodeid}: ${readIomap ? 'write' : 'read'} map absent, sent with length 0` });
  const payload = encodeUpsert({ nodeid, attrIno, read: readIomap ? { ...readIomap } : absent(skip), write: writeIomap ? { ...writeIomap } : absent(skip) });
  return send(se, se.conn.protocol.notifyUpsertCode, payload);
}

// fuse_lowlevel_notify_iomap_inval (001 L14048-14080): attr_ino stays 0
export function libfuseNotifyIomapInval(se: FuseSession | null, nodeid: bigint, read: LibfuseIomapInval | null, write: LibfuseIomapInval | null): LibfuseResult {
  if (!se) return { ret: -EINVAL, sent: null, kernel: null };
  if (se.conn.protoMinor < LIBFUSE_IOMAP_NOTIFY_MIN_MINOR) return { ret: -ENOSYS, sent: null, kernel: null };
  if (!read && !write) return { ret: 0, sent: null, kernel: null };
  const payload = encodeInval({
    nodeid,
    attrIno: 0n,
    read: read ? { ...read } : { offset: 0n, length: 0n },
    write: write ? { ...write } : { offset: 0n, length: 0n },
  });
  return send(se, se.conn.protocol.notifyInvalCode, payload);
}

/**
 * fuse2fs op_iomap_begin with caching (001 L17522-17545): mark the write
 * mapping NULL, upsert both (the read one is cached), and on success turn
 * the read mapping into a NULL reply that makes the kernel retry its
 * cache. On failure the begin request fails with the error (no fallback
 * to replying with the mapping, SPEC 8.22). Mutates the two maps as the C
 * does. rfc-v3 only: the v7 fuse2fs was not among the sources read (v7's
 * begin validation refuses a NOCACHE write half, so it must differ).
 */
export function fuse2fsCacheIomap(se: FuseSession, nodeid: bigint, attrIno: bigint, readIomap: LibfuseIomap, writeIomap: LibfuseIomap): LibfuseResult {
  const p = se.conn.protocol;
  if (p.name !== 'rfc-v3') throw new Error(`fuse2fsCacheIomap models the rfc-v3 fuse2fs only (connection revision ${se.conn.revision.name})`);
  writeIomap.type = upsertSkipType(p);
  const r = libfuseNotifyIomapUpsert(se, nodeid, attrIno, readIomap, writeIomap);
  if (r.ret) return r;
  readIomap.type = beginRetryType(p);
  readIomap.dev = FUSE_IOMAP_DEV_NULL;
  readIomap.addr = FUSE_IOMAP_NULL_ADDR;
  return r;
}
