#!/bin/bash
# scripts/test-herd-ffi.sh FUZZ_SECONDS OUT.tap
#
# herd's policy core at the C/Rust boundary (docs/ffi.md, docs/herd.md):
#  - symbols: build/rootbin/herd-ffi0 has no Rust symbol, herd-ffi1 links
#    rust_herd_* (both built by make before this runs);
#  - cargo test and clippy (the component rules) of alloy-herd;
#  - ffi/generated/herd_rs.h matches rust/herd (scripts/gen-ffi.sh --check);
#  - the vectors (userspace/herd/test/vectors.c) through the C fallback
#    alone and through C and Rust, ASan + UBSan;
#  - a bounded differential fuzz run (scripts/fuzz-herd.sh FUZZ_SECONDS).
# Writes TAP to OUT.tap; failures are in the TAP (exit 0).
set -u
SECS=${1:-60}
case ${2:?usage: $0 FUZZ_SECONDS OUT.tap} in /*) OUT=$2 ;; *) OUT=$PWD/$2 ;; esac
cd "$(dirname "$0")/.." || exit 2
B=build/herd-ffi
mkdir -p $B "$(dirname "$OUT")"
: > "$OUT"
n=0
line() { n=$((n + 1)); echo "$1 $n herd-ffi: $2" >> "$OUT"; }
check() { # check "text" command...
	local what=$1
	shift
	if "$@" > $B/step.log 2>&1; then line ok "$what"
	else tail -20 $B/step.log; line "not ok" "$what"; fi
}

rust_re=' (_R[A-Za-z0-9_]+|_ZN[0-9]+(core|alloc|compiler_builtins)[A-Za-z0-9_$.]*|rust_[a-z_]+|__rust[a-z_]*)$'
n0=$(nm build/rootbin/herd-ffi0 2> /dev/null | grep -cE "$rust_re")
[ -f build/rootbin/herd-ffi0 ] && [ "$n0" -eq 0 ] &&
	line ok "FFI=0 herd has no Rust symbols" ||
	line "not ok" "FFI=0 herd has $n0 Rust symbols (or is missing)"
missing=""
for s in rust_herd_abi_version rust_herd_parse_service rust_herd_decide_restart rust_herd_decide_write; do
	nm build/rootbin/herd-ffi1 2> /dev/null | grep -qE " T $s\$" || missing="$missing $s"
done
[ -z "$missing" ] && line ok "FFI=1 herd links the Rust policy" ||
	line "not ok" "FFI=1 herd lacks$missing"

check "cargo test -p alloy-herd" env RUSTC=/usr/bin/rustc /usr/bin/cargo test --offline -q -p alloy-herd
if cargo clippy --version > /dev/null 2>&1; then
	check "clippy alloy-herd (no unwrap, indexing, panic, unchecked arithmetic)" \
		cargo clippy --offline -q -p alloy-herd -- -D warnings
else
	line ok "clippy # SKIP clippy not installed"
fi
check "ffi/generated/herd_rs.h matches rust/herd" scripts/gen-ffi.sh --check

CF="-std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra"
for v in c rust; do
	if [ $v = rust ]; then
		extra="-DWITH_RUST target/release/liballoy_herd.a -Wl,--gc-sections -lpthread -ldl -lm"
	else
		extra=""
	fi
	if ! cc $CF -o $B/vectors-$v userspace/herd/test/vectors.c userspace/herd/policy.c $extra \
		> $B/build-$v.log 2>&1; then
		cat $B/build-$v.log
		line "not ok" "build the vector runner ($v)"
		continue
	fi
	$B/vectors-$v userspace/herd/vectors > $B/vectors-$v.log 2>&1
	st=$?
	bad=$(grep -c '^not ok' $B/vectors-$v.log)
	good=$(grep -c '^ok' $B/vectors-$v.log)
	grep '^not ok' $B/vectors-$v.log | head
	[ $st -eq 0 ] && [ "$bad" -eq 0 ] && [ "$good" -gt 0 ] &&
		line ok "vectors ($v): $good checks" ||
		line "not ok" "vectors ($v): $bad failed, exit $st (log $B/vectors-$v.log)"
done

scripts/fuzz-herd.sh "$SECS" $B/fuzz.tap > /dev/null
sed 's/^\(ok\|not ok\) 1 fuzz-herd: /\1 X /' $B/fuzz.tap | while read -r a b rest; do
	[ "$a" = ok ] && line ok "fuzz: $rest" || line "not ok" "fuzz: $b $rest"
done
grep -h '^not ok' "$OUT" || true
echo "herd-ffi: $(grep -c '^ok' "$OUT") passed, $(grep -c '^not ok' "$OUT") failed"
exit 0
