#!/bin/bash
# scripts/ltp/linux-config.sh LINUXDIR OUT
#
# The kernel configuration LTP's tests gate on (KCONFIG_PATH): Debian's
# /boot/config-<version> from the same package scripts/bench-linux-kernel.sh
# unpacked into LINUXDIR (its "version" file names it), fetched with
# `apt-get download` and unpacked with `dpkg -x`, never installed. Both
# kernels get this one file, so a test that asks about a config option
# asks the same question of each. Does nothing if OUT exists.
set -euo pipefail
LINUX=$1 OUT=$2
[ -s "$OUT" ] && exit 0
kver=$(head -1 "$LINUX/version")
pkg=linux-image-$kver
echo "ltp: fetching $pkg for its config (apt-get download, dpkg -x; not installed)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/alloy-ltp-config.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1 || apt-get download "$pkg")
dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" "./boot/config-$kver"
mkdir -p "$(dirname "$OUT")"
cp "$tmp/boot/config-$kver" "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
