#!/bin/sh
# scripts/debian/cmd-disk.sh OUT.img 'COMMAND'
# A command disk for Alloy's init (userspace/init/init.c, docs/debian.md):
# the line "ALLOY-CMD", then the command byte for byte, then zeros to a
# whole 4 KiB. init runs it with bash -c when the root has no
# /etc/alloy-cmd, so the big root image is used as it is.
set -e
out=$1 cmd=$2
n=$(printf '%s' "$cmd" | wc -c)
[ "$n" -le 65536 ] || { echo "cmd-disk: the command is over 64 KiB" >&2; exit 1; }
printf 'ALLOY-CMD\n%s' "$cmd" > "$out.new"
truncate -s $(( (n + 10 + 4095) / 4096 * 4096 )) "$out.new"
mv "$out.new" "$out"
