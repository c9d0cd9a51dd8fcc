/* SPDX-License-Identifier: GPL-2.0-only */
/* iomap-sim: the few inode and superblock fields the cache code reads. */
#ifndef IOMAP_SIM_SHIM_LINUX_FS_H
#define IOMAP_SIM_SHIM_LINUX_FS_H

#include <linux/kernel.h>

struct super_block {
	loff_t s_maxbytes;
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

#endif
