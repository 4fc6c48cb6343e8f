/*
 * The out-of-memory killer. A page fault that finds no page, after the
 * shrinkers (mm_shrink) gave back what they could, ends here: the
 * process holding the most memory is killed with SIGKILL and the faulter
 * waits for that memory, instead of the faulter dying for a shortage
 * someone else made.
 *
 * The score (/proc/<pid>/oom_score) is Linux's without the adjustment:
 * resident pages plus page-table pages, as thousandths of RAM. init (pid 1) is never chosen; kernel threads have no address
 * space and score 0, so they are never chosen either.
 *
 * One shortage, one victim: the victim is remembered (with a reference)
 * until it has given its memory back (it is a zombie: user_exit frees
 * the address space first). Faulters that
 * come meanwhile wait for it rather than choosing another. A victim
 * still there after OOM_STUCK_NS is taken as stuck (asleep where SIGKILL
 * cannot reach it) and the next shortage chooses anew, passing over
 * processes that already have SIGKILL pending. Choosing is one CPU at a
 * time (oom_choosing); the others wait for its choice.
 */
#include <alloy/mm.h>
#include <alloy/lockrank.h>
#include <alloy/oom.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/spinlock.h>
#include <alloy/task.h>
#include <alloy/user.h>

#define OOM_ROUNDS 4			/* victims one fault may wait for */
#define OOM_WAIT_NS (3ULL * 1000000000)	/* for one victim to die */
#define OOM_STUCK_NS (10ULL * 1000000000)
#define OOM_POLL_MS 5
#define OOM_FREE_ENOUGH 16		/* pages: came back meanwhile, try again */
#define OOM_BATCH 16			/* candidates held at once */
#define OOM_MSG_BURST 10		/* console lines per OOM_MSG_NS */
#define OOM_MSG_NS (5ULL * 1000000000)

/* A leaf lock: nothing is taken under it. */
static spinlock_t oom_lock = SPINLOCK_INIT("oom", LR_PROC - 1);
static struct process *oom_victim;	/* [oom_lock] a reference; NULL: none */
static u64 oom_victim_ns;		/* [oom_lock] when it was killed */
static u64 msg_window_ns;		/* [oom_lock] */
static int msg_count, msg_dropped;	/* [oom_lock] */
static atomic_t oom_choosing;		/* 1 while a CPU chooses a victim */

static bool msg_allowed(void)
{
	unsigned long fl = spin_lock_irqsave(&oom_lock);
	u64 now = ktime_ns();
	int dropped = 0;

	if (now - msg_window_ns > OOM_MSG_NS) {
		msg_window_ns = now;
		dropped = msg_dropped;
		msg_count = msg_dropped = 0;
	}
	bool ok = msg_count++ < OOM_MSG_BURST;
	if (!ok)
		msg_dropped++;
	spin_unlock_irqrestore(&oom_lock, fl);
	if (dropped)
		pr_err("oom: %d messages suppressed\n", dropped);
	return ok;
}

int oom_score(struct process *p, u64 *rss_pages)
{
	struct user_mm *mm = proc_mm_get(p);
	u64 total = page_alloc_total_count(), rss = 0, tables = 0;

	if (mm) {
		down_read(&mm->lock);	/* no unmap under the page-table walk */
		rss = user_mm_resident(mm);
		tables = user_mm_tables(mm);
		up_read(&mm->lock);
		user_mm_put(mm);	/* our reference */
	}
	if (rss_pages)
		*rss_pages = rss;
	if (!rss || !total)
		return 0;
	u64 points = rss + tables;
	return (int)MIN(points * 1000 / total, (u64)1000);
}

static bool dying(struct process *p)
{
	return READ_ONCE(p->zombie) || READ_ONCE(p->group_exit);
}

/* Has the victim given its memory back? user_exit frees the address
 * space before the process becomes a zombie (task->mm is NULL earlier,
 * while the pages are still being freed: too early to look again). */
static bool gone(struct process *p)
{
	return READ_ONCE(p->zombie);
}

