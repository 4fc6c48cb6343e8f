/*
 * herd's policy vectors through the C fallback and, built with -DWITH_RUST,
 * the Rust component (scripts/test-herd-ffi.sh):
 *  - every file in userspace/herd/vectors/ with its recorded result
 *    (expected.txt: check and line; every check S2..S11 has an input that
 *    only it rejects), and every prefix of each file through both;
 *  - the restart schedule and the rotation rule on recorded cases, and a
 *    grid of restart and write decisions through both, byte for byte;
 *  - the NULL checks (S1, D1, W1);
 *  - the layout cbindgen derives from the Rust structs
 *    (ffi/generated/herd_rs.h) against the contract's.
 * Prints TAP ("ok N - text").
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* both headers declare rust_herd_*, with different struct names: the
 * generated declarations are renamed so that both can be seen */
#define rust_herd_abi_version gen_rust_herd_abi_version
#define rust_herd_parse_service gen_rust_herd_parse_service
#define rust_herd_decide_restart gen_rust_herd_decide_restart
#define rust_herd_decide_write gen_rust_herd_decide_write
#include "../../../ffi/generated/herd_rs.h"
#undef rust_herd_abi_version
#undef rust_herd_parse_service
#undef rust_herd_decide_restart
#undef rust_herd_decide_write
#include "../../../ffi/herd.h"

static int n, failed;

static void ok(int cond, const char *fmt, const char *arg)
{
	n++;
	printf("%s %d - ", cond ? "ok" : "not ok", n);
	printf(fmt, arg);
	printf("\n");
	failed += !cond;
}

typedef int (*parse_fn)(const uint8_t *, size_t, struct herd_service *,
			struct herd_parse_error *);
typedef int (*restart_fn)(const struct herd_service *, const struct herd_run *,
			  struct herd_decision *);
typedef int (*write_fn)(uint64_t, uint64_t, uint64_t, uint32_t, struct herd_write *);

struct impl {
	const char *name;
	parse_fn parse;
	restart_fn restart;
	write_fn write;
};

static struct impl impls[2] = {
	{ "C", c_herd_parse_service, c_herd_decide_restart, c_herd_decide_write },
#ifdef WITH_RUST
	{ "Rust", rust_herd_parse_service, rust_herd_decide_restart, rust_herd_decide_write },
#endif
};
#ifdef WITH_RUST
#define NIMPL 2
#else
#define NIMPL 1
#endif

static struct herd_service sv[2];
static struct herd_parse_error er[2];
static int rc[2];

static void parse_all(const uint8_t *buf, size_t len)
{
	for (int i = 0; i < NIMPL; i++) {
		memset(&sv[i], 0xa5, sizeof(sv[i]));
		memset(&er[i], 0xa5, sizeof(er[i]));
		rc[i] = impls[i].parse(buf, len, &sv[i], &er[i]);
	}
}

static int agree(void)
{
	return NIMPL < 2 || (rc[0] == rc[1] && !memcmp(&sv[0], &sv[1], sizeof(sv[0])) &&
			     !memcmp(&er[0], &er[1], sizeof(er[0])));
}

static void vectors(const char *dir)
{
	char path[512], line[256], name[128];
	static uint8_t buf[HERD_FILE_MAX + 64];
	FILE *ex;
	int seen[12] = { 0 }, prefixes_agree = 1;

	snprintf(path, sizeof(path), "%s/expected.txt", dir);
	ex = fopen(path, "r");
	ok(ex != NULL, "%s/expected.txt opens", dir);
	while (ex && fgets(line, sizeof(line), ex)) {
		unsigned check, lineno;
		if (line[0] == '#' || sscanf(line, "%127s %u %u", name, &check, &lineno) != 3)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		FILE *f = fopen(path, "rb");
		size_t len = f ? fread(buf, 1, sizeof(buf), f) : 0;
		if (f)
			fclose(f);
		parse_all(buf, len);
		for (int i = 0; i < NIMPL; i++) {
			char what[200];
			int good = check == 0 ? rc[i] == 0 :
				   rc[i] == -EBADMSG && er[i].check == check && er[i].line == lineno;
			snprintf(what, sizeof(what), "%s: %s gives check %u line %u", impls[i].name,
				 name, check, lineno);
			ok(f && good, "%s", what);
			if (!good)
				printf("# got rc %d check %u line %u\n", rc[i], er[i].check, er[i].line);
		}
		ok(agree(), "%s: C and Rust agree byte for byte", name);
		if (check < 12 && !strncmp(name, "s", 1))
			seen[check]++;
		for (size_t k = 0; k < len; k++) {
			parse_all(buf, k);
			prefixes_agree &= agree();
		}
	}
	if (ex)
		fclose(ex);
	for (unsigned c = 2; c <= 11; c++) {
		char what[64];
		snprintf(what, sizeof(what), "check S%u has a vector only it rejects", c);
		ok(seen[c] > 0, "%s", what);
	}
	ok(prefixes_agree, "%s", "every prefix of every vector: C and Rust agree");
}

