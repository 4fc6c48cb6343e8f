#!/usr/bin/env python3
"""Writes the crafted ELF vectors of tests/vectors/elf: bad/ (files that
break one rule of ffi/elf.h each) and good/ (tricky files that are valid).

Every vector starts from one small valid base ELF built here (a real x86-64
program: `mov eax, 60; xor edi, edi; syscall`, i.e. exit(0)) and changes
one thing, so each file isolates one check. Usage:

    tests/vectors/elf/make-vectors.py          # (re)write bad/ and good/

Then re-record tests/vectors/elf/expected.txt with the vector runner
(build/ffi/elf_vectors --record) and review the diff. Python 3 std only;
the output is deterministic.
"""

import os
import struct
import sys

PT_NULL, PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_PHDR, PT_TLS = 0, 1, 2, 3, 4, 6, 7
PT_GNU_STACK = 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
ET_EXEC, ET_DYN = 2, 3
USER_TOP = 0x00007FFFFFFFF000
U64 = (1 << 64) - 1

EHDR_SIZE = 64
PHDR_SIZE = 56
INTERP = b"/lib/ld-musl-x86_64.so.1\0"
CODE = bytes.fromhex("b83c000000" "31ff" "0f05")  # mov eax,60; xor edi,edi; syscall


class Elf:
    """A mutable ELF64 image: header fields, program headers, file bytes."""

    def __init__(self, etype=ET_EXEC, base=0x400000, interp=False, tls=True,
                 stack=PF_R | PF_W):
        self.ident = bytearray(b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8))
        self.type = etype
        self.machine = 62
        self.version = 1
        self.entry = base + 0x1200
        self.phoff = EHDR_SIZE
        self.shoff = 0
        self.flags = 0
        self.ehsize = EHDR_SIZE
        self.phentsize = PHDR_SIZE
        self.phnum = None  # None: len(self.phdrs)
        self.shentsize = 64
        self.shnum = 0
        self.shstrndx = 0
        self.size = 0x400
        self.patches = []  # (offset, bytes), applied last
        # Layout: the first PT_LOAD maps the headers (file 0..0x200), the
        # second the code (0x200..0x300), the third data + bss + TLS
        # (0x300..0x380). Offsets and vaddrs agree mod 4096.
        ph = []
        ph.append(phdr(PT_PHDR, PF_R, EHDR_SIZE, base + EHDR_SIZE, 0, 0, 8))
        if interp:
            ph.append(phdr(PT_INTERP, PF_R, 0x1D0, base + 0x1D0, len(INTERP), len(INTERP), 1))
            self.patches.append((0x1D0, INTERP))
        ph.append(phdr(PT_LOAD, PF_R, 0, base, 0x200, 0x200, 0x1000))
        ph.append(phdr(PT_LOAD, PF_R | PF_X, 0x200, base + 0x1200, 0x100, 0x100, 0x1000))
        ph.append(phdr(PT_LOAD, PF_R | PF_W, 0x300, base + 0x2300, 0x80, 0x1000, 0x1000))
        if tls:
            ph.append(phdr(PT_TLS, PF_R, 0x300, base + 0x2300, 0x10, 0x20, 8))
        if stack is not None:
            ph.append(phdr(PT_GNU_STACK, stack, 0, 0, 0, 0, 16))
        self.phdrs = ph
        self.patches.append((0x200, CODE))
        self.patches.append((0x300, b"alloy-elf-vector"))

    def loads(self):
        return [p for p in self.phdrs if p["type"] == PT_LOAD]

    def find(self, ptype, n=0):
        return [p for p in self.phdrs if p["type"] == ptype][n]

    def fix_phdr(self):
        """Keeps PT_PHDR describing the table (purely cosmetic: ignored)."""
        for p in self.phdrs:
            if p["type"] == PT_PHDR:
                p["filesz"] = p["memsz"] = len(self.phdrs) * PHDR_SIZE

    def build(self):
        self.fix_phdr()
        phnum = len(self.phdrs) if self.phnum is None else self.phnum
        table = b"".join(pack_phdr(p) for p in self.phdrs)
        end = max(self.size, EHDR_SIZE)
        # the table is written only where it does not hit the header
        at = EHDR_SIZE <= self.phoff < (1 << 32)
        if at and not self.truncate:
            end = max(end, self.phoff + len(table))
        buf = bytearray(end)
        hdr = bytes(self.ident) + struct.pack(
            "<HHIQQQIHHHHHH", self.type, self.machine, self.version, self.entry,
            self.phoff, self.shoff, self.flags, self.ehsize, self.phentsize,
            phnum & 0xFFFF, self.shentsize, self.shnum, self.shstrndx)
        assert len(hdr) == EHDR_SIZE
        buf[0:EHDR_SIZE] = hdr
        if at:
            buf[self.phoff:self.phoff + len(table)] = table
        for off, data in self.patches:
            buf[off:off + len(data)] = data
        # the header and table win over patches (patches may not clobber them)
        buf[0:EHDR_SIZE] = hdr
        if at:
            buf[self.phoff:self.phoff + len(table)] = table
        return bytes(buf[:self.size]) if self.size < len(buf) and self.truncate else bytes(buf)

    truncate = False


