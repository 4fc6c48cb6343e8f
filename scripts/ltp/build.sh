#!/bin/bash
# scripts/ltp/build.sh SRC OUT ROOT [LIST]
#
# Builds LTP's syscall tests as static glibc programs (gcc -static with
# Debian's libc6-dev) and installs them into ROOT (ROOT/testcases/bin,
# ROOT/runtest/syscalls), the tree scripts/ltp/ltp.py puts on an ext2 disk.
#   SRC   the release tarball (ltp-*.tar.xz) or an LTP source tree
#   OUT   the build directory (build/ltp): SRC is unpacked or copied to
#         OUT/<name>, configured once, and rebuilt only when SRC changes
#   LIST  optional: only the tests named in this file (one per line, #
#         comments), as `make test` needs; without it the whole
#         testcases/kernel/syscalls tree (a test that does not compile is
#         left out, as LTP's own build does with make -k)
# Only the library and testcases/kernel/syscalls are built. MAKE_JOBS
# (default 2) is make's -j.
set -euo pipefail
SRC=$1 OUT=$2 ROOT=$3 LIST=${4:-}
JOBS=${MAKE_JOBS:-2}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
srcabs=$(realpath "$SRC")
if [ -f "$SRC" ]; then
	name=$(basename "$SRC"); name=${name%%.tar*}
	# the content, not the mtime: a tarball copied again (same bytes, new
	# mtime) must not throw away a build that took the better part of an hour
	id="tarball $srcabs $(sha1sum < "$SRC" | cut -d' ' -f1)"
else
	name=$(basename "$srcabs")
	id="tree $srcabs"
fi
tree=$OUT/$name
log=$OUT/build-logs
mkdir -p "$log"

if [ ! -f "$tree/.alloy-configured" ] || [ "$(cat "$tree/.alloy-configured")" != "$id" ]; then
	echo "ltp: unpacking $SRC into $tree"
	rm -rf "$tree"
	if [ -f "$SRC" ]; then
		mkdir -p "$tree"
		tar -xf "$SRC" -C "$tree" --strip-components=1
	else
		cp -a "$srcabs" "$tree"
	fi
	for t in autoconf automake pkg-config; do
		command -v $t >/dev/null || { echo "ltp: $t missing (scripts/deps.sh installs it)" >&2; exit 1; }
	done
	echo "ltp: make autotools, configure (static)"
	(cd "$tree" && make autotools > "$log/autotools.log" 2>&1 &&
		./configure LDFLAGS=-static --prefix=/opt/ltp > "$log/configure.log" 2>&1) ||
		{ tail -20 "$log/configure.log" "$log/autotools.log" >&2; exit 1; }
	echo "$id" > "$tree/.alloy-configured"
fi

# the same source and the same list as last time: ROOT is up to date
want="$id $( [ -n "$LIST" ] && sha1sum < "$LIST" | cut -d' ' -f1 || echo all)"
if [ -f "$ROOT/.alloy-built" ] && [ "$(cat "$ROOT/.alloy-built")" = "$want" ]; then
	echo "ltp: $ROOT is up to date"
	exit 0
fi

echo "ltp: make -C lib"
make -C "$tree/lib" -j"$JOBS" > "$log/lib.log" 2>&1 || { tail -30 "$log/lib.log" >&2; exit 1; }

stage=$OUT/stage-$(basename "$ROOT")
rm -rf "$stage"
sys=$tree/testcases/kernel/syscalls
if [ -z "$LIST" ]; then
	echo "ltp: make -C testcases/kernel/syscalls (-j$JOBS, a few tens of minutes the first time)"
	make -C "$sys" -j"$JOBS" -k > "$log/syscalls.log" 2>&1 || true
	make -C "$sys" -k install DESTDIR="$stage" > "$log/install.log" 2>&1 || true
