# sh_script: the shell language itself (busybox ash), as scripts use it.
#
# Functions, local variables, return codes and recursion; for/while/until,
# case, if/elif; arithmetic; parameter expansion; subshells and command
# substitution; redirections and fd duplication; here-documents; pipelines
# and their exit status; && || chains; set -e; traps (EXIT and signals);
# background jobs and wait; read loops; IFS splitting; positional
# parameters; getopts; eval; command -v and type; globbing; umask; exit
# statuses of not-found / not-executable commands; #! scripts.
#
# Runs in the (empty) current directory. Exits 0 if everything passed, 1
# otherwise; each failure is reported on stderr as
#   FAIL name: expected [...] got [...]
set -u
umask 022

fail=0
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" != "$3" ]; then
		echo "FAIL $1: expected [$2] got [$3]" >&2
		fail=1
	fi
}
NL='
'
isnum() { case $1 in '' | *[!0-9]*) echo no ;; *) echo yes ;; esac; }

# ---------------------------------------------------------------- functions
g=global
setlocal() {
	local g=inner x
	x=$1
	g=changed
	echo "$g:$x"
}
check "function output" "changed:arg" "$(setlocal arg)"
setlocal arg >/dev/null
check "local does not leak" "global" "$g"
setglobal() { g=fromfunc; }
setglobal
check "function sets global" "fromfunc" "$g"
ret() { return "$1"; }
ret 42
check "return code" "42" "$?"
ret 0 && r=ok || r=bad
check "return 0 is true" "ok" "$r"
outer() { local v=outer_local; inner; }
inner() { echo "$v"; }
check "dynamic scope" "outer_local" "$(outer)"
args() { echo "$#:${1:-}:${2:-}"; }
check "function args" "2:a b:c" "$(args 'a b' c)"
check "function \$0 unchanged" "yes" "$(case $0 in *sh_script.sh) echo yes ;; *) echo "$0" ;; esac)"

# Recursion: by command substitution (a process per level) and in-process
# with locals.
fact() {
	if [ "$1" -le 1 ]; then
		echo 1
	else
		echo $(($1 * $(fact $(($1 - 1)))))
	fi
}
check "factorial 10 (subst)" "3628800" "$(fact 10)"
fib() {
	local n=$1 a b
	if [ "$n" -lt 2 ]; then
		R=$n
		return
	fi
	fib $((n - 1))
	a=$R
	fib $((n - 2))
	b=$R
	R=$((a + b))
}
fib 15
check "fibonacci 15 (locals)" "610" "$R"

# ---------------------------------------------------------------- loops
s=""
for i in 1 2 3; do s="$s$i"; done
check "for list" "123" "$s"
s=""
for w in $(echo a b c); do s="$s-$w"; done
check "for over subst" "-a-b-c" "$s"
set -- x y z
s=""
for p; do s="$s$p"; done
check "for over \$@" "xyz" "$s"
i=0 s=""
while [ $i -lt 5 ]; do
	i=$((i + 1))
	[ $i -eq 2 ] && continue
	[ $i -eq 4 ] && break
	s="$s$i"
done
check "while continue break" "13" "$s"
i=10 s=""
until [ $i -le 7 ]; do s="$s$i "; i=$((i - 1)); done
check "until" "10 9 8 " "$s"
s=""
for a in 1 2 3; do
	for b in 1 2 3; do
		[ $b -eq 2 ] && continue 2
		[ $a -eq 3 ] && break 2
		s="$s$a$b "
	done
done
check "break 2 / continue 2" "11 21 " "$s"
n=0
while false; do n=1; done
check "while false never runs" "0" "$n"

# ---------------------------------------------------------------- case / if
cls() {
	case $1 in
	[0-9] | [0-9][0-9]) echo num ;;
	*.txt) echo text ;;
	a* | b*) echo ab ;;
	"") echo empty ;;
	\*) echo star ;;
	*) echo other ;;
	esac
}
check "case" "num num text ab ab empty star other" \
	"$(cls 5) $(cls 42) $(cls f.txt) $(cls apple) $(cls bee) $(cls '') $(cls '*') $(cls zzz)"