def phdr(ptype, flags, offset, vaddr, filesz, memsz, align):
    return dict(type=ptype, flags=flags, offset=offset, vaddr=vaddr,
                paddr=vaddr, filesz=filesz, memsz=memsz, align=align)


def pack_phdr(p):
    return struct.pack("<IIQQQQQQ", p["type"], p["flags"], p["offset"] & U64,
                       p["vaddr"] & U64, p["paddr"] & U64, p["filesz"] & U64,
                       p["memsz"] & U64, p["align"] & U64)


VECTORS = {}  # name -> (directory, bytes, description)


def vector(directory, name, desc):
    def register(fn):
        e = fn()
        data = e if isinstance(e, (bytes, bytearray)) else e.build()
        assert name not in VECTORS, name
        VECTORS[name] = (directory, bytes(data), desc)
        return fn
    return register


def bad(name, desc):
    return vector("bad", name, desc)


def good(name, desc):
    return vector("good", name, desc)


def mutate(fn, **kw):
    """An Elf from Elf(**kw) after fn(e)."""
    e = Elf(**kw)
    fn(e)
    return e


# ---------------------------------------------------------------- header (H*)

@good("base-exec", "the base: ET_EXEC at 0x400000, 3 loads, PT_TLS, PT_GNU_STACK RW")
def _():
    return Elf()


@good("base-dyn", "ET_DYN (static-PIE shape) at vaddr 0, no PT_INTERP")
def _():
    return Elf(etype=ET_DYN, base=0)


@good("base-dyn-interp", "ET_DYN with PT_INTERP /lib/ld-musl-x86_64.so.1")
def _():
    return Elf(etype=ET_DYN, base=0, interp=True)


@good("exec-interp", "ET_EXEC with PT_INTERP")
def _():
    return Elf(interp=True)


for i, b in enumerate([0x7E, ord("e"), ord("l"), ord("f")]):
    bad(f"ident-magic{i}", f"e_ident[{i}] = {b:#x}")(
        lambda i=i, b=b: mutate(lambda e: e.ident.__setitem__(i, b)))

for v, what in [(1, "ELFCLASS32"), (0, "ELFCLASSNONE"), (3, "class 3")]:
    bad(f"ident-class-{v}", f"EI_CLASS {v} ({what})")(
        lambda v=v: mutate(lambda e: e.ident.__setitem__(4, v)))

for v in (2, 0):
    bad(f"ident-data-{v}", f"EI_DATA {v} (not little-endian)")(
        lambda v=v: mutate(lambda e: e.ident.__setitem__(5, v)))

for v in (0, 2):
    bad(f"ident-version-{v}", f"EI_VERSION {v}")(
        lambda v=v: mutate(lambda e: e.ident.__setitem__(6, v)))

for v, what in [(9, "FreeBSD"), (1, "HP-UX"), (0xFF, "standalone")]:
    bad(f"ident-osabi-{v}", f"EI_OSABI {v} ({what})")(
        lambda v=v: mutate(lambda e: e.ident.__setitem__(7, v)))


@good("ident-osabi-linux", "EI_OSABI 3 (Linux) is accepted")
def _():
    return mutate(lambda e: e.ident.__setitem__(7, 3))


@good("ident-padding", "e_ident padding and EI_ABIVERSION are not checked")
def _():
    return mutate(lambda e: e.ident.__setitem__(slice(8, 16), b"\xffALLOY\x00\x01"))


