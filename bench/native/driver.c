/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iomap-sim: runs a scenario of ../shared/fixtures/README.md through the
 * seed's own fs/fuse/iomap_cache.c (extracted from the seed and compiled
 * next to this file by bench/seed-native.ts) and prints the fixtures' .out
 * lines. One inode (FUSE_I_IOMAP_CACHE set, i_size 0), fuse geometry only.
 *
 *   seed-iomap-cache [-t SECONDS] [-m MAX_MIB] [-T TRACE_FILE] FILE
 *
 * -T (the trace build only, -DSEED_TRACE): every tracepoint the seed's
 * code fires is printed to TRACE_FILE as "NAME: BODY", in firing order,
 * through the seed's own TP_printk (shim/seed_trace_shim.h, trace.c); the
 * lines of the events before a stop (exit 3, or a sanitizer's report) are
 * written out before it exits.
 *
 * The whole file is parsed before anything runs; a line this driver does
 * not support (xfs geometry, TYPE or FLAGS names, the kernel-scenario
 * commands, another revision) stops it with FILE:LINE: and exit 1.
 * Exit 3: the seed's code did not return within -t seconds, crashed
 * (SIGSEGV/SIGBUS) or held more than -m MiB (the runaway tree of
 * fuse_iext_insert_node), each reported with the scenario line after the
 * .out lines of the commands before it. In the sanitized build
 * (AddressSanitizer + UBSan) a memory error of the seed's code is the
 * sanitizer's report followed by FILE:LINE:, and its exit code; a NULL
 * dereference stays the SIGSEGV above (the oops the model reports).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>
#include "fuse_i.h"
#include "iomap_cache.h"
#ifdef SEED_TRACE
#include <fcntl.h>
#include "seed_trace_out.h"
#endif

enum op { OP_ADD, OP_UPSERT, OP_REMOVE, OP_LOOKUP, OP_INVALIDATE, OP_DUMP };
static const char *const op_name[] = { "add", "upsert", "remove", "lookup", "invalidate", "dump" };

struct command {
	unsigned char op;
	unsigned char fork;   /* enum fuse_iomap_fork */
	uint16_t type;
	uint16_t flags;
	uint32_t dev;
	int line;
	uint64_t a, b, c;     /* offset/pos, length/count, addr */
};

static const char *file_name = "<scenario>";
static volatile sig_atomic_t current_line;
static volatile sig_atomic_t running;   /* inside the seed's code */
static unsigned int timeout_s;
static char obuf[1 << 20];
static size_t opos;

/* ------------------------------------------------------------ errors */

static void __attribute__((noreturn, format(printf, 2, 3))) fail_line(int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s:%d: ", file_name, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* async-signal-safe: "FILE:LINE: what\n" with write(2), then exit 3 */
static void signal_report(const char *what)
{
	char num[16];
	int n = (int)sizeof(num), line = current_line;

	do {
		num[--n] = (char)('0' + line % 10);
		line /= 10;
	} while (line && n > 0);
	if (write(2, file_name, strlen(file_name)) < 0 || write(2, ":", 1) < 0 || write(2, num + n, sizeof(num) - n) < 0 ||
	    write(2, ": ", 2) < 0 || write(2, what, strlen(what)) < 0)
		_exit(3);
	_exit(3);
}

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
/* the sanitized build (bench/seed-native.ts SANITIZE_FLAGS): after the sanitizer's report, the scenario line */
static void on_sanitizer_death(void)
{
#ifdef SEED_TRACE
	seed_trace_flush();
#endif
	fprintf(stderr, "%s:%d: the seed's code made the memory error reported above\n", file_name, (int)current_line);
}

/* UBSan's report ends in abort() (UBSAN_OPTIONS abort_on_error=1): its runtime does not call the callback above */
static void on_sanitizer_abort(int sig)
{
	(void)sig;
	on_sanitizer_death();
	_exit(SEED_SANITIZER_EXIT);
}
#endif

static void on_signal(int sig)
{
	/* the whole lines of the commands before this one (a dump may be half printed) */
	size_t whole = opos;

	while (whole && obuf[whole - 1] != '\n')
		whole--;
	if (whole && write(1, obuf, whole) < 0)
		_exit(3);
#ifdef SEED_TRACE
	seed_trace_flush();
#endif
	if (sig == SIGALRM)
		signal_report(running ? "the seed's code did not return within the time limit (-t): the kernel would hang here\n"
				      : "the driver ran out of time (-t) outside the seed's code\n");
	signal_report(sig == SIGSEGV ? "the seed's code crashed here (SIGSEGV): the kernel would oops\n"
				     : "the seed's code crashed here (SIGBUS)\n");
}

/* ------------------------------------------------------------ allocator (linux/slab.h) */

static size_t live_bytes, max_live_bytes = (size_t)512 << 20;

static void oflush(void);

static void *account(void *p, size_t size)
{
	if (!p) {
		fprintf(stderr, "%s:%d: out of memory allocating %zu bytes for the seed's code\n", file_name, (int)current_line, size);
		exit(4);
	}
	live_bytes += malloc_usable_size(p);
	if (live_bytes > max_live_bytes) {
		oflush(); /* the lines of the commands before this one */
#ifdef SEED_TRACE
		seed_trace_flush();
#endif
		fprintf(stderr,
			"%s:%d: the seed's code holds more than %zu MiB (-m): the kernel would hang here allocating without end\n",
			file_name, (int)current_line, max_live_bytes >> 20);
		exit(3);
	}
	return p;
}

/*
 * The plain trace build prints the leaf pointers: its krealloc keeps a block
 * where the kernel's does (see below). The sanitized builds keep realloc,
 * which always moves a block under ASan, so that a later read through the
 * old pointer is caught wherever the kernel might have moved it.
 */
#if defined(SEED_TRACE) && !defined(__SANITIZE_ADDRESS__)
#define KMALLOC_CACHES 1
static size_t kmalloc_cache_size(size_t request);
static void ktab_put(const void *p, size_t ksize);
#endif

void *kzalloc(size_t size, gfp_t flags)
{
	(void)flags;
#ifdef KMALLOC_CACHES
	void *p = account(calloc(1, kmalloc_cache_size(size)), size);

	ktab_put(p, kmalloc_cache_size(size));
	return p;
#else
	return account(calloc(1, size ? size : 1), size);
#endif
}

void *kmalloc(size_t size, gfp_t flags)
{
	(void)flags;
#ifdef KMALLOC_CACHES
	void *p = account(malloc(kmalloc_cache_size(size)), size);

	ktab_put(p, kmalloc_cache_size(size));
	return p;
#else
	return account(malloc(size ? size : 1), size);
#endif
}

#ifndef KMALLOC_CACHES
void *krealloc(const void *p, size_t new_size, gfp_t flags)
{
	(void)flags;
	if (p)
		live_bytes -= malloc_usable_size((void *)p);
	return account(realloc((void *)p, new_size ? new_size : 1), new_size);
}

void kfree(const void *p)
{
	if (!p)
		return;
	live_bytes -= malloc_usable_size((void *)p);
	free((void *)p);
}
#else
/*
 * krealloc as the kernel's: in place while the new size fits the kmalloc
 * cache of the block's first request (ksize), else a new block, the old
 * one copied and freed. The cache sizes are SLUB's (8 to 8192 bytes, then
 * whole pages in powers of two); a block takes all of its cache's size,
 * and each live block's size is kept in a small table.
 */
static size_t kmalloc_cache_size(size_t request)
{
	static const size_t sizes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192 };
	size_t s = 8192;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (request <= sizes[i])
			return sizes[i];
	while (s < request)
		s *= 2;
	return s;
}

struct kblock {
	const void *p;
	size_t ksize;
};
static struct kblock *ktab;   /* open addressing; p NULL: empty, p KTAB_GONE: deleted */
static size_t ktab_cap, ktab_used, ktab_live; /* used: slots taken, deleted ones included */
#define KTAB_GONE ((const void *)1)

static size_t ktab_slot(const void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull) & (ktab_cap - 1);
}

