#!/bin/bash
# scripts/fuzz-syscalls.sh: boots Alloy with the syscall fuzzer
# (userspace/fuzz/, docs/fuzz.md) as the command init runs, and judges the
# run from the console:
#   - a kernel panic (xtask reports it; the console lines before it name
#     the worker, and `--replay` makes its calls again);
#   - a hang: the guest's watchdog reports a worker that SIGKILL does not
#     end (with the call it is in), and xtask's timeout catches a guest
#     that stops altogether (with the last console lines);
#   - memory not back at its baseline after the run (the guest compares
#     /proc/meminfo; tolerance in docs/fuzz.md);
#   - the ext2 disk afterwards (e2fsck -fn).
#
# usage: fuzz-syscalls.sh --xtask X --kernel BIN --elf ELF --fuzz DIR
#            [--calls N] [--seed S] [--smp N] [--mem M] [--timeout S]
#            [--tap OUT] [--name NAME] [--out DIR] [-- guest fuzzer args]
# DIR holds the static programs `syscalls` and `true`. Writes OUT (TAP);
# exits 0 if every line is ok.
set -u
XTASK= KBIN= KELF= FUZZ= CALLS=100000 SEED=1 SMP=4 MEM=512M TIMEOUT=900
TAP= NAME=fuzz-syscalls OUT=build/fuzz-syscalls EXTRA=()
while [ $# -gt 0 ]; do
	case $1 in
	--xtask) XTASK=$2 ;;
	--kernel) KBIN=$2 ;;
	--elf) KELF=$2 ;;
	--fuzz) FUZZ=$2 ;;
	--calls) CALLS=$2 ;;
	--seed) SEED=$2 ;;
	--smp) SMP=$2 ;;
	--mem) MEM=$2 ;;
	--timeout) TIMEOUT=$2 ;;
	--tap) TAP=$2 ;;
	--name) NAME=$2 ;;
	--out) OUT=$2 ;;
	--) shift; EXTRA=("$@"); break ;;
	*) echo "fuzz-syscalls: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
[ -n "$TAP" ] || TAP=$OUT/$NAME.tap
mkdir -p "$OUT" "$(dirname "$TAP")"
: > "$TAP"
n=0 bad=0
line() {
	n=$((n + 1))
	echo "$1 $n $NAME: $2" >> "$TAP"
	if [ "$1" = ok ]; then echo "  ok: $2"; else echo "  not ok: $2"; bad=1; fi
}

stage=$OUT/stage extra=$OUT/extra log=$OUT/console.log disk=$OUT/vda.img
rm -rf "$extra" && mkdir -p "$extra/fuzz"
cp "$FUZZ/syscalls" "$FUZZ/true" "$extra/fuzz/"
cmd="/fuzz/syscalls --seed $SEED --calls $CALLS ${EXTRA[*]}"
if ! scripts/mkrootfs.sh "$OUT/rootfs.cpio" "$stage" --init build/rootbin/init \
	--runner build/rootbin/runner --extra "$extra" --cmd "$cmd" > /dev/null; then
	line "not ok" "mkrootfs"
	exit 1
fi
rm -f "$disk"
truncate -s 256M "$disk"
mke2fs -q -F -t ext2 -b 1024 "$disk"

echo "fuzz-syscalls: $cmd (-smp $SMP, timeout $TIMEOUT s, console in $log)"
start=$(date +%s)
"$XTASK" run --batch --kernel "$KBIN" ${KELF:+--elf "$KELF"} --smp "$SMP" --mem "$MEM" \
	--module "$OUT/rootfs.cpio" --disk "$disk" --append 'quiet panic_exit' \
	--timeout "$TIMEOUT" --name "$NAME" --log "$log" > /dev/null 2>&1
st=$?
secs=$(( $(date +%s) - start ))
grep -ao 'fuzz: \(seed\|warm-up\|done\|memory\|result\|progress\).*' "$log" | tail -8 | sed 's/^/  /'

summary=$(grep -ao 'fuzz: done.*' "$log" | tail -1)
if grep -aq 'KERNEL PANIC' "$log"; then
	grep -a -B2 -A25 'KERNEL PANIC' "$log" | head -60 | sed 's/^/  | /'
	echo "  last spawns before the panic (replay: /fuzz/syscalls --seed $SEED --worker SLOT --gen G --replay):"
	grep -ao 'fuzz: spawn.*' "$log" | tail -4 | sed 's/^/  | /'
	line "not ok" "kernel panic ($(grep -a -m1 -A1 'KERNEL PANIC' "$log" | tr '\n' ' ' | cut -c1-150))"
else
	line ok "no kernel panic"
fi
if [ $st -eq 124 ]; then
	tail -30 "$log" | sed 's/^/  | /'
	line "not ok" "timeout: the guest did not finish in $TIMEOUT s (hang)"
elif grep -aq 'fuzz: HANG' "$log"; then
	grep -ao 'fuzz: HANG.*' "$log" | head -40 | sed 's/^/  | /'
	line "not ok" "hang: a worker outlived SIGKILL ($(grep -ao -m1 'fuzz: HANG: slot.*' "$log" | cut -c1-160))"
else
	line ok "no hang (watchdog and $TIMEOUT s timeout)"
fi
if [ -n "$summary" ]; then
	made=$(echo "$summary" | sed -n 's/^fuzz: done \([0-9]*\) calls.*/\1/p')
	[ "${made:-0}" -ge "$CALLS" ] && line ok "$made calls made (seed $SEED, -smp $SMP, $secs s)" ||
		line "not ok" "only ${made:-0} of $CALLS calls made"
else
	line "not ok" "the fuzzer did not finish (exit $st)"
fi
mem=$(grep -ao 'fuzz: memory.*' "$log" | tail -1 | tr -d '\r')
case $mem in
*': ok') line ok "memory back at its baseline: ${mem#fuzz: memory: }" ;;
'') line "not ok" "no memory report" ;;
*) line "not ok" "memory not back: ${mem#fuzz: memory: }" ;;
esac
if grep -aq 'fuzz: FAIL: /tmp/fz or the ext2 disk still busy' "$log"; then
	grep -ao 'fuzz: \(process\|  fd\).*' "$log" | head -40 | sed 's/^/  | /'
	line "not ok" "a fuzzed file system stayed busy after every worker ended (references leaked?)"
else
	line ok "the fuzzed tmpfs and ext2 unmounted after the run"
fi
if fsck=$(e2fsck -fn "$disk" 2>&1); then
	line ok "e2fsck -fn: the ext2 disk is clean"
else
	echo "$fsck" | head -20 | sed 's/^/  | /'
	line "not ok" "e2fsck -fn found problems on the fuzzed ext2 disk"
fi
[ $st -eq 0 ] || [ $st -eq 124 ] || echo "  (xtask exit status $st)"
exit $bad
