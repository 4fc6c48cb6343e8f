/*
 * The C fallback of herd's policy core: ffi/herd.h, symbols c_herd_*.
 * Every check is the contract's, in its order; the Rust component
 * (rust/herd) must give the same answer bit for bit. No allocation, no
 * libc beyond memset/memcpy: the output is built in a local copy and
 * written once on success.
 */
#include <errno.h>
#include <string.h>

#include "../../ffi/herd.h"

uint32_t c_herd_abi_version(void)
{
	return HERD_ABI_VERSION;
}

/* ---- the service-file parser */

enum key {
	K_EXEC, K_ARG, K_ENV, K_CWD, K_RESTART, K_BINIT, K_BMAX, K_BMULT, K_BJIT,
	K_STABLE, K_GCOUNT, K_GWIN, K_LOGMAX, K_LOGKEEP, K_STOPSIG, K_STOPTO,
	K_AFTER, K_NKEYS
};

static const char *const key_names[K_NKEYS] = {
	"exec", "arg", "env", "cwd", "restart", "backoff_initial", "backoff_max",
	"backoff_multiplier", "backoff_jitter", "stable_after", "giveup_count",
	"giveup_window", "log_max", "log_keep", "stop_signal", "stop_timeout",
	"after",
};

struct span {
	const uint8_t *p;
	size_t n;
};

