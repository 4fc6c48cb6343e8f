/*
 * Exception and interrupt dispatch. Kernel-mode exceptions are fatal
 * unless the faulting instruction has an exception-table fixup (the uaccess
 * helpers): they print the vector, error code, registers, CR2 for page
 * faults and a symbolized backtrace, then stop every CPU.
 */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/ksyms.h>
#include <alloy/kstack.h>
#include <alloy/panic.h>
#include <alloy/printk.h>
#include <alloy/user.h>
#include <alloy/task.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/uaccess.h>
#include <asm/irqflags.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/trap.h>

void sched_irq_exit(struct trap_frame *tf);

static irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 error", "alignment check",
	"machine check", "SIMD error", "virtualization", "control protection",
};

void irq_register(u8 vector, irq_handler_t fn)
{
	irq_handlers[vector] = fn;
}

static void print_sym(const char *label, u64 addr)
{
	const char *name;
	u64 off;

	if (ksyms_lookup(addr, &name, &off))
		emergency_printf("%s%016llx %s+0x%llx\n", label,
				 (unsigned long long)addr, name,
				 (unsigned long long)off);
	else
		emergency_printf("%s%016llx ?\n", label, (unsigned long long)addr);
}

void dump_frame(const struct trap_frame *tf)
{
	print_sym("RIP: ", tf->rip);
	emergency_printf("RSP: %016llx RFLAGS: %08llx CS: %llx SS: %llx\n",
			 tf->rsp, tf->rflags, tf->cs, tf->ss);
	emergency_printf("RAX: %016llx RBX: %016llx RCX: %016llx\n",
			 tf->rax, tf->rbx, tf->rcx);
	emergency_printf("RDX: %016llx RSI: %016llx RDI: %016llx\n",
			 tf->rdx, tf->rsi, tf->rdi);
	emergency_printf("RBP: %016llx R8:  %016llx R9:  %016llx\n",
			 tf->rbp, tf->r8, tf->r9);
	emergency_printf("R10: %016llx R11: %016llx R12: %016llx\n",
			 tf->r10, tf->r11, tf->r12);
	emergency_printf("R13: %016llx R14: %016llx R15: %016llx\n",
			 tf->r13, tf->r14, tf->r15);
	emergency_printf("CR0: %016llx CR3: %016llx CR4: %016llx\n",
			 read_cr0(), read_cr3(), read_cr4());
}

/* The exception-table entry for a faulting instruction, NULL if none. */
static const struct extable_entry *find_fixup(u64 rip)
{
	extern const struct extable_entry __extable_start[], __extable_end[];

	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
		if (e->insn == rip)
			return e;
	return NULL;
}

static bool try_fixup(struct trap_frame *tf)
{
	const struct extable_entry *e = find_fixup(tf->rip);

	if (e)
		tf->rip = e->fixup;
	return e != NULL;
}

static __noreturn void die(struct trap_frame *tf)
{
	u64 v = tf->vector;
	const char *name = v < 32 && exception_names[v] ? exception_names[v] : "?";

	panic_begin();
	emergency_printf("\nKERNEL PANIC on CPU %u: %s (vector %llu, error 0x%llx)\n",
			 this_cpu()->id, name, v, tf->error);
	if (v == VEC_PAGE_FAULT)
		emergency_printf("CR2: %016llx (%s %s, %s)\n", read_cr2(),
				 tf->error & 1 ? "protection violation" : "not present",
				 tf->error & 2 ? "on write" : "on read",
				 tf->error & 16 ? "instruction fetch" : "data");
	if (kstack_is_guard(tf->rsp) || (v == VEC_PAGE_FAULT && kstack_is_guard(read_cr2())))
		emergency_printf("Kernel stack overflow: RSP %016llx is in a stack guard page\n",
				 tf->rsp);
	dump_frame(tf);
	emergency_printf("Backtrace:\n");
	print_sym("  ", tf->rip);
	arch_backtrace(tf->rbp);
	panic_end();
}

