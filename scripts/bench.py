#!/usr/bin/env python3
"""make bench and make test-bench-smoke (docs/bench.md).

  bench.py run   --alloy ALLOY.bin --linux DIR --bench DIR [--rounds N] ...
  bench.py smoke --alloy ALLOY.bin --bench DIR --tap FILE ...

`run` boots Alloy and Linux alternately (A B A B ...) under the same QEMU
flags (those of xtask/src/qemu.rs for a batch run: -machine pc -cpu max,
the same -smp, -m, the same initramfs through -initrd and a fresh copy of
the same ext2 image as virtio-blk), runs bench/bench in each, prints one
table and writes build/bench/results.json. A row whose spread over the
boots is above 10 % on either side is measured again, with --rerun N,
in N more boots of each kernel that run only such rows; the table shows
the median and spread over all the row's boots, and marks with `!` a row
still above 10 % (not to be trusted beyond its spread). `smoke` boots Alloy once with
`bench --quick` and writes TAP: one line per benchmark that must print a
number.
"""
import argparse
import json
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU") or "qemu-system-x86_64"
APPEND = {
    # Alloy: the initramfs's /init is pid 1; a panic leaves QEMU at once
    "alloy": "init=/init quiet panic_exit",
    # Linux: /init of the initramfs is its default; a panic reboots, and
    # -no-reboot turns that into QEMU exiting
    "linux": "console=ttyS0 quiet panic=-1",
}


# units where less is better (time per operation or run, memory spent);
# the others (MiB/s, MiB free) are better higher
LOWER_IS_BETTER = ("us", "s", "kB")
# a row whose spread is above this, on either side, is rerun or flagged
NOISY_PCT = 10.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


GUEST_BW_PORT = 5001  # bench.c's host_tcp_bw listens there


def qemu_args(kernel, append, initrd, disk, smp, mem, fwd_port=None):
    """xtask's batch command line (qemu.rs: args, disk_args, net_args),
    unchanged; with fwd_port (make bench, the smoke run), QEMU's user
    network with restrict=on and one forward, host 127.0.0.1:fwd_port to
    the guest's GUEST_BW_PORT (host_tcp_bw). scripts/ltp/ltp.py uses it
    too, without a network."""
    net = [] if fwd_port is None else [
        "-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{fwd_port}-:{GUEST_BW_PORT}",
        "-device", "virtio-net-pci,netdev=n0,romfile="]
    return [QEMU, "-machine", "pc", "-cpu", "max", "-smp", str(smp), "-m", mem,
            "-display", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-kernel", kernel, "-append", append, "-initrd", initrd,
            "-drive", f"file={disk},format=raw,if=none,id=d0",
            "-device", "virtio-blk-pci,drive=d0"] + net


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def host_send(port, nbytes, deadline_s=30):
    """host_tcp_bw's other end: one connection through the forward carrying
    nbytes. QEMU accepts on the host before the guest answers, so a
    connection it then drops (the guest not listening yet) is tried again."""
    chunk = b"\xa5" * 65536
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=deadline_s) as c:
                left = nbytes
                while left > 0:
                    left -= c.send(chunk[:min(left, len(chunk))])
                c.shutdown(socket.SHUT_WR)
                c.recv(1)  # the guest's close
                return
        except OSError:
            time.sleep(0.2)


def make_initramfs(out, stage, bench_dir, modules, bench_args):
    """One cpio for both kernels: busybox, /init, /bench, Linux's modules."""
    shutil.rmtree(stage, ignore_errors=True)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys",
              "dev", "tmp", "mnt", "root", "bench", "modules"):
        os.makedirs(os.path.join(stage, d), exist_ok=True)
    shutil.copy("/bin/busybox", os.path.join(stage, "bin/busybox"))
    applets = subprocess.run(["/bin/busybox", "--list-full"], check=True,
                             capture_output=True, text=True).stdout.split()
    for p in applets:
        dst = os.path.join(stage, p)
        if not os.path.lexists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink("/bin/busybox", dst)
    shutil.copy(os.path.join(REPO, "bench/init.sh"), os.path.join(stage, "bench/init.sh"))
    shutil.copy(os.path.join(bench_dir, "bench-init"), os.path.join(stage, "init"))
    for b in ("bench", "bench-true"):
        shutil.copy(os.path.join(bench_dir, b), os.path.join(stage, "bench", b))
    with open(os.path.join(stage, "bench/args"), "w") as f:
        f.write(bench_args + "\n")
    order = []
    if modules:
        with open(os.path.join(modules, "order")) as f:
            order = f.read().split()
        for m in order:
            shutil.copy(os.path.join(modules, m), os.path.join(stage, "modules", m))
    with open(os.path.join(stage, "modules/order"), "w") as f:
        f.write("\n".join(order) + "\n")
    names = subprocess.run("find . | LC_ALL=C sort", shell=True, cwd=stage,
                           check=True, capture_output=True).stdout
    with open(out, "wb") as f:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=stage,
                       input=names, stdout=f, check=True)


