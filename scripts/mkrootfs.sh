#!/bin/sh
# Builds the initramfs: busybox with its applets as links, Alloy's init
# and test runner, herd (the service supervisor, from $ALLOY_HERD_BIN when
# set, with one example service in /etc/herd), and optionally the system
# tests, the SSH server's tree (scripts/fetch-dropbear.sh), a host
# directory tree and a scripted command. The result is a cpio
# "newc" archive.
#
# usage: mkrootfs.sh OUT.cpio STAGE --init F --runner F
#                    [--tests DIR] [--ssh DIR] [--extra DIR] [--cmd 'COMMAND']
set -e
out=$1 stage=$2
shift 2
init= runner= tests= ssh= extra= cmd= have_cmd=
while [ $# -gt 0 ]; do
	case $1 in
	--init) init=$2 ;;
	--runner) runner=$2 ;;
	--tests) tests=$2 ;;
	--ssh) ssh=$2 ;;
	--extra) extra=$2 ;;
	--cmd) cmd=$2 have_cmd=1 ;;
	*) echo "mkrootfs: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "mkrootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }

rm -rf "$stage"
mkdir -p "$stage"/bin "$stage"/sbin "$stage"/usr/bin "$stage"/usr/sbin "$stage"/etc \
	"$stage"/root "$stage"/tmp "$stage"/proc "$stage"/sys "$stage"/home "$stage"/mnt \
	"$stage"/srv "$stage"/var/log "$stage"/var/tmp
chmod 1777 "$stage"/tmp
cp "$busybox" "$stage"/bin/busybox
# set-user-ID root, as su and login need (docs/permissions.md): busybox
# drops it at once for every applet that does not need it
chmod 4755 "$stage"/bin/busybox
# every applet as a relative symlink to bin/busybox, where busybox says it
# belongs: a link inside the stage never leads to the host's own files
# (one process for all ~270: a fork per link made every make run 3 s slower)
"$busybox" --list-full | python3 -c '
import os, sys
stage = sys.argv[1]
for p in sys.stdin.read().split():
    depth = p.count("/")			# one ../ per directory
    target = "busybox" if p.startswith("bin/") else "../" * depth + "bin/busybox"
    if not os.path.lexists(os.path.join(stage, p)):
        os.symlink(target, os.path.join(stage, p))
' "$stage"
rm -f "$stage"/sbin/init "$stage"/linuxrc
cp "$init" "$stage"/sbin/init
cp "$runner" "$stage"/sbin/runner
if [ -n "${ALLOY_HERD_BIN:-}" ] && [ -f "$ALLOY_HERD_BIN" ]; then
	cp "$ALLOY_HERD_BIN" "$stage"/sbin/herd
	mkdir -p "$stage"/etc/herd "$stage"/run "$stage"/var/log/herd
	# the example: `herd status` shows it as soon as the shell is up
	cat > "$stage"/etc/herd/ticker.service <<'SERVICE'
# An example service (docs/herd.md): says the time every minute.
exec=/bin/sh -c
arg=while true; do echo "tick $(date)"; sleep 60; done
restart=always
backoff_initial=1s
log_max=64K
log_keep=2
SERVICE
fi
# The C libraries' dynamic loaders (musl's is its libc) and glibc's libc,
# from the host, so dynamically linked programs built here run; musl's
# loader path and glibc's are where the toolchains point programs to.
for lib in /lib/x86_64-linux-musl/libc.so /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
	   /lib/x86_64-linux-gnu/libc.so.6; do
	[ -e "$lib" ] || continue
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done
mkdir -p "$stage"/lib64
[ -e "$stage"/lib/x86_64-linux-musl/libc.so ] &&
	ln -s x86_64-linux-musl/libc.so "$stage"/lib/ld-musl-x86_64.so.1
[ -e "$stage"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 ] &&
	ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$stage"/lib64/ld-linux-x86-64.so.2
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$stage"/etc/passwd
printf 'root:x:0:\n' > "$stage"/etc/group
printf 'root:*:0:0:99999:7:::\n' > "$stage"/etc/shadow	# no password: only root is root
chmod 600 "$stage"/etc/shadow
printf '/bin/sh\n/bin/ash\n' > "$stage"/etc/shells
printf 'alloy\n' > "$stage"/etc/hostname
cat > "$stage"/etc/profile <<'PROFILE'
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PS1='alloy:\w# '
PROFILE
if [ -n "$tests" ]; then
	mkdir -p "$stage"/tests
	cp -r "$tests"/. "$stage"/tests/
	# what the runner must find (executables not starting with _ or .)
	find "$stage"/tests -maxdepth 1 -type f -perm -u+x ! -name '_*' ! -name '.*' |
		wc -l > "$stage"/tests/.count
fi
if [ -n "$ssh" ]; then
	# dropbear, its libraries and its herd service (docs/net.md, "ssh")
	[ -f "$ssh/etc/herd/dropbear.service" ] || { echo "mkrootfs: $ssh is no ssh tree" >&2; exit 1; }
	[ -x "$stage"/sbin/herd ] || echo "mkrootfs: no herd, so nothing starts dropbear" >&2
	cp -r --no-dereference --remove-destination "$ssh"/. "$stage"/
	rm -f "$stage"/.made
fi
if [ -n "$extra" ]; then
	# a file of the extra tree replaces a link of the stage; it is never
	# written through it (as root that wrote into the host's busybox)
	cp -r --no-dereference --remove-destination "$extra"/. "$stage"/
fi
if [ -n "$have_cmd" ]; then
	printf '%s' "$cmd" > "$stage"/etc/alloy-cmd	# as given, byte for byte
fi
# every file root's (-R 0:0), whoever builds it: the kernel gives each the
# archive's owner, and a set-user-ID program must be root's
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$out"
