#!/bin/bash
# scripts/mkdisks.sh DIR
#
# Fresh disks for one system-suite boot, attached in this order:
#   DIR/vda.img  2 GiB sparse, `mke2fs -t ext2 -b 4096` (ext2_ops.c, the
#                1 GiB file, and the tree the host checks afterwards)
#   DIR/vdb.img  4 MiB of zeros: scratch for the corrupted-image test
#   DIR/vdc.img  64 MiB, `mke2fs -t ext2 -b 1024` (busybox and fs_basic
#                on 1 KiB blocks)
#   DIR/vdd.img  8 MiB ext2 holding one 1 MiB file, `slow`; the Makefile
#                attaches it read-only and throttled to 4 requests/s
#                (thr_fault_overlap: a fault that waits for the disk)
set -eu
D=$1
mkdir -p "$D"
rm -f "$D"/vd?.img
truncate -s 2G "$D/vda.img"
mke2fs -q -F -t ext2 -b 4096 "$D/vda.img"
truncate -s 4M "$D/vdb.img"
truncate -s 64M "$D/vdc.img"
mke2fs -q -F -t ext2 -b 1024 "$D/vdc.img"
slow=$(mktemp -d "${TMPDIR:-/tmp}/alloy-vdd.XXXXXX")
head -c 1M /dev/urandom > "$slow/slow"
truncate -s 8M "$D/vdd.img"
mke2fs -q -F -t ext2 -b 4096 -d "$slow" "$D/vdd.img"
rm -rf "$slow"
