#!/bin/bash
# scripts/fuzz-elf.sh SECONDS OUT.tap
#
# Differential fuzzing of the ELF parser: tests/fuzz/elf_diff.c (libFuzzer,
# clang, ASan + UBSan) runs every input through the C implementation and the
# Rust component and traps on any difference. The last byte of an input
# picks the struct elf_target it is parsed for (elf_diff.c, pick_target).
# Seeds: the vectors in tests/vectors/elf (cut to -max_len), and each valid
# crafted one (good/) again with one byte appended for each of the other
# targets; the corpus is a scratch directory,
# build/fuzz/corpus, emptied on every run. Writes one TAP line to OUT.tap:
#   ok 1 fuzz-elf: N execs in S s, no difference
#   not ok 1 fuzz-elf: ... # crash/difference, reproducer at PATH
# and prints the exec count. A failure is in the TAP (exit status 0); a
# missing tool exits 2 with a message.
#
# The Rust staticlib is built for the fuzzer with sanitizer-coverage (so
# libFuzzer also steers by the Rust code's branches) and overflow checks,
# in build/fuzz/cargo; if that build fails, target/release/liballoy_rs.a is
# used as it is. Reproduce: build/fuzz/elf_diff PATH.
#
# Environment: CLANG (default clang-14, else clang), ALLOY_NO_CARGO=1 to
# skip cargo and link target/release/liballoy_rs.a as it is.
set -u

