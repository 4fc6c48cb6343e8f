/*
 * Classic BPF: the checker and the interpreter (see <alloy/bpf.h>).
 * Only what seccomp accepts on Linux: 32-bit absolute loads of the
 * input, immediates, the scratch memory, arithmetic (no modulo), the
 * transfers between A and X, forward jumps and returns. Packet loads
 * (byte and half-word, indirect, MSH) are refused.
 */
#include <alloy/bpf.h>
#include <alloy/errno.h>
#include <alloy/slab.h>

/* the opcode fields (Linux's <linux/bpf_common.h>) */
#define CLASS(c) ((c) & 0x07)
#define LD 0x00
#define LDX 0x01
#define ST 0x02
#define STX 0x03
#define ALU 0x04
#define JMP 0x05
#define RET 0x06
#define MISC 0x07

#define W 0x00
#define IMM 0x00
#define ABS 0x20
#define MEM 0x60
#define LEN 0x80

#define ADD 0x00
#define SUB 0x10
#define MUL 0x20
#define DIV 0x30
#define OR 0x40
#define AND 0x50
#define LSH 0x60
#define RSH 0x70
#define NEG 0x80
#define XOR 0xa0

#define JA 0x00
#define JEQ 0x10
#define JGT 0x20
#define JGE 0x30
#define JSET 0x40

#define K 0x00
#define X 0x08
#define RA 0x10		/* BPF_RET | BPF_A */
#define TAX 0x00
#define TXA 0x80

/* Is code one of the accepted instructions? */
static bool known(u16 c)
{
	switch (c) {
	case LD | W | ABS: case LD | W | LEN: case LDX | W | LEN:
	case LD | IMM: case LDX | IMM: case LD | MEM: case LDX | MEM:
	case ST: case STX:
	case ALU | NEG:
	case MISC | TAX: case MISC | TXA:
	case RET | K: case RET | RA:
	case JMP | JA:
		return true;
	}
	if (CLASS(c) == ALU) {
		switch (c & ~0x0f) {
		case ADD: case SUB: case MUL: case DIV: case OR: case AND:
		case LSH: case RSH: case XOR:
			return (c & 0x07) == ALU && (c & ~0xff) == 0;
		}
		return false;
	}
	if (CLASS(c) == JMP) {
		switch (c & ~0x0f) {
		case JEQ: case JGT: case JGE: case JSET:
			return (c & 0x07) == JMP && (c & ~0xff) == 0;
		}
	}
	return false;
}

int bpf_check(struct bpf_insn *prog, u32 len, u32 data_size)
{
	if (len == 0 || len > BPF_MAXINSNS)
		return -EINVAL;
	for (u32 pc = 0; pc < len; pc++) {
		struct bpf_insn *in = &prog[pc];
		u16 c = in->code;
		if (!known(c))
			return -EINVAL;
		switch (CLASS(c)) {
		case LD:
		case LDX:
			if ((c & 0xe0) == ABS && (in->k >= data_size || (in->k & 3) ||
						   data_size - in->k < 4))
				return -EINVAL;
			if ((c & 0xe0) == MEM && in->k >= BPF_MEMWORDS)
				return -EINVAL;
			if ((c & 0xe0) == LEN) {	/* the input's size is known */
				in->code = (u16)(CLASS(c) | IMM);
				in->k = data_size;
			}
			break;
		case ST:
		case STX:
			if (in->k >= BPF_MEMWORDS)
				return -EINVAL;
			break;
		case ALU:
			if ((c & 0x08) == K && (c & 0xf0) == DIV && in->k == 0)
				return -EINVAL;
			if ((c & 0x08) == K && ((c & 0xf0) == LSH || (c & 0xf0) == RSH) &&
			    in->k >= 32)
				return -EINVAL;
			break;
		case JMP:
			if ((c & 0xf0) == JA) {
				if (in->k >= len - pc - 1)
					return -EINVAL;
			} else if (in->jt >= len - pc - 1 || in->jf >= len - pc - 1) {
				return -EINVAL;
			}
			break;
		}
	}
	if (CLASS(prog[len - 1].code) != RET)
		return -EINVAL;
	/* scratch memory: a read needs a write on every path before it;
	 * jumps go forward, so one pass in order sees every way in.
	 * valid[pc]: the words written on every jump to pc so far. */
	u16 *valid = kmalloc(len * sizeof(*valid), GFP_KERNEL);
	int rc = 0;
	if (!valid)
		return -ENOMEM;
	for (u32 pc = 0; pc < len; pc++)
		valid[pc] = 0xffff;
	u16 now = 0;
	for (u32 pc = 0; pc < len; pc++) {
		const struct bpf_insn *in = &prog[pc];
		now &= valid[pc];
		switch (CLASS(in->code)) {
		case ST:
		case STX:
			now |= (u16)(1u << in->k);
			break;
		case LD:
		case LDX:
			if ((in->code & 0xe0) == MEM && !(now & (1u << in->k)))
				rc = -EINVAL;
			break;
		case JMP:
			if ((in->code & 0xf0) == JA) {
				valid[pc + 1 + in->k] &= now;
			} else {
				valid[pc + 1 + in->jt] &= now;
				valid[pc + 1 + in->jf] &= now;
			}
			now = 0xffff;	/* the next one is reached by jumps only */
			break;
		case RET:
			now = 0xffff;
			break;
		}
	}
	kfree(valid);
	return rc;
}

u32 bpf_run(const struct bpf_insn *prog, const void *data)
{
	u32 a = 0, x = 0, mem[BPF_MEMWORDS];
	const u8 *d = data;

	for (const struct bpf_insn *in = prog;; in++) {
		u32 k = in->k, src = (in->code & 0x08) ? x : k;
		switch (in->code) {
		case LD | W | ABS:
			a = *(const u32 *)(d + k);
			continue;
		case LD | IMM:
			a = k;
			continue;
		case LDX | IMM:
			x = k;
			continue;
		case LD | MEM:
			a = mem[k];
			continue;
		case LDX | MEM:
			x = mem[k];
			continue;
		case ST:
			mem[k] = a;
			continue;
		case STX:
			mem[k] = x;
			continue;
		case MISC | TAX:
			x = a;
			continue;
		case MISC | TXA:
			a = x;
			continue;
		case ALU | NEG:
			a = -a;
			continue;
		case RET | K:
			return k;
		case RET | RA:
			return a;
		case JMP | JA:
			in += k;
			continue;
		}
		if (CLASS(in->code) == ALU) {
			switch (in->code & 0xf0) {
			case ADD: a += src; break;
			case SUB: a -= src; break;
			case MUL: a *= src; break;
			case DIV:
				if (!src)
					return 0;
				a /= src;
				break;
			case OR: a |= src; break;
			case AND: a &= src; break;
			case XOR: a ^= src; break;
			case LSH: a = src >= 32 ? 0 : a << src; break;
			case RSH: a = src >= 32 ? 0 : a >> src; break;
			}
			continue;
		}
		/* conditional jumps (the checker let nothing else through) */
		bool yes;
		switch (in->code & 0xf0) {
		case JEQ: yes = a == src; break;
		case JGT: yes = a > src; break;
		case JGE: yes = a >= src; break;
		default: yes = (a & src) != 0; break;	/* JSET */
		}
		in += yes ? in->jt : in->jf;
	}
}
