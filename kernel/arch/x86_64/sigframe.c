/*
 * The x86-64 Linux signal frame (struct rt_sigframe): the return address
 * (sa_restorer, which calls rt_sigreturn), a ucontext whose mcontext is
 * the interrupted registers, the siginfo, and the FXSAVE image (whose
 * last word, in the software bytes, is the interrupted PKRU: there is no
 * XSAVE extension, so nothing says so to the program). Nothing
 * from the frame is trusted on the way back: segments are forced to user
 * ones, RFLAGS keeps only the bits a program may change, and MXCSR's
 * reserved bits are cleared so FXRSTOR cannot fault in the kernel.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <asm/trap.h>

#define FLAGS_USER 0x40dd5ULL	/* CF PF AF ZF SF TF DF OF AC */
#define MXCSR_MASK 0xffbfU

struct sigcontext {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2;
	u64 fpstate;
	u64 reserved[8];
};

struct ucontext {
	u64 uc_flags;
	u64 uc_link;
	u64 ss_sp;
	s32 ss_flags, pad;
	u64 ss_size;
	struct sigcontext mc;
	u64 uc_sigmask;
};

struct siginfo {
	s32 signo, errno_, code, pad;
	union {
		struct { s32 pid, uid; } kill;
		struct { s32 pid, uid, status, pad; s64 utime, stime; } chld;
		struct { u64 addr; u64 bnd_pad; u32 pkey; } fault;	/* si_pkey: SEGV_PKUERR */
		struct { s32 tid, overrun; u64 value; } timer;
		struct { s64 band; s32 fd; } poll;
		struct { u64 call_addr; s32 syscall; u32 arch; } sys;
		u8 bytes[112];
	};
};

struct rt_sigframe {
	u64 pretcode;
	struct ucontext uc;
	struct siginfo info;
};

_Static_assert(sizeof(struct sigcontext) == 256, "sigcontext layout");
_Static_assert(sizeof(struct siginfo) == 128, "siginfo layout");
_Static_assert(__builtin_offsetof(struct ucontext, mc) == 40, "ucontext layout");

static void fill_siginfo(struct siginfo *out, const struct ksiginfo *si)
{
	out->signo = si->signo;
	out->code = si->code;
	out->errno_ = si->err;
	if (si->sigpoll) {
		out->poll.band = si->band;
		out->poll.fd = si->fd;
	} else if (si->signo == SIGCHLD) {
		out->chld.pid = si->pid;
		out->chld.uid = (s32)si->uid;
		out->chld.status = si->status;
	} else if (si->signo == SIGSYS && si->code == SYS_SECCOMP) {
		out->sys.call_addr = si->call_addr;
		out->sys.syscall = si->syscall;
		out->sys.arch = si->arch;
	} else if (si->code == SI_TIMER) {
		out->timer.tid = si->timerid;
		out->timer.overrun = si->overrun;
		out->timer.value = si->value;
	} else if (si->code > 0 && si->code < SI_KERNEL) {
		out->fault.addr = si->addr;	/* SEGV_*, BUS_*, ILL_*, FPE_* */
		if (si->signo == SIGSEGV && si->code == SEGV_PKUERR)
			out->fault.pkey = si->pkey;
	} else {
		out->kill.pid = si->pid;
		out->kill.uid = (s32)si->uid;
		if (si->value)		/* rt_sigqueueinfo's si_value, all of it */
			out->timer.value = si->value;
		else
			out->chld.status = si->status;	/* a queued signal's si_value int */
	}
}

int arch_copy_siginfo(u64 uaddr, const struct ksiginfo *si)
{
	struct siginfo info;

	memset(&info, 0, sizeof(info));
	fill_siginfo(&info, si);
	return copy_to_user((void *)uaddr, &info, sizeof(info)) ? -EFAULT : 0;
}

