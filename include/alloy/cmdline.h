/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALLOY_CMDLINE_H
#define ALLOY_CMDLINE_H

#include <stdbool.h>

/*
 * Kernel command line: white-space separated "key" or "key=value"
 * tokens. Double quotes let a token contain spaces (init="a b"); the
 * quote characters themselves are removed. Only the first 1023
 * characters and the first 64 tokens are kept. When a key appears more
 * than once, the last occurrence wins.
 */

#define CMDLINE_MAX_LEN		1023
#define CMDLINE_MAX_TOKENS	64

/* Copy and parse s (NULL is an empty line); may be called again. */
void cmdline_init(const char *s);

/* The kept (possibly truncated) command line, unparsed. */
const char *cmdline_raw(void);

/* Value of key, "" for a bare key, NULL if absent. */
const char *cmdline_get(const char *key);

bool cmdline_has(const char *key);

/*
 * Integer value of key (decimal, 0x hex or 0 octal), optionally followed
 * by K, M or G to multiply by 2^10, 2^20 or 2^30. dflt is returned if
 * key is absent or its value is not exactly such a number. Values out
 * of range saturate.
 */
long long cmdline_int(const char *key, long long dflt);

/*
 * True if the value of key is a comma-separated list that contains
 * item or the word "all", e.g. "ktest=all" or "ktest=timer,sched".
 */
bool cmdline_list_has(const char *key, const char *item);

#endif /* ALLOY_CMDLINE_H */
