/*
 * /proc/<pid>/: what one process looks like from outside, in Linux's
 * formats (busybox ps and top parse stat and status; maps, cmdline, exe,
 * cwd and fd/ are for people and debuggers; oom_score is what the OOM
 * killer goes by).
 *
 * Everything of another process is reached through references: the
 * process (proc_find), its address space (task_mm_get: exec and exit
 * swap it under the task's lock, so it cannot be freed under us), its fd
 * table and paths (proc_files, proc_path_of). A process may exit at any
 * moment; then its files read as empty or its links as -ENOENT.
 *
 * /proc/<pid>/task/<tid>/ is the same set of files (but task/) for one
 * thread: status and stat show that thread's tid, state, signals, times
 * and CPU; the rest is its process's, which threads share. The thread
 * is found again by its tid, under the tree's lock, for every file made
 * (proc_thread_snapshot): nothing holds a thread between calls.
 */
#include <alloy/cred.h>
#include <alloy/pid.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/mm.h>
#include <alloy/oom.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <uapi/capability.h>
#include <alloy/sysctl.h>
#include <alloy/inotify.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/user.h>
#include <alloy/vfs.h>
#include <alloy/ns.h>
#include <alloy/cgroup.h>
#include "procfs.h"
#include <alloy/mnt_ns.h>
#include <uapi/misc.h>

const struct proc_entry proc_pid_entries[] = {
	{ "status", PK_STATUS, S_IFREG | 0444 },
	{ "stat", PK_PSTAT, S_IFREG | 0444 },
	{ "statm", PK_STATM, S_IFREG | 0444 },
	{ "cmdline", PK_CMDLINE, S_IFREG | 0444 },
	{ "environ", PK_ENVIRON, S_IFREG | 0400 },
	{ "auxv", PK_AUXV, S_IFREG | 0400 },
	{ "comm", PK_COMM, S_IFREG | 0444 },
	{ "maps", PK_MAPS, S_IFREG | 0444 },
	{ "smaps", PK_SMAPS, S_IFREG | 0444 },
	{ "pagemap", PK_PAGEMAP, S_IFREG | 0400 },
	{ "mem", PK_MEM, S_IFREG | 0600 },
	{ "exe", PK_EXE, S_IFLNK | 0777 },
	{ "cwd", PK_CWD, S_IFLNK | 0777 },
	{ "fd", PK_FDDIR, S_IFDIR | 0500 },
	{ "fdinfo", PK_FDINFODIR, S_IFDIR | 0500 },
	{ "oom_score", PK_OOM_SCORE, S_IFREG | 0444 },
	{ "oom_score_adj", PK_OOM_ADJ, S_IFREG | 0644 },
	{ "coredump_filter", PK_COREDUMP_FILTER, S_IFREG | 0644 },
	{ "limits", PK_LIMITS, S_IFREG | 0444 },
	{ "mounts", PK_PMOUNTS, S_IFREG | 0444 },
	{ "mountinfo", PK_MOUNTINFO, S_IFREG | 0444 },
	{ "ns", PK_NSDIR, S_IFDIR | 0511 },
	{ "timens_offsets", PK_TIMENS_OFFSETS, S_IFREG | 0644 },
	{ "uid_map", PK_UID_MAP, S_IFREG | 0644 },
	{ "gid_map", PK_GID_MAP, S_IFREG | 0644 },
	{ "setgroups", PK_SETGROUPS, S_IFREG | 0644 },
	{ "cgroup", PK_PCGROUP, S_IFREG | 0444 },
	{ "task", PK_TASKDIR, S_IFDIR | 0555 },	/* last: a thread's has none */
};
const size_t proc_pid_nr_entries = ARRAY_SIZE(proc_pid_entries);
const size_t proc_tid_nr_entries = ARRAY_SIZE(proc_pid_entries) - 1;

struct process *proc_pid_get(const struct inode *i)
{
	struct process *p = i->priv;
	int tid = PROC_TID(i->ino);
	struct thread_snapshot ts;

	if (p && proc_reaped(p))
		return NULL;	/* gone, even if its pid names another now */
	if (p)
		proc_get(p);
	else
		p = proc_find(PROC_PID(i->ino));

	if (p && tid && proc_thread_snapshot(p, tid, &ts)) {
		proc_put(p);
		return NULL;
	}
	return p;
}

/* The thread's own part of what status and stat show. */
static int thread_view(struct process *p, int tid, struct proc_snapshot *s)
{
	struct thread_snapshot ts;

	if (!tid)
		return 0;
	if (proc_thread_snapshot(p, tid, &ts))
		return -ENOENT;
	s->state = s->state == 'Z' ? 'Z' : ts.state;
	s->utime_ticks = ts.utime_ticks;
	s->stime_ticks = ts.stime_ticks;
	s->pending = ts.pending;
	s->blocked = ts.blocked;
	s->cpu = ts.cpu;
	s->policy = ts.policy;
	s->rt_priority = ts.rt_priority;
	s->nice = ts.nice;
	return 0;
}

