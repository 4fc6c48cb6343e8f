#!/usr/bin/env bash
# Boots the kernel with each crashtest= option and checks that the console
# shows what a developer needs: the fault, CR2, registers and a symbolized
# backtrace through the crashing function, then that QEMU was left (panic
# stops every CPU and, with panic_exit, exits with guest code 3).
# usage: crashtest.sh XTASK KERNEL.bin SMP TAP-OUT LOGDIR
set -u
xtask=$1 kernel=$2 smp=$3 out=$4 logs=$5
n=0
: > "$out"

check() {	# name log pattern...
	local name=$1 log=$2 missing=""
	shift 2
	for p in "$@"; do
		grep -qE -- "$p" "$log" || missing="$missing [$p]"
	done
	n=$((n + 1))
	if [ -z "$missing" ]; then
		echo "ok $n crash-smp$smp: $name" >> "$out"
	else
		echo "not ok $n crash-smp$smp: $name # missing$missing" >> "$out"
	fi
}

for c in pagefault panic overflow oom; do
	log=$logs/crash-$c-smp$smp.log
	"$xtask" run --batch --kernel "$kernel" --smp "$smp" --mem 256M \
		--append "crashtest=$c panic_exit" --timeout 120 --log "$log" \
		>/dev/null 2>&1
	st=$?
	common=("KERNEL PANIC on CPU [0-9]+" "Backtrace:" "kinit\+0x")
	case $c in
	pagefault) check $c "$log" "${common[@]}" "page fault \(vector 14" \
		"CR2: 000000000dead000 \(not present on write" \
		"RIP: [0-9a-f]+ crashtest_page_fault\+0x" "RAX: [0-9a-f]{16}" ;;
	panic) check $c "$log" "${common[@]}" "crashtest: deliberate panic" \
		"panic\+0x" ;;
	overflow) check $c "$log" "KERNEL PANIC on CPU [0-9]+: double fault \(vector 8" \
		"Kernel stack overflow" "crashtest_recurse" ;;
	oom) check $c "$log" "${common[@]}" \
		"out of memory: 1099511627776 bytes at kernel/test/crashtest.c:[0-9]+" \
		"slab: task +[0-9]+ +[0-9]+" "page_alloc: [0-9]+ of [0-9]+ pages free" ;;
	esac
	n=$((n + 1))
	if [ $st -eq 3 ]; then	# xtask passes the guest code through: panic = 3
		echo "ok $n crash-smp$smp: $c exits QEMU" >> "$out"
	else
		echo "not ok $n crash-smp$smp: $c exits QEMU # xtask status $st" >> "$out"
	fi
done
grep '^not ok' "$out" || true
