#!/bin/bash
# scripts/check-ext2-image.sh IMG NAME OUT.tap [--keep]
#
# The host's oracle for an ext2 image the guest wrote: `e2fsck -fn` must
# find nothing to fix, and with --keep, debugfs must show the /keep tree
# that userspace/tests/system/ext2_ops.c leaves behind, byte for byte.
# Appends TAP lines "NAME: ..." to OUT.tap.
set -u
IMG=$1 NAME=$2 OUT=$3 KEEP=${4:-}
n=0
line() { echo "$1 1 $NAME: $2" >> "$OUT"; [ "$1" = ok ] || echo "not ok: $NAME: $2"; }

if [ ! -f "$IMG" ]; then
	line "not ok" "no image $IMG"
	exit 0
fi
log=$(e2fsck -fn "$IMG" 2>&1); st=$?
if [ $st -eq 0 ]; then
	line ok "e2fsck -fn: clean ($(echo "$log" | tail -1))"
else
	echo "$log" | head -40
	line "not ok" "e2fsck -fn exit status $st: $(echo "$log" | grep -v '^e2fsck\|^Pass' | head -3 | tr '\n' ' ')"
fi
# userspace/tests/system/xattr.c leaves /xattr-keep with attributes (vdc)
if debugfs -R 'stat /xattr-keep' "$IMG" 2>/dev/null | grep -q 'File ACL'; then
	debugfs -R 'ea_list /xattr-keep' "$IMG" 2>/dev/null | grep -q 'user.keep (13) = "kept by alloy"' &&
		line ok "debugfs: /xattr-keep has user.keep as the guest wrote it" ||
		line "not ok" "debugfs: /xattr-keep lacks user.keep"
fi
[ "$KEEP" = --keep ] || exit 0

dbg() { debugfs -R "$1" "$IMG" 2>/dev/null; }
[ "$(dbg 'cat /keep/hello.txt')" = "hello from alloy" ] &&
	line ok "debugfs: /keep/hello.txt holds what the guest wrote" ||
	line "not ok" "debugfs: /keep/hello.txt is '$(dbg 'cat /keep/hello.txt' | head -c 80)'"
tmp=$(mktemp)
dbg "dump /keep/dir/alphabet $tmp" > /dev/null
want=$(python3 -c "import sys; sys.stdout.write(''.join(chr(97 + i % 26) for i in range(300000)))" | md5sum)
[ "$(md5sum < "$tmp")" = "$want" ] &&
	line ok "debugfs: /keep/dir/alphabet (300000 bytes) matches" ||
	line "not ok" "debugfs: /keep/dir/alphabet differs ($(stat -c %s "$tmp") bytes)"
rm -f "$tmp"
dbg 'stat /keep/link' | grep -q 'Fast link dest: "hello.txt"' &&
	line ok "debugfs: /keep/link is a fast symlink to hello.txt" ||
	line "not ok" "debugfs: /keep/link is not a symlink to hello.txt"
names=$(dbg 'ls /keep' | tr -s ' \t\n' '\n' | grep -v '^(' | grep -v '^[0-9]*$' | sort | tr '\n' ' ')
[ "$names" = ". .. dir hello.txt link " ] &&
	line ok "debugfs: /keep lists . .. dir hello.txt link" ||
	line "not ok" "debugfs: /keep lists '$names'"
exit 0
