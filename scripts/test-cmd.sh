#!/bin/bash
# `make run CMD=...` and ROOTFS_EXTRA, as a user scripting the kernel
# would use them: the command's output is printed, then "alloy: command
# exited with status N", and make fails when N is not 0.  usage: test-cmd.sh MAKE FFI OUT.tap
make=$1 ffi=$2 out=$3
n=0
tap=()
check() {	# check NAME EXPECTED_STATUS EXPECTED_TEXT -- make args...
	local name=$1 want=$2 text=$3
	shift 4
	n=$((n + 1))
	local log
	log=$($make -s --no-print-directory run FFI="$ffi" SMP=2 TIMEOUT=120 "$@" 2>&1)
	local st=$?
	# GNU make exits 0 or 2; the command's status is the last line
	local make_want=$([ "$want" = 0 ] && echo 0 || echo 2)
	if [ "$st" = "$make_want" ] && grep -qF -- "$text" <<< "$log" &&
	   grep -qx "alloy: command exited with status $want" <<< "$log"; then
		tap+=("ok $n cmd-ffi$ffi: $name")
	else
		echo "$log" | tail -70 | sed 's/^/    | /'
		tap+=("not ok $n cmd-ffi$ffi: $name # status $st, wanted $want and '$text'")
	fi
}
# check_quiet NAME UNWANTED_TEXT -- make args: status 0, and the text is
# nowhere in the output
check_quiet() {
	local name=$1 unwanted=$2
	shift 3
	n=$((n + 1))
	local log
	log=$($make -s --no-print-directory run FFI="$ffi" SMP=2 TIMEOUT=120 "$@" 2>&1)
	local st=$?
	if [ $st = 0 ] && ! grep -qF -- "$unwanted" <<< "$log"; then
		tap+=("ok $n cmd-ffi$ffi: $name")
	else
		echo "$log" | tail -70 | sed 's/^/    | /'
		tap+=("not ok $n cmd-ffi$ffi: $name # status $st, or '$unwanted' in the output")
	fi
}
check_quiet "no unimplemented-syscall notes on the console" "not implemented" -- CMD='true'
check "APPEND=strace traces with CMD (never silenced)" 0 "uname(" -- APPEND=strace CMD='uname -m'
extra=$(mktemp -d)
mkdir -p "$extra/data"
echo "from the host" > "$extra/data/note.txt"
check "busybox ls -l /bin" 0 "busybox" -- CMD='busybox ls -l /bin'
check "exit status passes through" 3 "before exit" -- CMD='echo before exit; exit 3'
check "pipeline and signal status" 0 "5" -- CMD='seq 1 5 | sort -rn | head -n 1'
check "ROOTFS_EXTRA copies a tree" 0 "from the host" -- \
	ROOTFS_EXTRA="$extra" CMD='cat /data/note.txt'
rm -rf "$extra"
# CMD reaches the guest's shell byte for byte: make must not expand $
# (it turned $x, $? and $(...) into its own variables), and no quoting
# layer may eat quotes, backslashes or newlines. Commands and expected
# lines are quoted heredocs, so this script adds no quoting of its own.
text() { IFS= read -r -d '' "$1" || true; printf -v "$1" '%s' "${!1%$'\n'}"; }
text c <<'END'
x=5; echo "v=$x"
END
check '$x is the shell variable' 0 "v=5" -- CMD="$c"
text c <<'END'
false; echo "st=$?"
END
check '$? is the last status' 0 "st=1" -- CMD="$c"
text c <<'END'
echo "sub=$(echo abc | tr a-c x-z) ar=$((6 * 7))"
END
check '$(...) and $((...))' 0 "sub=xyz ar=42" -- CMD="$c"
text c <<'END'
x=5; p=$$; [ "$p" -gt 0 ] && echo "br=${x}${x} pid=ok"
END
check '${x} and $$' 0 "br=55 pid=ok" -- CMD="$c"
text c <<'END'
v=7; echo '$v' "$v" "it's" 'say "hi"'
END
text w <<'END'
$v 7 it's say "hi"
END
check "single and double quotes" 0 "$w" -- CMD="$c"
text c <<'END'
printf '%s|%s|%s\n' 'a\b' "c\$d\\e" f\\g
END
text w <<'END'
a\b|c$d\e|f\g
END
check "backslashes" 0 "$w" -- CMD="$c"
text c <<'END'
a=1
echo "second a=$a"
END
check "a newline inside CMD" 0 "second a=1" -- CMD="$c"
# A test program as init (APPEND='init=...'; CMD only for the exit status
# line): zombies inherited by an init that ignores SIGCHLD must be reaped.
check "init=/tests/nocldwait: inherited zombies reaped" 0 "nocldwait: as init: ok" -- \
	CMD=':' APPEND='init=/tests/nocldwait'
{ echo "1..$n"; printf '%s\n' "${tap[@]}"; } > "$out"
printf '%s\n' "${tap[@]}" | sed 's/^/  /'