/*
 * Demand paging: a fault on a user address, from the program or from a
 * uaccess copy (an instruction with a fixup), in a task with an address
 * space. True if the page is now there and the instruction can retry.
 */
/* Page-fault error code bits. */
#define PF_PRESENT (1u << 0)	/* a protection fault, not a missing page */
#define PF_WRITE (1u << 1)
#define PF_INSTR (1u << 4)
#define PF_PK (1u << 5)		/* a protection key (PKRU) denied the access */

static bool handle_user_page_fault(struct trap_frame *tf)
{
	struct task *t = current_task();
	u64 addr = read_cr2();

	if (!t || !t->mm || addr >= USER_TOP || !(tf->rflags & X86_EFLAGS_IF) ||
	    (!(tf->cs & 3) && (!find_fixup(tf->rip) || t->pagefault_disabled)))
		return false;
	if (tf->error & PF_PK) {
		/* nothing to resolve: the page is there, PKRU refuses it. A
		 * program gets SEGV_PKUERR; a uaccess copy fails (EFAULT) */
		if (!(tf->cs & 3))
			return false;
		arch_irq_enable();	/* the VMA lock may sleep */
		int pkey = user_fault_pkey(t->mm, addr);
		arch_irq_disable();
		user_fault_pkey_denied(addr, tf->rip, pkey);
		return true;
	}
	arch_irq_enable();	/* the VMA lock may sleep */
	int sig = user_page_fault_from(t->mm, addr, tf->error & PF_WRITE, tf->error & PF_INSTR,
				       tf->cs & 3);
	arch_irq_disable();	/* back to the entry path's state */
	if (!sig)
		return true;
	if (tf->cs & 3) {
		int code = sig == SIGBUS ? BUS_ADRERR :
			   tf->error & PF_PRESENT ? SEGV_ACCERR : SEGV_MAPERR;
		user_fault(sig, code, addr, tf->rip,
			   sig == SIGKILL ? "out of memory" : "page fault");
		return true;	/* a signal is queued for the return */
	}
	return false;		/* a uaccess copy: its fixup returns -EFAULT */
}

static void exception(struct trap_frame *tf)
{
	if (tf->vector == 2) {		/* NMI: panic-stop or a stray one */
		if (in_panic())
			arch_halt_forever();
		emergency_printf("NMI on CPU %u\n", this_cpu()->id);	/* no locks in NMI */
		return;
	}
	if (tf->vector == VEC_PAGE_FAULT && handle_user_page_fault(tf))
		return;
	if (tf->cs & 3) {	/* the program's fault, not the kernel's */
		static const int signals[32] = {
			[0] = SIGFPE, [1] = SIGTRAP, [3] = SIGTRAP, [6] = SIGILL,
			[13] = SIGSEGV, [14] = SIGSEGV, [16] = SIGFPE, [17] = SIGBUS,
			[19] = SIGFPE,
		};
		u64 v = tf->vector & 31;	/* exceptions only get here */
		static const int codes[32] = { [0] = FPE_INTDIV, [3] = SI_KERNEL, [6] = ILL_ILLOPN,
					       [13] = SI_KERNEL, [16] = 0, [17] = BUS_ADRERR,
					       [19] = 0 };
		int sig = signals[v] ? signals[v] : SIGSEGV;
		user_fault(sig, codes[v], v == 13 ? 0 : tf->rip, tf->rip,
			   exception_names[v] ? exception_names[v] : "fault");
		return;
	}
	if ((tf->vector == VEC_PAGE_FAULT || tf->vector == 13) && try_fixup(tf))
		return;
	die(tf);
}

void trap_dispatch(struct trap_frame *tf)
{
	u64 v = tf->vector;

	if (v < 32) {
		exception(tf);
		if (tf->cs & 3)
			user_return_work(tf);
		return;
	}
	struct cpu *c = this_cpu();
	c->irq_depth++;
	if (irq_handlers[v])
		irq_handlers[v](tf);
	if (v != VEC_SPURIOUS)
		lapic_eoi();
	c->irq_depth--;
	sched_irq_exit(tf);
	if (tf->cs & 3)
		user_return_work(tf);
}