static void ktab_put(const void *p, size_t ksize);

static void ktab_grow(void)
{
	struct kblock *old = ktab;
	size_t n = ktab_cap;

	/* mostly deleted slots: rehash at the same size */
	ktab_cap = !n ? 1024 : 4 * ktab_live >= n ? 2 * n : n;
	ktab = calloc(ktab_cap, sizeof(*ktab));
	if (!ktab) {
		fprintf(stderr, "%s: out of memory\n", file_name);
		exit(4);
	}
	ktab_used = 0;
	ktab_live = 0;
	for (size_t i = 0; i < n; i++)
		if (old[i].p && old[i].p != KTAB_GONE)
			ktab_put(old[i].p, old[i].ksize);
	free(old);
}

static void ktab_put(const void *p, size_t ksize)
{
	size_t i;

	if (2 * (ktab_used + 1) > ktab_cap)
		ktab_grow();
	for (i = ktab_slot(p); ktab[i].p && ktab[i].p != KTAB_GONE; i = (i + 1) & (ktab_cap - 1))
		;
	ktab[i].p = p;
	ktab[i].ksize = ksize;
	ktab_used++;
	ktab_live++;
}

static struct kblock *ktab_find(const void *p)
{
	if (!ktab_cap)
		return NULL;
	for (size_t i = ktab_slot(p); ktab[i].p; i = (i + 1) & (ktab_cap - 1))
		if (ktab[i].p == p)
			return &ktab[i];
	return NULL;
}

