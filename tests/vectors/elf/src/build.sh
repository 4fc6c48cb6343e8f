#!/bin/sh
# Rebuilds the real-binary ELF vectors in tests/vectors/elf/ (run from that
# directory's parent or anywhere; needs busybox-static, musl-tools, gcc and
# Debian's rustc). The binaries are committed, so tests never run this; after
# running it, re-record expected.txt (build/ffi/elf_vectors --record) and
# hand-check the changes against `readelf -h -l`.
set -eu
cd "$(dirname "$0")/.."
M=/usr/lib/x86_64-linux-musl
G=$(dirname "$(gcc -print-libgcc-file-name)")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# busybox (static, ET_EXEC, PT_TLS) and a dynamically linked program (PT_INTERP)
cp /bin/busybox busybox
cp /bin/true true-dynamic

# static musl C program: ET_EXEC
musl-gcc -static -O2 -o hello-musl src/hello.c

# static-PIE musl C program: ET_DYN without PT_INTERP. Debian's musl-gcc
# specs turn -static-pie into a dynamic link against libc.so, so link by hand
# with musl's rcrt1.o (the self-relocating start file).
musl-gcc -O2 -fPIE -c -o "$T/hello.o" src/hello.c
gcc -nostdlib -static-pie -o hello-musl-pie "$M/rcrt1.o" "$M/crti.o" \
	"$G/crtbeginS.o" "$T/hello.o" -L"$M" -Wl,--start-group "$G/libgcc.a" \
	"$G/libgcc_eh.a" -lc -Wl,--end-group "$G/crtendS.o" "$M/crtn.o"

# static-PIE Rust std program: ET_DYN without PT_INTERP, with PT_TLS
(cd "$T" && /usr/bin/rustc -C opt-level=2 -C target-feature=+crt-static \
	-C relocation-model=pie -o hello-rust "$OLDPWD/src/hello.rs")
cp "$T/hello-rust" hello-rust

strip hello-musl hello-musl-pie hello-rust
for f in hello-musl hello-musl-pie hello-rust; do
	if readelf -l "$f" | grep -q INTERP; then
		echo "$f: unexpected PT_INTERP" >&2
		exit 1
	fi
done
