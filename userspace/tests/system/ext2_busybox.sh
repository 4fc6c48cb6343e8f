#!/bin/sh
# ext2_busybox: everyday busybox work on the ext2 disk with 1 KiB blocks
# (/dev/vdc): mkdir -p, cp -r of /bin (hundreds of symlinks), mv, ln,
# ln -s, dd, md5sum before and after a remount, find, du, df, ls -l,
# truncate, rm -r, and the free space back where it started.
D=/mnt/vdc
fail=0
no() { echo "ext2_busybox: $*" >&2; fail=1; }

mkdir -p $D
mount -t ext2 /dev/vdc $D || { no "mount failed"; exit 1; }
free0=$(df -k $D | awk 'NR==2 { print $4 }')
[ -n "$free0" ] || no "df shows nothing for $D"

mkdir -p $D/bb/x/y/z || no "mkdir -p"
echo hello > $D/bb/x/y/z/f || no "echo >"
cp -r /bin $D/bb/bin || no "cp -r /bin"
n1=$(ls /bin | wc -l); n2=$(ls $D/bb/bin | wc -l)
[ "$n1" = "$n2" ] || no "cp -r /bin: $n1 names, $n2 copied"
dd if=/dev/urandom of=$D/bb/rand bs=1k count=3000 2>/dev/null || no "dd"
sum1=$(md5sum < $D/bb/rand)
mv $D/bb/rand $D/bb/x/rand2 || no "mv"
ln $D/bb/x/rand2 $D/bb/hard || no "ln"
ln -s x/y/z/f $D/bb/sym || no "ln -s"
truncate -s 100000 $D/bb/x/y/z/f || no "truncate"

cd / && umount $D || no "umount"
mount -t ext2 /dev/vdc $D || { no "remount failed"; exit 1; }
[ "$(md5sum < $D/bb/hard)" = "$sum1" ] || no "md5sum differs after a remount"
[ "$(head -c 5 $D/bb/sym)" = "hello" ] || no "symlink target content"
[ "$(stat -c %h $D/bb/hard)" = 2 ] || no "link count of a hard link"
[ "$(stat -c %s $D/bb/x/y/z/f)" = 100000 ] || no "truncate size"
[ "$(readlink $D/bb/sym)" = "x/y/z/f" ] || no "readlink"
[ "$(find $D/bb | wc -l)" -gt "$n1" ] || no "find"
du -s $D/bb > /dev/null || no "du"
ls -l $D/bb > /dev/null || no "ls -l"
[ -x $D/bb/bin/busybox ] || no "copied busybox lost its mode"
$D/bb/bin/busybox true || no "running busybox from the ext2 disk"

rm -r $D/bb || no "rm -r"
[ -e $D/bb ] && no "rm -r left $D/bb"
cd / && umount $D || no "umount 2"
mount -t ext2 /dev/vdc $D || { no "remount 2 failed"; exit 1; }
free1=$(df -k $D | awk 'NR==2 { print $4 }')
[ "$free0" = "$free1" ] || no "free space $free0 KiB before, $free1 KiB after"
umount $D || no "umount 3"
exit $fail
