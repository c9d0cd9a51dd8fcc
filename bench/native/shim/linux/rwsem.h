/* SPDX-License-Identifier: GPL-2.0-only */
/* iomap-sim: the driver is single-threaded; the mapping lock does nothing. */
#ifndef IOMAP_SIM_SHIM_LINUX_RWSEM_H
#define IOMAP_SIM_SHIM_LINUX_RWSEM_H

struct rw_semaphore {
	int unused;
};

static inline void init_rwsem(struct rw_semaphore *sem) { (void)sem; }
static inline void down_read(struct rw_semaphore *sem) { (void)sem; }
static inline void up_read(struct rw_semaphore *sem) { (void)sem; }
static inline void down_write(struct rw_semaphore *sem) { (void)sem; }
static inline void up_write(struct rw_semaphore *sem) { (void)sem; }
static inline void rwsem_assert_held(struct rw_semaphore *sem) { (void)sem; }
static inline void rwsem_assert_held_write_nolockdep(struct rw_semaphore *sem) { (void)sem; }

#endif
