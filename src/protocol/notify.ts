// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel side of FUSE_NOTIFY_IOMAP_UPSERT / _INVAL (rfc-v3, seed 001
 * PATCH 4/4 L9881-10276) and of v7's FUSE_NOTIFY_IOMAP_UPSERT_MAPPINGS /
 * _INVAL_MAPPINGS (fs/fuse/fuse_iomap.c of the author's tree, mirror
 * commit 00681926): size check, validation in the C's order with its
 * errno, inode lookup, tracepoints, cache enabling and the cache update
 * under the exclusive im_lock.
 *
 * Every handler returns a NotifyResult: the errno the server's write()
 * gets (0 or negative) and the name of the rule that produced it. Nothing
 * here throws for any input; where the C would dereference NULL (only for
 * offsets >= 2^63, SPEC 8.2/8.3) the result carries the KernelOops.
 */
import { Fork } from '../cache/constants.js';
import { KernelOops, type Mapping } from '../iext/record.js';
import { s64, u64 } from '../util/int64.js';
import { EACCES, EINVAL, EIO, ESTALE } from './constants.js';
import { decodeInval, decodeNotifyFrame, decodeUpsert, encodeInval, encodeUpsert } from './codec.js';
import type { FuseConn, IoDir } from './conn.js';
import { PROTOCOL_HAZARDS } from './hazards.js';
import type { FuseInode } from './inode.js';
import { upsertSkipType } from './layout.js';
import { addOverflowsU64, checkFlags, checkMappingV7, checkType, isAligned, type Verdict } from './validate.js';
import type { FuseRange, InvalOut, IomapIo, UpsertOut } from './wire.js';
import { FUSE_IOMAP_DEV_NULL, FUSE_IOMAP_INVAL_TO_EOF, FUSE_IOMAP_NULL_ADDR } from '../cache/constants.js';

export interface NotifyResult extends Verdict {
  /** set when the C would have crashed; err is then 0 and rule 'kernel-oops' */
  oops?: KernelOops;
}

const ok = (): NotifyResult => ({ err: 0, rule: '' });
const fail = (err: number, rule: string): NotifyResult => ({ err, rule });

// ============================================================== dispatch

/**
 * fuse_notify for the iomap codes: the code picks the handler (rfc-v3 9/10,
 * v7 100/101), the handler insists on the exact payload size (-EINVAL).
 * Other codes are not modelled and get the default branch's -EINVAL.
 */
export function fuseNotify(conn: FuseConn, code: number, payload: Uint8Array): NotifyResult {
  const p = conn.protocol;
  if (code === p.notifyUpsertCode) return notifyIomapUpsertResult(conn, payload);
  if (code === p.notifyInvalCode) return notifyIomapInvalResult(conn, payload);
  return fail(-EINVAL, 'unknown-notify-code');
}

/** A whole write() of a notification to /dev/fuse: fuse_out_header, then fuse_notify. */
export function writeNotification(conn: FuseConn, frame: Uint8Array): NotifyResult {
  const d = decodeNotifyFrame(frame);
  if (!d.ok) return fail(d.err, 'bad-header');
  return fuseNotify(conn, d.value.code, d.value.payload);
}

// ================================================================ upsert

/** fuse_notify_iomap_upsert: bytes (size-checked) or an already decoded struct */
export function notifyIomapUpsertResult(conn: FuseConn, input: Uint8Array | UpsertOut): NotifyResult {
  let out: UpsertOut;
  if (input instanceof Uint8Array) {
    const d = decodeUpsert(input);
    if (!d.ok) return fail(d.err, 'size');
    out = d.value;
  } else out = (decodeUpsert(encodeUpsert(input)) as { value: UpsertOut }).value; // RangeError for values no C field holds
  return conn.protocol.name === 'v7' ? iomapUpsertV7(conn, out) : iomapUpsertRfcV3(conn, out);
}

/** The errno of an upsert notification (0 also for a modelled kernel oops: see notifyIomapUpsertResult). */
export const notifyIomapUpsert = (conn: FuseConn, input: Uint8Array | UpsertOut): number => notifyIomapUpsertResult(conn, input).err;

