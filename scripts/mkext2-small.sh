#!/bin/bash
# scripts/mkext2-small.sh OUT.img
#
# The pristine image that userspace/tests/system/ext2_corrupt.c damages
# a hundred ways: 2 MiB, 1 KiB blocks, made reproducibly with
# mke2fs -d from a small tree (files of 0 B to 300 KiB, so direct, single
# and double indirect blocks; nested directories; fast and slow symlinks).
set -eu
OUT=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/a/b/c" "$T/d" "$T/many"
echo hello > "$T/hello"
: > "$T/empty"
head -c 5000 /dev/zero | tr '\0' 'x' > "$T/a/five-k"
python3 -c "import sys; sys.stdout.write(''.join(chr(65 + i % 26) for i in range(300000)))" > "$T/a/b/c/big"
for i in $(seq 1 60); do echo "$i" > "$T/many/file-$i"; done
ln -s hello "$T/fast-link"
ln -s "$(printf 'long/%.0s' $(seq 1 30))target" "$T/d/slow-link"
rm -f "$OUT"
E2FSPROGS_FAKE_TIME=1700000000 mke2fs -q -F -t ext2 -b 1024 -U 0b4d1e2f-0000-4000-8000-000000000001 \
	-E hash_seed=0b4d1e2f-0000-4000-8000-000000000002 -d "$T" "$OUT" 2M