static void decisions(void)
{
	const char *cfg = "exec=/x\nbackoff_initial=100\nbackoff_max=800\nbackoff_jitter=0\n"
			  "giveup_count=5\ngiveup_window=1m\nstable_after=10s\n";
	static const uint64_t want[] = { 100, 200, 400, 800, 800 };
	struct herd_service s;
	struct herd_parse_error e;

	for (int i = 0; i < NIMPL; i++) {
		struct herd_decision d = { 0 };
		uint64_t now = 1000;
		int good = impls[i].parse((const uint8_t *)cfg, strlen(cfg), &s, &e) == 0;
		for (int k = 0; k < 6 && good; k++) {
			struct herd_run r = { .now_ms = now, .started_ms = now,
					      .window_start_ms = d.window_start_ms,
					      .consecutive = d.consecutive,
					      .window_count = d.window_count,
					      .how = HERD_EXIT_CODE, .code = 1 };
			good &= impls[i].restart(&s, &r, &d) == 0;
			if (k < 5)
				good &= d.action == HERD_ACT_RESTART && d.delay_ms == want[k] &&
					d.at_ms == now + want[k];
			else
				good &= d.action == HERD_ACT_FAIL;
			now = d.at_ms;
		}
		ok(good, "%s: schedule 100 200 400 800 800, then FAIL", impls[i].name);

		/* stable run resets; on-failure and exit 0 does not restart */
		struct herd_run r = { .now_ms = 50000, .started_ms = 30000, .consecutive = 4,
				      .window_count = 4, .how = HERD_EXIT_SIGNAL, .code = 9 };
		good = impls[i].restart(&s, &r, &d) == 0 && d.action == HERD_ACT_RESTART &&
		       d.delay_ms == 100 && d.consecutive == 1 && d.window_count == 1;
		ok(good, "%s: a stable run resets the backoff", impls[i].name);
		s.restart = HERD_RESTART_ON_FAILURE;
		r.how = HERD_EXIT_CODE;
		r.code = 0;
		ok(impls[i].restart(&s, &r, &d) == 0 && d.action == HERD_ACT_NONE,
		   "%s: on-failure, exit 0: no restart", impls[i].name);
		s.restart = HERD_RESTART_ALWAYS;
		r.code = 256;
		ok(impls[i].restart(&s, &r, &d) == -EINVAL, "%s: D3 exit code 256", impls[i].name);
		r.code = 1;
		s.mult_pct = 1001;
		ok(impls[i].restart(&s, &r, &d) == -EINVAL, "%s: D2 multiplier", impls[i].name);
		s.mult_pct = 200;
		ok(impls[i].restart(NULL, &r, &d) == -EINVAL && impls[i].restart(&s, &r, NULL) == -EINVAL,
		   "%s: D1 NULL", impls[i].name);
		/* a multiplier of 100% with 2^32 - 1 restarts behind: one
		 * decision, not 2^32 turns of the backoff loop (the fuzzer's
		 * 40 s input) */
		s.mult_pct = 100;
		r.started_ms = r.now_ms;
		r.consecutive = UINT32_MAX - 1;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		good = impls[i].restart(&s, &r, &d) == 0 && d.delay_ms == 100;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ok(good && t1.tv_sec - t0.tv_sec < 2, "%s: mult 100%%, 2^32 restarts: at once",
		   impls[i].name);
		s.mult_pct = 200;
		/* jitter: random 1000 of 1001 at 10% */
		s.jitter_pct = 10;
		r.random = 1000;
		r.started_ms = r.now_ms;
		r.consecutive = 0;
		ok(impls[i].restart(&s, &r, &d) == 0 && d.delay_ms == 110, "%s: full jitter +10%%",
		   impls[i].name);
		s.jitter_pct = 0;

		struct herd_write w;
		ok(impls[i].write(4000, 96, 4096, 1, &w) == 0 && w.action == HERD_W_APPEND &&
		   w.n == 96, "%s: a line that fits is appended", impls[i].name);
		ok(impls[i].write(4000, 97, 4096, 1, &w) == 0 && w.action == HERD_W_ROTATE,
		   "%s: one that does not rotates first", impls[i].name);
		ok(impls[i].write(0, 10000, 4096, 0, &w) == 0 && w.n == 4096,
		   "%s: a line longer than the limit is split", impls[i].name);
		ok(impls[i].write(0, 1, 4096, 17, &w) == -EINVAL &&
		   impls[i].write(0, 1, 4095, 1, &w) == -EINVAL &&
		   impls[i].write(0, 1, 4096, 1, NULL) == -EINVAL, "%s: W1, W2", impls[i].name);
		ok(impls[i].parse(NULL, 1, &s, &e) == -EINVAL &&
		   impls[i].parse((const uint8_t *)"", 0, NULL, &e) == -EINVAL &&
		   impls[i].parse(NULL, 0, &s, NULL) == -EINVAL, "%s: S1 NULL", impls[i].name);
	}
#ifdef WITH_RUST
	/* a grid, byte for byte */
	int same = 1;
	impls[0].parse((const uint8_t *)cfg, strlen(cfg), &s, &e);
	for (uint32_t jit = 0; jit <= 100; jit += 50)
		for (uint32_t how = 0; how <= 3; how++)
			for (int32_t code = -1; code <= 300; code += 37)
				for (uint32_t c = 0; c < 70; c += 7)
					for (uint64_t now = 0; now < 400000; now += 23000) {
						struct herd_run r = {
							.now_ms = now, .started_ms = now - now / 7,
							.window_start_ms = now / 3, .consecutive = c,
							.window_count = c % 9, .how = how, .code = code,
							.random = (uint32_t)(now * 2654435761u),
						};
						struct herd_decision a, b;
						s.jitter_pct = jit;
						memset(&a, 1, sizeof(a));
						memset(&b, 1, sizeof(b));
						same &= impls[0].restart(&s, &r, &a) == impls[1].restart(&s, &r, &b) &&
							!memcmp(&a, &b, sizeof(a));
					}
	ok(same, "%s", "restart decisions on a grid: C and Rust agree");
	same = 1;
	for (uint64_t size = 0; size < 70000; size += 3001)
		for (uint64_t len = 0; len < 70000; len += 4999)
			for (uint64_t limit = 4000; limit < 70000; limit += 6007)
				for (uint32_t keep = 0; keep <= 17; keep += 17) {
					struct herd_write a, b;
					memset(&a, 1, sizeof(a));
					memset(&b, 1, sizeof(b));
					same &= impls[0].write(size, len, limit, keep, &a) ==
						impls[1].write(size, len, limit, keep, &b) &&
						!memcmp(&a, &b, sizeof(a));
				}
	ok(same, "%s", "write decisions on a grid: C and Rust agree");
	ok(rust_herd_abi_version() == HERD_ABI_VERSION, "%s", "Rust reports HERD_ABI_VERSION");
#endif
}