/* The address space of p with a reference, or NULL (exited, not started). */
static struct user_mm *mm_of(struct process *p)
{
	return proc_mm_get(p);
}

struct mem_usage {
	u64 size, rss, hwm, stack, data, text, locked;	/* bytes */
	u64 start_code, end_code, start_stack;
};

static void mem_usage(struct user_mm *mm, struct mem_usage *u)
{
	memset(u, 0, sizeof(*u));
	if (!mm)
		return;
	down_read(&mm->lock);
	for (int i = 0; i < mm->nr_vmas; i++) {
		struct vma *v = &mm->vmas[i];
		u64 len = v->end - v->start;
		u->size += len;
		if (v->lock)
			u->locked += len;	/* mlock: VmLck */
		if (v->kind == VMA_STACK) {
			u->stack += len;
			u->start_stack = v->end;
		} else if (v->kind == VMA_IMAGE && (v->prot & UVM_EXEC)) {
			u->text += len;
			if (!u->start_code)
				u->start_code = v->start;
			u->end_code = v->end;
		} else if (v->prot & UVM_WRITE) {
			u->data += len;
		}
	}
	u->rss = user_mm_resident(mm) * PAGE_SIZE;
	u->hwm = user_mm_resident_peak(mm) * PAGE_SIZE;
	up_read(&mm->lock);
}

static const char *state_name(char s)
{
	switch (s) {
	case 'R': return "R (running)";
	case 'S': return "S (sleeping)";
	case 'D': return "D (disk sleep)";
	case 'T': return "T (stopped)";
	default: return "Z (zombie)";
	}
}

/* tid: the Pid shown (the thread's, or the process's own). */
static int show_status(struct pbuf *b, struct process *p, const struct proc_snapshot *s,
		       int tid)
{
	struct user_mm *mm = mm_of(p);
	struct mem_usage u;

	mem_usage(mm, &u);
	user_mm_put(mm);
	int umask = proc_umask_of(p);	/* none once it exited: no line, as Linux */
	pbuf_printf(b, "Name:\t%s\n", s->comm);
	if (umask >= 0)
		pbuf_printf(b, "Umask:\t%04o\n", umask);
	pbuf_printf(b, "State:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		    "PPid:\t%d\nTracerPid:\t%d\n",
		    state_name(s->state), s->pid, pid_to_user(tid), s->ppid, ptrace_tracer_pid(tid));
	pbuf_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t\n",
		    p->uid[0], p->uid[1], p->uid[2], p->fsuid, p->gid[0], p->gid[1], p->gid[2],
		    p->fsgid, FD_MAX);
	/* its numbers from the reader's PID namespace down to its own */
	int nums[PIDNS_MAX_LEVEL + 1];
	static const char *const ns_lines[] = { "NStgid", "NSpid" };
	for (int k = 0; k < 2; k++) {
		int n = pid_numbers(k ? tid : p->pid, pid_ns_current(), nums, PIDNS_MAX_LEVEL + 1);
		pbuf_printf(b, "%s:", ns_lines[k]);
		for (int j = 0; j < n; j++)
			pbuf_printf(b, "\t%d", nums[j]);
		pbuf_printf(b, "\n");
	}
	if (mm) {
		pbuf_printf(b, "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t%8llu kB\n"
			    "VmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\n", u.size / 1024, u.size / 1024,
			    u.locked / 1024, u.hwm / 1024, u.rss / 1024);
		pbuf_printf(b, "VmData:\t%8llu kB\nVmStk:\t%8llu kB\nVmExe:\t%8llu kB\n",
			    u.data / 1024, u.stack / 1024, u.text / 1024);
		pbuf_puts(b, "VmSwap:\t       0 kB\n");	/* there is no swap */
	}
	pbuf_printf(b, "Threads:\t%d\nSigQ:\t%u/%llu\n", s->threads, s->queued,
		    (unsigned long long)READ_ONCE(p->res.rlim[RLIMIT_SIGPENDING].cur));
	pbuf_printf(b, "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n",
		    (unsigned long long)s->pending,
		    (unsigned long long)s->shared_pending, (unsigned long long)s->blocked);
	return 0;
}

