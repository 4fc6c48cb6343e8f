/*
 * Which implementation of ffi/herd.h herd uses. With FFI=1 (HERD_FFI=1)
 * the Rust component is linked in and used only if the caller did not ask
 * for C (herd --policy=c, HERD_POLICY=c), it reports HERD_ABI_VERSION and
 * it passes a self-test against the C fallback (herd_selftest below: the
 * same answers, byte for byte, on every check's input and on a grid of
 * restart and write decisions). With FFI=0 there is no Rust at all.
 *
 * Every parse result is also checked before herd uses its offsets (as if
 * the implementation were hostile): a violation switches to the C
 * fallback for good and the call is answered by C.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "herd.h"

struct impl {
	const char *name;
	int (*parse)(const uint8_t *, size_t, struct herd_service *, struct herd_parse_error *);
	int (*restart)(const struct herd_service *, const struct herd_run *,
		       struct herd_decision *);
	int (*write)(uint64_t, uint64_t, uint64_t, uint32_t, struct herd_write *);
};

static const struct impl impl_c = {
	"C", c_herd_parse_service, c_herd_decide_restart, c_herd_decide_write,
};
#if HERD_FFI
static const struct impl impl_rust = {
	"Rust", rust_herd_parse_service, rust_herd_decide_restart, rust_herd_decide_write,
};
#endif
static const struct impl *impl = &impl_c;

#if HERD_FFI
/* The self-test's inputs: one accepted file and one for each check. */
static const char *const selftest_files[] = {
	"exec=/bin/sh -c x\narg=a b\nenv=A=1\ncwd=/\nrestart=on-failure\n"
	"backoff_initial=1\nbackoff_max=9s\nbackoff_multiplier=1.25\nbackoff_jitter=7\n"
	"stable_after=0\ngiveup_count=0\ngiveup_window=1m\nlog_max=1M\nlog_keep=16\n"
	"stop_signal=KILL\nstop_timeout=3s\nafter=x\n",
	"exec=/x\n\x01\n", "exec=/x\nrestart\n", "exec=/x\nno=1\n",
	"exec=/x\nexec=/y\n", "exec=/x\nlog_keep=17\n", "arg=1\nexec=/x\n", "#\n",
	"exec=/x\nbackoff_initial=2\nbackoff_max=1\n", "", "exec=/x",
};

static int same_parse(const struct impl *a, const struct impl *b, const uint8_t *buf,
		      size_t len)
{
	static struct herd_service sa, sb;
	struct herd_parse_error ea, eb;
	int ra, rb;

	memset(&sa, 0xa5, sizeof(sa));
	memset(&sb, 0xa5, sizeof(sb));
	memset(&ea, 0xa5, sizeof(ea));
	memset(&eb, 0xa5, sizeof(eb));
	ra = a->parse(buf, len, &sa, &ea);
	rb = b->parse(buf, len, &sb, &eb);
	return ra == rb && !memcmp(&sa, &sb, sizeof(sa)) && !memcmp(&ea, &eb, sizeof(ea));
}

/* 0 if b agrees with a on every self-test input; else the failing step. */
static int herd_selftest(const struct impl *a, const struct impl *b)
{
	static struct herd_service svc;
	static uint8_t big[HERD_FILE_MAX + 2];
	struct herd_parse_error err;
	int step = 1;

	for (size_t i = 0; i < sizeof(selftest_files) / sizeof(selftest_files[0]); i++, step++)
		if (!same_parse(a, b, (const uint8_t *)selftest_files[i],
				strlen(selftest_files[i])))
			return step;
	memset(big, '#', sizeof(big));
	if (!same_parse(a, b, big, sizeof(big)) || !same_parse(a, b, NULL, 1))
		return step;
	step++;
	if (a->parse((const uint8_t *)selftest_files[0], strlen(selftest_files[0]), &svc, &err))
		return step;
	step++;
	for (uint32_t how = 0; how <= 3; how++)
		for (int32_t code = -1; code <= 65; code += 11)
			for (uint32_t c = 0; c < 40; c += 3)
				for (uint64_t now = 0; now < 200000; now += 17000) {
					struct herd_run r = {
						.now_ms = now, .started_ms = now / 2,
						.window_start_ms = now / 3, .consecutive = c,
						.window_count = c / 2, .how = how, .code = code,
						.random = (uint32_t)(now * 2654435761u + c),
					};
					struct herd_decision da, db;
					memset(&da, 0x5a, sizeof(da));
					memset(&db, 0x5a, sizeof(db));
					if (a->restart(&svc, &r, &da) != b->restart(&svc, &r, &db) ||
					    memcmp(&da, &db, sizeof(da)))
						return step;
				}
	step++;
	for (uint64_t size = 0; size < 8192; size += 1000)
		for (uint64_t len = 0; len < 9000; len += 700)
			for (uint32_t keep = 0; keep <= 17; keep += 4) {
				struct herd_write wa, wb;
				uint64_t limit = 4095 + size / 3;
				memset(&wa, 0x5a, sizeof(wa));
				memset(&wb, 0x5a, sizeof(wb));
				if (a->write(size, len, limit, keep, &wa) !=
				    b->write(size, len, limit, keep, &wb) ||
				    memcmp(&wa, &wb, sizeof(wa)))
					return step;
			}
	return 0;
}
#endif

