#!/bin/bash
# make bench-debian: start-up times of the Debian disk's programs on both
# kernels (docs/debian.md): a dynamically linked true, python3 -c pass,
# node -e 0, bun --version, each ROUNDS times after a warm-up run
# (scripts/debian/bench.sh), Alloy and Debian's Linux booted alternately
# BOOTS times from the same image under the same QEMU flags
# (scripts/debian/boot.sh). Prints the table (median of all rounds of all
# boots, ratio > 1: Alloy is faster) and Alloy's kernel-heap peak over
# one bun --version; writes it to OUT.
#
#   bench-debian.sh XTASK KBIN KELF LINUXDIR ROOT.img OUT [BOOTS]
set -u
[ $# -ge 6 ] || { sed -n 11p "$0"; exit 2; }
XTASK=$1 KBIN=$2 KELF=$3 LINUX=$4 IMG=$5 OUT=$6 BOOTS=${7:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
SCRIPT=$HERE/debian/bench.sh
B=build/debian/bench
mkdir -p "$B" "$(dirname "$OUT")"
: > "$B/all.txt"
for i in $(seq "$BOOTS"); do
	for k in alloy linux; do
		d=$B/$k-$i
		case $k in
		alloy) r=$("$HERE/debian/boot.sh" alloy "$XTASK" "$KBIN" "$KELF" "$IMG" "$SCRIPT" "$d") ;;
		linux) r=$("$HERE/debian/boot.sh" linux "$LINUX" "$IMG" "$SCRIPT" "$d") ;;
		esac
		echo "  bench-debian: $k boot $i: ${r:-no result} (log $d/console.log)"
		sed -n "s/^@@ \(bench\|heap\|kernel\) /$k \1 /p" "$d/out.log" >> "$B/all.txt"
	done
done
python3 - "$B/all.txt" "$BOOTS" > "$OUT" <<'EOF'
import statistics, sys
rows, heap, kern, fails = {}, [], {}, []
for line in open(sys.argv[1]):
    f = line.split()
    k, what = f[0], f[1]
    if what == "kernel":
        kern[k] = " ".join(f[2:])
    elif what == "heap":
        heap.append(int(f[3]))
    else:
        name, st, ms = f[2], f[3], [int(x) for x in f[4:]]
        if st != "0":
            fails.append(f"{name}: {k} exit status {st}")
        rows.setdefault(name, {}).setdefault(k, []).extend(ms)
print(f"Alloy ({kern.get('alloy', '?')}) and Linux ({kern.get('linux', '?')}): "
      f"{sys.argv[2]} boots each from the same Debian disk, QEMU TCG -cpu max -smp 2 -m 1G")
print("median wall-clock ms over all rounds of all boots (bash EPOCHREALTIME); ratio > 1: Alloy is faster\n")
print(f"{'program':<16} {'Alloy ms':>9} {'Linux ms':>9} {'ratio':>7}")
print("-" * 44)
for name, ks in rows.items():
    a = statistics.median(ks["alloy"]) if ks.get("alloy") else None
    l = statistics.median(ks["linux"]) if ks.get("linux") else None
    cell = lambda v: f"{v:.0f}" if v is not None else "FAILED"
    ratio = f"{l / a:.2f}" if a and l else "-"
    print(f"{name:<16} {cell(a):>9} {cell(l):>9} {ratio:>7}")
if heap:
    print(f"\nAlloy's kernel heap over one bun --version, peak above the start: "
          f"{max(heap)} bytes (max of {len(heap)} boots)")
for f in dict.fromkeys(fails):
    print("note: failed:", f)
EOF
cat "$OUT"