grade() {
	if [ "$1" -ge 90 ]; then
		echo A
	elif [ "$1" -ge 80 ]; then
		echo B
	elif [ "$1" -ge 70 ]; then
		echo C
	else
		echo F
	fi
}
check "if/elif/else" "A B C F" "$(grade 95) $(grade 85) $(grade 70) $(grade 3)"
if ! false; then r=yes; else r=no; fi
check "if !" "yes" "$r"

# ---------------------------------------------------------------- arithmetic
x=7
check "arith basic" "17 -3 21 2 1" "$((x + 10)) $((4 - x)) $((x * 3)) $((x / 3)) $((x % 3))"
check "arith precedence" "14 20" "$((2 + 3 * 4)) $(((2 + 3) * 4))"
check "arith compare" "1 0 1" "$((x > 5)) $((x == 5)) $((x != 5))"
check "arith logic/ternary" "1 0 yes" "$((x > 5 && x < 10)) $((!x)) $( [ $((x > 5 ? 1 : 0)) -eq 1 ] && echo yes)"
check "arith bits" "16 3 6 5" "$((1 << 4)) $((7 & 3)) $((4 | 2)) $((6 ^ 3))"
check "arith bases" "255 8" "$((0xff)) $((010))"
check "arith negative" "-5" "$((-15 / 3))"
check "arith 64-bit" "4294967296 9223372036854775807" "$((1 << 32)) $((0x7fffffffffffffff))"
y=5
: $((y += 3)) $((y *= 2))
check "arith assignment" "16" "$y"
z=1
: $((z++))
check "arith ++" "2" "$z"
s=0
i=1
while [ $i -le 100 ]; do s=$((s + i)); i=$((i + 1)); done
check "sum 1..100" "5050" "$s"
nm=6
check "arith var without \$" "36" "$((nm * nm))"

# ---------------------------------------------------------------- parameter expansion
v=hello.tar.gz
check "\${#v}" "12" "${#v}"
check "\${v#pat}" "tar.gz" "${v#*.}"
check "\${v##pat}" "gz" "${v##*.}"
check "\${v%pat}" "hello.tar" "${v%.*}"
check "\${v%%pat}" "hello" "${v%%.*}"
p=/usr/local/bin/prog
check "basename via ##" "prog" "${p##*/}"
check "dirname via %" "/usr/local/bin" "${p%/*}"
unset u
check "\${u:-default}" "default" "${u:-default}"
check "\${u-default}" "default" "${u-default}"
e=""
check "\${e:-default} on empty" "default" "${e:-default}"
check "\${e-default} on empty" "" "${e-default}"
check "\${v:+alt}" "alt" "${v:+alt}"
check "\${u:+alt}" "" "${u:+alt}"
: "${u:=assigned}"
check "\${u:=x} assigns" "assigned" "$u"
check "\${u:?} set" "assigned" "${u:?must be set}"
check "\${unset:?} fails" "1" "$( (: "${nope_unset:?}") 2>/dev/null && echo 0 || echo 1)"
check "set -u on unset var fails" "1" "$( (echo "$nope_unset") 2>/dev/null && echo 0 || echo 1)"
check "\${v:1:3}" "ell" "${v:1:3}"
check "\${v/pat/rep}" "hello_tar.gz ${NL}hello_tar_gz" "${v/./_} ${NL}${v//./_}"
check "quoting" "a  b \$v \"q\" 'x'" "$(echo "a  b" '$v' "\"q\"" "'x'")"
check "unquoted splitting" "a b" "$(echo a     b)"

# ---------------------------------------------------------------- subshells
sv=parent
here=$(pwd)
(sv=child; cd /; exit 0)
check "subshell var" "parent" "$sv"
check "subshell cwd" "$here" "$(pwd)"
check "subshell sees parent var" "parent" "$(echo $sv)"
check "subshell cd" "/" "$(cd / && pwd)"
check "subshell exit status" "3" "$( (exit 3); echo $?)"
{ gv=braces; }
check "{ } runs in the current shell" "braces" "$gv"
check "subshell \$\$ is the parent's" "$$" "$(echo $$)"
check "exec in subshell" "hi" "$(exec echo hi)"