else
	# only the listed programs, each with a make of its own target in its
	# directory (a whole directory such as fcntl/ is 80 programs)
	mkdir -p "$stage/testcases/bin"
	# Each listed test's program and the directory of its source: one
	# pass over runtest/syscalls and one over the sources, not a find per
	# test; then the programs build $JOBS at a time (each is a small
	# compile and a static link: sequential, 850 of them took minutes).
	find "$sys" -name '*.c' > "$log/sources.txt"
	sed 's/#.*//' "$LIST" | awk -v src="$log/sources.txt" -v rt="$tree/runtest/syscalls" '
		BEGIN {
			while ((getline l < rt) > 0) { split(l, f, " "); if (f[1] != "" && !(f[1] in prog)) prog[f[1]] = f[2] }
			while ((getline l < src) > 0) { n = split(l, p, "/"); b = p[n]; sub(/\.c$/, "", b); if (!(b in dir)) { d = l; sub(/\/[^\/]*$/, "", d); dir[b] = d } }
		}
		NF {
			t = $1
			if (!(t in prog)) { print "ltp: " t " is not in runtest/syscalls" > "/dev/stderr"; next }
			pr = prog[t]; base = pr; sub(/_(64|16)$/, "", base)
			d = (pr in dir) ? dir[pr] : (base in dir) ? dir[base] : ""
			if (d == "") { print "ltp: no source for " t " (" pr ")" > "/dev/stderr"; next }
			if (!((d, pr) in seen)) { seen[d, pr] = 1; print d, pr }
			want[d] = 1
		}
		END {	# the programs a listed test runs (execve06_child,
			# mount03_suid_child, execveat_errno, ...): the other
			# sources of its directory that are no test of their own
			# (those with a main() are kept below)
			for (tn in prog)
				isprog[prog[tn]] = 1
			for (b in dir)
				if ((dir[b] in want) && !(b in isprog) && !((dir[b], b) in seen))
					print dir[b], b, "helper"
		}' > "$log/list-cand.txt"
	while read -r d prog kind; do
		[ -z "$kind" ] || grep -qE '^(int|void)[[:space:]]+main[[:space:]]*\(' "$d/$prog.c" 2>/dev/null || continue
		echo "$d $prog"
	done < "$log/list-cand.txt" > "$log/list-progs.txt"
	# one make per directory (its programs may share objects), $JOBS
	# directories at once; -k: a program that does not build is left out
	: > "$log/list.log"
	awk '{ p[$1] = p[$1] " " $2 } END { for (d in p) print d p[d] }' "$log/list-progs.txt" |
		xargs -P "$JOBS" -L 1 sh -c 'd=$0; make -k -C "$d" "$@" > "$d/.alloy-build.log" 2>&1 || true'
	n=0
	while read -r d prog; do
		if [ -f "$d/.alloy-build.log" ]; then
			cat "$d/.alloy-build.log" >> "$log/list.log"
			rm -f "$d/.alloy-build.log"
		fi
		if [ ! -x "$d/$prog" ]; then
			echo "ltp: $prog does not build (log $log/list.log)" >&2
			continue
		fi
		install -m 755 "$d/$prog" "$stage/testcases/bin/$prog"
		n=$((n + 1))
	done < "$log/list-progs.txt"
	echo "ltp: built $n programs for $(grep -c '^[a-z]' "$LIST") listed tests"
fi
bin=$(find "$stage" -type d -path '*/testcases/bin' | head -1)
[ -n "$bin" ] || { echo "ltp: nothing was installed (logs in $log)" >&2; exit 1; }
rm -rf "$ROOT"
mkdir -p "$ROOT/runtest"
mv "$(dirname "$bin")" "$ROOT/testcases"
cp "$tree/runtest/syscalls" "$ROOT/runtest/syscalls"
rm -rf "$stage"
# debug information is most of each program's size (and of the image)
find "$ROOT/testcases/bin" -type f -perm -u+x -exec sh -c \
	'for f; do head -c4 "$f" | grep -q ELF && strip --strip-debug "$f"; done' sh {} + || true
# every program must be static: neither kernel gets a dynamic loader
dyn=$(find "$ROOT/testcases/bin" -type f -perm -u+x -exec file {} + | grep -c 'dynamically linked' || true)
echo "$want" > "$ROOT/.alloy-built"
echo "ltp: $(ls "$ROOT/testcases/bin" | wc -l) files in $ROOT/testcases/bin ($dyn dynamically linked)"