/* The 52 fields of Linux's /proc/<pid>/stat (fs/proc/array.c). */
static int show_stat(struct pbuf *b, struct process *p, const struct proc_snapshot *s,
		     int tid)
{
	struct user_mm *mm = mm_of(p);
	struct mem_usage u;
	u64 args[4] = { 0 }, brk[2] = { 0 };

	mem_usage(mm, &u);
	if (mm) {
		args[0] = mm->arg_start, args[1] = mm->arg_end;
		args[2] = mm->env_start, args[3] = mm->env_end;
		brk[0] = mm->brk_start, brk[1] = READ_ONCE(mm->brk);
	}
	user_mm_put(mm);
	/* Linux's task_prio: -101 deadline, -1 - priority real-time, 20 + nice */
	int prio = s->policy == SCHED_DEADLINE ? -101 :
		   s->policy == SCHED_FIFO || s->policy == SCHED_RR ? -1 - s->rt_priority :
		   20 + s->nice;
	pbuf_printf(b, "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 %llu %llu 0 0 %d %d %d 0 %llu ",
		    pid_to_user(tid), s->comm, s->state, s->ppid, s->pgid, s->sid,
		    (unsigned long long)proc_clock_t_ticks(s->utime_ticks),
		    (unsigned long long)proc_clock_t_ticks(s->stime_ticks), prio, s->nice, s->threads,
		    (unsigned long long)proc_clock_t_ns(s->start_ns));
	pbuf_printf(b, "%llu %llu 18446744073709551615 %llu %llu %llu 0 0 0 0 0 0 0 0 0 17 %d "
		    "%d %d 0 0 0 ", (unsigned long long)u.size,
		    (unsigned long long)(u.rss / PAGE_SIZE), (unsigned long long)u.start_code,
		    (unsigned long long)u.end_code, (unsigned long long)u.start_stack,
		    s->cpu, s->rt_priority, s->policy);
	pbuf_printf(b, "0 0 %llu %llu %llu %llu %llu 0\n", (unsigned long long)brk[0],
		    (unsigned long long)args[0], (unsigned long long)args[1],
		    (unsigned long long)args[2], (unsigned long long)args[3]);
	return 0;
}

static int show_statm(struct pbuf *b, struct process *p)
{
	struct user_mm *mm = mm_of(p);
	struct mem_usage u;

	mem_usage(mm, &u);
	user_mm_put(mm);
	pbuf_printf(b, "%llu %llu 0 %llu 0 %llu 0\n", u.size / PAGE_SIZE, u.rss / PAGE_SIZE,
		    u.text / PAGE_SIZE, (u.data + u.stack) / PAGE_SIZE);
	return 0;
}

/* argv or envp strings, straight from the process's stack, a page at a
 * time (at most what the buffer holds). */
/* The check on p's IDs (ptrace_may_read) was made before mm was taken:
 * an exec may have put a set-ID or unreadable image in place meanwhile,
 * whose IDs commit only later. Such an image (mm->setid) is root's
 * (CAP_SYS_PTRACE) alone, as for process_vm_readv. */
static bool mm_readable(struct process *p, struct user_mm *mm)
{
	return !mm->setid || p == current_proc() || ptrace_capable();
}

static int show_strings(struct pbuf *b, struct process *p, bool env)
{
	/* environ is ptrace-read's, as Linux; cmdline is everyone's */
	if (env && !ptrace_may_read(p))
		return -EACCES;
	struct user_mm *mm = mm_of(p);
	if (mm && env && !mm_readable(p, mm)) {
		user_mm_put(mm);
		return -EACCES;
	}
	void *page = mm ? kmalloc(PAGE_SIZE, GFP_KERNEL) : NULL;

	if (!mm)
		return 0;	/* a zombie: empty, as on Linux */
	u64 at = env ? mm->env_start : mm->arg_start, end = env ? mm->env_end : mm->arg_end;
	while (page && at < end) {
		size_t want = (size_t)MIN(end - at, (u64)PAGE_SIZE);
		size_t got = user_mm_read(mm, at, page, want);
		if (!got || pbuf_write(b, page, got))
			break;
		at += got;
	}
	kfree(page);
	user_mm_put(mm);
	return 0;
}

/* auxv: the auxiliary vector exec gave the program (kept in its address
 * space: saved_auxv), binary, as Linux; a debugger finds a PIE's load
 * address in it (AT_PHDR, AT_ENTRY). Only for whoever may ptrace-read. */
static int show_auxv(struct pbuf *b, struct process *p)
{
	if (!ptrace_may_read(p))
		return -EACCES;
	struct user_mm *mm = mm_of(p);
	if (!mm)
		return 0;	/* a zombie: empty, as on Linux */
	if (!mm_readable(p, mm)) {
		user_mm_put(mm);
		return -EACCES;
	}
	u32 n = MIN(READ_ONCE(mm->auxv_bytes), (u32)sizeof(mm->saved_auxv));
	pbuf_write(b, mm->saved_auxv, n);
	user_mm_put(mm);
	return 0;
}

