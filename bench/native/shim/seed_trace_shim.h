/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iomap-sim: the trace build (-DSEED_TRACE) of the seed's cache code. The
 * seed's own TRACE_EVENT / DECLARE_EVENT_CLASS / DEFINE_EVENT definitions
 * (seed_trace_events.h, extracted by bench/seed-native.ts) expand through
 * these macros into one trace_NAME() function per tracepoint that fills the
 * event's TP_STRUCT__entry with its TP_fast_assign and prints its TP_printk
 * as one line "NAME: BODY" (bench/native/trace.c), like trace_pipe without
 * the line prefix. Our own file, written after include/linux/tracepoint.h
 * and include/trace/trace_events.h; no kernel code in it.
 */
#ifndef IOMAP_SIM_SHIM_SEED_TRACE_SHIM_H
#define IOMAP_SIM_SHIM_SEED_TRACE_SHIM_H

#include <linux/kernel.h>

/* include/linux/tracepoint.h: a parenthesized list passed on as one macro argument */
#define PARAMS(args...) args
#define TP_PROTO(args...) args
#define TP_ARGS(args...) args
#define TP_STRUCT__entry(args...) args
#define TP_fast_assign(args...) args
#define TP_printk(fmt, args...) fmt, ##args
#define TRACE_DEFINE_ENUM(x)

/* the TP_STRUCT__entry fields the seed uses */
#define __field(type, item) type item;
#define __array(type, item, len) type item[len];

/* include/linux/trace_events.h: struct trace_print_flags, one row of a __print_flags/__print_symbolic table */
struct trace_print_flags {
	unsigned long mask;
	const char *name;
};

/* a trace_seq: the scratch space __print_flags/__print_symbolic print into for one event */
struct seed_trace_seq {
	size_t len;
	char buf[4096];
};

/* trace_print_flags_seq (kernel/trace/trace_output.c), bench/native/trace.c */
const char *seed_trace_print_flags_seq(struct seed_trace_seq *p, const char *delim, unsigned long flags,
				       const struct trace_print_flags *flag_array);
/* trace_print_symbols_seq (kernel/trace/trace_output.c), bench/native/trace.c */
const char *seed_trace_print_symbols_seq(struct seed_trace_seq *p, unsigned long val,
					 const struct trace_print_flags *symbol_array);
/* one event's line "NAME: " + the TP_printk format with the kernel's %p/%pS, bench/native/trace.c */
void seed_trace_printk(const char *name, const char *fmt, ...);
/* nonzero when the driver was given -T FILE */
extern int seed_trace_enabled;

/* include/trace/stages/stage3_trace_output.h: the tables, terminated as the kernel does */
#define __print_flags(flag, delim, flag_array...)                                                \
	({                                                                                        \
		static const struct trace_print_flags __flags[] = { flag_array, { -1, NULL } };   \
		seed_trace_print_flags_seq(__p, delim, flag, __flags);                            \
	})
#define __print_symbolic(value, symbol_array...)                                                 \
	({                                                                                        \
		static const struct trace_print_flags __symbols[] = { symbol_array, { -1, NULL } }; \
		seed_trace_print_symbols_seq(__p, value, __symbols);                              \
	})

/*
 * The kernel's dev_t is u32 (the "connection %u" fields); glibc's is 64
 * bits. Only the events' own structs see this name.
 */
typedef uint32_t seed_trace_dev_t;

/*
 * A class: its entry struct and a function that fills one and prints it.
 * A disabled tracepoint neither assigns nor prints (trace_NAME checks).
 */
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)          \
	struct seed_trace_entry_##name {                                        \
		tstruct                                                         \
	};                                                                      \
	static void __attribute__((noinline)) seed_trace_class_##name(const char *__event, proto) \
	{                                                                       \
		struct seed_trace_entry_##name __e, *__entry = &__e;            \
		struct seed_trace_seq __seq, *__p = &__seq;                     \
                                                                                \
		memset(&__e, 0, sizeof(__e));                                   \
		__seq.len = 0;                                                  \
		{ assign }                                                      \
		seed_trace_printk(__event, print);                              \
	}

#define DEFINE_EVENT(template, name, proto, args)                               \
	static inline void trace_##name(proto)                                  \
	{                                                                       \
		if (unlikely(seed_trace_enabled))                               \
			seed_trace_class_##template(#name, args);               \
	}

#define TRACE_EVENT(name, proto, args, tstruct, assign, print)                         \
	DECLARE_EVENT_CLASS(name, PARAMS(proto), PARAMS(args), PARAMS(tstruct),        \
			    PARAMS(assign), PARAMS(print))                              \
	DEFINE_EVENT(name, name, PARAMS(proto), PARAMS(args))

#endif
