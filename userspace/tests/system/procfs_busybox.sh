#!/bin/sh
# procfs_busybox: the busybox tools that read /proc (and sysinfo) print
# what they should: ps lists itself and init, top -b one screen with its
# header, free's total is MemTotal, mount lists / and /proc, uptime shows
# the load, df shows / but not /proc.
fail=0
no() { echo "procfs_busybox: $*" >&2; fail=1; }

out=$(ps)
echo "$out" | head -1 | grep -q 'PID' || no "ps: no header: $out"
echo "$out" | grep -q "^ *1 " || no "ps: no pid 1"
# a NOEXEC applet: comm "ps" in braces, then the shell's command line
echo "$out" | grep -q '{ps}\| ps$' || no "ps: does not show itself: $out"
sleep 5 &
sp=$!
seen=0
for i in 1 2 3 4 5; do	# until the child has exec'd sleep
	ps | grep -q "^ *$sp .*sleep 5" && { seen=1; break; }
	sleep 1
done
[ $seen = 1 ] || no "ps: no 'sleep 5' as pid $sp: $(ps)"
kill $sp; wait $sp 2>/dev/null
ps | grep -q "^ *$sp " && no "ps: pid $sp still listed after it was reaped"

out=$(top -b -n 1)
echo "$out" | grep -q '^Mem:' || no "top: no Mem: line: $out"
echo "$out" | grep -q '^CPU:' || no "top: no CPU: line"
echo "$out" | grep -q '^Load average:' || no "top: no Load average: line"
echo "$out" | grep -q 'PID' || no "top: no process header"
echo "$out" | grep -q 'top -b -n 1' || no "top: does not show itself"

total=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
ftotal=$(free | awk '/^Mem:/ { print $2 }')
[ -n "$total" ] && [ "$total" = "$ftotal" ] || no "free: total '$ftotal', MemTotal '$total'"
fused=$(free | awk '/^Mem:/ { print $3 }')
[ "$fused" -gt 0 ] 2>/dev/null && [ "$fused" -lt "$total" ] || no "free: used '$fused'"

out=$(mount)
echo "$out" | grep -q ' on / type ' || no "mount: no /: $out"
echo "$out" | grep -q '^proc on /proc type proc ' || no "mount: no /proc"
echo "$out" | grep -q ' on /dev type ' || no "mount: no /dev"

uptime | grep -Eq 'load average: [0-9]+\.[0-9][0-9], [0-9]+\.[0-9][0-9], [0-9]+\.[0-9][0-9]$' ||
	no "uptime: $(uptime)"
uptime | grep -q 'up ' || no "uptime: no 'up'"

out=$(df)
echo "$out" | grep -q ' /$' || no "df: no /: $out"
echo "$out" | grep -q ' /proc$' && no "df: /proc has no blocks and should be left out"

# lock statistics (debug builds, which the tests run): the run queues and
# the mm locks are taken all the time, so both have counts; the classes
# are sorted by time waited
ls=$(cat /proc/lock_stat)
echo "$ls" | head -1 | grep -q '^# class kind acquired contended' || no "lock_stat: header: $(echo "$ls" | head -1)"
n=$(echo "$ls" | awk '$1 == "runqueue" && $2 == "spin" { print $3 }')
[ "${n:-0}" -gt 100 ] 2>/dev/null || no "lock_stat: runqueue acquired '$n'"
n=$(echo "$ls" | awk '$1 == "user-mm" && $2 ~ /^rwsem/ { s += $3 } END { print s }')
[ "${n:-0}" -gt 0 ] 2>/dev/null || no "lock_stat: user-mm acquired '$n'"
echo "$ls" | awk 'NR > 1 { if (prev != "" && $5 > prev) bad = 1; prev = $5 } END { exit bad }' ||
	no "lock_stat: not sorted by wait_total_us"

exit $fail
