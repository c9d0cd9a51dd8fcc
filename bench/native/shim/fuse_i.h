/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iomap-sim: a stand-in for fs/fuse/fuse_i.h with just what the seed's
 * iomap_cache.c needs. The cache's own declarations (struct fuse_ifork,
 * struct fuse_iomap_cache, struct fuse_iomap, fuse_iomap_cache_upsert,
 * fuse_iext_read_seq, ..., and fuse_iomap_cache_invalidate_range) are the
 * seed's fuse_i.h hunks, extracted at build time into seed_fuse_i_types.h
 * and seed_fuse_i_api.h; the FUSE_IOMAP_* values come from the seed's
 * include/uapi/linux/fuse.h hunks (seed_uapi_fuse.h). Ours: the inode
 * around the cache.
 */
#ifndef IOMAP_SIM_SHIM_FUSE_I_H
#define IOMAP_SIM_SHIM_FUSE_I_H

#include <linux/kernel.h>
#include <linux/bitops.h>
#include <linux/fs.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include "seed_uapi_fuse.h"

#include "seed_fuse_i_types.h"

/* fuse_inode state bits: only the cache's matters here */
enum {
	FUSE_I_IOMAP_CACHE = 0,
};

struct fuse_inode {
	struct inode inode;
	unsigned long state;
	struct fuse_iomap_cache cache;
#ifdef SEED_TRACE
	/* what the seed's tracepoints print of the inode */
	uint64_t orig_ino;
	uint64_t nodeid;
#endif
};

#ifdef SEED_TRACE
/* the connection's device number: "connection %u" of every event (u32, the kernel's dev_t) */
struct fuse_conn {
	uint32_t dev;
};

struct fuse_mount {
	struct fuse_conn *fc;
};

/* fuse_i.h: the superblock's fuse_mount */
static inline const struct fuse_mount *get_fuse_mount_c(const struct inode *inode)
{
	return inode->i_sb->s_fs_info;
}
#endif

static inline struct fuse_inode *get_fuse_inode(struct inode *inode)
{
	return container_of(inode, struct fuse_inode, inode);
}

static inline const struct fuse_inode *get_fuse_inode_c(const struct inode *inode)
{
	return container_of(inode, struct fuse_inode, inode);
}

#include "seed_fuse_i_api.h"

#endif
