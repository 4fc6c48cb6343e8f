#!/bin/bash
# scripts/test-ffi-ext2.sh OUT.tap
#
# The ext2 parser vectors (tests/vectors/ext2) through the C fallback
# (kernel/fs/ext2/ext2_parse.c) and, when the Rust host staticlib
# target/release/liballoy_rs.a exists (it is built here if rust/ is
# present), the Rust component: tests/ffi/ext2_vectors.c (TAP; it finds
# tests/vectors/ext2 itself). Writes TAP lines named "ffi-ext2: ..." to
# OUT.tap. Test failures are in
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
	echo "$1 $n ffi-ext2: $2" >> "$OUT"
}
missing() {
	echo "test-ffi-ext2: missing $1 -- $2" >&2
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
SRCS="tests/ffi/ext2_vectors.c kernel/fs/ext2/ext2_parse.c"
for f in $SRCS; do
	[ -f "$f" ] || {
		line "not ok" "the vector runner's source $f is missing"
		exit 0
	}
done
if [ $rust = 1 ]; then
	what="C and Rust"
	bin=$B/ext2_vectors_rust
	# --gc-sections: the precompiled core objects in the staticlib refer to
	# rust_eh_personality from unwind tables no panic=abort code keeps.
	build() {
		"$HOSTCC" $CFLAGS -DWITH_RUST -o $bin $SRCS "$LIB" -Wl,--gc-sections \
			-lpthread -ldl -lm
	}
else
	what="C only"
	bin=$B/ext2_vectors
	build() { "$HOSTCC" $CFLAGS -o $bin $SRCS; }
fi

echo "ffi-ext2: vectors ($what)"
if ! build > $B/ext2_vectors.build.log 2>&1; then
	cat $B/ext2_vectors.build.log
	line "not ok" "build the vector runner ($what; log: $B/ext2_vectors.build.log)"
	exit 0
fi
[ $rust = 1 ] || [ -d rust/alloy-rs ] ||
	line ok "rust comparison # SKIP no Rust component (rust/alloy-rs) in this tree"
[ $rust = 1 ] || [ ! -d rust/alloy-rs ] ||
	line "not ok" "rust comparison: $LIB is absent"

$bin > $B/ext2_vectors.log 2> $B/ext2_vectors.stderr
st=$?
# Renumber the runner's "ok N - text" into this file; keep its diagnostics.
while IFS= read -r l; do
	case $l in
	"ok "*) line ok "${l#ok * - }" ;;
	"not ok "*) line "not ok" "${l#not ok * - }" ;;
	"#"*) echo "$l" >> "$OUT" ;;
	esac
done < $B/ext2_vectors.log
if ! grep -q '^1\.\.[0-9]' $B/ext2_vectors.log; then
	tail -30 $B/ext2_vectors.stderr
	line "not ok" "the vector runner died (exit status $st; log: $B/ext2_vectors.stderr)"
elif [ $st -ne 0 ] && ! grep -q '^not ok' $B/ext2_vectors.log; then
	line "not ok" "the vector runner exited with status $st"
fi
grep '^not ok' "$OUT" | head -20
echo "ffi-ext2: $(grep -c '^ok' "$OUT") passed, $(grep -c '^not ok' "$OUT") failed"
exit 0
