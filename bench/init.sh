#!/bin/sh
# /bench/init.sh, run by /init (bench/init.c) on both kernels
# (Alloy boots /init with init=/init, Linux runs /init of its initramfs).
# It loads Linux's modules if there are any (Alloy has no modules and no
# /proc/modules), mounts the ext2 disk /dev/vda on /mnt, runs the
# benchmark with the arguments in /bench/args and powers off.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -r /proc/uptime ] || mount -t proc proc /proc
read up idle < /proc/uptime
echo "bench: boot_uptime $up s"
echo "bench: kernel $(uname -s) $(uname -r)"
if [ -e /proc/modules ]; then
	[ -e /dev/null ] || mount -t devtmpfs dev /dev
	for m in $(cat /modules/order); do
		insmod /modules/$m || echo "bench: insmod $m failed"
	done
	# host_tcp_bw: eth0 as QEMU's DHCP server would configure it (Alloy
	# asks that server itself at boot)
	ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up || echo "bench: no eth0"
fi
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /mnt
if mount -t ext2 /dev/vda /mnt; then
	/bench/bench --dir /mnt $(cat /bench/args)
	echo "bench: exit status $?"
	umount /mnt
else
	echo "bench: cannot mount /dev/vda"
	/bench/bench --dir /nonexistent $(cat /bench/args)
fi
sync
poweroff -f
