#!/bin/bash
# The Debian root disk (make rootfs-debian, docs/debian.md), first step:
#
#   build.sh stage STAGE PACKAGES CACHE
#       a minimal Debian of the host's release in the directory STAGE:
#       mmdebstrap (variant essential) with the Debian packages that
#       PACKAGES names, from the host's own apt sources; the npm packages
#       it names (bun) fetched with the host's npm into CACHE; what Alloy's
#       boot needs besides. Slow (minutes); make reruns it only when
#       PACKAGES or this script changes. scripts/debian/mkimage.sh makes
#       the image of it.
#
# Runs as root (mmdebstrap's root mode runs the maintainer scripts and
# keeps the files' owners).
set -euo pipefail

die() { echo "debian: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap's root mode keeps file owners)"

# The host's apt sources for its own release: every sources file that
# names the release (or its -updates/-security suites) as a suite.
# mmdebstrap pastes each file given as a mirror into the chroot's sources.
host_sources() {
	local codename=$1 f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		grep -v '^[[:space:]]*#' "$f" |
			grep -Eq "(^|[[:space:]])$codename(-updates|-security)?([[:space:]]|$)" &&
			echo "$f"
	done
	return 0
}

# One npm package's executable, fetched once into CACHE with `npm pack`.
npm_bin() {
	local spec=$1 dest=$2 cache=$3
	local dir=$cache/$(echo "$spec" | tr '/@' '__')
	if [ ! -x "$dir/package/bin/bun" ]; then
		rm -rf "$dir" && mkdir -p "$dir"
		(cd "$dir" && npm pack --silent "$spec" > pack.out) ||
			die "npm pack $spec failed"
		tar xzf "$dir/$(tail -1 "$dir/pack.out")" -C "$dir"
	fi
	install -D -m 755 "$dir/package/bin/bun" "$dest"
}

stage() {
	local stage=$1 packages=$2 cache=$3
	command -v mmdebstrap > /dev/null || die "mmdebstrap missing (make deps)"
	command -v npm > /dev/null || die "npm missing (make deps)"
	local codename
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	local debs npms
	debs=$(sed 's/#.*//' "$packages" | awk 'NF && $1 !~ /^npm:/ {print $1}' | paste -sd, -)
	npms=$(sed 's/#.*//' "$packages" | awk '$1 ~ /^npm:/ {print $1, $2}')
	local sources
	mapfile -t sources < <(host_sources "$codename")
	[ ${#sources[@]} -gt 0 ] || die "no apt sources for $codename under /etc/apt"
	echo "debian: $codename from ${sources[*]}: $debs"

	rm -rf "$stage.new" && mkdir -p "$(dirname "$stage")" "$cache"
	# No documentation, manual pages or translations: a test root, not a
	# system to read about (copyright files stay).
	# (unsafe-io: no fsync per file; an interrupted build is thrown away)
	mmdebstrap --quiet --mode=root --variant=essential --include="$debs" \
		--dpkgopt=force-unsafe-io \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/lintian/*' \
		"$codename" "$stage.new" "${sources[@]}"

	# npm packages: "npm:NAME@VERSION PATH" puts its bin/bun at PATH
	while read -r spec dest; do
		[ -n "$spec" ] || continue
		npm_bin "${spec#npm:}" "$stage.new$dest" "$cache"
	done <<< "$npms"

	alloy_files "$stage.new"
	gdb_target "$stage.new"
	rm -rf "$stage" && mv "$stage.new" "$stage"
}

# gdb's target (programs.sh, case gdb): built here with the host's gcc,
# -g -O0, its source beside it at the path its debug information names.
gdb_target() {
	local r=$1 src=$HERE/gdb-target.c
	install -D -m 644 "$src" "$r/usr/local/src/gdb-target.c"
	gcc -g -O0 -fdebug-prefix-map="$HERE"=/usr/local/src -o "$r/usr/local/bin/gdb-target" "$src" ||
		die "gcc of $src failed"
}

# What Debian's init system would otherwise provide, for Alloy's init.
alloy_files() {
	local r=$1
	echo alloy > "$r/etc/hostname"
	# poweroff/reboot/halt signal Alloy's init as busybox's do (init.c)
	local cmd sig
	for cmd in poweroff:USR2 reboot:TERM halt:USR1; do
		sig=${cmd#*:} cmd=${cmd%:*}
		printf '#!/bin/sh\n# Alloy: ask init (pid 1) to %s\nkill -%s 1\n' "$cmd" "$sig" \
			> "$r/usr/local/sbin/$cmd"
		chmod 755 "$r/usr/local/sbin/$cmd"
	done
	# the shell's prompt says where it runs
	cat >> "$r/root/.bashrc" <<-'EOF'
	PS1='alloy-debian:\w# '
	EOF
	# the stage may be entered with chroot on the host: no services
	rm -f "$r/etc/machine-id" && : > "$r/etc/machine-id"
	[ ! -e "$r/etc/alloy-cmd" ] || die "a stage must not hold /etc/alloy-cmd"
}

case ${1:-} in
stage) shift; [ $# = 3 ] || die "usage: build.sh stage STAGE PACKAGES CACHE"; stage "$@" ;;
*) die "usage: build.sh stage STAGE PACKAGES CACHE" ;;
esac
