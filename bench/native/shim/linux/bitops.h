/* SPDX-License-Identifier: GPL-2.0-only */
/* iomap-sim: test_bit on an unsigned long bitmap (one thread, no atomics needed). */
#ifndef IOMAP_SIM_SHIM_LINUX_BITOPS_H
#define IOMAP_SIM_SHIM_LINUX_BITOPS_H

#include <stdbool.h>

#define BITS_PER_LONG (8 * (int)sizeof(long))

static inline bool test_bit(long nr, const volatile unsigned long *addr)
{
	return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1UL;
}

static inline void set_bit(long nr, volatile unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

#endif
