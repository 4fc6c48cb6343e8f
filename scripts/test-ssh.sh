#!/bin/bash
# scripts/test-ssh.sh MAKE FFI OUT.tap [MB [SMP]]: ssh into Alloy from the host
# (docs/net.md, "ssh"). `make run NET=1` with a free host port forwarded,
# on the host's loopback only, to the guest's port 22, where herd runs
# Debian's dropbear from boot. The host's OpenSSH client, with the build's
# key (build/ssh/id_ed25519) and the build's host key as the only known one:
#  - runs a command (output and exit status come back);
#  - is refused with a key that is not authorised;
#  - logs in interactively on a pty the script drives (python's pty): `tty`
#    names /dev/pts/N, `stty size` follows the client's window, also after a
#    resize, ^C interrupts a `sleep`, `exit` ends the session with status 0;
#  - copies a file of MB (default 50) MiB of random bytes to the guest and
#    back with scp (SFTP), SHA-256 checked on both ends, and times both;
#  - says it is done (the guest has SMP CPUs, default 2); the guest then reports the dropbear processes left
#    (the listener alone) and any zombie, and powers off.
set -u
make=$1 ffi=$2 out=$3 mb=${4:-50} smp=${5:-2}
name=ssh-ffi$ffi-smp$smp
log=build/logs/$name.log
tmp=build/ssh-test/ffi$ffi-smp$smp
mkdir -p build/logs
rm -rf "$tmp" && mkdir -p "$tmp"
: > "$out"
n=0
line() { n=$((n + 1)); echo "$1 $n $name: $2" >> "$out"; [ "$1" = ok ] || echo "not ok: $name: $2"; }
t0=$(date +%s)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
read -r -d '' cmd <<'END'
i=0; while ! ifconfig eth0 | grep -q 'inet addr' && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
i=0; while ! herd status dropbear 2>/dev/null | grep -q ' running ' && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
echo "guest: $(herd status dropbear)"
echo "guest: ready"
i=0; while [ ! -e /tmp/done ] && [ $i -lt 1200 ]; do sleep 0.5; i=$((i+1)); done
[ -e /tmp/done ] && echo "guest: done"
# what is left once the last session ended: dropbear's listener alone, no zombie
count() { cat /proc/[0-9]*/stat 2>/dev/null | awk -v what="$1" '$2 == "(dropbear)" && what == "d" || $3 == "Z" && what == "z"' | wc -l; }
i=0; while { [ "$(count d)" != 1 ] || [ "$(count z)" != 0 ]; } && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
echo "guest: dropbear processes $(count d) zombies $(count z)"
cat /proc/[0-9]*/stat 2>/dev/null | awk '$2 == "(dropbear)" || $3 == "Z" { print "guest: left:", $1, $2, $3, $4 }'
END
$make -s --no-print-directory run FFI="$ffi" SMP="$smp" TIMEOUT=900 NET=1 NET_FWD="$port:22" \
	CMD="$cmd" > "$log" 2>&1 &
pid=$!
for _ in $(seq 1500); do
	grep -q 'guest: ready' "$log" 2>/dev/null && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.2
done
if ! grep -q 'guest: ready' "$log"; then
	tail -20 "$log" | sed 's/^/    | /'
	line "not ok" "the guest never got ready (log $log)"
	kill $pid 2>/dev/null
	wait $pid
	exit 0
fi
grep -q 'guest: dropbear running' "$log" && line ok "herd runs dropbear from boot" ||
	line "not ok" "herd status: $(grep 'guest: dropbear' "$log")"

key=build/ssh/id_ed25519
opts=(-F /dev/null -p "$port" -o IdentitiesOnly=yes -o BatchMode=yes
	-o UserKnownHostsFile=build/ssh/known_hosts -o StrictHostKeyChecking=yes
	-o ConnectTimeout=60 -o ServerAliveInterval=30 -o LogLevel=ERROR)
sshc() { timeout 300 ssh "${opts[@]}" -i "$key" root@127.0.0.1 "$@"; }

# a command, its output and its exit status
got=$(sshc 'echo "hello $((6 * 7))"; id -u; echo "$SSH_CONNECTION" | cut -d" " -f1; exit 7' 2> "$tmp/cmd.err")
st=$?
want=$'hello 42\n0\n10.0.2.2'
[ "$got" = "$want" ] && [ $st = 7 ] &&
	line ok "a command over ssh: its output, exit status 7 returned, host key the build's" ||
	line "not ok" "command: status $st, output '$got' $(head -c 300 "$tmp/cmd.err")"

# a key nobody authorised is refused
ssh-keygen -q -t ed25519 -N '' -f "$tmp/stranger" -C stranger
out2=$(timeout 120 ssh "${opts[@]}" -i "$tmp/stranger" root@127.0.0.1 'echo in' 2>&1)
st=$?
[ $st = 255 ] && [[ $out2 == *"Permission denied"* ]] && [[ $out2 != *in* || $out2 == *denied* ]] &&
	line ok "a key that is not authorised is refused" ||
	line "not ok" "stranger key: status $st, '$out2'"