static const char *vma_name(const struct vma *v)
{
	switch (v->kind) {
	case VMA_HEAP: return "[heap]";
	case VMA_STACK: return "[stack]";
	case VMA_VDSO: return "[vdso]";
	case VMA_VVAR: return "[vvar]";
	default: return "";
	}
}

/*
 * One line of maps: the VMA at or above *at (copied, with a reference on
 * its object, under mm->lock), then named with the lock dropped (names
 * take the file system's locks). Returns false when there is none left.
 */
struct maps_entry {
	struct vma v;
	const struct vm_object_ops *ops;	/* with a reference on obj */
	void *obj;
	u64 pgoff;
	u64 present;	/* pages mapped (smaps' Rss) */
};

static bool next_vma(struct user_mm *mm, u64 *at, struct maps_entry *e, bool smaps)
{
	bool found = false;

	down_read(&mm->lock);
	for (int i = 0; i < mm->nr_vmas && !found; i++) {
		const struct vma *v = &mm->vmas[i];
		if (v->end <= *at)
			continue;
		found = true;
		e->v = *v;
		e->ops = v->ops;
		e->obj = v->obj;
		e->pgoff = v->pgoff;
		e->present = smaps ? vma_present_pages(mm, v->start, v->end) : 0;
		if (e->ops && e->ops->describe)
			e->ops->get(e->obj);
		else
			e->ops = NULL;
		*at = v->end;
	}
	up_read(&mm->lock);
	return found;
}

/*
 * smaps: after each maps line, the VMA's sizes. Rss counts the pages
 * mapped in this address space; Alloy keeps no per-page map counts, so
 * there is no Pss, and Locked is the Rss of an mlocked VMA (Linux gives
 * its Pss, the same unless pages are shared).
 */
static void kb_line(struct pbuf *b, const char *name, u64 kb)
{
	pbuf_printf(b, "%-16s%8llu kB\n", name, (unsigned long long)kb);
}

static void show_smaps_fields(struct pbuf *b, const struct maps_entry *e)
{
	u64 size = (e->v.end - e->v.start) / 1024, rss = e->present * PAGE_SIZE / 1024;
	kb_line(b, "Size:", size);
	kb_line(b, "KernelPageSize:", PAGE_SIZE / 1024);
	kb_line(b, "MMUPageSize:", PAGE_SIZE / 1024);
	kb_line(b, "Rss:", rss);
	kb_line(b, "Anonymous:", e->v.ops ? 0 : rss);
	kb_line(b, "Swap:", 0);
	kb_line(b, "Locked:", e->v.lock ? rss : 0);
	if (arch_pkeys_max() > 1)	/* as Linux: only when the CPU has keys */
		pbuf_printf(b, "ProtectionKey:  %8u\n", uvm_pkey_of(e->v.prot));
	pbuf_printf(b, "VmFlags:%s%s%s%s%s%s%s\n", e->v.prot & UVM_READ ? " rd" : "",
		    e->v.prot & UVM_WRITE ? " wr" : "", e->v.prot & UVM_EXEC ? " ex" : "",
		    e->v.shared ? " sh" : "", e->v.flags & VMA_F_GROWSDOWN ? " gd" : "",
		    e->v.lock ? " lo" : "", e->v.flags & VMA_F_WIPEONFORK ? " wf" : "");
}

static int show_maps(struct pbuf *b, struct process *p, bool smaps)
{
	/* where another program's memory lies is ptrace-read's (Linux's
	 * PTRACE_MODE_READ): a set-ID program's layout is its defence */
	if (!ptrace_may_read(p))
		return -EACCES;
	struct user_mm *mm = mm_of(p);
	if (mm && !mm_readable(p, mm)) {
		user_mm_put(mm);
		return -EACCES;
	}
	char *name = mm ? kmalloc(PATH_MAX, GFP_KERNEL) : NULL;
	struct maps_entry e = { 0 };
	u64 at = 0;

	if (!mm)
		return 0;
	if (!name) {
		user_mm_put(mm);
		return -ENOMEM;
	}
	while (!b->full && next_vma(mm, &at, &e, smaps)) {
		char line[160];
		u32 dev = 0;
		u64 ino = 0, off = 0;
		snprintf(name, PATH_MAX, "%s", vma_name(&e.v));
		if (e.ops) {
			e.ops->describe(e.obj, name, PATH_MAX, &dev, &ino);
			e.ops->put(e.obj);
			off = e.pgoff * PAGE_SIZE;
		}
		int n = snprintf(line, sizeof(line), "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
				 (unsigned long long)e.v.start, (unsigned long long)e.v.end,
				 (e.v.prot & UVM_READ) && !(e.v.flags & VMA_F_NOREAD) ? 'r' : '-',
				 e.v.prot & UVM_WRITE ? 'w' : '-',
				 e.v.prot & UVM_EXEC ? 'x' : '-', e.v.shared ? 's' : 'p',
				 (unsigned long long)off, MAJOR(dev), MINOR(dev),
				 (unsigned long long)ino);
		if (*name)	/* Linux pads the name to column 74 */
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%*s", MAX(73 - n, 0), "");
		if (!pbuf_write(b, line, (size_t)MIN(n, (int)sizeof(line) - 1)))
			pbuf_printf(b, "%s\n", name);	/* whole lines only */
		if (smaps)
			show_smaps_fields(b, &e);
	}
	kfree(name);
	user_mm_put(mm);
	return 0;
}