void *krealloc(const void *p, size_t new_size, gfp_t flags)
{
	struct kblock *b = p ? ktab_find(p) : NULL;
	void *n;

	if (b && new_size <= b->ksize)
		return (void *)p;
	n = kmalloc(new_size, flags);
	if (b) {
		memcpy(n, p, b->ksize);
		kfree(p);
	}
	return n;
}

void kfree(const void *p)
{
	struct kblock *b;

	if (!p)
		return;
	b = ktab_find(p);
	if (b) {
		b->p = KTAB_GONE; /* the slot stays taken until the next rehash */
		ktab_live--;
	}
	live_bytes -= malloc_usable_size((void *)p);
	free((void *)p);
}
#endif

size_t ksize(const void *p)
{
	return p ? malloc_usable_size((void *)p) : 0;
}

/* ------------------------------------------------------------ parsing */

#define MAX_WORDS 10

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* an unsigned 64-bit number, decimal or 0x-hex; 0 when w is not one */
static int parse_u64(const char *w, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = w;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		if (!*p)
			return 0;
		for (; *p; p++) {
			int d;

			if (*p >= '0' && *p <= '9')
				d = *p - '0';
			else if ((*p | 32) >= 'a' && (*p | 32) <= 'f')
				d = (*p | 32) - 'a' + 10;
			else
				return 0;
			if (v >> 60)
				return 0;
			v = (v << 4) | (uint64_t)d;
		}
	} else {
		if (!*p)
			return 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return 0;
			if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				return 0;
			v = v * 10 + (uint64_t)(*p - '0');
		}
	}
	*out = v;
	return 1;
}

static uint64_t num(int line, const char *w, const char *field)
{
	uint64_t v;

	if (!parse_u64(w, &v))
		fail_line(line, "%s '%s' is not an unsigned 64-bit number (decimal or 0x-hex)", field, w);
	return v;
}

static uint64_t small(int line, const char *w, const char *field, int bits)
{
	uint64_t v;

	if ((w[0] < '0' || w[0] > '9') && (!strcmp(field, "TYPE") || !strcmp(field, "FLAGS")))
		fail_line(line, "%s '%s': names are not supported by the native build of the seed (give the number)", field, w);
	v = num(line, w, field);
	if (v >> bits)
		fail_line(line, "%s %s does not fit in %d bits", field, w, bits);
	return v;
}

static unsigned char fork_of(int line, const char *w)
{
	if (!strcmp(w, "read"))
		return FUSE_IOMAP_READ_FORK;
	if (!strcmp(w, "write"))
		return FUSE_IOMAP_WRITE_FORK;
	fail_line(line, "fork '%s' must be read or write", w);
}

struct scenario {
	unsigned int blkbits;
	loff_t maxbytes;
	struct command *cmds;
	size_t n, cap;
};

