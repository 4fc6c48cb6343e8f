/*
 * What the generic kernel asks of the architecture. Implemented in
 * kernel/arch/x86_64/; nothing outside that folder knows it is x86.
 */
#ifndef ALLOY_ARCH_H
#define ALLOY_ARCH_H

#include <alloy/compiler.h>
#include <alloy/types.h>

struct cpu;
struct task;

/* Stop every other CPU (NMI); used by panic. */
void arch_stop_other_cpus(void);
/* Leave QEMU through isa-debug-exit with `code`; returns if not present. */
void arch_debug_exit(u32 code);
/* Print a symbolized backtrace starting at the given frame. */
void arch_backtrace(u64 rbp);
/* Print a backtrace of the caller. */
void arch_backtrace_here(void);
struct trap_frame;
/* The return addresses of an interrupted kernel context, innermost
 * first after the interrupted instruction itself (pcs[0]); only frames
 * inside its kernel stack [stack_lo, stack_hi) are read. How many. */
int arch_stack_sample(const struct trap_frame *tf, u64 stack_lo, u64 stack_hi, u64 *pcs,
		      int max);
__noreturn void arch_halt_forever(void);
void arch_idle(void);			/* sti; hlt, returns after an interrupt */
void arch_send_reschedule(unsigned int cpu);

/* Task contexts (kernel/arch/x86_64/switch.S, context.c). */
struct arch_context {
	u64 rsp;
};
/* Prepare a new task's stack so the first switch enters entry(arg). */
void arch_context_init(struct arch_context *ctx, void *stack_top,
		       void (*entry)(void *), void *arg);
/* Save callee-saved state in *prev, resume next; returns when switched back. */
void arch_switch(struct arch_context *prev, struct arch_context *next);
/* Print where a switched-out task is, reading only its stack [lo, hi)
 * (backtrace.c). */
void arch_backtrace_context(const struct arch_context *ctx, u64 lo, u64 hi);
/* A task switch is about to run `t` on this CPU. */
void arch_task_switched_in(struct task *t, void *kstack_top);
/* PR_SET_TSC: t (current) faults on rdtsc in user mode (SIGSEGV) or
 * not; -EINVAL if the CPU cannot trap it. */
long arch_task_set_tsc(struct task *t, bool sigsegv);
/* ioperm/iopl permissions: a new thread or process shares its creator's;
 * a freed task lets go of its own. */
void arch_task_io_inherit(struct task *t, const struct task *parent);
void arch_task_io_free(struct task *t);

/* Kernel virtual memory (kernel/arch/x86_64/paging.c). */
#define KMAP_WRITE (1u << 0)
#define KMAP_EXEC (1u << 1)
#define KMAP_UNCACHED (1u << 2)
int kmap_page(u64 va, phys_addr_t pa, unsigned int prot);
/* Unmap, invalidating the TLB on every CPU; returns the old frame or 0. */
phys_addr_t kunmap_page(u64 va);
/* Unmap n pages with one shootdown; old frames (or 0) go to frames[]. */
void kunmap_range(u64 va, u64 n, phys_addr_t *frames);
int kprotect_page(u64 va, unsigned int prot);
/* Physical frame mapped at va (0 if none) and its KMAP_* flags. */
phys_addr_t kvirt_lookup(u64 va, unsigned int *prot);
void *ioremap(phys_addr_t pa, size_t size);
/* Flush va range on all CPUs. No spinlocks may be held (DESIGN: shootdown). */
void tlb_shootdown(u64 va, u64 npages);
/* The same, only on the CPUs in mask (bit n: CPU n). */
void tlb_shootdown_cpus(u64 mask, u64 va, u64 npages);

/* The step of ktime_ns() in ns, at least 1: what clock_getres reports. */
u64 arch_clock_resolution_ns(void);
/* The vDSO's data page learns CLOCK_REALTIME - ktime_ns() (the clock was
 * set); readers retry around it, so call it with no lock held. */
