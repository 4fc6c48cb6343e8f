# The Debian disk's start-up benchmarks (scripts/bench-debian.sh), run by
# bash on either kernel: each program once to warm the page cache, then
# ROUNDS times; prints "@@ bench NAME STATUS MS MS ..." (wall-clock
# milliseconds of each round, from bash's EPOCHREALTIME).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LC_ALL=C TZ=UTC
ROUNDS=10
cd /root || exit 1

bench() {
	local name=$1 st=0 t0 ms=()
	shift
	"$@" < /dev/null > /dev/null 2>&1 || st=$?
	for _ in $(seq "$ROUNDS"); do
		t0=${EPOCHREALTIME/./}
		"$@" < /dev/null > /dev/null 2>&1 || st=$?
		ms+=("$(( (${EPOCHREALTIME/./} - t0) / 1000 ))")
	done
	echo "@@ bench $name $st ${ms[*]}"
}

echo "@@ kernel $(uname -sr)"
bench dynamic-true /usr/bin/true
bench python3-pass python3 -c pass
bench node-e0 node -e 0
bench bun-version bun --version

# Alloy only: the kernel heap's peak over one bun --version, above the
# heap in use before it (/proc/kmem_peak: the peak since its last read)
if [ -r /proc/kmem_peak ]; then
	h0=$(awk '$1 == "KernelHeap:" {print $2 * 1024}' /proc/meminfo)
	cat /proc/kmem_peak > /dev/null
	bun --version > /dev/null 2>&1
	echo "@@ heap bun-version $(( $(cat /proc/kmem_peak) - h0 ))"
fi
echo "@@ done"
