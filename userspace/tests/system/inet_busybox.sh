#!/bin/sh
# inet_busybox: busybox's network tools on loopback (docs/net.md): 512 KiB
# through nc over 127.0.0.1 and over ::1 (md5sum compared), netstat -tln
# showing a listener from /proc/net/tcp, ifconfig (which reads /proc/net/dev), nc refused on a
# closed port, ping/ping6 (raw ICMP sockets) to 127.0.0.1 and ::1, wget
# from busybox httpd over both (md5sum compared, a missing page an error),
# and ip (netlink): addr, link and route of lo.
fail=0
no() { echo "inet_busybox: $*" >&2; fail=1; }

dd if=/dev/urandom of=/tmp/nc.in bs=1k count=512 2>/dev/null
want=$(md5sum < /tmp/nc.in)
for addr in 127.0.0.1 ::1; do
	rm -f /tmp/nc.out
	# the server's stdin must not end first (nc shuts its side at stdin's
	# end): a fifo this shell holds open
	rm -f /tmp/nc.fifo
	mkfifo /tmp/nc.fifo
	nc -l -p 5555 < /tmp/nc.fifo > /tmp/nc.out &
	srv=$!
	exec 3> /tmp/nc.fifo
	sleep 1
	[ "$addr" = 127.0.0.1 ] && {
		netstat -tln | grep -q ':5555 ' || no "netstat -tln does not show the listener"
	}
	timeout 10 nc $addr 5555 < /tmp/nc.in || no "nc $addr failed"
	# the client ends after the server (it waits for its EOF)
	exec 3>&-
	wait $srv
	[ "$(md5sum < /tmp/nc.out)" = "$want" ] || no "nc over $addr: the data differs"
done
ifconfig lo > /tmp/ifc 2>&1
grep -q 'inet addr:127.0.0.1' /tmp/ifc || no "ifconfig lo shows no 127.0.0.1"
grep -q 'No such file' /tmp/ifc && no "ifconfig: $(cat /tmp/ifc)"
ifconfig | grep -q '^lo ' || no "ifconfig lists no lo"
echo x | timeout 5 nc 127.0.0.1 5556 2>/dev/null && no "nc to a closed port succeeded"
for addr in 127.0.0.1 ::1; do
	p=ping
	[ $addr = ::1 ] && p=ping6
	timeout 20 $p -c 3 $addr > /tmp/ping.out 2>&1
	grep -q '3 packets transmitted, 3 packets received' /tmp/ping.out ||
		no "$p -c 3 $addr: $(cat /tmp/ping.out)"
done
rm -f /tmp/ping.out
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/blob bs=1k count=256 2>/dev/null
want=$(md5sum < /tmp/www/blob)
httpd -f -p 8080 -h /tmp/www &
httpd=$!
sleep 1
for url in http://127.0.0.1:8080 'http://[::1]:8080'; do
	rm -f /tmp/wget.out
	timeout 20 wget -q -O /tmp/wget.out "$url/blob" || no "wget $url/blob failed"
	[ "$(md5sum < /tmp/wget.out)" = "$want" ] || no "wget $url/blob: the data differs"
	timeout 20 wget -q -O /tmp/wget.out "$url/nope" 2>/dev/null &&
		no "wget $url/nope succeeded"
done
kill $httpd
wait $httpd 2>/dev/null
rm -rf /tmp/www /tmp/wget.out
ip addr show dev lo > /tmp/ip.out 2>&1
grep -q 'inet 127.0.0.1/8' /tmp/ip.out || no "ip addr show dev lo: $(cat /tmp/ip.out)"
grep -q 'inet6 ::1/128' /tmp/ip.out || no "ip addr shows no ::1: $(cat /tmp/ip.out)"
ip link show lo > /tmp/ip.out 2>&1
grep -q '^[0-9]*: lo: <.*UP' /tmp/ip.out || no "ip link show lo: $(cat /tmp/ip.out)"
ip route > /tmp/ip.out 2>&1 || no "ip route: $(cat /tmp/ip.out)"
ip -6 route > /tmp/ip.out 2>&1 || no "ip -6 route: $(cat /tmp/ip.out)"
rm -f /tmp/ip.out
rm -f /tmp/nc.in /tmp/nc.out /tmp/nc.fifo /tmp/ifc
[ $fail = 0 ] && echo "# inet_busybox: all passed"
exit $fail
