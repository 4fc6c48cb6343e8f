/*
 * Per-CPU descriptor tables: each CPU gets its own GDT (the TSS descriptor
 * differs) and TSS with three IST stacks, so a double fault on an
 * overflowed kernel stack, an NMI or a machine check always has a good
 * stack. The IDT is shared. GS base points at the CPU's struct cpu.
 */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/errno.h>
#include <alloy/printk.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <asm/arch_cpu.h>
#include <asm/cpu.h>
#include <asm/irqflags.h>
#include <asm/trap.h>
#include <asm/uvm.h>
#include <asm/vdso.h>

struct cpu cpus[MAX_CPUS];
bool smap_enabled;
static bool pku_enabled;	/* CR4.PKE is on (every CPU alike) */
extern const char entry_syscall[];
static struct arch_cpu arch_cpus[MAX_CPUS];

struct idt_entry {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off_mid;
	u32 off_hi;
	u32 zero;
} __packed;

static struct idt_entry idt[256] __aligned(16);

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

extern const char vector_table_start[];

static void idt_set(int vec, u64 handler, u8 ist, u8 dpl)
{
	idt[vec] = (struct idt_entry){
		.off_lo = handler & 0xffff,
		.sel = GDT_KCODE,
		.ist = ist,
		.type = 0x8e | (dpl << 5),	/* present, interrupt gate */
		.off_mid = (handler >> 16) & 0xffff,
		.off_hi = handler >> 32,
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		idt_set(v, (u64)vector_table_start + 16 * v, 0, 0);
	/* int3 and into may be used by programs (debuggers, assertions) */
	idt_set(3, (u64)vector_table_start + 16 * 3, 0, 3);
	idt_set(4, (u64)vector_table_start + 16 * 4, 0, 3);
	idt_set(8, (u64)vector_table_start + 16 * 8, IST_DOUBLE_FAULT, 0);
	idt_set(2, (u64)vector_table_start + 16 * 2, IST_NMI, 0);
	idt_set(18, (u64)vector_table_start + 16 * 18, IST_MACHINE_CHECK, 0);
}

static void gdt_init(struct arch_cpu *a)
{
	a->gdt[0] = 0;
	a->gdt[GDT_KCODE / 8] = 0x00af9a000000ffffULL;
	a->gdt[GDT_KDATA / 8] = 0x00cf92000000ffffULL;
	/* No 32-bit user code segment: Alloy has no 32-bit ABI, and a
	 * program that far-jumped into compatibility mode could run SYSCALL
	 * there, which on AMD (and QEMU's TCG) enters ring 0 at MSR_CSTAR.
	 * A jump to 0x23 faults instead (SIGSEGV). The slot stays: it is
	 * SYSRET's base in STAR (never used: returns are iretq). */
	a->gdt[GDT_UCODE32 / 8] = 0;
	a->gdt[GDT_UDATA / 8] = 0x00cff2000000ffffULL;
	a->gdt[GDT_UCODE / 8] = 0x00affa000000ffffULL;

	_Static_assert(__builtin_offsetof(struct arch_cpu, io_map) -
		       __builtin_offsetof(struct arch_cpu, tss) == IOMAP_VALID, "I/O bitmap placement");
	u64 base = (u64)&a->tss, limit = sizeof(a->tss) + IO_BITMAP_BYTES;
	a->gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			      (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
			      (((base >> 24) & 0xff) << 56);
	a->gdt[GDT_TSS / 8 + 1] = base >> 32;
}

static void load_tables(struct arch_cpu *a)
{
	struct desc_ptr g = { sizeof(a->gdt) - 1, (u64)a->gdt };
	struct desc_ptr i = { sizeof(idt) - 1, (u64)idt };

	__asm__ volatile("lgdt %0" : : "m"(g));
	/* reload CS through a far return, then the data segments */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w1, %%ds\n\t"
			 "movw %w1, %%es\n\t"
			 "movw %w1, %%ss\n\t"
			 : : "i"(GDT_KCODE), "r"(GDT_KDATA) : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
	__asm__ volatile("lidt %0" : : "m"(i));
}

void cpu_init_this(struct cpu *c, unsigned int id)
{
	struct arch_cpu *a = &arch_cpus[id];

	c->self = c;
	c->id = id;
	c->arch = a;
	gdt_init(a);
	memset(&a->tss, 0, sizeof(a->tss));
	a->tss.iomap_base = IOMAP_INVALID;
	memset(a->io_map, 0xff, sizeof(a->io_map));
	a->io_dirty = 0;
	a->io_gen = 0;
	for (int i = 0; i < 3; i++)
		a->tss.ist[i] = (u64)a->ist_stacks[i] + IST_STACK_SIZE;
	load_tables(a);
	/* fs/gs selectors are zero; the bases come from the MSRs */
	__asm__ volatile("movw %w0, %%fs; movw %w0, %%gs" : : "r"(0));
	wrmsr(MSR_GS_BASE, (u64)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	vdso_cpu_init(id);	/* getcpu in user mode */
}

void cpu_enable_features(void)
{
	u32 a, b, c, d;
	u64 cr4 = read_cr4() | CR4_PGE;

	cpuid(7, 0, &a, &b, &c, &d);
	if (b & (1u << 7))
		cr4 |= CR4_SMEP;
	if (b & (1u << 20)) {
		cr4 |= CR4_SMAP;
		smap_enabled = true;	/* the same on every CPU */
	}
	if (c & (1u << 3)) {		/* PKU: protection keys for user pages */
		cr4 |= CR4_PKE;
		pku_enabled = true;
	}
	/* SSE for user programs (the kernel itself never touches it) */
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	write_cr4(cr4);
	write_cr0((read_cr0() | CR0_WP | CR0_MP | CR0_NE) & ~CR0_EM);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | (1 << 11) | 1);	/* NXE, SCE */
	/* syscall: kernel CS 0x08; sysret base 0x20 -> user SS 0x2b, CS 0x33 */
	wrmsr(MSR_STAR, ((u64)GDT_UCODE32 << 48) | ((u64)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, (u64)entry_syscall);
	wrmsr(MSR_FMASK, 0x44700);	/* TF, IF, DF, NT, AC */
}

void arch_switch_user(struct arch_vm *vm, u64 fs_base)
{
	uvm_activate(vm);
	if (vm)
		wrmsr(MSR_FS_BASE, fs_base);
}

void arch_set_user_fs(u64 base)
{
	wrmsr(MSR_FS_BASE, base);
}

/* CR4.TSD as t wants it (interrupts off: this CPU's). */
static void tsd_load(struct arch_cpu *a, const struct task *t)
{
	bool tsd = READ_ONCE(t->tsc_sigsegv);

	if (tsd != a->tsd) {
		write_cr4(tsd ? read_cr4() | CR4_TSD : read_cr4() & ~CR4_TSD);
		a->tsd = tsd;
	}
}

void arch_task_switched_in(struct task *t, void *kstack_top)
{
	struct cpu *c = this_cpu();

	c->kstack_top = (u64)kstack_top;
	c->arch->tss.rsp0 = (u64)kstack_top;
	tsd_load(c->arch, t);
	arch_io_load(c->arch, t);
}

long arch_task_set_tsc(struct task *t, bool sigsegv)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << 4)))
		return -EINVAL;	/* no TSC: nothing to trap */
	unsigned long flags = arch_irq_save();
	WRITE_ONCE(t->tsc_sigsegv, sigsegv);
	tsd_load(this_cpu()->arch, t);	/* t is current: the next switch keeps it */
	arch_irq_restore(flags);
	return 0;
}

