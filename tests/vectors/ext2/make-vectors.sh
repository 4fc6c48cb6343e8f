#!/bin/bash
# tests/vectors/ext2/make-vectors.sh: (re)create the ext2 parser vectors.
#
# good/: small ext2 images made by the host's mke2fs and filled with
# debugfs -w: 1 KiB blocks (4 groups, sparse_super, resize_inode), 4 KiB
# blocks, and a revision 0 image (no features, no filetype). Each holds a
# small file, a file that needs double-indirect blocks with 1 KiB blocks,
# a sparse file, nested directories, a directory of several blocks, a fast
# and a slow symlink, character and block devices and a FIFO.
# bad/: copies of good/1k with one field broken each (named for it).
#
# Images are stored gzip'ed (-n: no name or time, so reruns give the same
# bytes when mke2fs does); tests/ffi/ext2_vectors.c reads them through
# `gzip -dc`. After running this, record and review the expected results:
#   scripts/test-ffi-ext2.sh, or build tests/ffi/ext2_vectors.c and run
#   ext2_vectors --record, then `git diff tests/vectors/ext2/expected.txt`.
#
# Needs e2fsprogs (apt-get install e2fsprogs) and gzip.
set -eu

cd "$(dirname "$0")"
for t in mke2fs debugfs gzip od; do
	command -v $t > /dev/null || PATH=$PATH:/sbin:/usr/sbin
	command -v $t > /dev/null || { echo "make-vectors: $t missing (apt-get install e2fsprogs)" >&2; exit 2; }
done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export E2FSPROGS_FAKE_TIME=1700000000	# fixed timestamps
export MKE2FS_CONFIG=/dev/null		# built-in defaults, not the host's

# ---- byte access on an image
rd32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
rd16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
wrn() { # wrn IMG OFF NBYTES VALUE: little-endian
	local img=$1 off=$2 n=$3 v=$4 s="" i
	for ((i = 0; i < n; i++)); do
		s+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255)))
	done
	printf "$s" | dd of="$img" bs=1 seek="$off" conv=notrunc status=none
}
wr32() { wrn "$1" "$2" 4 "$3"; }
wr16() { wrn "$1" "$2" 2 "$3"; }
wr8() { wrn "$1" "$2" 1 "$3"; }

# ---- source files
head -c 5000 /dev/zero | tr '\0' 'a' > $T/small
# 300 KiB, deterministic, not compressible to nothing: needs blocks
# 0..299, i.e. double-indirect ones with 1 KiB blocks (past 12 + 256)
i=0
while [ $i -lt 300 ]; do printf '%01023d\n' $i; i=$((i + 1)); done > $T/big
head -c 262144 $T/big > $T/sparse
LONG=/this/is/a/long/symlink/target/that/does/not/fit/in/the/sixty/bytes/of/i_block/so/it/takes/a/block

populate() { # populate IMG
	{
		echo "mkdir dir"
		echo "mkdir dir/sub"
		echo "mkdir many"
		echo "write $T/small small"
		echo "write $T/big big"
		echo "write $T/sparse sparse"
		echo "punch sparse 20 199"	# holes inside, some blocks mapped
		echo "write $T/small dir/sub/file"
		echo "symlink fastlink /dir/sub/file"
		echo "symlink slowlink $LONG"
		echo "mknod cdev c 4 1"
		echo "mknod bdev b 259 300"	# minor > 255: the new encoding
		echo "mknod fifo p"
		for k in $(seq 1 70); do echo "write $T/small many/entry-number-$k"; done
	} > $T/cmds
	debugfs -w -f $T/cmds "$1" > $T/debugfs.log 2>&1
	if grep -qi 'error\|could not\|not found' $T/debugfs.log; then
		cat $T/debugfs.log >&2
		exit 1
	fi
}

mkimg() { # mkimg NAME BLOCKS MKE2FS-ARGS...
	local name=$1 blocks=$2
	shift 2
	rm -f $T/$name.img
	mke2fs -q -F -t ext2 -U 6f1d2b2e-0000-4000-8000-000000000001 \
		-E hash_seed=6f1d2b2e-0000-4000-8000-000000000002 "$@" \
		$T/$name.img $blocks > $T/mke2fs.log 2>&1 || { cat $T/mke2fs.log >&2; exit 1; }
	populate $T/$name.img
}