/* The victim still dying, with a reference; NULL (and forgotten) once it
 * is gone or stuck. */
static struct process *victim_get(void)
{
	unsigned long fl = spin_lock_irqsave(&oom_lock);
	struct process *v = oom_victim, *old = NULL;

	if (v && (gone(v) || ktime_ns() - oom_victim_ns > OOM_STUCK_NS)) {
		old = v;
		oom_victim = v = NULL;
	}
	if (v)
		proc_get(v);
	spin_unlock_irqrestore(&oom_lock, fl);
	proc_put(old);	/* after the lock: may free a task */
	return v;
}

/* The process with the largest score, with a reference; NULL if none
 * (only init, kernel threads and dying processes). Walks the pid table
 * in batches held by reference (proc_lock is a spinlock and scoring
 * sleeps on each address space's mutex). */
static struct process *choose(int *score, u64 *rss)
{
	struct process *batch[OOM_BATCH], *best = NULL;
	int best_score = -1, n;
	u64 best_rss = 0;

	for (int from = 2; (n = proc_get_batch(&from, batch, OOM_BATCH)) > 0;) {
		for (int i = 0; i < n; i++) {
			struct process *p = batch[i];
			u64 r = 0;
			int s = dying(p) ? -1 : oom_score(p, &r);
			if (r && (s > best_score || (s == best_score && r > best_rss))) {
				proc_put(best);
				best = p;
				best_score = s;
				best_rss = r;
			} else {
				proc_put(p);
			}
		}
	}
	*score = best_score;
	*rss = best_rss;
	return best;
}

/* Chooses and kills; the victim with a reference, or NULL. */
static struct process *kill_one(void)
{
	int score;
	u64 rss;
	struct process *v = choose(&score, &rss);

	if (!v)
		return NULL;
	if (msg_allowed())
		pr_err("oom: killed pid %d (%s), score %d, %llu KiB resident\n", v->pid,
		       v->comm, score, (unsigned long long)(rss * (PAGE_SIZE / 1024)));
	struct ksiginfo si = { .signo = SIGKILL, .code = SI_KERNEL };
	signal_send(v, &si);
	proc_get(v);	/* oom_victim's */
	unsigned long fl = spin_lock_irqsave(&oom_lock);
	struct process *old = oom_victim;
	oom_victim = v;
	oom_victim_ns = ktime_ns();
	spin_unlock_irqrestore(&oom_lock, fl);
	proc_put(old);
	return v;
}

/* Sleeps until v is gone, the caller is killed, or the time is up. */
static void wait_gone(struct process *v, struct process *me)
{
	u64 end = ktime_ns() + OOM_WAIT_NS;

	while (!gone(v) && !dying(me) && ktime_ns() < end)
		sleep_ms(OOM_POLL_MS);
}

bool oom_wait_for_memory(int round, u64 addr)
{
	struct task *t = current_task();
	struct process *me = t->proc, *v = NULL;

	if (!me || dying(me))
		return false;	/* already being killed: that is its way out */
	if (round >= OOM_ROUNDS)
		goto give_up;
	for (;;) {
		v = victim_get();
		if (v)
			break;		/* someone else's shortage: wait for it */
		if (atomic_cmpxchg(&oom_choosing, 0, 1)) {
			v = victim_get();
			if (!v && page_alloc_free_count() >= OOM_FREE_ENOUGH) {
				atomic_set(&oom_choosing, 0);	/* a victim just died */
				return true;
			}
			if (!v)
				v = kill_one();
			atomic_set(&oom_choosing, 0);
			if (!v)
				goto give_up;
			break;
		}
		sleep_ms(OOM_POLL_MS);	/* another CPU is choosing */
		if (dying(me))
			return false;
	}
	if (v == me) {
		proc_put(v);
		return false;	/* the largest: it dies, as it must */
	}
	wait_gone(v, me);
	proc_put(v);
	return !dying(me);
give_up:
	if (msg_allowed())
		pr_err("oom: killed pid %d (%s): no memory for a page at %#llx\n", me->pid,
		       t->name, (unsigned long long)addr);
	return false;
}