# ---------------------------------------------------------------- command substitution
check "cmd subst" "3" "$(echo 1 2 3 | wc -w)"
check "nested cmd subst" "x-y-z" "$(echo "$(echo "x-$(echo "y-$(echo z)")")")"
check "backticks" "abc" "`echo abc`"
check "subst strips trailing newlines" "a${NL}b" "$(printf 'a\nb\n\n\n')"
check "subst exit status" "5" "$(x=$(exit 5); echo $?)"
cnt=$(seq 1 10 | wc -l)
check "subst into arith" "20" "$((cnt * 2))"

# ---------------------------------------------------------------- redirections
echo first > out
echo second >> out
check "> and >>" "first${NL}second" "$(cat out)"
echo trunc > out
check "> truncates" "trunc" "$(cat out)"
read line < out
check "<" "trunc" "$line"
{ echo out; echo err >&2; } > both 2>&1
check "2>&1" "out${NL}err" "$(cat both)"
check "2>&1 >file order" "err" "$({ echo out; echo err >&2; } 2>&1 >/dev/null)"
check "2>/dev/null" "" "$(ls /nonexistent_dir 2>/dev/null)"
check "stderr only" "oops" "$(sh -c 'echo oops >&2' 2>&1)"
exec 3> fd3
echo via3 >&3
echo more >&3
exec 3>&-
check "exec 3>file" "via3${NL}more" "$(cat fd3)"
check "closed fd 3" "1" "$( (echo x >&3) 2>/dev/null && echo 0 || echo 1)"
exec 4< fd3
read l1 <&4
read l2 <&4
exec 4<&-
check "exec 4<file" "via3 more" "$l1 $l2"
exec 5>&1
exec 5>&-
check "dup stdout" "dup" "$(exec 5>&1; echo dup >&5; exec 5>&-)"
check "redir on loop" "3" "$(for i in 1 2 3; do echo $i; done > loopout; wc -l < loopout)"
while read -r w; do last=$w; done < loopout
check "redir into while" "3" "$last"
: > created
check ": > creates empty" "0" "$(wc -c < created)"
echo x > 'name with spaces'
check "quoted filename" "x" "$(cat 'name with spaces')"
echo rw > rwfile
exec 6<> rwfile
read rwl <&6
exec 6>&-
check "<> read-write" "rw" "$rwl"

# ---------------------------------------------------------------- here-documents
name=World
check "heredoc expands" "Hello World${NL}2" "$(cat <<EOF
Hello $name
$((1 + 1))
EOF
)"
check "heredoc quoted" "Hello \$name${NL}\$((1 + 1))" "$(cat <<'EOF'
Hello $name
$((1 + 1))
EOF
)"
check "heredoc <<-" "tab1${NL}tab2 World" "$(cat <<-EOF
	tab1
		tab2 $name
	EOF
)"
check "heredoc backslash" "a\$b c" "$(cat <<EOF
a\$b c
EOF
)"
check "heredoc into read" "k v" "$(read a b <<EOF
k v
EOF
echo "$a $b")"
check "heredoc into pipeline" "2" "$(cat <<EOF | grep -c x
x1
y
x2
EOF
)"
check "heredoc in function" "fn: World" "$(hd() {
	cat <<EOF
fn: $name
EOF
}; hd)"

# ---------------------------------------------------------------- pipelines
check "7-stage pipeline" "n100:n91:n81:n71:n61" \
	"$(seq 1 100 | grep 1 | sort -rn | head -n 5 | sed 's/^/n/' | tr '\n' ':' | sed 's/:$//')"
check "pipeline into function" "A B" "$(up() { tr a-z A-Z; }; echo a b | up)"
check "pipeline into while" "6" "$(printf '1\n2\n3\n' | { s=0; while read n; do s=$((s + n)); done; echo $s; })"
true | false
check "status of true|false" "1" "$?"
false | true
check "status of false|true" "0" "$?"
! true
check "! true" "1" "$?"
! false
check "! false" "0" "$?"
! false | false
check "! pipeline" "0" "$?"
check "pipefail" "1" "$( (set -o pipefail; false | true); echo $?)"
check "pipefail rightmost failure" "3" "$( (set -o pipefail; (exit 3) | (exit 0) | true); echo $?)"
check "pipeline last stage is a subshell" "unset" "$(echo x | read pv; echo ${pv:-unset})"

