/*
 * Per-CPU data. Each CPU's GS base points at its struct cpu, so this_cpu()
 * and current are one instruction and need no lock. Use this_cpu() only
 * with interrupts (and so preemption) disabled, or for the CPU id as a hint.
 */
#ifndef ALLOY_CPU_H
#define ALLOY_CPU_H

#include <alloy/spinlock.h>
#include <alloy/types.h>

#define MAX_CPUS 16
#define LOCKDEP_DEPTH 16

struct task;
struct arch_cpu;

struct cpu {
	struct cpu *self;		/* gs:0, see this_cpu() */
	struct task *curr;		/* gs:8, read through `current` */
	u64 kstack_top;			/* gs:16, TSS.rsp0 mirror */
	u64 scratch;			/* gs:24, syscall entry */
	unsigned int id;		/* dense 0..nr_cpus-1 */
	u32 apic_id;
	bool online;
	bool need_resched;
	int irq_depth;			/* nesting of interrupt handlers */
	int lock_depth;			/* lockdep: spinlocks held */
	spinlock_t *held[LOCKDEP_DEPTH];
	struct task *idle;
	struct task *switch_from;	/* task switched away from, until finished */
	bool lockdep_expect;		/* ktest: record a violation, don't panic */
	const char *lockdep_report[2];	/* names of the last recorded violation */
	u64 ticks;			/* scheduler ticks (only while a task runs) */
	u64 user_ticks, sys_ticks, idle_ticks;	/* sampled by the tick; idle: timer.c */
	u64 switches;			/* context switches */
	struct arch_cpu *arch;
};

extern struct cpu cpus[MAX_CPUS];

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

static inline struct task *get_current(void)
{
	struct task *t;
	__asm__ volatile("movq %%gs:8, %0" : "=r"(t));
	return t;
}
#define current get_current()

#endif