/*
 * Protection keys (CR4.PKE, when CPUID.7.0:ECX.PKU says the CPU has
 * them). PKRU is per-thread user state kept with the FPU registers: it
 * lives in the FXSAVE image's last word (PKRU_OFF, in bytes 464-511 that
 * FXSAVE and FXRSTOR leave alone), so every path that saves, restores or
 * copies a task's FPU state (switch, clone, signal frame, sigreturn,
 * ptrace, core dump) carries it. Kernel accesses to user pages are
 * checked against the live PKRU, the current thread's.
 */
#define PKRU_OFF 508

static inline u32 rdpkru(void)
{
	u32 eax, edx;

	__asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static inline void wrpkru(u32 v)
{
	__asm__ volatile(".byte 0x0f, 0x01, 0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

/* WRPKRU only for a change: it is serialising, and under QEMU's TCG each
 * one flushes the TLB (most threads keep the default all their life) */
static inline void pkru_load(u32 v)
{
	if (rdpkru() != v)
		wrpkru(v);
}

int arch_pkeys_max(void)
{
	return pku_enabled ? 16 : 1;
}

u32 arch_pkru_default(void)
{
	return pku_enabled ? PKRU_INIT : 0;
}

/* The current thread's rights for pkey (PKEY_DISABLE_* bits), set live. */
int arch_pkey_set_rights(int pkey, u32 rights)
{
	if (!pku_enabled || pkey < 0 || pkey >= 16 || (rights & ~3u))
		return -EINVAL;
	unsigned long flags = arch_irq_save();	/* no switch between read and write */
	u32 v = rdpkru();
	v = (v & ~(3u << (2 * pkey))) | (rights << (2 * pkey));
	wrpkru(v);
	arch_irq_restore(flags);
	return 0;
}

u32 arch_pkru_get(void)
{
	return pku_enabled ? rdpkru() : 0;
}

void arch_pkru_set(u32 v)
{
	if (pku_enabled)
		pkru_load(v);
}

/* A signal handler starts with the default PKRU (Linux's init_pkru), the
 * interrupted value being in the frame's FPU image for sigreturn. */
void arch_pkru_reset(void *area)
{
	if (!pku_enabled)
		return;
	unsigned long flags = arch_irq_save();
	*(u32 *)((u8 *)area + PKRU_OFF) = PKRU_INIT;
	pkru_load(PKRU_INIT);
	arch_irq_restore(flags);
}

void arch_fpu_init(void *area)
{
	u8 *a = area;

	memset(a, 0, ARCH_FPU_SIZE);
	*(u16 *)a = 0x37f;		/* FCW: all exceptions masked */
	*(u32 *)(a + 24) = 0x1f80;	/* MXCSR: the same for SSE */
	*(u32 *)(a + PKRU_OFF) = arch_pkru_default();
}

void arch_fpu_save(void *area)
{
	__asm__ volatile("fxsaveq (%0)" : : "r"(area) : "memory");
	if (pku_enabled)
		*(u32 *)((u8 *)area + PKRU_OFF) = rdpkru();
}

void arch_fpu_restore(const void *area)
{
	__asm__ volatile("fxrstorq (%0)" : : "r"(area) : "memory");
	if (pku_enabled)
		pkru_load(*(const u32 *)((const u8 *)area + PKRU_OFF));
}

u64 arch_elf_hwcap(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return d;
}
