/*
 * BSD process accounting (acct(2)): while a file is set, every process
 * that ends appends one 64-byte record to it, Linux's struct acct_v3
 * (CONFIG_BSD_PROCESS_ACCT_V3): flags, exit status, ids, start time,
 * elapsed, user and system time (in AHZ = 100 ticks a second), command.
 *
 * The file is held by reference in acct_file [acct_lock, a leaf]; a
 * process that ends takes its own reference and writes after the lock
 * is dropped, so acct(NULL) or a new file never waits for a write and a
 * write never uses a file that went (O_APPEND: records never interleave).
 * Not built: ac_tty, ac_mem, ac_io, ac_minflt/majflt (0), the ASU flag,
 * and Linux's pause while the filesystem is nearly full.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/process.h>
#include <alloy/lockrank.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/vfs.h>
#include <uapi/fcntl.h>

#define AHZ 100
#define AFORK 0x01
#define ACORE 0x08
#define AXSIG 0x10
#define ACCT_VERSION 3

struct acct_v3 {
	u8 flag, version;
	u16 tty;
	u32 exitcode, uid, gid, pid, ppid, btime;
	u32 etime;		/* an IEEE float */
	u16 utime, stime, mem, io, rw, minflt, majflt, swaps;	/* comp_t */
	char comm[16];
};
_Static_assert(sizeof(struct acct_v3) == 64, "struct acct_v3 layout");

static spinlock_t acct_lock = SPINLOCK_INIT("acct", LR_ACCT);
static struct file *acct_file;	/* [acct_lock] a reference, or NULL */

int acct_switch(const char *path)
{
	struct file *f = NULL;

	if (path) {
		struct path cwd;
		proc_cwd(&cwd);
		int rc = vfs_open(&cwd, path, O_WRONLY | O_APPEND | O_LARGEFILE, 0, &f);
		path_put(&cwd);
		if (rc)
			return rc;
		if (!S_ISREG(f->inode->mode)) {
			file_put(f);
			return -EACCES;
		}
	}
	unsigned long flags = spin_lock_irqsave(&acct_lock);
	struct file *old = acct_file;
	acct_file = f;
	spin_unlock_irqrestore(&acct_lock, flags);
	if (old)
		file_put(old);
	return 0;
}

/* comp_t: a 13-bit mantissa and a 3-bit base-8 exponent, rounded */
static u16 comp_t_of(u64 v)
{
	u32 exp = 0;

	while (v > 0x1fff) {
		u64 round = (v >> 2) & 1;	/* the highest bit shifted out */
		v = (v >> 3) + round;
		exp++;
	}
	if (exp > 7)
		return 0xffff;
	return (u16)((exp << 13) | v);
}

/* an IEEE single-precision float of v (truncated), as bits */
static u32 float_of(u64 v)
{
	if (!v)
		return 0;
	int e = 63 - __builtin_clzll(v);
	u64 m = e > 23 ? v >> (e - 23) : v << (23 - e);
	return (u32)(((u32)(e + 127) << 23) | (m & 0x7fffff));
}

static u64 ticks_to_ahz(u64 ticks)
{
	return ticks * AHZ / HZ;
}

void acct_process(int wait_status)
{
	struct process *p = current_proc();
	unsigned long flags = spin_lock_irqsave(&acct_lock);
	struct file *f = acct_file ? file_get(acct_file) : NULL;
	spin_unlock_irqrestore(&acct_lock, flags);

	if (!f)
		return;
	struct acct_v3 a;
	u64 ut, st, now = ktime_ns(), start = p->start_ns;
	memset(&a, 0, sizeof(a));
	proc_cpu_times(p, &ut, &st);
	a.version = ACCT_VERSION;
	a.flag = (READ_ONCE(p->acct_fork) ? AFORK : 0) | (wait_status & 0x80 ? ACORE : 0) |
		 (wait_status & 0x7f ? AXSIG : 0);
	a.exitcode = (u32)wait_status;
	a.uid = READ_ONCE(p->uid[0]);
	a.gid = READ_ONCE(p->gid[0]);
	a.pid = (u32)p->pid;
	a.ppid = (u32)proc_getppid();	/* p is current's */
	a.btime = (u32)((wall_clock_ns() - (now - start)) / 1000000000ULL);
	a.etime = float_of((now - start) / (1000000000ULL / AHZ));
	a.utime = comp_t_of(ticks_to_ahz(ut));
	a.stime = comp_t_of(ticks_to_ahz(st));
	memcpy(a.comm, p->comm, sizeof(a.comm));
	a.comm[sizeof(a.comm) - 1] = '\0';
	file_write(f, (struct iobuf){ .addr = (u64)&a, .kernel = true }, sizeof(a));
	file_put(f);
}
