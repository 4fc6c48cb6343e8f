/*
 * What the system tests share: CHECK(cond) reports a failed condition
 * with the line, the expression and errno by name, and counts it; a test
 * ends with `return check_done();` (exit status 1 if anything failed).
 * Define TEST_NAME before including this.
 */
#ifndef SYSTEST_CHECK_H
#define SYSTEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_NAME
#error "define TEST_NAME before including check.h"
#endif

static int failures;

static const char *errname(int e)
{
	switch (e) {
	case 0: return "none";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case ENOTBLK: return "ENOTBLK";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case ERANGE: return "ERANGE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EUCLEAN: return "EUCLEAN";
	default: return "?";
	}
}

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, TEST_NAME ": line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, errname(e_));	\
			failures++;					\
		}							\
	} while (0)

/* A /proc/meminfo line's value in bytes ("MemFree", "KernelHeap"); -1 if
 * there is no such line. */
static inline long long meminfo(const char *key)
{
	char line[256];
	long long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atoll(line + n + 1) * 1024;
	if (f)
		fclose(f);
	return v;
}

static inline int check_done(void)
{
	if (failures)
		fprintf(stderr, TEST_NAME ": %d checks failed\n", failures);
	return failures ? 1 : 0;
}

#endif
