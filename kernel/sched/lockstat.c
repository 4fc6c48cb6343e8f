/*
 * Lock statistics (CONFIG_LOCKDEP, on in debug builds): per lock class,
 * acquisitions, contentions and time spent waiting, for /proc/lock_stat.
 *
 * A class is a lock's name pointer and kind; locks made by one init call
 * share the pointer, and classes whose names read the same are summed
 * when shown. The class table is filled lock-free (a slot's key is set
 * once by compare-and-swap and never changes); the counters are per CPU
 * and written only by their CPU with interrupts off or by the task running
 * on it (a mutex acquisition), so they need no atomics: a reader may see
 * one CPU's counters mid-update, which only blurs a statistic. Classes
 * past the table's size are counted under "(other)". Release builds
 * (DEBUG=0) keep none: the file says so.
 */
#include <alloy/cpu.h>
#include <alloy/errno.h>
#include <alloy/lockstat.h>
#include <alloy/printf.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/sched.h>
#include "../fs/procfs.h"

#ifdef CONFIG_LOCKDEP

#define LS_CLASSES 512		/* a power of two; the kernel has about 200 names */

/* A class's key: the name's 48-bit address with the kind above it, so one
 * compare-and-swap claims a slot; 0 is a free slot (every lock is named). */
static u64 keys[LS_CLASSES];

struct ls_count {
	u64 acquired, contended, wait_ns, wait_max_ns;
};

static struct ls_count counts[MAX_CPUS][LS_CLASSES + 1];	/* last: (other) */
static const char *const kind_names[LS_NKINDS] = { "spin", "mutex", "rwsem-r", "rwsem-w" };

static u64 key_of(const char *name, int kind)
{
	return ((u64)(unsigned long)name & 0xffffffffffffULL) | (u64)kind << 48;
}

static const char *key_name(u64 key)
{
	return (const char *)(unsigned long)((s64)(key << 16) >> 16);	/* sign-extend bit 47 */
}

static int key_kind(u64 key)
{
	return (int)(key >> 48);
}

