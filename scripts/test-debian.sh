#!/bin/bash
# The programs of issue 15 on the Debian root disk (docs/debian.md).
#
#   test-debian.sh alloy  XTASK KBIN KELF ROOT.img STAGE OUT.tap NAME
#   test-debian.sh linux  LINUXDIR ROOT.img STAGE OUT.tap NAME
#   test-debian.sh chroot STAGE OUT.tap NAME
#
# alloy boots Alloy from a copy of ROOT.img (root=/dev/vda, init=
# /sbin/alloy-init) with scripts/debian/programs.sh on the command disk;
# linux boots Debian's own kernel (scripts/bench-linux-kernel.sh's
# LINUXDIR, with an initramfs that loads virtio/ext4 and switches to the
# same disk) the same way, to prove this test right on a kernel that runs
# the programs; chroot runs programs.sh in STAGE on the host. Then the
# host checks each case's output against values it computes itself,
# reads back what the programs wrote (git log and fsck, the database with
# the host's sqlite3, node's and python's files) and, after a boot, runs
# e2fsck -fn on the disk. STAGE is the tree ROOT.img was made from
# (build/debian/stage). Writes TAP to OUT.tap; exits 0 (the TAP says).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PROGRAMS=$HERE/debian/programs.sh
mode=${1:-}
shift || true
case $mode in
alloy) [ $# = 7 ] || { sed -n 4,6p "$0"; exit 2; }
	XTASK=$1 KBIN=$2 KELF=$3 IMG=$4 STAGE=$5 OUT=$6 NAME=$7 ;;
linux) [ $# = 5 ] || { sed -n 4,6p "$0"; exit 2; }
	LINUX=$1 IMG=$2 STAGE=$3 OUT=$4 NAME=$5 ;;
chroot) [ $# = 3 ] || { sed -n 4,6p "$0"; exit 2; }
	STAGE=$1 OUT=$2 NAME=$3 ;;
*) sed -n 4,6p "$0"; exit 2 ;;
esac
B=build/debian/test-$mode
mkdir -p "$(dirname "$OUT")"
: > "$OUT"
n=0
line() {	# line ok|"not ok" TEXT [# directive]
	n=$((n + 1))
	echo "$1 $n $NAME: $2" >> "$OUT"
	echo "  $1 $n $NAME: $2"
}
check() {	# check TEXT COMMAND...: ok when the command succeeds
	local what=$1
	shift
	if "$@"; then line ok "$what"; else line "not ok" "$what"; fi
}

