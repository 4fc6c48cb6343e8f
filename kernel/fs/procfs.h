/*
 * procfs internals shared by procfs.c (the filesystem and the top-level
 * files) and procfs_pid.c (what /proc/<pid>/ shows).
 *
 * An inode says what it is through its number: kind, pid, tid and fd
 * packed into ino, so nothing is allocated per inode and lookups need no
 * table. A tid (not 0) makes it one thread's view: /proc/<pid>/task/<tid>/
 * and what is under it, or /proc/<tid> of a thread that is not the
 * leader; the thread is looked up again each time, so a thread that has
 * gone is ENOENT (ESRCH for a read of a file opened before).
 * A file's text is made afresh by each read (as Linux's seq_file), into
 * a pbuf that keeps only the part the read asked for: writes before the
 * read's position are counted and dropped, whole writes are kept until
 * the read's size (at most a page) is reached. An open /proc file holds
 * no memory, and a read costs one page for its duration. A read ends at a
 * write's boundary, so the next one starts with a whole line.
 */
#ifndef KERNEL_FS_PROCFS_H
#define KERNEL_FS_PROCFS_H

#include <alloy/compiler.h>
#include <alloy/types.h>
#include <alloy/vfs.h>

enum proc_kind {
	PK_ROOT = 1,
	PK_MEMINFO, PK_MOUNTS, PK_UPTIME, PK_CPUINFO, PK_STAT, PK_FILESYSTEMS,
	PK_LOADAVG, PK_VERSION, PK_INTERRUPTS,
	PK_KMEM_PEAK, PK_SLABINFO, PK_KCMDLINE, PK_SELF,
	PK_PID,		/* /proc/<pid> */
	PK_STATUS, PK_PSTAT, PK_CMDLINE, PK_ENVIRON, PK_AUXV, PK_COMM, PK_MAPS, PK_STATM,
	PK_EXE, PK_CWD,
	PK_FDDIR, PK_FD,
	PK_FDINFODIR, PK_FDINFO,	/* /proc/<pid>/fdinfo/<fd> */
	PK_OOM_SCORE, PK_OOM_ADJ,
	PK_TASKDIR,	/* /proc/<pid>/task */
	PK_TID,		/* /proc/<pid>/task/<tid> */
	PK_THREAD_SELF,
	PK_SYSDIR, PK_SYSFILE,	/* /proc/sys (procfs_sys.c) */
	PK_LIMITS, PK_PMOUNTS, PK_MOUNTINFO,
	PK_NET, PK_NET_UNIX,	/* /proc/net (kernel/net/) */
	PK_NET_TCP, PK_NET_UDP, PK_NET_TCP6, PK_NET_UDP6,	/* kernel/net/inet_proc.c */
	PK_NET_DEV,		/* kernel/net/netdev_proc.c */
	PK_SYSVIPC, PK_SYSVIPC_SHM, PK_SYSVIPC_SEM, PK_SYSVIPC_MSG,	/* kernel/ipc/ */
	PK_SMAPS, PK_PAGEMAP, PK_MEM,
	PK_LOCK_STAT,	/* kernel/sched/lockstat.c */
	PK_NSDIR, PK_NS,	/* /proc/<pid>/ns/<kind> (procfs_ns.c): fd is the link's index */
	PK_KEYS, PK_KEY_USERS,	/* kernel/keys/proc.c */
	PK_TIMENS_OFFSETS,	/* /proc/<pid>/timens_offsets (kernel/ns/time.c) */
	PK_UID_MAP, PK_GID_MAP, PK_SETGROUPS,	/* /proc/<pid>/..., kernel/ns/user.c */
	PK_KPAGEFLAGS,		/* /proc/kpageflags (kernel/mm/kpageflags.c) */
	PK_DISKSTATS,		/* /proc/diskstats (sysfs.c) */
	/* sysfs (sysfs.c): the same engine, another root; fd is a disk's
	 * registration index (blkdev_at), times 64 plus the attribute's
	 * place for a file */
	PK_SYSFS_ROOT, PK_SYSFS_BLOCK, PK_SYSFS_DISK, PK_SYSFS_QUEUE, PK_SYSFS_ATTR,
	PK_SYSFS_DEV, PK_SYSFS_DEVBLOCK, PK_SYSFS_DEVLINK,
	PK_COREDUMP_FILTER,	/* /proc/<pid>/coredump_filter */
	PK_CGROUPS, PK_PCGROUP,	/* /proc/cgroups, /proc/<pid>/cgroup (kernel/sched/cgroup.c) */
	PK_MAX
};

/* Pids and tids are below PID_MAX (32768): 16 bits each. */
#define PROC_INO(kind, pid, tid, fd)						\
	(((u64)(tid) << 40) | ((u64)(pid) << 24) | ((u64)(fd) << 8) | (u64)(kind))
#define PROC_KIND(ino) ((int)((ino) & 0xff))
#define PROC_FD(ino) ((int)(((ino) >> 8) & 0xffff))
#define PROC_PID(ino) ((int)(((ino) >> 24) & 0xffff))
#define PROC_TID(ino) ((int)(((ino) >> 40) & 0xffff))

struct pbuf {
	u8 *buf;		/* the read's window: cap bytes */
	size_t cap, len;
	u64 skip;		/* bytes of text before the window */
	u64 seen;		/* bytes of text produced so far */
	u64 skip_writes;	/* or, when not 0: whole writes before it */
	u64 writes;		/* writes wholly before or in the window */
	bool split;		/* the window ends inside a write */
	bool full;		/* the window is full: later writes are dropped */
};

