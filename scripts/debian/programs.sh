# The programs of issue 15, run by bash on the Debian root disk: by
# Alloy's init from the command disk, the same on Linux, or in a chroot on
# the host (scripts/test-debian.sh, which checks what this prints). Each
# case prints "@@ begin NAME", its output, then "@@ end NAME STATUS MS"
# (its wall-clock time in milliseconds).
# Everything it writes goes to /root/alloy-test on the root disk, which
# the host reads back afterwards (git, sqlite3, node's file).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LC_ALL=C TZ=UTC PAGER=cat GIT_PAGER=cat
W=/root/alloy-test
T=${ALLOY_CASE_TIMEOUT:-300}

case_() {
	local name=$1 t0=${EPOCHREALTIME/./} st
	shift
	echo "@@ begin $name"
	timeout "$T" "$@" < /dev/null 2>&1
	st=$?
	echo "@@ end $name $st $(( (${EPOCHREALTIME/./} - t0) / 1000 ))"
}

echo "@@ kernel $(uname -sr)"
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1

case_ true /usr/bin/true
case_ ld-direct /lib64/ld-linux-x86-64.so.2 /usr/bin/echo loader ran echo
case_ ls bash -c 'ls -la /usr/bin | head'

# functions, arrays, pipes, command substitution, arithmetic
case_ bash-script bash -c '
	square() { echo $(( $1 * $1 )); }
	a=(3 1 4 1 5 9 2 6)
	s=0
	for x in "${a[@]}"; do s=$(( s + $(square "$x") )); done
	echo "sum=$s n=${#a[@]}"
	printf "%s\n" "${a[@]}" | sort -n | uniq | tr "\n" " " | sed "s/ $//"
	echo
	declare -A h=([one]=1 [two]=2)
	echo "assoc=$(( h[one] + h[two] ))"'

case_ find bash -c "find /usr/lib -name '*.so*' | wc -l"

case_ python3 python3 -c '
import hashlib, json, os, sqlite3, subprocess, threading
res = {}
def work(i):
    res[i] = sum(k * k for k in range(100000 * i))
ts = [threading.Thread(target=work, args=(i,)) for i in (1, 2)]
for t in ts: t.start()
for t in ts: t.join()
child = subprocess.run(["echo", "from-child"], capture_output=True, text=True).stdout.strip()
db = sqlite3.connect(":memory:")
db.execute("create table t(x)")
db.executemany("insert into t values (?)", [(i,) for i in range(1000)])
with open("py.txt", "w") as f:
    f.write("python was here\n")
print(json.dumps({
    "sha256": hashlib.sha256(b"alloy" * 1000).hexdigest(),
    "t1": res[1], "t2": res[2], "child": child,
    "sum": db.execute("select sum(x) from t").fetchone()[0],
    "cwd": os.getcwd(), "file": os.path.getsize("py.txt"),
}, sort_keys=True))'

case_ node node -e '
const fs = require("fs"), cp = require("child_process"), crypto = require("crypto");
const { Worker } = require("worker_threads");
fs.writeFileSync("node.txt", "written by node\n".repeat(1000));
const back = fs.readFileSync("node.txt", "utf8");
const sha256 = crypto.createHash("sha256").update(back).digest("hex");
const child = cp.execFileSync("echo", ["from-child"]).toString().trim();
new Promise(r => setTimeout(r, 50)).then(() => new Promise((res, rej) => {
	const w = new Worker(`const { parentPort } = require("worker_threads");
		let s = 0; for (let i = 0; i < 1e6; i++) s += i; parentPort.postMessage(s);`,
		{ eval: true });
	w.on("message", res);
	w.on("error", rej);
})).then(worker => console.log(JSON.stringify({ sha256, child, len: back.length, worker })));'

for b in bun bun-musl; do
	case_ $b-version $b --version
	case_ $b-eval $b -e 'const s = [1, 2, 3, 4].reduce((a, b) => a + b * b, 0);
		console.log(JSON.stringify({ s, bun: typeof Bun.version, sha: new Bun.CryptoHasher("sha256").update("alloy").digest("hex") }))'
done

case_ git bash -c '
	set -e
	git init -q repo && cd repo
	git config user.email alloy@example.invalid && git config user.name Alloy
	echo hello > a.txt && mkdir d && seq 1 1000 > d/n.txt
	git add . && git commit -q -m "first commit on alloy"
	echo more >> a.txt && git commit -q -a -m "second commit on alloy"
	git log --format=%s
	git rev-parse HEAD
	git status --porcelain | wc -l'

case_ sqlite3 sqlite3 db.sqlite '
	create table t(id integer primary key, k integer, v text);
	begin;
	with recursive c(i) as (select 1 union all select i + 1 from c where i < 100000)
		insert into t(k, v) select (i * 7919) % 100003, printf("row%d", i) from c;
	commit;
	create index t_k on t(k);
	select count(*), sum(k) from t;
	select id, v from t where k = (500 * 7919) % 100003;
	explain query plan select id from t where k = 42;'

case_ lua lua5.4 -e 'local t = {} for i = 1, 10 do t[#t + 1] = i * i end
	print(table.concat(t, ","), #t, string.format("%.4f", math.pi))'

case_ perl perl -e 'my %h = map { $_ => $_ ** 2 } 1 .. 10; my $s = 0; $s += $h{$_} for keys %h;
	print "$s\n", join(",", sort { $a <=> $b } values %h), "\n"'

# ptrace: strace -f follows bash's fork into tr's execve; gdb stops at a
# breakpoint, steps two lines, prints a variable of a -g program and
# changes it (the program then prints the new value)
case_ strace bash -c '
	strace -f -qq -e trace=execve -e signal=none -o st.log bash -c "echo hi | tr a-z A-Z" &&
	sed -n "s/^[0-9]* *execve(\"\([^\"]*\)\".* = 0\$/\1/p" st.log | sort &&
	echo "pids=$(grep -c "execve(.* = 0\$" st.log) $(awk "{print \$1}" st.log | sort -u | wc -l)"'
case_ gdb bash -c '
	gdb -batch -nx -ex "break main" -ex run -ex next -ex next -ex "print x" \
		-ex "set var x = 7" -ex "print x" -ex continue \
		/usr/local/bin/gdb-target 2>&1 |
	grep -E "^Breakpoint 1, main|^\\\$[12] = |^x=|exited normally" | sed "s/process [0-9]*/process N/; s/ at .*//"'

sync
echo "@@ done"