def make_disk_template(path, size_mib):
    if os.path.exists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.truncate(size_mib << 20)
    # -i 4096: an inode per block, so bigdir_100k's 100 000 files fit
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-i", "4096", path],
                   check=True)


def boot(kernel_name, kernel, initrd, disk, smp, mem, timeout, logfile):
    """Boots once; returns (lines with host timestamps, wall seconds)."""
    port = free_port()
    args = qemu_args(kernel, APPEND[kernel_name], initrd, disk, smp, mem, port)
    start = time.monotonic()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    lines, pending, timed_out = [], b"", False
    with open(logfile, "wb") as lf:
        lf.write((" ".join(args) + "\n").encode())
        while True:
            left = start + timeout - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if not sel.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            lf.write(chunk)
            now = time.monotonic() - start
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                text = line.decode(errors="replace").rstrip("\r")
                lines.append((now, text))
                i = text.find("bench: @send ")
                if i >= 0 and text[i + 13:].strip().isdigit():
                    threading.Thread(target=host_send, daemon=True,
                                     args=(port, int(text[i + 13:].strip()))).start()
    if timed_out:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()
    if pending:
        lines.append((time.monotonic() - start, pending.decode(errors="replace")))
    return lines, time.monotonic() - start, timed_out


def parse(lines):
    """The bench: lines of one boot."""
    r = {"results": {}, "boot_wall_s": None, "boot_uptime_s": None,
         "kernel": None, "done": False, "messages": []}
    for t, line in lines:
        i = line.find("bench: ")
        if i < 0:
            continue
        words = line[i + 7:].split()
        if not words:
            continue
        key = words[0]
        if key == "userspace":
            if r["boot_wall_s"] is None:
                r["boot_wall_s"] = t
        elif key == "boot_uptime" and len(words) > 1:
            r["boot_uptime_s"] = to_float(words[1])
        elif key == "kernel":
            r["kernel"] = " ".join(words[1:])
        elif key == "done":
            r["done"] = True
        elif len(words) >= 2 and words[1] == "FAIL":
            r["results"][key] = {"fail": " ".join(words[2:])}
        elif len(words) >= 3 and to_float(words[1]) is not None:
            res = {"value": to_float(words[1]), "unit": words[2]}
            for w in words[3:]:
                k, _, v = w.partition("=")
                res[k] = to_float(v) if k in ("min", "max", "reps", "iters") else v
            r["results"][key] = res
        else:
            r["messages"].append(line[i:])
    return r


def to_float(s):
    try:
        return float(s)
    except ValueError:
        return None


def bench_names(bench_dir):
    out = subprocess.run([os.path.join(bench_dir, "bench"), "--list"],
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def summarize(values):
    """median and spread (max-min over the median, percent) of per-boot medians"""
    if not values:
        return None, None
    med = statistics.median(values)
    spread = (max(values) - min(values)) / med * 100 if med else 0.0
    return med, spread


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.0f}" if v >= 1000 else f"{v:.4g}"