# ---- run programs.sh (scripts/debian/boot.sh): $B/out.log gets everything it printed
case $mode in
alloy) r=$("$HERE/debian/boot.sh" alloy "$XTASK" "$KBIN" "$KELF" "$IMG" "$PROGRAMS" "$B") ;;
linux) r=$("$HERE/debian/boot.sh" linux "$LINUX" "$IMG" "$PROGRAMS" "$B") ;;
chroot) r=$("$HERE/debian/boot.sh" chroot "$STAGE" "$PROGRAMS" "$B") ;;
esac
secs=${r% *} status=${r#* }
[ -n "$r" ] || { secs=0 status=1; }
echo "  $NAME: $mode run took ${secs}s, exit status $status (log $B/console.log)"

# ---- the cases
out() {	# the output of case $1
	awk -v n="$1" '$0 == "@@ begin " n {on = 1; next}
		on && $1 == "@@" && $2 == "end" && $3 == n {exit}
		on {print}' "$B/out.log"
}
st() {	# the exit status of case $1 (empty if it never ended)
	awk -v n="$1" '$1 == "@@" && $2 == "end" && $3 == n {print $4}' "$B/out.log"
}
# one check per case: it ran to the end with status 0 and its output is
# what the host computed; a failure shows what the guest printed
expect() {	# expect CASE WHAT EXPECTED-OUTPUT
	local got s
	got=$(out "$1") s=$(st "$1")
	if [ "$s" = 0 ] && [ "$got" = "$3" ]; then
		line ok "$1: $2"
	else
		line "not ok" "$1: $2 (status '${s:-none}')"
		{ echo "    expected:"; echo "$3" | sed 's/^/      /'; echo "    got:"
		  echo "$got" | head -20 | sed 's/^/      /'; }
	fi
}
py() { python3 -c "$1"; }

grep -q '^@@ kernel ' "$B/out.log" && line ok "the Debian disk's bash ran the script ($(sed -n 's/^@@ kernel //p' "$B/out.log"))" ||
	{ line "not ok" "the script never started (exit status $status)"; tail -15 "$B/out.log" | sed 's/^/    /'; }

expect true "a dynamically linked true" ""
expect ld-direct "the loader run as a program" "loader ran echo"
got=$(out ls)
[ "$(st ls)" = 0 ] && [ "$(echo "$got" | wc -l)" = 10 ] && echo "$got" | head -1 | grep -q '^total [0-9]' &&
	! echo "$got" | tail -n +2 | grep -Evq '^[-dlcbps][-rwxsStT]{9} ' &&
	line ok "ls: ls -la /usr/bin | head: 10 lines of modes" ||
	{ line "not ok" "ls: ls -la /usr/bin | head"; echo "$got" | sed 's/^/      /'; }
expect bash-script "functions, arrays, pipes" "$(py '
a = [3, 1, 4, 1, 5, 9, 2, 6]
print(f"sum={sum(x * x for x in a)} n={len(a)}")
print(" ".join(map(str, sorted(set(a)))))
print("assoc=3")')"
expect find "find /usr/lib -name '*.so*' | wc -l" "$(find "$STAGE/usr/lib" -name '*.so*' | wc -l)"
expect python3 "json, os, subprocess, threading, sqlite3, hashlib" "$(py '
import hashlib, json
sq = lambda n: (n - 1) * n * (2 * n - 1) // 6
print(json.dumps({"sha256": hashlib.sha256(b"alloy" * 1000).hexdigest(),
    "t1": sq(100000), "t2": sq(200000), "child": "from-child",
    "sum": 999 * 1000 // 2, "cwd": "/root/alloy-test", "file": 16}, sort_keys=True))')"
expect node "fs, child_process, setTimeout, Promise, worker_thread, crypto" "$(py '
import hashlib, json
t = "written by node\n" * 1000
print(json.dumps({"sha256": hashlib.sha256(t.encode()).hexdigest(), "child": "from-child",
    "len": len(t), "worker": 999999 * 1000000 // 2}, separators=(",", ":")))')"
bunver=$(sed -n 's|^npm:@oven/bun-linux-x64-baseline@\([^ ]*\) .*|\1|p' "$HERE/debian/packages.txt")
buneval=$(py '
import hashlib, json
print(json.dumps({"s": 1 + 4 + 9 + 16, "bun": "string",
    "sha": hashlib.sha256(b"alloy").hexdigest()}, separators=(",", ":")))')
for b in bun bun-musl; do
	for c in version eval; do
		# bun-musl needs a musl build of libstdc++.so.6, which Debian does
		# not ship (docs/debian.md): when musl's loader says exactly that,
		# the case is skipped for it; any other result is checked as usual
		if [ $b = bun-musl ] && [ "$(st $b-$c)" = 127 ] &&
			out $b-$c | head -1 | grep -qx 'Error loading shared library libstdc++.so.6: No such file or directory (needed by /usr/local/bin/bun-musl)'; then
			line ok "$b-$c: # SKIP musl's loader finds no musl libstdc++.so.6 (Debian has none)"
			continue
		fi
		[ $c = version ] && expect $b-$c "$b --version" "$bunver" || true
		[ $c = eval ] && expect $b-$c "$b -e" "$buneval" || true
	done
done
gitout=$(out git)
head=$(echo "$gitout" | sed -n 3p)
expect git "init, add, commit, log" "$(printf '%s\n' 'second commit on alloy' 'first commit on alloy' "$head" 0)"
sqlsum=$(py 'print(sum(i * 7919 % 100003 for i in range(1, 100001)))')
got=$(out sqlite3)
if [ "$(st sqlite3)" = 0 ] && [ "$(echo "$got" | sed -n 1,2p)" = "$(printf '100000|%s\n500|row500' "$sqlsum")" ] &&
	echo "$got" | grep -q 'SEARCH t USING COVERING INDEX t_k (k=?)'; then
	line ok "sqlite3: 100000 rows in one transaction, an indexed query"
else
	line "not ok" "sqlite3: 100000 rows in one transaction, an indexed query (status '$(s=$(st sqlite3); echo "${s:-none}")')"
	echo "$got" | head -10 | sed 's/^/      /'
fi
expect lua "lua5.4 -e" "$(py '
print(",".join(str(i * i) for i in range(1, 11)) + "\t10\t3.1416")')"
expect perl "perl -e" "$(py '
print(sum(i * i for i in range(1, 11))); print(",".join(str(i * i) for i in range(1, 11)))')"
expect strace "strace -f follows a pipeline's fork into its execve" "$(printf '%s\n' HI /usr/bin/bash /usr/bin/tr 'pids=2 2')"
expect gdb "gdb: a breakpoint, two steps, a variable printed and set" "$(printf '%s\n' 'Breakpoint 1, main ()' '$1 = 42' '$2 = 7' x=7 '[Inferior 1 (process N) exited normally]')"
grep -q '^@@ done' "$B/out.log" && line ok "the script ran to its end" || line "not ok" "the script did not reach its end"

# ---- what the programs left on the disk, read by the host's tools
W=$B/written
case $mode in
chroot) mkdir -p "$W" && cp -a "$STAGE/root/alloy-test/." "$W/" && rm -rf "$STAGE/root/alloy-test" ;;
*)	log=$(e2fsck -fn "$B/root.img" 2>&1) && line ok "e2fsck -fn: the disk is clean after the run" ||
		{ line "not ok" "e2fsck -fn found problems"; echo "$log" | head -20 | sed 's/^/    /'; }
	mkdir -p "$W" && debugfs -R "rdump /root/alloy-test $W" "$B/root.img" > /dev/null 2>&1
	W=$W/alloy-test ;;
esac
[ "$(sha256sum 2>/dev/null < "$W/node.txt" | cut -d' ' -f1)" = "$(py 'import hashlib; print(hashlib.sha256(b"written by node\n" * 1000).hexdigest())')" ] &&
	line ok "node's file reads back the same on the host" || line "not ok" "node's file is missing or differs"
[ "$(cat "$W/py.txt" 2>/dev/null)" = "python was here" ] &&
	line ok "python's file reads back on the host" || line "not ok" "python's file is missing or differs"
if [ -d "$W/repo/.git" ] && git -C "$W/repo" fsck --strict --no-progress > "$B/fsck.log" 2>&1 &&
	[ "$(git -C "$W/repo" log --format=%s | tr '\n' /)" = "second commit on alloy/first commit on alloy/" ] &&
	[ "$(git -C "$W/repo" rev-parse HEAD)" = "$head" ] &&
	[ "$(git -C "$W/repo" show HEAD:d/n.txt | sha256sum)" = "$(seq 1 1000 | sha256sum)" ]; then
	line ok "git fsck and git log on the host: both commits, HEAD as the guest said"
else
	line "not ok" "the host's git finds the repository missing or wrong"; head -5 "$B/fsck.log" 2>/dev/null
fi
if [ "$(sqlite3 "$W/db.sqlite" 'pragma integrity_check' 2>&1)" = ok ] &&
	[ "$(sqlite3 "$W/db.sqlite" 'select count(*), sum(k) from t' 2>&1)" = "100000|$sqlsum" ]; then
	line ok "the host's sqlite3: integrity_check ok, all 100000 rows"
else
	line "not ok" "the host's sqlite3 finds the database missing or damaged"
fi
echo "  $NAME: milliseconds per case:" $(awk '$1 == "@@" && $2 == "end" {printf "%s=%s ", $3, $5}' "$B/out.log")
fails=$(grep -c '^not ok' "$OUT")
echo "  $NAME: $((n - fails)) passed, $fails failed"
exit 0