if [ $# -ne 2 ] || ! [ "$1" -gt 0 ] 2> /dev/null; then
	echo "usage: $0 SECONDS OUT.tap" >&2
	exit 2
fi
DURATION=$1
case $2 in
/*) OUT=$2 ;;
*) OUT=$PWD/$2 ;;
esac
cd "$(dirname "$0")/.." || exit 2
B=build/fuzz
mkdir -p "$(dirname "$OUT")" $B
: > "$OUT"

result() { # result ok|"not ok" text
	echo "$1 1 fuzz-elf: $2" > "$OUT"
	echo "fuzz-elf: $1: $2"
}
missing() {
	echo "fuzz-elf: missing $1 -- $2" >&2
	result "not ok" "tool missing: $1 ($2)"
	exit 2
}

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	if command -v clang-14 > /dev/null; then CLANG=clang-14
	elif command -v clang > /dev/null; then CLANG=clang
	else missing clang "apt-get install clang-14 libclang-rt-14-dev"
	fi
fi
command -v "$CLANG" > /dev/null || missing "$CLANG" "apt-get install clang-14"
printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	> $B/probe.c
"$CLANG" -fsanitize=fuzzer,address,undefined -o $B/probe $B/probe.c 2> $B/probe.log ||
	missing "libFuzzer/ASan runtime for $CLANG" "apt-get install libclang-rt-14-dev"

# ---- the Rust staticlib
LIB=target/release/liballoy_rs.a
if [ -d rust/alloy-rs ] && [ -z "${ALLOY_NO_CARGO:-}" ]; then
	[ -x /usr/bin/cargo ] || missing /usr/bin/cargo "apt-get install cargo-web rustc-web"
	[ -x /usr/bin/rustc ] || missing /usr/bin/rustc "apt-get install rustc-web"
	SANCOV="-C passes=sancov-module -C llvm-args=-sanitizer-coverage-level=4
		-C llvm-args=-sanitizer-coverage-inline-8bit-counters
		-C llvm-args=-sanitizer-coverage-pc-table
		-C llvm-args=-sanitizer-coverage-trace-compares -C overflow-checks"
	if RUSTC=/usr/bin/rustc CARGO_TARGET_DIR=$B/cargo RUSTFLAGS="$(echo $SANCOV)" \
		/usr/bin/cargo build --offline --release -q -p alloy-rs > $B/cargo.log 2>&1; then
		LIB=$B/cargo/release/liballoy_rs.a
	else
		echo "fuzz-elf: instrumented Rust build failed ($B/cargo.log); trying the plain one"
		RUSTC=/usr/bin/rustc /usr/bin/cargo build --offline --release -q -p alloy-rs \
			>> $B/cargo.log 2>&1
	fi
fi
if [ ! -f "$LIB" ]; then
	tail -20 $B/cargo.log 2> /dev/null
	result "not ok" "no Rust staticlib ($LIB) to compare with # see $B/cargo.log"
	exit 0
fi

# ---- the fuzzer
# --gc-sections: the precompiled core objects in the staticlib refer to
# rust_eh_personality from unwind tables that no panic=abort code keeps.
if ! "$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -I. -Itests/ffi -DWITH_RUST -o $B/elf_diff tests/fuzz/elf_diff.c \
	tests/ffi/elf_result.c kernel/exec/elf_parse.c "$LIB" -Wl,--gc-sections \
	-lpthread -ldl -lm > $B/build.log 2>&1; then
	cat $B/build.log
	result "not ok" "build the fuzzer # see $B/build.log"
	exit 0
fi

# ---- seeds, dictionary, scratch corpus
MAXLEN=8192
rm -rf $B/seeds $B/corpus $B/artifacts
mkdir -p $B/seeds $B/corpus $B/artifacts
for f in tests/vectors/elf/* tests/vectors/elf/bad/* tests/vectors/elf/good/*; do
	[ -f "$f" ] || continue
	case $f in *.py | *.txt | *.sh | *.md) continue ;; esac
	name=${f#tests/vectors/elf/}
	head -c $MAXLEN "$f" > "$B/seeds/${name//\//-}"
	# the same file for aarch64 (4), a low user space (5), its own e_machine (6)
	case $name in
	good/*)
		for t in 4 5 6; do
			{ head -c $((MAXLEN - 1)) "$f"; printf "\\x0$t"; } \
				> "$B/seeds/${name//\//-}-t$t"
		done
		;;
	esac
done
cat > $B/elf.dict <<'EOF'
magic="\x7fELF\x02\x01\x01"
pt_load="\x01\x00\x00\x00"
pt_interp="\x03\x00\x00\x00"
pt_tls="\x07\x00\x00\x00"
pt_gnu_stack="\x51\xe5\x74\x64"
user_top="\x00\xf0\xff\xff\xff\x7f\x00\x00"
user_top_minus_1="\xff\xef\xff\xff\xff\x7f\x00\x00"
user_min="\x00\x00\x01\x00\x00\x00\x00\x00"
em_x86_64="\x3e\x00"
em_aarch64="\xb7\x00"
user_top_aarch64="\x00\xf0\xff\xff\xff\xff\x00\x00"
low_top="\x00\x40\x40\x00\x00\x00\x00\x00"
page="\x00\x10\x00\x00\x00\x00\x00\x00"
max_interp="\x00\x10\x00\x00\x00\x00\x00\x00"
max_interp_plus_1="\x01\x10\x00\x00\x00\x00\x00\x00"
u64_max="\xff\xff\xff\xff\xff\xff\xff\xff"
u64_top_bit="\x00\x00\x00\x00\x00\x00\x00\x80"
phnum_64="\x40\x00"
phnum_65="\x41\x00"
phentsize="\x38\x00"
ehsize="\x40\x00"
nul_path="/lib/ld.so\x00"
EOF

# ---- run
echo "fuzz-elf: fuzzing C against Rust for $DURATION s ($(ls $B/seeds | wc -l) seeds)"
start=$(date +%s)
timeout -s KILL $((DURATION + 120)) $B/elf_diff -max_len=$MAXLEN \
	-max_total_time="$DURATION" -timeout=10 -print_final_stats=1 \
	-dict=$B/elf.dict -artifact_prefix=$B/artifacts/ \
	$B/corpus $B/seeds > $B/fuzz.log 2>&1
st=$?
secs=$(($(date +%s) - start))

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' $B/fuzz.log | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' $B/fuzz.log | tail -1)
done_secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' $B/fuzz.log | tail -1)
[ -n "$done_secs" ] && secs=$done_secs
execs=${execs:-0}
echo "fuzz-elf: $execs execs in $secs s (${rate:-?} exec/s)"

repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' $B/fuzz.log | tail -1)
if [ $st -eq 0 ] && [ -z "$repro" ] && [ "$execs" -gt 0 ]; then
	result ok "$execs execs in $secs s, no difference"
else
	grep -E '^elf_diff:|^  (c|rust): |ERROR|SUMMARY|deadly signal' $B/fuzz.log | head -20
	why=$(grep -m1 -E '^elf_diff: |SUMMARY: ' $B/fuzz.log | sed 's/^elf_diff: //')
	[ -n "$why" ] || why="exit status $st"
	result "not ok" "$why after $execs execs in $secs s # crash/difference, reproducer at ${repro:-none (see $B/fuzz.log)}"
fi
exit 0
