/*
 * /proc: the kernel's state as text files, made afresh by every read,
 * which keeps only the part it returns (procfs.h), so an open file pins
 * no memory whatever its size. This file is the filesystem
 * itself and the system-wide files; procfs_pid.c is /proc/<pid>/, and
 * sysfs.c is /sys, the same engine under another root.
 *
 * Processes come and go without telling the VFS, so procfs is mounted
 * SB_NOCACHE: every walk asks procfs_lookup again and a /proc/<pid>
 * dentry lives only as long as somebody holds it (docs/vfs.md). It is
 * read-only: the VFS refuses every change with EROFS before asking us,
 * but for writes to the /proc/sys files (procfs_sys.c).
 */
#include <alloy/arch.h>
#include <alloy/blkdev.h>
#include <alloy/cgroup.h>
#include <alloy/cpu.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/hugetlb.h>
#include <alloy/ipc.h>
#include <alloy/lockstat.h>
#include <alloy/mm.h>
#include <alloy/mnt_ns.h>
#include <alloy/pcache.h>
#include <alloy/printf.h>
#include <alloy/pid.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/vfs.h>
#include <alloy/timer.h>
#include <alloy/cmdline.h>
#include <alloy/socket.h>
#include <alloy/netdev.h>
#include <alloy/ns.h>
#include <alloy/keys.h>
#include <uapi/capability.h>
#include <uapi/time.h>
#include "procfs.h"
#include "mnt_prop.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define PID_COOKIE 1000		/* getdents cookies of pids: above the table's */

static const struct inode_ops proc_iops, proc_ns_iops;
static const struct file_ops proc_dir_fops, proc_file_fops, proc_link_fops, proc_sys_fops,
			     proc_adj_fops, proc_pagemap_fops, proc_mem_fops, proc_timens_fops,
			     proc_kpageflags_fops;

static const struct proc_entry root_entries[] = {
	{ "meminfo", PK_MEMINFO, S_IFREG | 0444 },
	{ "mounts", PK_MOUNTS, S_IFREG | 0444 },
	{ "uptime", PK_UPTIME, S_IFREG | 0444 },
	{ "cpuinfo", PK_CPUINFO, S_IFREG | 0444 },
	{ "stat", PK_STAT, S_IFREG | 0444 },
	{ "filesystems", PK_FILESYSTEMS, S_IFREG | 0444 },
	{ "loadavg", PK_LOADAVG, S_IFREG | 0444 },
	{ "version", PK_VERSION, S_IFREG | 0444 },
	{ "interrupts", PK_INTERRUPTS, S_IFREG | 0444 },
	{ "kmem_peak", PK_KMEM_PEAK, S_IFREG | 0444 },
	{ "slabinfo", PK_SLABINFO, S_IFREG | 0400 },
	{ "lock_stat", PK_LOCK_STAT, S_IFREG | 0444 },
	{ "cmdline", PK_KCMDLINE, S_IFREG | 0444 },
	{ "sys", PK_SYSDIR, S_IFDIR | 0555 },
	{ "self", PK_SELF, S_IFLNK | 0777 },
	{ "thread-self", PK_THREAD_SELF, S_IFLNK | 0777 },
	{ "net", PK_NET, S_IFDIR | 0555 },
	{ "sysvipc", PK_SYSVIPC, S_IFDIR | 0555 },
	{ "keys", PK_KEYS, S_IFREG | 0444 },
	{ "key-users", PK_KEY_USERS, S_IFREG | 0444 },
	{ "kpageflags", PK_KPAGEFLAGS, S_IFREG | 0400 },
	{ "diskstats", PK_DISKSTATS, S_IFREG | 0444 },
	{ "cgroups", PK_CGROUPS, S_IFREG | 0444 },
};

static const struct proc_entry net_entries[] = {
	{ "unix", PK_NET_UNIX, S_IFREG | 0444 },
	{ "tcp", PK_NET_TCP, S_IFREG | 0444 },
	{ "udp", PK_NET_UDP, S_IFREG | 0444 },
	{ "tcp6", PK_NET_TCP6, S_IFREG | 0444 },
	{ "udp6", PK_NET_UDP6, S_IFREG | 0444 },
	{ "dev", PK_NET_DEV, S_IFREG | 0444 },
};

static const struct proc_entry sysvipc_entries[] = {
	{ "msg", PK_SYSVIPC_MSG, S_IFREG | 0444 },
	{ "sem", PK_SYSVIPC_SEM, S_IFREG | 0444 },
	{ "shm", PK_SYSVIPC_SHM, S_IFREG | 0444 },
};

/* ---- the text buffer */

int pbuf_write(struct pbuf *b, const void *data, size_t n)
{
	const u8 *s = data;
	u64 start = b->seen;

	if (b->full)
		return 0;		/* the read has what it asked for */
	b->seen += n;
	if (b->skip_writes) {		/* the window starts after a whole write */
		if (b->writes < b->skip_writes) {
			b->writes++;
			return 0;
		}
	} else if (b->seen <= b->skip) {
		b->writes++;
		return 0;		/* before the window */
	}
	if (!b->skip_writes && start < b->skip) {	/* the previous read took part of it */
		s += b->skip - start;
		n -= (size_t)(b->skip - start);
	} else if (b->len + n > b->cap && b->len) {
		b->full = true;		/* whole writes only: this one is next */
		return 0;
	}
	size_t k = MIN(n, b->cap - b->len);
	memcpy(b->buf + b->len, s, k);
	b->len += k;
	b->writes++;
	b->split = k < n;
	if (b->len == b->cap)
		b->full = true;
	return 0;
}

int pbuf_puts(struct pbuf *b, const char *s)
{
	return pbuf_write(b, s, strlen(s));
}

int pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (b->full)
		return 0;	/* as pbuf_write, without formatting what it drops */
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return pbuf_write(b, line, (size_t)MIN(n, (int)sizeof(line) - 1));
}


u64 proc_clock_t_ns(u64 ns)
{
	return ns / (1000000000ULL / 100);
}

