#!/bin/sh
# perm_users: several users with busybox's own tools. Root adds alice,
# bob and carol to /etc/passwd, /etc/group and /etc/shadow (busybox
# mkpasswd; Debian's busybox has no adduser), then:
#  - su (set-user-ID root busybox) as root needs no password and gives the
#    user's IDs and supplementary groups (initgroups -> setgroups);
#  - alice cannot read or write root's 0600 file, create in root's
#    directories, kill root's process, mount, umount or reboot;
#  - alice with bob's password becomes bob through su and reads bob's
#    0600 file; with a wrong password, or to locked root, su fails;
#  - login -f carol runs carol's shell as carol and gives her the terminal.
# Everything is put back at the end (the files, the console's owner).
fail=0
no() { echo "perm_users: $*" >&2; fail=1; }

D=/tmp/pu.$$
mkdir -m 755 $D $D/mnt || exit 1
for f in passwd group shadow; do cp -p /etc/$f $D/$f.save; done
cons=$(stat -c '%u:%g %a' /dev/console)
restore() {
	for f in passwd group shadow; do cat $D/$f.save > /etc/$f; done
	chown "${cons% *}" /dev/console; chmod "${cons#* }" /dev/console
	rm -rf $D
}

mkdir -m 755 $D/carol
printf '#!/bin/sh\nid > %s/carol/login.out\n' $D > $D/lsh
chmod 755 $D/lsh
cat >> /etc/passwd <<EOF
alice:x:1000:1000:Alice:$D:/bin/sh
bob:x:1001:1001:Bob:$D:/bin/sh
carol:x:1002:1002:Carol:$D:$D/lsh
EOF
cat >> /etc/group <<EOF
alice:x:1000:
bob:x:1001:
carol:x:1002:
staff:x:1010:alice,carol
EOF
for u in alice bob carol; do
	echo "$u:$(mkpasswd -m sha512 ${u}pw):19000:0:99999:7:::" >> /etc/shadow
done
[ "$(stat -c %a /etc/shadow)" = 600 ] || no "shadow is $(stat -c %a /etc/shadow)"

echo s3cret > $D/secret && chmod 600 $D/secret
echo bob > $D/bobfile && chown bob:bob $D/bobfile && chmod 600 $D/bobfile
chown carol:carol $D/carol

# su as root
out=$(su alice -c id)
[ "$out" = "uid=1000(alice) gid=1000(alice) groups=1000(alice),1010(staff)" ] ||
	no "su alice: id says '$out'"
[ "$(su bob -c 'id -u; id -G')" = "1001
1001" ] || no "su bob: $(su bob -c 'id -u; id -G')"

# what alice may not do
su alice -c "cat $D/secret" >/dev/null 2>&1 && no "alice read root's 0600 file"
su alice -c "echo x >> $D/secret" 2>/dev/null && no "alice wrote root's 0600 file"
[ "$(cat $D/secret)" = s3cret ] || no "root's file changed"
su alice -c "touch /etc/alice" 2>/dev/null && no "alice created /etc/alice"
[ -e /etc/alice ] && no "/etc/alice exists"
su alice -c "mkdir $D/x" 2>/dev/null && no "alice made a directory in root's"
su alice -c "cat /etc/shadow" >/dev/null 2>&1 && no "alice read /etc/shadow"
sleep 60 &
sp=$!
su alice -c "kill $sp" 2>/dev/null && no "alice's kill of root's process worked"
su alice -c "kill -9 $sp" 2>/dev/null && no "alice's kill -9 of root's process worked"
kill -0 $sp 2>/dev/null || no "root's process died"
kill $sp; wait $sp 2>/dev/null
su alice -c "mount -t tmpfs none $D/mnt" 2>/dev/null && no "alice mounted a tmpfs"
grep -q " $D/mnt " /proc/mounts && { no "a tmpfs is on $D/mnt"; umount $D/mnt; }
su alice -c "umount /proc" 2>/dev/null && no "alice unmounted /proc"
su alice -c "reboot" 2>/dev/null && no "alice's reboot (a signal to init) worked"
su alice -c "date -s 2001-01-01" >/dev/null 2>&1	# exits 0 either way
[ "$(date +%Y)" = 2001 ] && no "alice set the clock"
# her own things she may do
su alice -c "echo mine > $D/../pu-alice.$$ && cat $D/../pu-alice.$$" >/dev/null ||
	no "alice cannot use /tmp"
[ "$(stat -c %U /tmp/pu-alice.$$ 2>/dev/null)" = alice ] || no "alice's file is not alice's"
rm -f /tmp/pu-alice.$$

# su from alice: the password decides (su is set-user-ID root)
out=$(su alice -c "echo bobpw | su bob -c 'id -u; cat $D/bobfile'" 2>/dev/null | grep -v Password)
[ "$out" = "1001
bob" ] || no "alice -> bob with the password: '$out'"
su alice -c "echo wrong | su bob -c true" >/dev/null 2>&1 && no "a wrong password worked"
su alice -c "echo x | su root -c true" >/dev/null 2>&1 && no "su to locked root worked"
su alice -c "cat $D/bobfile" >/dev/null 2>&1 && no "alice read bob's 0600 file herself"

# login -f: root logs carol in on the terminal
if login -f carol </dev/console >/dev/console 2>&1; then
	out=$(cat $D/carol/login.out 2>/dev/null)
	[ "$out" = "uid=1002(carol) gid=1002(carol) groups=1002(carol),1010(staff)" ] ||
		no "login -f carol: '$out'"
	[ "$(stat -c %U /dev/console)" = carol ] || no "login did not give carol the terminal"
else
	no "login -f carol failed"
fi

restore
[ $fail = 0 ] && echo "perm_users: ok" >&2
exit $fail
