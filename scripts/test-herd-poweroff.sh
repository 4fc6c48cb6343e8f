#!/bin/bash
# scripts/test-herd-poweroff.sh FFI OUT.tap
#
# `poweroff` with a service running loses no log line, checked from the
# host: boots Alloy (make run FFI=$FFI) with an ext2 disk mounted on
# /var/log/herd, adds a service that counts as fast as it can (one number
# a line; on SIGTERM it waits 1 s, as a service that cleans up would, then
# writes "stopping at N" and exits), lets it run 3 s,
# runs `poweroff`. init stops herd first, herd stops the service and
# flushes its log, then the machine goes down. On the host, debugfs reads
# counter.log from the disk: every number 1..N must be there, in order,
# and the last line must be "stopping at M" with M = N or N + 1 (the trap
# may run between the counter's increment and its echo).
# A second boot kills herd with SIGKILL and checks that init starts it
# again and that the new herd replaced the example service's process.
set -u
FFI=${1:-0}
case ${2:?usage: $0 FFI OUT.tap} in /*) OUT=$2 ;; *) OUT=$PWD/$2 ;; esac
cd "$(dirname "$0")/.." || exit 2
B=build/herd-poweroff-ffi$FFI
rm -rf $B && mkdir -p $B/extra/etc/herd-test "$(dirname "$OUT")"
: > "$OUT"
mke2fs -q -F -t ext2 -b 1024 $B/disk.img 64M
cat > $B/extra/etc/herd-test/counter.sh <<'SH'
i=0
trap 'sleep 1; echo "stopping at $i"; exit 0' TERM
while :; do i=$((i + 1)); echo "$i"; done
SH
cat > $B/extra/etc/herd-test/counter.service <<'SVC'
exec=/bin/sh /etc/herd-test/counter.sh
log_max=1024M
stop_timeout=20s
SVC
make --no-print-directory run FFI=$FFI SMP=2 TIMEOUT=300 DISK=$B/disk.img ROOTFS_EXTRA=$B/extra \
	CMD='mount -t ext2 /dev/vda /var/log/herd && cp /etc/herd-test/counter.service /etc/herd/ && herd reload && sleep 3 && herd status && poweroff; sleep 100' \
	> $B/run.log 2>&1
debugfs -R 'cat /counter.log' $B/disk.img > $B/counter.log 2> $B/debugfs.log
lines=$(wc -l < $B/counter.log)
# the numbers, then the last line
awk '
	$2 == "out" && $3 ~ /^[0-9]+$/ { if ($3 != n + 1) { bad++; if (bad < 5) print "gap after " n ": " $3 > "/dev/stderr" } n = $3; next }
	$2 == "out" && $3 == "stopping" { stop = $5; next }
	{ other++ }
	END { printf "%d %d %d %d\n", n, stop == "" ? -1 : stop, bad + 0, other + 0 }
' $B/counter.log > $B/summary 2> $B/gaps
read -r last stop gaps other < $B/summary
echo "# counter.log: $lines lines, numbers up to $last, final line 'stopping at $stop', $gaps gaps, $other other lines" >> "$OUT"
if [ "$last" -gt 0 ] && [ "$gaps" -eq 0 ] && [ "$other" -eq 0 ] &&
	{ [ "$stop" = "$last" ] || [ "$stop" = "$((last + 1))" ]; }; then
	echo "ok 1 herd-poweroff-ffi$FFI: poweroff loses no log line ($last lines and the stop line on the ext2 disk)" >> "$OUT"
else
	tail -20 $B/run.log
	echo "not ok 1 herd-poweroff-ffi$FFI: log on the disk incomplete (last $last, stop '$stop', gaps $gaps; $B)" >> "$OUT"
fi

# Second boot: herd killed with SIGKILL; init starts it again, and the new
# herd kills the example service's old process group and starts it afresh.
make --no-print-directory run FFI=$FFI SMP=2 TIMEOUT=300 \
	CMD='H=$(herd info | sed "s/pid=\([0-9]*\).*/\1/"); T=$(herd status ticker | sed "s/.*pid=\([0-9]*\).*/\1/"); echo "before herd=$H ticker=$T"; kill -9 $H; sleep 4; H2=$(herd info | sed "s/pid=\([0-9]*\).*/\1/"); T2=$(herd status ticker | sed "s/.*pid=\([0-9]*\).*/\1/"); echo "after herd=$H2 ticker=$T2"; herd status ticker; if [ -e /proc/$T ]; then echo "old ticker alive"; else echo "old ticker gone"; fi' \
	> $B/restart.log 2>&1
before=$(sed -n 's/^before herd=\([0-9]*\) ticker=\([0-9]*\).*/\1 \2/p' $B/restart.log)
after=$(sed -n 's/^after herd=\([0-9]*\) ticker=\([0-9]*\).*/\1 \2/p' $B/restart.log)
echo "# before: herd and ticker pids $before; after: $after" >> "$OUT"
if [ -n "$before" ] && [ -n "$after" ] && [ "${before% *}" != "${after% *}" ] &&
	[ "${before#* }" != "${after#* }" ] && grep -q '^ticker running' $B/restart.log &&
	grep -q 'old ticker gone' $B/restart.log; then
	echo "ok 2 herd-poweroff-ffi$FFI: init restarts a killed herd, which replaces the old service process" >> "$OUT"
else
	tail -20 $B/restart.log
	echo "not ok 2 herd-poweroff-ffi$FFI: herd restart by init ($B/restart.log)" >> "$OUT"
fi
cat "$OUT"