u64 proc_clock_t_ticks(u64 ticks)
{
	return ticks * 100 / HZ;
}

/* ---- the system-wide files */

static void kb_line(struct pbuf *b, const char *name, u64 kb)
{
	pbuf_printf(b, "%-15s %8llu kB\n", name, (unsigned long long)kb);
}

static int show_meminfo(struct pbuf *b)
{
	u64 kb = PAGE_SIZE / 1024, cached, dirty;
	u64 total = page_alloc_total_count(), free = page_alloc_free_count();

	pcache_stats(&cached, &dirty);
	kb_line(b, "MemTotal:", total * kb);
	kb_line(b, "MemFree:", free * kb);
	kb_line(b, "MemAvailable:", (free + cached - MIN(dirty, cached)) * kb);
	kb_line(b, "Buffers:", 0);
	kb_line(b, "Cached:", cached * kb);
	kb_line(b, "SwapCached:", 0);
	kb_line(b, "SwapTotal:", 0);
	kb_line(b, "SwapFree:", 0);
	kb_line(b, "Dirty:", dirty * kb);
	kb_line(b, "Writeback:", 0);
	kb_line(b, "Shmem:", memfs_shmem_pages() * kb);
	kb_line(b, "Slab:", kmem_bytes_in_use() / 1024);
	kb_line(b, "SReclaimable:", 0);
	kb_line(b, "KernelHeap:", kmem_bytes_in_use() / 1024);
	kb_line(b, "KernelHeapPeak:", kmem_high_water() / 1024);
	struct hugetlb_counts h;
	hugetlb_counts(&h);
	pbuf_printf(b, "HugePages_Total: %5llu\nHugePages_Free:  %5llu\n"
		    "HugePages_Rsvd:  %5llu\nHugePages_Surp:  %5llu\n",
		    (unsigned long long)h.total, (unsigned long long)h.free,
		    (unsigned long long)h.resv, (unsigned long long)h.surplus);
	kb_line(b, "Hugepagesize:", HPAGE_SIZE / 1024);
	kb_line(b, "Hugetlb:", h.total * (HPAGE_SIZE / 1024));
	return 0;
}

/* /proc/mounts escapes what would split its fields, as Linux does. */
static void put_escaped(struct pbuf *b, const char *s)
{
	char out[PATH_MAX / 8];
	size_t n = 0;

	for (; *s; s++) {
		if (n + 5 > sizeof(out)) {
			pbuf_write(b, out, n);
			n = 0;
		}
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			n += (size_t)snprintf(out + n, 5, "\\%03o", (unsigned char)*s);
		else
			out[n++] = *s;
	}
	pbuf_write(b, out, n);
}

struct mounts_ctx {
	struct pbuf *b;
	char *path;		/* PATH_MAX */
	char *root;		/* PATH_MAX: mountinfo's root of the mount */
	bool info;		/* mountinfo's lines */
	struct mnt_ns *ns;	/* whose mounts */
	int n;			/* mounts seen so far: their IDs */
	struct mount *seen[64];
};

/* A mount's ID in mountinfo: its place in the mount list (from Linux's
 * first, 21), its parent's the same when listed before it, else its own. */
static int mount_id(struct mounts_ctx *c, struct mount *m)
{
	/* only the first ones are remembered: reading past them would run
	 * off the caller's stack (a namespace may hold many mounts) */
	for (int k = 0; k < c->n && k < (int)ARRAY_SIZE(c->seen); k++)
		if (c->seen[k] == m)
			return 21 + k;
	return 21 + c->n;
}

/* A mount's options: the filesystem's ro/rw, then the mount's own. */
static void put_mount_opts(struct pbuf *b, const struct super_block *sb, const struct mount *m)
{
	u32 f = READ_ONCE(m->flags);

	pbuf_puts(b, (sb->flags & SB_RDONLY) || (f & MNT_RDONLY) ? "ro" : "rw");
	if ((sb->flags & SB_NOSUID) || (f & MNT_NOSUID))
		pbuf_puts(b, ",nosuid");
	if (f & MNT_NODEV)
		pbuf_puts(b, ",nodev");
	if (f & MNT_NOEXEC)
		pbuf_puts(b, ",noexec");
	if (f & MNT_NOATIME)
		pbuf_puts(b, ",noatime");
	if (f & MNT_NODIRATIME)
		pbuf_puts(b, ",nodiratime");
	if (f & MNT_RELATIME)
		pbuf_puts(b, ",relatime");
	if (f & MNT_NOSYMFOLLOW)
		pbuf_puts(b, ",nosymfollow");
}

/* Where a mount's root lies in its filesystem ("/" but for a bind mount
 * of a directory or file below the filesystem's root). */
static void put_mount_root(struct pbuf *b, struct mount *m, char *buf)
{
	struct dentry *d = m->root;
	struct super_block *sb = d->sb;
	size_t at = PATH_MAX - 1;

	buf[at] = '\0';
	mutex_lock(&sb->ns_lock);
	for (; d->parent != d && at > NAME_MAX + 1; d = d->parent) {
		at -= d->name_len;
		memcpy(buf + at, d->name, d->name_len);
		buf[--at] = '/';
	}
	mutex_unlock(&sb->ns_lock);
	if (!buf[at])
		buf[--at] = '/';
	put_escaped(b, buf + at);
}