def boot_rounds(a, kernels, initrd, template, disk, rounds, tag):
    """rounds boots of each kernel, alternating; their parsed results"""
    runs = {"alloy": [], "linux": []}
    for rnd in range(1, rounds + 1):
        for k in ("alloy", "linux"):
            subprocess.run(["cp", "--sparse=always", template, disk], check=True)
            logfile = os.path.join(a.out, f"{tag}{k}-{rnd}.log")
            log(f"bench: {tag}round {rnd}/{rounds}: {k} (log {logfile})")
            lines, wall, timed_out = boot(k, kernels[k], initrd, disk, a.smp,
                                          a.mem, a.timeout, logfile)
            r = parse(lines)
            r["round"], r["wall_s"], r["timed_out"] = rnd, round(wall, 3), timed_out
            # other work on the host slows TCG's vCPU threads: keep it visible
            r["host_load1"] = round(os.getloadavg()[0], 2)
            runs[k].append(r)
            done = "done" if r["done"] else ("TIMED OUT" if timed_out else "no 'bench: done'")
            nfail = sum(1 for x in r["results"].values() if "fail" in x)
            log(f"bench:   {k}: {wall:.1f} s, {len(r['results'])} results, "
                f"{nfail} failed, {done}")
    return runs


def make_row(n, runs):
    """benchmark n's row: each kernel's median and spread over its boots"""
    row = {"name": n}
    for k in ("alloy", "linux"):
        vals = [r["results"][n]["value"] for r in runs[k]
                if "value" in r["results"].get(n, {})]
        fails = sorted({r["results"][n]["fail"] for r in runs[k]
                        if "fail" in r["results"].get(n, {})})
        missing = sum(1 for r in runs[k] if n not in r["results"])
        notes = sorted({r["results"][n]["note"] for r in runs[k]
                        if "note" in r["results"].get(n, {})})
        med, spread = summarize(vals)
        units = {r["results"][n]["unit"] for r in runs[k]
                 if "unit" in r["results"].get(n, {})}
        row[k] = {"median": med, "spread_pct": spread, "per_boot": vals,
                  "failures": fails, "missing": missing, "notes": notes}
        if units:
            row["unit"] = units.pop()
    al, li = row["alloy"]["median"], row["linux"]["median"]
    unit = row.get("unit", "us")
    if al and li:
        # above 1: Alloy is better (less time or memory used; more
        # MiB/s or free memory)
        row["ratio"] = li / al if unit in LOWER_IS_BETTER else al / li
    else:
        row["ratio"] = None
    return row


def row_noisy(row):
    """measured on both kernels, and either side's spread over NOISY_PCT"""
    return bool(row["ratio"]) and any(row[k]["spread_pct"] > NOISY_PCT
                                      for k in ("alloy", "linux"))


def only_names(bench_args):
    """the names bench_args's --only asks for; empty: every benchmark"""
    words = bench_args.split()
    for i, w in enumerate(words):
        if w == "--only" and i + 1 < len(words):
            return set(words[i + 1].split(","))
        if w.startswith("--only="):
            return set(w[len("--only="):].split(","))
    return set()


def only_args(bench_args, names):
    """bench_args with its --only (if any) replaced by names"""
    words, out, skip = bench_args.split(), [], False
    for w in words:
        if skip:
            skip = False
        elif w == "--only":
            skip = True
        elif not w.startswith("--only="):
            out.append(w)
    return " ".join(out + ["--only", ",".join(names)])


