/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP producer for host tests. Each CHECK prints one
 * "ok N - msg" or "not ok N - msg (file:line)" line; check_done()
 * prints the plan "1..N" last (TAP allows a trailing plan) and returns
 * the exit status for main().
 */
#ifndef ALLOY_TESTS_CHECK_H
#define ALLOY_TESTS_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int check_count;
static int check_failures;

__attribute__((format(printf, 4, 5)))
static inline bool check_report(bool ok, const char *file, int line,
				const char *fmt, ...)
{
	va_list ap;

	check_count++;
	if (!ok)
		check_failures++;
	printf("%sok %d - ", ok ? "" : "not ", check_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" (%s:%d)", file, line);
	putchar('\n');
	return ok;
}

/* Evaluates to the truth of cond so callers can stop early on failure. */
#define CHECK(cond, fmt, ...) \
	check_report(!!(cond), __FILE__, __LINE__, fmt, ##__VA_ARGS__)

static inline int check_done(void)
{
	printf("1..%d\n", check_count);
	if (check_failures)
		printf("# %d of %d checks failed\n", check_failures,
		       check_count);
	fflush(stdout);
	return check_failures ? 1 : 0;
}

#endif /* ALLOY_TESTS_CHECK_H */