/* Linux's /proc/<pid>/limits: each limit's soft and hard value, in the
 * order of the RLIMIT_ numbers. Each value is read alone (a limit changed
 * meanwhile may show its old soft and new hard value). */
static int show_limits(struct pbuf *b, struct process *p)
{
	static const char *const rows[RLIMIT_NLIMITS][2] = {
		{ "Max cpu time", "seconds" }, { "Max file size", "bytes" },
		{ "Max data size", "bytes" }, { "Max stack size", "bytes" },
		{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
		{ "Max processes", "processes" }, { "Max open files", "files" },
		{ "Max locked memory", "bytes" }, { "Max address space", "bytes" },
		{ "Max file locks", "locks" }, { "Max pending signals", "signals" },
		{ "Max msgqueue size", "bytes" }, { "Max nice priority", NULL },
		{ "Max realtime priority", NULL }, { "Max realtime timeout", "us" },
	};

	pbuf_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int r = 0; r < RLIMIT_NLIMITS; r++) {
		u64 v[2] = { READ_ONCE(p->res.rlim[r].cur), READ_ONCE(p->res.rlim[r].max) };
		char col[2][24];
		for (int k = 0; k < 2; k++) {
			if (v[k] == ~0ULL)
				snprintf(col[k], sizeof(col[k]), "unlimited");
			else
				snprintf(col[k], sizeof(col[k]), "%llu", (unsigned long long)v[k]);
		}
		if (rows[r][1])
			pbuf_printf(b, "%-25s %-20s %-20s %-10s\n", rows[r][0], col[0], col[1],
				    rows[r][1]);
		else
			pbuf_printf(b, "%-25s %-20s %-20s \n", rows[r][0], col[0], col[1]);
	}
	return 0;
}

#define ANON_MNT_ID 15

/* fdinfo/<fd>: the position and status flags (O_CLOEXEC with them, as
 * Linux), then an inotify instance's watches. */
static int show_fdinfo(struct pbuf *b, struct process *p, int fd)
{
	struct fdtable *t = proc_files(p);
	struct file *f = t ? fd_get(t, fd) : NULL;
	u32 flags;

	if (!f) {
		fdt_put(t);
		return -ENOENT;
	}
	flags = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
	if (fd_get_cloexec(t, fd) > 0)
		flags |= O_CLOEXEC;
	fdt_put(t);
	pbuf_printf(b, "pos:\t%llu\nflags:\t0%o\n", (unsigned long long)READ_ONCE(f->pos), flags);
	/* A file with no path is on the internal mount of anonymous files
	 * (Linux's anon_inodefs), listed in no mountinfo: one fixed ID below
	 * the listed ones (21 on). The others' line is still missing. */
	if (!f->path.dentry)
		pbuf_printf(b, "mnt_id:\t%d\n", ANON_MNT_ID);
	int pid = pidfd_file_pid(f);
	if (pid != -ENOENT)	/* no pid namespaces: NSpid is the pid */
		pbuf_printf(b, "Pid:\t%d\nNSpid:\t%d\n", pid, pid);
	if (is_inotify(f)) {
		s32 wd;
		u64 ino;
		u32 dev, mask;
		for (int k = 0; !b->full && !inotify_watch_at(f, k, &wd, &ino, &dev, &mask); k++)
			pbuf_printf(b, "inotify wd:%x ino:%llx sdev:%x mask:%x ignored_mask:0\n",
				    (u32)wd, (unsigned long long)ino, dev, mask);
	}
	if (is_fanotify(f))
		fanotify_fdinfo(b, f);
	file_put(f);
	return 0;
}