for v, what in [(0, "ET_NONE"), (1, "ET_REL"), (4, "ET_CORE"), (0xFE00, "ET_LOOS")]:
    bad(f"type-{v}", f"e_type {v} ({what})")(
        lambda v=v: mutate(lambda e: setattr(e, "type", v)))

for v, what in [(3, "i386"), (183, "aarch64"), (0, "none"), (62 | 0x100, "62 + 256")]:
    bad(f"machine-{v}", f"e_machine {v} ({what})")(
        lambda v=v: mutate(lambda e: setattr(e, "machine", v)))

for v in (0, 2, 0x101):
    bad(f"e-version-{v}", f"e_version {v}")(
        lambda v=v: mutate(lambda e: setattr(e, "version", v)))

for v in (52, 0, 65, 0x140):
    bad(f"ehsize-{v}", f"e_ehsize {v}")(
        lambda v=v: mutate(lambda e: setattr(e, "ehsize", v)))

for v in (32, 0, 57, 64):
    bad(f"phentsize-{v}", f"e_phentsize {v}")(
        lambda v=v: mutate(lambda e: setattr(e, "phentsize", v)))


@bad("phnum-0", "e_phnum 0")
def _():
    return mutate(lambda e: setattr(e, "phnum", 0))


def many_phdrs(n):
    e = Elf()
    e.phdrs += [phdr(PT_NULL, 0, 0, 0, 0, 0, 0)] * (n - len(e.phdrs))
    e.phoff = 0x400  # after everything else: the table is 3.5 KiB
    e.size = 0x400 + n * PHDR_SIZE
    return e


@bad("phnum-65", "e_phnum 65 (the table itself is in the file)")
def _():
    return many_phdrs(65)


@bad("phnum-pn-xnum", "e_phnum 0xffff (PN_XNUM, extended numbering is not supported)")
def _():
    return mutate(lambda e: setattr(e, "phnum", 0xFFFF))


@good("phnum-64", "e_phnum 64, the maximum (PT_NULL padding entries)")
def _():
    return many_phdrs(64)


@bad("phoff-unaligned", "e_phoff 0x44 (not 8-aligned)")
def _():
    return mutate(lambda e: setattr(e, "phoff", 0x44))


@bad("phoff-unaligned-4", "e_phoff 0x104 (4- but not 8-aligned)")
def _():
    return mutate(lambda e: setattr(e, "phoff", 0x104))


@bad("phoff-0", "e_phoff 0 (the table would overlap the header)")
def _():
    return mutate(lambda e: setattr(e, "phoff", 0))


@bad("phoff-56", "e_phoff 56 (aligned but below 64)")
def _():
    return mutate(lambda e: setattr(e, "phoff", 56))


@good("phoff-high", "the table at 0x3c8, ending exactly at EOF (not in any load: phdr_vaddr 0)")
def _():
    e = Elf()
    e.phoff = 0x400 - len(e.phdrs) * PHDR_SIZE
    e.phoff &= ~7
    e.size = e.phoff + len(e.phdrs) * PHDR_SIZE
    return e


@bad("phoff-past-eof-1", "the table ends 1 byte past EOF")
def _():
    e = Elf()
    e.phoff = 0x400 - len(e.phdrs) * PHDR_SIZE
    e.phoff &= ~7
    e.size = e.phoff + len(e.phdrs) * PHDR_SIZE - 1
    e.truncate = True
    return e


@bad("phoff-past-eof", "e_phoff 0x1000, file 0x400 bytes")
def _():
    e = Elf()
    e.phoff = 0x1000
    e.truncate = True
    return e


@bad("phoff-overflow", "e_phoff 0xfffffffffffffff8: phoff + table overflows")
def _():
    return mutate(lambda e: setattr(e, "phoff", 0xFFFFFFFFFFFFFFF8))


@bad("phoff-overflow-small", "e_phoff 2^64 - 64: phoff + table wraps to a small number")
def _():
    return mutate(lambda e: setattr(e, "phoff", (1 << 64) - 64))


@bad("short-63", "the first 63 bytes of the base (shorter than a header)")
def _():
    return Elf().build()[:63]


@bad("short-0", "an empty file")
def _():
    return b""


@bad("short-header-only", "only the 64-byte header: the table is past EOF")
def _():
    return Elf().build()[:64]


@bad("not-elf-text", "a shell script")
def _():
    return b"#!/bin/sh\necho this is not an ELF file; exit 1\n" + bytes(64)


