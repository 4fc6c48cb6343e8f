#!/bin/sh
# Installs the build and test tools that are missing (Debian 12, as root).
# Quiet when everything is present, so `make` stays fast.
set -e
need=""
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need="$need gcc"
have ld || need="$need binutils"
have make || need="$need make"
have qemu-system-x86_64 || need="$need qemu-system-x86"
have cc || need="$need gcc"
[ -x /usr/bin/cargo ] || have cargo || need="$need cargo-web rustc-web"
# ASan/UBSan runtimes for the host tests come with gcc's libasan/libubsan
[ -n "$(find /usr/lib -name 'libasan.so*' 2>/dev/null | head -1)" ] || need="$need libasan8"
[ -n "$need" ] || exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing:$need -- install them (apt-get install$need) or run as root" >&2
	exit 1
fi
echo "deps: installing$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $need >/dev/null
