#!/bin/sh
# ext2_fs_basic: fs_basic's checks of every file syscall again, this time in
# a directory of the ext2 disk with 1 KiB blocks (/dev/vdc), then the same
# tree checked after an unmount and a mount.
D=/mnt/vdc
mkdir -p $D
mount -t ext2 /dev/vdc $D || { echo "ext2_fs_basic: mount /dev/vdc failed" >&2; exit 1; }
mkdir -p $D/fsb && cd $D/fsb || exit 1
/tests/fs_basic
st=$?
cd / || exit 1
umount $D || { echo "ext2_fs_basic: umount failed" >&2; st=1; }
mount -t ext2 /dev/vdc $D || { echo "ext2_fs_basic: remount failed" >&2; exit 1; }
rm -rf $D/fsb || st=1
[ -e $D/fsb ] && { echo "ext2_fs_basic: rm -rf left $D/fsb" >&2; st=1; }
umount $D || st=1
exit $st