/** rfc-v3 rule names of fuse_iomap_upsert in the order the C checks them. */
export const RFC_V3_UPSERT_RULES = [
  'size',
  'iomap-disabled',
  'write-type',
  'write-flags',
  'read-type',
  'read-flags',
  'read-zero-length',
  'write-zero-length',
  'read-range-overflow',
  'write-range-overflow',
  'read-pure-overwrite',
  'read-no-dev',
  'read-no-addr',
  'read-dev-without-space',
  'read-addr-without-space',
  'write-no-dev',
  'write-no-addr',
  'write-dev-without-space',
  'write-addr-without-space',
  'read-device-missing',
  'read-device-access',
  'read-addr-overflow',
  'read-past-device',
  'write-device-missing',
  'write-device-access',
  'write-addr-overflow',
  'write-past-device',
  'stale-nodeid',
  'attr-ino-mismatch',
  'bad-inode',
  'read-offset-past-maxbytes',
  'read-offset-unaligned',
  'read-length-unaligned',
  'write-offset-past-maxbytes',
  'write-offset-unaligned',
  'write-length-unaligned',
  'read-cache',
  'write-cache',
] as const;

/** fuse_iomap_upsert_validate (001 L10010-10103): payload checks before the inode lookup */
function upsertValidateRfcV3(conn: FuseConn, out: UpsertOut): NotifyResult {
  const p = conn.protocol;
  const E = -EIO;
  const r = out.read;
  const w = out.write;
  // No garbage mapping types or flags (write half first)
  if (!checkType(p, w.type)) return fail(E, 'write-type');
  if (!checkFlags(p, w.flags)) return fail(E, 'write-flags');
  if (!checkType(p, r.type)) return fail(E, 'read-type');
  if (!checkFlags(p, r.flags)) return fail(E, 'read-flags');
  // No zero-length mappings, whatever the type
  if (r.length === 0n) return fail(E, 'read-zero-length');
  if (w.length === 0n) return fail(E, 'write-zero-length');
  // No overflows in the file range
  if (addOverflowsU64(r.offset, r.length)) return fail(E, 'read-range-overflow');
  if (addOverflowsU64(w.offset, w.length)) return fail(E, 'write-range-overflow');

  const rh = upsertHalfRulesRfcV3(conn, 'read', r);
  if (rh.err) return rh;
  const wh = upsertHalfRulesRfcV3(conn, 'write', w);
  if (wh.err) return wh;

  // Devices: find_dev, then fuse_iomap_upsert_validate_dev
  for (const [half, m] of [['read', r], ['write', w]] as const) {
    if (m.type === p.typeNull) continue;
    const v = upsertValidateDev(conn, half, m);
    if (v.err) return v;
  }
  return ok();
}

/** the type switches of fuse_iomap_upsert_validate */
function upsertHalfRulesRfcV3(conn: FuseConn, half: IoDir, m: IomapIo): NotifyResult {
  const p = conn.protocol;
  const t = m.type;
  if (t === p.typeNull) return ok(); // "We're ignoring this mapping"
  if (t === p.typePureOverwrite && half === 'read') return fail(-EIO, 'read-pure-overwrite');
  if (t === p.typeMapped || t === p.typeUnwritten) {
    if (m.dev === FUSE_IOMAP_DEV_NULL) return fail(-EIO, `${half}-no-dev`);
    if (m.addr === FUSE_IOMAP_NULL_ADDR) return fail(-EIO, `${half}-no-addr`);
    return ok();
  }
  // DELALLOC, HOLE, INLINE (and PURE_OVERWRITE in the write half)
  if (m.dev !== FUSE_IOMAP_DEV_NULL) return fail(-EIO, `${half}-dev-without-space`);
  if (m.addr !== FUSE_IOMAP_NULL_ADDR) return fail(-EIO, `${half}-addr-without-space`);
  return ok();
}

/**
 * fuse_iomap_find_dev + fuse_iomap_upsert_validate_dev (001 L10005-10037;
 * v7 adds -EINVAL for a device of 0 sectors). The access check of seed 000
 * runs right after the lookup when the connection enables it.
 */