/* The slot of (name, kind), claimed if new; LS_CLASSES when the table is full. */
static unsigned int class_of(const char *name, int kind)
{
	u64 key = key_of(name, kind);
	unsigned int i = (unsigned int)((key * 0x9e3779b97f4a7c15ULL) >> 55) & (LS_CLASSES - 1);

	for (unsigned int n = 0; n < LS_CLASSES; n++, i = (i + 1) & (LS_CLASSES - 1)) {
		u64 k = __atomic_load_n(&keys[i], __ATOMIC_RELAXED);
		if (!k && __atomic_compare_exchange_n(&keys[i], &k, key, false,
						      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return i;
		if (k == key)
			return i;
	}
	return LS_CLASSES;
}

void lockstat_note(const char *name, int kind, bool contended, u64 wait_ns)
{
	if (!name)
		return;
	unsigned long flags = arch_irq_save();	/* a task's update stays on its CPU */
	struct ls_count *x = &counts[this_cpu()->id][class_of(name, kind)];
	x->acquired++;
	if (contended) {
		x->contended++;
		x->wait_ns += wait_ns;
		if (wait_ns > x->wait_max_ns)
			x->wait_max_ns = wait_ns;
	}
	arch_irq_restore(flags);
}

static void add(struct lockstat_totals *t, const struct ls_count *x)
{
	t->acquired += x->acquired;
	t->contended += x->contended;
	t->wait_ns += x->wait_ns;
	if (x->wait_max_ns > t->wait_max_ns)
		t->wait_max_ns = x->wait_max_ns;
}

/* Sums every CPU's counters of slot i, and of later slots whose class reads
 * the same (same name text, same kind), marking those in done[]. */
static void sum_class(unsigned int i, struct lockstat_totals *t, u8 *done)
{
	u64 key = __atomic_load_n(&keys[i], __ATOMIC_RELAXED);

	for (unsigned int j = i; j < LS_CLASSES; j++) {
		u64 k = __atomic_load_n(&keys[j], __ATOMIC_RELAXED);
		if (!k || (done && done[j]) || key_kind(k) != key_kind(key) ||
		    (k != key && strcmp(key_name(k), key_name(key))))
			continue;
		if (done)
			done[j] = 1;
		for (unsigned int c = 0; c < MAX_CPUS; c++)
			add(t, &counts[c][j]);
	}
}

void lockstat_get(const char *name, int kind, struct lockstat_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < LS_CLASSES; i++) {
		u64 k = __atomic_load_n(&keys[i], __ATOMIC_RELAXED);
		if (k && key_kind(k) == kind && !strcmp(key_name(k), name)) {
			sum_class(i, t, NULL);
			return;
		}
	}
}

struct ls_row {
	struct lockstat_totals t;
	unsigned int slot;
};

/* Classes by time waited, then by acquisitions; one line each. */
int lockstat_proc_show(struct pbuf *b)
{
	struct ls_row *rows = kmalloc(sizeof(*rows) * (LS_CLASSES + 1), GFP_KERNEL);
	u8 *done = kmalloc(LS_CLASSES, GFP_KERNEL);
	unsigned int n = 0;

	if (!rows || !done) {
		kfree(rows);
		kfree(done);
		return -ENOMEM;
	}
	memset(done, 0, LS_CLASSES);
	for (unsigned int i = 0; i < LS_CLASSES; i++) {
		if (done[i] || !__atomic_load_n(&keys[i], __ATOMIC_RELAXED))
			continue;
		memset(&rows[n].t, 0, sizeof(rows[n].t));
		sum_class(i, &rows[n].t, done);
		rows[n++].slot = i;
	}
	memset(&rows[n].t, 0, sizeof(rows[n].t));
	for (unsigned int c = 0; c < MAX_CPUS; c++)
		add(&rows[n].t, &counts[c][LS_CLASSES]);
	if (rows[n].t.acquired)
		rows[n++].slot = LS_CLASSES;
	for (unsigned int i = 1; i < n; i++) {	/* insertion sort: a few hundred rows */
		struct ls_row r = rows[i];
		unsigned int j = i;
		while (j > 0 && (rows[j - 1].t.wait_ns < r.t.wait_ns ||
				 (rows[j - 1].t.wait_ns == r.t.wait_ns &&
				  rows[j - 1].t.acquired < r.t.acquired))) {
			rows[j] = rows[j - 1];
			j--;
		}
		rows[j] = r;
	}
	pbuf_puts(b, "# class kind acquired contended wait_total_us wait_max_us wait_avg_ns\n");
	for (unsigned int i = 0; i < n; i++) {
		const struct lockstat_totals *t = &rows[i].t;
		u64 k = rows[i].slot < LS_CLASSES ? keys[rows[i].slot] : 0;
		pbuf_printf(b, "%-24s %-7s %12llu %10llu %13llu %11llu %11llu\n",
			    k ? key_name(k) : "(other)", k ? kind_names[key_kind(k)] : "-",
			    (unsigned long long)t->acquired, (unsigned long long)t->contended,
			    (unsigned long long)(t->wait_ns / 1000),
			    (unsigned long long)(t->wait_max_ns / 1000),
			    (unsigned long long)(t->contended ? t->wait_ns / t->contended : 0));
	}
	kfree(rows);
	kfree(done);
	return 0;
}

void spin_lock_contended(spinlock_t *l, u16 ticket)
{
	u64 t0 = ktime_ns();

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		arch_cpu_relax();
	lockstat_note(l->name, LS_SPIN, true, ktime_ns() - t0);
}
#else
void lockstat_get(const char *name, int kind, struct lockstat_totals *t)
{
	(void)name;
	(void)kind;
	memset(t, 0, sizeof(*t));
}

int lockstat_proc_show(struct pbuf *b)
{
	return pbuf_puts(b, "# lock statistics are kept in debug builds (DEBUG=1) only\n");
}
#endif