static int is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static struct span trim(struct span s)
{
	while (s.n && is_blank(s.p[0]))
		s.p++, s.n--;
	while (s.n && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

static int span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* 1..10 decimal digits, value in *v (64-bit, cannot overflow); returns
 * the number of digits used, 0 if none or more than 10. */
static size_t digits(struct span s, uint64_t *v)
{
	size_t i = 0;
	uint64_t x = 0;

	while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
		if (i == 10)
			return 0;
		x = x * 10 + (uint64_t)(s.p[i] - '0');
		i++;
	}
	*v = x;
	return i;
}

/* A whole-value decimal number. */
static int number(struct span s, uint64_t *v)
{
	return s.n && digits(s, v) == s.n;
}

static int parse_time(struct span s, uint32_t *ms)
{
	uint64_t v;
	size_t d = digits(s, &v);
	struct span rest = { s.p + d, s.n - d };

	if (!d)
		return 0;
	if (rest.n == 0 || span_is(rest, "ms"))
		;
	else if (span_is(rest, "s"))
		v *= 1000;
	else if (span_is(rest, "m"))
		v *= 60000;
	else
		return 0;
	if (v > 0xffffffffull)
		return 0;
	*ms = (uint32_t)v;
	return 1;
}

static int parse_size(struct span s, uint64_t *bytes)
{
	uint64_t v;
	size_t d = digits(s, &v);
	struct span rest = { s.p + d, s.n - d };

	if (!d)
		return 0;
	if (rest.n == 0)
		;
	else if (span_is(rest, "K"))
		v <<= 10;
	else if (span_is(rest, "M"))
		v <<= 20;
	else
		return 0;
	if (v < HERD_LOG_MIN || v > HERD_LOG_MAX)
		return 0;
	*bytes = v;
	return 1;
}

static int parse_mult(struct span s, uint32_t *pct)
{
	uint64_t whole, frac = 0;
	size_t d = digits(s, &whole), f = 0;

	if (!d)
		return 0;
	if (d < s.n) {
		struct span r = { s.p + d + 1, s.n - d - 1 };
		if (s.p[d] != '.' || r.n == 0 || r.n > 2)
			return 0;
		f = digits(r, &frac);
		if (f != r.n)
			return 0;
		if (f == 1)
			frac *= 10;
	}
	if (whole > 10)
		return 0;
	whole = whole * 100 + frac;
	if (whole < 100 || whole > 1000)
		return 0;
	*pct = (uint32_t)whole;
	return 1;
}

static int parse_signal(struct span s, uint32_t *sig)
{
	static const struct { const char *name; uint32_t sig; } names[] = {
		{ "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "KILL", 9 },
		{ "USR1", 10 }, { "USR2", 12 }, { "TERM", 15 },
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (span_is(s, names[i].name)) {
			*sig = names[i].sig;
			return 1;
		}
	if (!number(s, &v) || v < 1 || v > 64)
		return 0;
	*sig = (uint32_t)v;
	return 1;
}

static int name_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int valid_name(struct span s)
{
	if (s.n < 1 || s.n > HERD_NAME_MAX - 1)
		return 0;
	for (size_t i = 0; i < s.n; i++)
		if (!name_byte(s.p[i]))
			return 0;
	return 1;
}

static int valid_env(struct span s)
{
	size_t i = 0;

	while (i < s.n && s.p[i] != '=') {
		uint8_t c = s.p[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			 (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return 0;
		i++;
	}
	return i > 0 && i < s.n;
}

/* Stores s NUL-terminated; returns its offset, or 0 if it does not fit. */
static uint16_t store(struct herd_service *o, struct span s)
{
	size_t at = o->strings_len;

	if (s.n >= HERD_STR_MAX || at + s.n + 1 > HERD_STR_MAX)
		return 0;
	memcpy(o->strings + at, s.p, s.n);
	o->strings[at + s.n] = 0;
	o->strings_len = (uint16_t)(at + s.n + 1);
	return (uint16_t)at;
}

/* The next word of *s (spaces/tabs between), or an empty span. */
static struct span word(struct span *s)
{
	struct span w;

	*s = trim(*s);
	w.p = s->p;
	w.n = 0;
	while (w.n < s->n && !is_blank(s->p[w.n]))
		w.n++;
	s->p += w.n;
	s->n -= w.n;
	return w;
}

/* S8 then S9 for one KEY=VALUE; returns 0 or the failing check. */
static int apply(struct herd_service *o, enum key k, struct span v)
{
	uint64_t n;
	uint16_t off;

	switch (k) {
	case K_EXEC: {
		struct span rest = v, w;
		if (!v.n || v.p[0] != '/')
			return HERD_S8_BAD_VALUE;
		while ((w = word(&rest)).n) {
			if (o->argc == HERD_MAX_ARGS || !(off = store(o, w)))
				return HERD_S9_LIMIT;
			o->argv[o->argc++] = off;
		}
		return 0;
	}
	case K_ARG:
		if (o->argc == 0 || o->argc == HERD_MAX_ARGS || !(off = store(o, v)))
			return HERD_S9_LIMIT;
		o->argv[o->argc++] = off;
		return 0;
	case K_ENV:
		if (!valid_env(v))
			return HERD_S8_BAD_VALUE;
		if (o->envc == HERD_MAX_ENV || !(off = store(o, v)))
			return HERD_S9_LIMIT;
		o->env[o->envc++] = off;
		return 0;
	case K_CWD:
		if (!v.n || v.p[0] != '/')
			return HERD_S8_BAD_VALUE;
		if (!(off = store(o, v)))
			return HERD_S9_LIMIT;
		o->cwd = off;
		return 0;
	case K_AFTER:
		if (!valid_name(v))
			return HERD_S8_BAD_VALUE;
		if (o->nafter == HERD_MAX_AFTER || !(off = store(o, v)))
			return HERD_S9_LIMIT;
		o->after[o->nafter++] = off;
		return 0;
	case K_RESTART:
		if (span_is(v, "always"))
			o->restart = HERD_RESTART_ALWAYS;
		else if (span_is(v, "on-failure"))
			o->restart = HERD_RESTART_ON_FAILURE;
		else if (span_is(v, "never"))
			o->restart = HERD_RESTART_NEVER;
		else
			return HERD_S8_BAD_VALUE;
		return 0;
	case K_BINIT:
		return parse_time(v, &o->backoff_initial_ms) ? 0 : HERD_S8_BAD_VALUE;
	case K_BMAX:
		return parse_time(v, &o->backoff_max_ms) && o->backoff_max_ms ?
		       0 : HERD_S8_BAD_VALUE;
	case K_STABLE:
		return parse_time(v, &o->stable_ms) ? 0 : HERD_S8_BAD_VALUE;
	case K_GWIN:
		return parse_time(v, &o->giveup_window_ms) && o->giveup_window_ms ?
		       0 : HERD_S8_BAD_VALUE;
	case K_STOPTO:
		return parse_time(v, &o->stop_timeout_ms) ? 0 : HERD_S8_BAD_VALUE;
	case K_BMULT:
		return parse_mult(v, &o->mult_pct) ? 0 : HERD_S8_BAD_VALUE;
	case K_BJIT:
		if (!number(v, &n) || n > 100)
			return HERD_S8_BAD_VALUE;
		o->jitter_pct = (uint32_t)n;
		return 0;
	case K_GCOUNT:
		if (!number(v, &n) || n > 1000000)
			return HERD_S8_BAD_VALUE;
		o->giveup_count = (uint32_t)n;
		return 0;
	case K_LOGMAX:
		return parse_size(v, &o->log_max) ? 0 : HERD_S8_BAD_VALUE;
	case K_LOGKEEP:
		if (!number(v, &n) || n > HERD_KEEP_MAX)
			return HERD_S8_BAD_VALUE;
		o->log_keep = (uint32_t)n;
		return 0;
	case K_STOPSIG:
		return parse_signal(v, &o->stop_signal) ? 0 : HERD_S8_BAD_VALUE;
	default:
		return HERD_S6_UNKNOWN_KEY;
	}
}

static int repeats(enum key k)
{
	return k == K_ARG || k == K_ENV || k == K_AFTER;
}

/* S3..S9 for one line (without its '\n'); *seen tracks single keys. */
static int parse_line(struct herd_service *o, struct span line, uint32_t *seen)
{
	struct span t, key, val;
	size_t eq;
	int k;

	for (size_t i = 0; i < line.n; i++) {
		uint8_t c = line.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return HERD_S3_CONTROL;
	}
	if (line.n > HERD_LINE_MAX)
		return HERD_S4_LONG_LINE;
	t = trim(line);
	if (t.n == 0 || t.p[0] == '#')
		return 0;
	for (eq = 0; eq < t.n && t.p[eq] != '='; eq++)
		;
	if (eq == t.n)
		return HERD_S5_NO_EQUALS;
	key = trim((struct span){ t.p, eq });
	val = trim((struct span){ t.p + eq + 1, t.n - eq - 1 });
	for (k = 0; k < K_NKEYS; k++)
		if (span_is(key, key_names[k]))
			break;
	if (k == K_NKEYS)
		return HERD_S6_UNKNOWN_KEY;
	if (!repeats(k) && (*seen & (1u << k)))
		return HERD_S7_DUPLICATE;
	*seen |= 1u << k;
	return apply(o, (enum key)k, val);
}

int c_herd_parse_service(const uint8_t *buf, size_t len, struct herd_service *out,
			 struct herd_parse_error *err)
{
	static struct herd_service o;	/* herd is single-threaded; 4 KiB off the stack */
	uint32_t seen = 0, lineno = 0;
	size_t at = 0;
	int check = 0;

	if ((!buf && len) || !out || !err)
		return -EINVAL;
	if (len > HERD_FILE_MAX) {
		*err = (struct herd_parse_error){ HERD_S2_TOO_BIG, 0 };
		return -EBADMSG;
	}
	memset(&o, 0, sizeof(o));
	o.restart = HERD_RESTART_ALWAYS;
	o.backoff_initial_ms = HERD_DEF_BACKOFF_INITIAL_MS;
	o.backoff_max_ms = HERD_DEF_BACKOFF_MAX_MS;
	o.mult_pct = HERD_DEF_MULT_PCT;
	o.jitter_pct = HERD_DEF_JITTER_PCT;
	o.stable_ms = HERD_DEF_STABLE_MS;
	o.giveup_count = HERD_DEF_GIVEUP_COUNT;
	o.giveup_window_ms = HERD_DEF_GIVEUP_WINDOW_MS;
	o.log_max = HERD_DEF_LOG_MAX;
	o.log_keep = HERD_DEF_LOG_KEEP;
	o.stop_signal = HERD_DEF_STOP_SIGNAL;
	o.stop_timeout_ms = HERD_DEF_STOP_TIMEOUT_MS;
	o.strings_len = 1;

	while (at < len) {
		size_t end = at;
		while (end < len && buf[end] != '\n')
			end++;
		lineno++;
		check = parse_line(&o, (struct span){ buf + at, end - at }, &seen);
		if (check) {
			*err = (struct herd_parse_error){ (uint32_t)check, lineno };
			return -EBADMSG;
		}
		at = end + 1;
	}
	if (o.argc == 0)
		check = HERD_S10_NO_EXEC;
	else if (o.backoff_initial_ms > o.backoff_max_ms)
		check = HERD_S11_BACKOFF_ORDER;
	if (check) {
		*err = (struct herd_parse_error){ (uint32_t)check, 0 };
		return -EBADMSG;
	}
	memcpy(out, &o, sizeof(o));
	return 0;
}

/* ---- the restart decision */

static int policy_ok(const struct herd_service *s)
{
	return s->restart <= HERD_RESTART_NEVER && s->mult_pct >= 100 &&
	       s->mult_pct <= 1000 && s->jitter_pct <= 100 &&
	       s->giveup_count <= 1000000 && s->backoff_max_ms &&
	       s->giveup_window_ms && s->backoff_initial_ms <= s->backoff_max_ms;
}

static int run_ok(const struct herd_run *r)
{
	if (r->pad || r->started_ms > r->now_ms || r->window_start_ms > r->now_ms)
		return 0;
	if (r->how == HERD_EXIT_CODE)
		return r->code >= 0 && r->code <= 255;
	if (r->how == HERD_EXIT_SIGNAL)
		return r->code >= 1 && r->code <= 64;
	return 0;
}

int c_herd_decide_restart(const struct herd_service *svc, const struct herd_run *run,
			  struct herd_decision *out)
{
	struct herd_decision d = { 0 };
	uint64_t now, base;
	uint32_t c, w;

	if (!svc || !run || !out)
		return -EINVAL;
	if (!policy_ok(svc) || !run_ok(run))
		return -EINVAL;
	now = run->now_ms;
	c = run->consecutive;
	w = run->window_count;
	d.window_start_ms = run->window_start_ms;
	if (now - run->started_ms >= svc->stable_ms) {
		c = 0;
		w = 0;
		d.window_start_ms = now;
	}
	d.at_ms = now;
	if (svc->restart == HERD_RESTART_NEVER ||
	    (svc->restart == HERD_RESTART_ON_FAILURE && run->how == HERD_EXIT_CODE &&
	     run->code == 0)) {
		d.action = HERD_ACT_NONE;
		goto done;
	}
	if (w == 0 || now - d.window_start_ms >= svc->giveup_window_ms) {
		d.window_start_ms = now;
		w = 0;
	}
	if (w != UINT32_MAX)
		w++;
	if (svc->giveup_count && w > svc->giveup_count) {
		d.action = HERD_ACT_FAIL;
		goto done;
	}
	base = svc->backoff_initial_ms;
	/* at most ~2000 turns: a base that no longer grows (multiplier 100%,
	 * or too small for 1%) never will, and c may be 2^32 - 1 (the
	 * fuzzer's 40 s decision) */
	for (uint32_t i = 0; i < c && base < svc->backoff_max_ms; i++) {
		uint64_t next = base * svc->mult_pct / 100;
		if (next <= base)
			break;
		base = next;
	}
	if (base > svc->backoff_max_ms)
		base = svc->backoff_max_ms;
	d.delay_ms = base + base * svc->jitter_pct * (run->random % 1001) / 100000;
	if (c != UINT32_MAX)
		c++;
	d.action = HERD_ACT_RESTART;
	d.at_ms = now + d.delay_ms < now ? UINT64_MAX : now + d.delay_ms;
done:
	d.consecutive = c;
	d.window_count = w;
	*out = d;
	return 0;
}

/* ---- the rotation decision */

int c_herd_decide_write(uint64_t size, uint64_t len, uint64_t limit, uint32_t keep,
			struct herd_write *out)
{
	struct herd_write w = { 0 };

	if (!out)
		return -EINVAL;
	if (limit < HERD_LOG_MIN || limit > HERD_LOG_MAX || keep > HERD_KEEP_MAX)
		return -EINVAL;
	if (size > limit)
		w.action = HERD_W_ROTATE;
	else if (len <= limit - size)
		w.n = len;
	else if (size == 0)
		w.n = limit;
	else
		w.action = HERD_W_ROTATE;
	*out = w;
	return 0;
}
