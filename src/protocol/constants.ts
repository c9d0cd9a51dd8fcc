// SPDX-License-Identifier: GPL-2.0-only
/*
 * Numbers of the fuse iomap wire protocol that the cache layer does not
 * already define (src/cache/constants.ts has the mapping types and flags of
 * rfc-v3, src/cache/revision-v7.ts those of v7). Seed 001 uapi fuse.h,
 * SPEC.md 1.3, 1.7, 1.8, 7.
 */

// errno values (asm-generic/errno-base.h, errno.h)
export const EPERM = 1;
export const EINTR = 4;
export const EIO = 5;
export const EBADF = 9;
export const ENOMEM = 12;
export const EACCES = 13;
export const EBUSY = 16;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENOSYS = 38;
export const ESTALE = 116;
export const EUCLEAN = 117;
/** fuse's iomap headers: #define EFSCORRUPTED EUCLEAN */
export const EFSCORRUPTED = EUCLEAN;

export const ERRNO_NAMES: ReadonlyMap<number, string> = new Map([
  [EPERM, 'EPERM'],
  [EINTR, 'EINTR'],
  [EIO, 'EIO'],
  [EBADF, 'EBADF'],
  [ENOMEM, 'ENOMEM'],
  [EACCES, 'EACCES'],
  [EBUSY, 'EBUSY'],
  [ENODEV, 'ENODEV'],
  [EINVAL, 'EINVAL'],
  [ENOSPC, 'ENOSPC'],
  [ENOSYS, 'ENOSYS'],
  [ESTALE, 'ESTALE'],
  [EUCLEAN, 'EUCLEAN'],
]);

/** "-EIO", "0": a kernel return value as a person reads it. */
export function errnoName(ret: number): string {
  if (ret === 0) return '0';
  const name = ERRNO_NAMES.get(-ret);
  return name ? `-${name}` : String(ret);
}

// FUSE_IOMAP_OP_* (uapi fuse.h, 001 L1539-1548); equal to the kernel's IOMAP_*
export const FUSE_IOMAP_OP_WRITE = 1 << 0;
export const FUSE_IOMAP_OP_ZERO = 1 << 1;
export const FUSE_IOMAP_OP_REPORT = 1 << 2;
export const FUSE_IOMAP_OP_FAULT = 1 << 3;
export const FUSE_IOMAP_OP_DIRECT = 1 << 4;
export const FUSE_IOMAP_OP_NOWAIT = 1 << 5;
export const FUSE_IOMAP_OP_OVERWRITE_ONLY = 1 << 6;
export const FUSE_IOMAP_OP_UNSHARE = 1 << 7;
export const FUSE_IOMAP_OP_ATOMIC = 1 << 9;
export const FUSE_IOMAP_OP_DONTCACHE = 1 << 10;

export const IOMAP_OP_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FUSE_IOMAP_OP_WRITE, 'write'],
  [FUSE_IOMAP_OP_ZERO, 'zero'],
  [FUSE_IOMAP_OP_REPORT, 'report'],
  [FUSE_IOMAP_OP_FAULT, 'fault'],
  [FUSE_IOMAP_OP_DIRECT, 'direct'],
  [FUSE_IOMAP_OP_NOWAIT, 'nowait'],
  [FUSE_IOMAP_OP_OVERWRITE_ONLY, 'overwrite_only'],
  [FUSE_IOMAP_OP_UNSHARE, 'unshare'],
  [FUSE_IOMAP_OP_ATOMIC, 'atomic'],
  [FUSE_IOMAP_OP_DONTCACHE, 'dontcache'],
];

/** fuse_is_iomap_file_write: WRITE | ZERO | UNSHARE (001 L1857) */
export const isIomapFileWrite = (opflags: number): boolean => (opflags & (FUSE_IOMAP_OP_WRITE | FUSE_IOMAP_OP_ZERO | FUSE_IOMAP_OP_UNSHARE)) !== 0;

// fi->state bit numbers (fuse_i.h; the TRACE_DEFINE_ENUM order, SPEC 1.7)
export const FUSE_I_ADVISE_RDPLUS = 0;
export const FUSE_I_INIT_RDPLUS = 1;
export const FUSE_I_SIZE_UNSTABLE = 2;
export const FUSE_I_BAD = 3;
export const FUSE_I_BTIME = 4;
export const FUSE_I_CACHE_IO_MODE = 5;
export const FUSE_I_IOMAP_DIRECTIO = 6;
export const FUSE_I_IOMAP_FILEIO = 7;
export const FUSE_I_IOMAP_CACHE = 8;

/** FUSE_IFLAG_STRINGS (001 L3033-3040, L3883, L6526), masks 1 << FUSE_I_* */
export const FUSE_IFLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [1 << FUSE_I_ADVISE_RDPLUS, 'advise_rdplus'],
  [1 << FUSE_I_INIT_RDPLUS, 'init_rdplus'],
  [1 << FUSE_I_SIZE_UNSTABLE, 'size_unstable'],
  [1 << FUSE_I_BAD, 'bad'],
  [1 << FUSE_I_BTIME, 'btime'],
  [1 << FUSE_I_CACHE_IO_MODE, 'cacheio'],
  [1 << FUSE_I_IOMAP_DIRECTIO, 'iomap_dio'],
  [1 << FUSE_I_IOMAP_FILEIO, 'iomap_fileio'],
  [1 << FUSE_I_IOMAP_CACHE, 'iomap_cache'],
];

// f_mode bits of the device's struct file (include/linux/fs.h)
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;
/** O_PATH file: seed 000 proposes refusing it with -EBADF */
export const FMODE_PATH = 0x4000;

/** INT_MAX: fuse_iomap_find_dev never looks up a cookie at or above it */
export const INT_MAX = 0x7fff_ffff;

/** the minor protocol version libfuse gates the iomap notifications on (001 L14014, L14061) */
export const LIBFUSE_IOMAP_NOTIFY_MIN_MINOR = 44;
/** FUSE_KERNEL_MINOR_VERSION of seed 001 (a placeholder, SPEC 8.5) */
export const FUSE_KERNEL_MINOR_VERSION_RFC_V3 = 99;