int proc_pid_show(struct pbuf *b, int kind, const struct inode *i)
{
	struct process *p = proc_pid_get(i);
	int pid = p ? p->pid : 0, tid = PROC_TID(i->ino);
	struct proc_snapshot s;
	int rc;

	if (!p)
		return -ENOENT;
	rc = proc_snapshot(p, &s) ? -ENOENT : thread_view(p, tid, &s);
	if (rc)
		;
	else if (kind == PK_STATUS)
		rc = show_status(b, p, &s, tid ? tid : pid);
	else if (kind == PK_PSTAT)
		rc = show_stat(b, p, &s, tid ? tid : pid);
	else if (kind == PK_STATM)
		rc = show_statm(b, p);
	else if (kind == PK_CMDLINE || kind == PK_ENVIRON)
		rc = show_strings(b, p, kind == PK_ENVIRON);
	else if (kind == PK_AUXV)
		rc = show_auxv(b, p);
	else if (kind == PK_COMM)
		rc = pbuf_printf(b, "%s\n", s.comm);
	else if (kind == PK_MAPS || kind == PK_SMAPS)
		rc = show_maps(b, p, kind == PK_SMAPS);
	else if (kind == PK_OOM_SCORE)	/* kernel/mm/oom.c chooses by it */
		rc = pbuf_printf(b, "%d\n", oom_score(p, NULL));
	else if (kind == PK_COREDUMP_FILTER)
		rc = pbuf_printf(b, "%08x\n", READ_ONCE(p->coredump_filter));
	else if (kind == PK_OOM_ADJ)	/* kept, not yet used by the OOM killer */
		rc = pbuf_printf(b, "%d\n", READ_ONCE(p->oom_score_adj));
	else if (kind == PK_LIMITS)
		rc = show_limits(b, p);
	else if (kind == PK_FDINFO)
		rc = show_fdinfo(b, p, PROC_FD(i->ino));
	else if (kind == PK_PMOUNTS || kind == PK_MOUNTINFO) {	/* p's namespace */
		struct mnt_ns *ns = mnt_ns_of(p);
		rc = ns ? proc_show_mounts(b, kind == PK_MOUNTINFO, ns) : 0;
		mnt_ns_put(ns);
	}
	else if (kind == PK_TIMENS_OFFSETS)
		rc = timens_show(b, p);
	else if (kind == PK_UID_MAP || kind == PK_GID_MAP || kind == PK_SETGROUPS)
		rc = userns_show(b, p, kind - PK_UID_MAP);
	else if (kind == PK_PCGROUP)
		rc = cgroup_proc_show(b, p);
	else
		rc = -EINVAL;
	proc_put(p);
	return rc;
}

/*
 * pagemap: one 64-bit entry per page of the address space, as Linux's:
 * bit 63 present, bit 61 a file's (or shared) page, bits 0-54 the frame
 * number, shown only with CAP_SYS_ADMIN (as Linux), else 0. Made a
 * chunk at a time under the address space's locks, copied out with them
 * dropped (the copy may fault).
 */
#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PM_PFN_MASK ((1ULL << 55) - 1)

long proc_pid_pagemap_read(const struct inode *i, struct iobuf io, size_t n, u64 pos)
{
	if (pos % 8 || n % 8)
		return -EINVAL;
	struct process *p = proc_pid_get(i);
	struct user_mm *mm = p ? mm_of(p) : NULL;
	u64 *buf = mm ? kmalloc(PAGE_SIZE, GFP_KERNEL) : NULL;
	bool pfn = cap_effective(CAP_SYS_ADMIN);
	size_t done = 0;
	long rc = 0;

	if (p)
		proc_put(p);
	if (!mm)
		return p ? 0 : -ESRCH;	/* a zombie's is empty */
	if (!buf) {
		user_mm_put(mm);
		return -ENOMEM;
	}
	while (done < n && !rc) {
		u64 va = (pos + done) / 8 * PAGE_SIZE;
		size_t k = MIN((n - done) / 8, PAGE_SIZE / 8);
		if (va >= USER_TOP)
			break;
		k = (size_t)MIN((u64)k, (USER_TOP - va) / PAGE_SIZE);
		down_read(&mm->lock);
		for (size_t j = 0; j < k; j++) {
			u64 a = va + j * PAGE_SIZE;
			const struct vma *v = vma_find(mm, a);
			unsigned int prot;
			mutex_lock(&mm->pt_lock);
			phys_addr_t pa = v ? uvm_lookup(&mm->vm, a, &prot) : 0;
			mutex_unlock(&mm->pt_lock);
			buf[j] = !pa ? 0 : PM_PRESENT | (pfn ? (pa >> PAGE_SHIFT) & PM_PFN_MASK : 0) |
					   (v->ops ? PM_FILE : 0);
		}
		up_read(&mm->lock);
		if (iob_copy_out(io, done, buf, k * 8))
			rc = -EFAULT;
		else
			done += k * 8;
	}
	kfree(buf);
	user_mm_put(mm);
	return done ? (long)done : rc;
}