static int show_mount(void *arg, struct mount *m)
{
	struct mounts_ctx *c = arg;
	struct super_block *sb = m->root->sb;
	struct path p = { m, m->root };
	struct blkdev *bd = strcmp(sb->type, "ext2") ? NULL : blkdev_by_dev(sb->dev);

	if (c->b->full)		/* the read's window is made: stop the walk */
		return 1;
	if (READ_ONCE(m->ns) != c->ns)	/* another namespace's or detached */
		return 0;
	if (vfs_path_name(&p, c->path, PATH_MAX) < 0)
		return 0;
	if (c->info) {
		int id = 21 + c->n, parent = m->parent ? mount_id(c, m->parent) : id;
		if (c->n < (int)ARRAY_SIZE(c->seen))
			c->seen[c->n] = m;
		c->n++;
		pbuf_printf(c->b, "%d %d %u:%u ", id, parent, (sb->dev >> 8) & 0xfff,
			    sb->dev & 0xff);
		put_mount_root(c->b, m, c->root);
		pbuf_puts(c->b, " ");
		put_escaped(c->b, c->path);
		pbuf_puts(c->b, " ");
		put_mount_opts(c->b, sb, m);
		/* the optional fields: propagation (ids copied under the mount
		 * lock, read as they are now) */
		u32 group = READ_ONCE(m->group_id), master = READ_ONCE(m->master_id);
		if (group)
			pbuf_printf(c->b, " shared:%u", group);
		if (master) {
			u32 from = prop_dominating(m, c->ns);
			pbuf_printf(c->b, " master:%u", master);
			if (from && from != master)
				pbuf_printf(c->b, " propagate_from:%u", from);
		}
		if (READ_ONCE(m->unbindable))
			pbuf_puts(c->b, " unbindable");
		pbuf_printf(c->b, " - %s ", sb->type);
		if (bd)
			pbuf_printf(c->b, "/dev/%s", bd->name);
		else
			pbuf_puts(c->b, sb->type);
		pbuf_printf(c->b, " %s\n", sb->flags & SB_RDONLY ? "ro" : "rw");
		return 0;
	}
	if (bd)
		pbuf_printf(c->b, "/dev/%s ", bd->name);
	else
		pbuf_printf(c->b, "%s ", sb->type);
	put_escaped(c->b, c->path);
	pbuf_printf(c->b, " %s ", sb->type);
	put_mount_opts(c->b, sb, m);
	pbuf_puts(c->b, " 0 0\n");
	return 0;
}

int proc_show_mounts(struct pbuf *b, bool info, struct mnt_ns *ns)
{
	struct mounts_ctx c = { .b = b, .path = kmalloc(PATH_MAX, GFP_KERNEL), .info = info,
				.root = info ? kmalloc(PATH_MAX, GFP_KERNEL) : NULL,
				.ns = ns ? ns : mnt_ns_current() };

	if (!c.path || (info && !c.root)) {
		kfree(c.path);
		kfree(c.root);
		return -ENOMEM;
	}
	vfs_for_each_mount(show_mount, &c);
	kfree(c.path);
	kfree(c.root);
	return 0;
}

static u64 idle_ticks(void)
{
	u64 n = 0;

	for (unsigned int i = 0; i < nr_cpus; i++)
		n += cpu_idle_ticks(i);
	return n;
}

static int show_uptime(struct pbuf *b)
{
	/* the reader's time namespace's CLOCK_BOOTTIME */
	u64 up = (u64)((s64)ktime_ns() + timens_offset(CLOCK_BOOTTIME)) / 10000000ULL, idle = proc_clock_t_ticks(idle_ticks());

	pbuf_printf(b, "%llu.%02llu %llu.%02llu\n", up / 100, up % 100, idle / 100, idle % 100);
	return 0;
}

static int show_cpuinfo(struct pbuf *b)
{
	struct arch_cpu_desc d;
	char *flags = kmalloc(1024, GFP_KERNEL);

	if (!flags)
		return -ENOMEM;
	arch_cpu_describe(&d);
	arch_cpu_flags(flags, 1024);
	for (unsigned int i = 0; i < nr_cpus; i++) {
		pbuf_printf(b, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\n"
			    "model\t\t: %u\nmodel name\t: %s\nstepping\t: %u\n", i, d.vendor,
			    d.family, d.model, d.model_name, d.stepping);
		pbuf_printf(b, "cpu MHz\t\t: %llu.%03llu\ncache size\t: %u KB\n"
			    "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n"
			    "apicid\t\t: %u\nfpu\t\t: yes\nfpu_exception\t: yes\nwp\t\t: yes\n",
			    (unsigned long long)(d.khz / 1000), (unsigned long long)(d.khz % 1000),
			    d.cache_kb, nr_cpus, i, nr_cpus, cpus[i].apic_id);
		pbuf_puts(b, "flags\t\t: ");
		pbuf_puts(b, flags);
		pbuf_printf(b, "\nbogomips\t: %llu.%02llu\nclflush size\t: 64\n"
			    "cache_alignment\t: 64\naddress sizes\t: 48 bits physical, 48 bits virtual\n"
			    "power management:\n\n", (unsigned long long)(d.khz / 500),
			    (unsigned long long)(d.khz / 5 % 100));
	}
	kfree(flags);
	return 0;
}

static void cpu_line(struct pbuf *b, const char *name, u64 user, u64 sys, u64 idle)
{
	pbuf_printf(b, "%s %llu 0 %llu %llu 0 0 0 0 0 0\n", name,
		    (unsigned long long)proc_clock_t_ticks(user),
		    (unsigned long long)proc_clock_t_ticks(sys),
		    (unsigned long long)proc_clock_t_ticks(idle));
}

static int show_stat(struct pbuf *b)
{
	u64 user = 0, sys = 0, idle = 0, ctxt = 0;
	struct proc_counts pc;
	char name[16];

	for (unsigned int i = 0; i < nr_cpus; i++) {
		user += READ_ONCE(cpus[i].user_ticks);
		sys += READ_ONCE(cpus[i].sys_ticks);
		idle += cpu_idle_ticks(i);
		ctxt += READ_ONCE(cpus[i].switches);
	}
	cpu_line(b, "cpu ", user, sys, idle);
	for (unsigned int i = 0; i < nr_cpus; i++) {
		snprintf(name, sizeof(name), "cpu%u", i);
		cpu_line(b, name, READ_ONCE(cpus[i].user_ticks), READ_ONCE(cpus[i].sys_ticks),
			 cpu_idle_ticks(i));
	}
	proc_counts(&pc);
	u64 btime = (wall_clock_ns() - ktime_ns()) / 1000000000ULL;
	pbuf_printf(b, "intr 0\nctxt %llu\nbtime %llu\nprocesses %llu\nprocs_running %d\n"
		    "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n", (unsigned long long)ctxt,
		    (unsigned long long)btime, (unsigned long long)pc.forks, pc.running);
	return 0;
}

