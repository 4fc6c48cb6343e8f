#!/bin/bash
# scripts/fetch-dropbear.sh DIR: the SSH server of `make run` (docs/net.md,
# "ssh"), as a tree that mkrootfs.sh copies into the initramfs:
#
#   DIR/debs/       Debian's packages, fetched with `apt-get download`
#                   through the host's own apt configuration (no package
#                   server's address is written anywhere here)
#   DIR/tree/       what goes into the root: dropbear, dropbearkey, the
#                   libraries they load (glibc itself is mkrootfs.sh's),
#                   OpenSSH's sftp-server (scp and sftp use it), the
#                   packages' copyright files, the herd service, the host
#                   key and /root/.ssh/authorized_keys
#   DIR/id_ed25519  a client key made for this build, authorised in the
#                   guest (ssh -i DIR/id_ed25519 -p 2222 root@127.0.0.1)
#   DIR/known_hosts the host key's line, for StrictHostKeyChecking=yes
#
# The packages are fetched once; the host key and the client key are made
# once (so a known_hosts entry stays valid across builds); the tree is
# made again on every call (cheap), with the public keys of $SSH_KEYS (a
# file, or several separated by spaces) authorised besides the build's.
# The host key is made with the fetched dropbearkey run on the host (its
# libraries from DIR); if that cannot run, dropbear makes one at boot (-R).
set -euo pipefail
dir=$1
die() { echo "fetch-dropbear: $*" >&2; exit 1; }
# dropbear-bin's dependencies besides libc6 (libtomcrypt1 needs libgmp10);
# openssh-sftp-server needs libc6 only
pkgs="dropbear-bin libtomcrypt1 libtommath1 libgmp10 libcrypt1 zlib1g openssh-sftp-server"
# openssh-sftp-server's copyright file is openssh-client's: that package is
# fetched for it alone
pkgs_all="$pkgs openssh-client"

mkdir -p "$dir/debs"
dir=$(cd "$dir" && pwd)
if [ ! -f "$dir/debs/stamp" ]; then
	command -v apt-get > /dev/null || die "apt-get missing"
	rm -f "$dir"/debs/*.deb
	(cd "$dir/debs" && apt-get -q download $pkgs_all > download.log 2>&1) ||
		{ cat "$dir/debs/download.log" >&2; die "apt-get download failed (apt-get update as root?)"; }
	for p in $pkgs_all; do
		ls "$dir"/debs/"${p}"_*.deb > /dev/null 2>&1 || die "$p was not downloaded"
	done
	touch "$dir/debs/stamp"
fi

# the tree is up to date when neither this script nor the keys asked for changed
want=$( (cat "$0"; for k in ${SSH_KEYS:-}; do echo "$k"; cat "$k" 2>/dev/null; done) | sha256sum)
[ -f "$dir/tree/.made" ] && [ "$(cat "$dir/tree/.made")" = "$want" ] && exit 0

x=$dir/x
rm -rf "$x" "$dir/tree.new"
mkdir -p "$x"
for d in "$dir"/debs/*.deb; do
	dpkg-deb -x "$d" "$x"
done

t=$dir/tree.new
mkdir -p "$t/usr/sbin" "$t/usr/bin" "$t/lib/x86_64-linux-gnu" "$t/usr/lib/openssh" \
	"$t/usr/share/doc" "$t/etc/dropbear" "$t/etc/herd" "$t/root/.ssh"
install -m 755 "$x/usr/sbin/dropbear" "$t/usr/sbin/dropbear"
install -m 755 "$x/usr/bin/dropbearkey" "$t/usr/bin/dropbearkey"
install -m 755 "$x/usr/lib/openssh/sftp-server" "$t/usr/lib/openssh/sftp-server"
ln -s openssh/sftp-server "$t/usr/lib/sftp-server"	# where dropbear looks for it
# the shared libraries (with their soname links) next to glibc's, which
# mkrootfs.sh puts in /lib/x86_64-linux-gnu
for l in libtomcrypt.so.1 libtommath.so.1 libgmp.so.10 libcrypt.so.1 libz.so.1; do
	f=$(find "$x" -name "$l" | head -1)
	[ -n "$f" ] || die "$l not in the packages"
	cp -L "$f" "$t/lib/x86_64-linux-gnu/$l"
done
# every library a program here needs is here, or is glibc's
for f in "$t/usr/sbin/dropbear" "$t/usr/bin/dropbearkey" "$t/usr/lib/openssh/sftp-server" \
	"$t"/lib/x86_64-linux-gnu/*; do
	for l in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		case $l in libc.so.6|ld-linux-x86-64.so.2) continue ;; esac
		[ -f "$t/lib/x86_64-linux-gnu/$l" ] || die "$f needs $l, which no package here has"
	done
done
# the licences travel with the binaries
for p in $pkgs; do
	[ -f "$x/usr/share/doc/$p/copyright" ] || die "no copyright file for $p"
	mkdir -p "$t/usr/share/doc/$p"
	cp -L "$x/usr/share/doc/$p/copyright" "$t/usr/share/doc/$p/"
done

# The host key, made once per build directory.
hk=$dir/dropbear_ed25519_host_key
if [ ! -s "$hk" ]; then
	LD_LIBRARY_PATH=$t/lib/x86_64-linux-gnu "$t/usr/bin/dropbearkey" -t ed25519 \
		-f "$hk.new" > /dev/null 2>&1 && mv "$hk.new" "$hk" ||
		{ rm -f "$hk.new"; echo "fetch-dropbear: no host key made here; dropbear makes one at boot"; }
fi
if [ -s "$hk" ]; then
	install -m 600 "$hk" "$t/etc/dropbear/"
	pub=$(LD_LIBRARY_PATH=$t/lib/x86_64-linux-gnu "$t/usr/bin/dropbearkey" -y -f "$hk" |
		grep '^ssh-ed25519 ' | cut -d' ' -f1,2)
	echo "[127.0.0.1]:* $pub" > "$dir/known_hosts"
fi

# The client key of this build, and the keys the builder asked for.
if [ ! -s "$dir/id_ed25519" ] && command -v ssh-keygen > /dev/null; then
	ssh-keygen -q -t ed25519 -N '' -C "alloy build key" -f "$dir/id_ed25519"
fi
: > "$t/root/.ssh/authorized_keys"
[ -s "$dir/id_ed25519.pub" ] && cat "$dir/id_ed25519.pub" >> "$t/root/.ssh/authorized_keys"
for k in ${SSH_KEYS:-}; do
	[ -f "$k" ] || die "SSH_KEYS: $k is not a file"
	cat "$k" >> "$t/root/.ssh/authorized_keys"
done
chmod 700 "$t/root/.ssh"
chmod 600 "$t/root/.ssh/authorized_keys"

# herd runs it (docs/herd.md): in the foreground (-F), its log on stderr
# (-E, into /var/log/herd/dropbear.log), keys made at boot if missing (-R)
cat > "$t/etc/herd/dropbear.service" <<'SERVICE'
# The SSH server (docs/net.md, "ssh"): Debian's dropbear on port 22.
exec=/usr/sbin/dropbear -F -E -R -p 22
restart=always
backoff_initial=1s
stop_timeout=3s
SERVICE

rm -rf "$x" "$dir/tree"
mv "$t" "$dir/tree"
echo "$want" > "$dir/tree/.made"
