/*
 * seccomp (kernel/sched/seccomp.c): strict mode and classic-BPF filters,
 * per thread. A filtered thread's every syscall runs its filters first
 * (the arch's syscall entry builds the seccomp_data); an unfiltered
 * thread pays one test of seccomp_mode.
 */
#ifndef ALLOY_SECCOMP_H
#define ALLOY_SECCOMP_H

#include <alloy/types.h>

#define SECCOMP_MODE_DISABLED 0
#define SECCOMP_MODE_STRICT 1
#define SECCOMP_MODE_FILTER 2

/* Linux's struct seccomp_data: what a filter reads */
struct seccomp_data {
	s32 nr;
	u32 arch;		/* AUDIT_ARCH_* */
	u64 instruction_pointer;
	u64 args[6];
};

struct task;

/* seccomp(2)'s and prctl(PR_SET_SECCOMP)'s parts */
long seccomp_set_strict(void);
long seccomp_set_filter(u32 flags, u64 uprog);
long seccomp_action_avail(u64 uaction);
/* A new thread or process gets its creator's mode and filters. */
void seccomp_inherit(struct task *t, const struct task *parent);
/* Caller holds the process's sig_lock while it lists t, a new thread
 * that creator (current) made: t gets creator's chain as it is now, so
 * a sibling's TSYNC since seccomp_inherit is not missed. */
void seccomp_thread_attach_locked(struct task *t, const struct task *creator);
/* The task is freed: its hold on its filters goes. */
void seccomp_task_free(struct task *t);
/* A filtered thread's syscall (current): true if it is to run; false if
 * not, with *ret its return value (the caller sets *ret to what rax was
 * on entry, which a SIGSYS trap leaves for the handler to see). Does not
 * return when the filters kill. */
bool seccomp_syscall(const struct seccomp_data *sd, long *ret);

#endif
