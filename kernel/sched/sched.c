/*
 * The scheduler: per-CPU FIFO run queues with round-robin time slices,
 * preemption on the timer tick, and work stealing by CPUs that run dry.
 *
 * Task states and who changes them (all under task->lock):
 *   RUNNING -> BLOCKED   the task itself (prepare_to_wait, sleep)
 *   BLOCKED -> RUNNING   a waker (wake_up_task) or the task (finish_wait)
 *   RUNNING -> DEAD      the task itself (kthread_exit)
 * on_rq says the task is queued or running. schedule() clears it for a
 * task that blocked; a waker that finds on_rq clear re-queues the task,
 * but first waits for on_cpu to drop, i.e. for the old CPU to be off the
 * task's stack. Lock order: task->lock, then a run-queue lock.
 *
 * Affinity: a task runs only on the CPUs of its mask (task->cpus_allowed,
 * or its one pinned CPU). activate() queues it on one of them, steal()
 * takes only what the thief may run, and a task whose mask no longer
 * holds its CPU is handed to an allowed CPU once it is off this one
 * (finish_switch), never queued where it may not run.
 */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/errno.h>
#include <alloy/kstack.h>
#include <alloy/lockrank.h>
#include <alloy/printk.h>
#include <alloy/ptimer.h>
#include <alloy/sched.h>
#include <alloy/task.h>
#include <alloy/timer.h>
#include <alloy/user.h>
#include <asm/irqflags.h>
#include <asm/trap.h>

#define SLICE_TICKS 3		/* 12 ms at HZ=250 */

struct rq {
	spinlock_t lock;
	struct list_head queue;
	unsigned int nr;
} __aligned(64);

static struct rq runqueues[MAX_CPUS];
unsigned int nr_cpus = 1;
/* A task switched away from that must move to another CPU (its mask
 * changed); finish_switch queues it there once it is off this CPU. */
static struct task *migrating[MAX_CPUS];

void timer_interrupt(struct trap_frame *tf);
void task_reap(struct task *t);

unsigned int cpu_id(void)
{
	return this_cpu()->id;
}

struct task *current_task(void)
{
	return current;
}

u64 sched_online_mask(void)
{
	u64 m = 0;

	for (unsigned int i = 0; i < nr_cpus; i++)
		if (READ_ONCE(cpus[i].online))
			m |= 1ULL << i;
	return m;
}

/* The CPUs t may run on now; never empty (the mask is checked when set). */
static u64 allowed_cpus(struct task *t)
{
	if (t->pinned != CPU_ANY)
		return 1ULL << t->pinned;
	u64 online = sched_online_mask();
	u64 m = READ_ONCE(t->cpus_allowed) & online;
	return m ? m : online;
}

static bool may_run_on(struct task *t, unsigned int cpu)
{
	return allowed_cpus(t) >> cpu & 1;
}

static void enqueue(struct rq *rq, struct task *t)
{
	list_add_tail(&t->rq_link, &rq->queue);
	rq->nr++;
}

static void dequeue(struct rq *rq, struct task *t)
{
	list_del_init(&t->rq_link);
	rq->nr--;
}

static struct task *pick_local(struct rq *rq)
{
	struct task *t = list_first_entry_or_null(&rq->queue, struct task, rq_link);
	if (t)
		dequeue(rq, t);
	return t;
}

/* Takes one task another CPU may run from the busiest queue. */
static struct task *steal(unsigned int self)
{
	unsigned int victim = self;
	unsigned int most = 0;

	for (unsigned int i = 0; i < nr_cpus; i++) {
		unsigned int n = READ_ONCE(runqueues[i].nr);
		if (i != self && n > most) {
			most = n;
			victim = i;
		}
	}
	if (victim == self)
		return NULL;
	struct rq *rq = &runqueues[victim];
	struct task *t, *found = NULL;
	spin_lock(&rq->lock);
	list_for_each_entry(t, &rq->queue, rq_link) {
		if (!READ_ONCE(t->on_cpu) && may_run_on(t, self)) {
			dequeue(rq, t);
			found = t;
			break;
		}
	}
	spin_unlock(&rq->lock);
	return found;
}

static bool cpu_is_idle(unsigned int cpu)
{
	return READ_ONCE(cpus[cpu].curr) == cpus[cpu].idle;
}

/* Wakes a CPU that should look at its queue (or steal from `busy`). */
static void kick(unsigned int target)
{
	unsigned int self = this_cpu()->id;

	/* our enqueue must be visible before we read whether target idles;
	 * pairs with the barrier in idle_loop() */
	smp_mb();
	if (!cpu_is_idle(target)) {	/* busy: let an idle CPU steal */
		for (unsigned int i = 0; i < nr_cpus; i++) {
			if (i != target && cpu_is_idle(i) && cpus[i].online) {
				target = i;
				break;
			}
		}
		if (!cpu_is_idle(target))
			return;
	}
	if (target == self)
		this_cpu()->need_resched = true;
	else if (cpus[target].online)
		arch_send_reschedule(target);
}

/* Where t should queue: its last CPU if it may run there, else the
 * allowed CPU with the shortest queue. */