const char *herd_policy_init(int want_c, int brk, char *why, size_t why_len)
{
	impl = &impl_c;
#if HERD_FFI
	uint32_t v = rust_herd_abi_version() + (brk ? 1 : 0);
	int st;
	if (want_c) {
		snprintf(why, why_len, "C fallback (asked for)");
		return impl->name;
	}
	if (v != HERD_ABI_VERSION) {
		snprintf(why, why_len, "Rust policy reports ABI %u, herd wants %u; using the C fallback",
			 v, HERD_ABI_VERSION);
		return impl->name;
	}
	if ((st = herd_selftest(&impl_c, &impl_rust))) {
		snprintf(why, why_len, "Rust policy failed self-test step %d; using the C fallback",
			 st);
		return impl->name;
	}
	impl = &impl_rust;
	snprintf(why, why_len, "Rust policy (ABI %u, self-test passed)", v);
#else
	(void)want_c;
	(void)brk;
	snprintf(why, why_len, "C policy (built without Rust, FFI=0)");
#endif
	return impl->name;
}

const char *herd_policy_name(void)
{
	return impl->name;
}

/* Offsets inside strings_len, each string NUL-terminated there. */
static int str_ok(const struct herd_service *s, uint16_t off)
{
	return off < s->strings_len && memchr(s->strings + off, 0, s->strings_len - off);
}

static int service_ok(const struct herd_service *s)
{
	if (s->argc < 1 || s->argc > HERD_MAX_ARGS || s->envc > HERD_MAX_ENV ||
	    s->nafter > HERD_MAX_AFTER || s->strings_len > HERD_STR_MAX ||
	    s->log_max < HERD_LOG_MIN || s->log_max > HERD_LOG_MAX ||
	    s->log_keep > HERD_KEEP_MAX || s->stop_signal < 1 || s->stop_signal > 64 ||
	    !str_ok(s, s->cwd))
		return 0;
	for (uint32_t i = 0; i < s->argc; i++)
		if (!str_ok(s, s->argv[i]))
			return 0;
	for (uint32_t i = 0; i < s->envc; i++)
		if (!str_ok(s, s->env[i]))
			return 0;
	for (uint32_t i = 0; i < s->nafter; i++)
		if (!str_ok(s, s->after[i]))
			return 0;
	return 1;
}

static void distrust(const char *what)
{
	if (impl != &impl_c)
		fprintf(stderr, "herd: %s policy gave a bad %s; using the C fallback\n",
			impl->name, what);
	impl = &impl_c;
}

int herd_parse_service(const uint8_t *buf, size_t len, struct herd_service *out,
		       struct herd_parse_error *err)
{
	int rc = impl->parse(buf, len, out, err);

	if ((rc == 0 && !service_ok(out)) || (rc != 0 && rc != -EBADMSG && rc != -EINVAL)) {
		distrust("service");
		rc = impl->parse(buf, len, out, err);
	}
	return rc;
}

int herd_decide_restart(const struct herd_service *svc, const struct herd_run *run,
			struct herd_decision *out)
{
	int rc = impl->restart(svc, run, out);

	if (rc == 0 && (out->action > HERD_ACT_FAIL || out->at_ms < run->now_ms)) {
		distrust("restart decision");
		rc = impl->restart(svc, run, out);
	}
	return rc;
}

int herd_decide_write(uint64_t size, uint64_t len, uint64_t limit, uint32_t keep,
		      struct herd_write *out)
{
	int rc = impl->write(size, len, limit, keep, out);

	if (rc == 0 && (out->action > HERD_W_ROTATE || out->n > len || out->n > limit)) {
		distrust("write decision");
		rc = impl->write(size, len, limit, keep, out);
	}
	return rc;
}