/* Linux's layout; only the local timer row so far. */
static int show_interrupts(struct pbuf *b)
{
	pbuf_puts(b, "    ");
	for (unsigned int i = 0; i < nr_cpus; i++)
		pbuf_printf(b, "       CPU%-3u", i);
	pbuf_puts(b, "\nLOC: ");
	for (unsigned int i = 0; i < nr_cpus; i++)
		pbuf_printf(b, " %13llu", (unsigned long long)timer_irq_count(i));
	return pbuf_puts(b, "   Local timer interrupts\n");
}

static int show_loadavg(struct pbuf *b)
{
	struct proc_counts pc;

	unsigned long load[3], h[3];

	proc_counts(&pc);
	loadavg_get(load);
	for (int i = 0; i < 3; i++) {	/* hundredths, rounded */
		unsigned long a = load[i] + (1UL << LOADAVG_FSHIFT) / 200;
		h[i] = (a >> LOADAVG_FSHIFT) * 100 +
		       ((a & ((1UL << LOADAVG_FSHIFT) - 1)) * 100 >> LOADAVG_FSHIFT);
	}
	pbuf_printf(b, "%lu.%02lu %lu.%02lu %lu.%02lu %d/%d %d\n", h[0] / 100, h[0] % 100,
		    h[1] / 100, h[1] % 100, h[2] / 100, h[2] % 100, pc.running, pc.total,
		    pc.last_pid);
	return 0;
}

/* Linux's slabinfo 2.1 layout, one line per cache (no per-CPU caches:
 * the tunables are 0). Large kmalloc blocks are pages, not a cache. */