/* The name of an open file: its path, or what Linux calls the nameless. */
static int file_name(struct file *f, char *buf, size_t len)
{
	struct ns_common *ns = ns_of_file(f);

	if (ns)		/* as Linux's nsfs names them */
		return snprintf(buf, len, "%s:[%llu]", ns_kinds[ns->type]->name,
				(unsigned long long)ns->inum) + 1;
	if (f->inode && memfs_memfd_name(f->inode))	/* its path is outside every tree */
		return snprintf(buf, len, "/%s (deleted)", memfs_memfd_name(f->inode)) + 1;
	if (f->path.dentry) {
		int n = vfs_path_name(&f->path, buf, len);
		if (n > 0 && f->path.dentry->dead && (size_t)n + 10 <= len) {
			memcpy(buf + n - 1, " (deleted)", 11);
			n += 10;
		}
		return n;
	}
	if (f->inode && S_ISFIFO(f->inode->mode))
		return snprintf(buf, len, "pipe:[%llu]", (unsigned long long)f->inode->ino) + 1;
	return snprintf(buf, len, "anon_inode:[unknown]") + 1;
}

static int link_target(struct process *p, int kind, int fd, char *buf, size_t len)
{
	struct path path;
	int rc;

	if (kind == PK_NS)
		return proc_ns_readlink(p, fd, buf, len);
	if (!ptrace_may_read(p))	/* as Linux: following these skips the search */
		return -EACCES;		/* permission of every directory above */
	if (kind == PK_FD) {
		struct fdtable *t = proc_files(p);
		struct file *f = t ? fd_get(t, fd) : NULL;
		fdt_put(t);
		if (!f)
			return -ENOENT;
		rc = file_name(f, buf, len);
		file_put(f);
		return rc;
	}
	rc = proc_path_of(p, kind == PK_EXE, &path);
	if (rc)
		return rc;
	rc = vfs_path_name(&path, buf, len);
	path_put(&path);
	return rc;
}

/* A walk through exe, cwd or fd/N: to the object itself (an O_TMPFILE
 * or an unlinked file has no name to read); ENOENT for an fd with no
 * path (pipes, sockets, memfds) or a process gone. */
int proc_pid_jump(const struct inode *i, struct path *out)
{
	int kind = PROC_KIND(i->ino), fd = PROC_FD(i->ino);
	struct process *p = proc_pid_get(i);
	int rc = -ENOENT;

	if (!p)
		return -ENOENT;
	if (!ptrace_may_read(p)) {
		proc_put(p);
		return -EACCES;
	}
	if (kind == PK_FD) {
		struct fdtable *t = proc_files(p);
		struct file *f = t ? fd_get(t, fd) : NULL;
		fdt_put(t);
		if (f && f->path.dentry) {
			path_get(&f->path);
			*out = f->path;
			rc = 0;
		}
		if (f)
			file_put(f);
	} else {
		rc = proc_path_of(p, kind == PK_EXE, out);
	}
	proc_put(p);
	return rc;
}

int proc_pid_readlink(const struct inode *i, char *buf, size_t len)
{
	int kind = PROC_KIND(i->ino), fd = PROC_FD(i->ino);
	struct process *p = proc_pid_get(i);
	char *tmp = p ? kmalloc(PATH_MAX, GFP_KERNEL) : NULL;
	int rc;

	if (!p)
		return -ENOENT;
	rc = tmp ? link_target(p, kind, fd, tmp, PATH_MAX) : -ENOMEM;
	if (rc > 0) {	/* a length with the NUL; readlink's has none */
		rc = (int)MIN((size_t)rc - 1, len);
		memcpy(buf, tmp, (size_t)rc);
	}
	kfree(tmp);
	proc_put(p);
	return rc;
}

bool proc_fd_exists(const struct inode *dir, int fd)
{
	struct process *p = proc_pid_get(dir);
	struct fdtable *t = p ? proc_files(p) : NULL;
	struct file *f = t ? fd_get(t, fd) : NULL;
	bool open = f != NULL;

	if (f)
		file_put(f);
	fdt_put(t);
	proc_put(p);
	return open;
}

int proc_fd_next(const struct inode *dir, int from)
{
	struct process *p = proc_pid_get(dir);
	struct fdtable *t = p ? proc_files(p) : NULL;
	int fd = t ? fd_next(t, from) : -1;

	fdt_put(t);
	proc_put(p);
	return fd;
}

/* Writes to /proc/<pid>/timens_offsets (kernel/ns/time.c). */
long proc_pid_write_timens(const struct inode *i, const char *buf, size_t n)
{
	struct process *p = proc_pid_get(i);

	if (!p)
		return -ESRCH;
	int kind = PROC_KIND(i->ino);
	long rc = kind == PK_TIMENS_OFFSETS ? timens_write(p, buf, n)
					    : userns_write(p, kind - PK_UID_MAP, buf, n);
	proc_put(p);
	return rc;
}

