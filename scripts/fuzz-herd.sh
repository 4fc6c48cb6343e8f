#!/bin/bash
# scripts/fuzz-herd.sh SECONDS OUT.tap
#
# Differential fuzzing of herd's policy core: userspace/herd/test/fuzz.c
# (libFuzzer, clang, ASan + UBSan) runs every input through the C fallback
# (userspace/herd/policy.c) and the Rust component (rust/herd) and traps
# on any difference. Seeds: the vectors in userspace/herd/vectors (with a
# leading 0: "parse this file") and a few decision inputs. The Rust
# staticlib is built with sanitizer coverage and overflow checks in
# build/fuzz-herd/cargo (else target/release/liballoy_herd.a as it is).
# Writes one TAP line to OUT.tap; a failure is in the TAP (exit 0), a
# missing tool exits 2. Reproduce: build/fuzz-herd/herd_diff PATH.
set -u
if [ $# -ne 2 ] || ! [ "$1" -gt 0 ] 2> /dev/null; then
	echo "usage: $0 SECONDS OUT.tap" >&2
	exit 2
fi
DURATION=$1
case $2 in /*) OUT=$2 ;; *) OUT=$PWD/$2 ;; esac
cd "$(dirname "$0")/.." || exit 2
B=build/fuzz-herd
mkdir -p "$(dirname "$OUT")" $B
result() { echo "$1 1 fuzz-herd: $2" > "$OUT"; echo "fuzz-herd: $1: $2"; }
missing() { echo "fuzz-herd: missing $1 -- $2" >&2; result "not ok" "tool missing: $1 ($2)"; exit 2; }

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	if command -v clang-14 > /dev/null; then CLANG=clang-14
	elif command -v clang > /dev/null; then CLANG=clang
	else missing clang "apt-get install clang-14 libclang-rt-14-dev"
	fi
fi

LIB=target/release/liballoy_herd.a
if [ -z "${ALLOY_NO_CARGO:-}" ]; then
	SANCOV="-C passes=sancov-module -C llvm-args=-sanitizer-coverage-level=4
		-C llvm-args=-sanitizer-coverage-inline-8bit-counters
		-C llvm-args=-sanitizer-coverage-pc-table
		-C llvm-args=-sanitizer-coverage-trace-compares -C overflow-checks"
	if RUSTC=/usr/bin/rustc CARGO_TARGET_DIR=$B/cargo RUSTFLAGS="$(echo $SANCOV)" \
		/usr/bin/cargo build --offline --release -q -p alloy-herd > $B/cargo.log 2>&1; then
		LIB=$B/cargo/release/liballoy_herd.a
	else
		echo "fuzz-herd: instrumented Rust build failed ($B/cargo.log); using the plain one"
		RUSTC=/usr/bin/rustc /usr/bin/cargo build --offline --release -q -p alloy-herd \
			>> $B/cargo.log 2>&1
	fi
fi
[ -f "$LIB" ] || { result "not ok" "no Rust staticlib ($LIB) # see $B/cargo.log"; exit 0; }

if ! "$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-o $B/herd_diff userspace/herd/test/fuzz.c userspace/herd/policy.c "$LIB" \
	-Wl,--gc-sections -lpthread -ldl -lm > $B/build.log 2>&1; then
	cat $B/build.log
	result "not ok" "build the fuzzer # see $B/build.log"
	exit 0
fi

rm -rf $B/seeds $B/corpus $B/artifacts
mkdir -p $B/seeds $B/corpus $B/artifacts
for f in userspace/herd/vectors/*.service; do
	{ printf '\x00'; head -c 17000 "$f"; } > "$B/seeds/$(basename "$f")"
done
printf '\x01\x00\x00\x00\x00\x64\x00\x00\x00\x20\x03\x00\x00\xc8\x00\x00\x00' > $B/seeds/restart
printf '\x02\xa0\x0f\x00\x00\x00\x00\x00\x00\x60\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00' > $B/seeds/write
cat > $B/herd.dict <<'DICT'
"exec=/"
"arg="
"env=A=1"
"cwd=/"
"restart=on-failure"
"backoff_initial="
"backoff_max="
"backoff_multiplier=1.5"
"backoff_jitter="
"stable_after="
"giveup_count="
"giveup_window="
"log_max=64K"
"log_keep="
"stop_signal=TERM"
"stop_timeout="
"after="
"ms"
"4294967295"
"\x0a"
DICT

echo "fuzz-herd: fuzzing C against Rust for $DURATION s"
start=$(date +%s)
timeout -s KILL $((DURATION + 120)) $B/herd_diff -max_len=17000 \
	-max_total_time="$DURATION" -timeout=10 -print_final_stats=1 \
	-dict=$B/herd.dict -artifact_prefix=$B/artifacts/ \
	$B/corpus $B/seeds > $B/fuzz.log 2>&1
st=$?
secs=$(($(date +%s) - start))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' $B/fuzz.log | tail -1)
execs=${execs:-0}
repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' $B/fuzz.log | tail -1)
if [ $st -eq 0 ] && [ -z "$repro" ] && [ "$execs" -gt 0 ]; then
	result ok "$execs execs in $secs s, no difference"
else
	grep -E 'ERROR|SUMMARY|deadly signal' $B/fuzz.log | head -20
	result "not ok" "exit status $st after $execs execs in $secs s # reproducer at ${repro:-none (see $B/fuzz.log)}"
fi
exit 0
