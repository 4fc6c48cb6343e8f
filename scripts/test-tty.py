#!/usr/bin/env python3
"""The console as a user types at it: boots `make run`'s image with the
serial port on a pipe, waits for the shell prompt, types, and checks what
comes back: a command, the line discipline's editing (erase, kill, word
erase) and ^D under `cat`, a read into a bad buffer keeping its input
(tests/_ttyfault), ^C interrupting a foreground `sleep`, ^Z and
`fg`, raw mode through stty, and poweroff.
usage: test-tty.py XTASK KERNEL ELF ROOTFS OUT.tap NAME"""
import os, select, subprocess, sys, time

xtask, kernel, elf, rootfs, out, name = sys.argv[1:7]
proc = subprocess.Popen(
    [xtask, "run", "--kernel", kernel, "--elf", elf, "--smp", "2", "--mem", "512M",
     "--module", rootfs, "--append", "panic_exit " + os.environ.get("TTY_APPEND", ""),
     "--timeout", "180", "--log", os.environ.get("TTY_LOG", "/dev/null")],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    start_new_session=True)	# QEMU too, so a failed run can be killed whole
buf = b""
results = []

def wait_for(text, timeout=30):
    global buf
    end = time.time() + timeout
    while time.time() < end:
        i = buf.find(text)
        if i >= 0:
            buf = buf[i + len(text):]
            return True
        r, _, _ = select.select([proc.stdout], [], [], 0.2)
        if r:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
    return False

def typ(s):
    proc.stdin.write(s)
    proc.stdin.flush()

def check(what, ok):
    results.append((what, ok))
    if not ok:
        sys.stderr.write("tty: FAIL %s; recent output: %r\n" % (what, buf[-300:]))

PROMPT = b"alloy:~# "
start = time.time()
check("boots to the shell prompt", wait_for(PROMPT, 60))
print("  # %s: shell prompt %.2f s after QEMU started" % (name, time.time() - start))
typ(b"echo sum $((6*7))\r")
check("a command runs", wait_for(b"sum 42") and wait_for(PROMPT))
typ(b"echo abX\x7fc\r")			# the shell's own line editor
check("shell line editing", wait_for(b"\nabc\r\n") and wait_for(PROMPT))
t0 = time.time()
typ(b"sleep 100; echo not-interrupted\r")
time.sleep(1.5)
typ(b"\x03")				# ^C: SIGINT to the foreground group
typ(b"echo after-$((1+1))\r")
ok = wait_for(b"\nafter-2\r\n", 20) and time.time() - t0 < 20
check("^C interrupts a foreground sleep", ok and b"not-interrupted" not in buf)
wait_for(PROMPT)
typ(b"sleep 100\r")
time.sleep(1.5)
typ(b"\x1a")				# ^Z: SIGTSTP stops the foreground job
check("^Z stops a foreground job", wait_for(b"Stopped", 20) and wait_for(PROMPT))
typ(b"fg\r")				# SIGCONT, the job back in front
time.sleep(1.5)
typ(b"\x03")
typ(b"echo after-$((2+3))\r")
check("fg resumes it and ^C ends it", wait_for(b"\nafter-5\r\n", 20))
wait_for(PROMPT)
# cat reads in canonical mode, so here the kernel's line discipline edits
typ(b"cat > /tmp/typed\r")
time.sleep(0.5)
typ(b"abX\x7fc\r")			# DEL erases the X
typ(b"wrong\x15right\r")		# ^U kills the line
typ(b"one two\x17three\r")		# ^W erases a word
typ(b"\x04")				# ^D at the start of a line: EOF
typ(b"tr '\\n' : < /tmp/typed; echo\r")
check("line discipline: erase, kill, word erase and ^D",
      wait_for(b"\nabc:right:one three:\r\n", 20) and wait_for(PROMPT))
# a read into a bad buffer fails with EFAULT and leaves the line typed
# for it to the next read (the kernel took it and dropped it)
typ(b"/tests/_ttyfault\r")
wait_for(b"ttyfault: ready")
time.sleep(0.5)
typ(b"keepme\r")
time.sleep(0.5)
typ(b"second\r")			# the next read's, if the first was lost
check("a faulting read leaves its input for the next read",
      wait_for(b"ttyfault: bad read -1 errno 14 EFAULT", 20) and
      wait_for(b"ttyfault: then [keepme]", 20))
wait_for(PROMPT)
typ(b"stty raw -echo; dd bs=1 count=3 2>/dev/null | od -c | head -1; stty sane\r")
time.sleep(1)
typ(b"xyz")
check("raw mode reads bytes without a newline", wait_for(b"x   y   z") and wait_for(PROMPT))
typ(b"poweroff\r")
check("poweroff", wait_for(b"power", 30))
try:
    proc.wait(30)
except subprocess.TimeoutExpired:
    check("QEMU exits after poweroff", False)
finally:
    try:
        os.killpg(proc.pid, 9)	# nothing of this run may outlive it
    except ProcessLookupError:
        pass

with open(out, "w") as f:
    f.write("1..%d\n" % len(results))
    for i, (what, ok) in enumerate(results, 1):
        line = "%s %d %s: %s" % ("ok" if ok else "not ok", i, name, what)
        f.write(line + "\n")
        print("  " + line)
