// SPDX-License-Identifier: GPL-2.0-only
/*
 * Validation of FUSE_IOMAP_BEGIN replies, in the seed's order.
 *
 * rfc-v3: fuse_iomap_begin_validate (001 L1724-1855) as changed by PATCH
 * 02/13 (device-cookie ASSERT removed, L2226-2231), 13/13 (inline check
 * removed, L6135-6147) and the cache's PATCH 2/4 (NULL type accepted only
 * when the inode caches iomaps, L8981-9007). Every failure is -EIO.
 *
 * v7: fuse_iomap_check_mapping per half and fuse_iomap_begin_validate of
 * fs/fuse/fuse_iomap.c (mirror kernelorg-mirror/linux_kernel_git_djwong_xfs-linux,
 * commit 00681926): RETRY_CACHE only with a cache, NOCACHE refused,
 * PURE_OVERWRITE only in the write half; every failure is -EFSCORRUPTED.
 *
 * Each validator returns the errno and the name of the rule that failed,
 * so that tests and scenario output can say which check fired.
 */
import { FUSE_IOMAP_DEV_NULL, FUSE_IOMAP_NULL_ADDR } from '../cache/constants.js';
import { u64, U64_MAX } from '../util/int64.js';
import type { ProtocolLayout } from './layout.js';
import type { BeginOut, IomapIo } from './wire.js';

/** What a validator decided: err 0 and rule '' when the data is accepted. */
export interface Verdict {
  err: number;
  rule: string;
}

export const OK: Verdict = Object.freeze({ err: 0, rule: '' });
const fail = (err: number, rule: string): Verdict => ({ err, rule });

/** What the begin validators need to know about the inode. */
export interface BeginInodeView {
  /** i_blocksize(inode) */
  blockSize: bigint;
  /** inode->i_sb->s_maxbytes (loff_t) */
  maxBytes: bigint;
  /** fuse_has_iomap_cache (rfc-v3) / fuse_inode_caches_iomaps (v7) */
  cachesIomaps: boolean;
}

// fuse_iomap_check_type (001 L1678-1696 + L8969; v7 adds RETRY_CACHE, NOCACHE)
export function checkType(p: ProtocolLayout, type: number): boolean {
  return p.validTypes.has(type);
}

// fuse_iomap_check_flags (001 L1709-1722): no bit outside FUSE_IOMAP_F_ALL
export function checkFlags(p: ProtocolLayout, flags: number): boolean {
  return (flags & ~p.flagsAll) === 0;
}

/** check_add_overflow on two u64 values */
export const addOverflowsU64 = (a: bigint, b: bigint): boolean => a + b > U64_MAX;

/** IS_ALIGNED(x, blocksize) with blocksize a power of two */
export const isAligned = (x: bigint, bs: bigint): boolean => (x & (bs - 1n)) === 0n;

/** s_maxbytes as the u64 it becomes when compared with a u64 */
const maxBytesU64 = (v: BeginInodeView): bigint => u64(v.maxBytes);

/**
 * The rule names of the rfc-v3 begin validation, in the order the C checks
 * them (one name per BAD_DATA).
 */
export const RFC_V3_BEGIN_RULES = [
  'read-type',
  'read-flags',
  'write-type',
  'write-flags',
  'offset-after-pos',
  'zero-length',
  'offset-unaligned',
  'length-unaligned',
  'range-overflow',
  'end-not-after-pos',
  'offset-past-maxbytes',
  'read-pure-overwrite',
  'read-no-dev',
  'read-no-addr',
  'read-null-without-cache',
  'read-dev-without-space',
  'read-addr-without-space',
  'write-no-dev',
  'write-no-addr',
  'write-null-without-cache',
  'write-dev-without-space',
  'write-addr-without-space',
  'read-addr-overflow',
  'write-addr-overflow',
] as const;

/**
 * fuse_iomap_begin_validate (rfc-v3): the 48-byte reply has one
 * offset/length for both halves (read.offset / read.length here). pos is
 * the loff_t iomap asked for; every compare with it is done in u64 as the
 * C promotes it.
 */
