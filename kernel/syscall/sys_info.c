/*
 * Identity and limits: uname, sysinfo, the uid/gid family (everyone is root until
 * there are users), umask, getrandom. (Limits are in sys_limits.c,
 * affinity in sys_sched.c, set_robust_list in sys_futex.c.)
 */
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/random.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <alloy/process.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <asm/elf.h>
#include <uapi/misc.h>

#define UTS_LEN 65

/* Programs (glibc among them) gate features on a Linux release number. */
long sys_uname(u64 buf, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	static const char fields[6][UTS_LEN] = {
		"Linux", "alloy", "6.1.0-alloy", "#1 SMP Alloy 0.1", UTS_MACHINE, "(none)",
	};

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	return copy_to_user((void *)buf, fields, sizeof(fields));
}

/* struct sysinfo of x86-64 Linux */
struct linux_sysinfo {
	s64 uptime;
	u64 loads[3];
	u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	u16 procs, pad;
	u32 pad2;
	u64 totalhigh, freehigh;
	u32 mem_unit;
	char reserved[4];
};

/* free and uptime (busybox) read this; the same numbers as /proc/meminfo.
 * bufferram is Linux's "Buffers:", which we do not have apart from the
 * page cache, and the page cache is "Cached:": free adds both, so
 * reporting the cache here as well would count it twice. */
long sys_sysinfo(u64 buf, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct linux_sysinfo si;
	struct proc_counts pc;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	proc_counts(&pc);
	memset(&si, 0, sizeof(si));
	si.uptime = (s64)(ktime_ns() / 1000000000ULL);
	si.totalram = page_alloc_total_count() * PAGE_SIZE;
	si.freeram = page_alloc_free_count() * PAGE_SIZE;
	si.procs = (u16)MIN(pc.total, 0xffff);
	si.mem_unit = 1;
	return copy_to_user((void *)buf, &si, sizeof(si)) ? -EFAULT : 0;
}

long sys_umask(u64 mask, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct process *p = current_proc();
	long old = p->umask;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	p->umask = (u32)(mask & 0777);
	return old;
}

long sys_getrandom(u64 buf, u64 len, u64 flags, u64 a3, u64 a4, u64 a5)
{
	u8 chunk[256];
	u64 done = 0;

	(void)a3; (void)a4; (void)a5;
	if (flags & ~(u64)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	len = MIN(len, (u64)0x1ffffff);	/* Linux's per-call cap */
	while (done < len) {
		size_t n = (size_t)MIN(len - done, (u64)sizeof(chunk));
		get_random_bytes(chunk, n);
		if (copy_to_user((void *)(buf + done), chunk, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}

long sys_time(u64 tloc, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	s64 now = (s64)(wall_clock_ns() / 1000000000ULL);

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	if (tloc && copy_to_user((void *)tloc, &now, sizeof(now)))
		return -EFAULT;
	return now;
}


/* prctl: the process name only; other options are -EINVAL. */
long sys_prctl(u64 option, u64 arg, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct process *p = current_proc();
	char name[16];

	(void)a2; (void)a3; (void)a4; (void)a5;
	switch (option) {
	case PR_SET_NAME:
		if (strncpy_from_user(name, (const char *)arg, sizeof(name)) == -EFAULT)
			return -EFAULT;
		name[15] = '\0';
		strlcpy(p->comm, name, sizeof(p->comm));
		return 0;
	case PR_GET_NAME:
		return copy_to_user((void *)arg, p->comm, sizeof(p->comm));
	default:
		return -EINVAL;
	}
}
