/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iomap-sim: user-space stand-ins for the kernel helpers the seed's
 * fs/fuse/iomap_cache.c uses (types, min_t, round_up/down, container_of,
 * READ_ONCE/WRITE_ONCE, _RET_IP_, printk). Our own file: the seed's code
 * itself is extracted from ../shared/seeds at build time (bench/seed-native.ts).
 * Built with -fno-strict-overflow like the kernel, so loff_t arithmetic that
 * passes LLONG_MAX wraps as it does there.
 */
#ifndef IOMAP_SIM_SHIM_LINUX_KERNEL_H
#define IOMAP_SIM_SHIM_LINUX_KERNEL_H

#include <errno.h>     /* EUCLEAN, ENOMEM */
#include <stdbool.h>
#include <stddef.h>    /* offsetof */
#include <stdint.h>    /* uint64_t & co.: 64-bit like the kernel's (long vs long long does not change any conversion) */
#include <string.h>    /* memset */
#include <sys/types.h> /* loff_t: signed 64-bit */

#define CONFIG_FUSE_IOMAP 1
/* the fixtures were made with CONFIG_FUSE_IOMAP_DEBUG off: ASSERT() is empty */
#define CONFIG_FUSE_IOMAP_DEBUG 0
#define IS_ENABLED(option) (option)

/* include/linux/minmax.h: both sides converted to type, then compared */
#define min_t(type, x, y) ({ type __min1 = (x); type __min2 = (y); __min1 < __min2 ? __min1 : __min2; })
#define max_t(type, x, y) ({ type __max1 = (x); type __max2 = (y); __max1 > __max2 ? __max1 : __max2; })

/* include/linux/math.h: y a power of two; the mask takes x's type */
#define __round_mask(x, y) ((__typeof__(x))((y) - 1))
#define round_up(x, y) ((((x) - 1) | __round_mask(x, y)) + 1)
#define round_down(x, y) ((x) & ~__round_mask(x, y))

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* one thread: plain volatile accesses */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

#define _RET_IP_ ((unsigned long)0)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* only the CONFIG_FUSE_IOMAP_DEBUG code prints or warns */
#define KERN_ERR ""
#define printk(...) ((void)0)
#define WARN(condition, ...) (!!(condition))

#endif