# ------------------------------------------------------------ PT_LOAD (P4)

def load_n(e, n):
    return e.loads()[n]


@bad("load-filesz-gt-memsz", "PT_LOAD #1 p_filesz 0x101 > p_memsz 0x100")
def _():
    return mutate(lambda e: load_n(e, 1).update(filesz=0x101))


@bad("load-past-eof", "PT_LOAD #2 offset + filesz = EOF + 1")
def _():
    return mutate(lambda e: load_n(e, 2).update(filesz=0x101))


@good("load-at-eof", "PT_LOAD #2 offset + filesz = EOF exactly")
def _():
    return mutate(lambda e: load_n(e, 2).update(filesz=0x100))


@bad("load-offset-wrap", "PT_LOAD #2 p_offset + p_filesz wraps past 2^64")
def _():
    return mutate(lambda e: load_n(e, 2).update(offset=0xFFFFFFFFFFFFF300, filesz=0x1000, memsz=0x1000))


@bad("load-offset-huge", "PT_LOAD #2 p_offset 2^63 (no wrap, far past EOF)")
def _():
    return mutate(lambda e: load_n(e, 2).update(offset=(1 << 63) | 0x300))


@bad("load-vaddr-wrap", "PT_LOAD #2 p_vaddr + p_memsz wraps past 2^64")
def _():
    return mutate(lambda e: load_n(e, 2).update(vaddr=0xFFFFFFFFFFFFF300, memsz=0x2000))


@bad("load-kernel-half", "PT_LOAD #2 in the kernel half (0xffff800000000300)")
def _():
    return mutate(lambda e: load_n(e, 2).update(vaddr=0xFFFF800000000300))


@bad("load-above-user-top", "PT_LOAD #2 ends at USER_TOP + 1 (x86-64 target)")
def _():
    return mutate(lambda e: load_n(e, 2).update(vaddr=USER_TOP - 0x1000 + 0x300, memsz=0xD01))


@good("load-at-user-top", "PT_LOAD #2 ends exactly at USER_TOP (x86-64 target)")
def _():
    return mutate(lambda e: load_n(e, 2).update(vaddr=USER_TOP - 0x1000 + 0x300, memsz=0xD00))


for a in (3, 0x1800, 0x1001, 1 << 63 | 1):
    bad(f"load-align-{a:x}", f"PT_LOAD #1 p_align {a:#x} (not a power of two)")(
        lambda a=a: mutate(lambda e: load_n(e, 1).update(align=a)))

for a in (0, 1):
    good(f"load-align-ok-{a:x}", f"PT_LOAD #1 p_align {a:#x} (no alignment)")(
        lambda a=a: mutate(lambda e: load_n(e, 1).update(align=a)))


@good("load-align-ok-200000", "PT_LOAD #1 p_align 2 MiB, offset 0x200 / vaddr 0x600200 congruent")
def _():
    def f(e):
        load_n(e, 1).update(align=0x200000, vaddr=0x600200)
        load_n(e, 2).update(vaddr=0x602300)
        e.find(PT_TLS)["vaddr"] = 0x602300
        e.entry = 0x600200
    return mutate(f)


@good("load-align-ok-2pow63", "ET_DYN, PT_LOAD #0 p_align 2^63 at offset 0 / vaddr 0")
def _():
    return mutate(lambda e: load_n(e, 0).update(align=1 << 63), etype=ET_DYN, base=0)


@bad("load-incongruent-align", "PT_LOAD #1 p_align 2 MiB, offset 0x200 vs vaddr 0x401200 (same mod 4096)")
def _():
    return mutate(lambda e: load_n(e, 1).update(align=0x200000))


@bad("load-incongruent-page", "PT_LOAD #1 p_align 1, offset 0x200 vs vaddr 0x401300 (differ mod 4096)")
def _():
    def f(e):
        load_n(e, 1).update(align=1, vaddr=0x401300)
        e.entry = 0x401300
    return mutate(f)


@bad("load-incongruent-page-align0", "PT_LOAD #1 p_align 0, offset 0x200 vs vaddr 0x401208")
def _():
    def f(e):
        load_n(e, 1).update(align=0, vaddr=0x401208)
        e.entry = 0x401208
    return mutate(f)


