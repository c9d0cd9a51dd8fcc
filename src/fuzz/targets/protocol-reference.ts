// SPDX-License-Identifier: GPL-2.0-only
/*
 * The errno a malicious server's FUSE_NOTIFY_IOMAP_UPSERT / _INVAL should
 * get, written straight from SPEC 5.2 and 5.3 (rfc-v3, seed 001
 * L10117-10276) as one ordered list of checks, independently of
 * src/protocol/notify.ts. The `protocol` target compares the model's
 * answer with it; the cache part (checks 25-26, the removals of 5.3) is
 * left to the oracle.
 */
import { FUSE_IOMAP_INVAL_TO_EOF, FUSE_IOMAP_NULL_ADDR } from '../../cache/constants.js';

const EIO = 5;
const EINVAL = 22;
const ESTALE = 116;
const U64 = (1n << 64n) - 1n;
const INT_MAX = 0x7fff_ffff;

// SPEC 1.1 and 1.2
const PURE_OVERWRITE = 0xffff;
const NULL_TYPE = 0xfffe;
const HOLE = 0;
const DELALLOC = 1;
const MAPPED = 2;
const UNWRITTEN = 3;
const INLINE = 4;
const VALID_TYPES = new Set([PURE_OVERWRITE, NULL_TYPE, HOLE, DELALLOC, MAPPED, UNWRITTEN, INLINE]);
const F_ALL = 0x11ef;

export interface RefIo {
  offset: bigint;
  length: bigint;
  addr: bigint;
  type: number;
  flags: number;
  dev: number;
}

export interface RefWorld {
  iomap: boolean;
  /** device cookie -> size in bytes */
  devices: Map<number, bigint>;
  /** nodeid -> inode */
  inodes: Map<bigint, { attrIno: bigint; bad: boolean; blockSize: bigint; maxBytes: bigint }>;
}

const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const aligned = (x: bigint, bs: bigint): boolean => x % bs === 0n;

/** SPEC 5.2 checks 1-23: the errno, or 0 when the cache update (24-26) is reached. */
export function referenceUpsert(w: RefWorld, nodeid: bigint, attrIno: bigint, read: RefIo, write: RefIo): number {
  if (!w.iomap) return -EINVAL; // 1
  if (!VALID_TYPES.has(write.type)) return -EIO; // 2
  if (write.flags & ~F_ALL) return -EIO; // 3
  if (!VALID_TYPES.has(read.type)) return -EIO; // 4
  if (read.flags & ~F_ALL) return -EIO; // 5
  if (read.length === 0n) return -EIO; // 6
  if (write.length === 0n) return -EIO; // 7
  if (read.offset + read.length > U64) return -EIO; // 8
  if (write.offset + write.length > U64) return -EIO; // 9
  if (read.type === PURE_OVERWRITE) return -EIO; // 10
  for (const m of [read, write]) {
    // 11-14: MAPPED/UNWRITTEN need a device and an address; the others neither
    if (m.type === NULL_TYPE) continue;
    if (m.type === MAPPED || m.type === UNWRITTEN) {
      if (m.dev === 0 || m.addr === FUSE_IOMAP_NULL_ADDR) return -EIO;
    } else if (m.dev !== 0 || m.addr !== FUSE_IOMAP_NULL_ADDR) return -EIO;
  }
  for (const m of [read, write]) {
    // 15-18: fuse_iomap_find_dev, then the device range
    if (m.type === NULL_TYPE) continue;
    const size = m.dev !== 0 && m.dev < INT_MAX ? w.devices.get(m.dev) : undefined;
    if ((m.type === MAPPED || m.type === UNWRITTEN) && size === undefined) return -EIO;
    if (size === undefined) {
      if (m.addr !== FUSE_IOMAP_NULL_ADDR) return -EIO;
      continue;
    }
    if (m.addr === FUSE_IOMAP_NULL_ADDR || m.addr + m.length > U64 || m.addr + m.length > size) return -EIO;
  }
  const inode = w.inodes.get(nodeid);
  if (!inode) return -ESTALE; // 19
  if (inode.attrIno !== attrIno) return -EINVAL; // 20
  if (inode.bad) return -EIO; // 21
  for (const m of [read, write]) {
    // 22-23: offset as a signed loff_t against s_maxbytes, block alignment
    if (m.type === NULL_TYPE) continue;
    if (s64(m.offset) >= inode.maxBytes || !aligned(m.offset, inode.blockSize) || !aligned(m.length, inode.blockSize)) return -EIO;
  }
  return 0;
}

/** SPEC 5.3 steps 1-5: the errno, or 0 when the removals (6-7) are reached. */
export function referenceInval(w: RefWorld, nodeid: bigint, read: { offset: bigint; length: bigint }, write: { offset: bigint; length: bigint }): number {
  if (!w.iomap) return -EINVAL;
  const inode = w.inodes.get(nodeid);
  if (!inode) return -ESTALE;
  if (inode.bad) return -EIO;
  const check = (r: { offset: bigint; length: bigint }): number => {
    if (r.offset >= BigInt.asUintN(64, inode.maxBytes)) return -EIO;
    if (!aligned(r.offset, inode.blockSize)) return -EIO;
    if (r.length !== FUSE_IOMAP_INVAL_TO_EOF && !aligned(r.length, inode.blockSize)) return -EIO;
    return 0;
  };
  const ret = write.length ? check(write) : 0;
  const ret2 = read.length ? check(read) : 0;
  return ret || ret2;
}
