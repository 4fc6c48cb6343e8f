#!/bin/bash
# make profile CMD='...' (docs/profiling.md): runs CMD under `make run`
# with the sampling profiler on (HZ samples a second on every CPU), then
# reports where the time went, symbolized against the kernel's ELF.
# usage: profile.sh MAKE HZ KERNEL.elf OUTDIR [make run variables...]
set -uo pipefail
make=$1 hz=$2 elf=$3 out=$4
shift 4
[ -n "${ALLOY_CMD:-}" ] || { echo "profile: say what to run: make profile CMD='...'" >&2; exit 2; }
mkdir -p "$out"
# the command runs in a subshell of its own, so its exit or cd does not
# skip stopping the profiler and printing the counts
wrapped="echo $hz > /proc/sys/kernel/profile || exit 99
(
$ALLOY_CMD
)
st=\$?
echo 0 > /proc/sys/kernel/profile
echo '--- alloy profile ---'
cat /proc/sys/kernel/profile
echo '--- end of profile ---'
exit \$st"
$make -s --no-print-directory run "$@" CMD="$wrapped" > "$out/log.txt" 2>&1
st=$?
# user samples are symbolized with the programs' files in these trees
roots=()
for r in ${PROFILE_ROOTS:-}; do roots+=(--root "$r"); done
[ -z "${PROFILE_VDSO:-}" ] || roots+=(--vdso "$PROFILE_VDSO")
python3 "$(dirname "$0")/profile.py" "$out/log.txt" "$elf" "${roots[@]}" | tee "$out/report.txt"
exit $st
