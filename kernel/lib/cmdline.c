// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel command line parsing.
 *
 * This runs before any allocator exists, so everything lives in static
 * buffers and the tokens point into a private, in-place split copy.
 * Only C library string functions are used so that the host tests can
 * link this file against libc.
 */
#include <stddef.h>
#include <alloy/cmdline.h>
#include <alloy/string.h>

struct cmdline_token {
	const char *key;
	const char *value;	/* "" for a bare key */
};

static char cmdline_copy[CMDLINE_MAX_LEN + 1];
static char cmdline_work[CMDLINE_MAX_LEN + 1];
static struct cmdline_token cmdline_tokens[CMDLINE_MAX_TOKENS];
static int cmdline_ntokens;

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * Cut the token starting at p: runs to the first white space outside
 * double quotes. Quote characters are squeezed out in place, which is
 * safe because the write position never passes the read position.
 * Returns where scanning should resume.
 */
static char *cut_token(char *p)
{
	char *w = p;
	bool quoted = false;

	for (; *p && (quoted || !is_space(*p)); p++) {
		if (*p == '"')
			quoted = !quoted;
		else
			*w++ = *p;
	}
	if (*p)
		p++;
	*w = '\0';
	return p;
}

static void add_token(char *tok)
{
	char *eq = strchr(tok, '=');

	if (tok[0] == '\0' || tok[0] == '=')
		return;
	if (cmdline_ntokens >= CMDLINE_MAX_TOKENS)
		return;
	if (eq)
		*eq = '\0';
	cmdline_tokens[cmdline_ntokens].key = tok;
	cmdline_tokens[cmdline_ntokens].value = eq ? eq + 1 : "";
	cmdline_ntokens++;
}

void cmdline_init(const char *s)
{
	size_t len = s ? strnlen(s, CMDLINE_MAX_LEN) : 0;
	char *p = cmdline_work;

	if (len)
		memcpy(cmdline_copy, s, len);
	cmdline_copy[len] = '\0';
	memcpy(cmdline_work, cmdline_copy, len + 1);
	cmdline_ntokens = 0;

	while (*p) {
		char *tok;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		tok = p;
		p = cut_token(p);
		add_token(tok);
	}
}

const char *cmdline_raw(void)
{
	return cmdline_copy;
}

const char *cmdline_get(const char *key)
{
	int i;

	if (!key)
		return NULL;
	for (i = cmdline_ntokens - 1; i >= 0; i--) {
		if (strcmp(cmdline_tokens[i].key, key) == 0)
			return cmdline_tokens[i].value;
	}
	return NULL;
}

bool cmdline_has(const char *key)
{
	return cmdline_get(key) != NULL;
}

static int size_shift(char suffix)
{
	switch (suffix) {
	case 'K': case 'k': return 10;
	case 'M': case 'm': return 20;
	case 'G': case 'g': return 30;
	default: return -1;
	}
}

long long cmdline_int(const char *key, long long dflt)
{
	const char *value = cmdline_get(key);
	long long n;
	char *end;
	int shift;

	if (!value)
		return dflt;
	n = strtoll(value, &end, 0);
	if (end == value)
		return dflt;
	if (*end == '\0')
		return n;
	shift = size_shift(*end);
	if (shift < 0 || end[1] != '\0')
		return dflt;
	if (__builtin_mul_overflow(n, 1LL << shift, &n))
		return value[0] == '-' ? -__LONG_LONG_MAX__ - 1 : __LONG_LONG_MAX__;
	return n;
}

/* Does the comma-separated list contain item as one whole element? */
static bool list_contains(const char *list, const char *item, size_t len)
{
	const char *p = list;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && strncmp(p, item, len) == 0)
			return true;
		if (!comma)
			return false;
		p = comma + 1;
	}
}

bool cmdline_list_has(const char *key, const char *item)
{
	const char *value = cmdline_get(key);

	if (!value || !item || !*item)
		return false;
	return list_contains(value, "all", 3) ||
	       list_contains(value, item, strlen(item));
}
