# eyra: Eyra programs (Rust std with no libc; origin starts threads with
# raw clone and sets up their TLS itself), built offline from the pinned
# sources in ../shared/eyra by scripts/build-eyra.sh from
# userspace/rust/rust_threads.rs: threads, Mutex, mpsc, scope, Barrier,
# thread_local!, a caught panic, Vec::try_reserve until it fails and life
# after it. Run as a static ET_EXEC and as a static-PIE.
# Without the Eyra sources this reports itself skipped (exit 77, the
# reason in ./SKIP for the runner), never passed; a failed build fails.
d=$(dirname "$0")
if [ -f "$d/_eyra_skip" ]; then
	cat "$d/_eyra_skip" > SKIP
	echo "# eyra: SKIP $(cat "$d/_eyra_skip")"
	exit 77
fi
if [ -f "$d/_eyra_broken" ]; then
	echo "eyra: $(cat "$d/_eyra_broken")" >&2
	exit 1
fi
fail=0
for p in _eyra_threads _eyra_threads_pie; do
	if [ ! -x "$d/$p" ]; then
		echo "eyra: $d/$p missing" >&2
		fail=1
		continue
	fi
	"$d/$p"
	st=$?
	if [ $st -ne 0 ]; then
		echo "eyra: $p exited with status $st" >&2
		fail=1
	fi
done
exit $fail