# ---------------------------------------------------------------- && || chains
check "&& ||" "b" "$(false && echo a || echo b)"
check "|| &&" "y" "$(true || echo x && echo y)"
check "chain status" "1" "$(true && false; echo $?)"
r=$( (true && echo 1 && echo 2 && false && echo 3 || echo 4) | tr '\n' ' ' | sed 's/ $//')
check "long chain lines" "1 2 4" "$r"

# ---------------------------------------------------------------- set -e
check "set -e stops subshell" "1:before" "$(out=$(set -e; echo before; false; echo after); echo "$?:$out")"
check "set -e ignores if/&&/!" "done" "$( (set -e; if false; then :; fi; false && :; ! true; false || :; echo done) )"
check "set -e function" "2" "$( (set -e; f() { return 2; }; f; echo no); echo $?)"
check "set +e" "x" "$( (set -e; set +e; false; echo x) )"

# ---------------------------------------------------------------- traps
check "trap EXIT in subshell" "hi${NL}bye" "$(trap 'echo bye' EXIT; echo hi)"
(trap 'echo cleanup > trapfile' EXIT; exit 4)
check "trap EXIT keeps status" "4" "$?"
check "trap EXIT ran" "cleanup" "$(cat trapfile 2>/dev/null)"
check "trap EXIT on set -e" "end" "$( (set -e; trap 'echo end' EXIT; false; echo no) )"
got=0
trap 'got=1' USR1
kill -USR1 $$
check "trap USR1 on self" "1" "$got"
got=0
kill -s USR1 $$
kill -s USR1 $$
check "trap USR1 twice" "1" "$got"
trap - USR1
cnt=0
trap 'cnt=$((cnt + 1))' USR2
sh -c "kill -USR2 $$"
check "trap USR2 from a child" "1" "$cnt"
# A signal arriving while the shell waits for a child interrupts the wait;
# the handler runs and the shell carries on.
cnt=0
(sleep 0.2; kill -USR2 $$) &
wait
check "trap during wait" "1" "$cnt"
trap - USR2
trap '' USR1
kill -USR1 $$
check "ignored signal" "alive" "alive"
check "ignored signal inherited across exec" "survived" "$(sh -c 'kill -USR1 $$; echo survived')"
trap - USR1
# (ash reports "Terminated" etc. on stderr for children killed by a signal:
# the { } 2>/dev/null wrappers below keep that noise out of the log.)
check "default TERM kills" "143:" "$(out=$({ sh -c 'kill -TERM $$; echo no'; } 2>/dev/null); echo "$?:$out")"
check "trap -p/listing" "yes" "$( (trap 'echo x' INT; trap) | grep -q INT && echo yes)"
check "kill -0" "0" "$(kill -0 $$; echo $?)"

# ---------------------------------------------------------------- background jobs
check "\$\$ is a number" "yes" "$(isnum $$)"
sleep 0.2 &
bp=$!
check "\$! is a number" "yes" "$(isnum $bp)"
check "\$! differs from \$\$" "yes" "$([ $bp -ne $$ ] && echo yes)"
wait $bp
check "wait \$! status" "0" "$?"
(exit 7) &
wait $!
check "wait exit status 7" "7" "$?"
sleep 5 &
bp=$!
kill $bp
wait $bp 2>/dev/null
check "wait on killed job" "143" "$?"
sh -c 'kill -KILL $$' &
wait $! 2>/dev/null
check "wait on SIGKILLed job" "137" "$?"
for i in 1 2 3 4 5; do (sleep 0.1; echo "job$i" > "bg.$i") & done
wait
check "several jobs + wait" "job1 job2 job3 job4 job5" "$(cat bg.1 bg.2 bg.3 bg.4 bg.5 | tr '\n' ' ' | sed 's/ $//')"
check "wait with no jobs" "0" "$(wait; echo $?)"
check "wait for non-child" "127" "$(wait 1 2>/dev/null; echo $?)"
p1=$( (sleep 0.1 & echo $!) )
check "bg pid in subshell" "yes" "$(isnum $p1)"
echo bgout > bgfile &
wait
check "bg with redirection" "bgout" "$(cat bgfile)"
# Background jobs run at the same time: four jobs each wait for a "go"
# file that is only made once all four have started, so jobs run one
# after another would never get past the first (no timing involved:
# under TCG starting a busybox process can take a second).
rm -f go started.* done.*
for i in 1 2 3 4; do
	( touch started.$i; while [ ! -e go ]; do sleep 0.05; done; touch done.$i ) &
