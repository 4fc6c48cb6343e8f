#!/bin/bash
# scripts/fuzz-ext2.sh SECONDS OUT.tap
#
# Differential fuzzing of the ext2 parser: tests/fuzz/ext2_diff.c
# (libFuzzer, clang, ASan + UBSan) runs every input through the C fallback
# (kernel/fs/ext2/ext2_parse.c) and the Rust component and traps on any
# difference in return code, why code or output bytes, or a broken promise
# of ffi/ext2.h. The input's first bytes choose the call and its arguments
# (see the harness). Seeds: superblocks, group descriptors, inodes,
# directory and indirect blocks cut from the images in tests/vectors/ext2
# (gzip'd or not) and from small images made here with mke2fs, plus
# synthesized superblocks for every call; the corpus is a scratch
# directory, build/fuzz/ext2-corpus, emptied on every run. Writes one TAP
# line to OUT.tap:
#   ok 1 fuzz-ext2: N execs in S s, no difference
#   not ok 1 fuzz-ext2: ... # crash/difference, reproducer at PATH
# and prints the exec count. A failure is in the TAP (exit status 0); a
# missing tool exits 2 with a message.
#
# The Rust staticlib is the one scripts/fuzz-elf.sh builds with
# sanitizer-coverage in build/fuzz/cargo (built here the same way); if that
# build fails, target/release/liballoy_rs.a is used as it is. Reproduce:
# build/fuzz/ext2_diff PATH.
#
# Environment: CLANG (default clang-14, else clang), ALLOY_NO_CARGO=1 to
# skip cargo and link target/release/liballoy_rs.a as it is.
set -u

if [ $# -ne 2 ] || ! [ "$1" -gt 0 ] 2> /dev/null; then
	echo "usage: $0 SECONDS OUT.tap" >&2
	exit 2
fi
DURATION=$1
case $2 in
/*) OUT=$2 ;;
*) OUT=$PWD/$2 ;;
esac
cd "$(dirname "$0")/.." || exit 2
B=build/fuzz
X=$B/ext2
mkdir -p "$(dirname "$OUT")" $B $X
: > "$OUT"

result() { # result ok|"not ok" text
	echo "$1 1 fuzz-ext2: $2" > "$OUT"
	echo "fuzz-ext2: $1: $2"
}
missing() {
	echo "fuzz-ext2: missing $1 -- $2" >&2
	result "not ok" "tool missing: $1 ($2)"
	exit 2
}

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	if command -v clang-14 > /dev/null; then CLANG=clang-14
	elif command -v clang > /dev/null; then CLANG=clang
	else missing clang "apt-get install clang-14 libclang-rt-14-dev"
	fi
fi
command -v "$CLANG" > /dev/null || missing "$CLANG" "apt-get install clang-14"
printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	> $X/probe.c
"$CLANG" -fsanitize=fuzzer,address,undefined -o $X/probe $X/probe.c 2> $X/probe.log ||
	missing "libFuzzer/ASan runtime for $CLANG" "apt-get install libclang-rt-14-dev"
[ -f kernel/fs/ext2/ext2_parse.c ] || {
	result "not ok" "no C fallback (kernel/fs/ext2/ext2_parse.c) to compare with"
	exit 0
}

# ---- the Rust staticlib (the same instrumented build as fuzz-elf.sh)
LIB=target/release/liballoy_rs.a
if [ -d rust/alloy-rs ] && [ -z "${ALLOY_NO_CARGO:-}" ]; then
	[ -x /usr/bin/cargo ] || missing /usr/bin/cargo "apt-get install cargo-web rustc-web"
	[ -x /usr/bin/rustc ] || missing /usr/bin/rustc "apt-get install rustc-web"
	SANCOV="-C passes=sancov-module -C llvm-args=-sanitizer-coverage-level=4
		-C llvm-args=-sanitizer-coverage-inline-8bit-counters
		-C llvm-args=-sanitizer-coverage-pc-table
		-C llvm-args=-sanitizer-coverage-trace-compares -C overflow-checks"
	if RUSTC=/usr/bin/rustc CARGO_TARGET_DIR=$B/cargo RUSTFLAGS="$(echo $SANCOV)" \
		/usr/bin/cargo build --offline --release -q -p alloy-rs > $X/cargo.log 2>&1; then
		LIB=$B/cargo/release/liballoy_rs.a
	else
		echo "fuzz-ext2: instrumented Rust build failed ($X/cargo.log); trying the plain one"
		RUSTC=/usr/bin/rustc /usr/bin/cargo build --offline --release -q -p alloy-rs \
			>> $X/cargo.log 2>&1
	fi
fi
if [ ! -f "$LIB" ]; then
	tail -20 $X/cargo.log 2> /dev/null
	result "not ok" "no Rust staticlib ($LIB) to compare with # see $X/cargo.log"
	exit 0
fi

# ---- the fuzzer
# --gc-sections: the precompiled core objects in the staticlib refer to
# rust_eh_personality from unwind tables that no panic=abort code keeps.
if ! "$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -I. -DWITH_RUST -o $B/ext2_diff tests/fuzz/ext2_diff.c \
	kernel/fs/ext2/ext2_parse.c "$LIB" -Wl,--gc-sections \
	-lpthread -ldl -lm > $X/build.log 2>&1; then
	cat $X/build.log
	result "not ok" "build the fuzzer # see $X/build.log"
	exit 0
fi

# ---- seeds, dictionary, scratch corpus
MAXLEN=8192
rm -rf $X/seeds $X/images $B/ext2-corpus $X/artifacts
mkdir -p $X/seeds $X/images $B/ext2-corpus $X/artifacts
n=0
for f in tests/vectors/ext2/* tests/vectors/ext2/*/*; do
	[ -f "$f" ] || continue
	case $f in
	*.gz) gzip -dc "$f" > $X/images/v$n.img 2> /dev/null || rm -f $X/images/v$n.img ;;
	*.img | *.ext2 | *.bin | *.raw) cp "$f" $X/images/v$n.img ;;
	*) continue ;;
	esac
	n=$((n + 1))