/* Appends n bytes whole (or the part a short window takes), or nothing
 * once the window is full (b->full: a generator may stop early). 0. */
int pbuf_write(struct pbuf *b, const void *data, size_t n);
int pbuf_puts(struct pbuf *b, const char *s);
/* One formatted write of at most 256 bytes. */
int pbuf_printf(struct pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A directory entry of a fixed table. */
struct proc_entry {
	const char *name;
	int kind;
	u32 mode;
};

struct process;

/* procfs_pid.c. tid 0: the process's view, else that thread's. */
extern const struct proc_entry proc_pid_entries[];
extern const size_t proc_pid_nr_entries;	/* "task" last */
extern const size_t proc_tid_nr_entries;	/* the same without it */
/*
 * A process's inodes (its directory and everything under it) hold a
 * reference to the process they were looked up for (inode->priv, put by
 * proc_iops.evict), as Linux's hold its struct pid: an open file or
 * directory keeps naming that process, not whoever reuses its pid later.
 */
/* i's process, with a reference, if it has not been reaped and (a
 * thread's inode) its thread lives; else NULL. */
struct process *proc_pid_get(const struct inode *i);
/* Text of a per-process file (kind) of i's process into b. */
int proc_pid_show(struct pbuf *b, int kind, const struct inode *i);
/* A write of n bytes (copied in) to i's process's timens_offsets: n or -errno. */
long proc_pid_write_timens(const struct inode *i, const char *buf, size_t n);
/* A write of n bytes (copied in) to i's process's oom_score_adj: 0 or -errno. */
long proc_pid_write_adj(const struct inode *i, const char *buf, size_t n);
/* /proc/<pid>/pagemap: the 8-byte entries of pages pos / 8 on (n / 8 of
 * them, pos and n multiples of 8) into io; bytes read or -errno. */
long proc_pid_pagemap_read(const struct inode *i, struct iobuf io, size_t n, u64 pos);
/* /proc/<pid>/mem (procfs_pid.c) */
int proc_pid_mem_open(struct inode *i, struct file *f);
void proc_pid_mem_release(struct file *f);
long proc_pid_mem_rw(struct file *f, struct iobuf io, size_t n, u64 *pos, bool write);
/* exe, cwd and fd/N targets. */
int proc_pid_readlink(const struct inode *i, char *buf, size_t len);
int proc_pid_jump(const struct inode *i, struct path *out);

/* fd/ (dir) of a process: is fd open; the next open fd >= from (-1 at the end). */
bool proc_fd_exists(const struct inode *dir, int fd);
int proc_fd_next(const struct inode *dir, int from);
/* Linux's USER_HZ clock ticks (100 per second) of ns or of timer ticks. */
u64 proc_clock_t_ns(u64 ns);
u64 proc_clock_t_ticks(u64 ticks);

/* procfs_ns.c: /proc/<pid>/ns/, whose links (PK_NS, fd = index) name
 * the process's namespaces as Linux's magic links: readlink gives
 * "kind:[inum]", a walk through one reaches an ns file (<alloy/ns.h>). */
extern const struct proc_entry proc_ns_entries[];
extern const size_t proc_ns_nr_entries;
int proc_ns_readlink(struct process *p, int idx, char *buf, size_t len);
int proc_ns_get_link(struct inode *link, struct path *dir);

/* procfs.c: an inode of kind for pid/tid/fd (ino packed as above). */
struct inode *proc_inode(struct super_block *sb, int kind, int pid, int tid, int fd,
			 u32 mode);
typedef bool (*proc_emit_fn)(void *ctx, const char *name, size_t len, u64 ino, u32 mode,
			     u64 next);

/* /proc/mounts' text, or (info) mountinfo's. */
struct mnt_ns;
/* ns's mounts (NULL: the caller's namespace) */
int proc_show_mounts(struct pbuf *b, bool info, struct mnt_ns *ns);

/* procfs_sys.c: /proc/sys from the .sysctl entries (<alloy/sysctl.h>). */
int proc_sys_lookup(struct inode *dir, const char *name, size_t len, struct inode **out);
void proc_sys_iterate(struct inode *dir, u64 *pos, proc_emit_fn emit, void *ctx);
/* /proc/net/{tcp,udp,tcp6,udp6} (kernel/net/inet_proc.c) */
int inet_proc_show(struct pbuf *b, int kind);
int proc_sys_show(struct pbuf *b, const struct inode *i);
/* The inode number of the directory dir of the entries' paths (sysfs
 * shows "@sys/kernel" as its /sys/kernel); 0 if no entry is under it. */
u64 proc_sys_dir_ino(const char *dir);
int proc_sys_open(const struct inode *i, u32 flags);
long proc_sys_write(struct file *f, struct iobuf io, size_t n, u64 *pos);

/* sysfs.c: /sys (mount -t sysfs), built on this file's engine */
#define PK_IS_SYSFS(kind) ((kind) >= PK_SYSFS_ROOT && (kind) <= PK_SYSFS_DEVLINK)
int sysfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out);
void sysfs_iterate(struct inode *dir, u64 *pos, proc_emit_fn emit, void *ctx);
int sysfs_show(struct pbuf *b, const struct inode *i);
int sysfs_readlink(const struct inode *i, char *buf, size_t len);
int diskstats_show(struct pbuf *b);
/* procfs.c: a new super block of type with a root directory of kind */
struct super_block *procfs_create_root(const char *type, int root_kind);

#endif
