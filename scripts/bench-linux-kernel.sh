#!/bin/bash
# scripts/bench-linux-kernel.sh OUTDIR
#
# Debian's Linux kernel for `make bench`, never installed: the package that
# linux-image-amd64 (a metapackage) depends on is fetched with
# `apt-get download` and unpacked with `dpkg -x`. Kept in OUTDIR:
#   vmlinuz        the bzImage QEMU boots with -kernel
#   version        e.g. 6.1.0-56-amd64 (package version on the next line)
#   modules/       the .ko files the benchmark initramfs loads, uncompressed,
#   modules/order  in load order (dependencies first)
# Debian builds virtio_pci, virtio_blk, virtio_net (host_tcp_bw) and ext4
# (which mounts ext2) as modules. The package ships no modules.dep (depmod makes it at install
# time), so dependencies come from each module's own .modinfo "depends=".
# Does nothing if OUTDIR/vmlinuz and OUTDIR/modules/order (with every
# module wanted) exist.
set -euo pipefail
OUT=$1
WANT="virtio_pci virtio_blk virtio_net ext4 crc32c_generic"
have_all() {
	[ -s "$OUT/vmlinuz" ] && [ -s "$OUT/modules/order" ] || return 1
	for m in $WANT; do grep -qx "$m.ko" "$OUT/modules/order" || return 1; done
}
have_all && exit 0

pkg_dep() { apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1; }
pkg=$(pkg_dep)
if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
	apt-get update -qq
	pkg=$(pkg_dep)
fi
[ -n "$pkg" ] || { echo "bench-linux-kernel: apt-cache knows no linux-image-amd64 (apt-get update?)" >&2; exit 1; }
echo "bench: fetching $pkg (apt-get download, dpkg -x; not installed)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/alloy-linux.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1 || apt-get download "$pkg")
deb=$(ls "$tmp"/*.deb)
dpkg -x "$deb" "$tmp/x"
kver=$(ls "$tmp/x/lib/modules" | head -1)
mdir=$tmp/x/lib/modules/$kver/kernel

rm -rf "$OUT" && mkdir -p "$OUT/modules"
cp "$tmp/x/boot/vmlinuz-$kver" "$OUT/vmlinuz"
printf '%s\n%s\n' "$kver" "$(dpkg-deb -f "$deb" Version)" > "$OUT/version"

# name -> file (module names use _ where file names may use -)
find_ko() {
	local n=$1 alt=${1//_/-}
	find "$mdir" \( -name "$n.ko" -o -name "$n.ko.*" -o -name "$alt.ko" -o -name "$alt.ko.*" \) | head -1
}
declare -A done_=()
order=()
add() {
	local n=$1 f deps d
	[ -n "${done_[$n]:-}" ] && return 0
	done_[$n]=1
	f=$(find_ko "$n")
	[ -n "$f" ] || { echo "bench-linux-kernel: no module $n" >&2; exit 1; }
	local ko=$OUT/modules/$n.ko
	case $f in
	*.ko.xz) xz -dc "$f" > "$ko" ;;
	*.ko.zst) zstd -qdc "$f" > "$ko" ;;
	*.ko.gz) gzip -dc "$f" > "$ko" ;;
	*) cp "$f" "$ko" ;;
	esac
	file "$ko" | grep -q 'ELF 64-bit LSB relocatable' ||
		{ echo "bench-linux-kernel: $ko is not a kernel module" >&2; exit 1; }
	deps=$(objcopy -O binary --only-section=.modinfo "$ko" /dev/stdout |
		tr '\0' '\n' | sed -n 's/^depends=//p')
	for d in ${deps//,/ }; do add "$d"; done
	order+=("$n.ko")
}
for m in $WANT; do add "$m"; done
printf '%s\n' "${order[@]}" > "$OUT/modules/order"
echo "bench: Linux $kver: $(tr '\n' ' ' < "$OUT/modules/order")"