done
n=0
while [ "$(ls started.* 2>/dev/null | wc -l)" -lt 4 ] && [ $n -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "4 background jobs running at once" "4" "$(ls started.* 2>/dev/null | wc -l)"
check "none finished before go" "0" "$(ls done.* 2>/dev/null | wc -l)"
touch go
wait
check "all 4 finished after go" "4" "$(ls done.* 2>/dev/null | wc -l)"

# ---------------------------------------------------------------- read
s=""
printf 'a 1\nb 2\nc 3\n' | while read -r k v; do echo "$k=$v"; done > readout
check "while read from pipe" "a=1${NL}b=2${NL}c=3" "$(cat readout)"
s=0
while read -r n; do s=$((s + n)); done <<EOF
10
20
30
EOF
check "while read from heredoc" "60" "$s"
read -r a b rest <<EOF
one two three four
EOF
check "read splits, rest to last" "one|two|three four" "$a|$b|$rest"
IFS=, read -r c1 c2 <<EOF
x,y
EOF
check "read with IFS" "x y" "$c1 $c2"
read -r raw <<'EOF'
back\slash
EOF
check "read -r keeps backslash" "back\\slash" "$raw"
read notraw <<'EOF'
back\slash
EOF
check "read without -r" "backslash" "$notraw"
printf 'no newline' > nonl
check "read last line without newline" "no newline:1" "$(read -r l < nonl; echo "$l:$?")"
check "read at EOF fails" "1" "$(read x < /dev/null; echo $?)"

# ---------------------------------------------------------------- IFS / positional parameters
str="a:b::c"
oldifs=$IFS
IFS=:
set -- $str
IFS=$oldifs
check "IFS split count" "4" "$#"
check "IFS split fields" "a|b||c" "$1|$2|$3|$4"
set -- $(printf ' x \t y \n z ')
check "default IFS whitespace" "3:x y z" "$#:$*"
set -- one two three four
check "\$#" "4" "$#"
shift
check "shift" "two 3" "$1 $#"
shift 2
check "shift 2" "four 1" "$1 $#"
check "shift too far" "fails" "$( (shift 5) 2>/dev/null && echo ok || echo fails)"
set -- "a b" c "" d
count() { echo $#; }
check "\"\$@\" keeps words" "4" "$(count "$@")"
check "\"\$*\" one word" "1" "$(count "$*")"
check "\$@ unquoted splits" "4" "$(count $@)"
check "\"\$*\" joins with IFS[0]" "a b-c--d" "$(IFS=-; echo "$*")"
check "\${10}" "j" "$(set -- a b c d e f g h i j; echo ${10})"
set --
check "set -- empty" "0" "$#"

# ---------------------------------------------------------------- getopts
parse() {
	local opt OPTIND=1 a=no b= c=no
	while getopts "ab:c" opt; do
		case $opt in
		a) a=yes ;;
		b) b=$OPTARG ;;
		c) c=yes ;;
		*) echo "bad"; return 1 ;;
		esac
	done
	shift $((OPTIND - 1))
	echo "a=$a b=$b c=$c rest=$*"
}
check "getopts" "a=yes b=val c=yes rest=f1 f2" "$(parse -a -b val -c f1 f2)"
check "getopts combined" "a=yes b=x c=yes rest=f" "$(parse -ac -bx f)"
check "getopts --" "a=no b= c=no rest=-a" "$(parse -- -a)"
check "getopts bad option" "bad" "$(parse -z 2>/dev/null)"

