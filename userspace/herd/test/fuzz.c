/*
 * Differential fuzzing of herd's policy core (scripts/fuzz-herd.sh,
 * libFuzzer, ASan + UBSan): every input goes through the C fallback and
 * the Rust component and any difference traps. The first byte picks what
 * is fuzzed: a service file (the rest of the input), a restart decision
 * (the parsed example policy, its numbers overwritten from the input, and
 * a struct herd_run from the input), or a write decision.
 */
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

#include "../../../ffi/herd.h"

static struct herd_service a, b;

static void cut(const uint8_t **d, size_t *n, void *to, size_t len)
{
	size_t k = *n < len ? *n : len;
	memset(to, 0, len);
	memcpy(to, *d, k);
	*d += k;
	*n -= k;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct herd_parse_error ea, eb;
	int ra, rb;

	if (n < 1)
		return 0;
	uint8_t what = d[0] % 3;
	d++, n--;
	if (what == 0) {
		memset(&a, 0x5a, sizeof(a));
		memset(&b, 0x5a, sizeof(b));
		memset(&ea, 0x5a, sizeof(ea));
		memset(&eb, 0x5a, sizeof(eb));
		ra = c_herd_parse_service(d, n, &a, &ea);
		rb = rust_herd_parse_service(d, n, &b, &eb);
		if (ra != rb || memcmp(&a, &b, sizeof(a)) || memcmp(&ea, &eb, sizeof(ea)))
			abort();
	} else if (what == 1) {
		static const char cfg[] = "exec=/x\n";
		struct herd_run r;
		struct herd_decision da, db;
		uint32_t nums[12];
		c_herd_parse_service((const uint8_t *)cfg, sizeof(cfg) - 1, &a, &ea);
		cut(&d, &n, nums, sizeof(nums));
		/* small values often, so that the checks pass */
		a.restart = nums[0] % 4;
		a.backoff_initial_ms = nums[1] % 5000;
		a.backoff_max_ms = nums[2] & 1 ? nums[2] : nums[2] % 100000;
		a.mult_pct = nums[3] & 1 ? nums[3] : 100 + nums[3] % 901;
		a.jitter_pct = nums[4] % 128;
		a.stable_ms = nums[5];
		a.giveup_count = nums[6] & 1 ? nums[6] : nums[6] % 20;
		a.giveup_window_ms = nums[7];
		cut(&d, &n, &r, sizeof(r));
		memset(&da, 1, sizeof(da));
		memset(&db, 1, sizeof(db));
		ra = c_herd_decide_restart(&a, &r, &da);
		rb = rust_herd_decide_restart(&a, &r, &db);
		if (ra != rb || memcmp(&da, &db, sizeof(da)))
			abort();
	} else {
		uint64_t v[3];
		uint32_t keep;
		struct herd_write wa, wb;
		cut(&d, &n, v, sizeof(v));
		cut(&d, &n, &keep, sizeof(keep));
		memset(&wa, 1, sizeof(wa));
		memset(&wb, 1, sizeof(wb));
		ra = c_herd_decide_write(v[0], v[1], v[2], keep, &wa);
		rb = rust_herd_decide_write(v[0], v[1], v[2], keep, &wb);
		if (ra != rb || memcmp(&wa, &wb, sizeof(wa)))
			abort();
	}
	return 0;
}
