#!/usr/bin/env python3
"""Reports a profile from Alloy's /proc/sys/kernel/profile (docs/profiling.md).

usage: profile.py LOG KERNEL.elf [--top N]

LOG holds the counts between the '--- alloy profile ---' markers (as
scripts/profile.sh prints them); kernel addresses are symbolized with the
ELF's symbol table (nm). The report reads like `perf report`: the split of
every CPU's samples, kernel functions by self and by total (self plus what
they called), the hottest call chains, and user time by program.
"""
import bisect
import collections
import subprocess
import sys


def symbols(elf):
    out = subprocess.run(["nm", "-n", "--defined-only", elf], capture_output=True,
                         text=True, check=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
    return addrs, names


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
        elif f[0] == "u" and len(f) >= 4:
            user.append((int(f[2]), f[3]))
    return head, cpus, kernel, user


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 25
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
    for hits, comm in user:
        ucount[comm] += hits
    kcomm = collections.Counter()
    for hits, comm, _ in kernel:
        kcomm[comm] += hits
    print("\nBy program (% of busy samples): user, kernel on its behalf")
    for comm in sorted(set(ucount) | set(kcomm), key=lambda c: -(ucount[c] + kcomm[c]))[:top]:
        print("  %6.2f%% %6.2f%%  %s" % (100 * ucount[comm] / busy, 100 * kcomm[comm] / busy, comm))


if __name__ == "__main__":
    main()