static const struct {
	const char *word;
	int arity;
	const char *usage;
} SYNTAX[] = {
	{ "geometry", 1, "geometry fuse" },
	{ "blocksize", 1, "blocksize N" },
	{ "maxbytes", 1, "maxbytes N" },
	{ "revision", 1, "revision rfc-v3" },
	{ "add", 7, "add read|write OFFSET LENGTH ADDR TYPE FLAGS DEV" },
	{ "upsert", 7, "upsert read|write OFFSET LENGTH ADDR TYPE FLAGS DEV" },
	{ "remove", 3, "remove read|write OFFSET LENGTH" },
	{ "lookup", 3, "lookup read|write POS COUNT" },
	{ "invalidate", 2, "invalidate OFFSET LENGTH" },
	{ "dump", 1, "dump read|write" },
};

static void parse_line(struct scenario *sc, int line, char **w, int nw)
{
	struct command c;
	size_t k;

	for (k = 0; k < sizeof(SYNTAX) / sizeof(SYNTAX[0]); k++)
		if (!strcmp(w[0], SYNTAX[k].word))
			break;
	if (k == sizeof(SYNTAX) / sizeof(SYNTAX[0]))
		fail_line(line,
			  "'%s' is not supported by the native build of the seed (it runs geometry fuse, blocksize, maxbytes, "
			  "revision rfc-v3, add, upsert, remove, lookup, invalidate, dump)",
			  w[0]);
	if (nw - 1 != SYNTAX[k].arity)
		fail_line(line, "'%s' takes %d argument%s, got %d (usage: %s)", w[0], SYNTAX[k].arity, SYNTAX[k].arity == 1 ? "" : "s",
			  nw - 1, SYNTAX[k].usage);

	memset(&c, 0, sizeof(c));
	c.line = line;
	switch (k) {
	case 0: case 1: case 2: case 3:
		if (sc->n)
			fail_line(line, "'%s' must come before the first cache command", w[0]);
		if (k == 0 && strcmp(w[1], "fuse"))
			fail_line(line, "geometry '%s': the native build of the seed is fuse_iext (geometry fuse) only", w[1]);
		if (k == 1) {
			uint64_t bs = num(line, w[1], "blocksize");

			if (!bs || (bs & (bs - 1)) || bs > (1ULL << 31))
				fail_line(line, "blocksize %s must be a power of two no larger than 2^31", w[1]);
			sc->blkbits = (unsigned int)__builtin_ctzll(bs);
		}
		if (k == 2)
			sc->maxbytes = (loff_t)num(line, w[1], "maxbytes");
		if (k == 3 && strcmp(w[1], "rfc-v3"))
			fail_line(line, "revision '%s': the native build is the seed's RFC v3 code (revision rfc-v3) only", w[1]);
		return;
	case 4: case 5:
		c.op = k == 4 ? OP_ADD : OP_UPSERT;
		c.fork = fork_of(line, w[1]);
		c.a = num(line, w[2], "OFFSET");
		c.b = num(line, w[3], "LENGTH");
		c.c = num(line, w[4], "ADDR");
		c.type = (uint16_t)small(line, w[5], "TYPE", 16);
		c.flags = (uint16_t)small(line, w[6], "FLAGS", 16);
		c.dev = (uint32_t)small(line, w[7], "DEV", 32);
		break;
	case 6: case 7:
		c.op = k == 6 ? OP_REMOVE : OP_LOOKUP;
		c.fork = fork_of(line, w[1]);
		c.a = num(line, w[2], k == 6 ? "OFFSET" : "POS");
		c.b = num(line, w[3], k == 6 ? "LENGTH" : "COUNT");
		break;
	case 8:
		c.op = OP_INVALIDATE;
		c.a = num(line, w[1], "OFFSET");
		c.b = num(line, w[2], "LENGTH");
		break;
	case 9:
		c.op = OP_DUMP;
		c.fork = fork_of(line, w[1]);
		break;
	}
	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? 2 * sc->cap : 4096;
		sc->cmds = realloc(sc->cmds, sc->cap * sizeof(*sc->cmds));
		if (!sc->cmds) {
			fprintf(stderr, "%s: out of memory reading the scenario\n", file_name);
			exit(4);
		}
	}
	sc->cmds[sc->n++] = c;
}

