/*
 * Task lifetime: creation, thread IDs, references, exit and join.
 *
 * A task holds one reference to itself while alive, dropped by the CPU
 * that switches away from it after it died (finish_switch); creators and
 * joiners hold their own. Thread IDs come from a table scanned next-fit
 * from a cursor that wraps, so an ID is never handed out while in use.
 */
#include <alloy/cpu.h>
#include <alloy/kstack.h>
#include <alloy/lockrank.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/seccomp.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>

#define TID_MAX 32768

static spinlock_t tid_lock = SPINLOCK_INIT("tid-table", LR_TASKLIST);
static struct task *tid_table[TID_MAX];
static int tid_next = 1;
static struct kmem_cache *task_cache;

void sched_add_new(struct task *t);
static void task_free(struct task *t);
void finish_switch(void);
extern void task_trampoline(void);

int tid_max(void)
{
	return TID_MAX;
}

void tid_set_next_for_test(int tid)
{
	unsigned long flags = spin_lock_irqsave(&tid_lock);
	tid_next = tid;
	spin_unlock_irqrestore(&tid_lock, flags);
}

static int tid_alloc(struct task *t)
{
	int tid = -1;
	unsigned long flags = spin_lock_irqsave(&tid_lock);

	for (int i = 0; i < TID_MAX - 1; i++) {
		int cand = tid_next;
		tid_next = tid_next + 1 >= TID_MAX ? 1 : tid_next + 1;
		if (!tid_table[cand]) {
			tid_table[cand] = t;
			tid = cand;
			break;
		}
	}
	spin_unlock_irqrestore(&tid_lock, flags);
	return tid;
}

static void tid_free(int tid)
{
	unsigned long flags = spin_lock_irqsave(&tid_lock);
	tid_table[tid] = NULL;
	spin_unlock_irqrestore(&tid_lock, flags);
}

static void task_init_common(struct task *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	strlcpy(t->name, name, sizeof(t->name));
	atomic_set(&t->refcount, 1);
	spin_lock_init(&t->lock, "task", LR_TASK);
	t->state = TASK_RUNNING;
	t->pinned = CPU_ANY;
	list_init(&t->rq_link);
	t->dl_timer.cpu = -1;	/* not armed */
	list_init(&t->ptrace.link);
	list_init(&t->sigq);
	wait_queue_init(&t->exit_wq, "task-exit");
}

static struct task *task_alloc(const char *name)
{
	struct task *t = kmem_cache_alloc(task_cache, 0);
	if (!t)
		return NULL;
	task_init_common(t, name);
	t->kstack_top = kstack_alloc();
	if (!t->kstack_top) {
		kmem_cache_free(task_cache, t);
		return NULL;
	}
	return t;
}

/* First code a new task runs, called from task_trampoline. */
void task_first_run(void *arg, void (*fn)(void *))
{
	finish_switch();
	arch_irq_enable();
	fn(arg);
	kthread_exit();
}

struct task *task_create_paused(int cpu, void (*fn)(void *), void *arg, const char *name)
{
	if (cpu != CPU_ANY && (cpu < 0 || (unsigned int)cpu >= nr_cpus))
		return NULL;
	struct task *t = task_alloc(name);
	if (!t)
		return NULL;
	t->tid = tid_alloc(t);
	if (t->tid < 0) {
		kstack_free(t->kstack_top);
		kmem_cache_free(task_cache, t);
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	t->pinned = cpu;
	if (cpu != CPU_ANY)
		t->cpu = cpu;
	arch_context_init(&t->ctx, t->kstack_top, fn, arg);
	atomic_inc(&t->refcount);	/* the caller's; the first is its own */
	return t;
}

void task_start(struct task *t)
{
	sched_add_new(t);
}

void task_discard(struct task *t)
{
	BUG_ON(atomic_read(&t->refcount) != 2 || t->on_rq);
	tid_free(t->tid);
	seccomp_task_free(t);
	arch_task_io_free(t);
	kstack_free(t->kstack_top);
	kmem_cache_free(task_cache, t);
}

struct task *task_create_on(int cpu, void (*fn)(void *), void *arg, const char *name)
{
	struct task *t = task_create_paused(cpu, fn, arg, name);

