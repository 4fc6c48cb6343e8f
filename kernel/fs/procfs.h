/*
 * procfs internals shared by procfs.c (the filesystem and the top-level
 * files) and procfs_pid.c (what /proc/<pid>/ shows).
 *
 * An inode says what it is through its number: kind, pid and fd packed
 * into ino, so nothing is allocated per inode and lookups need no table.
 * A file's text is made when it is opened, into a pbuf of at most
 * PBUF_PAGES pages taken one at a time; output that would not fit is cut
 * at the last whole write and the rest dropped (reads see a shorter file).
 */
#ifndef KERNEL_FS_PROCFS_H
#define KERNEL_FS_PROCFS_H

#include <alloy/compiler.h>
#include <alloy/types.h>
#include <alloy/vfs.h>

enum proc_kind {
	PK_ROOT = 1,
	PK_MEMINFO, PK_MOUNTS, PK_UPTIME, PK_CPUINFO, PK_STAT, PK_FILESYSTEMS,
	PK_LOADAVG, PK_VERSION,
	PK_KMEM_PEAK, PK_SELF,
	PK_PID,		/* /proc/<pid> */
	PK_STATUS, PK_PSTAT, PK_CMDLINE, PK_ENVIRON, PK_COMM, PK_MAPS, PK_STATM,
	PK_EXE, PK_CWD,
	PK_FDDIR, PK_FD,
	PK_OOM_SCORE, PK_OOM_ADJ,
	PK_MAX
};

#define PROC_INO(kind, pid, fd) (((u64)(pid) << 24) | ((u64)(fd) << 8) | (u64)(kind))
#define PROC_KIND(ino) ((int)((ino) & 0xff))
#define PROC_FD(ino) ((int)(((ino) >> 8) & 0xffff))
#define PROC_PID(ino) ((int)((ino) >> 24))

#define PBUF_PAGES 16		/* 64 KiB of text per open file at most */

struct pbuf {
	struct page *pg[PBUF_PAGES];
	size_t len;
	bool full;		/* something did not fit and was dropped */
};

/* Appends n bytes whole, or nothing (and marks the buffer full). */
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

/* procfs_pid.c */
extern const struct proc_entry proc_pid_entries[];
extern const size_t proc_pid_nr_entries;
/* Text of a per-process file (kind) of pid into b. */
int proc_pid_show(struct pbuf *b, int kind, int pid);
/* exe, cwd and fd/N targets. */
int proc_pid_readlink(int kind, int pid, int fd, char *buf, size_t len);
/* fd/ of pid: is fd open; the next open fd >= from (-1 at the end). */
bool proc_fd_exists(int pid, int fd);
int proc_fd_next(int pid, int from);
/* Linux's USER_HZ clock ticks (100 per second) of ns or of timer ticks. */
u64 proc_clock_t_ns(u64 ns);
u64 proc_clock_t_ticks(u64 ticks);

#endif