@bad("load-incongruent-both", "PT_LOAD #1 p_align 4096, offset 0x200 vs vaddr 0x401000")
def _():
    return mutate(lambda e: load_n(e, 1).update(vaddr=0x401000))


@bad("load-overlap", "PT_LOAD #2 (0x402300) starts inside PT_LOAD #1 (0x401200..0x402380)")
def _():
    def f(e):
        load_n(e, 1).update(memsz=0x1180)  # ends at 0x402380
        load_n(e, 2).update(vaddr=0x402300)
    return mutate(f)


@bad("load-overlap-by-1", "PT_LOAD #1 ends 1 byte after PT_LOAD #2 starts")
def _():
    return mutate(lambda e: load_n(e, 1).update(memsz=0x1101))


@good("load-adjacent", "PT_LOAD #2 starts exactly where PT_LOAD #1 ends (shared page)")
def _():
    # #1: vaddr 0x401200 memsz 0x100 -> ends 0x401300; #2 offset 0x300
    return mutate(lambda e: load_n(e, 2).update(vaddr=0x401300))


@good("load-same-page", "three PT_LOADs inside one page (0x400000..0x401000)")
def _():
    def f(e):
        load_n(e, 0).update(filesz=0x1D0, memsz=0x1D0)
        load_n(e, 1).update(vaddr=0x400200)
        load_n(e, 2).update(vaddr=0x400300, memsz=0x100)
        e.find(PT_TLS)["vaddr"] = 0x400300
        e.entry = 0x400200
    return mutate(f)


@bad("load-out-of-order", "PT_LOADs #1 and #2 swapped in the table")
def _():
    def f(e):
        i1, i2 = [i for i, p in enumerate(e.phdrs) if p["type"] == PT_LOAD][1:3]
        e.phdrs[i1], e.phdrs[i2] = e.phdrs[i2], e.phdrs[i1]
    return mutate(f)


@bad("load-duplicate", "PT_LOAD #1 twice")
def _():
    def f(e):
        i = [i for i, p in enumerate(e.phdrs) if p["type"] == PT_LOAD][1]
        e.phdrs.insert(i + 1, dict(e.phdrs[i]))
    return mutate(f)


@good("load-memsz-0", "an extra PT_LOAD with p_memsz 0 (and p_filesz 0) between #1 and #2")
def _():
    def f(e):
        i = [i for i, p in enumerate(e.phdrs) if p["type"] == PT_LOAD][1]
        e.phdrs.insert(i + 1, phdr(PT_LOAD, PF_R, 0x300, 0x401300, 0, 0, 0x1000))
    return mutate(f)


@good("load-memsz-0-last", "the last PT_LOAD has p_memsz 0 (hi from its vaddr)")
def _():
    def f(e):
        i = [i for i, p in enumerate(e.phdrs) if p["type"] == PT_LOAD][2]
        e.phdrs.insert(i + 1, phdr(PT_LOAD, PF_R, 0x3A8, 0x4053A8, 0, 0, 0x1000))
    return mutate(f)


@good("load-bss-only", "PT_LOAD #2 with p_filesz 0 (pure bss)")
def _():
    return mutate(lambda e: load_n(e, 2).update(filesz=0))


def n_loads(n):
    e = Elf(tls=False)
    # table at the end: n + 3 entries
    ls = [phdr(PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200, 0x1000),
          phdr(PT_LOAD, PF_R | PF_X, 0x200, 0x401200, 0x100, 0x100, 0x1000)]
    for i in range(n - 2):
        ls.append(phdr(PT_LOAD, PF_R | PF_W, 0x300 + i, 0x402300 + i * 0x1001, 1, 0x10, 0x1000))
    e.phdrs = [e.phdrs[0]] + ls + [phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16)]
    e.phoff = 0x400
    e.size = 0x400 + len(e.phdrs) * PHDR_SIZE
    return e


@good("loads-16", "16 PT_LOADs, the maximum")
def _():
    return n_loads(16)


@bad("loads-17", "17 PT_LOADs")
def _():
    return n_loads(17)


@bad("loads-none", "no PT_LOAD (PT_PHDR, PT_TLS, PT_GNU_STACK only)")
def _():
    def f(e):
        e.phdrs = [p for p in e.phdrs if p["type"] != PT_LOAD]
        e.find(PT_TLS)["offset"] = 0x300
    return mutate(f)


