#!/bin/sh
# Fetches lwIP's source from Debian's source package into $1 (default
# build/lwip) using the host's own apt configuration: every `deb` entry
# (one-line sources.list and deb822 .sources) is turned into a `deb-src`
# entry in a private apt state under build/, so nothing about package
# servers is written into the repository and the host's apt state is not
# touched. Needs apt-get and dpkg-source (dpkg-dev). Idempotent: does
# nothing when $1/src/core/tcp.c exists.
set -eu
out=${1:-build/lwip}
[ -f "$out/src/core/tcp.c" ] && exit 0
mkdir -p "$(dirname "$out")"
state=$(cd "$(dirname "$out")" && pwd)/lwip-apt
rm -rf "$state"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/parts" "$state/src"
list=$state/sources.list
: >"$list"

# One-line entries: "deb [opts] uri suite comp..." -> "deb-src [opts] uri suite comp..."
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$list"
done
# deb822 stanzas: keep each stanza whose Types has "deb", with Types: deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk -v out="$state/parts/$(basename "$f")" '
		function flush() { if (isdeb && n) { for (i = 1; i <= n; i++) print s[i] > out; print "" > out } n = 0; isdeb = 0 }
		/^[[:space:]]*$/ { flush(); next }
		/^#/ { next }
		/^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1; s[++n] = "Types: deb-src"; next }
		{ s[++n] = $0 }
		END { flush() }' "$f"
done
if [ ! -s "$list" ] && [ -z "$(ls "$state/parts")" ]; then
	echo "fetch-lwip: no deb entries in the host's apt configuration" >&2
	exit 1
fi

apt() {
	apt-get -q -o Dir::Etc::SourceList="$list" -o Dir::Etc::SourceParts="$state/parts" \
		-o Dir::State::Lists="$state/lists" -o Dir::Cache="$state/cache" \
		-o Dir::State::status=/var/lib/dpkg/status -o Debug::NoLocking=1 "$@"
}
apt update >"$state/update.log" 2>&1 || { cat "$state/update.log" >&2; exit 1; }
(cd "$state/src" && apt source --download-only lwip)
dsc=$(ls "$state"/src/lwip_*.dsc | head -1)
rm -rf "$out.tmp"
dpkg-source --no-check -x "$dsc" "$out.tmp" >/dev/null
[ -f "$out.tmp/COPYING" ] || { echo "fetch-lwip: no COPYING (licence) in the source" >&2; exit 1; }
rm -rf "$out"
mv "$out.tmp" "$out"
rm -f "$(dirname "$out")"/lwip_*.orig.tar.* "$(dirname "$out")"/lwip_*.debian.tar.* "$(dirname "$out")"/lwip_*.dsc
echo "fetch-lwip: $(basename "$dsc") in $out"