	if (t)
		task_start(t);
	return t;
}

struct task *sched_create_idle(unsigned int cpu, void **stack_top)
{
	struct task *t = task_alloc("idle");
	if (!t)
		return NULL;
	t->tid = 0;
	t->cpu = (int)cpu;
	t->pinned = (int)cpu;
	cpus[cpu].idle = t;
	*stack_top = t->kstack_top;
	return t;
}

/*
 * The boot CPU's idle task is the code that is running kmain. Runs once,
 * before any other CPU or task exists.
 */
void sched_init_bsp(void)
{
	static struct task idle0;
	struct cpu *c = this_cpu();

	task_cache = kmem_cache_create("task", sizeof(struct task), 64);
	if (!task_cache)
		panic("sched: cannot create the task cache");
	proc_cache_init();

	task_init_common(&idle0, "idle");
	idle0.on_cpu = 1;
	idle0.on_rq = true;
	idle0.pinned = 0;
	idle0.cpus_seen = 1;
	c->idle = &idle0;
	c->curr = &idle0;
	c->online = true;
}

void task_get(struct task *t)
{
	atomic_inc(&t->refcount);
}

static void task_free(struct task *t)
{
	BUG_ON(t->state != TASK_DEAD || t->on_cpu);
	tid_free(t->tid);
	seccomp_task_free(t);
	arch_task_io_free(t);
	kstack_free(t->kstack_top);
	kmem_cache_free(task_cache, t);
}

void task_put(struct task *t)
{
	if (atomic_dec_and_test(&t->refcount))
		task_free(t);
}

/* Diagnostics for hangs: every task's scheduler state, racy but useful;
 * with stacks, where each task that is switched out sleeps. The tid lock
 * is held throughout, so no task is freed (task_free takes it first) and
 * no stack unmapped while we read it; a task that runs meanwhile just
 * gives a garbled trace (reads stay inside its stack). */
void sched_dump_tasks(bool stacks)
{
	unsigned long fl = spin_lock_irqsave(&tid_lock);

	pr_err("tasks: tid name state on_rq on_cpu cpu pinned\n");
	for (int i = 1; i < TID_MAX; i++) {
		struct task *t = tid_table[i];
		if (!t)
			continue;
		pr_err("  %5d %-15s %d %d %d %d %d\n", t->tid, t->name,
		       t->state, t->on_rq, t->on_cpu, t->cpu, t->pinned);
		u64 top = (u64)(uintptr_t)t->kstack_top;
		if (stacks && top && !READ_ONCE(t->on_cpu) && t->state != TASK_DEAD)
			arch_backtrace_context(&t->ctx, top - KSTACK_SIZE, top);
	}
	for (unsigned int c = 0; c < nr_cpus; c++) {
		struct task *cur = READ_ONCE(cpus[c].curr);
		pr_err("  cpu %u: running %d (%s), %llu ticks, %llu switches\n", c,
		       cur ? cur->tid : -1, cur ? cur->name : "-", cpus[c].ticks,
		       cpus[c].switches);
	}
	spin_unlock_irqrestore(&tid_lock, fl);
}

int task_tid(const struct task *t)
{
	return t->tid;
}

void set_current_state_blocked(void)
{
	struct task *t = current;
	unsigned long flags = spin_lock_irqsave(&t->lock);
	t->state = TASK_BLOCKED;
	spin_unlock_irqrestore(&t->lock, flags);
}

void d_sleep_begin(void)
{
	if (!current->d_sleep)
		loadavg_d_sleepers(1);
	WRITE_ONCE(current->d_sleep, true);
}

void d_sleep_end(void)
{
	if (current->d_sleep)
		loadavg_d_sleepers(-1);
	WRITE_ONCE(current->d_sleep, false);
}

char task_state_char(struct task *t)
{
	if (READ_ONCE(t->state) != TASK_BLOCKED)
		return 'R';
	return READ_ONCE(t->d_sleep) ? 'D' : 'S';
}

void set_current_state_running(void)
{
	struct task *t = current;
	unsigned long flags = spin_lock_irqsave(&t->lock);
	t->state = TASK_RUNNING;
	spin_unlock_irqrestore(&t->lock, flags);
}

void kthread_exit(void)
{
	struct task *t = current;

	arch_irq_disable();
	spin_lock(&t->lock);
	t->state = TASK_DEAD;
	spin_unlock(&t->lock);
	schedule();
	panic("dead task %d (%s) was scheduled again", t->tid, t->name);
}

/*
 * Called by the CPU that switched away from a dead task, once nothing runs
 * on its stack: joiners are told only now, so that when task_join()
 * returns the task's own reference is gone too and the joiner's
 * task_put() frees it on the spot.
 */
void task_reap(struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&t->exit_wq.lock);

	t->exited = true;
	wake_up_all_locked(&t->exit_wq);
	/* under the lock: a joiner's finish_wait() cannot return before it */
	bool last = atomic_dec_and_test(&t->refcount);
	spin_unlock_irqrestore(&t->exit_wq.lock, flags);
	if (last)
		task_free(t);
}

void task_join(struct task *t)
{
	wait_event(t->exit_wq, READ_ONCE(t->exited));
}
