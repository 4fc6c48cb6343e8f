# sh_pipeline: pipes and process management under some load, driven by the
# shell.
#
#  - a 10-stage pipeline moving 1 MB, and a checksum of random data through
#    several cats;
#  - readers and writers of very different speed (blocking on a full pipe,
#    waking a reader that waits for a slow writer);
#  - early reader exit: yes | head (yes dies of SIGPIPE; pipefail sees 141);
#  - 20 background jobs each writing its own file, then wait;
#  - seq | sort -rn | head, a while-read loop over 200 lines, nested command
#    substitutions 50 times, many short pipelines in a row;
#  - a named pipe (mkfifo) between two processes; xargs -P.
#
# Runs in the (empty) current directory. Exits 0 if everything passed, 1
# otherwise; each failure is reported on stderr as
#   FAIL name: expected [...] got [...]
set -u
umask 022

fail=0
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" != "$3" ]; then
		echo "FAIL $1: expected [$2] got [$3]" >&2
		fail=1
	fi
}
NL='
'

# ---------------------------------------------------------------- bulk data
check "10-stage pipeline, 1 MB" "1000000" \
	"$(head -c 1000000 /dev/zero | tr '\0' a | cat | cat | cat | cat | cat | cat | cat | wc -c)"
check "1 MB content intact" "0" \
	"$(head -c 1000000 /dev/zero | tr '\0' a | cat | cat | cat | tr -d a | wc -c)"
head -c 200000 /dev/urandom > rnd
check "random data size" "200000" "$(wc -c < rnd)"
check "random data through 5 cats" "$(md5sum < rnd)" "$(cat rnd | cat | cat | cat | cat | md5sum)"
check "cmp after pipeline" "0" "$(cat < rnd | cat | cmp - rnd; echo $?)"
check "dd through pipe" "262144" "$(dd if=/dev/zero bs=4096 count=64 2>/dev/null | cat | wc -c)"

# ---------------------------------------------------------------- speed mismatch
# The writer fills the pipe and must block until the sleeping reader drains it.
check "slow reader" "300000" "$(head -c 300000 /dev/zero | { sleep 0.2; wc -c; })"
# The reader must block and be woken by each late write, then see EOF.
check "slow writer" "a${NL}b${NL}c" "$( { echo a; sleep 0.1; echo b; sleep 0.1; echo c; } | cat)"
check "writer closes late" "3" "$( { seq 1 3; sleep 0.2; } | wc -l)"

# ---------------------------------------------------------------- early reader exit
check "yes | head | wc" "1000" "$(yes | head -n 1000 | wc -l)"
yes | head -n 1000 > /dev/null
check "yes | head status" "0" "$?"
check "yes | head with pipefail (yes got SIGPIPE)" "141" \
	"$( (set -o pipefail; yes | head -n 10 > /dev/null); echo $?)"
check "big write, reader takes 10 bytes" "10" "$(head -c 1000000 /dev/zero | head -c 10 | wc -c)"
# With SIGPIPE ignored (inherited across exec) yes gets EPIPE and exits 1.
sh -c 'trap "" PIPE; yes 2>/dev/null; echo $? > epipe_status' | head -n 1 > /dev/null
check "writer ignoring SIGPIPE sees EPIPE" "1" "$(cat epipe_status)"

# ---------------------------------------------------------------- sorting
check "seq | sort -rn | head" "2000" "$(seq 1 2000 | sort -rn | head -1)"
check "seq | sort -n | tail" "2000" "$(seq 2000 -1 1 | sort -n | tail -n 1)"
check "sort | uniq | wc" "100" "$(seq 1 500 | sed 's/$/ % 100/' | sed 's/^/0 + /' | awk '{print ($3 % 100)}' | sort | uniq | wc -l)"

# ---------------------------------------------------------------- background jobs
for i in $(seq 1 20); do
	(echo "job $i" > "job.$i") &
done
wait
ok=0
for i in $(seq 1 20); do
	l=""
	read -r l < "job.$i"
	[ "$l" = "job $i" ] && ok=$((ok + 1))
done
check "20 background jobs wrote their files" "20" "$ok"
# (busybox ash still lists jobs reaped by a plain `wait` as "Done", once.)
jobs > /dev/null
check "no jobs left" "" "$(jobs)"
# Background pipelines.
for i in 1 2 3 4 5; do
	seq 1 $((i * 100)) | wc -l > "bp.$i" &
done
wait
check "background pipelines" "100 200 300 400 500" "$(cat bp.1 bp.2 bp.3 bp.4 bp.5 | tr '\n' ' ' | sed 's/ $//')"
# Exit statuses of several jobs, collected in order.
st=""
for i in 1 2 3 4 5; do
	(exit $i) &
	eval "p$i=\$!"
done
for i in 1 2 3 4 5; do
	eval "wait \$p$i"
	st="$st$?"
done
check "statuses of 5 jobs" "12345" "$st"

# ---------------------------------------------------------------- loops
s=0 n=0
seq 1 200 > lines
while read -r l; do
	s=$((s + l))
	n=$((n + 1))
done < lines
check "while read 200 lines: count" "200" "$n"
check "while read 200 lines: sum" "20100" "$s"
check "while read from a pipe" "20100" "$(seq 1 200 | { t=0; while read -r l; do t=$((t + l)); done; echo $t; })"
s=""
i=0
while [ $i -lt 50 ]; do
	i=$((i + 1))
	v=$(echo "<$(echo "$(echo $i)")>")
	s="$s$v"
done
check "nested substitutions x50: length" "191" "${#s}"
check "nested substitutions x50: tail" "<48><49><50>" "${s#${s%????????????}}"
c=0
for i in $(seq 1 20); do
	r=$(echo $i | cat | wc -l)
	c=$((c + r))
done
check "20 short pipelines" "20" "$c"
c=0
for i in $(seq 1 20); do
	sh -c "exit $((i % 2))" && c=$((c + 1))
done
check "20 sh -c" "10" "$c"

# ---------------------------------------------------------------- fifo
mkfifo ff
check "mkfifo makes a fifo" "fifo" "$(stat -c %F ff | sed 's/^named //')"
(seq 1 1000 > ff) &
check "fifo carries data" "1000 500500" "$(awk '{s += $1} END {print NR, s}' < ff)"
wait
(sleep 0.1; echo late > ff) &
read -r got < ff
wait
check "fifo open blocks until a writer comes" "late" "$got"

# ---------------------------------------------------------------- xargs -P, stderr through pipes
seq 1 8 | xargs -P 4 -n 1 sh -c 'echo "x$1" > "xp.$1"' _
check "xargs -P 4" "x1 x2 x3 x4 x5 x6 x7 x8" "$(cat xp.1 xp.2 xp.3 xp.4 xp.5 xp.6 xp.7 xp.8 | tr '\n' ' ' | sed 's/ $//')"
check "stderr into pipe" "err" "$(sh -c 'echo err >&2' 2>&1 | cat)"
check "tee fan-out" "3 3" "$(seq 1 3 | tee teeout | wc -l) $(wc -l < teeout)"

exit $fail
