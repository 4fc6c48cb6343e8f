#!/bin/bash
# Run a bash script on the Debian root disk (docs/debian.md), one way:
#
#   boot.sh alloy  XTASK KBIN KELF ROOT.img SCRIPT DIR
#   boot.sh linux  LINUXDIR ROOT.img SCRIPT DIR
#   boot.sh chroot STAGE SCRIPT DIR
#
# alloy boots Alloy from a copy of ROOT.img (root=/dev/vda, init=
# /sbin/alloy-init) with SCRIPT on the command disk; linux boots Debian's
# own kernel (scripts/bench-linux-kernel.sh's LINUXDIR, with an initramfs
# that loads virtio/ext4 and switches to the same disk) under the same
# QEMU flags; chroot runs SCRIPT in STAGE on the host. Everything the
# script printed goes to DIR/out.log (DIR/console.log raw), the disk after
# the run is DIR/root.img; prints the wall-clock seconds and the exit
# status, and exits with that status. SMP, MEM, TIMEOUT from the
# environment (2, 1G, 1200).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
mode=${1:-}
shift || true
case $mode in
alloy) [ $# = 6 ] || { sed -n 4,6p "$0"; exit 2; }
	XTASK=$1 KBIN=$2 KELF=$3 IMG=$4 SCRIPT=$5 B=$6 ;;
linux) [ $# = 4 ] || { sed -n 4,6p "$0"; exit 2; }
	LINUX=$1 IMG=$2 SCRIPT=$3 B=$4 ;;
chroot) [ $# = 3 ] || { sed -n 4,6p "$0"; exit 2; }
	STAGE=$1 SCRIPT=$2 B=$3 ;;
*) sed -n 4,6p "$0"; exit 2 ;;
esac
SMP=${SMP:-2} MEM=${MEM:-1G} TIMEOUT=${TIMEOUT:-1200}
rm -rf "$B" && mkdir -p "$B"

boot_disks() {
	cp --sparse=always "$IMG" "$B/root.img"
	"$HERE/cmd-disk.sh" "$B/cmd.img" "$(cat "$SCRIPT")"
}
case $mode in
alloy)
	boot_disks
	SECONDS=0
	"$XTASK" run --batch --kernel "$KBIN" --elf "$KELF" --smp "$SMP" --mem "$MEM" \
		--disk "$B/root.img" --disk "$B/cmd.img" \
		--append 'root=/dev/vda init=/sbin/alloy-init quiet panic_exit' \
		--timeout "$TIMEOUT" --log "$B/console.log" > /dev/null 2>&1
	status=$?
	;;
linux)
	boot_disks
	# an initramfs: busybox, Linux's modules, an /init that mounts the
	# disk and hands over to Alloy's init on it (as Alloy's root= does)
	s=$B/initramfs
	mkdir -p "$s"/bin "$s"/dev "$s"/proc "$s"/sys "$s"/newroot "$s"/modules
	cp /bin/busybox "$s"/bin/busybox
	for a in sh mount insmod sleep switch_root cat echo; do ln -s busybox "$s/bin/$a"; done
	cp "$LINUX"/modules/*.ko "$LINUX"/modules/order "$s"/modules/
	cat > "$s"/init <<-'EOF'
	#!/bin/sh
	mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
	for m in $(cat /modules/order); do insmod /modules/$m || echo "insmod $m failed"; done
	i=0; while [ ! -b /dev/vdb ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	mount -t ext2 /dev/vda /newroot || echo "cannot mount /dev/vda"
	for d in dev proc sys; do mount --move /$d /newroot/$d; done
	exec switch_root /newroot /sbin/alloy-init
	EOF
	chmod 755 "$s"/init
	(cd "$s" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$B/initramfs.cpio"
	SECONDS=0
	timeout "$TIMEOUT" qemu-system-x86_64 -machine pc -cpu max -smp "$SMP" -m "$MEM" \
		-display none -serial stdio -no-reboot -monitor none \
		-kernel "$LINUX/vmlinuz" -initrd "$B/initramfs.cpio" \
		-append 'console=ttyS0 quiet panic=-1' \
		-drive file="$B/root.img",format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0 \
		-drive file="$B/cmd.img",format=raw,if=none,id=d1,readonly=on \
		-device virtio-blk-pci,drive=d1 < /dev/null > "$B/console.log" 2>&1
	status=$?
	;;
chroot)
	[ "$(id -u)" = 0 ] || { echo "boot.sh: chroot needs root" > "$B/console.log"; exit 1; }
	mounted=
	mountpoint -q "$STAGE/proc" || { mount -t proc proc "$STAGE/proc" && mounted=1; }
	SECONDS=0
	chroot "$STAGE" /usr/bin/env -i /bin/bash -c "$(cat "$SCRIPT")" > "$B/console.log" 2>&1
	status=$?
	[ -z "$mounted" ] || umount "$STAGE/proc"
	;;
esac
secs=$SECONDS
tr -d '\r' < "$B/console.log" > "$B/out.log"
echo "$secs $status"
exit $status
