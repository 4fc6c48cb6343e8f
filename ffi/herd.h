/*
 * The policy core of herd, the service supervisor: the contract that the C
 * fallback (userspace/herd/policy.c, symbols c_herd_*) and the Rust
 * component (rust/herd, symbols rust_herd_*) both satisfy, bit for bit.
 * userspace/herd/select.c picks one when herd starts (ABI version, then a
 * self-test against the C fallback); herd calls the herd_* wrappers there
 * and never a given implementation.
 *
 * Rules (DESIGN §5, as ffi/elf.h): inputs are (pointer, length) pairs or
 * const structs read only during the call; outputs are written only when
 * the call returns 0 (the parser's *err only when it returns -EBADMSG);
 * results are 0 or a negative errno. No allocation, no panic, whatever the
 * bytes.
 *
 * ---- herd_parse_service(buf, len, out, err): a service file.
 * One setting a line, KEY=VALUE. Lines end at '\n' (the last may lack
 * it). Blank lines (spaces and tabs only) and lines whose first non-blank
 * byte is '#' are skipped. KEY and VALUE are trimmed of spaces and tabs at
 * both ends. Keys (R: may repeat, else at most once):
 *   exec=PATH WORD...    argv: split on spaces/tabs, no quoting; PATH
 *                        starts with '/'
 *   arg=TEXT         R   one more argument, verbatim (may hold spaces);
 *                        only after exec=
 *   env=NAME=VALUE   R   NAME non-empty, [A-Za-z0-9_], not starting with
 *                        a digit
 *   cwd=PATH             starts with '/'
 *   restart=always|on-failure|never
 *   backoff_initial=TIME backoff_max=TIME stable_after=TIME
 *   giveup_window=TIME stop_timeout=TIME
 *                        TIME: decimal digits, then nothing or "ms"
 *                        (milliseconds), "s" or "m"; the result in ms
 *                        must fit 32 bits (stop_timeout, backoff_initial
 *                        and stable_after may be 0; backoff_max,
 *                        giveup_window not)
 *   backoff_multiplier=D[.D[D]]   1.00 .. 10.00, stored in hundredths
 *   backoff_jitter=N     percent, 0..100
 *   giveup_count=N       0..1000000; 0: never give up
 *   log_max=SIZE         decimal digits then nothing, "K" or "M" (1024,
 *                        1048576), HERD_LOG_MIN .. HERD_LOG_MAX bytes
 *   log_keep=N           0..HERD_KEEP_MAX rotated files
 *   stop_signal=NAME|N   HUP INT QUIT KILL USR1 USR2 TERM, or 1..64
 *   after=NAME       R   a service name: 1..HERD_NAME_MAX-1 bytes of
 *                        [A-Za-z0-9_.-]
 * Decimal numbers have 1..10 digits and no sign.
 *
 * The checks, in order (the first failing one decides; on a file error
 * *err = { check, line } with the 1-based line, 0 for S2, S10, S11):
 *  S1  buf (when len > 0), out or err NULL                -EINVAL
 *  S2  len > HERD_FILE_MAX                                 -EBADMSG
 *  then each line in order, each line's checks in order:
 *  S3  a byte 0x00-0x1f other than tab, or 0x7f            -EBADMSG
 *  S4  longer than HERD_LINE_MAX bytes (without its '\n')
 *  S5  not blank, not a comment, and no '='
 *  S6  an unknown key (or an empty one)
 *  S7  a non-repeating key given a second time
 *  S8  a value not as described above
 *  S9  a limit: argv over HERD_MAX_ARGS words, env over HERD_MAX_ENV,
 *      after over HERD_MAX_AFTER, the strings over HERD_STR_MAX bytes,
 *      or arg= before exec=
 *  after the last line:
 *  S10 no exec=
 *  S11 backoff_initial > backoff_max
 *  then out = the settings, defaults (HERD_DEF_*) where a key is absent;
 *  strings (argv words, env entries, after names, cwd) are stored NUL-
 *  terminated in strings[] in file order from offset 1 (strings[0] is 0,
 *  the empty string, which cwd points at when absent); argv[], env[],
 *  after[] hold their offsets; unused slots, the rest of strings[] and
 *  all pads are zero.
 *
 * ---- herd_decide_restart(svc, run, out): a service's run just ended.
 *  D1  svc, run or out NULL                                -EINVAL
 *  D2  svc's policy out of the parser's ranges: restart > 2, multiplier
 *      not 100..1000, jitter > 100, giveup_count > 1000000, backoff_max
 *      or giveup_window 0, backoff_initial > backoff_max    -EINVAL
 *  D3  run: how not HERD_EXIT_CODE/HERD_EXIT_SIGNAL, code out of 0..255
 *      (exit) or 1..64 (signal), started_ms or window_start_ms > now_ms,
 *      pad not 0                                            -EINVAL
 *  then, with c = run->consecutive, w = run->window_count,
 *  ws = run->window_start_ms, now = run->now_ms:
 *  1. stable: now - started_ms >= stable_after_ms  =>  c = 0, w = 0,
 *     ws = now.
 *  2. no restart wanted (restart=never, or on-failure and an exit with
 *     code 0): action NONE, delay 0, at = now, the counters of step 1.
 *  3. give-up window: if w == 0 or now - ws >= giveup_window_ms then
 *     ws = now, w = 0; w = w + 1 (saturating). If giveup_count != 0 and
 *     w > giveup_count: action FAIL, delay 0, at = now.
 *  4. base = backoff_initial_ms; c times: base = base * mult / 100,
 *     stopping early once base >= backoff_max_ms; base = min(base,
 *     backoff_max_ms). delay = base + base * jitter * (random % 1001) /
 *     100000 (64-bit, cannot overflow). c = c + 1 (saturating).
 *     action RESTART, at = now + delay (saturating).
 *  out = { action, c, w, 0, ws, delay, at }.
 *
 * ---- herd_decide_write(size, len, limit, keep, out): len bytes (one
 * formatted log line, or what is left of it) are to go to a log file that
 * holds size bytes.
 *  W1  out NULL                                            -EINVAL
 *  W2  limit not HERD_LOG_MIN..HERD_LOG_MAX, keep > HERD_KEEP_MAX
 *                                                          -EINVAL
 *  then: size > limit                  => ROTATE, n = 0
 *        size + len <= limit            => APPEND, n = len
 *        size == 0                      => APPEND, n = limit (the line is
 *                                          split; ask again for the rest)
 *        otherwise                      => ROTATE, n = 0
 *  ROTATE means: NAME.log.(keep-1) -> NAME.log.keep, ..., NAME.log ->
 *  NAME.log.1 (keep 0: truncate NAME.log), size = 0, then ask again. So a
 *  service's files never hold more than (keep + 1) * limit bytes.
 */