static int show_slabinfo(struct pbuf *b)
{
	struct kmem_cache_info ci;

	pbuf_puts(b, "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> "
		     "<objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> "
		     "<sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	for (unsigned int i = 0; kmem_cache_info(i, &ci); i++)
		pbuf_printf(b, "%-17s %6lu %6lu %6lu %4lu %4lu : tunables 0 0 0 : slabdata %6lu %6lu 0\n",
			    ci.name, ci.inuse, ci.slabs * ci.objs_per_slab, (unsigned long)ci.size,
			    ci.objs_per_slab, ci.pages_per_slab, ci.slabs, ci.slabs);
	return 0;
}

static int show_root_file(struct pbuf *b, int kind)
{
	switch (kind) {
	case PK_MEMINFO: return show_meminfo(b);
	case PK_MOUNTS: return proc_show_mounts(b, false, NULL);
	case PK_UPTIME: return show_uptime(b);
	case PK_CPUINFO: return show_cpuinfo(b);
	case PK_STAT: return show_stat(b);
	case PK_LOADAVG: return show_loadavg(b);
	case PK_SLABINFO: return show_slabinfo(b);
	case PK_INTERRUPTS: return show_interrupts(b);
	case PK_FILESYSTEMS:
		return pbuf_puts(b, "nodev\tmemfs\nnodev\tproc\nnodev\tsysfs\nnodev\thugetlbfs\n"
				 "nodev\tcgroup2\n\text2\n");
	case PK_NET_UNIX: return unix_proc_show(b);
	case PK_NET_TCP: case PK_NET_UDP: case PK_NET_TCP6: case PK_NET_UDP6:
		return inet_proc_show(b, kind);
	case PK_NET_DEV: return netdev_proc_show(b);
	case PK_SYSVIPC_SHM: return shm_proc_show(b);
	case PK_SYSVIPC_SEM: return sem_proc_show(b);
	case PK_SYSVIPC_MSG: return msg_proc_show(b);
	case PK_LOCK_STAT: return lockstat_proc_show(b);
	case PK_KEYS: return keys_proc_show(b);
	case PK_KEY_USERS: return key_users_proc_show(b);
	case PK_KMEM_PEAK:	/* Alloy's own: the peak since the last read */
		pbuf_printf(b, "%zu\n", kmem_high_water());
		kmem_reset_high_water();
		return 0;
	case PK_KCMDLINE:	/* the kernel's command line */
		pbuf_printf(b, "%s\n", cmdline_raw());
		return 0;
	case PK_VERSION:
		return pbuf_puts(b, "Linux version 6.1.0-alloy (alloy@alloy) (gcc) "
				 "#1 SMP Alloy 0.1\n");
	default: return -EINVAL;
	}
}

/* ---- files, links and directories */

static int show(struct inode *inode, struct pbuf *b)
{
	int kind = PROC_KIND(inode->ino);

	if (kind == PK_SYSFILE)
		return proc_sys_show(b, inode);
	if (kind == PK_SYSFS_ATTR)
		return sysfs_show(b, inode);
	if (kind == PK_DISKSTATS)
		return diskstats_show(b);
	if (kind == PK_CGROUPS)
		return cgroup_proc_cgroups(b);
	return kind < PK_PID || (kind >= PK_NET_UNIX && kind <= PK_NET_DEV) ||
	       (kind >= PK_SYSVIPC_SHM && kind <= PK_SYSVIPC_MSG) || kind == PK_LOCK_STAT ||
	       kind == PK_KEYS || kind == PK_KEY_USERS ?
	       show_root_file(b, kind) :
	       proc_pid_show(b, kind, inode);
}

/*
 * What a read(2) of a file has seen, kept per open file like Linux's
 * seq_file: the text is made a window at a time and handed out from it,
 * so small reads cost a copy each, not a new rendering of every line
 * before them (1-byte reads of /proc/PID/maps were quadratic, with the
 * target's mm lock held each time). A window is as large as the reads
 * (WINDOW_MIN to a page), so a thousand open files hold little. A window
 * that ended after a whole
 * write is followed by the text from the next write, counted in writes,
 * not bytes, so a line that changed length in between is not cut.
 */
#define WINDOW_MIN 512

struct proc_window {
	u8 *text;		/* the last window made: cap bytes */
	u64 pos;		/* its offset in the file */
	size_t cap, len;
	u64 end_writes;		/* writes up to its end; 0: ended mid-write */
	u64 next;		/* where the last read ended: only a read that
				 * goes on from there reuses the window (a seek
				 * back, to poll, gets the text made afresh) */
};

/* A process's file is refused at open once the process is gone (the
 * text, made into an empty window, is thrown away). System-wide files
 * are not made at open: kmem_peak resets what it reports. */
static int proc_open(struct inode *inode, struct file *f)
{
	struct pbuf b = { 0 };
	int kind = PROC_KIND(inode->ino);
	int rc = kind == PK_SYSFILE ? proc_sys_open(inode, f->flags) :
		 kind < PK_PID ? 0 : show(inode, &b);

	if (!rc && !(f->priv = kzalloc(sizeof(struct proc_window), GFP_KERNEL)))
		rc = -ENOMEM;
	return rc;
}

static void proc_release(struct file *f)
{
	struct proc_window *w = f->priv;

	if (w)
		kfree(w->text);
	kfree(w);
}

/* Makes the text that starts at pos into w->text. */
static long make_window(struct file *f, struct proc_window *w, u64 pos)
{
	struct pbuf b = { .buf = w->text, .cap = w->cap, .skip = pos };

	if (pos && pos == w->pos + w->len && w->end_writes)
		b.skip_writes = w->end_writes;	/* right after the last page */
	long rc = show(f->inode, &b);
	if (rc == -ENOENT)
		rc = -ESRCH;		/* its process has gone since the open */
	w->pos = pos;
	w->len = rc ? 0 : b.len;
	w->end_writes = rc || b.split ? 0 : b.writes;
	return rc;
}

/* read(2) (f->pos_lock held: one reader at a time) uses the window;
 * pread(2), which may run beside it, makes its own text. */
static long proc_read(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	struct proc_window *w = f->priv, own = { 0 };
	long rc = 0;

	if (!n)
		return 0;
	if (!w || !mutex_is_held(&f->pos_lock))
		w = &own;
	size_t want = MIN((size_t)PAGE_SIZE, MAX(n, (size_t)WINDOW_MIN));
	if (w->cap < want) {
		u8 *text = kmalloc(want, GFP_KERNEL);
		if (!text)
			return -ENOMEM;
		kfree(w->text);
		*w = (struct proc_window){ .text = text, .cap = want };
	}
	if (w == &own || *pos != w->next || *pos < w->pos || *pos >= w->pos + w->len)
		rc = make_window(f, w, *pos);
	size_t k = 0;
	if (!rc && *pos >= w->pos && *pos < w->pos + w->len) {
		size_t at = (size_t)(*pos - w->pos);
		k = MIN(n, w->len - at);
		if (iob_copy_out(io, 0, w->text + at, k))
			rc = -EFAULT;
	}
	if (w == &own)
		kfree(own.text);
	if (rc)
		return rc;
	*pos += k;
	w->next = *pos;
	return (long)k;
}

static int proc_readlink(struct inode *inode, char *buf, size_t len)
{
	int kind = PROC_KIND(inode->ino);

	if (kind == PK_SELF || kind == PK_THREAD_SELF) {
		struct task *t = current_task();
		char s[32];
		/* as the reader's PID namespace numbers it */
		int pid = t->proc ? t->proc->vpid : current_pid();
		int n = kind == PK_SELF ? snprintf(s, sizeof(s), "%d", pid) :
			snprintf(s, sizeof(s), "%d/task/%d", pid, t->proc ? t->vtid : pid);
		n = MIN(n, (int)len);
		memcpy(buf, s, (size_t)n);
		return n;
	}
	if (kind == PK_SYSFS_DEVLINK)
		return sysfs_readlink(inode, buf, len);
	return proc_pid_readlink(inode, buf, len);
}

struct inode *proc_inode(struct super_block *sb, int kind, int pid, int tid, int fd,
			 u32 mode)
{
	struct inode *i = inode_alloc(sb, mode);

	if (!i)
		return NULL;
	i->ino = PROC_INO(kind, pid, tid, fd);
	i->iop = kind == PK_NS ? &proc_ns_iops : &proc_iops;
	i->fop = S_ISDIR(mode) ? &proc_dir_fops : S_ISLNK(mode) ? &proc_link_fops
			       : kind == PK_SYSFILE ? &proc_sys_fops
			       : kind == PK_OOM_ADJ || kind == PK_COREDUMP_FILTER ? &proc_adj_fops
			       : kind == PK_TIMENS_OFFSETS || kind == PK_UID_MAP ||
				 kind == PK_GID_MAP || kind == PK_SETGROUPS ? &proc_timens_fops
			       : kind == PK_PAGEMAP ? &proc_pagemap_fops
			       : kind == PK_MEM ? &proc_mem_fops
			       : kind == PK_KPAGEFLAGS ? &proc_kpageflags_fops : &proc_file_fops;
	i->nlink = S_ISDIR(mode) ? 2 : 1;
	if (pid) {	/* a process's files are its effective owner's, as Linux */
		struct process *p = proc_find_global(pid);
		if (p) {
			unsigned long fl = spin_lock_irqsave(&p->sig_lock);
			i->uid = p->uid[1];
			i->gid = p->gid[1];
			spin_unlock_irqrestore(&p->sig_lock, fl);
			proc_put(p);
		}
	}
	return i;
}

/* A decimal name without leading zeros, as pids and fds are written. */
static int parse_num(const char *name, size_t len)
{
	int v = 0;

	if (!len || len > 9 || (name[0] == '0' && len > 1))
		return -1;
	for (size_t k = 0; k < len; k++) {
		if (name[k] < '0' || name[k] > '9')
			return -1;
		v = v * 10 + (name[k] - '0');
	}
	return v;
}

static const struct proc_entry *find_entry(const struct proc_entry *t, size_t n,
					   const char *name, size_t len)
{
	for (size_t k = 0; k < n; k++)
		if (strlen(t[k].name) == len && !memcmp(t[k].name, name, len))
			return &t[k];
	return NULL;
}

/* /proc/<id> (kind PK_PID): a process, or a thread that is not its
 * process's leader (Linux resolves it, without listing it), whose view it
 * then is; or /proc/<pid>/task/<id> (PK_TID). */
static int lookup_pid_dir(struct super_block *sb, int kind, struct process *owner, int id,
			  struct inode **out)
{
	int pid;
	struct process *p = NULL;
	struct proc_snapshot s;
	int tid = pid_from_user(id);	/* the reader's number, as a global one */

	if (id <= 0 || !tid)
		return -ENOENT;
	if (kind == PK_TID) {
		p = owner;	/* task/'s process: the caller's reference */
		proc_get(p);
	} else if ((p = proc_find(id))) {
		tid = 0;
	} else {
		struct task *t = proc_find_thread(id, &p);
		if (t)
			task_put(t);	/* proc_thread_snapshot checks it again */
	}
	if (!p)
		return -ENOENT;
	pid = p->pid;
	int rc = proc_snapshot(p, &s);
	struct thread_snapshot ts;
	if (!rc && tid)
		rc = proc_thread_snapshot(p, tid, &ts);
	if (!rc && !(*out = proc_inode(sb, kind, pid, tid, 0, S_IFDIR | 0555)))
		rc = -ENOMEM;
	if (rc) {
		proc_put(p);
		return rc == -ENOMEM ? rc : -ENOENT;
	}
	(*out)->priv = p;	/* this process, whoever has its pid later */
	(*out)->uid = s.uid;	/* ps shows a process's owner from this */
	(*out)->gid = s.gid;
	return 0;
}

/* What is under a process's directory names the directory's process. */
static int inherit_process(struct inode *dir, struct inode *i)
{
	if (!i)
		return -ENOMEM;
	if (dir->priv) {
		proc_get(dir->priv);
		i->priv = dir->priv;
	}
	return 0;
}

static void proc_evict(struct inode *i)
{
	if (i->priv)
		proc_put(i->priv);
	i->priv = NULL;
}

static int proc_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int kind = PROC_KIND(dir->ino), pid = PROC_PID(dir->ino), tid = PROC_TID(dir->ino);
	const struct proc_entry *e = NULL;

	if (PK_IS_SYSFS(kind))
		return sysfs_lookup(dir, name, len, out);
	if (kind == PK_ROOT) {
		e = find_entry(root_entries, ARRAY_SIZE(root_entries), name, len);
		if (!e)
			return lookup_pid_dir(dir->sb, PK_PID, NULL, parse_num(name, len), out);
	} else if (kind == PK_PID || kind == PK_TID) {
		e = find_entry(proc_pid_entries, kind == PK_PID ? proc_pid_nr_entries :
			       proc_tid_nr_entries, name, len);
		struct process *p = e ? proc_pid_get(dir) : NULL;
		if (!p)
			return -ENOENT;
		proc_put(p);
	} else if (kind == PK_NSDIR) {
		e = find_entry(proc_ns_entries, proc_ns_nr_entries, name, len);
		struct process *p = e ? proc_pid_get(dir) : NULL;
		if (!p)
			return -ENOENT;
		proc_put(p);
		*out = proc_inode(dir->sb, PK_NS, pid, tid, (int)(e - proc_ns_entries), e->mode);
		return inherit_process(dir, *out);
	} else if (kind == PK_SYSDIR) {
		return proc_sys_lookup(dir, name, len, out);
	} else if (kind == PK_NET) {
		e = find_entry(net_entries, ARRAY_SIZE(net_entries), name, len);
	} else if (kind == PK_SYSVIPC) {
		e = find_entry(sysvipc_entries, ARRAY_SIZE(sysvipc_entries), name, len);
	} else if (kind == PK_TASKDIR) {
		struct process *p = proc_pid_get(dir);	/* the directory's process */
		if (!p)
			return -ENOENT;
		int rc = lookup_pid_dir(dir->sb, PK_TID, p, parse_num(name, len), out);
		proc_put(p);
		return rc;
	} else if (kind == PK_FDDIR || kind == PK_FDINFODIR) {
		int fd = parse_num(name, len);
		if (fd < 0 || !proc_fd_exists(dir, fd))
			return -ENOENT;
		*out = kind == PK_FDDIR ? proc_inode(dir->sb, PK_FD, pid, tid, fd, S_IFLNK | 0700)
					: proc_inode(dir->sb, PK_FDINFO, pid, tid, fd, S_IFREG | 0444);
		return inherit_process(dir, *out);
	}
	if (!e)
		return -ENOENT;
	/* task/ lists the whole group's threads: from /proc/<tid> too */
	*out = proc_inode(dir->sb, e->kind, pid, e->kind == PK_TASKDIR ? 0 : tid, 0, e->mode);
	return inherit_process(dir, *out);
}

