#!/bin/bash
# scripts/debian/mkimage.sh STAGE INIT OUT.img (make rootfs-debian, the
# second step, docs/debian.md): Alloy's init (static) as /sbin/alloy-init
# in the Debian tree STAGE (scripts/debian/build.sh), then an ext2 image
# of it with mke2fs -d, as root so the files keep their owners. Seconds.
set -euo pipefail

die() { echo "debian: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (mke2fs -d keeps file owners)"
[ $# = 3 ] || die "usage: mkimage.sh STAGE INIT OUT.img"

image() {
	local stage=$1 init=$2 out=$3
	[ -d "$stage/usr/bin" ] || die "$stage is no stage (build.sh stage first)"
	install -m 755 "$init" "$stage/sbin/alloy-init"
	rm -rf "$stage/root/alloy-test"	# left by an interrupted chroot test
	# room to work in: the files, a tenth more, and 96 MiB for what the
	# programs write (the sqlite and git tests, temporary files)
	local kib files
	kib=$(du -skx --apparent-size "$stage" | cut -f1)
	files=$(find "$stage" -xdev | wc -l)
	local size_mib=$(( (kib * 11 / 10) / 1024 + 96 ))
	rm -f "$out.new"
	mke2fs -q -F -t ext2 -b 4096 -N $((files + 16384)) -L alloy-debian \
		-d "$stage" "$out.new" "${size_mib}M" > /dev/null
	mv "$out.new" "$out"
	echo "debian: $out: ${size_mib} MiB, $files files ($(du -sh "$out" | cut -f1) on the host's disk)"
}

image "$@"
