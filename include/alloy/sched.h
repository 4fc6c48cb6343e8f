/*
 * Tasks and the scheduler: the interface the rest of the kernel uses.
 *
 * Tasks are refcounted: task_create_on() returns a task with one reference
 * held for the caller (drop it with task_put() when done, e.g. after
 * task_join()). Run queues are per CPU; idle CPUs steal work.
 */
#ifndef ALLOY_SCHED_H
#define ALLOY_SCHED_H

#include <alloy/compiler.h>
#include <alloy/types.h>

struct task;

#define CPU_ANY (-1)

/*
 * A runnable task that starts in the kernel at fn(arg); NULL on
 * out-of-memory. `cpu` pins it. A kernel thread stays in the kernel; a
 * user task's fn enters user mode (kernel/sched/user.c).
 */
struct task *task_create_on(int cpu, void (*fn)(void *), void *arg, const char *name);
/* The same, not yet runnable: task_start() makes it so (after its
 * creator has set it up), task_discard() frees one that never ran. */
struct task *task_create_paused(int cpu, void (*fn)(void *), void *arg, const char *name);
void task_start(struct task *t);
void task_discard(struct task *t);
static inline struct task *kthread_create_on(int cpu, void (*fn)(void *), void *arg,
					     const char *name)
{
	return task_create_on(cpu, fn, arg, name);
}
static inline struct task *kthread_create(void (*fn)(void *), void *arg,
					  const char *name)
{
	return task_create_on(CPU_ANY, fn, arg, name);
}

/* Wakes t if it sleeps, else interrupts it if it runs on another CPU:
 * either way it soon looks at its signals. */
void task_kick(struct task *t);
void task_get(struct task *t);
void task_put(struct task *t);
/*
 * Sleep until `t` has exited and left its CPU. The caller still holds its
 * reference; once it drops it the task is freed at once.
 */
void task_join(struct task *t);
int task_tid(const struct task *t);
/* The calling process's pid (its thread id for a kernel thread). */
int current_pid(void);
struct task *current_task(void);

__noreturn void kthread_exit(void);
void schedule(void);
/* Every task's state on the console; stacks: where each sleeping task
 * waits (a break on the serial line asks for this). */
void sched_dump_tasks(bool stacks);
void sched_yield(void);
/* Schedules if this CPU was asked to (need_resched): on the way back to
 * user mode, where a syscall that woke a higher-priority task gives way. */
void sched_preempt(void);
void sleep_ns(u64 ns);
static inline void sleep_ms(u64 ms) { sleep_ns(ms * 1000000ULL); }

/* Monotonic time since boot in nanoseconds. */
u64 ktime_ns(void);
/* The caller's sleeps between these wait for a lock or for disk I/O, not
 * for an event a signal could cut short: /proc shows them as 'D'. */
void d_sleep_begin(void);
void d_sleep_end(void);

/* The load average (kernel/sched/loadavg.c): every 5 s, the tasks
 * running, queued (sched_nr_active) or in a 'D' sleep. */
unsigned int sched_nr_active(void);
void loadavg_d_sleepers(int delta);
void loadavg_start(void);
/* The 1, 5 and 15 minute averages, fixed point: 1 << LOADAVG_FSHIFT is
 * a load of 1. */
#define LOADAVG_FSHIFT 11
void loadavg_get(unsigned long out[3]);
/* Wall-clock time (CLOCK_REALTIME) in nanoseconds since the epoch. */
u64 wall_clock_ns(void);

/* CPU numbering: 0..nr_cpus-1, dense. */
extern unsigned int nr_cpus;
unsigned int cpu_id(void);
/* The CPUs that are up, a bit each. */
u64 sched_online_mask(void);
/* t's affinity (bits of online CPUs; pinned: its one CPU). */
u64 sched_get_affinity(struct task *t);
/* Sets t's affinity; -EINVAL if it names no online CPU, -EBUSY if t is
 * a deadline task and it leaves out an online CPU. If t runs or waits on
 * a CPU now outside it, it moves (the caller itself before this
 * returns). */
int sched_set_affinity(struct task *t, u64 mask);

/*
 * Scheduling policies (kernel/sched/sched.c; the sched_* calls in
 * kernel/syscall/sys_sched.c check permissions and values first).
 * sched_set_params: policy (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE,
 * SCHED_FIFO, SCHED_RR) with its rt_priority (1..99 real-time, else 0),
 * nice and SCHED_RESET_ON_FORK, in effect at once. sched_set_nice: the
 * nice value alone. sched_rr_interval_ns: sched_rr_get_interval's answer.
 */
void sched_set_params(struct task *t, int policy, int rt_priority, int nice, bool reset_on_fork);
void sched_set_nice(struct task *t, int nice);
u64 sched_rr_interval_ns(struct task *t);

/*
 * SCHED_DEADLINE (docs/sched.md). sched_dl_params_valid: Linux's
 * __checkparam_dl (period 0: the deadline). sched_set_deadline: makes t
 * a deadline task with these parameters (ns; valid), or changes them:
 * -EBUSY if the root domain's bandwidth would overflow, -EPERM if t may
 * not run on every online CPU. sched_fork_check: -EAGAIN for a fork or
 * clone by a deadline task without SCHED_RESET_ON_FORK.
 */
#define SCHED_FLAG_RECLAIM 0x02
#define SCHED_FLAG_DL_OVERRUN 0x04
bool sched_dl_params_valid(u64 runtime, u64 deadline, u64 period);
int sched_set_deadline(struct task *t, u64 runtime, u64 deadline, u64 period, u32 flags,
		       bool reset_on_fork);
int sched_fork_check(void);

#endif