static unsigned int pick_cpu(struct task *t)
{
	u64 m = allowed_cpus(t);
	unsigned int best = (unsigned int)__builtin_ctzll(m);

	if (m >> t->cpu & 1)
		return (unsigned int)t->cpu;
	for (; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(m);
		if (READ_ONCE(runqueues[i].nr) < READ_ONCE(runqueues[best].nr))
			best = i;
	}
	return best;
}

/* Puts a runnable task on a queue; caller holds t->lock. */
static void activate(struct task *t)
{
	unsigned int cpu = pick_cpu(t);
	struct rq *rq = &runqueues[cpu];

	t->on_rq = true;
	spin_lock(&rq->lock);
	t->cpu = (int)cpu;
	enqueue(rq, t);
	spin_unlock(&rq->lock);
	kick(cpu);
}

void sched_add_new(struct task *t)
{
	struct task *parent = current;
	unsigned long flags = spin_lock_irqsave(&t->lock);
	/* a user process forks user processes only: they inherit its
	 * affinity and priority, as Linux's children do */
	if (parent && parent->proc && t->pinned == CPU_ANY) {
		t->cpus_allowed = READ_ONCE(parent->cpus_allowed);
		t->nice = READ_ONCE(parent->nice);
		t->policy = READ_ONCE(parent->policy);
		t->rt_priority = READ_ONCE(parent->rt_priority);
	}
	if (t->pinned == CPU_ANY)
		t->cpu = (int)this_cpu()->id;
	activate(t);
	spin_unlock_irqrestore(&t->lock, flags);
}

bool wake_up_task(struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);

	if (t->state != TASK_BLOCKED) {
		spin_unlock_irqrestore(&t->lock, flags);
		return false;
	}
	t->state = TASK_RUNNING;
	if (!t->on_rq) {
		/* its old CPU may still be switching away from it */
		while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
			arch_cpu_relax();
		activate(t);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return true;
}

void task_kick(struct task *t)
{
	if (wake_up_task(t))
		return;
	/* running, maybe in user mode on another CPU: an interrupt makes it
	 * pass through its return-to-user work (signals) now, not at its
	 * next tick */
	int cpu = READ_ONCE(t->cpu);
	unsigned long irq = arch_irq_save();
	if (READ_ONCE(t->on_cpu) && cpu != (int)this_cpu()->id)
		arch_send_reschedule((unsigned int)cpu);
	arch_irq_restore(irq);
}

u64 sched_get_affinity(struct task *t)
{
	return allowed_cpus(t);
}

/*
 * A queued task is moved to an allowed queue at once; a running one is
 * told to reschedule, and its CPU hands it on from finish_switch. One in
 * between (being stolen, being switched away from) is caught by that
 * CPU's next pick or tick.
 */