def cmd_run(a):
    os.makedirs(a.out, exist_ok=True)
    names = bench_names(a.bench)
    initrd = os.path.join(a.out, "initramfs.cpio")
    make_initramfs(initrd, os.path.join(a.out, "stage"), a.bench,
                   os.path.join(a.linux, "modules"), a.bench_args)
    template = os.path.join(a.out, "ext2-template.img")
    make_disk_template(template, a.disk_mib)
    kernels = {"alloy": a.alloy, "linux": os.path.join(a.linux, "vmlinuz")}
    disk = os.path.join(a.out, "disk.img")
    runs = boot_rounds(a, kernels, initrd, template, disk, a.rounds, "")
    asked = only_names(a.bench_args)
    rows = [make_row(n, runs) for n in names if not asked or n in asked]
    # rows too noisy to trust: measured again in boots that run only them
    reruns = {"alloy": [], "linux": []}
    noisy = [r["name"] for r in rows if row_noisy(r)]
    if a.rerun and noisy:
        log(f"bench: spread over {NOISY_PCT:.0f}%: {', '.join(noisy)}; "
            f"{a.rerun} more boot(s) each for them")
        rinitrd = os.path.join(a.out, "initramfs-rerun.cpio")
        make_initramfs(rinitrd, os.path.join(a.out, "stage"), a.bench,
                       os.path.join(a.linux, "modules"),
                       only_args(a.bench_args, noisy))
        reruns = boot_rounds(a, kernels, rinitrd, template, disk, a.rerun, "rerun-")
        # every boot counts: the median and spread over the first run's
        # and the rerun's boots together (no picking the quieter one)
        both = {k: runs[k] + reruns[k] for k in runs}
        for i, r in enumerate(rows):
            if r["name"] in noisy:
                rows[i] = make_row(r["name"], both)
                rows[i]["first_run"] = {k: r[k] for k in ("alloy", "linux", "ratio")}
                rows[i]["rerun"] = True
    if os.path.exists(disk):
        os.unlink(disk)
    boots = {}
    for k in ("alloy", "linux"):
        boots[k] = {
            "wall_s": summarize([r["boot_wall_s"] for r in runs[k] if r["boot_wall_s"] is not None]),
            "uptime_s": summarize([r["boot_uptime_s"] for r in runs[k] if r["boot_uptime_s"] is not None]),
        }

    table = render(rows, boots, runs, a)
    print(table)
    with open(os.path.join(a.out, "results.txt"), "w") as f:
        f.write(table + "\n")
    result = {
        "qemu": qemu_args("KERNEL", "APPEND", "INITRD", "DISK", a.smp, a.mem, "PORT"),
        "append": APPEND, "rounds": a.rounds, "order": "alloy linux, alternating",
        "smp": a.smp, "mem": a.mem, "disk_mib": a.disk_mib,
        "bench_args": a.bench_args,
        "ratio": "above 1 means Alloy is better: Linux/Alloy for us, s and kB, Alloy/Linux for MiB/s and MiB",
        "kernels": {k: runs[k][0]["kernel"] if runs[k] else None for k in runs},
        "boot": {k: {"wall_s": {"median": v["wall_s"][0], "spread_pct": v["wall_s"][1]},
                     "uptime_s": {"median": v["uptime_s"][0], "spread_pct": v["uptime_s"][1]}}
                 for k, v in boots.items()},
        "benchmarks": rows,
        "boots": runs,
        "rerun": {"rounds": a.rerun, "boots": reruns},
    }
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    log(f"bench: wrote {a.out}/results.json and results.txt")
    complete = all(r["done"] for k in runs for r in runs[k])
    return 0 if complete else 1


def render(rows, boots, runs, a):
    kv = {k: (runs[k][0]["kernel"] if runs[k] and runs[k][0]["kernel"] else k) for k in runs}
    out = [f"Alloy ({kv['alloy']}) and Linux ({kv['linux']}): {a.rounds} boots each, "
           f"alternating; QEMU TCG -cpu max -smp {a.smp} -m {a.mem}",
           "median of the per-boot medians, spread = (max-min)/median over the boots; "
           "ratio > 1: Alloy is faster", ""]
    hdr = f"{'benchmark':<16} {'unit':<6} {'Alloy':>9} {'spread':>7} {'Linux':>9} {'spread':>7} {'ratio':>7}"
    out += [hdr, "-" * len(hdr)]
    footnotes = []

    def cell(row, k):
        c = row[k]
        if c["median"] is None:
            return "FAILED", "", c
        return fmt(c["median"]), f"{c['spread_pct']:.0f}%", c

    for row in rows:
        av, asp, ac = cell(row, "alloy")
        lv, lsp, lc = cell(row, "linux")
        ratio = f"{row['ratio']:.2f}" if row["ratio"] else "-"
        if row_noisy(row):
            ratio += " !"
        mark = ""
        for k, c in (("Alloy", ac), ("Linux", lc)):
            for why in c["failures"]:
                footnotes.append(f"{row['name']}: {k} failed: {why}")
            if c["missing"]:
                footnotes.append(f"{row['name']}: {k} printed no result in {c['missing']} boot(s)")
            for nt in c["notes"]:
                footnotes.append(f"{row['name']}: {k}: {nt}")
                mark = "*"
        out.append(f"{row['name'] + mark:<16} {row.get('unit', '?'):<6} {av:>9} {asp:>7} "
                   f"{lv:>9} {lsp:>7} {ratio:>7}")
    for label, key in (("boot wall", "wall_s"), ("boot uptime", "uptime_s")):
        am, asp = boots["alloy"][key]
        lm, lsp = boots["linux"][key]
        ratio = f"{lm / am:.2f}" if am and lm else "-"
        out.append(f"{label:<16} {'s':<6} {fmt(am):>9} {(f'{asp:.0f}%' if asp is not None else ''):>7} "
                   f"{fmt(lm):>9} {(f'{lsp:.0f}%' if lsp is not None else ''):>7} {ratio:>7}")
    out.append("")
    out.append("boot wall: QEMU start to the first userspace line (host clock); "
               "boot uptime: /proc/uptime read by /init")
    loads = [r["host_load1"] for k in runs for r in runs[k]]
    if loads:
        out.append(f"host load average (1 min) after each boot: {min(loads):.2f} to {max(loads):.2f} "
                   f"on {os.cpu_count()} host CPUs")
    rerun = [r["name"] for r in rows if r.get("rerun")]
    if rerun:
        out.append(f"measured again in {a.rerun} more boot(s) each (spread over "
                   f"{NOISY_PCT:.0f}% in the first {a.rounds}), median and spread over "
                   f"all {a.rounds + a.rerun}: {', '.join(rerun)}")
    if any(row_noisy(r) for r in rows):
        out.append(f"!: a spread over {NOISY_PCT:.0f}% on either side: "
                   "not to be trusted beyond its spread")
    for f in dict.fromkeys(footnotes):
        out.append("note: " + f)
    return "\n".join(out)


