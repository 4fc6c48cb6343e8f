/*
 * /proc/sys entries. A subsystem declares its tunables where they live,
 * with SYSCTL_INT (a long variable with bounds) or SYSCTL (its own show
 * and store); procfs (kernel/fs/procfs_sys.c) finds them all in the
 * .sysctl section and builds the /proc/sys tree from their paths.
 */
#ifndef ALLOY_SYSCTL_H
#define ALLOY_SYSCTL_H

#include <alloy/types.h>

struct pbuf;

struct sysctl {
	const char *path;	/* under /proc/sys: "kernel/pid_max" */
	u16 mode;		/* 0444 read-only, 0644 root may write */
	/* Integer entries (show/store NULL): one long, written in [min, max]. */
	long *value;
	long min, max;
	/* Or the entry's own text: show appends to b (pbuf_printf), store
	 * parses what was written (len bytes, not NUL-terminated, already
	 * copied in) and returns 0 or a negative errno. */
	int (*show)(struct pbuf *b);
	int (*store)(const char *buf, size_t len);
};

#define SYSCTL_ENTRY(id)						\
	static const struct sysctl __sysctl_##id __attribute__((	\
		used, section(".sysctl"), aligned(8)))

/* SYSCTL_INT(shmmni, "kernel/shmmni", 0644, &shm_mni, 1, 32768); */
#define SYSCTL_INT(id, p, m, var, lo, hi)				\
	SYSCTL_ENTRY(id) = { .path = (p), .mode = (m), .value = (var),	\
			     .min = (lo), .max = (hi) }
/* SYSCTL(tainted, "kernel/tainted", 0444, show_tainted, NULL); */
#define SYSCTL(id, p, m, sh, st)					\
	SYSCTL_ENTRY(id) = { .path = (p), .mode = (m), .show = (sh), .store = (st) }

extern const struct sysctl __sysctl_start[], __sysctl_end[];

/* For show functions (kernel/fs/procfs.c): one formatted write, at most
 * 256 bytes; and the number parser integer entries use (0 or -EINVAL). */
int pbuf_printf(struct pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pbuf_puts(struct pbuf *b, const char *s);
int sysctl_parse_long(const char *s, size_t len, long *out);
/* A written string's length as Linux's proc_dostring takes it: up to a
 * newline or NUL; -EINVAL unless shorter than cap (room for the NUL). */
long sysctl_string_len(const char *s, size_t len, size_t cap);

#endif