/* Writes to /proc/<pid>/oom_score_adj: a number in [-1000, 1000], as
 * Linux; lowering it needs root (CAP_SYS_RESOURCE). The file's mode lets
 * only the process's owner (and root) open it for writing. */
/* coredump_filter takes a number as C writes it (0x.. hex, 0.. octal,
 * else decimal; a newline may end it), as Linux's kstrtouint base 0. */
static long write_coredump_filter(const struct inode *i, const char *buf, size_t n)
{
	u64 v = 0;
	size_t k = 0;
	unsigned base = 10;

	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	if (n >= 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		base = 16;
		k = 2;
	} else if (n >= 2 && buf[0] == '0') {
		base = 8;
		k = 1;
	}
	if (k == n)
		return -EINVAL;
	for (; k < n; k++) {
		char c = buf[k];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 99;
		if (d >= base)
			return -EINVAL;
		v = v * base + d;
		if (v > 0xffffffffULL)
			return -ERANGE;
	}
	struct process *p = proc_pid_get(i);
	if (!p)
		return -ESRCH;
	/* as Linux: only the filter's bits change, the others are ignored */
	WRITE_ONCE(p->coredump_filter, (u32)v & COREDUMP_FILTER_MASK);
	proc_put(p);
	return 0;
}

long proc_pid_write_adj(const struct inode *i, const char *buf, size_t n)
{
	long v;
	if (PROC_KIND(i->ino) == PK_COREDUMP_FILTER)
		return write_coredump_filter(i, buf, n);
	int rc = sysctl_parse_long(buf, n, &v);

	if (rc)
		return rc;
	if (v < -1000 || v > 1000)
		return -EINVAL;
	struct process *p = proc_pid_get(i);
	if (!p)
		return -ESRCH;
	if (v < READ_ONCE(p->oom_score_adj) && READ_ONCE(current_proc()->uid[1]) != 0)
		rc = -EACCES;
	else
		WRITE_ONCE(p->oom_score_adj, (int)v);
	proc_put(p);
	return rc;
}

/*
 * mem: the process's memory at the file's offset, read and written as
 * ptrace's PEEKDATA/POKEDATA do (user_mm_access: pages faulted in, a
 * write to private text goes to a private copy, never to the file).
 * Opening asks what ptrace asks. The file pins the structure of the
 * address space the process had then (user_mm_grab), not its memory:
 * each access takes the address space only while it still has a user
 * (as Linux's mmget_not_zero), so after an exec or exit it reads as
 * end of file, a setuid program exec'd later is never reachable through
 * an fd opened before, and no fd keeps a dead program's pages. A page at
 * a time through a kernel buffer; short at a hole, EIO if nothing could
 * be done (as Linux).
 */
int proc_pid_mem_open(struct inode *i, struct file *f)
{
	struct process *p = proc_pid_get(i);
	struct user_mm *mm = NULL;
	int rc = 0;

	if (!p)
		return -ENOENT;
	if (!ptrace_may_read(p))
		rc = -EACCES;
	else if (!(mm = mm_of(p)))
		rc = -ENOENT;	/* a zombie, or a kernel task */
	else if (!mm_readable(p, mm))
		rc = -EACCES;
	proc_put(p);
	if (mm) {
		if (!rc)
			user_mm_grab(mm);
		user_mm_put(mm);
	}
	f->priv = rc ? NULL : mm;
	return rc;
}

void proc_pid_mem_release(struct file *f)
{
	if (f->priv)
		user_mm_drop(f->priv);
	f->priv = NULL;
}

long proc_pid_mem_rw(struct file *f, struct iobuf io, size_t n, u64 *pos, bool write)
{
	struct user_mm *mm = f->priv;
	u64 at = *pos;
	size_t done = 0;
	int rc = 0;

	if (!mm || !n)
		return 0;
	if (!user_mm_tryget(mm))
		return 0;	/* exec'd or exited since the open */
	void *page = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!page) {
		user_mm_put(mm);
		return -ENOMEM;
	}
	while (done < n) {
		size_t want = MIN(n - done, (size_t)(PAGE_SIZE - (at & (PAGE_SIZE - 1))));
		if (at >= USER_TOP || want > USER_TOP - at)
			break;	/* past user memory: nothing there */
		if (write && (rc = iob_copy_in(page, io, done, want)))
			break;
		size_t got = user_mm_access(mm, at, page, want, write, true);
		if (!write && got && (rc = iob_copy_out(io, done, page, got)))
			break;
		done += got;
		at += got;
		if (got < want || fatal_signal_pending())
			break;	/* a hole or a refused page; or killed */
	}
	kfree(page);
	user_mm_put(mm);
	*pos = at;
	if (done)
		return (long)done;
	return rc ? rc : -EIO;
}