done
# Small images with files, a directory, symlinks (fast and slow), a device
# and a file long enough for double indirect blocks, when mke2fs is here.
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
if [ -x "$MKE2FS" ]; then
	t=$X/tree
	rm -rf $t && mkdir -p $t/dir/sub
	echo hello > $t/hello
	ln -s hello $t/fast-link
	ln -s "$(printf 'a%.0s' $(seq 1 100))" $t/slow-link
	head -c 300000 /dev/zero | tr '\0' 'x' > $t/dir/big
	mkfifo $t/fifo 2> /dev/null || true
	"$MKE2FS" -q -F -t ext2 -b 1024 -N 64 -d $t $X/images/m1k.img 2048 > /dev/null 2>&1
	"$MKE2FS" -q -F -t ext2 -b 4096 -O ^resize_inode,^sparse_super,^filetype \
		-d $t $X/images/m4k.img 2048 > /dev/null 2>&1
	"$MKE2FS" -q -F -t ext2 -b 2048 -g 1024 -N 256 -r 0 $X/images/m2k.img 12288 \
		> /dev/null 2>&1
fi
if command -v python3 > /dev/null; then
	python3 - "$X/seeds" $X/images/*.img << 'EOF'
# Cut seeds for tests/fuzz/ext2_diff.c out of ext2 images: header
# (op, a, b, params) + superblock + the bytes the call reads.
import os, struct, sys

out, imgs = sys.argv[1], sys.argv[2:]
count = 0

def seed(op, a, b, payload):
    global count
    data = struct.pack('<BIQ', op, a & 0xffffffff, b & 0xffffffffffffffff) + bytes(8) + payload
    with open(os.path.join(out, 'img-%04d' % count), 'wb') as f:
        f.write(data[:8192])
    count += 1

def cut(path):
    try:
        img = open(path, 'rb').read()
    except OSError:
        return
    if len(img) < 2048:
        return
    sb = img[1024:2048]
    u32 = lambda b, o: struct.unpack_from('<I', b, o)[0]
    u16 = lambda b, o: struct.unpack_from('<H', b, o)[0]
    seed(0, 0, len(img), sb)
    if u16(sb, 56) != 0xEF53 or u32(sb, 24) > 2:
        return
    bs = 1024 << u32(sb, 24)
    blk = lambda n: img[n * bs:(n + 1) * bs] if (n + 1) * bs <= len(img) else b''
    fdb, bpg, ipg = u32(sb, 20), u32(sb, 32), u32(sb, 40)
    isz = u16(sb, 88) if u32(sb, 76) >= 1 else 128
    if bpg == 0 or ipg == 0 or isz == 0:
        return
    groups = -(-(u32(sb, 4) - fdb) // bpg)
    gdt = img[(fdb + 1) * bs:(fdb + 1) * bs + 32 * groups]
    for g in range(min(groups, 8)):
        gd = gdt[32 * g:32 * g + 32]
        seed(1, g, 0, sb + gd)
        seed(6, g, 0x1234 << 8, sb + gd)
        seed(6 | 0x80, g, 0x20 << 8, sb + gd)
    if len(gdt) < 32:
        return
    itab = u32(gdt, 8)
    for ino in range(1, min(ipg, 24) + 1):
        off = itab * bs + (ino - 1) * isz
        rec = img[off:off + isz]
        if len(rec) < isz:
            break
        seed(2, ino - 1, 0, sb + rec)  # a is shaped: ino = 1 + a % (count + 1)
        mode = u16(rec, 0) & 0xF000
        blocks = [u32(rec, 40 + 4 * i) for i in range(15)]
        if mode == 0x4000 and blocks[0]:
            d = blk(blocks[0])
            o = 0
            while o + 12 <= len(d):
                seed(3, o, 0, sb + d)
                rl = u16(d, o + 4)
                if rl < 12:
                    break
                o += rl
        if mode == 0x8000:
            for level in (12, 13, 14):
                if blocks[level]:
                    seed(5, 0, blocks[level] << 8 | 4, sb + blk(blocks[level]))
                    seed(5, 7, 1 << 8 | 4, sb + blk(blocks[level]))
    p = bs // 4
    for n in (0, 11, 12, 12 + p, 12 + p + p * p, 12 + p + p * p + p ** 3):
        seed(4, 0x80000000, n, sb)

for path in imgs:
    # A corrupt image is cut as far as it goes.
    try:
        cut(path)
    except (struct.error, IndexError, ValueError, OSError):
        pass
print('fuzz-ext2: %d seeds cut from %d images' % (count, len(imgs)))
EOF
fi
# Synthesized superblocks for every call (bit 3), raw and shaped.
i=0
for op in 0 1 2 3 4 5 6 7 8 16 24 32 64 128; do
	for params in '\x00\x00\x00\x00\x00\x00\x00\x00' '\x31\x10\x02\x05\x07\x09\x11\x03' \
		'\x3e\xff\x7f\x01\x20\x31\x40\x01' '\x02\x00\x01\x02\x03\x04\x05\x06'; do
		printf "\\x$(printf %02x $((op | 8)))\\x05\\x00\\x00\\x00\\x40\\x00\\x00\\x00\\x00\\x00\\x00\\x00$params" \
			> $X/seeds/syn-$i
		printf 'A%.0s' $(seq 1 64) >> $X/seeds/syn-$i
		i=$((i + 1))
	done
done
cat > $X/ext2.dict << 'EOF'
magic="\x53\xef"
rev1="\x01\x00\x00\x00"
filetype="\x02\x00\x00\x00"
resize="\x10\x00\x00\x00"
sparse="\x01\x00\x00\x00"
s_ifreg="\xa4\x81"
s_ifdir="\xed\x41"
s_iflnk="\xff\xa1"
s_ifchr="\xb6\x21"
bs1k="\x00\x04"
rec12="\x0c\x00"
slash="/"
u32_max="\xff\xff\xff\xff"
ino11="\x0b\x00\x00\x00"
ino2="\x02\x00\x00\x00"
EOF

# ---- run
echo "fuzz-ext2: fuzzing C against Rust for $DURATION s ($(ls $X/seeds | wc -l) seeds)"
start=$(date +%s)
timeout -s KILL $((DURATION + 120)) $B/ext2_diff -max_len=$MAXLEN \
	-max_total_time="$DURATION" -timeout=10 -print_final_stats=1 \
	-dict=$X/ext2.dict -artifact_prefix=$X/artifacts/ \
	$B/ext2-corpus $X/seeds > $X/fuzz.log 2>&1
st=$?
secs=$(($(date +%s) - start))

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' $X/fuzz.log | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' $X/fuzz.log | tail -1)
done_secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' $X/fuzz.log | tail -1)
[ -n "$done_secs" ] && secs=$done_secs
execs=${execs:-0}
echo "fuzz-ext2: $execs execs in $secs s (${rate:-?} exec/s)"

repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' $X/fuzz.log | tail -1)
if [ $st -eq 0 ] && [ -z "$repro" ] && [ "$execs" -gt 0 ]; then
	result ok "$execs execs in $secs s, no difference"
else
	grep -E '^ext2_diff:|^  (c|rust):|ERROR|SUMMARY|deadly signal' $X/fuzz.log | head -20
	why=$(grep -m1 -E '^ext2_diff: |SUMMARY: ' $X/fuzz.log | sed 's/^ext2_diff: //')
	[ -n "$why" ] || why="exit status $st"
	result "not ok" "$why after $execs execs in $secs s # crash/difference, reproducer at ${repro:-none (see $X/fuzz.log)}"
fi
exit 0