mkdir -p good bad
rm -f good/*.img.gz bad/*.img.gz
mkimg 1k 4096 -b 1024 -g 1024 -N 256 -I 128
mkimg 4k 2048 -b 4096 -g 512 -N 512 -I 256
mkimg rev0 2048 -r 0 -b 1024 -N 128

# ---- where things are in the 1 KiB image
G=$T/1k.img
BS=1024
ino_of() { debugfs -R "stat /$1" $G 2> /dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'; }
ino_off() { # byte offset of inode $1's record
	local ino=$1 ipg itab isz
	ipg=$(rd32 $G $((1024 + 40)))
	isz=$(rd16 $G $((1024 + 88)))
	itab=$(rd32 $G $((2048 + 32 * ((ino - 1) / ipg) + 8)))
	echo $((itab * BS + ((ino - 1) % ipg) * isz))
}
blk_of() { # first data block of a file, from its inode
	rd32 $G $(($(ino_off $(ino_of $1)) + 40 + 4 * ${2:-0}))
}
variant() { # variant NAME: a copy of the 1k image to break
	cp $G bad/$1.img
	echo bad/$1.img
}

BIG=$(ino_of big)
BIG_IND=$(rd32 $G $(($(ino_off $BIG) + 40 + 48)))	# single indirect
ITAB0=$(rd32 $G $((2048 + 8)))
BBMP0=$(rd32 $G $((2048 + 0)))
DIRBLK=$(blk_of dir)			# ".", "..", "sub"
MANYBLK=$(blk_of many)
echo "1k: big is inode $BIG (indirect $BIG_IND), inode table 0 at $ITAB0," \
	"dir block $DIRBLK, many block $MANYBLK"

# superblock (at byte 1024)
v=$(variant magic); wr16 $v $((1024 + 56)) 0xEF52
v=$(variant rev-2); wr32 $v $((1024 + 76)) 2
v=$(variant log-block-size-3); wr32 $v $((1024 + 24)) 3
v=$(variant incompat-extents); wr32 $v $((1024 + 96)) 0x42
v=$(variant frag-size); wr32 $v $((1024 + 28)) 1
v=$(variant blocks-per-group-odd); wr32 $v $((1024 + 32)) 1020
v=$(variant inode-size-96); wr16 $v $((1024 + 88)) 96
v=$(variant first-data-block-0); wr32 $v $((1024 + 20)) 0
v=$(variant blocks-count-past-device); wr32 $v $((1024 + 4)) 8192
v=$(variant inodes-count); wr32 $v $((1024 + 0)) 257
v=$(variant first-ino-0); wr32 $v $((1024 + 84)) 0
v=$(variant reserved-gdt-huge); wr16 $v $((1024 + 206)) 300
v=$(variant free-blocks-count); wr32 $v $((1024 + 12)) 5000
cp $G bad/truncated.img; truncate -s $((3000 * BS)) bad/truncated.img
echo bad/truncated.img
# group descriptors (at block 2)
v=$(variant gd-block-bitmap-in-sb); wr32 $v 2048 1
v=$(variant gd-bitmaps-equal); wr32 $v $((2048 + 4)) $BBMP0
v=$(variant gd-inode-table-past-group); wr32 $v $((2048 + 32 + 8)) 2045
v=$(variant gd-free-inodes); wr16 $v $((2048 + 32 * 2 + 14)) 300
# inodes
v=$(variant inode-mode); wr16 $v $(ino_off $BIG) 0xF1A4
v=$(variant inode-block-past-end); wr32 $v $(($(ino_off $BIG) + 40 + 4)) 4096
v=$(variant inode-acl-past-end); wr32 $v $(($(ino_off $(ino_of small)) + 104)) 5000
v=$(variant dir-size-odd); wr32 $v $(($(ino_off $(ino_of dir)) + 4)) 1000
v=$(variant fast-symlink-long); wr32 $v $(($(ino_off $(ino_of fastlink)) + 4)) 60
v=$(variant slow-symlink-size-0); wr32 $v $(($(ino_off $(ino_of slowlink)) + 4)) 0
v=$(variant inode-block-is-bitmap); wr32 $v $(($(ino_off $(ino_of small))+ 40)) $BBMP0
# directory entries of /dir: "." at 0, ".." at 12, "sub" at 24
v=$(variant dirent-rec-len-loop); wr16 $v $((DIRBLK * BS + 12 + 4)) 0
v=$(variant dirent-rec-len-overlap); wr16 $v $((DIRBLK * BS + 24 + 4)) 1004
v=$(variant dirent-rec-len-unaligned); wr16 $v $((DIRBLK * BS + 4)) 14
v=$(variant dirent-name-len); wr8 $v $((DIRBLK * BS + 12 + 6)) 5
v=$(variant dirent-reserved-inode); wr32 $v $((DIRBLK * BS + 24)) 5
v=$(variant dirent-inode-past-end); wr32 $v $((MANYBLK * BS + 24)) 300
v=$(variant dirent-slash); wr8 $v $((DIRBLK * BS + 24 + 8)) 47
v=$(variant dirent-file-type); wr8 $v $((DIRBLK * BS + 24 + 7)) 9
# indirect blocks of /big
v=$(variant indirect-self); wr32 $v $((BIG_IND * BS + 4 * 3)) $BIG_IND
v=$(variant indirect-inode-table); wr32 $v $((BIG_IND * BS + 4 * 5)) $((ITAB0 + 1))
v=$(variant indirect-past-end); wr32 $v $((BIG_IND * BS + 4 * 7)) 4097

for n in 1k 4k rev0; do cp $T/$n.img good/$n.img; done
for f in good/*.img bad/*.img; do gzip -9 -n -f $f; done
du -ch good bad | tail -1