export function beginValidateRfcV3(p: ProtocolLayout, out: BeginOut, inode: BeginInodeView, pos: bigint): Verdict {
  const EIO = -p.badDataErrno;
  const { offset, length } = out.read;
  const r = out.read;
  const w = out.write;
  const bs = inode.blockSize;
  const upos = u64(pos);

  // No garbage mapping types or flags
  if (!checkType(p, r.type)) return fail(EIO, 'read-type');
  if (!checkFlags(p, r.flags)) return fail(EIO, 'read-flags');
  if (!checkType(p, w.type)) return fail(EIO, 'write-type');
  if (!checkFlags(p, w.flags)) return fail(EIO, 'write-flags');

  // Must have returned a mapping for at least the first byte in the range.
  if (offset > upos) return fail(EIO, 'offset-after-pos');
  if (length === 0n) return fail(EIO, 'zero-length');
  // File range must be aligned to blocksize
  if (!isAligned(offset, bs)) return fail(EIO, 'offset-unaligned');
  if (!isAligned(length, bs)) return fail(EIO, 'length-unaligned');
  // No overflows in the file range
  if (addOverflowsU64(offset, length)) return fail(EIO, 'range-overflow');
  if (offset + length <= upos) return fail(EIO, 'end-not-after-pos');
  // File range cannot start past maxbytes (u64 compare)
  if (offset >= maxBytesU64(inode)) return fail(EIO, 'offset-past-maxbytes');

  const v = halfRulesRfcV3(p, 'read', r, inode);
  if (v.err) return v;
  const v2 = halfRulesRfcV3(p, 'write', w, inode);
  if (v2.err) return v2;

  // No overflows in the device range, if supplied
  if (r.addr !== FUSE_IOMAP_NULL_ADDR && addOverflowsU64(r.addr, length)) return fail(EIO, 'read-addr-overflow');
  if (w.addr !== FUSE_IOMAP_NULL_ADDR && addOverflowsU64(w.addr, length)) return fail(EIO, 'write-addr-overflow');
  return OK;
}

/** the two type switches of fuse_iomap_begin_validate (rfc-v3) */
function halfRulesRfcV3(p: ProtocolLayout, half: 'read' | 'write', m: IomapIo, inode: BeginInodeView): Verdict {
  const EIO = -p.badDataErrno;
  const t = m.type;
  if (t === p.typeMapped || t === p.typeUnwritten) {
    // Mappings backed by space must have a device/addr
    if (m.dev === FUSE_IOMAP_DEV_NULL) return fail(EIO, `${half}-no-dev`);
    if (m.addr === FUSE_IOMAP_NULL_ADDR) return fail(EIO, `${half}-no-addr`);
    return OK;
  }
  if (t === p.typePureOverwrite && half === 'read') {
    // "Pure overwrite" only allowed for write mapping
    return fail(EIO, 'read-pure-overwrite');
  }
  if (t === p.typeNull && !inode.cachesIomaps) {
    // We only accept null mappings if we have a cache to query.
    return fail(EIO, `${half}-null-without-cache`);
  }
  // NULL (falls through), DELALLOC, HOLE, INLINE, and PURE_OVERWRITE for
  // the write half: mappings not backed by space cannot have a device addr.
  if (m.dev !== FUSE_IOMAP_DEV_NULL) return fail(EIO, `${half}-dev-without-space`);
  if (m.addr !== FUSE_IOMAP_NULL_ADDR) return fail(EIO, `${half}-addr-without-space`);
  return OK;
}

/** The rule names of v7's fuse_iomap_check_mapping, in order. */
export const V7_CHECK_MAPPING_RULES = [
  'type',
  'retry-without-cache',
  'flags',
  'zero-length',
  'offset-unaligned',
  'length-unaligned',
  'range-overflow',
  'offset-past-maxbytes',
  'no-dev',
  'no-addr',
  'dev-without-space',
  'addr-without-space',
  'pure-overwrite-in-read',
  'addr-overflow',
] as const;

