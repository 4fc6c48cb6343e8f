#!/usr/bin/env python3
"""The Linux Test Project's syscall tests on Alloy and on Linux (docs/ltp.md).

  ltp.py run     [--kernels linux,alloy] ...   make ltp: both kernels, results.tsv, summary
  ltp.py regress --tap FILE --list tests/ltp/pass.txt ...   make test-ltp (Alloy only)
  ltp.py report  [--doc docs/ltp.md]           summary and docs/ltp.md from the last results

Both kernels boot under the same QEMU command line (scripts/bench.py's
qemu_args, the flags of xtask's batch run) with the same initramfs:
busybox, /init (userspace/ltp/ltp-init.c, which runs the tests one at a
time and prints LTP-START/LTP-END lines), /ltp/setup.sh, Debian's
kernel config as KCONFIG_PATH and Linux's modules for virtio-blk and ext4.
vda is the ext2 image of the LTP build (snapshot=on: never written), vdb
a fresh scratch disk (LTP_DEV). A boot runs a batch of tests; a test with
no LTP-END (the kernel panicked, QEMU stopped, or the console went quiet
past the test's time) is recorded as CRASH or TIMEOUT with the console
lines, and the next boot resumes after it.

Results: build/ltp/<kernel>.jsonl (one JSON object per test, appended as
they finish, so an interrupted run resumes), build/ltp/results.tsv,
build/ltp/logs/<kernel>/<test>.log (each test's console lines).
"""
import argparse
import hashlib
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import bench  # noqa: E402  (one place knows the QEMU command line)

APPEND = {
    "alloy": bench.APPEND["alloy"],
    # no_timer_check: Debian's kernel under a loaded TCG host can panic at
    # boot with "IO-APIC + timer doesn't work!"
    "linux": bench.APPEND["linux"] + " no_timer_check",
}
KERNELS = ("linux", "alloy")
SCRATCH_MIB = 400      # LTP's tst_device wants at least 300 MiB


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- tests


def read_runtest(path):
    """runtest/syscalls: [(name, command line)] in file order."""
    tests, seen = [], set()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) < 2 or parts[0] in seen:
                continue
            seen.add(parts[0])
            tests.append((parts[0], parts[1]))
    return tests


def built_tests(root):
    """Tests of runtest/syscalls whose program is in the install tree."""
    bindir = os.path.join(root, "testcases", "bin")
    out = []
    for name, cmd in read_runtest(os.path.join(root, "runtest", "syscalls")):
        prog = cmd.split()[0]
        if os.path.isfile(os.path.join(bindir, prog)):
            out.append((name, cmd))
    return out


# ---------------------------------------------------------------- images


def make_image(root, img):
    """The ext2 image of the install tree (rebuilt when the tree changed)."""
    stamp = img + ".stamp"
    tree = subprocess.run(["find", root, "-printf", "%P %s %T@\n"], check=True,
                          capture_output=True, text=True).stdout
    key = hashlib.sha1(tree.encode()).hexdigest()
    if os.path.exists(img) and os.path.exists(stamp) and open(stamp).read() == key:
        return
    kib = int(subprocess.run(["du", "-sk", root], check=True, capture_output=True,
                             text=True).stdout.split()[0])
    mib = kib * 13 // 10 // 1024 + 64
    if os.path.exists(img):
        os.unlink(img)
    with open(img, "wb") as f:
        f.truncate(mib << 20)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-d", root, img],
                   check=True)
    with open(stamp, "w") as f:
        f.write(key)
    log(f"ltp: {img}: {mib} MiB ext2 of {root}")


