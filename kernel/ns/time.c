/*
 * Time namespaces (<alloy/ns.h>, time_namespaces(7)): offsets of
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME (and their _RAW, _COARSE and _ALARM
 * forms) that the processes in one see added to the system's clocks.
 * unshare(CLONE_NEWTIME) makes a namespace for the caller's children
 * (time_for_children); its offsets are written through
 * /proc/<pid>/timens_offsets until the first process enters it (a child
 * is forked into it, or setns), then they are frozen. A process copies
 * its namespace's offsets when it enters (process->time_off), so clock
 * reads take no lock; the vDSO of a process in a namespace other than
 * the initial one asks the kernel (kernel/arch/x86_64/vdso.c).
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/ns.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <uapi/capability.h>
#include <uapi/sched.h>
#include <uapi/time.h>
#include "../fs/procfs.h"

#define NSEC 1000000000LL
#define CLOCK_BOOTTIME_ALARM 9
#define OFF_MAX (((s64)1 << 62) / NSEC)	/* Linux's KTIME_SEC_MAX / 2 */

struct time_ns {
	struct ns_common ns;
	spinlock_t lock;
	s64 off[2];		/* [lock] ns: monotonic, boottime */
	bool frozen;		/* set under lock, never cleared: a process
				 * entered, off is fixed (read without lock) */
};

struct time_ns init_time_ns = {
	.ns = { .refs = { 1 }, .inum = 0xeffffffa, .type = NS_TIME },
	.lock = SPINLOCK_INIT("timens", LR_RANDOM - 1),
	.frozen = true,		/* everyone is in it */
};

static struct time_ns *time_of(struct ns_common *c)
{
	return (struct time_ns *)c;
}

/* A new namespace starts with its creator's children's offsets (Linux). */
static struct ns_common *time_create(struct ns_common *old, struct ns_common *user)
{
	struct time_ns *o = time_of(old), *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return NULL;
	ns_common_init(&n->ns, NS_TIME, user);
	spin_lock_init(&n->lock, "timens", LR_RANDOM - 1);
	unsigned long fl = spin_lock_irqsave(&o->lock);
	memcpy(n->off, o->off, sizeof(n->off));
	spin_unlock_irqrestore(&o->lock, fl);
	return &n->ns;
}

static void time_release(struct ns_common *ns)
{
	kfree(time_of(ns));
}

/* Every fork comes here: a namespace already frozen (the initial one
 * always) has offsets that never change again, read without its lock. */
void timens_enter(struct process *p, struct ns_common *time)
{
	struct time_ns *t = time_of(time);
	s64 mono, boot;

	if (__atomic_load_n(&t->frozen, __ATOMIC_ACQUIRE)) {
		mono = t->off[0];
		boot = t->off[1];
	} else {
		unsigned long fl = spin_lock_irqsave(&t->lock);
		mono = t->off[0];
		boot = t->off[1];
		__atomic_store_n(&t->frozen, true, __ATOMIC_RELEASE);
		spin_unlock_irqrestore(&t->lock, fl);
	}
	WRITE_ONCE(p->time_off[0], mono);
	WRITE_ONCE(p->time_off[1], boot);
}

void timens_freeze(struct ns_common *time)
{
	struct time_ns *t = time_of(time);
	unsigned long fl = spin_lock_irqsave(&t->lock);

	__atomic_store_n(&t->frozen, true, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&t->lock, fl);
}

/* setns: the caller and its children from now on (Linux); a process
 * whose threads would disagree is -EUSERS, as Linux. */