function upsertValidateDev(conn: FuseConn, half: IoDir, m: IomapIo): NotifyResult {
  const p = conn.protocol;
  const E = -p.badDataErrno;
  const found = conn.findDev(m.type, m.dev, half);
  // IS_ERR(fb): rfc-v3 passes -EIO up, v7 answers -EFSCORRUPTED; -EACCES is the seed-000 proposal
  if (found.err) return fail(found.err, found.err === -EACCES ? `${half}-device-access` : `${half}-device-missing`);
  const fb = found.dev;
  if (!fb) {
    if (m.addr !== FUSE_IOMAP_NULL_ADDR) return fail(E, `${half}-addr-without-device`);
    return ok();
  }
  if (m.addr === FUSE_IOMAP_NULL_ADDR) return fail(E, `${half}-no-addr`);
  if (addOverflowsU64(m.addr, m.length)) return fail(E, `${half}-addr-overflow`);
  if (p.name === 'v7' && fb.sizeBytes === 0n) return fail(-EINVAL, `${half}-device-gone`);
  if (m.addr + m.length > fb.sizeBytes) return fail(E, `${half}-past-device`);
  return ok();
}

/**
 * fuse_iomap_upsert_validate_range (001 L10088-10103): map->offset is the
 * loff_t of struct fuse_iomap, so the s_maxbytes compare is signed and a
 * payload offset >= 2^63 passes (SPEC 8.2; reported as a hazard).
 */
function upsertValidateRange(conn: FuseConn, inode: FuseInode, half: IoDir, m: Mapping): NotifyResult {
  if (m.offset >= inode.maxBytes) return fail(-EIO, `${half}-offset-past-maxbytes`);
  if (!isAligned(u64(m.offset), inode.blockSize)) return fail(-EIO, `${half}-offset-unaligned`);
  if (!isAligned(m.length, inode.blockSize)) return fail(-EIO, `${half}-length-unaligned`);
  if (m.offset < 0n)
    conn.onHazard?.({ hazard: PROTOCOL_HAZARDS.upsertSignedOffset, detail: `${half} offset 0x${u64(m.offset).toString(16)} accepted against s_maxbytes 0x${u64(inode.maxBytes).toString(16)}` });
  else if (m.offset + m.length > inode.maxBytes)
    conn.onHazard?.({ hazard: PROTOCOL_HAZARDS.upsertEndPastMaxbytes, detail: `${half} 0x${m.offset.toString(16)}+0x${m.length.toString(16)} ends past s_maxbytes 0x${inode.maxBytes.toString(16)}` });
  return ok();
}

/** struct fuse_iomap built from the payload: offset becomes a loff_t */
const toMapping = (m: IomapIo): Mapping => ({ addr: m.addr, offset: s64(m.offset), length: m.length, type: m.type, flags: m.flags, dev: m.dev });

const forkOf = (half: IoDir): Fork => (half === 'read' ? Fork.READ : Fork.WRITE);

/** fuse_iomap_upsert (rfc-v3, 001 L10117-10205) */
export function iomapUpsertRfcV3(conn: FuseConn, out: UpsertOut): NotifyResult {
  const p = conn.protocol;
  if (!conn.iomap) return fail(-EINVAL, 'iomap-disabled');
  const v = upsertValidateRfcV3(conn, out);
  if (v.err) return v;

  // down_read(&fc->killsb); fuse_ilookup
  const inode = conn.ilookup(out.nodeid);
  if (!inode) return fail(-ESTALE, 'stale-nodeid');
  emitNotifyEvent(conn, inode, p.upsertEvent, out);
  if (inode.attrIno !== out.attrIno) return fail(-EINVAL, 'attr-ino-mismatch');
  if (inode.bad) return fail(-EIO, 'bad-inode');

  const halves = ([['read', toMapping(out.read)], ['write', toMapping(out.write)]] as const).filter(([, m]) => m.type !== p.typeNull);
  for (const [half, m] of halves) {
    const r = upsertValidateRange(conn, inode, half, m);
    if (r.err) return r;
  }

  const cache = inode.cacheForNotify();
  return underExclusiveLock(inode, () => {
    // test_and_set_bit(FUSE_I_IOMAP_CACHE) + trace, even if both halves are NULL
    inode.enableCache();
    for (const [half, m] of halves) {
      const err = cache.cacheUpsert(forkOf(half), m);
      if (err) return fail(err, `${half}-cache`);
    }
    return ok();
  });
}