# ---------------------------------------------------------------- eval / command / type
eval "ev=\$((3 + 4))"
check "eval" "7" "$ev"
name=target
target=indirect
eval "val=\$$name"
check "eval indirection" "indirect" "$val"
cmd='echo a; echo b'
check "eval sequence" "a${NL}b" "$(eval "$cmd")"
eval 'evf() { echo from_eval; }'
check "eval defines function" "from_eval" "$(evf)"
myfunc() { :; }
check "command -v builtin" "echo" "$(command -v echo)"
check "command -v function" "myfunc" "$(command -v myfunc)"
check "command -v applet" "0" "$(command -v ls >/dev/null; echo $?)"
check "command -v missing" "nonzero" "$(command -v no_such_cmd_xyz >/dev/null && echo zero || echo nonzero)"
check "command runs builtin" "x" "$(echo() { printf 'fn\n'; }; command echo x)"
check "type builtin" "echo is a shell builtin" "$(type echo)"
check "type function" "myfunc is a function" "$(type myfunc)"
check "type applet" "0" "$(type ls >/dev/null; echo $?)"
check "type missing" "nonzero" "$(type no_such_cmd_xyz >/dev/null 2>&1 && echo zero || echo nonzero)"

# ---------------------------------------------------------------- globbing, umask, exec errors, scripts
mkdir gl
touch gl/a.c gl/b.c gl/c.h gl/.hid
check "glob *" "gl/a.c gl/b.c gl/c.h" "$(echo gl/*)"
check "glob *.c" "gl/a.c gl/b.c" "$(echo gl/*.c)"
check "glob ?" "gl/c.h" "$(echo gl/?.h)"
check "glob []" "gl/a.c gl/c.h" "$(echo gl/[ac].*)"
check "glob no match stays" "gl/*.zz" "$(echo gl/*.zz)"
check "glob quoted" "gl/*" "$(echo "gl/*")"
check "set -f" "gl/*" "$(set -f; echo gl/*)"
check "glob dotfile" "gl/.hid" "$(echo gl/.h*)"
check "umask 077" "600" "$(umask 077; : > um; stat -c %a um)"
check "umask value" "0022" "$(umask)"
no_such_cmd_xyz 2>/dev/null
check "not found is 127" "127" "$?"
printf 'echo nope\n' > noexec
chmod 644 noexec
./noexec 2>/dev/null
check "not executable is 126" "126" "$?"
printf '#!/bin/sh\necho "shebang $1 $#"\nexit 9\n' > withbang
chmod 755 withbang
check "#! script output" "shebang arg 1" "$(./withbang arg)"
./withbang >/dev/null
check "#! script status" "9" "$?"
printf 'echo "plain $1"\n' > plain
chmod 755 plain
# execve gives ENOEXEC for a file without #!; ash then runs it as a script by
# re-executing itself through /proc/self/exe (and fails with "not found" if
# that does not exist), so this one needs /proc.
if [ -e /proc/self/exe ]; then
	check "script without #!" "plain p" "$(./plain p)"
else
	echo "SKIP script without #!: no /proc/self/exe" >&2
fi
check "sh FILE" "shebang q 1" "$(sh withbang q)"
check "sh -c args" "b 2" "$(sh -c 'echo "$2 $#"' zero a b)"
check ". (source)" "sourced" "$(printf 'sv=sourced\n' > inc.sh; . ./inc.sh; echo $sv)"
check "exit status of exit" "5" "$(sh -c 'exit 5'; echo $?)"
check "\$? of signal death" "138" "$({ sh -c 'kill -USR1 $$'; } 2>/dev/null; echo $?)"
check "export to child" "exported" "$(export EV=exported; sh -c 'echo $EV')"
check "no export to child" "unset" "$(NV=local; sh -c 'echo ${NV:-unset}')"
check "prefix assignment" "pre" "$(PV=pre sh -c 'echo $PV')"
check "readonly" "nonzero" "$( (readonly ro=1; ro=2) 2>/dev/null && echo zero || echo nonzero)"
HOME=/somewhere
check "tilde" "/somewhere/x" "$(echo ~/x)"

exit $fail