typedef proc_emit_fn emit_fn;

static bool emit_table(const struct proc_entry *t, size_t n, int pid, int tid, u64 *pos,
		       emit_fn emit, void *ctx)
{
	for (size_t k = *pos - 2; k < n; k++) {
		int ktid = t[k].kind == PK_TASKDIR ? 0 : tid;
		if (!emit(ctx, t[k].name, strlen(t[k].name), PROC_INO(t[k].kind, pid, ktid, 0),
			  t[k].mode, 3 + k))
			return false;
		*pos = 3 + k;
	}
	return true;
}

static void emit_pids(u64 *pos, emit_fn emit, void *ctx)
{
	int pids[32], n;
	char name[16];

	do {
		int from = *pos < PID_COOKIE ? 1 : (int)(*pos - PID_COOKIE) + 1;
		n = proc_pids_user(from, pids, ARRAY_SIZE(pids));
		for (int k = 0; k < n; k++) {
			int len = snprintf(name, sizeof(name), "%d", pids[k]);
			/* named as the reader's namespace numbers it; the
			 * inode number is the global one, as lookup's */
			if (!emit(ctx, name, (size_t)len,
				  PROC_INO(PK_PID, pid_from_user(pids[k]), 0, 0),
				  S_IFDIR | 0555, PID_COOKIE + (u64)pids[k]))
				return;
			*pos = PID_COOKIE + (u64)pids[k];
		}
	} while (n == ARRAY_SIZE(pids));
}