/**
 * fuse_iomap_check_mapping (v7): one struct fuse_iomap_io. RETRY_CACHE is
 * accepted only when the inode caches iomaps, NOCACHE always, and neither
 * has its other fields checked. Rule names come back prefixed by the half.
 */
export function checkMappingV7(p: ProtocolLayout, m: IomapIo, half: 'read' | 'write', inode: BeginInodeView): Verdict {
  const E = -p.badDataErrno;
  const bs = inode.blockSize;
  if (!checkType(p, m.type)) return fail(E, `${half}-type`);
  if (m.type === p.typeRetryCache) return inode.cachesIomaps ? OK : fail(E, `${half}-retry-without-cache`);
  if (m.type === p.typeNocache) return OK;
  if (!checkFlags(p, m.flags)) return fail(E, `${half}-flags`);
  if (m.length === 0n) return fail(E, `${half}-zero-length`);
  if (!isAligned(m.offset, bs)) return fail(E, `${half}-offset-unaligned`);
  if (!isAligned(m.length, bs)) return fail(E, `${half}-length-unaligned`);
  if (addOverflowsU64(m.offset, m.length)) return fail(E, `${half}-range-overflow`);
  if (m.offset >= maxBytesU64(inode)) return fail(E, `${half}-offset-past-maxbytes`);
  if (m.type === p.typeMapped || m.type === p.typeUnwritten) {
    if (m.dev === FUSE_IOMAP_DEV_NULL) return fail(E, `${half}-no-dev`);
    if (m.addr === FUSE_IOMAP_NULL_ADDR) return fail(E, `${half}-no-addr`);
  } else if (m.type === p.typePureOverwrite) {
    if (half !== 'write') return fail(E, `${half}-pure-overwrite-in-read`);
  } else {
    // DELALLOC, HOLE, INLINE
    if (m.dev !== FUSE_IOMAP_DEV_NULL) return fail(E, `${half}-dev-without-space`);
    if (m.addr !== FUSE_IOMAP_NULL_ADDR) return fail(E, `${half}-addr-without-space`);
  }
  if (m.addr !== FUSE_IOMAP_NULL_ADDR && addOverflowsU64(m.addr, m.length)) return fail(E, `${half}-addr-overflow`);
  return OK;
}

/** The rules v7's fuse_iomap_begin_validate adds after checking both halves, in order. */
export const V7_BEGIN_RULES = [
  'read-nocache',
  'write-nocache',
  'read-offset-after-pos',
  'write-offset-after-pos',
  'read-end-not-after-pos',
  'write-end-not-after-pos',
] as const;

/** fuse_iomap_begin_validate (v7): both halves, then NOCACHE and pos coverage */
export function beginValidateV7(p: ProtocolLayout, out: BeginOut, inode: BeginInodeView, pos: bigint): Verdict {
  const E = -p.badDataErrno;
  const upos = u64(pos);
  const vr = checkMappingV7(p, out.read, 'read', inode);
  if (vr.err) return vr;
  const vw = checkMappingV7(p, out.write, 'write', inode);
  if (vw.err) return vw;
  // ->iomap_begin requires real mappings or "retry from cache"
  if (out.read.type === p.typeNocache) return fail(E, 'read-nocache');
  if (out.write.type === p.typeNocache) return fail(E, 'write-nocache');
  if (out.read.offset > upos) return fail(E, 'read-offset-after-pos');
  if (out.write.offset > upos) return fail(E, 'write-offset-after-pos');
  // check_mapping ruled out overflow only for real mappings: a RETRY_CACHE
  // half's sum is computed in u64 and wraps, as in the C
  if (u64(out.read.offset + out.read.length) <= upos) return fail(E, 'read-end-not-after-pos');
  if (u64(out.write.offset + out.write.length) <= upos) return fail(E, 'write-end-not-after-pos');
  return OK;
}

/** The begin-reply validation of the connection's revision. */
export function beginValidate(p: ProtocolLayout, out: BeginOut, inode: BeginInodeView, pos: bigint): Verdict {
  return p.beginOutSharedRange ? beginValidateRfcV3(p, out, inode, pos) : beginValidateV7(p, out, inode, pos);
}
