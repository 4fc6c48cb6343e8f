/* herd's own declarations: the policy selection (select.c). */
#ifndef HERD_HERD_H
#define HERD_HERD_H

#include "../../ffi/herd.h"

#ifndef HERD_FFI
#define HERD_FFI 0
#endif

/* Picks the implementation (want_c: --policy=c or HERD_POLICY=c; brk:
 * HERD_POLICY_BREAK=abi pretends the Rust ABI differs, for the test);
 * writes the line herd logs into why; returns "C" or "Rust". */
const char *herd_policy_init(int want_c, int brk, char *why, size_t why_len);
const char *herd_policy_name(void);

/* The wrappers herd calls: ffi/herd.h's contract, checked. */
int herd_parse_service(const uint8_t *buf, size_t len, struct herd_service *out,
		       struct herd_parse_error *err);
int herd_decide_restart(const struct herd_service *svc, const struct herd_run *run,
			struct herd_decision *out);
int herd_decide_write(uint64_t size, uint64_t len, uint64_t limit, uint32_t keep,
		      struct herd_write *out);

#endif
