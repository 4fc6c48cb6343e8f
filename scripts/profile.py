#!/usr/bin/env python3
"""Reports a profile from Alloy's /proc/sys/kernel/profile (docs/profiling.md).

usage: profile.py LOG KERNEL.elf [--top N] [--root DIR]... [--vdso VDSO.so]

LOG holds the counts between the '--- alloy profile ---' markers (as
scripts/profile.sh prints them); kernel addresses are symbolized with the
ELF's symbol table (nm). The report reads like `perf report`: the split of
every CPU's samples, kernel functions by self and by total (self plus what
they called), the hottest call chains, user time by program, and user
functions: a program's samples inside its own image are symbolized with
the file of that name found under a --root (the tree the guest's root
file system was built from), with its symbol table or, stripped, its
dynamic one; samples in the vDSO with the kernel build's vdso.so.
"""
import bisect
import collections
import os
import subprocess
import sys


def symbols(elf, dynamic=False):
    cmd = ["nm", "-n", "--defined-only"] + (["-D"] if dynamic else []) + [elf]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwWiI":
            addrs.append(int(parts[0], 16))
            names.append(parts[2].split("@")[0])
    return addrs, names


def lookup(table, a):
    addrs, names = table
    i = bisect.bisect_right(addrs, a) - 1
    return names[i] if i >= 0 else None


def find_program(roots, comm):
    """The ELF file under one of roots whose name begins with comm (a comm
    is at most 15 bytes), symbolic links followed inside that root."""
    for root in roots:
        for d, _, files in os.walk(root):
            for fn in sorted(files):
                if fn[:15] != comm:
                    continue
                path = os.path.join(d, fn)
                for _ in range(8):
                    if not os.path.islink(path):
                        break
                    t = os.readlink(path)
                    path = os.path.join(root, t.lstrip("/")) if t.startswith("/") else \
                        os.path.join(os.path.dirname(path), t)
                try:
                    with open(path, "rb") as f:
                        if f.read(4) == b"\x7fELF":
                            return path
                except OSError:
                    pass
    return None


def user_symbolizer(roots):
    cache = {}

    def sym(comm, a):
        if comm not in cache:
            path = find_program(roots, comm) if roots else None
            tab = symbols(path) if path else ([], [])
            if path and not tab[0]:
                tab = symbols(path, dynamic=True)
            cache[comm] = (os.path.basename(path) if path else None, tab)
        name, tab = cache[comm]
        if name is None:
            return "%s+0x%x (no file found)" % (comm, a)
        return lookup(tab, a) or "%s+0x%x (no symbol)" % (name, a)
    return sym


def parse(path):
    text = open(path, errors="replace").read()
    if "--- alloy profile ---" not in text:
        sys.exit("profile: no profile in %s (did the command run? see the log)" % path)
    body = text.split("--- alloy profile ---", 1)[1].split("--- end of profile ---", 1)[0]
    head, cpus, kernel, user = "", [], [], []
    for line in body.splitlines():
        f = line.split()
        if not f:
            continue
        if line.startswith("#"):
            head = line
        elif f[0] == "cpu" and len(f) >= 10:
            cpus.append((int(f[1]), int(f[3]), int(f[5]), int(f[7]), int(f[9])))
        elif f[0] == "k" and len(f) >= 5:
            kernel.append((int(f[2]), f[3], [int(x, 16) for x in f[4:]]))
        elif f[0] in "uv" and len(f) >= 4:
            user.append((int(f[2]), f[3], int(f[4], 16) if len(f) >= 5 else None, f[0] == "v"))
    return head, cpus, kernel, user


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 25
    roots = [sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--root"]
    vdso = sys.argv[sys.argv.index("--vdso") + 1] if "--vdso" in sys.argv else None
    vdso_tab = symbols(vdso) if vdso else ([], [])
    if vdso and not vdso_tab[0]:
        vdso_tab = symbols(vdso, dynamic=True)
    head, cpus, kernel, user = parse(sys.argv[1])
    addrs, names = symbols(sys.argv[2])

    def sym(a):
        i = bisect.bisect_right(addrs, a) - 1
        return names[i] if i >= 0 else "0x%x" % a

    total = sum(u + k + i for _, u, k, i, _ in cpus)
    print(head)
    print("\n%-5s %8s %8s %8s %8s %8s" % ("cpu", "samples", "user", "kernel", "idle", "dropped"))
    for c, u, k, i, d in cpus:
        n = max(u + k + i, 1)
        print("%-5d %8d %7.1f%% %7.1f%% %7.1f%% %8d" % (c, u + k + i, 100 * u / n, 100 * k / n,
                                                        100 * i / n, d))
    busy = sum(u + k for _, u, k, _, _ in cpus) or 1
    ksamples = sum(h for h, _, _ in kernel) or 1
    print("\n%d samples, %d busy (user + kernel), %d in the kernel" % (total, busy, ksamples))

    selfc, totalc, chains = collections.Counter(), collections.Counter(), collections.Counter()
    for hits, _, pcs in kernel:
        fns = [sym(a) for a in pcs]
        selfc[fns[0]] += hits
        for f in set(fns):
            totalc[f] += hits
        chains[" <- ".join(fns)] += hits

    print("\nKernel functions by self (% of kernel samples, % of busy samples):")
    for f, h in selfc.most_common(top):
        print("  %6.2f%% %6.2f%%  %s" % (100 * h / ksamples, 100 * h / busy, f))
    print("\nKernel functions by total (self and callees, % of kernel samples):")
    for f, h in totalc.most_common(top):
        print("  %6.2f%%  %s" % (100 * h / ksamples, f))
    print("\nHottest kernel call chains (innermost first):")
    for c, h in chains.most_common(min(top, 15)):
        print("  %6.2f%%  %s" % (100 * h / ksamples, c))
    ucount = collections.Counter()
    for hits, comm, _, _ in user:
        ucount[comm] += hits
    kcomm = collections.Counter()
    for hits, comm, _ in kernel:
        kcomm[comm] += hits
    print("\nBy program (% of busy samples): user, kernel on its behalf")
    for comm in sorted(set(ucount) | set(kcomm), key=lambda c: -(ucount[c] + kcomm[c]))[:top]:
        print("  %6.2f%% %6.2f%%  %s" % (100 * ucount[comm] / busy, 100 * kcomm[comm] / busy, comm))
    usamples = sum(ucount.values())
    if usamples:
        usym, ufn = user_symbolizer(roots), collections.Counter()
        for hits, comm, a, in_vdso in user:
            if in_vdso:
                f = "[vdso] " + (lookup(vdso_tab, a) or "+0x%x" % a)
            else:
                f = usym(comm, a) if a is not None else "[outside its image: libraries, JIT]"
            ufn[comm, f] += hits
        print("\nUser functions by self (% of user samples, % of busy samples):")
        for (comm, f), h in ufn.most_common(top):
            print("  %6.2f%% %6.2f%%  %s: %s" % (100 * h / usamples, 100 * h / busy, comm, f))


if __name__ == "__main__":
    main()