def make_initramfs(out, stage, init, linux_dir, kconfig, batch, timeout, env):
    """One cpio for both kernels: busybox, /init, /ltp, Linux's modules."""
    shutil.rmtree(stage, ignore_errors=True)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev",
              "tmp", "mnt", "root", "opt/ltp", "ltp", "modules"):
        os.makedirs(os.path.join(stage, d), exist_ok=True)
    os.chmod(os.path.join(stage, "tmp"), 0o1777)
    shutil.copy("/bin/busybox", os.path.join(stage, "bin/busybox"))
    applets = subprocess.run(["/bin/busybox", "--list-full"], check=True,
                             capture_output=True, text=True).stdout.split()
    for p in applets:
        dst = os.path.join(stage, p)
        if not os.path.lexists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink("/bin/busybox", dst)
    shutil.copy(init, os.path.join(stage, "init"))
    shutil.copy(os.path.join(REPO, "userspace/ltp/setup.sh"), os.path.join(stage, "ltp/setup.sh"))
    if kconfig and os.path.exists(kconfig):
        shutil.copy(kconfig, os.path.join(stage, "ltp/kconfig"))
    with open(os.path.join(stage, "ltp/batch"), "w") as f:
        f.write(f"timeout {timeout}\n")
        for name, cmd in batch:
            f.write(f"{name} {cmd}\n")
    with open(os.path.join(stage, "ltp/env"), "w") as f:
        for k, v in env.items():
            f.write(f"{k}={v}\n")
    # the users and groups LTP's tests look up
    with open(os.path.join(stage, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/:/bin/false\n"
                "bin:x:2:2:bin:/bin:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    with open(os.path.join(stage, "etc/group"), "w") as f:
        f.write("root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nusers:x:100:\n"
                "nogroup:x:65534:\nnobody:x:65534:\n")
    order = []
    mods = os.path.join(linux_dir, "modules") if linux_dir else None
    if mods and os.path.exists(os.path.join(mods, "order")):
        with open(os.path.join(mods, "order")) as f:
            order = f.read().split()
        for m in order:
            shutil.copy(os.path.join(mods, m), os.path.join(stage, "modules", m))
    with open(os.path.join(stage, "modules/order"), "w") as f:
        f.write("\n".join(order) + "\n")
    names = subprocess.run("find . | LC_ALL=C sort", shell=True, cwd=stage,
                           check=True, capture_output=True).stdout
    with open(out, "wb") as f:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=stage,
                       input=names, stdout=f, check=True)


def qemu_cmd(kernel_name, kernel, initrd, ltp_img, scratch, smp, mem):
    args = bench.qemu_args(kernel, APPEND[kernel_name], initrd, ltp_img, smp, mem)
    i = args.index("-drive") + 1
    args[i] += ",snapshot=on"   # the LTP disk is never written
    args += ["-drive", f"file={scratch},format=raw,if=none,id=d1",
             "-device", "virtio-blk-pci,drive=d1"]
    return args


# ---------------------------------------------------------------- one boot

PANIC = re.compile(r"KERNEL PANIC|Kernel panic|BUG: |Oops|general protection fault|"
                   r"double fault|stack overflow|PANIC", re.I)


def boot_batch(a, kname, kernel, batch, out, bootno, emit, tag=""):
    """Boots once with batch; calls emit(result dict) per test finished.
    Returns the number of tests of the batch that got a result."""
    initrd = os.path.join(out, f"initramfs-{kname}{tag}.cpio")
    env = {"LTP_TIMEOUT_MUL": str(a.timeout_mul), "LTP_RUNTIME_MUL": str(a.runtime_mul)}
    make_initramfs(initrd, os.path.join(out, f"stage-{kname}{tag}"), a.init,
                   a.linux, a.kconfig, batch, a.timeout, env)
    scratch = os.path.join(out, f"scratch-{kname}{tag}.img")
    if os.path.exists(scratch):
        os.unlink(scratch)
    with open(scratch, "wb") as f:
        f.truncate(SCRATCH_MIB << 20)
    args = qemu_cmd(kname, kernel, initrd, a.image, scratch, a.smp, a.mem)
    logdir = os.path.join(out, "logs", kname)
    os.makedirs(logdir, exist_ok=True)
    consolelog = os.path.join(out, "logs", f"{kname}-boot{bootno}{tag}.log")
    start = time.monotonic()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    names = [n for n, _ in batch]
    done, cur, cur_lines, cur_start = 0, None, [], None
    tail = []             # the last console lines, for a crash outside a test
    pending = b""
    booted = False
    deadline = start + a.boot_timeout
    ended = "eof"
    with open(consolelog, "wb") as lf:
        lf.write((" ".join(args) + "\n").encode())
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                ended = "hang"
                break
            if not sel.select(min(left, 5)):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            lf.write(chunk)
            pending += chunk
            while b"\n" in pending:
                raw, pending = pending.split(b"\n", 1)
                line = raw.decode(errors="replace").rstrip("\r")
                tail = (tail + [line])[-40:]
                i = line.find("LTP-")
                tag = line[i:] if i >= 0 else ""
                if tag.startswith("LTP-SETUP ready"):
                    booted = True
                    deadline = time.monotonic() + a.timeout + a.grace
                elif tag.startswith("LTP-SETUP-FAILED"):
                    ended = "setup"
                elif tag.startswith("LTP-START "):
                    cur, cur_lines = tag.split()[1], []
                    cur_start = time.monotonic()
                    deadline = cur_start + a.timeout + a.grace
                    continue
                elif tag.startswith("LTP-END ") and cur:
                    w = tag.split()
                    res = {"test": w[1], "status": w[2], "secs": float(w[3]) if len(w) > 3 else 0.0,
                           "lines": cur_lines[-a.keep_lines:], "boot": bootno}
                    emit(res)
                    with open(os.path.join(logdir, w[1] + ".log"), "w") as tf:
                        tf.write("\n".join(cur_lines) + "\n" + tag + "\n")
                    done += 1
                    cur = None
                    deadline = time.monotonic() + a.timeout + a.grace
                    continue
                elif tag.startswith("LTP-DONE"):
                    ended = "done"
                if cur is not None:
                    cur_lines.append(line)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()
    os.unlink(scratch)
    if pending:
        line = pending.decode(errors="replace")
        tail.append(line)
        if cur is not None:
            cur_lines.append(line)
    wall = time.monotonic() - start
    if cur is not None:
        # the test that was running when the kernel stopped answering
        crashed = ended != "hang" or any(PANIC.search(l) for l in cur_lines)
        status = "crash" if crashed else "hang"
        res = {"test": cur, "status": status, "secs": round(time.monotonic() - cur_start, 1),
               "lines": cur_lines[-a.keep_lines:], "boot": bootno}
        emit(res)
        with open(os.path.join(logdir, cur + ".log"), "w") as tf:
            tf.write("\n".join(cur_lines) + f"\nLTP-END {cur} {status} (host)\n")
        done += 1
    elif ended != "done" and done < len(names):
        log(f"ltp: {kname} boot {bootno} stopped before a test began ({ended}); "
            f"console {consolelog}:\n  " + "\n  ".join(tail[-15:]))
        if not booted:
            return -1
    log(f"ltp: {kname} boot {bootno}: {done}/{len(names)} tests in {wall:.0f} s ({ended})")
    return done


def run_kernel(a, kname, kernel, tests, resfile):
    """Runs every test not yet in resfile on one kernel, boot after boot
    (--shards N: N QEMUs at once, each a share of the tests)."""
    import threading
    have = load(resfile)
    todo = [t for t in tests if t[0] not in have]
    if not todo:
        return
    log(f"ltp: {kname}: {len(todo)} tests to run ({len(have)} already in {resfile})")
    first = max([r.get("boot", 0) for r in have.values()] + [0]) + 1
    lock = threading.Lock()
    rf = open(resfile, "a")

    def emit(r):
        r["result"], r["cause"], r["detail"], r["missing"] = classify(r)
        with lock:
            rf.write(json.dumps(r) + "\n")
            rf.flush()
        if a.verbose:
            log(f"  {kname} {r['test']:<24} {r['result']:<8} {r['secs']:>6.1f}s {r['detail'][:60]}")

    def shard(k, mine):
        bootno, failed_boots = first + k, 0
        tag = f"-s{k}" if a.shards > 1 else ""
        while mine:
            n = boot_batch(a, kname, kernel, mine[:a.batch], a.out, bootno, emit, tag)
            bootno += a.shards
            if n <= 0:
                failed_boots += 1
                if failed_boots >= 3:
                    log(f"ltp: {kname}: three boots in a row ran no test; giving up")
                    return
                continue
            failed_boots = 0
            mine = mine[n:]

    # contiguous shares: neighbours in runtest order share set-up costs
    per = (len(todo) + a.shards - 1) // a.shards
    th = [threading.Thread(target=shard, args=(k, todo[k * per:(k + 1) * per]))
          for k in range(a.shards)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    rf.close()


# ---------------------------------------------------------------- results

ERRNO_RE = re.compile(r"\bE[A-Z0-9]{2,}\b")
NOSYS_RE = re.compile(r"ENOSYS|not supported on your arch|syscall\(\-?\d+\) [\w]+ not supported"
                      r"|Function not implemented|not implemented")
MISSING_NAME = [
    re.compile(r"syscall \d+ \((\w+)\) not implemented"),      # Alloy's log
    re.compile(r"__NR_(\w+) not supported"),
    re.compile(r"\b(\w+)\(\) (?:not supported|failed|is not implemented)\b.*ENOSYS"),
    re.compile(r"\b(\w+)\(.*\).*ENOSYS"),
]


def result_of(status):
    if status == "crash":
        return "CRASH"
    if status in ("hang", "timeout"):
        return "TIMEOUT"
    if status.startswith("signal="):
        return "SIGNAL"
    if not status.startswith("exit="):
        return "BROK"
    code = int(status[5:])
    if code == 0:
        return "PASS"
    if code == 32:
        return "CONF"
    if code & 1:
        return "FAIL"
    if code & 2:
        return "BROK"
    if code == 4:
        return "WARN"
    if code & 32:
        return "CONF"
    return "FAIL"


def classify(r):
    """(result, cause, detail, missing syscalls) from a test's status and lines."""
    res = result_of(r["status"])
    lines = r["lines"]
    kmsg = [l for l in lines if "LTP-KMSG" in l]
    missing = set()
    for l in lines:
        for rx in MISSING_NAME[:2]:
            for m in rx.findall(l):
                missing.add(m)
    fails = [l for l in lines if "TFAIL" in l]
    broks = [l for l in lines if "TBROK" in l]
    confs = [l for l in lines if "TCONF" in l]
    bad = fails + broks + confs
    first = (fails or broks or confs or [""])[0]
    detail = re.sub(r"^.*?(TFAIL|TBROK|TCONF|TWARN)", r"\1", first).strip()
    if res == "PASS":
        return res, "", "", sorted(missing)
    if res == "CRASH":
        tail = [l for l in lines if l.strip() and not re.match(r"\s*LTP-(START|END|KMSG|NOTE) ", l)]
        pan = [l for l in tail if PANIC.search(l)]
        return res, "crash", ((pan or tail or ["(no console output)"])[0]).strip()[:200], sorted(missing)
    if res == "TIMEOUT":
        how = "kernel stopped answering" if r["status"] == "hang" else f"killed after {r['secs']:.0f} s"
        return res, "timeout", how + (("; " + detail) if detail else ""), sorted(missing)
    nosys = [l for l in bad if NOSYS_RE.search(l)]
    if nosys or kmsg:
        for l in nosys:
            for rx in MISSING_NAME[1:]:
                m = rx.search(l)
                if m:
                    missing.add(m.group(1))
                    break
        d = re.sub(r"^.*?(TFAIL|TBROK|TCONF)", r"\1", (nosys or kmsg)[0]).strip()
        return res, "missing syscall", d[:200], sorted(missing)
    if res == "FAIL":
        # a failure line that names what it expected and an errno
        wrong = [l for l in fails if re.search(r"expect|for errno", l, re.I)
                 and (ERRNO_RE.search(l) or re.search(r"errno|error", l))]
        if wrong:
            d = re.sub(r"^.*?TFAIL", "TFAIL", wrong[0]).strip()
            return res, "wrong errno", d[:200], sorted(missing)
        return res, "TFAIL", detail[:200], sorted(missing)
    if res == "CONF":
        return res, "TCONF", detail[:200], sorted(missing)
    if res == "SIGNAL":
        return res, "TBROK", f"the test was killed by signal {r['status'][7:]}", sorted(missing)
    return res, "TBROK", (detail or r["status"])[:200], sorted(missing)


def load(resfile):
    out = {}
    if os.path.exists(resfile):
        with open(resfile) as f:
            for line in f:
                r = json.loads(line)
                out[r["test"]] = r
    return out


def syscall_status(doc=os.path.join(REPO, "docs", "syscalls.md")):
    """name -> implemented / partial / missing, from docs/syscalls.md."""
    st = {}
    if os.path.exists(doc):
        for line in open(doc):
            c = [x.strip() for x in line.split("|")]
            if len(c) > 4 and c[1].isdigit():
                st[c[2]] = c[3]
    return st


def source_dirs(src):
    """program name -> its directory under testcases/kernel/syscalls."""
    out = {}
    base = os.path.join(src, "testcases", "kernel", "syscalls") if src else None
    if base and os.path.isdir(base):
        for d, _, files in os.walk(base):
            for f in files:
                if f.endswith(".c"):
                    out.setdefault(f[:-2], os.path.basename(d))
    return out


def syscall_of(name, cmd, dirs, status):
    """The syscall a test is about: its source directory's name, or its
    own name without the number (accept4_01 -> accept4)."""
    prog = cmd.split()[0]
    cands = []
    for n in (prog, name):
        if n in dirs:
            cands.append(dirs[n])
        m = re.match(r"^(.*?)_?\d+(_64|_16)?$", n)
        if m:
            cands.append(m.group(1))
    for c in cands:
        for v in (c, c.rstrip("_"), re.sub(r"_?(64|16)$", "", c)):
            if v in status:
                return v
    return cands[0] if cands else name


CAUSES = ["missing syscall", "wrong errno", "TFAIL", "TBROK", "TCONF", "crash", "timeout"]
EXPLAINED_DIR = os.path.join(REPO, "tests", "ltp", "explained")
EXPLAIN_KINDS = ("deliberate", "missing", "environment", "flaky")


def explanations(d=EXPLAINED_DIR):
    """tests/ltp/explained/*.tsv: test<TAB>kind<TAB>why, for tests that pass
    on Linux and not on Alloy; one file per area, so areas edit apart."""
    out = {}
    if not os.path.isdir(d):
        return out
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".tsv"):
            continue
        for ln, line in enumerate(open(os.path.join(d, fn)), 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t", 2)
            if len(parts) != 3 or parts[1] not in EXPLAIN_KINDS:
                raise SystemExit(f"{fn}:{ln}: want test<TAB>{'|'.join(EXPLAIN_KINDS)}<TAB>why")
            out[parts[0]] = (parts[1], parts[2].strip(), fn[:-4])
    return out


def summarize(tests, res, out, src=None):
    """results.tsv and the summary text; returns (text, groups, missing, per-syscall)."""
    status = syscall_status()
    dirs = source_dirs(src)
    about = {name: syscall_of(name, cmd, dirs, status) for name, cmd in tests}
    rows = []
    for name, _ in tests:
        li, al = res["linux"].get(name), res["alloy"].get(name)
        rows.append((name, li, al))
    with open(os.path.join(out, "results.tsv"), "w") as f:
        f.write("test\tlinux\talloy\tseconds\tsyscall\talloy_status\talloy_cause\talloy_detail\n")
        for name, li, al in rows:
            f.write("\t".join([name, li["result"] if li else "-", al["result"] if al else "-",
                               f"{al['secs']:.1f}" if al else "-",
                               about[name], status.get(about[name], "?"),
                               al["cause"] if al and al["result"] != "PASS" else "",
                               (al["detail"] if al else "").replace("\t", " ")]) + "\n")
    n = len(rows)
    ran_l = sum(1 for _, li, _ in rows if li)
    ran_a = sum(1 for _, _, al in rows if al)
    pass_l = sum(1 for _, li, _ in rows if li and li["result"] == "PASS")
    pass_a = sum(1 for _, _, al in rows if al and al["result"] == "PASS")
    both = sum(1 for _, li, al in rows if li and al and li["result"] == "PASS" and al["result"] == "PASS")
    only_a = sum(1 for _, li, al in rows if li and al and li["result"] != "PASS" and al["result"] == "PASS")
    groups = {c: [] for c in CAUSES}
    allfail = {c: 0 for c in CAUSES}
    missing = {}
    for name, li, al in rows:
        if not al or al["result"] == "PASS":
            continue
        allfail[al["cause"]] = allfail.get(al["cause"], 0) + 1
        if li and li["result"] == "PASS":
            groups.setdefault(al["cause"], []).append((name, al))
            for m in al.get("missing", []):
                missing.setdefault(m, []).append(name)
    # per syscall under test: tests, passing on Linux, passing on Alloy
    per = {}
    for name, li, al in rows:
        sc = about[name]
        e = per.setdefault(sc, {"status": status.get(sc, "?"), "tests": 0, "linux": 0, "alloy": 0,
                                "todo": []})
        e["tests"] += 1
        e["linux"] += bool(li and li["result"] == "PASS")
        e["alloy"] += bool(al and al["result"] == "PASS")
        if li and li["result"] == "PASS" and al and al["result"] != "PASS":
            e["todo"].append(name)
    impl = {k: v for k, v in per.items() if v["status"] in ("implemented", "partial")}
    lt = sum(r["secs"] for r in res["linux"].values())
    at = sum(r["secs"] for r in res["alloy"].values())
    txt = [f"LTP syscall tests built: {n}",
           f"  run on Linux: {ran_l}, on Alloy: {ran_a}",
           f"  passing on Linux: {pass_l}",
           f"  passing on Alloy: {pass_a} (of them {only_a} not passing on Linux)",
           f"  passing on both:  {both}",
           f"  test time: Linux {lt / 60:.0f} min, Alloy {at / 60:.0f} min",
           "Alloy's failures of tests that pass on Linux, by cause "
           f"({sum(len(v) for v in groups.values())}):"]
    for c in CAUSES:
        txt.append(f"  {c:<16} {len(groups.get(c, [])):>5}   (all Alloy non-passes: {allfail.get(c, 0)})")
    il = sum(v["linux"] for v in impl.values())
    ia = sum(v["alloy"] for v in impl.values())
    it = sum(v["tests"] for v in impl.values())
    txt.append(f"tests of syscalls docs/syscalls.md calls implemented or partial ({len(impl)} syscalls): "
               f"{it}, passing on Linux {il}, on Alloy {ia}")
    notimpl = {k: v for k, v in per.items() if v["status"] not in ("implemented", "partial")}
    txt.append(f"tests of other syscalls (missing in Alloy, or not a syscall name): "
               f"{sum(v['tests'] for v in notimpl.values())}, passing on Linux "
               f"{sum(v['linux'] for v in notimpl.values())}, on Alloy {sum(v['alloy'] for v in notimpl.values())}")
    if missing:
        top = sorted(missing.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        txt.append("missing syscalls (tests that pass on Linux and hit them on Alloy): " +
                   ", ".join(f"{k} {len(v)}" for k, v in top[:25]))
    for name, al in [x for g in groups.values() for x in g]:
        al["syscall"] = f"{about[name]} ({status.get(about[name], 'not a syscall name')})"
    # issue 13's rule: a test of an implemented syscall passes or is explained
    why = explanations()
    todo_impl = [t for v in impl.values() for t in v["todo"]]
    unexplained = sorted(t for t in todo_impl if t not in why)
    kinds = {}
    for t in todo_impl:
        if t in why:
            kinds[why[t][0]] = kinds.get(why[t][0], 0) + 1
    txt.append(f"failures of implemented or partial syscalls' tests: {len(todo_impl)}, explained "
               f"{len(todo_impl) - len(unexplained)} (" +
               ", ".join(f"{k} {kinds[k]}" for k in EXPLAIN_KINDS if k in kinds) +
               f"), unexplained {len(unexplained)}" +
               (": " + " ".join(unexplained) if unexplained else ""))
    stale = sorted(t for t in why if why[t][0] != "flaky" and
                   (res["alloy"].get(t) or {}).get("result") == "PASS")
    if stale:
        txt.append("explained but passing now (drop from tests/ltp/explained/): " + " ".join(stale))
    return "\n".join(txt), groups, missing, per


def write_doc(path, summary, groups, missing, meta, per):
    why = explanations()
    begin, end = "<!-- ltp.py report: begin -->", "<!-- ltp.py report: end -->"
    body = [begin, "", f"Run: {meta}", "", "```", summary, "```", ""]
    if missing:
        body += ["### Missing syscalls, by the number of tests they fail", "",
                 "| syscall | tests | |", "|---|---:|---|"]
        for k, v in sorted(missing.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            body.append(f"| `{k}` | {len(v)} | {' '.join(v[:8])}{' ...' if len(v) > 8 else ''} |")
        body.append("")
    body += ["### By the syscall under test", "",
             "The syscall a test is about is its source directory's name (or its own name "
             "without the number); the status is docs/syscalls.md's. Tests that pass on Linux "
             "and not on Alloy are the to-do.", "",
             "| syscall | Alloy | tests | pass on Linux | pass on Alloy | to do |", "|---|---|---:|---:|---:|---:|"]
    order = {"implemented": 0, "partial": 1}
    for k, v in sorted(per.items(), key=lambda kv: (order.get(kv[1]["status"], 2), -len(kv[1]["todo"]), kv[0])):
        body.append(f"| {k} | {v['status']} | {v['tests']} | {v['linux']} | {v['alloy']} | {len(v['todo'])} |")
    body.append("")
    body.append("### Tests that pass on Linux and not on Alloy, by cause")
    body.append("")
    for c in CAUSES:
        items = groups.get(c, [])
        if not items:
            continue
        body += [f"#### {c} ({len(items)})", "",
                 "| test | syscall (in Alloy) | Alloy | first failure line | why (tests/ltp/explained/) |",
                 "|---|---|---|---|---|"]
        for name, al in items:
            d = al["detail"].replace("|", "\\|").replace("`", "'")
            w = why.get(name)
            w = f"{w[0]}: {w[1]}".replace("|", "\\|") if w else ""
            body.append(f"| {name} | {al.get('syscall', '')} | {al['result']} | {d[:160]} | {w} |")
        body.append("")
    body.append(end)
    text = open(path).read() if os.path.exists(path) else ""
    if begin in text and end in text:
        text = text[:text.index(begin)] + "\n".join(body) + text[text.index(end) + len(end):]
    else:
        text = text + "\n" + "\n".join(body) + "\n"
    with open(path, "w") as f:
        f.write(text)


# ---------------------------------------------------------------- commands


def cmd_run(a):
    os.makedirs(a.out, exist_ok=True)
    tests = built_tests(a.root)
    if a.only:
        want = set(open(a.only).read().split())
        tests = [t for t in tests if t[0] in want]
    if a.limit:
        tests = tests[:a.limit]
    log(f"ltp: {len(tests)} tests built")
    make_image(a.root, a.image)
    kern = {"alloy": a.alloy, "linux": os.path.join(a.linux, "vmlinuz")}
    kernels = a.kernels.split(",")
    if "alloy" in kernels and not a.resume:
        # Alloy is measured afresh each time; Linux's results are kept
        # (build/ltp/linux.jsonl) unless --fresh-linux
        if os.path.exists(os.path.join(a.out, "alloy.jsonl")):
            os.unlink(os.path.join(a.out, "alloy.jsonl"))
    # Linux's kept results hold for the same image (tests) and kernel only
    lstamp = os.path.join(a.out, "linux.stamp")
    key = open(a.image + ".stamp").read() + " " + " ".join(
        open(os.path.join(a.linux, "version")).read().split())
    old = open(lstamp).read() if os.path.exists(lstamp) else None
    if (a.fresh_linux or (old is not None and old != key)) and \
            os.path.exists(os.path.join(a.out, "linux.jsonl")):
        log("ltp: Linux's results are from other tests or another kernel: running it again"
            if not a.fresh_linux else "ltp: --fresh-linux")
        os.unlink(os.path.join(a.out, "linux.jsonl"))
    with open(lstamp, "w") as f:
        f.write(key)
    if a.parallel and len(kernels) > 1:
        import threading
        th = [threading.Thread(target=run_kernel, args=(a, k, kern[k], tests,
                                                        os.path.join(a.out, f"{k}.jsonl")))
              for k in kernels]
        for t in th:
            t.start()
        for t in th:
            t.join()
    else:
        for k in kernels:
            run_kernel(a, k, kern[k], tests, os.path.join(a.out, f"{k}.jsonl"))
    return cmd_report(a, tests)


def cmd_report(a, tests=None):
    if tests is None:
        tests = built_tests(a.root)
    res = {k: load(os.path.join(a.out, f"{k}.jsonl")) for k in KERNELS}
    # re-classify from the stored lines, so a better classifier needs no rerun
    for k in KERNELS:
        for r in res[k].values():
            r["result"], r["cause"], r["detail"], r["missing"] = classify(r)
    src = a.src or next(iter(sorted(d for d in
                                    (os.path.join(a.out, x) for x in os.listdir(a.out))
                                    if os.path.exists(os.path.join(d, ".alloy-configured")))), None)
    summary, groups, missing, per = summarize(tests, res, a.out, src)
    print(summary)
    if a.doc:
        meta = (f"{len(tests)} tests of runtest/syscalls built; Alloy {a.alloy}; QEMU TCG -cpu max -smp {a.smp} "
                f"-m {a.mem}; per-test limit {a.timeout} s, LTP_TIMEOUT_MUL={a.timeout_mul}, "
                f"LTP_RUNTIME_MUL={a.runtime_mul}; {len(res['linux'])} run on Linux, "
                f"{len(res['alloy'])} on Alloy")
        write_doc(a.doc, summary, groups, missing, meta, per)
        log(f"ltp: wrote {a.doc}")
    return 0


def cmd_regress(a):
    """Alloy only: every listed test must pass; TAP to a.tap."""
    os.makedirs(a.out, exist_ok=True)
    want = [l.split("#")[0].strip() for l in open(a.list)]
    want = [w for w in want if w]
    tests = dict(built_tests(a.root))
    make_image(a.root, a.image)
    resfile = os.path.join(a.out, "alloy.jsonl")
    if os.path.exists(resfile):
        os.unlink(resfile)
    run_kernel(a, "alloy", a.alloy, [(w, tests[w]) for w in want if w in tests], resfile)
    res = load(resfile)
    tap, bad = [], 0
    for w in want:
        r = res.get(w)
        if r:
            r["result"], r["cause"], r["detail"], r["missing"] = classify(r)
        if w not in tests:
            tap.append(f"not ok 1 {a.name}: {w} # not built")
        elif not r:
            tap.append(f"not ok 1 {a.name}: {w} # not run")
        elif r["result"] == "PASS":
            tap.append(f"ok 1 {a.name}: {w} ({r['secs']:.1f} s)")
            continue
        else:
            tap.append(f"not ok 1 {a.name}: {w} # {r['result']}: {r['detail'][:120]} "
                       f"(log {a.out}/logs/alloy/{w}.log)")
        bad += 1
    with open(a.tap, "w") as f:
        f.write("\n".join(tap) + "\n")
    secs = sum(r["secs"] for r in res.values())
    print(f"  {a.name}: {len(want) - bad}/{len(want)} listed LTP tests pass ({secs:.0f} s of tests)")
    for t in tap:
        if t.startswith("not ok"):
            print("  " + t)
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["run", "regress", "report"])
    p.add_argument("--root", default="build/ltp/install", help="the LTP install tree")
    p.add_argument("--out", default="build/ltp")
    p.add_argument("--image", default=None, help="ext2 image of --root (default OUT/ltp.img)")
    p.add_argument("--alloy", default="build/ffi0/alloy.bin")
    p.add_argument("--linux", default="build/bench/linux")
    p.add_argument("--src", help="the LTP source tree (default: the one in --out)")
    p.add_argument("--kconfig", default="build/ltp/kconfig")
    p.add_argument("--init", default="build/ltp/ltp-init")
    p.add_argument("--kernels", default="linux,alloy")
    p.add_argument("--parallel", action="store_true", help="both kernels at once")
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--mem", default="1G")
    p.add_argument("--timeout", type=int, default=30, help="seconds per test")
    p.add_argument("--grace", type=int, default=60,
                   help="seconds past --timeout before a silent kernel counts as hung")
    p.add_argument("--boot-timeout", type=int, default=180)
    p.add_argument("--timeout-mul", default="1")
    p.add_argument("--runtime-mul", default="0.1")
    p.add_argument("--shards", type=int, default=1, help="QEMUs per kernel at once")
    p.add_argument("--batch", type=int, default=200, help="tests per boot")
    p.add_argument("--keep-lines", type=int, default=200)
    p.add_argument("--limit", type=int, default=0, help="only the first N tests")
    p.add_argument("--only", help="file of test names to run")
    p.add_argument("--resume", action="store_true", help="keep Alloy's results so far")
    p.add_argument("--fresh-linux", action="store_true", help="rerun Linux too")
    p.add_argument("--doc", help="update this markdown file's report block")
    p.add_argument("--list", help="regress: the tests that must pass")
    p.add_argument("--tap", help="regress: TAP output")
    p.add_argument("--name", default="ltp", help="regress: TAP name prefix")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args()
    if a.image is None:
        a.image = os.path.join(a.out, "ltp.img")
    if a.mode == "run":
        return cmd_run(a)
    if a.mode == "report":
        return cmd_report(a)
    if not a.list or not a.tap:
        p.error("regress needs --list and --tap")
    return cmd_regress(a)


if __name__ == "__main__":
    sys.exit(main())