/* task/: the live threads' tids, ascending, tid + 2 their cookies. A
 * thread that comes or goes during a listing is in it or not; every
 * other is listed once. */
static void emit_tids(struct inode *dir, int pid, u64 *pos, emit_fn emit, void *ctx)
{
	struct process *p = proc_pid_get(dir);
	int tids[32], n = 0;
	char name[16];

	while (p && *pos - 2 < PID_MAX) {
		n = proc_thread_tids(p, (int)(*pos - 2) + 1, tids, ARRAY_SIZE(tids));
		for (int k = 0; k < n; k++) {
			int len = snprintf(name, sizeof(name), "%d", pid_to_user(tids[k]));
			if (!emit(ctx, name, (size_t)len, PROC_INO(PK_TID, pid, tids[k], 0),
				  S_IFDIR | 0555, 2 + (u64)tids[k]))
				goto out;
			*pos = 2 + (u64)tids[k];
		}
		if (n < (int)ARRAY_SIZE(tids))
			break;
	}
out:
	proc_put(p);
}

static void emit_fds(struct inode *dir, int pid, int tid, u64 *pos, emit_fn emit, void *ctx)
{
	char name[16];
	bool info = PROC_KIND(dir->ino) == PK_FDINFODIR;

	for (int fd = proc_fd_next(dir, (int)*pos - 2); fd >= 0;
	     fd = proc_fd_next(dir, fd + 1)) {
		int len = snprintf(name, sizeof(name), "%d", fd);
		if (!emit(ctx, name, (size_t)len, PROC_INO(info ? PK_FDINFO : PK_FD, pid, tid, fd),
			  info ? S_IFREG | 0444 : S_IFLNK | 0700, 3 + (u64)fd))
			return;
		*pos = 3 + (u64)fd;
	}
}

/* Cookies: 1 ".", 2 "..", 3.. the table (or fd + 3, or tid + 2),
 * PID_COOKIE + pid. */
static int proc_iterate(struct file *f, u64 *pos, emit_fn emit, void *ctx)
{
	struct inode *i = f->inode;
	int kind = PROC_KIND(i->ino), pid = PROC_PID(i->ino), tid = PROC_TID(i->ino);

	if (!vfs_emit_dots(f, pos, emit, ctx))
		return 0;
	if (PK_IS_SYSFS(kind)) {
		sysfs_iterate(i, pos, emit, ctx);
	} else if (kind == PK_SYSDIR) {
		proc_sys_iterate(i, pos, emit, ctx);
	} else if (kind == PK_FDDIR || kind == PK_FDINFODIR) {
		emit_fds(i, pid, tid, pos, emit, ctx);
	} else if (kind == PK_TASKDIR) {
		emit_tids(i, pid, pos, emit, ctx);
	} else if (kind == PK_NSDIR) {
		for (size_t k = *pos - 2; k < proc_ns_nr_entries; k++) {
			const struct proc_entry *e = &proc_ns_entries[k];
			if (!emit(ctx, e->name, strlen(e->name), PROC_INO(PK_NS, pid, tid, k),
				  e->mode, 3 + k))
				break;
			*pos = 3 + k;
		}
	} else if (kind == PK_NET) {
		emit_table(net_entries, ARRAY_SIZE(net_entries), 0, 0, pos, emit, ctx);
	} else if (kind == PK_SYSVIPC) {
		emit_table(sysvipc_entries, ARRAY_SIZE(sysvipc_entries), 0, 0, pos, emit, ctx);
	} else if (kind == PK_PID || kind == PK_TID) {
		if (*pos < PID_COOKIE)
			emit_table(proc_pid_entries, kind == PK_PID ? proc_pid_nr_entries :
				   proc_tid_nr_entries, pid, tid, pos, emit, ctx);
	} else {
		if (*pos < PID_COOKIE &&
		    !emit_table(root_entries, ARRAY_SIZE(root_entries), 0, 0, pos, emit, ctx))
			return 0;
		emit_pids(pos, emit, ctx);
	}
	return 0;
}

static int proc_statfs(struct super_block *sb, struct kstatfs *st)
{
	bool sys = !strcmp(sb->type, "sysfs");

	*st = (struct kstatfs){ .type = sys ? SYSFS_MAGIC : PROC_SUPER_MAGIC, .bsize = PAGE_SIZE,
				.frsize = PAGE_SIZE, .namelen = NAME_MAX };
	return 0;	/* no blocks: df leaves /proc out */
}

/* exe, cwd and fd/N name an object, not a path (self is a plain link) */
static bool proc_magic_link(const struct inode *inode)
{
	int kind = PROC_KIND(inode->ino);

	return kind == PK_EXE || kind == PK_CWD || kind == PK_FD;
}

static int proc_magic_jump(const struct inode *inode, struct path *out)
{
	return proc_pid_jump(inode, out);
}

/* What stat shows: a process's files (priv: the process) differ from
 * those of an earlier or later process with the same pid, as Linux's
 * (each of its proc inodes has a number of its own), so a program
 * holding /proc/<pid> open can tell the pid was reused
 * (pidfd_send_signal03); the number stays while the process lives. */
static u64 proc_st_ino(const struct inode *i)
{
	const struct process *p = i->priv;

	if (!p)
		return i->ino;
	u64 h = p->start_ns * 0x9e3779b97f4a7c15ULL;	/* its fork time, spread */
	h ^= h >> 29;
	return i->ino ^ (h << 8);	/* the low byte (the kind) as it was */
}

static const struct inode_ops proc_iops = {
	.lookup = proc_lookup,
	.st_ino = proc_st_ino,
	.readlink = proc_readlink,
	.magic_link = proc_magic_link,
	.jump = proc_magic_jump,
	.evict = proc_evict,
};