#ifndef FFI_HERD_H
#define FFI_HERD_H

#include <stddef.h>
#include <stdint.h>

#define HERD_ABI_VERSION 1

#define HERD_FILE_MAX 16384		/* bytes of a service file */
#define HERD_LINE_MAX 1024
#define HERD_MAX_ARGS 32		/* argv words, PATH included */
#define HERD_MAX_ENV 32
#define HERD_MAX_AFTER 8
#define HERD_STR_MAX 4096		/* strings[], offset 0 included */
#define HERD_NAME_MAX 32		/* NUL included */
#define HERD_LOG_MIN 4096ull
#define HERD_LOG_MAX (1ull << 30)
#define HERD_KEEP_MAX 16

#define HERD_RESTART_ALWAYS 0
#define HERD_RESTART_ON_FAILURE 1
#define HERD_RESTART_NEVER 2

#define HERD_DEF_BACKOFF_INITIAL_MS 1000
#define HERD_DEF_BACKOFF_MAX_MS 60000
#define HERD_DEF_MULT_PCT 200
#define HERD_DEF_JITTER_PCT 10
#define HERD_DEF_STABLE_MS 10000
#define HERD_DEF_GIVEUP_COUNT 5
#define HERD_DEF_GIVEUP_WINDOW_MS 60000
#define HERD_DEF_LOG_MAX (1ull << 20)
#define HERD_DEF_LOG_KEEP 3
#define HERD_DEF_STOP_SIGNAL 15
#define HERD_DEF_STOP_TIMEOUT_MS 5000