@bad("loads-none-single-null", "one PT_NULL program header")
def _():
    def f(e):
        e.phdrs = [phdr(PT_NULL, 0, 0, 0, 0, 0, 0)]
    return mutate(f)


# --------------------------------------------------------- entry, ET_EXEC min

@bad("entry-0", "e_entry 0")
def _():
    return mutate(lambda e: setattr(e, "entry", 0))


@bad("entry-at-load-end", "e_entry at the (exclusive) end of PT_LOAD #2")
def _():
    return mutate(lambda e: setattr(e, "entry", 0x403300))


@bad("entry-in-gap", "e_entry between two PT_LOADs")
def _():
    return mutate(lambda e: setattr(e, "entry", 0x401F00))


@good("entry-in-bss", "e_entry in the bss of PT_LOAD #2 (inside memsz, past filesz)")
def _():
    return mutate(lambda e: setattr(e, "entry", 0x4032FF))


@good("entry-first-byte", "e_entry at the first byte of PT_LOAD #0")
def _():
    return mutate(lambda e: setattr(e, "entry", 0x400000))


@bad("entry-in-memsz-0", "e_entry at the vaddr of a p_memsz 0 PT_LOAD")
def _():
    def f(e):
        i = [i for i, p in enumerate(e.phdrs) if p["type"] == PT_LOAD][2]
        e.phdrs.insert(i + 1, phdr(PT_LOAD, PF_R, 0x3A8, 0x4053A8, 0, 0, 0x1000))
        e.entry = 0x4053A8
    return mutate(f)


@bad("exec-below-user-min", "ET_EXEC with the first PT_LOAD at 0xf000")
def _():
    return Elf(base=0xF000)


@bad("exec-at-0", "ET_EXEC with the first PT_LOAD at 0 (a PIE marked ET_EXEC)")
def _():
    return Elf(base=0)


@good("exec-at-user-min", "ET_EXEC with the first PT_LOAD at exactly 0x10000")
def _():
    return Elf(base=0x10000)


@good("dyn-below-user-min", "ET_DYN at 0xf000 (no minimum for ET_DYN)")
def _():
    return Elf(etype=ET_DYN, base=0xF000)


# ------------------------------------------------------------------ PT_INTERP

def interp_elf(path=INTERP, filesz=None, offset=0x1D0, size=0x400):
    e = Elf(etype=ET_DYN, base=0, interp=True)
    e.patches = [(o, d) for o, d in e.patches if d != INTERP]
    e.patches.append((offset, path))
    p = e.find(PT_INTERP)
    p.update(offset=offset, filesz=len(path) if filesz is None else filesz,
             memsz=len(path) if filesz is None else filesz)
    e.size = size
    return e


@bad("interp-two", "two PT_INTERP")
def _():
    def f(e):
        i = [i for i, p in enumerate(e.phdrs) if p["type"] == PT_INTERP][0]
        e.phdrs.insert(i + 1, dict(e.phdrs[i]))
    return mutate(f, etype=ET_DYN, base=0, interp=True)


@bad("interp-size-0", "PT_INTERP p_filesz 0")
def _():
    return interp_elf(b"", 0)


@bad("interp-size-1", "PT_INTERP p_filesz 1 (just a NUL)")
def _():
    return interp_elf(b"\0")


@good("interp-size-2", "PT_INTERP p_filesz 2: \"/\\0\"")
def _():
    return interp_elf(b"/\0")


@good("interp-max", "PT_INTERP p_filesz 4096 (ELF_MAX_INTERP), NUL-terminated")
def _():
    path = b"/" + b"x" * 4094 + b"\0"
    return interp_elf(path, offset=0x400, size=0x400 + 4096)


@bad("interp-too-long", "PT_INTERP p_filesz 4097")
def _():
    path = b"/" + b"x" * 4095 + b"\0"
    return interp_elf(path, offset=0x400, size=0x400 + 4097)


@bad("interp-huge", "PT_INTERP p_filesz 2^64 - 1")
def _():
    return interp_elf(filesz=U64)


@bad("interp-past-eof", "PT_INTERP ends 1 byte past EOF")
def _():
    e = interp_elf(offset=0x3E8)
    e.size = 0x3E8 + len(INTERP) - 1
    e.truncate = True
    return e


@good("interp-at-eof", "PT_INTERP ends exactly at EOF, outside every PT_LOAD")
def _():
    e = interp_elf(offset=0x400, size=0x400 + len(INTERP))
    return e