/** v7 rule names of fuse_iomap_upsert_mappings, in order (check_mapping's rules prefixed by the half). */
export const V7_UPSERT_RULES = ['size', 'iomap-disabled', 'stale-nodeid', 'attr-ino-mismatch', 'bad-inode', 'read-*', 'write-*', 'read-cache', 'write-cache'] as const;

/** fuse_iomap_upsert_mappings + fuse_iomap_upsert_inode (v7) */
export function iomapUpsertV7(conn: FuseConn, out: UpsertOut): NotifyResult {
  const p = conn.protocol;
  if (!conn.iomap) return fail(-EINVAL, 'iomap-disabled');
  const inode = conn.ilookup(out.nodeid);
  if (!inode) return fail(-ESTALE, 'stale-nodeid');
  emitNotifyEvent(conn, inode, p.upsertEvent, out);
  if (inode.attrIno !== out.attrIno) return fail(-EINVAL, 'attr-ino-mismatch');
  if (inode.bad) return fail(-EIO, 'bad-inode');

  // fuse_iomap_upsert_validate_mappings: read, then write
  const view = { blockSize: inode.blockSize, maxBytes: inode.maxBytes, cachesIomaps: inode.cachesIomaps };
  for (const [half, m] of [['read', out.read], ['write', out.write]] as const) {
    const c = checkMappingV7(p, m, half, view);
    if (c.err) return c;
    if (m.type === p.typeRetryCache) return fail(-p.badDataErrno, `${half}-retry-in-upsert`);
    if (m.type === p.typeNocache) continue;
    const d = upsertValidateDev(conn, half, m);
    if (d.err) return d;
  }
  for (const [half, m] of [['read', out.read], ['write', out.write]] as const)
    if (m.type !== p.typeNocache && m.offset + m.length > u64(inode.maxBytes))
      conn.onHazard?.({ hazard: PROTOCOL_HAZARDS.upsertEndPastMaxbytes, detail: `${half} 0x${m.offset.toString(16)}+0x${m.length.toString(16)} ends past s_maxbytes 0x${u64(inode.maxBytes).toString(16)}` });

  // fuse_iomap_cache_alloc on first use, then the exclusive lock
  inode.enableCache();
  const cache = inode.cacheForNotify();
  const skip = upsertSkipType(p);
  return underExclusiveLock(inode, () => {
    for (const [half, m] of [['read', out.read], ['write', out.write]] as const) {
      if (m.type === skip) continue;
      const err = cache.cacheUpsert(forkOf(half), toMapping(m));
      if (err) return fail(err, `${half}-cache`);
    }
    return ok();
  });
}

// ================================================================= inval

export function notifyIomapInvalResult(conn: FuseConn, input: Uint8Array | InvalOut): NotifyResult {
  let out: InvalOut;
  if (input instanceof Uint8Array) {
    const d = decodeInval(input);
    if (!d.ok) return fail(d.err, 'size');
    out = d.value;
  } else out = (decodeInval(encodeInval(input)) as { value: InvalOut }).value;
  return conn.protocol.name === 'v7' ? iomapInvalV7(conn, out) : iomapInvalRfcV3(conn, out);
}

export const notifyIomapInval = (conn: FuseConn, input: Uint8Array | InvalOut): number => notifyIomapInvalResult(conn, input).err;

/** rfc-v3 rule names of fuse_iomap_inval in order (write range validated before read). */
export const RFC_V3_INVAL_RULES = [
  'size',
  'iomap-disabled',
  'stale-nodeid',
  'bad-inode',
  'write-offset-past-maxbytes',
  'write-offset-unaligned',
  'write-length-unaligned',
  'read-offset-past-maxbytes',
  'read-offset-unaligned',
  'read-length-unaligned',
  'write-cache',
  'read-cache',
] as const;

/** fuse_iomap_inval_validate (rfc-v3, u64 offset) / fuse_iomap_inval_validate_range (v7) */
function invalValidate(conn: FuseConn, inode: FuseInode, half: IoDir, r: FuseRange): NotifyResult {
  const E = -conn.protocol.badDataErrno;
  if (r.offset >= u64(inode.maxBytes)) return fail(E, `${half}-offset-past-maxbytes`);
  if (!isAligned(r.offset, inode.blockSize)) return fail(E, `${half}-offset-unaligned`);
  if (r.length !== FUSE_IOMAP_INVAL_TO_EOF && !isAligned(r.length, inode.blockSize)) return fail(E, `${half}-length-unaligned`);
  return ok();
}

