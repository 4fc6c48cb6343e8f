#!/bin/sh
# Installs the build and test tools that are missing (Debian 12, as root);
# `deps.sh debian` also those of make rootfs-debian.
# Quiet when everything is present, so `make` stays fast.
set -e
need=""
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need="$need gcc"
have ld || need="$need binutils"
have make || need="$need make"
have qemu-system-x86_64 || need="$need qemu-system-x86"
have cc || need="$need gcc"
# Rust: Debian's 1.96 (cargo-web, rustc-web) with the std sources that
# build-std compiles core from offline; cbindgen/bindgen for the boundary
[ -x /usr/bin/cargo ] || need="$need cargo-web"
[ -x /usr/bin/rustc ] || need="$need rustc-web"
ls -d /usr/src/rustc-*/library/vendor >/dev/null 2>&1 || need="$need rust-web-src"
have cbindgen || need="$need cbindgen"
have bindgen || need="$need bindgen"
# clang with libFuzzer for the differential fuzzer
have clang || need="$need clang"
[ -n "$(find /usr/lib/llvm-*/lib/clang -name 'libclang_rt.fuzzer-x86_64.a' 2>/dev/null | head -1)" ] ||
	need="$need libclang-rt-dev"
have python3 || need="$need python3"
# static musl programs for the user-mode tests
have musl-gcc || need="$need musl-tools"
# static glibc programs (userspace/glibc, Rust std tests)
[ -n "$(find /usr/lib -maxdepth 2 -name libc.a -path '*gnu*' 2>/dev/null | head -1)" ] || need="$need libc6-dev"
# the guest's shell and tools
[ -x /bin/busybox ] || need="$need busybox-static"
# ext2 images and the host's oracles for them (mke2fs, e2fsck, debugfs)
have mke2fs && have e2fsck && have debugfs || need="$need e2fsprogs"
# real archives for the cpio reader tests
have cpio || need="$need cpio"
# make bench: unpacking Debian's kernel package and checking its modules
have file || need="$need file"
have xz || need="$need xz-utils"
have dpkg-deb || need="$need dpkg"
# lwIP's source (scripts/fetch-lwip.sh: apt-get source needs dpkg-source)
have dpkg-source || need="$need dpkg-dev"
# make ltp / test-ltp: LTP's build (make autotools, configure)
have autoconf || need="$need autoconf"
have automake || need="$need automake"
have pkg-config || need="$need pkg-config"
# ASan/UBSan runtimes for the host tests come with gcc's libasan/libubsan
[ -n "$(find /usr/lib -maxdepth 2 -name 'libasan.so*' 2>/dev/null | head -1)" ] || need="$need libasan8"
# make rootfs-debian (deps.sh debian): a Debian tree from the host's apt
# sources (mmdebstrap), bun from the npm registry (npm)
if [ "${1:-}" = debian ]; then
	have mmdebstrap || need="$need mmdebstrap"
	have npm || need="$need npm"
fi
[ -n "$need" ] || exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing:$need -- install them (apt-get install$need) or run as root" >&2
	exit 1
fi
echo "deps: installing$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $need >/dev/null
