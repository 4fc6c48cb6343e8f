/*
 * The sampling profiler (<alloy/profile.h>; docs/profiling.md).
 *
 * While it runs, each CPU's timer interrupt takes a sample every period:
 * idle, user (counted per program name and, inside the program's own
 * image or the vDSO, per instruction as an address of that ELF file,
 * which a report can symbolize) or kernel (the interrupted
 * instruction and up to PROF_DEPTH-1 return addresses from the frame
 * pointers, counted per distinct chain). Each CPU counts into a table of
 * its own that only its own interrupt handler writes, so sampling takes
 * no lock; a table that fills counts the rest as dropped. Memory is the
 * tables, allocated at the first start and kept: bounded whatever runs.
 *
 * Control: /proc/sys/kernel/profile (root). Writing N (1..10000) clears
 * the counts and samples N times a second; 0 stops. Reading (stopped)
 * gives the counts as text; scripts/profile.py symbolizes and reports.
 */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/errno.h>
#include <alloy/kstack.h>
#include <alloy/mm.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/profile.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/task.h>
#include <alloy/user.h>
#include <asm/irqflags.h>
#include <asm/trap.h>

#define PROF_DEPTH 16
#define PROF_SLOTS 2048			/* per CPU, a power of two */
#define PROF_PROBES 32
#define PROF_TABLE_ORDER 7		/* 2048 * 168 B in 2^7 pages */
#define PROF_HZ_MAX 10000

enum { K_KERNEL = 1, K_USER = 2, K_VDSO = 3 };

struct prof_entry {
	u64 hits;
	u8 kind, depth;
	char comm[16];
	u64 pc[PROF_DEPTH];
};

struct prof_cpu {
	struct prof_entry *tab;
	u64 user, kernel, idle, dropped;
	int in_sample;			/* its handler is writing */
};

static struct prof_cpu pcpu[MAX_CPUS];
static u64 period_ns;			/* 0: off */
static long hz_running;
void timer_profile_changed(void);

_Static_assert(sizeof(struct prof_entry) * PROF_SLOTS <= (4096UL << PROF_TABLE_ORDER),
	       "profile table size");

u64 profile_period_ns(void)
{
	return READ_ONCE(period_ns);
}

