/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iomap-sim: the output side of the trace build (-DSEED_TRACE, see
 * shim/seed_trace_shim.h): the __print_flags/__print_symbolic helpers and
 * TP_printk's formatting, with the kernel's vsprintf meaning of %p (the
 * pointer as 16 hex digits; the kernel hashes it, here the raw value is a
 * stable name for the block) and %pS (a symbol; printed as the kernel does
 * an address it cannot resolve: 0x and 16 hex digits). Lines go to a
 * buffer written out with write(2), so the driver's signal handler can
 * flush the whole lines of the events before a crash.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include "seed_trace_shim.h"
#include "seed_trace_out.h"

int seed_trace_enabled;
static int trace_fd = -1;
static char tbuf[1 << 20];
static size_t tpos;

void seed_trace_open(int fd)
{
	trace_fd = fd;
	seed_trace_enabled = 1;
}

/* async-signal-safe: the buffered lines (whole ones only) to the trace file */
void seed_trace_flush(void)
{
	size_t done = 0, whole = tpos;

	while (whole && tbuf[whole - 1] != '\n')
		whole--;
	while (done < whole) {
		ssize_t n = write(trace_fd, tbuf + done, whole - done);

		if (n <= 0)
			_exit(2);
		done += (size_t)n;
	}
	memmove(tbuf, tbuf + whole, tpos - whole);
	tpos -= whole;
}

/* append to a trace_seq; a full one keeps what fits, as the kernel's does */
static void seq_puts(struct seed_trace_seq *p, const char *s)
{
	size_t n = strlen(s), room = sizeof(p->buf) - 1 - p->len;

	if (n > room)
		n = room;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
}

/* trace_print_flags_seq: the names of the flags set, in table order, then what is left in hex */
const char *seed_trace_print_flags_seq(struct seed_trace_seq *p, const char *delim, unsigned long flags,
				       const struct trace_print_flags *flag_array)
{
	const char *ret = p->buf + p->len;
	int first = 1;
	char hex[24];

	for (int i = 0; flag_array[i].name && flags; i++) {
		unsigned long mask = flag_array[i].mask;

		if ((flags & mask) != mask)
			continue;
		flags &= ~mask;
		if (!first && delim)
			seq_puts(p, delim);
		first = 0;
		seq_puts(p, flag_array[i].name);
	}
	if (flags) {
		if (!first && delim)
			seq_puts(p, delim);
		snprintf(hex, sizeof(hex), "0x%lx", flags);
		seq_puts(p, hex);
	}
	p->buf[p->len++] = '\0';
	return ret;
}

/* trace_print_symbols_seq: the name of the value, or the value in hex */
const char *seed_trace_print_symbols_seq(struct seed_trace_seq *p, unsigned long val,
					 const struct trace_print_flags *symbol_array)
{
	const char *ret = p->buf + p->len;
	char hex[24];

	for (int i = 0; symbol_array[i].name; i++)
		if (val == symbol_array[i].mask) {
			seq_puts(p, symbol_array[i].name);
			break;
		}
	if (ret == p->buf + p->len) {
		snprintf(hex, sizeof(hex), "0x%lx", val);
		seq_puts(p, hex);
	}
	p->buf[p->len++] = '\0';
	return ret;
}

static void tput(const char *s, size_t n)
{
	if (tpos + n > sizeof(tbuf))
		seed_trace_flush();
	if (n > sizeof(tbuf) - tpos)
		n = sizeof(tbuf) - tpos;
	memcpy(tbuf + tpos, s, n);
	tpos += n;
}

/*
 * One conversion of fmt (a printf conversion the kernel's vsprintf means
 * the same way, or %p with its extension letters) from ap into out.
 * Returns the length of the conversion in fmt. (No '*' width: the seed's
 * formats have none, and one would print as unsupported.)
 */
static size_t convert(const char *fmt, va_list *ap, char *out, size_t size)
{
	char spec[32];
	const char *q = fmt + 1;
	int len = 0; /* 0 int, 1 h, 2 hh, 3 l, 4 ll, 5 z, 6 t, 7 j */

	while (*q && strchr("-+ #0", *q))
		q++;
	while (*q >= '0' && *q <= '9')
		q++;
	if (*q == '.') {
		q++;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (q[0] == 'h' && q[1] == 'h') { len = 2; q += 2; }
	else if (q[0] == 'l' && q[1] == 'l') { len = 4; q += 2; }
	else if (*q == 'h') { len = 1; q++; }
	else if (*q == 'l') { len = 3; q++; }
	else if (*q == 'z') { len = 5; q++; }
	else if (*q == 't') { len = 6; q++; }
	else if (*q == 'j') { len = 7; q++; }
	if (*q == 'p') {
		void *v = va_arg(*ap, void *);
		int symbol = q[1] == 'S' || q[1] == 's' || q[1] == 'B';

		q++;
		while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))
			q++; /* the kernel skips every alphanumeric after %p */
		snprintf(out, size, symbol ? "0x%016lx" : "%016lx", (unsigned long)(uintptr_t)v);
		return (size_t)(q - fmt);
	}
	if (!*q || (size_t)(q + 1 - fmt) >= sizeof(spec)) {
		snprintf(out, size, "<bad format %s>", fmt);
		return strlen(fmt);
	}
	memcpy(spec, fmt, (size_t)(q + 1 - fmt));
	spec[q + 1 - fmt] = '\0';
	switch (*q) {
	case 'd': case 'i':
		switch (len) {
		case 3: snprintf(out, size, spec, va_arg(*ap, long)); break;
		case 4: snprintf(out, size, spec, va_arg(*ap, long long)); break;
		case 5: snprintf(out, size, spec, va_arg(*ap, ssize_t)); break;
		case 6: snprintf(out, size, spec, va_arg(*ap, ptrdiff_t)); break;
		case 7: snprintf(out, size, spec, va_arg(*ap, intmax_t)); break;
		default: snprintf(out, size, spec, va_arg(*ap, int)); break;
		}
		break;
	case 'u': case 'x': case 'X': case 'o':
		switch (len) {
		case 3: snprintf(out, size, spec, va_arg(*ap, unsigned long)); break;
		case 4: snprintf(out, size, spec, va_arg(*ap, unsigned long long)); break;
		case 5: snprintf(out, size, spec, va_arg(*ap, size_t)); break;
		case 6: snprintf(out, size, spec, va_arg(*ap, ptrdiff_t)); break;
		case 7: snprintf(out, size, spec, va_arg(*ap, uintmax_t)); break;
		default: snprintf(out, size, spec, va_arg(*ap, unsigned int)); break;
		}
		break;
	case 'c':
		snprintf(out, size, spec, va_arg(*ap, int));
		break;
	case 's':
		snprintf(out, size, spec, va_arg(*ap, const char *));
		break;
	default:
		snprintf(out, size, "<unsupported %s>", spec);
		break;
	}
	return (size_t)(q + 1 - fmt);
}

void seed_trace_printk(const char *name, const char *fmt, ...)
{
	char piece[512];
	va_list ap;

	tput(name, strlen(name));
	tput(": ", 2);
	va_start(ap, fmt);
	while (*fmt) {
		const char *pc = strchr(fmt, '%');

		if (!pc) {
			tput(fmt, strlen(fmt));
			break;
		}
		tput(fmt, (size_t)(pc - fmt));
		if (pc[1] == '%') {
			tput("%", 1);
			fmt = pc + 2;
			continue;
		}
		fmt = pc + convert(pc, &ap, piece, sizeof(piece));
		tput(piece, strlen(piece));
	}
	va_end(ap);
	tput("\n", 1);
}