/* /proc/<pid>/ns/ links: magic (procfs_ns.c) */
static const struct inode_ops proc_ns_iops = {
	.readlink = proc_readlink,
	.st_ino = proc_st_ino,
	.get_link = proc_ns_get_link,
	.evict = proc_evict,
};

static const struct file_ops proc_dir_fops = { .iterate = proc_iterate, .seekable = true };
static const struct file_ops proc_file_fops = {
	.open = proc_open,
	.release = proc_release,
	.read = proc_read,
	.seekable = true,
};
/* /proc/sys files also take writes (vfs_open lets them past SB_RDONLY) */
static const struct file_ops proc_sys_fops = {
	.open = proc_open,
	.release = proc_release,
	.read = proc_read,
	.write = proc_sys_write,
	.seekable = true,
};
static long proc_adj_write(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	char buf[32];

	if (n > sizeof(buf))
		return -EINVAL;
	if (iob_copy_in(buf, io, 0, n))
		return -EFAULT;
	long rc = proc_pid_write_adj(f->inode, buf, n);
	if (rc)
		return rc;
	*pos += n;
	return (long)n;
}

/* timens_offsets, uid_map, gid_map, setgroups: one write of less than a
 * page, as Linux (a map of 340 lines fits) */
static long proc_timens_write(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	if (n >= PAGE_SIZE)
		return -EINVAL;
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	long rc = iob_copy_in(buf, io, 0, n) ? -EFAULT : proc_pid_write_timens(f->inode, buf, n);
	kfree(buf);
	if (rc > 0)
		*pos += (u64)rc;
	return rc;
}

/* /proc/<pid>/timens_offsets takes writes too */
static const struct file_ops proc_timens_fops = {
	.open = proc_open,
	.release = proc_release,
	.read = proc_read,
	.write = proc_timens_write,
	.seekable = true,
};

/* /proc/<pid>/oom_score_adj takes writes too */
static const struct file_ops proc_adj_fops = {
	.open = proc_open,
	.release = proc_release,
	.read = proc_read,
	.write = proc_adj_write,
	.seekable = true,
};
/* /proc/<pid>/pagemap: binary, read at any offset, made for each read */
static int proc_pagemap_open(struct inode *inode, struct file *f)
{
	struct process *p = proc_pid_get(inode);

	(void)f;
	if (!p)
		return -ENOENT;
	proc_put(p);
	return 0;
}

static long proc_pagemap_read(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	long rc = proc_pid_pagemap_read(f->inode, io, n, *pos);

	if (rc > 0)
		*pos += (u64)rc;
	return rc;
}

static const struct file_ops proc_pagemap_fops = {
	.open = proc_pagemap_open,
	.read = proc_pagemap_read,
	.seekable = true,
};

/* /proc/<pid>/mem: another process's memory at the offset (procfs_pid.c) */
static long proc_mem_read(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	return proc_pid_mem_rw(f, io, n, pos, false);
}

static long proc_mem_write(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	return proc_pid_mem_rw(f, io, n, pos, true);
}

static const struct file_ops proc_mem_fops = {
	.open = proc_pid_mem_open,
	.release = proc_pid_mem_release,
	.read = proc_mem_read,
	.write = proc_mem_write,
	.seekable = true,
};
/*
 * /proc/kpageflags: 8 bytes per physical frame (kernel/mm/kpageflags.c),
 * binary, as Linux's: offset and length multiples of 8 (else EINVAL),
 * nothing past the last frame (0: end of file). Root's only, and
 * CAP_SYS_ADMIN's (EPERM) where Linux asks only for the file's mode: a
 * frame's state tells where another process's memory lies. Made a page
 * at a time with no lock held, then copied out.
 */
static int proc_kpageflags_open(struct inode *inode, struct file *f)
{
	(void)inode;
	(void)f;
	return cap_effective(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static long proc_kpageflags_read(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	u64 max = kpageflags_max_pfn(), pfn = *pos / 8;
	size_t done = 0;
	long rc = 0;

	(void)f;
	if (*pos % 8 || n % 8)
		return -EINVAL;
	if (pfn >= max || !n)
		return 0;
	n = (size_t)MIN((u64)n, (max - pfn) * 8);
	u64 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (done < n) {
		size_t k = MIN((n - done) / 8, PAGE_SIZE / 8);
		for (size_t j = 0; j < k; j++)
			buf[j] = kpageflags_of(pfn + done / 8 + j);
		if (iob_copy_out(io, done, buf, k * 8)) {
			rc = -EFAULT;
			break;
		}
		done += k * 8;
		if (done < n && signal_pending())
			break;		/* a short read; the caller's signal next */
	}
	kfree(buf);
	*pos += done;
	return done ? (long)done : rc;
}

static const struct file_ops proc_kpageflags_fops = {
	.open = proc_kpageflags_open,
	.read = proc_kpageflags_read,
	.seekable = true,
};
static const struct file_ops proc_link_fops = { .seekable = false };
static const struct super_ops proc_sops = { .statfs = proc_statfs };

struct process *procfs_pid_dir_process(struct file *f)
{
	struct inode *i = f->inode;

	if (!i || i->sb->sop != &proc_sops || PROC_KIND(i->ino) != PK_PID)
		return NULL;
	if (!i->priv)
		return proc_find_global(PROC_PID(i->ino));
	proc_get(i->priv);	/* reaped or not: the caller says ESRCH */
	return i->priv;
}

struct super_block *procfs_create(void)
{
	return procfs_create_root("proc", PK_ROOT);
}

struct super_block *procfs_create_root(const char *type, int root_kind)
{
	struct super_block *sb = sb_create(type);
	struct inode *root = sb ? proc_inode(sb, root_kind, 0, 0, 0, S_IFDIR | 0555) : NULL;

	if (!root || sb_set_root(sb, root)) {
		inode_put(root);
		kfree(sb);
		return NULL;
	}
	sb->flags = SB_RDONLY | SB_NOCACHE;
	sb->sop = &proc_sops;
	return sb;
}
