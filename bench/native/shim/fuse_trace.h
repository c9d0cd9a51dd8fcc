/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iomap-sim: the cache's tracepoints compiled out (a disabled tracepoint
 * does not evaluate its arguments either). seed_trace_stubs.h is generated
 * by bench/seed-native.ts: one empty trace_NAME(...) macro for every
 * trace_ call in the extracted seed code.
 */
#ifndef IOMAP_SIM_SHIM_FUSE_TRACE_H
#define IOMAP_SIM_SHIM_FUSE_TRACE_H
#include "seed_trace_stubs.h"
#endif