static u64 hash_key(u8 kind, const char *comm, const u64 *pc, int depth)
{
	u64 h = 0xcbf29ce484222325ULL ^ kind;

	if (kind != K_KERNEL)
		for (int i = 0; i < 16 && comm[i]; i++)
			h = (h ^ (u8)comm[i]) * 0x100000001b3ULL;
	for (int i = 0; i < depth; i++)
		h = (h ^ pc[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static bool same_key(const struct prof_entry *e, u8 kind, const char *comm, const u64 *pc,
		     int depth)
{
	if (e->kind != kind || e->depth != depth)
		return false;
	if (kind != K_KERNEL && strncmp(e->comm, comm, 16))
		return false;
	for (int i = 0; i < depth; i++)
		if (e->pc[i] != pc[i])
			return false;
	return true;
}

static void count(struct prof_cpu *p, u8 kind, const char *comm, const u64 *pc, int depth)
{
	u64 h = hash_key(kind, comm, pc, depth);

	for (int i = 0; i < PROF_PROBES; i++) {
		struct prof_entry *e = &p->tab[(h + i) & (PROF_SLOTS - 1)];

		if (!e->hits) {
			e->kind = kind;
			e->depth = (u8)depth;
			memcpy(e->comm, comm, 16);
			memcpy(e->pc, pc, sizeof(u64) * depth);
			e->hits = 1;
			return;
		}
		if (same_key(e, kind, comm, pc, depth)) {
			e->hits++;
			return;
		}
	}
	p->dropped++;
}

void profile_sample(const struct trap_frame *tf)
{
	struct cpu *c = this_cpu();
	struct prof_cpu *p = &pcpu[c->id];
	struct task *t = c->curr;
	u64 pc[PROF_DEPTH] = { 0 };
	char comm[16] = { 0 };

	if (!p->tab)
		return;
	WRITE_ONCE(p->in_sample, 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!READ_ONCE(period_ns)) {		/* stopped meanwhile: the reader owns it */
		WRITE_ONCE(p->in_sample, 0);
		return;
	}
	if (t == c->idle) {
		p->idle++;
	} else if (frame_from_user(tf)) {
		/* the task's own mm: exec swaps it only in the task's context,
		 * which this interrupt has stopped on this CPU */
		const struct user_mm *mm = t->mm;
		int n = 0;

		p->user++;
		if (t->proc)
			memcpy(comm, t->proc->comm, sizeof(comm) - 1);
		arch_stack_sample(tf, 0, 0, pc, 1);
		if (mm && pc[0] >= mm->exe_start && pc[0] < mm->exe_end) {
			pc[0] -= mm->exe_bias;
			n = 1;
		} else if (mm && pc[0] >= mm->vdso_start && pc[0] < mm->vdso_end) {
			pc[0] -= mm->vdso_start;	/* it is linked at 0 */
			count(p, K_VDSO, comm, pc, 1);
			goto out;
		}
		count(p, K_USER, comm, pc, n);	/* n 0: elsewhere (libraries, JIT) */
	} else {
		u64 top = c->kstack_top;
		int n = top ? arch_stack_sample(tf, top - KSTACK_SIZE, top, pc, PROF_DEPTH)
			    : arch_stack_sample(tf, 0, 0, pc, 1);

		p->kernel++;
		memcpy(comm, t->proc ? t->proc->comm : t->name, sizeof(comm) - 1);
		count(p, K_KERNEL, comm, pc, n);
	}
out:
	__atomic_store_n(&p->in_sample, 0, __ATOMIC_RELEASE);
}

/* Waits until no CPU is inside profile_sample (period_ns is 0). */
static void wait_samplers(void)
{
	for (unsigned int i = 0; i < nr_cpus; i++)
		while (__atomic_load_n(&pcpu[i].in_sample, __ATOMIC_ACQUIRE))
			arch_cpu_relax();
}

static int start(long hz)
{
	for (unsigned int i = 0; i < nr_cpus; i++) {
		struct prof_cpu *p = &pcpu[i];

		if (!p->tab) {
			struct page *pg = alloc_pages(GFP_ZERO, PROF_TABLE_ORDER);
			if (!pg)
				return -ENOMEM;
			p->tab = page_to_virt(pg);
		} else {
			memset(p->tab, 0, sizeof(struct prof_entry) * PROF_SLOTS);
		}
		p->user = p->kernel = p->idle = p->dropped = 0;
	}
	hz_running = hz;
	__atomic_store_n(&period_ns, 1000000000ULL / (u64)hz, __ATOMIC_SEQ_CST);
	timer_profile_changed();
	for (unsigned int i = 0; i < nr_cpus; i++)
		if (i != this_cpu()->id)
			arch_send_reschedule(i);
	return 0;
}

static int profile_store(const char *buf, size_t len)
{
	long hz;
	int rc = sysctl_parse_long(buf, len, &hz);

	if (rc)
		return rc;
	if (hz < 0 || hz > PROF_HZ_MAX)
		return -EINVAL;
	if (!hz) {
		__atomic_store_n(&period_ns, 0, __ATOMIC_SEQ_CST);
		wait_samplers();
		return 0;
	}
	if (READ_ONCE(period_ns))
		return -EBUSY;		/* stop it first */
	return start(hz);
}

static int profile_show(struct pbuf *b)
{
	if (READ_ONCE(period_ns))
		return -EBUSY;		/* the counts move while it runs */
	pbuf_printf(b, "# alloy profile: hz %ld cpus %u depth %d\n", hz_running, nr_cpus,
		    PROF_DEPTH);
	for (unsigned int i = 0; i < nr_cpus; i++)
		pbuf_printf(b, "cpu %u user %llu kernel %llu idle %llu dropped %llu\n", i,
			    pcpu[i].user, pcpu[i].kernel, pcpu[i].idle, pcpu[i].dropped);
	for (unsigned int i = 0; i < nr_cpus; i++) {
		const struct prof_entry *tab = pcpu[i].tab;

		for (int k = 0; tab && k < PROF_SLOTS; k++) {
			const struct prof_entry *e = &tab[k];

			if (!e->hits)
				continue;
			/* a program names itself (PR_SET_NAME, its file): a
			 * space or a newline in the name would split the
			 * line or forge one, so the name is printed with
			 * '_' for anything that is not a visible character */
			char comm[sizeof(e->comm)];
			size_t c = 0;
			for (; c + 1 < sizeof(comm) && e->comm[c]; c++)
				comm[c] = e->comm[c] > ' ' && e->comm[c] < 0x7f ? e->comm[c] : '_';
			comm[c] = 0;
			/* a frame a call: a whole chain is longer than one
			 * pbuf_printf may format */
			pbuf_printf(b, "%c %u %llu %s", "?kuv"[e->kind], i, e->hits,
				    comm[0] ? comm : "-");
			for (int d = 0; d < e->depth; d++)
				pbuf_printf(b, " %llx", e->pc[d]);
			pbuf_printf(b, "\n");
		}
	}
	return 0;
}

SYSCTL(profile, "kernel/profile", 0600, profile_show, profile_store);
