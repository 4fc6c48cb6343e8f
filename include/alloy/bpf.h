/*
 * Classic BPF (kernel/lib/bpf.c): the instruction set of Linux's
 * struct sock_filter, the subset seccomp filters may use. A program is
 * checked once (bpf_check) and may then run (bpf_run) with no checks:
 * jumps only go forward, so every run ends within `len` steps; loads of
 * the input are aligned 32-bit words inside it; scratch words are read
 * only after every path to the read stored them.
 */
#ifndef ALLOY_BPF_H
#define ALLOY_BPF_H

#include <alloy/types.h>

#define BPF_MAXINSNS 4096
#define BPF_MEMWORDS 16

struct bpf_insn {		/* Linux's struct sock_filter */
	u16 code;
	u8 jt, jf;
	u32 k;
};
_Static_assert(sizeof(struct bpf_insn) == 8, "struct sock_filter layout");

/* 0, -ENOMEM, or -EINVAL: a bad opcode, a division by a constant 0, a shift of 32
 * or more, a jump past the end, a load outside the data_size bytes of
 * input or not 4-aligned, a scratch word read before it is written, a
 * last instruction that is no return. Rewrites the length loads
 * (BPF_LEN) as the constant data_size. */
int bpf_check(struct bpf_insn *prog, u32 len, u32 data_size);
/* Runs a checked program on data (u32-aligned, data_size bytes as it was
 * checked): its return value. A division by X = 0 returns 0 (Linux). */
u32 bpf_run(const struct bpf_insn *prog, const void *data);

#endif