/** fuse_iomap_inval (rfc-v3, 001 L10226-10276) */
export function iomapInvalRfcV3(conn: FuseConn, out: InvalOut): NotifyResult {
  if (!conn.iomap) return fail(-EINVAL, 'iomap-disabled');
  const inode = conn.ilookup(out.nodeid);
  if (!inode) return fail(-ESTALE, 'stale-nodeid');
  emitNotifyEvent(conn, inode, conn.protocol.invalEvent, out);
  if (inode.bad) return fail(-EIO, 'bad-inode');
  if (inode.attrIno !== out.attrIno)
    conn.onHazard?.({ hazard: PROTOCOL_HAZARDS.invalIgnoresAttrIno, detail: `nodeid ${inode.nodeid}: orig_ino ${inode.attrIno}, attr_ino ${out.attrIno}` });

  // both are validated, the write range's error wins
  const wv = out.write.length ? invalValidate(conn, inode, 'write', out.write) : ok();
  const rv = out.read.length ? invalValidate(conn, inode, 'read', out.read) : ok();
  if (wv.err) return wv;
  if (rv.err) return rv;
  return invalApply(inode, out);
}

/** fuse_iomap_inval_mappings + fuse_iomap_inval_inode (v7) */
export function iomapInvalV7(conn: FuseConn, out: InvalOut): NotifyResult {
  if (!conn.iomap) return fail(-EINVAL, 'iomap-disabled');
  const inode = conn.ilookup(out.nodeid);
  if (!inode) return fail(-ESTALE, 'stale-nodeid');
  emitNotifyEvent(conn, inode, conn.protocol.invalEvent, out);
  if (inode.attrIno !== out.attrIno) return fail(-EINVAL, 'attr-ino-mismatch');
  if (inode.bad) return fail(-EIO, 'bad-inode');
  // zero lengths are valid; write first, the first failure returns
  if (out.write.length) {
    const v = invalValidate(conn, inode, 'write', out.write);
    if (v.err) return v;
  }
  if (out.read.length) {
    const v = invalValidate(conn, inode, 'read', out.read);
    if (v.err) return v;
  }
  if (!inode.cachesIomaps) return ok();
  return invalApply(inode, out);
}

/** the removal under the exclusive lock: read fork first, the write fork's error wins */
function invalApply(inode: FuseInode, out: InvalOut): NotifyResult {
  const cache = inode.cacheForNotify();
  return underExclusiveLock(inode, () => {
    const ret2 = out.read.length ? cache.cacheRemove(Fork.READ, s64(out.read.offset), out.read.length) : 0;
    const ret = out.write.length ? cache.cacheRemove(Fork.WRITE, s64(out.write.offset), out.write.length) : 0;
    if (ret) return fail(ret, 'write-cache');
    if (ret2) return fail(ret2, 'read-cache');
    return ok();
  });
}

// ================================================================ helpers

function underExclusiveLock(inode: FuseInode, fn: () => NotifyResult): NotifyResult {
  inode.lock('exclusive');
  try {
    return fn();
  } catch (e) {
    if (e instanceof KernelOops) return { err: 0, rule: 'kernel-oops', oops: e };
    throw e;
  } finally {
    inode.unlock('exclusive');
  }
}

function emitNotifyEvent(conn: FuseConn, inode: FuseInode, name: 'fuse_iomap_upsert' | 'fuse_iomap_upsert_mappings', out: UpsertOut): void;
function emitNotifyEvent(conn: FuseConn, inode: FuseInode, name: 'fuse_iomap_inval' | 'fuse_iomap_inval_mappings', out: InvalOut): void;
function emitNotifyEvent(conn: FuseConn, inode: FuseInode, name: string, out: UpsertOut | InvalOut): void {
  if (!conn.sink) return;
  // nodeid printed is outarg->nodeid (equal to the inode's: ilookup found it by it)
  const ids = { ...inode.ids, nodeid: out.nodeid };
  const copy = structuredClone(out);
  conn.sink({ name, inode: ids, isize: inode.isize, out: copy } as never);
}
