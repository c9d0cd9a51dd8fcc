/* SPDX-License-Identifier: GPL-2.0-only */
/* iomap-sim: the few inode and superblock fields the cache code reads. */
#ifndef IOMAP_SIM_SHIM_LINUX_FS_H
#define IOMAP_SIM_SHIM_LINUX_FS_H

#include <linux/kernel.h>

struct super_block {
	loff_t s_maxbytes;
#ifdef SEED_TRACE
	void *s_fs_info; /* the fuse_mount, for the tracepoints */
#endif
};

struct inode {
	struct super_block *i_sb;
	unsigned char i_blkbits;
	unsigned long i_ino;
	loff_t i_size;
};

/* include/linux/fs.h */
static inline unsigned int i_blocksize(const struct inode *node)
{
	return (1 << node->i_blkbits);
}

#ifdef SEED_TRACE
/* include/linux/fs.h: one thread, a plain read */
static inline loff_t i_size_read(const struct inode *inode)
{
	return inode->i_size;
}
#endif

#endif