# the interactive session on a pty
python3 - "$port" "$key" "$tmp/pty.log" > "$tmp/pty.tap" <<'PY'
import fcntl, os, pty, re, select, signal, struct, sys, termios, time
port, key, logf = sys.argv[1:4]
log = open(logf, "wb")
def winsz(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid, fd = pty.fork()
if pid == 0:
    os.execvp("ssh", ["ssh", "-F", "/dev/null", "-tt", "-p", port, "-i", key,
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
        "-o", "UserKnownHostsFile=build/ssh/known_hosts", "-o", "StrictHostKeyChecking=yes",
        "-o", "LogLevel=ERROR", "root@127.0.0.1"])
winsz(fd, 37, 101)
os.kill(pid, signal.SIGWINCH)
buf = b""
def expect(pat, secs):
    global buf
    end = time.time() + secs
    while True:
        m = re.search(pat, buf)
        if m:
            buf = buf[m.end():]
            return m
        left = end - time.time()
        if left <= 0:
            return None
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                d = b""
            if not d:
                return re.search(pat, buf)
            log.write(d); log.flush()
            buf += d
def send(s):
    os.write(fd, s.encode())
n = 0
def tap(ok, what):
    global n
    n += 1
    print("%s %s" % ("ok" if ok else "not ok", what), flush=True)
# the shell is up when a marker it computes comes back ("A""B" typed, AB printed)
send('echo "RE""ADY"\r')
up = expect(rb"READY", 90) is not None
tap(up, "interactive login: a shell answers")
if up:
    send('tty; echo "T""TY"\r')
    m = expect(rb"(\S+)\r?\n[^\n]*TTY", 30)
    tty = m.group(1).decode(errors="replace") if m else "(nothing)"
    tap(m is not None and re.fullmatch(r"/dev/pts/\d+", tty) is not None,
        "tty says %s" % tty)
    send('echo "S""Z $(stty size)"\r')
    m = expect(rb"SZ (\d+ \d+)", 30)
    sz = m.group(1).decode() if m else "(nothing)"
    tap(sz == "37 101", "stty size is the client's 37 101: %s" % sz)
    winsz(fd, 40, 120)
    os.kill(pid, signal.SIGWINCH)
    time.sleep(1)
    send('echo "S""Z $(stty size)"\r')
    m = expect(rb"SZ (\d+ \d+)", 30)
    sz = m.group(1).decode() if m else "(nothing)"
    tap(sz == "40 120", "after a resize stty size is 40 120: %s" % sz)
    send("sleep 100\r")
    time.sleep(2)
    t = time.time()
    send("\x03")
    send('echo "RC""=$?"\r')
    m = expect(rb"RC=(\d+)", 30)
    rc = m.group(1).decode() if m else "(nothing)"
    tap(rc == "130" and time.time() - t < 30, "^C interrupts sleep 100: status %s after %.1f s" % (rc, time.time() - t))
    send("exit\r")
    expect(rb"\Z\n?(?!.)", 0)	# drain
    end = time.time() + 60
    st = None
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 1)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                d = b""
            log.write(d)
        p, s = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            st = s
            break
    tap(st is not None and os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0,
        "exit ends the session, ssh exits with 0 (%s)" % st)
else:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
PY
while read -r ok rest; do
	case $ok in
	ok) line ok "$rest" ;;
	not) line "not ok" "${rest#ok }" ;;
	esac
done < "$tmp/pty.tap"
[ -s "$tmp/pty.tap" ] || line "not ok" "the pty session driver printed nothing"

# scp both ways, SHA-256 on both ends
head -c $((mb * 1048576)) /dev/urandom > "$tmp/up.bin"
sum=$(sha256sum < "$tmp/up.bin" | cut -d' ' -f1)
ta=$(date +%s.%N)
timeout 600 scp -q "${opts[@]/#-p/-P}" -i "$key" "$tmp/up.bin" root@127.0.0.1:/root/up.bin 2> "$tmp/scp-up.err"
st=$?
tb=$(date +%s.%N)
gsum=$(sshc 'sha256sum /root/up.bin' 2>&1 | cut -d' ' -f1)
up_s=$(echo "$tb - $ta" | bc)
[ $st = 0 ] && [ "$gsum" = "$sum" ] &&
	line ok "scp of $mb MiB to the guest, SHA-256 matches there ($(printf '%.1f' "$up_s") s, $(echo "scale=2; $mb / $up_s" | bc) MiB/s)" ||
	line "not ok" "scp to the guest: status $st, guest sha256 '$gsum', want $sum $(head -c 300 "$tmp/scp-up.err")"
ta=$(date +%s.%N)
timeout 600 scp -q "${opts[@]/#-p/-P}" -i "$key" root@127.0.0.1:/root/up.bin "$tmp/down.bin" 2> "$tmp/scp-down.err"
st=$?
tb=$(date +%s.%N)
dsum=$(sha256sum < "$tmp/down.bin" 2>/dev/null | cut -d' ' -f1)
down_s=$(echo "$tb - $ta" | bc)
[ $st = 0 ] && [ "$dsum" = "$sum" ] &&
	line ok "scp of $mb MiB back from the guest, SHA-256 matches ($(printf '%.1f' "$down_s") s, $(echo "scale=2; $mb / $down_s" | bc) MiB/s)" ||
	line "not ok" "scp from the guest: status $st, sha256 '$dsum', want $sum $(head -c 300 "$tmp/scp-down.err")"
rm -f "$tmp/up.bin" "$tmp/down.bin"

sshc 'rm -f /root/up.bin; touch /tmp/done' > /dev/null 2>&1
wait $pid
st=$?
grep -q 'guest: done' "$log" && [ $st = 0 ] && line ok "the guest saw the end and powered off" ||
	{ tail -20 "$log" | sed 's/^/    | /'; line "not ok" "exit $st, no 'guest: done'"; }
left=$(sed -n 's/.*guest: dropbear processes \([0-9]*\) zombies \([0-9]*\).*/\1 \2/p' "$log")
[ "$left" = "1 0" ] && line ok "sessions ended cleanly: the listener alone left, no zombie" ||
	{ grep 'guest: left' "$log" | sed 's/^/    | /'; line "not ok" "dropbear processes and zombies left: '$left'"; }
echo "# $name: $(($(date +%s) - t0)) s" >> "$out"
exit 0