int arch_signal_frame(struct trap_frame *tf, const struct ksiginfo *si,
		      const struct k_sigaction *sa, u64 old_blocked, u64 sp)
{
	struct task *t = current_task();
	struct rt_sigframe f;

	if (!(sa->flags & SA_RESTORER))
		return -EFAULT;		/* every libc supplies one */
	/* iretq to a non-canonical rip faults in ring 0: never try it */
	if (sa->handler >= USER_TOP || sa->restorer >= USER_TOP)
		return -EFAULT;
	sp -= 128;			/* the interrupted code's red zone */
	u64 fp = ALIGN_DOWN(sp - ARCH_FPU_SIZE, 64);
	u64 frame = ALIGN_DOWN(fp - sizeof(f), 16) - 8;	/* as if called */

	memset(&f, 0, sizeof(f));
	f.pretcode = sa->restorer;
	f.uc.ss_sp = t->altstack_sp;
	f.uc.ss_size = t->altstack_size;
	f.uc.ss_flags = t->altstack_size ? (tf->rsp - t->altstack_sp < t->altstack_size ? 1 : 0)
					 : 2;	/* SS_ONSTACK / SS_DISABLE */
	struct sigcontext *mc = &f.uc.mc;
	mc->r8 = tf->r8; mc->r9 = tf->r9; mc->r10 = tf->r10; mc->r11 = tf->r11;
	mc->r12 = tf->r12; mc->r13 = tf->r13; mc->r14 = tf->r14; mc->r15 = tf->r15;
	mc->rdi = tf->rdi; mc->rsi = tf->rsi; mc->rbp = tf->rbp; mc->rbx = tf->rbx;
	mc->rdx = tf->rdx; mc->rax = tf->rax; mc->rcx = tf->rcx; mc->rsp = tf->rsp;
	mc->rip = tf->rip; mc->eflags = tf->rflags; mc->cs = USER_CS; mc->ss = USER_SS;
	mc->trapno = tf->vector < 32 ? tf->vector : 0;
	mc->err = tf->vector < 32 ? tf->error : 0;
	mc->cr2 = si->sigpoll ? 0 : si->addr;
	mc->oldmask = old_blocked;
	mc->fpstate = fp;
	f.uc.uc_sigmask = old_blocked;
	fill_siginfo(&f.info, si);

	u8 fx[ARCH_FPU_SIZE] __aligned(16);
	unsigned long irq = arch_irq_save();	/* the live registers and the copy agree */
	arch_fpu_save(t->fpu);
	memcpy(fx, t->fpu, sizeof(fx));
	arch_irq_restore(irq);
	/* the frame is written whatever key the stack has and whatever the
	 * thread's rights (Linux 6.12's sig_prepare_pkru): if the rights
	 * refuse it, again with every key open; the interrupted rights are
	 * in fx (a switch in between saves the open ones in t->fpu and puts
	 * them back) */
	u32 pkru = arch_pkru_get();
	int tries = pkru ? 2 : 1;
	while (copy_to_user((void *)fp, fx, sizeof(fx)) ||
	       copy_to_user((void *)frame, &f, sizeof(f))) {
		if (!--tries) {
			arch_pkru_set(pkru);
			return -EFAULT;
		}
		arch_pkru_set(0);
	}
	/* the handler runs with the default protection-key rights; the
	 * interrupted ones are in the frame's FPU image, for sigreturn */
	arch_pkru_reset(t->fpu);
	tf->rsp = frame;
	tf->rip = sa->handler;
	tf->rdi = (u64)si->signo;
	tf->rsi = frame + __builtin_offsetof(struct rt_sigframe, info);
	tf->rdx = frame + __builtin_offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(1ULL << 10 | 1ULL << 8);	/* DF and TF clear for the handler */
	return 0;
}

int arch_sigreturn(struct trap_frame *tf, u64 *blocked)
{
	struct task *t = current_task();
	u64 frame = tf->rsp - 8;	/* the handler's ret popped pretcode */
	struct rt_sigframe f;

	u8 fx[ARCH_FPU_SIZE] __aligned(16);
	/* read as it was written: if the handler's rights refuse it, again
	 * with every protection key open (Linux 6.12); the rights the frame
	 * holds take over below */
	u32 pkru = arch_pkru_get();
	int tries = pkru ? 2 : 1;
	while (copy_from_user(&f, (const void *)frame, sizeof(f)) ||
	       (f.uc.mc.fpstate &&
		copy_from_user(fx, (const void *)f.uc.mc.fpstate, sizeof(fx)))) {
		if (!--tries) {
			arch_pkru_set(pkru);
			return -EFAULT;
		}
		arch_pkru_set(0);
	}
	arch_pkru_set(pkru);
	const struct sigcontext *mc = &f.uc.mc;
	if (mc->rip >= USER_TOP)
		return -EFAULT;
	tf->r8 = mc->r8; tf->r9 = mc->r9; tf->r10 = mc->r10; tf->r11 = mc->r11;
	tf->r12 = mc->r12; tf->r13 = mc->r13; tf->r14 = mc->r14; tf->r15 = mc->r15;
	tf->rdi = mc->rdi; tf->rsi = mc->rsi; tf->rbp = mc->rbp; tf->rbx = mc->rbx;
	tf->rdx = mc->rdx; tf->rax = mc->rax; tf->rcx = mc->rcx; tf->rsp = mc->rsp;
	tf->rip = mc->rip;
	tf->rflags = (tf->rflags & ~FLAGS_USER) | (mc->eflags & FLAGS_USER) | 0x202;
	tf->cs = USER_CS;
	tf->ss = USER_SS;
	if (mc->fpstate) {
		*(u32 *)(fx + 24) &= MXCSR_MASK;
		arch_irq_disable();	/* the live registers and t->fpu agree */
		memcpy(t->fpu, fx, sizeof(fx));
		arch_fpu_restore(t->fpu);
		arch_irq_enable();
	}
	*blocked = f.uc.uc_sigmask;
	return 0;
}

/* AT_MINSIGSTKSZ: what one handler invocation takes of a stack (the red
 * zone skipped, the FPU area and the frame, with their alignments). */
u64 arch_min_sigstksz(void)
{
	return 128 + ARCH_FPU_SIZE + 64 + sizeof(struct rt_sigframe) + 16 + 8;
}
