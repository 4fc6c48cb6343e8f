/*
 * Identity and limits: uname, sysinfo, the uid/gid family (everyone is root until
 * there are users), umask, getrandom. (Limits are in sys_limits.c,
 * affinity in sys_sched.c, set_robust_list in sys_futex.c.)
 */
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/ns.h>
#include <alloy/random.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/lockrank.h>
#include <alloy/spinlock.h>
#include <alloy/process.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/tty.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <asm/elf.h>
#include <uapi/capability.h>
#include <uapi/misc.h>
#include <uapi/time.h>
#include "sysfs.h"

#define UTS_VERSION "#1 SMP Alloy 0.1"

/* The host and domain names are the caller's UTS namespace's
 * (kernel/ns/uts.c), as /proc/sys/kernel/{hostname,domainname}. */

/* Programs (glibc among them) gate features on a Linux release number. */
long sys_uname(u64 buf, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	char fields[6][UTS_LEN] = {
		"Linux", "", "6.1.0-alloy", UTS_VERSION, UTS_MACHINE, "",
	};

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	uts_read(fields[1], fields[5]);
	return copy_to_user((void *)buf, fields, sizeof(fields));
}

static int show_uts(struct pbuf *b, int field)
{
	char s[2][UTS_LEN];

	uts_read(s[0], s[1]);
	return pbuf_printf(b, "%s\n", s[field]);
}

/* As Linux's proc_dostring: the text up to a newline, at most 64 bytes. */
static int store_uts(int field, const char *buf, size_t len)
{
	long n = sysctl_string_len(buf, len, UTS_LEN);

	if (n < 0)
		return (int)n;
	uts_write(field, buf, (size_t)n);
	return 0;
}

/* sethostname / setdomainname(name, len): CAP_SYS_ADMIN, at most 64
 * bytes, not NUL-terminated (the rest of the field is cleared). */
static long set_uts(int field, u64 uname, u64 len)
{
	char buf[UTS_LEN] = { 0 };

	if (!proc_capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (len > UTS_LEN - 1)	/* a negative int too */
		return -EINVAL;
	if (copy_from_user(buf, (const void *)uname, len))
		return -EFAULT;
	uts_write(field, buf, (size_t)len);
	return 0;
}

long sys_sethostname(SYSARGS) { return set_uts(0, a0, a1); }
long sys_setdomainname(SYSARGS) { return set_uts(1, a0, a1); }

/*
 * vhangup(): CAP_SYS_TTY_CONFIG; the caller's controlling terminal is hung
 * up (reads 0, writes EIO, SIGHUP to its session). Alloy's hang-up is the
 * terminal's state, not each open file's as on Linux, so a pty stays hung
 * up for every opener after it; the console, never a session's own
 * terminal here, is left alone.
 */
long sys_vhangup(SYSARGS)
{
	if (!proc_capable(CAP_SYS_TTY_CONFIG))
		return -EPERM;
	pty_hangup_session(READ_ONCE(current_proc()->sid));
	return 0;
}

static int show_host(struct pbuf *b) { return show_uts(b, 0); }
static int show_domain(struct pbuf *b) { return show_uts(b, 1); }
static int store_host(const char *buf, size_t len) { return store_uts(0, buf, len); }
static int store_domain(const char *buf, size_t len) { return store_uts(1, buf, len); }
static int show_ostype(struct pbuf *b) { return pbuf_puts(b, "Linux\n"); }
static int show_osrelease(struct pbuf *b) { return pbuf_puts(b, "6.1.0-alloy\n"); }
SYSCTL(hostname, "kernel/hostname", 0644, show_host, store_host);
SYSCTL(domainname, "kernel/domainname", 0644, show_domain, store_domain);
SYSCTL(ostype, "kernel/ostype", 0444, show_ostype, NULL);
SYSCTL(osrelease, "kernel/osrelease", 0444, show_osrelease, NULL);
static int show_version(struct pbuf *b) { return pbuf_puts(b, UTS_VERSION "\n"); }
SYSCTL(version, "kernel/version", 0444, show_version, NULL);
/* core_pattern: kernel/exec/coredump.c */
/* Nothing taints this kernel (LTP's library reads it around its tests) */
static long tainted;
SYSCTL_INT(tainted, "kernel/tainted", 0444, &tainted, 0, 0);

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
	/* the caller's time namespace's CLOCK_BOOTTIME in seconds, rounded up
	 * as Linux (so never below /proc/uptime's whole seconds) */
	s64 boot = (s64)ktime_ns() + timens_offset(CLOCK_BOOTTIME);
	si.uptime = boot / 1000000000LL + (boot % 1000000000LL != 0);
	si.totalram = page_alloc_total_count() * PAGE_SIZE;
	si.freeram = page_alloc_free_count() * PAGE_SIZE;
	si.procs = (u16)MIN(pc.total, 0xffff);
	unsigned long load[3];
	loadavg_get(load);
	for (int i = 0; i < 3; i++)	/* SI_LOAD_SHIFT: 16 bits of fraction */
		si.loads[i] = (u64)load[i] << (16 - LOADAVG_FSHIFT);
	si.mem_unit = 1;
	return copy_to_user((void *)buf, &si, sizeof(si)) ? -EFAULT : 0;
}

long sys_umask(u64 mask, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	return proc_set_umask((u32)(mask & 0777));
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