#define SAME(T, RT, f) (offsetof(struct T, f) == offsetof(struct RT, f))
static void layout(void)
{
	ok(sizeof(struct herd_service) == 4312 && sizeof(struct rs_herd_service) == 4312 &&
	   SAME(herd_service, rs_herd_service, log_max) &&
	   SAME(herd_service, rs_herd_service, argv) && SAME(herd_service, rs_herd_service, cwd) &&
	   SAME(herd_service, rs_herd_service, strings), "%s", "struct herd_service layout");
	ok(sizeof(struct herd_run) == sizeof(struct rs_herd_run) &&
	   SAME(herd_run, rs_herd_run, how) && SAME(herd_run, rs_herd_run, pad) &&
	   sizeof(struct herd_decision) == sizeof(struct rs_herd_decision) &&
	   SAME(herd_decision, rs_herd_decision, at_ms) &&
	   sizeof(struct herd_write) == sizeof(struct rs_herd_write) &&
	   sizeof(struct herd_parse_error) == sizeof(struct rs_herd_parse_error),
	   "%s", "run, decision, write, parse error layouts");
	ok(RS_HERD_ABI_VERSION == HERD_ABI_VERSION && RS_HERD_STR_MAX == HERD_STR_MAX &&
	   RS_HERD_FILE_MAX == HERD_FILE_MAX && RS_HERD_LOG_MAX == HERD_LOG_MAX &&
	   RS_HERD_KEEP_MAX == HERD_KEEP_MAX, "%s", "constants");
}

int main(int argc, char **argv)
{
	vectors(argc > 1 ? argv[1] : "userspace/herd/vectors");
	decisions();
	layout();
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