def cmd_smoke(a):
    os.makedirs(a.out, exist_ok=True)
    names = bench_names(a.bench)
    initrd = os.path.join(a.out, "smoke.cpio")
    make_initramfs(initrd, os.path.join(a.out, "smoke-stage"), a.bench, None,
                   ("--quick " + a.bench_args).strip())
    disk = os.path.join(a.out, "smoke.img")
    make_disk_template(disk, 64)
    logfile = a.log or os.path.join(a.out, "smoke.log")
    lines, wall, timed_out = boot("alloy", a.alloy, initrd, disk, a.smp, a.mem,
                                  a.timeout, logfile)
    os.unlink(disk)
    r = parse(lines)
    tap, bad = [], 0
    for n in names:
        res = r["results"].get(n)
        if res and "value" in res:
            tap.append(f"ok 1 bench-smoke: {n} {res['value']:g} {res['unit']}")
        else:
            why = ("FAIL " + res["fail"]) if res else "no result line"
            tap.append(f"not ok 1 bench-smoke: {n} # {why}")
            bad += 1
    if r["done"]:
        tap.append(f"ok 1 bench-smoke: finished in {wall:.1f} s")
    else:
        why = f"timeout after {a.timeout} s" if timed_out else "no 'bench: done' line"
        tap.append(f"not ok 1 bench-smoke: run # {why} (log {logfile})")
        bad += 1
    with open(a.tap, "w") as f:
        f.write("\n".join(tap) + "\n")
    for t in tap:
        print("  " + t)
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["run", "smoke"])
    p.add_argument("--alloy", required=True, help="Alloy's alloy.bin")
    p.add_argument("--linux", help="directory made by scripts/bench-linux-kernel.sh")
    p.add_argument("--bench", default="build/bench", help="directory with bench and bench-true")
    p.add_argument("--out", default="build/bench")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--mem", default="512M")
    p.add_argument("--disk-mib", type=int, default=512)
    p.add_argument("--timeout", type=int, default=1800,
                   help="seconds per boot (Linux runs the whole workloads in about 12 minutes)")
    p.add_argument("--bench-args", default="", help="more arguments for bench in the guest")
    p.add_argument("--rerun", type=int, default=0,
                   help=f"boots of each kernel to measure again the rows whose spread "
                        f"is over {NOISY_PCT:.0f}%%")
    p.add_argument("--tap", help="smoke: the TAP file to write")
    p.add_argument("--log", help="smoke: the serial log")
    a = p.parse_args()
    if a.mode == "run":
        if not a.linux:
            p.error("run needs --linux DIR")
        return cmd_run(a)
    if not a.tap:
        p.error("smoke needs --tap FILE")
    return cmd_smoke(a)


if __name__ == "__main__":
    sys.exit(main())
