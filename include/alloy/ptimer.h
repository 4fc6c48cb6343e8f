/*
 * A process's timers (kernel/sched/itimer.c, posix_timer.c, docs/time.md):
 * alarm/setitimer's three interval timers and the POSIX timers
 * (timer_create). Their state hangs off struct process (p->timers, made
 * on first use, never inherited by fork) and is guarded by p->sig_lock,
 * so a timer's signal, its overrun and its next arming change as one.
 *
 * Timers on the monotonic clocks run on the kernel's one-shot timers
 * (<alloy/timer.h>) and fire in interrupt context; a periodic one is
 * re-armed when its signal is taken (as Linux), so expiries while it is
 * pending become its overrun, and a timer at 1 ns costs no more than
 * the signals its process takes. The CPU-time timers (ITIMER_VIRTUAL,
 * ITIMER_PROF, the CPUTIME clocks) are charged by the scheduler tick.
 */
#ifndef ALLOY_PTIMER_H
#define ALLOY_PTIMER_H

#include <alloy/types.h>

struct process;
struct task;
struct ksiginfo;

/* The scheduler tick, interrupts off, t running: charge t's CPU timers
 * with a tick of user (or system) time. */
void proc_timers_tick(struct task *t, bool user);
/* Caller holds p->sig_lock: signal sig (si) has just been taken out of
 * a pending set; fills a timer signal's si_overrun and re-arms. */
void proc_timers_taken_locked(struct process *p, int sig, struct ksiginfo *si);
/* Caller holds p->sig_lock: sig's handler changed; periodic timers
 * parked while it was ignored go on. */
void proc_timers_sigaction_locked(struct process *p, int sig);
/* Caller holds p->sig_lock: the signals in mask were taken out of every
 * pending set unseen; timers waiting on them go on. */
void proc_timers_discarded_locked(struct process *p, u64 mask);
/* execve: the POSIX timers go, the interval timers stay. */
void proc_timers_exec(struct process *p);
/* The last thread has gone: every timer stops, callbacks in flight
 * finish before this returns. */
void proc_timers_exit(struct process *p);
/* The process is freed. */
void proc_timers_free(struct process *p);

/* CPU time in ns, as the tick samples it (kernel/sched/itimer.c). */
u64 proc_cpu_ns(struct process *p);
u64 task_cpu_ns(struct task *t);

#endif