void arch_time_publish(u64 realtime_ns);
/* Maps the vDSO and its data page into a new image; *ehdr is the vDSO's
 * address for AT_SYSINFO_EHDR, 0 if there is none. 0 or -errno. */
struct user_mm;
int arch_vdso_map(struct user_mm *mm, u64 *ehdr);
u64 arch_vdso_size(void);	/* bytes of its text mapping, from its ELF header */
/* mm's process is in a time namespace with offsets (timens) or not: its
 * [vvar] becomes the page that sends the vDSO's clock reads to the
 * kernel, or the ordinary one (<alloy/ns.h>). exec maps the right one by
 * itself (timens_offset of the caller). */
void arch_vdso_timens(struct user_mm *mm, bool timens);

/* Reference clock (HPET or PIT-calibrated), independent of ktime_ns(). */
u64 arch_reference_clock_ns(void);
/* 64 bits from the CPU's hardware random source; false if it has none or
 * it stayed drained (kernel/arch/x86_64/rng.c) */
bool arch_random_seed(u64 *v);
/* A kernel virtual range no allocator uses, for tests (1 GiB). */
u64 arch_test_va(void);

/* User state on a task switch: its page tables (NULL: kernel only), FS base. */
struct arch_vm;
void arch_switch_user(struct arch_vm *vm, u64 fs_base);
void arch_set_user_fs(u64 base);
/* User FPU/SSE state (FXSAVE format, with PKRU in its software bytes),
 * kept per user task. */
#define ARCH_FPU_SIZE 512
void arch_fpu_init(void *area);
void arch_fpu_save(void *area);
void arch_fpu_restore(const void *area);
/*
 * Memory protection keys (kernel/arch/x86_64/cpu.c): how many keys the
 * CPU has (1: none but the default key 0, no PKU), the default rights
 * register a new program and a signal handler start with (Linux's
 * init_pkru: every key but 0 access-disabled), setting the current
 * thread's rights for one key (PKEY_DISABLE_ACCESS | _WRITE; -EINVAL
 * without PKU), reading and writing them, and resetting the live register and area
 * (a task's FPU image) to the default. The rights travel in the FPU
 * image: arch_fpu_save/restore/init carry them.
 */
#define PKRU_INIT 0x55555554u
int arch_pkeys_max(void);
u32 arch_pkru_default(void);
int arch_pkey_set_rights(int pkey, u32 rights);
u32 arch_pkru_get(void);
void arch_pkru_set(u32 v);	/* the live register only (no-op without PKU) */
void arch_pkru_reset(void *area);
/* AT_HWCAP for ELF programs: CPUID leaf 1 EDX. */
u64 arch_elf_hwcap(void);
u64 arch_min_sigstksz(void);	/* AT_MINSIGSTKSZ */
__noreturn void arch_power_off(void);
__noreturn void arch_restart(void);

/* For /proc/cpuinfo: the CPU model (every CPU is the same model). */
struct arch_cpu_desc {
	char vendor[13];
	char model_name[49];
	u32 family, model, stepping;
	u64 khz;			/* measured TSC rate */
	u32 cache_kb;			/* last-level cache, 0 if unknown */
};
void arch_cpu_describe(struct arch_cpu_desc *d);
/* The feature flags, space-separated with Linux's names; returns the length. */
int arch_cpu_flags(char *buf, size_t len);

/* Wall-clock seconds since 1970 from the hardware clock. */
u64 arch_rtc_seconds(void);

/* The scheduler tick's rate while a task runs (no tick while idle). */
#define HZ 250

/*
 * This CPU's one-shot timer (kernel/arch/x86_64/apic.c): one interrupt,
 * which calls timer_interrupt(), at ktime_ns() `ns` or as soon as possible
 * after (at once if it has passed), replacing what was armed; ~0: none.
 * Interrupts off.
 */
void arch_timer_set_next(u64 ns);

#endif
