#!/bin/bash
# The rootfs builder never writes outside its build directory: it stages
# an extra tree holding files named like busybox applets (bin/ls,
# usr/bin/env, sbin/ifconfig) and checks that they replaced the applet
# links in the stage, that every link of the stage resolves inside it,
# and that the host's own busybox is unchanged. Also: the usual empty
# directories are there.  usage: test-mkrootfs.sh OUT.tap
out=$1
n=0
tap=()
ok() { n=$((n + 1)); if eval "$2"; then tap+=("ok $n mkrootfs: $1"); else tap+=("not ok $n mkrootfs: $1"); fi; }
work=$(mktemp -d build/mkrootfs-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/extra/bin "$work"/extra/usr/bin "$work"/extra/sbin
for f in bin/ls usr/bin/env sbin/ifconfig; do echo "hostile $f" > "$work/extra/$f"; done
echo '#!/bin/sh' > "$work"/init
before=$(sha256sum /bin/busybox | cut -d' ' -f1)
scripts/mkrootfs.sh "$work"/out.cpio "$work"/stage --init "$work"/init --runner "$work"/init \
	--extra "$work"/extra > "$work"/log 2>&1
ok "builds with an extra tree" '[ -s "$work"/out.cpio ]'
ok "the host's /bin/busybox is unchanged" '[ "$(sha256sum /bin/busybox | cut -d" " -f1)" = "$before" ]'
ok "extra files replace applet links" \
	'for f in bin/ls usr/bin/env sbin/ifconfig; do [ -f "$work/stage/$f" ] && [ ! -L "$work/stage/$f" ] && grep -qx "hostile $f" "$work/stage/$f" || exit 1; done'
ok "every link in the stage stays inside it" \
	'stage=$(cd "$work"/stage && pwd); find "$stage" -type l | while read -r l; do t=$(readlink -f "$l"); case $t in "$stage"/*) ;; *) echo "outside: $l -> $t" >&2; exit 1 ;; esac; done'
ok "usual directories exist" 'for d in mnt srv var/log home tmp; do [ -d "$work/stage/$d" ] || exit 1; done'
{ echo "1..$n"; printf '%s\n' "${tap[@]}"; } > "$out"
printf '%s\n' "${tap[@]}" | sed 's/^/  /'
