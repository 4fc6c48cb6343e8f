#!/bin/bash
# build-eyra.sh EYRA_DIR OUT_DIR WORK_DIR NAME SRC.rs
#
# Builds SRC.rs as an Eyra program (Rust std with no libc), offline, from
# the pinned sources in EYRA_DIR (see its README), twice: OUT_DIR/_NAME
# (static ET_EXEC) and OUT_DIR/_NAME_pie (static-PIE, Eyra relocating
# itself). The cargo package and its target directories live in WORK_DIR
# and are kept, so only the first build is slow (about 100 s for each of
# the two on 2 cores shared with other builds); a changed SRC.rs costs
# seconds.
#
# Without EYRA_DIR it writes OUT_DIR/_eyra_skip with the reason instead and
# removes any stale binaries: the eyra.sh system test then reports itself
# skipped with that reason, never passed. A failed build (sources present)
# writes OUT_DIR/_eyra_broken instead, which eyra.sh reports as a failure.
set -u
S=$1 OUT=$2 W=$3 n=$4 src=$5
mkdir -p "$OUT" "$W"
OUT=$(cd "$OUT" && pwd)
W=$(cd "$W" && pwd)

skip() {
	kind=${KIND:-skip}
	rm -f "$OUT/_$n" "$OUT/_${n}_pie"
	rm -f "$OUT/_eyra_skip" "$OUT/_eyra_broken"
	echo "$REASON" > "$OUT/_eyra_$kind"
	echo "  EYRA    $kind: $REASON" >&2
	exit 0
}

if [ -z "$S" ]; then
	REASON="no Eyra sources: neither ../shared/eyra nor /work/shared/eyra exists (EYRA_DIR=...)"
	skip
elif [ ! -f "$S/eyra-sources.tar.xz" ]; then
	REASON="no Eyra sources: $S/eyra-sources.tar.xz is absent"
	skip
fi
S=$(cd "$S" && pwd)

# Unpack once per archive version.
stamp=$(stat -c %Y-%s "$S/eyra-sources.tar.xz")
if [ "$(cat "$W/.unpacked" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$W/dl" && mkdir -p "$W/dl" &&
		tar xf "$S/eyra-sources.tar.xz" -C "$W/dl" && echo "$stamp" > "$W/.unpacked" ||
		{ REASON="cannot unpack $S/eyra-sources.tar.xz"; KIND=broken skip; }
fi

P=$W/$n
mkdir -p "$P/src"
ln -sfn ../dl/src "$P/vendor"
rm -rf "$P/stubs" && cp -r "$S/stubs" "$P/stubs"
# The example manifest, renamed, with a feature for the static-PIE build.
sed "s/^name = .*/name = \"$n\"/" "$S/Cargo.toml.example" > "$P/Cargo.toml.new"
printf '\n[workspace]\n\n[features]\npie = ["std/experimental-relocate"]\n' >> "$P/Cargo.toml.new"
cmp -s "$P/Cargo.toml.new" "$P/Cargo.toml" || mv "$P/Cargo.toml.new" "$P/Cargo.toml"
rm -f "$P/Cargo.toml.new"
cmp -s "$S/build.rs.example" "$P/build.rs" || cp "$S/build.rs.example" "$P/build.rs"
cmp -s "$src" "$P/src/main.rs" || cp "$src" "$P/src/main.rs"
# Cargo.lock is generated offline from the patched paths.
for kind in static pie; do
	if [ $kind = static ]; then
		# gcc -static drops --eh-frame-hdr, without which a panic
		# cannot unwind; and c-scape's dl_iterate_phdr reports
		# __executable_start as the load bias, right for static-PIE
		# (0) but 0x400000 too much for ET_EXEC, so the unwinder
		# finds no FDE ("failed to initiate panic"): define it as 0.
		flags='-C target-feature=+crt-static -C relocation-model=static -C link-arg=-Wl,--eh-frame-hdr -C link-arg=-Wl,--defsym=__executable_start=0'
		feat= out=$OUT/_$n
	else
		flags='-C target-feature=+crt-static'
		feat='--features pie' out=$OUT/_${n}_pie
	fi
	t0=$(date +%s)
	echo "  EYRA    $src ($kind)" >&2
	if ! (cd "$P" && RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags" \
		CARGO_HOME="$W/cargo-home" /usr/bin/cargo build --offline --release -q \
		--target-dir "target-$kind" $feat) > "$P/build-$kind.log" 2>&1; then
		tail -20 "$P/build-$kind.log" >&2
		REASON="Eyra build of $n ($kind) failed, see $P/build-$kind.log"
		KIND=broken skip
	fi
	install -m 755 "$P/target-$kind/release/$n" "$out"
	t1=$(date +%s)
	[ $((t1 - t0)) -gt 5 ] && echo "  EYRA    $n ($kind) took $((t1 - t0)) s" >&2
done
rm -f "$OUT/_eyra_skip" "$OUT/_eyra_broken"
