/* SPDX-License-Identifier: GPL-2.0-only */
/* iomap-sim: iomap_cache.c includes <linux/iomap.h> but uses nothing of it. */
#ifndef IOMAP_SIM_SHIM_LINUX_IOMAP_H
#define IOMAP_SIM_SHIM_LINUX_IOMAP_H
#endif
