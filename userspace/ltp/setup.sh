#!/bin/sh
# /ltp/setup.sh, run by /init (userspace/ltp/ltp-init.c) on both kernels
# before the tests: Linux's modules (Alloy has none), the mounts LTP
# expects, the LTP disk (/dev/vda) at /opt/ltp. Each step that a kernel
# lacks is reported as "LTP-SETUP <step> failed" and the run goes on, so
# the difference shows in the tests rather than stopping them all; only a
# missing LTP disk stops the run.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
note() { echo "LTP-SETUP $*"; }
[ -r /proc/uptime ] || mount -t proc proc /proc || note "mount /proc failed"
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys 2>/dev/null || note "mount /sys failed"
if [ -e /proc/modules ]; then
	# Linux: the built-in initramfs gives /dev/console and /dev/null only
	grep -q devtmpfs /proc/mounts || mount -t devtmpfs dev /dev || note "mount devtmpfs failed"
	for m in $(cat /modules/order); do
		insmod /modules/$m || note "insmod $m failed"
	done
fi
echo "LTP-SETUP kernel $(uname -s) $(uname -r)"
# busybox has mke2fs but no mkfs.ext2, the name LTP's tst_mkfs runs
if ! command -v mkfs.ext2 >/dev/null; then
	printf '#!/bin/sh\nexec /bin/busybox mke2fs "$@"\n' > /sbin/mkfs.ext2 && chmod 755 /sbin/mkfs.ext2 ||
		note "mkfs.ext2 wrapper failed"
fi
i=0
while { [ ! -b /dev/vda ] || [ ! -b /dev/vdb ]; } && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /opt/ltp
mount -t ext2 /dev/vda /opt/ltp || {
	note "cannot mount the LTP disk /dev/vda"
	echo "LTP-SETUP /dev: $(ls /dev | tr '\n' ' ')"
	echo "LTP-SETUP partitions: $(cat /proc/partitions 2>&1 | tr '\n' ' ')"
	echo "LTP-SETUP modules: $(cat /proc/modules 2>&1 | cut -d' ' -f1 | tr '\n' ' ')"
	exit 1
}
mount -t tmpfs -o mode=1777 tmpfs /tmp || { note "mount tmpfs /tmp failed"; chmod 1777 /tmp; }
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm 2>/dev/null || note "mount tmpfs /dev/shm failed"
mount -t devpts devpts /dev/pts 2>/dev/null || note "mount devpts /dev/pts failed"
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null || note "loopback up failed"
hostname ltp 2>/dev/null || note "hostname failed"
n=$(ls /opt/ltp/testcases/bin | wc -l)
echo "LTP-SETUP ready: $n programs in /opt/ltp/testcases/bin"
exit 0
