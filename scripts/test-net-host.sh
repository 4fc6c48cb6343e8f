#!/bin/bash
# scripts/test-net-host.sh MAKE FFI OUT.tap: the network from the host's
# side (docs/net.md). `make run NET=1` with a host port forwarded, on the
# host's loopback only, to the guest's port 80; the guest gets its address
# from QEMU's DHCP server, makes a 4 MiB file of random bytes, prints its
# SHA-256 and serves it with busybox httpd. The host downloads it through
# the forward and compares, then asks a CGI script to let the guest power
# off. Traffic goes only between the guest and the host's loopback
# (QEMU's user network with restrict=on).
set -u
make=$1 ffi=$2 out=$3
name=net-host-ffi$ffi
log=build/logs/$name.log
mkdir -p build/logs
: > "$out"
n=0
line() { n=$((n + 1)); echo "$1 $n $name: $2" >> "$out"; [ "$1" = ok ] || echo "not ok: $name: $2"; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
read -r -d '' cmd <<'END'
mkdir -p /www/cgi-bin
dd if=/dev/urandom of=/www/blob bs=65536 count=64 2>/dev/null
echo "guest: sha256 $(sha256sum /www/blob | cut -d' ' -f1)"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho bye\ntouch /tmp/done\n' > /www/cgi-bin/done
chmod +x /www/cgi-bin/done
i=0; while ! ifconfig eth0 | grep -q 'inet addr' && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo "guest: $(ifconfig eth0 | grep 'inet addr')"
httpd -p 80 -h /www && echo "guest: serving"
i=0; while [ ! -e /tmp/done ] && [ $i -lt 240 ]; do sleep 0.5; i=$((i+1)); done
[ -e /tmp/done ] && echo "guest: done"
END
$make -s --no-print-directory run FFI="$ffi" SMP=2 TIMEOUT=180 NET=1 NET_FWD="$port:80" \
	CMD="$cmd" > "$log" 2>&1 &
pid=$!
for _ in $(seq 600); do
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
got=$(python3 - "$port" <<'PY'
import hashlib, sys, time, urllib.request
url = "http://127.0.0.1:%s/blob" % sys.argv[1]
t = time.time()
data = urllib.request.urlopen(url, timeout=60).read()
print(hashlib.sha256(data).hexdigest(), len(data), "%.2f" % (time.time() - t))
PY
)
set -- $got
if [ -n "$want" ] && [ "${1:-}" = "$want" ] && [ "${2:-}" = 4194304 ]; then
	line ok "4 MiB from the guest's httpd through host 127.0.0.1:$port, SHA-256 matches (${3} s)"
else
	line "not ok" "download: guest sha256 '$want', host got '$got'"
fi
bye=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/cgi-bin/done', timeout=30).read().decode().strip())" 2>&1 | tail -1)
[ "$bye" = bye ] && line ok "a CGI script ran in the guest (busybox httpd)" ||
	line "not ok" "CGI answered '$bye'"
wait $pid
st=$?
grep -q 'guest: done' "$log" && [ $st = 0 ] && line ok "the guest saw the request and powered off" ||
	{ tail -20 "$log" | sed 's/^/    | /'; line "not ok" "exit $st, no 'guest: done'"; }
exit 0
