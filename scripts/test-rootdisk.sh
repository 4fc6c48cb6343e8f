#!/bin/bash
# scripts/test-rootdisk.sh XTASK KBIN KELF OUT.tap NAME
#
# Booting with root=/dev/vda and no initramfs at all: an ext2 image made
# with `mke2fs -d` from the same tree `make run` boots (busybox, init),
# whose /etc/alloy-cmd makes init run a command and power off. The
# command writes a file; afterwards the host checks the console, then
# e2fsck -fn and debugfs on the image.
set -u
XTASK=$1 KBIN=$2 KELF=$3 OUT=$4 NAME=$5
B=build/rootdisk
mkdir -p $B
: > "$OUT"
line() { echo "$1 1 $NAME: $2" >> "$OUT"; [ "$1" = ok ] || echo "not ok: $NAME: $2"; }

cmd='grep " / " /proc/mounts; ls /bin/busybox; echo "written on the root disk" > /from-guest; sync'
scripts/mkrootfs.sh $B/unused.cpio $B/stage --init build/rootbin/init \
	--runner build/rootbin/runner --cmd "$cmd" > /dev/null || { line "not ok" "mkrootfs"; exit 0; }
rm -f $B/root.img
mke2fs -q -F -t ext2 -b 4096 -d $B/stage $B/root.img 96M > /dev/null || { line "not ok" "mke2fs -d"; exit 0; }
$XTASK run --batch --kernel "$KBIN" --elf "$KELF" --smp 2 --mem 512M \
	--disk $B/root.img --append 'root=/dev/vda panic_exit' --timeout 120 \
	--log $B/boot.log > /dev/null 2>&1
st=$?
grep -q 'vfs: root is /dev/vda (ext2)' $B/boot.log && grep -q '^/dev/vda / ext2 rw' $B/boot.log &&
	line ok "booted with root=/dev/vda (no initramfs): / is ext2 in /proc/mounts" ||
	{ tail -20 $B/boot.log; line "not ok" "no 'vfs: root is /dev/vda' or / is not ext2 (exit $st)"; }
[ $st -eq 0 ] && line ok "init ran the command from the disk and powered off" ||
	line "not ok" "exit status $st"
log=$(e2fsck -fn $B/root.img 2>&1) && line ok "e2fsck -fn: clean after the guest wrote to its root" ||
	{ echo "$log" | head -20; line "not ok" "e2fsck -fn found problems"; }
[ "$(debugfs -R 'cat /from-guest' $B/root.img 2>/dev/null)" = "written on the root disk" ] &&
	line ok "debugfs: /from-guest holds what the guest wrote" ||
	line "not ok" "debugfs: /from-guest missing or wrong"
exit 0
