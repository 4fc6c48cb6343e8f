#!/bin/bash
# scripts/test-net-host.sh MAKE FFI OUT.tap [SMP]: the network from the host's
# side (docs/net.md). `make run NET=1` with a host port forwarded, on the
# host's loopback only, to the guest's port 80; the guest gets its address
# from QEMU's DHCP server, makes a 4 MiB file of random bytes, prints its
# SHA-256 and serves it with busybox httpd. The host downloads it through
# the forward and compares, then asks a CGI script to let the guest power
# off. Between the two downloads, the host attacks every forwarded guest
# service (httpd on 80, a `nc -ll -e cat` echo server on 7, herd's
# dropbear on 22) for a fixed 5 s: random bytes, connect-and-close,
# resets, half-open connections held to the end, large garbage; then the
# guest must still serve the file (same SHA-256), echo, and greet with an
# SSH banner. The guest has SMP CPUs (default 2). Traffic goes only between the guest and the
# host's loopback (QEMU's user network with restrict=on).
set -u
make=$1 ffi=$2 out=$3 smp=${4:-2}
name=net-host-ffi$ffi-smp$smp
log=build/logs/$name.log
mkdir -p build/logs
: > "$out"
n=0
line() { n=$((n + 1)); echo "$1 $n $name: $2" >> "$out"; [ "$1" = ok ] || echo "not ok: $name: $2"; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
eport=$(free_port)
sport=$(free_port)
read -r -d '' cmd <<'END'
mkdir -p /www/cgi-bin
dd if=/dev/urandom of=/www/blob bs=65536 count=64 2>/dev/null
echo "guest: sha256 $(sha256sum /www/blob | cut -d' ' -f1)"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho bye\ntouch /tmp/done\n' > /www/cgi-bin/done
chmod +x /www/cgi-bin/done
i=0; while ! ifconfig eth0 | grep -q 'inet addr' && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo "guest: $(ifconfig eth0 | grep 'inet addr')"
nc -ll -p 7 -e cat &
httpd -p 80 -h /www && echo "guest: serving"
i=0; while [ ! -e /tmp/done ] && [ $i -lt 240 ]; do sleep 0.5; i=$((i+1)); done
[ -e /tmp/done ] && echo "guest: done"
END
$make -s --no-print-directory run FFI="$ffi" SMP="$smp" TIMEOUT=180 NET=1 NET_FWD="$port:80 $eport:7 $sport:22" \
	CMD="$cmd" > "$log" 2>&1 &
pid=$!
for _ in $(seq 3000); do	# 10 min: make run may build first
	grep -q 'guest: serving' "$log" 2>/dev/null && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.2
done
if ! grep -q 'guest: serving' "$log"; then
	tail -20 "$log" | sed 's/^/    | /'
	line "not ok" "the guest never served (log $log)"
	wait $pid
	exit 0
fi
grep -Eq 'guest: +inet addr:10\.0\.2\.15 ' "$log" && line ok "DHCP from QEMU gave eth0 10.0.2.15" ||
	line "not ok" "eth0 got no address from DHCP: $(grep 'guest: inet' "$log")"
want=$(sed -n 's/.*guest: sha256 \([0-9a-f]*\).*/\1/p' "$log")
download() {
	python3 - "$port" <<'PY'
import hashlib, sys, time, urllib.request
url = "http://127.0.0.1:%s/blob" % sys.argv[1]
t = time.time()
data = urllib.request.urlopen(url, timeout=60).read()
print(hashlib.sha256(data).hexdigest(), len(data), "%.2f" % (time.time() - t))
PY
}
got=$(download)
set -- $got
if [ -n "$want" ] && [ "${1:-}" = "$want" ] && [ "${2:-}" = 4194304 ]; then
	line ok "4 MiB from the guest's httpd through host 127.0.0.1:$port, SHA-256 matches (${3} s)"
else
	line "not ok" "download: guest sha256 '$want', host got '$got'"
fi

# the host attacks every forwarded service for 5 s (4 threads)
fuzz=$(python3 - "$port" "$eport" "$sport" <<'PY' 2>&1
import os, random, socket, struct, sys, threading, time
ports = [int(p) for p in sys.argv[1:]]
end = time.monotonic() + 5
held, stats, lock = [], {"conn": 0, "bytes": 0}, threading.Lock()

def attack(seed):
    rnd = random.Random(seed)
    while time.monotonic() < end:
        port = rnd.choice(ports)
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            continue
        s.settimeout(0.5)
        kind, sent = rnd.randrange(6), 0
        try:
            if kind == 1:		# random bytes, then close
                sent += s.send(os.urandom(rnd.randrange(1, 4096)))
            elif kind == 2:		# large garbage
                data = os.urandom(256 * 1024)
                while sent < len(data) and time.monotonic() < end:
                    sent += s.send(data[sent:sent + 65536])
            elif kind == 3:		# a reset (SO_LINGER 0) after a few bytes
                sent += s.send(os.urandom(rnd.randrange(1, 64)))
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif kind == 4:		# half-open: bytes, our FIN, held to the end
                sent += s.send(os.urandom(rnd.randrange(0, 512)))
                s.shutdown(socket.SHUT_WR)
            elif kind == 5:		# a header that never ends, held
                sent += s.send(b"GET /" + os.urandom(rnd.randrange(0, 200)))
            if kind == 1 and rnd.random() < 0.5:
                s.recv(4096)
        except OSError:
            pass
        with lock:
            stats["conn"] += 1
            stats["bytes"] += sent
            if kind in (4, 5) and len(held) < 24:
                held.append(s)
                continue
        s.close()

ts = [threading.Thread(target=attack, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
for s in held: s.close()
print(stats["conn"], stats["bytes"])
PY
)
set -- $fuzz
if [ $# = 2 ] && [ "$1" -gt 0 ]; then
	line ok "5 s of hostile clients on ports 80, 7 and 22: $1 connections, $2 random bytes"
else
	line "not ok" "the fuzz client failed: $fuzz"
fi
got=$(download)
set -- $got
if [ -n "$want" ] && [ "${1:-}" = "$want" ] && [ "${2:-}" = 4194304 ]; then
	line ok "after the attack the guest still serves the 4 MiB, SHA-256 matches (${3} s)"
else
	line "not ok" "download after the attack: guest sha256 '$want', host got '$got'"
fi
echo=$(python3 - "$eport" <<'PY' 2>&1
import os, socket, sys
msg = os.urandom(16).hex().encode()
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    s.settimeout(10)
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        b = s.recv(64)
        if not b:
            break
        got += b
print("echoed" if got == msg else "got %r for %r" % (got, msg))
PY
)
[ "$echo" = echoed ] && line ok "after the attack the echo service (port 7) still answers" ||
	line "not ok" "echo service after the attack: $echo"
# dropbear refuses a peer with too many unauthenticated connections (all
# come from slirp's 10.0.2.2): those of the attack end as their children
# see EOF, so a few tries
banner=$(python3 - "$sport" <<'PY' 2>&1
import socket, sys, time
got, end = b"", time.monotonic() + 30
while time.monotonic() < end:
    try:
        with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
            s.settimeout(10)
            got = s.recv(256)
        if got.startswith(b"SSH-2.0-"):
            break
    except OSError as e:
        got = repr(e).encode()
    time.sleep(1)
print(got.split(b"\n")[0].decode(errors="replace").strip())	# the banner line alone
PY
)
case "$banner" in
SSH-2.0-*) line ok "after the attack dropbear (port 22) still greets: $banner" ;;
*) line "not ok" "dropbear after the attack: '$banner'" ;;
esac
bye=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/cgi-bin/done', timeout=30).read().decode().strip())" 2>&1 | tail -1)
[ "$bye" = bye ] && line ok "a CGI script ran in the guest (busybox httpd)" ||
	line "not ok" "CGI answered '$bye'"
wait $pid
st=$?
grep -q 'guest: done' "$log" && [ $st = 0 ] && line ok "the guest saw the request and powered off" ||
	{ tail -20 "$log" | sed 's/^/    | /'; line "not ok" "exit $st, no 'guest: done'"; }
exit 0