/* The check numbers in herd_parse_error.check. */
#define HERD_S2_TOO_BIG 2
#define HERD_S3_CONTROL 3
#define HERD_S4_LONG_LINE 4
#define HERD_S5_NO_EQUALS 5
#define HERD_S6_UNKNOWN_KEY 6
#define HERD_S7_DUPLICATE 7
#define HERD_S8_BAD_VALUE 8
#define HERD_S9_LIMIT 9
#define HERD_S10_NO_EXEC 10
#define HERD_S11_BACKOFF_ORDER 11

#define HERD_EXIT_CODE 1
#define HERD_EXIT_SIGNAL 2

#define HERD_ACT_NONE 0
#define HERD_ACT_RESTART 1
#define HERD_ACT_FAIL 2

#define HERD_W_APPEND 0
#define HERD_W_ROTATE 1

/* 4312 bytes, every byte a named field (no implicit padding). */
struct herd_service {
	uint32_t restart;		/* HERD_RESTART_* */
	uint32_t argc;			/* >= 1 */
	uint32_t envc;
	uint32_t nafter;
	uint32_t backoff_initial_ms;
	uint32_t backoff_max_ms;
	uint32_t mult_pct;		/* 100..1000 */
	uint32_t jitter_pct;		/* 0..100 */
	uint32_t stable_ms;
	uint32_t giveup_count;
	uint32_t giveup_window_ms;
	uint32_t log_keep;
	uint64_t log_max;
	uint32_t stop_signal;		/* 1..64 */
	uint32_t stop_timeout_ms;
	uint16_t argv[HERD_MAX_ARGS];	/* offsets into strings */
	uint16_t env[HERD_MAX_ENV];
	uint16_t after[HERD_MAX_AFTER];
	uint16_t cwd;			/* 0: none */
	uint16_t strings_len;		/* bytes used, offset 0 included */
	uint32_t pad;
	char strings[HERD_STR_MAX];
};

struct herd_parse_error {
	uint32_t check;			/* HERD_S* */
	uint32_t line;			/* 1-based; 0: the whole file */
};

struct herd_run {
	uint64_t now_ms;		/* a monotonic clock */
	uint64_t started_ms;		/* when the run that ended started */
	uint64_t window_start_ms;	/* from the last decision (0 at first) */
	uint32_t consecutive;		/* from the last decision */
	uint32_t window_count;		/* from the last decision */
	uint32_t how;			/* HERD_EXIT_CODE or HERD_EXIT_SIGNAL */
	int32_t code;			/* exit status, or the signal */
	uint32_t random;		/* 32 random bits for the jitter */
	uint32_t pad;
};

struct herd_decision {
	uint32_t action;		/* HERD_ACT_* */
	uint32_t consecutive;
	uint32_t window_count;
	uint32_t pad;
	uint64_t window_start_ms;
	uint64_t delay_ms;
	uint64_t at_ms;			/* restart at (monotonic ms) */
};

struct herd_write {
	uint32_t action;		/* HERD_W_* */
	uint32_t pad;
	uint64_t n;			/* bytes to append now */
};

/* The C fallback (userspace/herd/policy.c). */
uint32_t c_herd_abi_version(void);
int c_herd_parse_service(const uint8_t *buf, size_t len, struct herd_service *out,
			 struct herd_parse_error *err);
int c_herd_decide_restart(const struct herd_service *svc, const struct herd_run *run,
			  struct herd_decision *out);
int c_herd_decide_write(uint64_t size, uint64_t len, uint64_t limit, uint32_t keep,
			struct herd_write *out);

/* The Rust component (FFI=1 only; rust/herd). */
uint32_t rust_herd_abi_version(void);
int rust_herd_parse_service(const uint8_t *buf, size_t len, struct herd_service *out,
			    struct herd_parse_error *err);
int rust_herd_decide_restart(const struct herd_service *svc, const struct herd_run *run,
			     struct herd_decision *out);
int rust_herd_decide_write(uint64_t size, uint64_t len, uint64_t limit, uint32_t keep,
			   struct herd_write *out);

#endif