static int time_may_install(struct nsproxy *cur, struct ns_common *ns)
{
	(void)cur;
	(void)ns;
	if (READ_ONCE(current_proc()->nr_threads) > 1)
		return -EUSERS;
	return proc_capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static void time_install(struct nsproxy *nsp, struct ns_common *ns)
{
	ns_put(nsp->ns[NS_TIME]);
	nsp->ns[NS_TIME] = ns;		/* the framework's reference */
	ns_get(ns);
	ns_put(nsp->time_for_children);
	nsp->time_for_children = ns;
}

s64 timens_offset(u64 clock)
{
	struct process *p = current_proc();

	if (!p)
		return 0;
	switch (clock) {
	case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE:
		return READ_ONCE(p->time_off[0]);
	case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
		return READ_ONCE(p->time_off[1]);
	default:
		return 0;
	}
}

/* Linux's text: a line per clock, the name, seconds and nanoseconds. */
int timens_show(struct pbuf *b, struct process *p)
{
	struct ns_common *c = proc_ns(p, NS_TIME, true);
	if (!c)
		return -ESRCH;
	struct time_ns *t = time_of(c);
	unsigned long fl = spin_lock_irqsave(&t->lock);
	s64 off[2] = { t->off[0], t->off[1] };
	spin_unlock_irqrestore(&t->lock, fl);
	ns_put(c);
	static const char *const names[2] = { "monotonic", "boottime" };
	for (int k = 0; k < 2; k++) {
		s64 s = off[k] / NSEC, ns = off[k] % NSEC;
		if (ns < 0) {
			s--;
			ns += NSEC;
		}
		pbuf_printf(b, "%-10s %10lld %9ld\n", names[k], (long long)s, (long)ns);
	}
	return 0;
}

static const char *skip_blank(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* A decimal number (with a sign) at *s; false if none or too large. */
static bool parse_num(const char **s, const char *end, s64 *out)
{
	const char *q = *s;
	bool neg = false;
	s64 v = 0;

	if (q < end && (*q == '-' || *q == '+'))
		neg = *q++ == '-';
	if (q == end || *q < '0' || *q > '9')
		return false;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		if (v > (((s64)1 << 62) - 10) / 10)
			return false;
		v = v * 10 + (*q - '0');
	}
	*out = neg ? -v : v;
	*s = q;
	return true;
}

/*
 * "<clock> <seconds> <nanoseconds>" lines, clock a number or a name, at
 * most one per clock (Linux's two). Checks as Linux: CAP_SYS_TIME
 * (-EPERM), a namespace no process entered yet (-EACCES), a known clock
 * and nanoseconds below a second (-EINVAL), a clock that stays positive
 * and in range (-ERANGE). Either every line is taken or none.
 */
long timens_write(struct process *p, const char *buf, size_t n)
{
	const char *s = buf, *end = buf + n;
	s64 set[2];
	bool have[2] = { false, false };
	int lines = 0;

	while (s < end) {
		s64 clk, sec, nsec;
		s = skip_blank(s, end);
		if (s < end && *s == '\n') {
			s++;
			continue;
		}
		if (lines == 2)
			return -EINVAL;
		if (end - s >= 9 && !memcmp(s, "monotonic", 9)) {
			clk = CLOCK_MONOTONIC;
			s += 9;
		} else if (end - s >= 8 && !memcmp(s, "boottime", 8)) {
			clk = CLOCK_BOOTTIME;
			s += 8;
		} else if (!parse_num(&s, end, &clk)) {
			return -EINVAL;
		}
		s = skip_blank(s, end);
		if (!parse_num(&s, end, &sec))
			return -EINVAL;
		s = skip_blank(s, end);
		if (!parse_num(&s, end, &nsec))
			return -EINVAL;
		s = skip_blank(s, end);
		if (s < end && *s != '\n')
			return -EINVAL;
		if (clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
			return -EINVAL;
		if (nsec < 0 || nsec >= NSEC)
			return -EINVAL;
		if (sec > OFF_MAX || sec < -OFF_MAX)
			return -ERANGE;
		int k = clk == CLOCK_BOOTTIME;
		set[k] = sec * NSEC + nsec;
		have[k] = true;
		lines++;
	}
	if (!proc_capable(CAP_SYS_TIME))
		return -EPERM;
	for (int k = 0; k < 2; k++)	/* the namespace's clock may not go below 0 */
		if (have[k] && set[k] < 0 && (u64)-set[k] > ktime_ns())
			return -ERANGE;
	struct ns_common *c = proc_ns(p, NS_TIME, true);
	if (!c)
		return -ESRCH;
	struct time_ns *t = time_of(c);
	long rc = 0;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	if (t->frozen) {
		rc = -EACCES;
	} else {
		for (int k = 0; k < 2; k++)
			if (have[k])
				t->off[k] = set[k];
	}
	spin_unlock_irqrestore(&t->lock, fl);
	ns_put(c);
	return rc ? rc : (long)n;
}

const struct ns_kind time_ns_kind = { .name = "time", .clone_flag = CLONE_NEWTIME,
				      .create = time_create, .release = time_release,
				      .may_install = time_may_install, .install = time_install };