static void parse(struct scenario *sc, char *text, size_t len)
{
	char *p = text, *end = text + len;
	int line = 0;

	for (;;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		char *w[MAX_WORDS + 1];
		int nw = 0;

		line++;
		*e = '\0';
		for (char *q = p; *q; q++)
			if (*q == '#') {
				*q = '\0';
				break;
			}
		for (char *q = p; *q;) {
			while (is_blank(*q))
				q++;
			if (!*q)
				break;
			if (nw == MAX_WORDS)
				fail_line(line, "too many words");
			w[nw++] = q;
			while (*q && !is_blank(*q))
				q++;
			if (*q)
				*q++ = '\0';
		}
		if (nw)
			parse_line(sc, line, w, nw);
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* ------------------------------------------------------------ output */

static void oflush(void)
{
	size_t done = 0;

	while (done < opos) {
		ssize_t n = write(1, obuf + done, opos - done);

		if (n <= 0) {
			perror("write");
			exit(2);
		}
		done += (size_t)n;
	}
	opos = 0;
}

static void ostr(const char *s)
{
	size_t n = strlen(s);

	if (opos + n > sizeof(obuf))
		oflush();
	memcpy(obuf + opos, s, n);
	opos += n;
}

static void ohex(uint64_t v)
{
	char t[16];
	int n = 0;

	do {
		t[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	if (opos + 16 > sizeof(obuf))
		oflush();
	while (n)
		obuf[opos++] = t[--n];
}

static void odec(uint64_t v)
{
	char t[20];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (opos + 20 > sizeof(obuf))
		oflush();
	while (n)
		obuf[opos++] = t[--n];
}

static void osdec(int64_t v)
{
	if (v < 0) {
		ostr("-");
		odec(-(uint64_t)v);
	} else {
		odec((uint64_t)v);
	}
}

/* "OFF+LEN addr ADDR type T flags F dev D" */
static void omap(const struct fuse_iomap *m)
{
	ohex((uint64_t)m->offset);
	ostr("+");
	ohex(m->length);
	ostr(" addr ");
	ohex(m->addr);
	ostr(" type ");
	odec(m->type);
	ostr(" flags ");
	ohex(m->flags);
	ostr(" dev ");
	odec(m->dev);
}

/* ------------------------------------------------------------ running */

static struct super_block sb;
static struct fuse_inode fi;
#ifdef SEED_TRACE
/* the fixtures' inode: connection 1, ino 12, nodeid 7 (../shared/fixtures/README.md) */
static struct fuse_conn fc = { .dev = 1 };
static struct fuse_mount fm = { .fc = &fc };
#endif

static void run(const struct scenario *sc)
{
	struct inode *inode = &fi.inode;
	struct fuse_iomap_cache *ip = &fi.cache;

	sb.s_maxbytes = sc->maxbytes;
	inode->i_sb = &sb;
	inode->i_blkbits = (unsigned char)sc->blkbits;
	inode->i_ino = 12;
	inode->i_size = 0;
#ifdef SEED_TRACE
	sb.s_fs_info = &fm;
	fi.orig_ino = 12;
	fi.nodeid = 7;
#endif
	/* what fuse_iomap_set_fileio does to the cache, plus the cache bit */
	memset(&ip->im_read, 0, sizeof(ip->im_read));
	ip->im_seq = 0;
	ip->im_write = NULL;
	init_rwsem(&ip->im_lock);
	set_bit(FUSE_I_IOMAP_CACHE, &fi.state);

	for (size_t i = 0; i < sc->n; i++) {
		const struct command *c = &sc->cmds[i];
		struct fuse_iomap map;
		int ret = 0;

		current_line = c->line;
		running = 1;
		switch (c->op) {
		case OP_ADD:
		case OP_UPSERT:
			memset(&map, 0, sizeof(map));
			map.offset = (loff_t)c->a;
			map.length = c->b;
			map.addr = c->c;
			map.type = c->type;
			map.flags = c->flags;
			map.dev = c->dev;
			fuse_iomap_cache_lock(inode, FUSE_IOMAP_LOCK_EXCL);
			if (c->op == OP_ADD)
				ret = fuse_iomap_cache_add(inode, c->fork, &map);
			else
				ret = fuse_iomap_cache_upsert(inode, c->fork, &map);
			fuse_iomap_cache_unlock(inode, FUSE_IOMAP_LOCK_EXCL);
			break;
		case OP_REMOVE:
			fuse_iomap_cache_lock(inode, FUSE_IOMAP_LOCK_EXCL);
			ret = fuse_iomap_cache_remove(inode, c->fork, (loff_t)c->a, c->b);
			fuse_iomap_cache_unlock(inode, FUSE_IOMAP_LOCK_EXCL);
			break;
		case OP_INVALIDATE:
			/* takes the lock itself */
			ret = fuse_iomap_cache_invalidate_range(inode, (loff_t)c->a, c->b);
			break;
		case OP_LOOKUP: {
			enum fuse_iomap_lookup_result r;

			fuse_iomap_cache_lock(inode, FUSE_IOMAP_LOCK_SHARED);
			r = fuse_iomap_cache_lookup(inode, c->fork, (loff_t)c->a, c->b, &map);
			fuse_iomap_cache_unlock(inode, FUSE_IOMAP_LOCK_SHARED);
			running = 0;
			if (r == LOOKUP_HIT) {
				ostr("hit ");
				omap(&map);
				ostr(" cookie ");
				odec(map.validity_cookie);
				ostr("\n");
			} else {
				ostr(r == LOOKUP_MISS ? "miss\n" : "nofork\n");
			}
			continue;
		}
		case OP_DUMP: {
			struct fuse_ifork *ifp = c->fork == FUSE_IOMAP_WRITE_FORK ? ip->im_write : &ip->im_read;
			struct fuse_iext_cursor icur;
			struct fuse_iomap got;

			if (!ifp) {
				running = 0;
				ostr("nofork\n");
				continue;
			}
			ostr("fork ");
			ostr(c->fork == FUSE_IOMAP_WRITE_FORK ? "write" : "read");
			ostr(" count ");
			odec(fuse_iext_count(ifp));
			ostr(" height ");
			osdec(ifp->if_height);
			ostr(" seq ");
			odec(fuse_iext_read_seq(ip));
			ostr("\n");
			for_each_fuse_iext(ifp, &icur, &got) {
				ostr("  ");
				omap(&got);
				ostr("\n");
			}
			running = 0;
			continue;
		}
		}
		running = 0;
		ostr(op_name[c->op]);
		ostr(" ");
		osdec(ret);
		ostr(" seq ");
		odec(fuse_iext_read_seq(ip));
		ostr("\n");
	}
	oflush();
#ifdef SEED_TRACE
	seed_trace_flush();
#endif
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		exit(2);
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 1 << 20;
			buf = realloc(buf, cap + 1);
			if (!buf) {
				fprintf(stderr, "%s: out of memory\n", path);
				exit(4);
			}
		}
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		exit(2);
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void usage(void)
{
	fprintf(stderr, "usage: seed-iomap-cache [-t SECONDS] [-m MAX_MIB] [-T TRACE_FILE] FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct scenario sc = { .blkbits = 12, .maxbytes = 0x7fffffffffffffffLL };
	struct sigaction sa;
	size_t len;
	char *text;
	int opt;

	while ((opt = getopt(argc, argv, "t:m:T:")) != -1) {
		char *e;

		if (opt == 't') {
			timeout_s = (unsigned int)strtoul(optarg, &e, 10);
			if (*e || !timeout_s)
				usage();
		} else if (opt == 'm') {
			max_live_bytes = (size_t)strtoul(optarg, &e, 10) << 20;
			if (*e || !max_live_bytes)
				usage();
		} else if (opt == 'T') {
#ifdef SEED_TRACE
			int fd = open(optarg, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0) {
				fprintf(stderr, "%s: cannot write the trace: %s\n", optarg, strerror(errno));
				exit(2);
			}
			seed_trace_open(fd);
#else
			fprintf(stderr, "-T: this build has no tracepoints (build it with -DSEED_TRACE: bench/seed-native.ts trace)\n");
			exit(2);
#endif
		} else {
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	file_name = argv[optind];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
#if defined(__SANITIZE_ADDRESS__)
	__sanitizer_set_death_callback(on_sanitizer_death);
	{
		struct sigaction ab;

		memset(&ab, 0, sizeof(ab));
		ab.sa_handler = on_sanitizer_abort;
		sigaction(SIGABRT, &ab, NULL);
	}
#endif
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (timeout_s)
		alarm(timeout_s);

	text = read_all(file_name, &len);
	parse(&sc, text, len);
	free(text);
	run(&sc);
	return 0;
}