@bad("interp-offset-wrap", "PT_INTERP p_offset + p_filesz wraps past 2^64")
def _():
    e = interp_elf()
    e.find(PT_INTERP)["offset"] = U64 - 3
    return e


@good("interp-no-nul", "PT_INTERP without a final NUL: the header parses, elf_check_interp fails")
def _():
    return interp_elf(b"/lib/ld-musl-x86_64.so.1X")


@good("interp-embedded-nul", "PT_INTERP \"/lib\\0ld.so\\0\": the header parses, elf_check_interp fails")
def _():
    return interp_elf(b"/lib\0ld.so\0")


@good("interp-leading-nul", "PT_INTERP \"\\0abc\\0\": elf_check_interp fails")
def _():
    return interp_elf(b"\0abc\0")


@good("interp-all-nul", "PT_INTERP \"\\0\\0\": elf_check_interp fails")
def _():
    return interp_elf(b"\0\0")


@good("interp-high-bytes", "PT_INTERP with bytes >= 0x80 (valid: only NULs matter)")
def _():
    return interp_elf(b"/lib/\xff\x80\xc3\xa9.so\0")


# --------------------------------------------------------------------- PT_TLS

@bad("tls-two", "two PT_TLS")
def _():
    def f(e):
        i = [i for i, p in enumerate(e.phdrs) if p["type"] == PT_TLS][0]
        e.phdrs.insert(i + 1, dict(e.phdrs[i]))
    return mutate(f)


@bad("tls-filesz-gt-memsz", "PT_TLS p_filesz > p_memsz")
def _():
    return mutate(lambda e: e.find(PT_TLS).update(filesz=0x21))


@bad("tls-past-eof", "PT_TLS offset + filesz past EOF")
def _():
    return mutate(lambda e: e.find(PT_TLS).update(offset=0x3F8, filesz=0x10))


@bad("tls-offset-wrap", "PT_TLS p_offset + p_filesz wraps")
def _():
    return mutate(lambda e: e.find(PT_TLS).update(offset=U64 - 7))


@bad("tls-vaddr-wrap", "PT_TLS p_vaddr + p_memsz wraps")
def _():
    return mutate(lambda e: e.find(PT_TLS).update(vaddr=U64 - 0xF))


@bad("tls-align-3", "PT_TLS p_align 3")
def _():
    return mutate(lambda e: e.find(PT_TLS).update(align=3))


@bad("tls-align-24", "PT_TLS p_align 24")
def _():
    return mutate(lambda e: e.find(PT_TLS).update(align=24))


@good("tls-align-0", "PT_TLS p_align 0")
def _():
    return mutate(lambda e: e.find(PT_TLS).update(align=0))


@good("tls-outside-loads", "PT_TLS vaddr outside every PT_LOAD, no congruence (not checked)")
def _():
    return mutate(lambda e: e.find(PT_TLS).update(vaddr=0x7000001, align=1))


@good("tls-memsz-0", "PT_TLS with p_memsz 0 and p_filesz 0")
def _():
    return mutate(lambda e: e.find(PT_TLS).update(filesz=0, memsz=0))


@good("tls-before-loads", "PT_TLS before every PT_LOAD in the table")
def _():
    def f(e):
        t = e.find(PT_TLS)
        e.phdrs.remove(t)
        e.phdrs.insert(1, t)
    return mutate(f)


@good("no-tls", "no PT_TLS: has_tls 0, tls_* 0")
def _():
    return Elf(tls=False)


# ----------------------------------------------------- phdr_vaddr, GNU_STACK

@good("phdrs-not-loaded", "the program headers are in no PT_LOAD's file range: phdr_vaddr 0")
def _():
    e = Elf()
    e.phoff = 0x400
    e.size = 0x400 + len(e.phdrs) * PHDR_SIZE
    return e


@good("phdrs-partly-loaded", "PT_LOAD #0 covers only half the table, a later one all of it")
def _():
    def f(e):
        load_n(e, 0).update(filesz=0x80, memsz=0x80)
        i = [i for i, p in enumerate(e.phdrs) if p["type"] == PT_LOAD][2]
        e.phdrs.insert(i + 1, phdr(PT_LOAD, PF_R, 0, 0x404000, 0x200, 0x200, 0x1000))
    return mutate(f)


