#!/bin/bash
# scripts/test-ffi-elf.sh OUT.tap
#
# The ELF parser vectors (tests/vectors/elf) through the C implementation
# and, when the Rust host staticlib target/release/liballoy_rs.a exists (it
# is built here if rust/ is present), the Rust one: tests/ffi/elf_vectors.c.
# Writes TAP lines named "ffi-elf: ..." to OUT.tap. Test failures are in
# the TAP and the exit status is 0; a missing tool exits 2 with a message.
#
# Environment: HOSTCC (default cc), ALLOY_NO_CARGO=1 to use the staticlib
# as it is without running cargo.
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 OUT.tap" >&2
	exit 2
fi
case $1 in
/*) OUT=$1 ;;
*) OUT=$PWD/$1 ;;
esac
cd "$(dirname "$0")/.." || exit 2
mkdir -p "$(dirname "$OUT")" build/ffi
: > "$OUT"

HOSTCC=${HOSTCC:-cc}
LIB=target/release/liballoy_rs.a
B=build/ffi
n=0
line() { # line ok|"not ok" text
	n=$((n + 1))
	echo "$1 $n ffi-elf: $2" >> "$OUT"
}
missing() {
	echo "test-ffi-elf: missing $1 -- $2" >&2
	line "not ok" "tool missing: $1 ($2)"
	exit 2
}

command -v "$HOSTCC" > /dev/null || missing "$HOSTCC" "apt-get install gcc"
echo 'int main(void){return 0;}' > $B/sanitizer-probe.c
"$HOSTCC" -fsanitize=address,undefined -o $B/sanitizer-probe $B/sanitizer-probe.c \
	2> /dev/null || missing "ASan/UBSan runtime for $HOSTCC" "apt-get install libasan8 libubsan1"

# The Rust staticlib for the host: built by cargo when the crates are here.
rust=0
if [ -d rust/alloy-rs ] && [ -z "${ALLOY_NO_CARGO:-}" ]; then
	[ -x /usr/bin/cargo ] || missing /usr/bin/cargo "apt-get install cargo-web rustc-web"
	[ -x /usr/bin/rustc ] || missing /usr/bin/rustc "apt-get install rustc-web"
	if ! RUSTC=/usr/bin/rustc /usr/bin/cargo build --offline --release -q -p alloy-rs \
		> $B/cargo.log 2>&1; then
		tail -20 $B/cargo.log
		line "not ok" "the Rust host staticlib builds (log: $B/cargo.log)"
	fi
fi
[ -f "$LIB" ] && rust=1

CFLAGS="-std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
	-fno-omit-frame-pointer -Wall -Wextra -Iinclude -I. -Itests/ffi"
SRCS="tests/ffi/elf_vectors.c tests/ffi/elf_result.c kernel/exec/elf_parse.c"
if [ $rust = 1 ]; then
	what="C and Rust"
	bin=$B/elf_vectors_rust
	# --gc-sections: the precompiled core objects in the staticlib refer to
	# rust_eh_personality from unwind tables no panic=abort code keeps.
	build() {
		"$HOSTCC" $CFLAGS -DWITH_RUST -o $bin $SRCS "$LIB" -Wl,--gc-sections \
			-lpthread -ldl -lm
	}
else
	what="C only"
	bin=$B/elf_vectors
	build() { "$HOSTCC" $CFLAGS -o $bin $SRCS; }
fi

echo "ffi-elf: vectors ($what)"
if ! build > $B/elf_vectors.build.log 2>&1; then
	cat $B/elf_vectors.build.log
	line "not ok" "build the vector runner ($what; log: $B/elf_vectors.build.log)"
	exit 0
fi
[ $rust = 1 ] || [ -d rust/alloy-rs ] ||
	line ok "rust comparison # SKIP no Rust component (rust/alloy-rs) in this tree"
[ $rust = 1 ] || [ ! -d rust/alloy-rs ] ||
	line "not ok" "rust comparison: $LIB is absent"

$bin > $B/elf_vectors.log 2> $B/elf_vectors.stderr
st=$?
# Renumber the runner's "ok N - text" into this file; keep its diagnostics.
while IFS= read -r l; do
	case $l in
	"ok "*) line ok "${l#ok * - }" ;;
	"not ok "*) line "not ok" "${l#not ok * - }" ;;
	"#"*) echo "$l" >> "$OUT" ;;
	esac
done < $B/elf_vectors.log
if ! grep -q '^1\.\.[0-9]' $B/elf_vectors.log; then
	tail -30 $B/elf_vectors.stderr
	line "not ok" "the vector runner died (exit status $st; log: $B/elf_vectors.stderr)"
elif [ $st -ne 0 ] && ! grep -q '^not ok' $B/elf_vectors.log; then
	line "not ok" "the vector runner exited with status $st"
fi
grep '^not ok' "$OUT" | head -20
echo "ffi-elf: $(grep -c '^ok' "$OUT") passed, $(grep -c '^not ok' "$OUT") failed"
exit 0
