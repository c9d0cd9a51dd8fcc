/* SPDX-License-Identifier: GPL-2.0-only */
/* iomap-sim: what the driver calls of the trace build's output (bench/native/trace.c). */
#ifndef IOMAP_SIM_SHIM_SEED_TRACE_OUT_H
#define IOMAP_SIM_SHIM_SEED_TRACE_OUT_H

/* start tracing: every tracepoint from now on prints one line to fd */
void seed_trace_open(int fd);
/* write out the whole lines buffered so far (async-signal-safe) */
void seed_trace_flush(void);

#endif
