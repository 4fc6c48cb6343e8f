/* x86 per-CPU state: descriptor tables and the TSS. */
#ifndef ASM_ARCH_CPU_H
#define ASM_ARCH_CPU_H

#include <alloy/compiler.h>
#include <alloy/types.h>

/* The user selectors are Linux's (data 0x2b, 64-bit code 0x33):
 * debuggers read CS to tell a 64-bit tracee (gdb takes any other value
 * for i386). Entry 3 is unused; entry 4 (Linux's 32-bit code, 0x23) is
 * kept empty (cpu.c: no compatibility mode). */
#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UCODE32 0x20	/* sysret base: user data = +8, code = +16 */
#define GDT_UDATA 0x28
#define GDT_UCODE 0x30
#define GDT_TSS 0x38		/* two entries */
#define GDT_ENTRIES 9

#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_STACK_SIZE 8192

struct tss {
	u32 reserved0;
	u64 rsp0, rsp1, rsp2;
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

/* The I/O permission bitmap right after the TSS (ioperm.c), with the
 * all-ones byte the CPU may read past its end. */
#define IO_BITMAP_BITS 65536
#define IO_BITMAP_BYTES (IO_BITMAP_BITS / 8)
#define IOMAP_VALID 104		/* sizeof(struct tss): the map follows it */
#define IOMAP_INVALID 0xffff	/* past the segment's limit: every port faults */

struct arch_cpu {
	u64 gdt[GDT_ENTRIES] __aligned(16);
	struct tss tss;
	u8 io_map[IO_BITMAP_BYTES + 1];	/* must follow tss */
	u32 io_dirty;			/* io_map bytes past this are 0xff */
	u64 io_gen;			/* the io_perm generation loaded (0: none) */
	u8 ist_stacks[3][IST_STACK_SIZE] __aligned(16);
	bool tsd;		/* CR4.TSD is set: user rdtsc faults */
};

struct cpu;
struct task;
void arch_io_load(struct arch_cpu *a, const struct task *t);	/* ioperm.c */
void cpu_init_this(struct cpu *c, unsigned int id);	/* GDT, TSS, IDT, GS */
void idt_init(void);
void cpu_enable_features(void);	/* NX, SMEP/SMAP, WP, PGE */
u64 cpu_tsc_khz(void);

#endif
