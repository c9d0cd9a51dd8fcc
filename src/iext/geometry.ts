// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tree geometries. fuse_iext (fs/fuse/iomap_cache.c) and xfs_iext
 * (fs/xfs/libxfs/xfs_iext_tree.c) are the same algorithm over different
 * record sizes; the numbers below are the C enum { NODE_SIZE, KEYS_PER_NODE,
 * RECS_PER_LEAF } evaluated on x86-64.
 */

export interface Geometry {
  readonly name: 'fuse' | 'xfs';
  /** sizeof(struct *_iext_rec) */
  readonly recSize: number;
  /** NODE_SIZE: bytes of a node and of a full leaf allocation */
  readonly nodeSize: number;
  /** KEYS_PER_NODE = NODE_SIZE / (sizeof(u64) + sizeof(void *)) */
  readonly keysPerNode: number;
  /** RECS_PER_LEAF = (NODE_SIZE - 2 * sizeof(void *)) / recSize */
  readonly recsPerLeaf: number;
  /**
   * fuse compares a record's loff_t offset with a signed "rec->offset >
   * offset"; xfs's xfs_fileoff_t is unsigned.
   */
  readonly signedOffsets: boolean;
}

const NODE_SIZE = 256;
const PTR = 8;

function geometry(name: 'fuse' | 'xfs', recSize: number, signedOffsets: boolean): Geometry {
  return Object.freeze({
    name,
    recSize,
    nodeSize: NODE_SIZE,
    keysPerNode: NODE_SIZE / (8 + PTR),
    recsPerLeaf: Math.floor((NODE_SIZE - 2 * PTR) / recSize),
    signedOffsets,
  });
}

/** struct fuse_iext_rec: addr, offset, length, type, flags, dev (32 bytes). */
export const FUSE_GEOMETRY = geometry('fuse', 32, true);
/** struct xfs_iext_rec: two packed u64 words (16 bytes). */
export const XFS_GEOMETRY = geometry('xfs', 16, false);

export function geometryByName(name: string): Geometry | undefined {
  if (name === 'fuse') return FUSE_GEOMETRY;
  if (name === 'xfs') return XFS_GEOMETRY;
  return undefined;
}

/**
 * SLUB kmalloc caches: the object size ksize() reports for a request. A
 * height-1 root grows past NODE_SIZE only when zero-length records stop
 * its splits (IextTree.maxRecs): one more record each time, up to the
 * page-sized caches.
 */
export const KMALLOC_SIZES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192] as const;

export function kmallocSize(request: number): number {
  for (const s of KMALLOC_SIZES) if (request <= s) return s;
  // beyond the largest cache kmalloc takes whole pages, a power of two of them (get_order)
  let size = 8192;
  while (size < request) size *= 2;
  return size;
}
