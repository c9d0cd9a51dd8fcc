/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iomap-sim: kmalloc & co. on the C library's allocator. __GFP_NOFAIL
 * allocations cannot fail in the kernel; here a failure (or the driver's
 * cap on live bytes, which stops the runaway growth of a tree that the
 * seed's fuse_iext_insert_node can enter) ends the run with a message
 * naming the scenario line (seed_native_out_of_memory, in the driver).
 */
#ifndef IOMAP_SIM_SHIM_LINUX_SLAB_H
#define IOMAP_SIM_SHIM_LINUX_SLAB_H

#include <linux/kernel.h>

typedef unsigned int gfp_t;
#define GFP_KERNEL 0x1u
#define __GFP_NOLOCKDEP 0x2u
#define __GFP_NOFAIL 0x4u

void *kzalloc(size_t size, gfp_t flags);
void *kmalloc(size_t size, gfp_t flags);
void *krealloc(const void *p, size_t new_size, gfp_t flags);
void kfree(const void *p);
size_t ksize(const void *p);

#endif
