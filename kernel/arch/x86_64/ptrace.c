/*
 * ptrace's x86-64 half (<alloy/ptrace.h>): Linux's struct user_regs_struct
 * and struct user offsets over a stopped tracee's trap frame. Nothing the
 * tracer writes can make the way back to user mode fault in the kernel:
 * rip and fs_base stay canonical user addresses (EIO otherwise), cs and
 * ss stay the user selectors, and RFLAGS takes only the bits a program
 * may change itself (as sigreturn). Debug registers are kept for PEEKUSER
 * but never loaded into the CPU (no hardware breakpoints).
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/ptrace.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <asm/trap.h>

#define FLAGS_USER 0x40dd5ULL	/* CF PF AF ZF SF TF DF OF AC */
#define FLAG_TF (1ULL << 8)
#define MXCSR_MASK 0xffbfU

/* struct user_regs_struct, in Linux's order */
enum {
	R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI, RDI,
	ORIG_RAX, RIP, CS, EFLAGS, RSP, SS, FS_BASE, GS_BASE, DS, ES, FS, GS, NREGS
};
_Static_assert(NREGS * 8 == ARCH_PTRACE_REGS_SIZE, "user_regs_struct");

/* struct user: the registers, then (at 848) u_debugreg[8]; 928 in all */
#define USER_DEBUGREG 848
#define USER_SIZE 928

static u64 *slot(struct trap_frame *tf, int r)
{
	switch (r) {
	case R15: return &tf->r15; case R14: return &tf->r14;
	case R13: return &tf->r13; case R12: return &tf->r12;
	case RBP: return &tf->rbp; case RBX: return &tf->rbx;
	case R11: return &tf->r11; case R10: return &tf->r10;
	case R9: return &tf->r9; case R8: return &tf->r8;
	case RAX: return &tf->rax; case RCX: return &tf->rcx;
	case RDX: return &tf->rdx; case RSI: return &tf->rsi;
	case RDI: return &tf->rdi; case RIP: return &tf->rip;
	case EFLAGS: return &tf->rflags; case RSP: return &tf->rsp;
	default: return NULL;
	}
}

static u64 getreg(struct task *t, const struct trap_frame *tf, int r)
{
	switch (r) {
	case ORIG_RAX: return frame_in_syscall(tf) ? tf->error : ~0ULL;
	case CS: return USER_CS;
	case SS: return USER_SS;
	case FS_BASE: return t->fs_base;
	case GS_BASE: case DS: case ES: case FS: case GS: return 0;
	default: return *slot((struct trap_frame *)tf, r);
	}
}

/* One register as the tracer asks; -EIO for what would not come back to
 * user mode safely. */
static int putreg(struct task *t, struct trap_frame *tf, int r, u64 v)
{
	switch (r) {
	case ORIG_RAX:
		if (v == ~0ULL)
			frame_end_syscall(tf);	/* nothing to run or restart */
		else if (frame_in_syscall(tf))
			tf->error = v;
		return 0;
	case RIP:
		if (v >= USER_TOP)
			return -EIO;	/* iretq to it would fault in ring 0 */
		tf->rip = v;
		return 0;
	case EFLAGS:
		tf->rflags = (tf->rflags & ~FLAGS_USER) | (v & FLAGS_USER);
		return 0;
	case CS:	/* the 64-bit user selectors only (Linux's values) */
		return v == USER_CS ? 0 : -EIO;
	case SS:
		return v == USER_SS ? 0 : -EIO;
	case DS: case ES: case FS: case GS:
		return v == 0 ? 0 : -EIO;	/* the flat user segments only */
	case GS_BASE:
		return v == 0 ? 0 : -EIO;	/* no user GS base */
	case FS_BASE:
		if (v >= USER_TOP)
			return -EIO;	/* wrmsr would fault */
		t->fs_base = v;		/* loaded when it is switched in */
		return 0;
	default:
		*slot(tf, r) = v;
		return 0;
	}
}

int arch_ptrace_peekuser(struct task *t, struct trap_frame *tf, u64 off, u64 *val)
{
	if ((off & 7) || off >= USER_SIZE)
		return -EIO;
	if (off < ARCH_PTRACE_REGS_SIZE)
		*val = getreg(t, tf, (int)(off / 8));
	else if (off >= USER_DEBUGREG && off < USER_DEBUGREG + 64)
		*val = t->ptrace.dr[(off - USER_DEBUGREG) / 8];
	else
		*val = 0;	/* the rest of struct user reads as zeros */
	return 0;
}

int arch_ptrace_pokeuser(struct task *t, struct trap_frame *tf, u64 off, u64 val)
{
	if ((off & 7) || off >= USER_SIZE)
		return -EIO;
	if (off < ARCH_PTRACE_REGS_SIZE)
		return putreg(t, tf, (int)(off / 8), val);
	if (off < USER_DEBUGREG || off >= USER_DEBUGREG + 64)
		return -EIO;
	int n = (int)((off - USER_DEBUGREG) / 8);
	if (n == 4 || n == 5)
		return -EIO;
	if (n < 4 && val >= USER_TOP)
		return -EINVAL;	/* a breakpoint on a kernel address (Linux) */
	t->ptrace.dr[n] = val;
	return 0;
}

void arch_core_regs(struct task *t, const struct trap_frame *tf, u64 *regs)
{
	for (int r = 0; r < NREGS; r++)
		regs[r] = getreg(t, tf, r);
}

int arch_ptrace_getregs(struct task *t, const struct trap_frame *tf, u64 uaddr, u64 len)
{
	u64 regs[NREGS];

	for (int r = 0; r < NREGS; r++)
		regs[r] = getreg(t, tf, r);
	return copy_to_user((void *)uaddr, regs, MIN(len, (u64)sizeof(regs))) ? -EFAULT : 0;
}

int arch_ptrace_setregs(struct task *t, struct trap_frame *tf, u64 uaddr, u64 len)
{
	u64 regs[NREGS];
	struct trap_frame copy = *tf;
	u64 fs = t->fs_base;

	len = MIN(len, (u64)sizeof(regs));
	for (int r = 0; r < NREGS; r++)
		regs[r] = getreg(t, tf, r);	/* a short regset keeps the rest */
	if (copy_from_user(regs, (const void *)uaddr, len))
		return -EFAULT;
	for (int r = 0; r < NREGS; r++) {
		int rc = putreg(t, &copy, r, regs[r]);
		if (rc) {	/* all or nothing */
			t->fs_base = fs;
			return rc;
		}
	}
	*tf = copy;
	return 0;
}

void arch_ptrace_fpu_sanitize(void *area)
{
	*(u32 *)((u8 *)area + 24) &= MXCSR_MASK;	/* FXRSTOR would #GP in the kernel */
}

void arch_ptrace_step(struct trap_frame *tf, bool on)
{
	if (!tf)
		return;
	if (on)
		tf->rflags |= FLAG_TF;
	else
		tf->rflags &= ~FLAG_TF;
}

void arch_ptrace_syscall_frame(struct trap_frame *tf)
{
	tf->rax = (u64)-ENOSYS;		/* what the tracer sees at the entry stop */
}