@good("phdrs-second-load", "only PT_LOAD #1 (not the first) covers the table")
def _():
    def f(e):
        load_n(e, 0).update(offset=0x300, vaddr=0x400300, filesz=0x10, memsz=0x10)
        load_n(e, 1).update(offset=0, vaddr=0x401000, filesz=0x300, memsz=0x300)
    return mutate(f)


@good("phdrs-in-bss", "the table's file range is past PT_LOAD #0's p_filesz (in its memsz): phdr_vaddr 0")
def _():
    return mutate(lambda e: load_n(e, 0).update(filesz=0x100, memsz=0x200))


@good("phdrs-exact-load", "a PT_LOAD whose file range is exactly the table")
def _():
    def f(e):
        load_n(e, 0).update(offset=0x40, vaddr=0x400040, filesz=len(e.phdrs) * PHDR_SIZE,
                            memsz=len(e.phdrs) * PHDR_SIZE, align=8)
    return mutate(f)


for fl in (PF_R | PF_W | PF_X, PF_R, 0, 0xFFFFFFFF, 0x10 | PF_W):
    good(f"stack-flags-{fl:x}", f"PT_GNU_STACK p_flags {fl:#x} (stack_flags = p_flags & 7)")(
        lambda fl=fl: Elf(stack=fl))


@good("stack-none", "no PT_GNU_STACK: stack_flags ELF_STACK_DEFAULT (RW)")
def _():
    return Elf(stack=None)


@good("stack-two-last-wins", "two PT_GNU_STACK (RWX then R): the last wins")
def _():
    def f(e):
        e.phdrs.append(phdr(PT_GNU_STACK, PF_R, 0, 0, 0, 0, 16))
    return mutate(f, stack=PF_R | PF_W | PF_X)


@good("stack-garbage-fields", "PT_GNU_STACK with junk offset/size/align (only p_flags matters)")
def _():
    def f(e):
        e.find(PT_GNU_STACK).update(offset=U64, vaddr=U64, filesz=U64, memsz=1, align=3)
    return mutate(f)


@good("unknown-phdrs-ignored", "PT_NULL, PT_NOTE, PT_DYNAMIC, 0x70000000, 0xffffffff with junk fields")
def _():
    def f(e):
        junk = dict(offset=U64, vaddr=U64 - 1, filesz=U64, memsz=0, align=3)
        for t in (PT_NULL, PT_NOTE, PT_DYNAMIC, 0x70000000, 0xFFFFFFFF, 0x6474E552):
            p = phdr(t, 0xFFFFFFFF, 0, 0, 0, 0, 0)
            p.update(junk)
            e.phdrs.insert(2, p)
        e.phoff = 0x400
        e.size = 0x400 + len(e.phdrs) * PHDR_SIZE
    return mutate(f)


@good("load-flags-high-bits", "PT_LOAD p_flags 0xfffffff8 | R (flags = p_flags & 7)")
def _():
    return mutate(lambda e: load_n(e, 0).update(flags=0xFFFFFFF8 | PF_R))


@good("sections-garbage", "e_shoff/e_shnum/e_shentsize/e_flags junk (not checked)")
def _():
    def f(e):
        e.shoff, e.shnum, e.shentsize, e.shstrndx, e.flags = U64, 0xFFFF, 1, 0xFFFF, 0xFFFFFFFF
    return mutate(f)


@good("trailing-data", "8 KiB of data after the last segment")
def _():
    e = Elf()
    e.size = 0x400 + 0x2000
    return e


def main():
    root = os.path.dirname(os.path.abspath(__file__))
    for d in ("bad", "good"):
        path = os.path.join(root, d)
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            os.unlink(os.path.join(path, name))
    index = []
    for name, (d, data, desc) in sorted(VECTORS.items(), key=lambda kv: (kv[1][0], kv[0])):
        with open(os.path.join(root, d, name), "wb") as f:
            f.write(data)
        index.append(f"{d}/{name}\t{len(data)}\t{desc}")
    with open(os.path.join(root, "vectors.txt"), "w") as f:
        f.write("# generated by make-vectors.py: file, size, what it tests\n")
        f.write("\n".join(index) + "\n")
    print(f"make-vectors: {sum(1 for v in VECTORS.values() if v[0] == 'bad')} bad, "
          f"{sum(1 for v in VECTORS.values() if v[0] == 'good')} good", file=sys.stderr)


if __name__ == "__main__":
    main()