int sched_set_affinity(struct task *t, u64 mask)
{
	if (!(mask & sched_online_mask()))
		return -EINVAL;
	if (t->pinned != CPU_ANY)
		return -EINVAL;		/* a pinned kernel thread */
	unsigned long flags = spin_lock_irqsave(&t->lock);
	WRITE_ONCE(t->cpus_allowed, mask);
	unsigned int cpu = (unsigned int)t->cpu;
	if (!may_run_on(t, cpu)) {
		struct rq *rq = &runqueues[cpu];
		bool queued = false;
		spin_lock(&rq->lock);
		if (!list_empty(&t->rq_link) && t->cpu == (int)cpu) {
			dequeue(rq, t);
			queued = true;
		}
		spin_unlock(&rq->lock);
		if (queued)
			activate(t);
		else if (READ_ONCE(t->on_cpu) && cpu == this_cpu()->id)
			this_cpu()->need_resched = true;
		else if (READ_ONCE(t->on_cpu))
			arch_send_reschedule(cpu);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	if (t == current && !may_run_on(t, this_cpu()->id))
		schedule();	/* off this CPU before the caller returns */
	return 0;
}

/* Runs on the new task's stack right after every switch. */
void finish_switch(void)
{
	struct cpu *c = this_cpu();
	struct task *prev = c->switch_from;

	/*
	 * Read the state before giving the task up: once on_cpu is 0 another
	 * CPU may run it, let it die and free it. A dead task never changes
	 * state again, so deciding first is safe.
	 */
	bool dead = READ_ONCE(prev->state) == TASK_DEAD;

	c->switch_from = NULL;
	struct task *move = migrating[c->id];
	migrating[c->id] = NULL;
	__atomic_store_n(&prev->on_cpu, 0, __ATOMIC_RELEASE);
	if (move) {	/* still on_rq and runnable: nobody else queues it */
		spin_lock(&move->lock);
		activate(move);
		spin_unlock(&move->lock);
	}
	if (dead)
		task_reap(prev);
}

static void context_switch(struct cpu *c, struct task *prev, struct task *next)
{
	next->on_cpu = 1;
	next->cpu = (int)c->id;
	next->slice = SLICE_TICKS;
	next->cpus_seen |= 1ULL << c->id;
	c->switch_from = prev;
	c->switches++;
	if (prev == c->idle)
		tick_idle_exit();	/* a task runs: it needs its tick */
	WRITE_ONCE(c->curr, next);
	if (next->kstack_top)
		arch_task_switched_in(next, next->kstack_top);
	/* only user tasks own FPU state: the kernel is built without it */
	if (prev->mm)
		arch_fpu_save(prev->fpu);
	if (next->mm || prev->mm)
		arch_switch_user(next->mm ? &next->mm->vm : NULL, next->fs_base);
	if (next->mm)
		arch_fpu_restore(next->fpu);
	arch_switch(&prev->ctx, &next->ctx);
	finish_switch();
}

/*
 * A preempted task stays queued whatever its state: it may be between
 * prepare_to_wait() and finish_wait() with its condition already true,
 * and nobody would wake it if it were taken off the run queue here.
 */
static void __schedule(bool preempt)
{
	unsigned long flags = arch_irq_save();
	struct cpu *c = this_cpu();
	struct task *prev = c->curr;
	struct rq *rq = &runqueues[c->id];
	bool requeue;

#ifdef CONFIG_LOCKDEP
	if (c->lock_depth)
		panic("schedule() with spinlock '%s' held",
		      c->held[c->lock_depth - 1]->name);
#endif
	c->need_resched = false;
	spin_lock(&prev->lock);
	if (preempt && prev->state != TASK_DEAD) {
		requeue = prev != c->idle;
	} else {
		requeue = prev->state == TASK_RUNNING && prev != c->idle;
		if (prev->state != TASK_RUNNING)
			prev->on_rq = false;
	}
	spin_unlock(&prev->lock);

	if (requeue && !may_run_on(prev, c->id)) {
		requeue = false;	/* its mask changed: queued elsewhere */
		migrating[c->id] = prev;
	}
	spin_lock(&rq->lock);
	if (requeue)
		enqueue(rq, prev);
	struct task *next = pick_local(rq);
	spin_unlock(&rq->lock);
	while (next && next != prev && !may_run_on(next, c->id)) {
		/* queued here before its mask changed: send it on */
		spin_lock(&next->lock);
		activate(next);
		spin_unlock(&next->lock);
		spin_lock(&rq->lock);
		next = pick_local(rq);
		spin_unlock(&rq->lock);
	}
	if (!next)
		next = steal(c->id);
	if (!next)	/* never prev: a waker may be waiting for it to stop */
		next = c->idle;
	if (next != prev)
		context_switch(c, prev, next);
	arch_irq_restore(flags);
}

void schedule(void)
{
	__schedule(false);
}

void sched_yield(void)
{
	__schedule(false);
}

/* The scheduler tick (timer.c calls it, only while a task runs on this
 * CPU): time slices and CPU time sampling. */
void sched_tick(struct trap_frame *tf)
{
	struct cpu *c = this_cpu();
	struct task *t = c->curr;

	c->ticks++;
	if (t == c->idle) {
		c->idle_ticks++;
	} else if (frame_from_user(tf)) {	/* CPU time, sampled like Linux without NO_HZ */
		c->user_ticks++;
		t->utime_ticks++;
		proc_timers_tick(t, true);
	} else {
		c->sys_ticks++;
		t->stime_ticks++;
		proc_timers_tick(t, false);
	}
	if (t == c->idle) {
		if (READ_ONCE(runqueues[c->id].nr))
			c->need_resched = true;
	} else if (--t->slice <= 0 || !may_run_on(t, c->id)) {
		c->need_resched = true;	/* slice over, or its mask moved it */
	}
}

static void resched_ipi(struct trap_frame *tf)
{
	(void)tf;
	this_cpu()->need_resched = true;
}

/* Called at the end of every interrupt: preempt if asked and allowed. */
void sched_irq_exit(struct trap_frame *tf)
{
	struct cpu *c = this_cpu();

	if (c->need_resched && !c->irq_depth && frame_irqs_were_on(tf) &&
	    c->curr && c->idle)
		__schedule(true);
}

static __noreturn void idle_loop(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		arch_irq_disable();
		smp_mb();	/* curr == idle before reading nr; pairs with kick() */
		if (!READ_ONCE(runqueues[c->id].nr) && !c->need_resched) {
			tick_idle_enter();	/* armed for the next timer only */
			arch_idle();	/* sti; hlt: no wakeup is missed */
		}
		arch_irq_enable();
		__schedule(false);
	}
}

void sched_init_cpu_queues(void)
{
	for (int i = 0; i < MAX_CPUS; i++) {
		spin_lock_init(&runqueues[i].lock, "runqueue", LR_RQ);
		list_init(&runqueues[i].queue);
	}
	irq_register(VEC_TIMER, timer_interrupt);
	irq_register(VEC_RESCHED, resched_ipi);
}

__noreturn void sched_ap_start(unsigned int cpu)
{
	struct cpu *c = &cpus[cpu];

	c->curr = c->idle;
	c->idle->on_cpu = 1;
	c->idle->cpus_seen |= 1ULL << cpu;
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	idle_loop();
}

__noreturn void sched_bsp_idle(void)
{
	idle_loop();
}
