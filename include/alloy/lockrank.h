/*
 * The kernel's lock order, as ranks: a lock may only be taken while every
 * lock already held has a strictly lower rank. Debug builds check this at
 * run time (kernel/sched/lockdep.c). docs/locking.md explains each rank.
 */
#ifndef ALLOY_LOCKRANK_H
#define ALLOY_LOCKRANK_H

enum lock_rank {
	/* sleeping locks (mutexes): always outermost */
	LR_MUTEX_TEST_OUTER = 10,
	LR_MUTEX_URING = 16,	/* an io_uring's submissions (requests run under it: then anything) */
	LR_MUTEX_TEST = 20,
	LR_MUTEX_MOUNT = 21,	/* the mount table (mount, umount, sync) */
	LR_MUTEX_NS = 24,	/* a filesystem's namespace (dentry tree) */
	LR_MUTEX_FPOS = 22,	/* an open file's position (getdents: then ns) */
	LR_MUTEX_MOUNT_LIST = 23, /* every mount (/proc/mounts names paths: then ns) */
	LR_MUTEX_FASYNC = 25,	/* files' owners and O_ASYNC hooks (then poll ops) */
	LR_MUTEX_EPOLL = 26,	/* an epoll's interest list (then poll ops, user copies) */
	LR_MUTEX_IPC = 27,	/* System V semaphores, message queues (kernel/ipc/) */
	LR_MUTEX_KEYS = 28,	/* every key, keyring, quota and process keyring pointer (kernel/keys/) */
	LR_MUTEX_PACKET_RING = 28, /* a packet socket's options and rings (a TX send: then inet) */
	LR_MUTEX_RTNL_NOTIFY = 29, /* netlink route notifications (then inet, netlink sockets) */
	LR_MUTEX_INODE = 30,	/* an inode's data and size */
	LR_MUTEX_PIPE = 32,	/* a pipe's ring */
	LR_MUTEX_UNIX_BIND = 18, /* a unix socket's name (held across mknod) */
	LR_MUTEX_FS_CONTEXT = 16, /* an fsopen context (then loop devices, mounts, VFS) */
	LR_MUTEX_LOOP_CTL = 19,	/* loop devices' configuration (then fd table, VFS) */
	LR_MUTEX_NETLINK = 31,	/* a netlink socket's dump (then inet, to read interfaces) */
	LR_MUTEX_UNIX = 33,	/* a unix socket's state and queue (user copies under it) */
	LR_MUTEX_UNIX_TABLE = 34, /* unix socket names and the list of sockets */
	LR_MUTEX_RMAP = 35,
	LR_MUTEX_AIO = 37,	/* an AIO ring's reapers (user copies under it: before mm) */	/* a reverse-map walk (then each mm's lock) */
	LR_MUTEX_LANDLOCK = 38,	/* a Landlock ruleset's rules (allocations, then the landlock lock) */
	LR_MUTEX_INET = 33,	/* lwIP, every TCP/UDP socket (user copies under it; never with unix-sock) */
	LR_MUTEX_PACKET = 36,	/* packet sockets' list (the taps: under inet) */
	LR_MUTEX_MM = 40,	/* a process's address space (an rwsem) */
	LR_MUTEX_MM_PT = 41,	/* its page-table entries, under the read side */
	LR_MUTEX_EXT2_MAP = 42,	/* an ext2 inode's block map (page faults: after mm) */
	LR_MUTEX_EXT2_XATTR = 43, /* an ext2 filesystem's extended-attribute blocks */
	LR_MUTEX_EXT2_ALLOC = 44, /* an ext2 filesystem's bitmaps and counts */
	LR_MUTEX_IPC_SHM = 45,	/* System V shared memory: a detach under mm->lock reaps */
	LR_MUTEX_HUGETLB_FAULT = 46, /* one huge page of a hugetlbfs file being faulted in (memfs-pages, the pool under it) */
	LR_MUTEX_DEFAULT = 50,

	/* spinlocks */
	LR_TEST_OUTER = 100,	/* ktest lockdep_inversion */
	LR_TEST_INNER = 101,
	LR_KSTACK = 110,	/* kernel stack slot bitmap */
	LR_TASKLIST = 120,	/* tid table */
	LR_PTRACE = 121,	/* tracers' lists, tracees' ptrace state */
	LR_PROC = 122,		/* process tree, pids, groups */
	LR_MOUNT_CROSS = 123,	/* dentry->mounted: walks crossing in, umount unhooking */
	LR_SIGHAND = 124,	/* a process's signal state */
	LR_RLIMIT = 125,	/* limits and children's times (a leaf) */
	LR_CGROUP = 125,	/* cgroups' tree, counts and memberships (never with rlimit) */
	LR_FDTABLE = 126,	/* a process's file descriptors */
	LR_DCACHE = 128,	/* dentry hash */
	LR_BLKDEV_LIST = 129,	/* registry of block devices */
	LR_PCACHE_LRU = 131,	/* the page cache's global LRU */
	LR_SHOOTDOWN = 130,	/* TLB shootdown request */
	LR_EXT2_ICACHE = 132,	/* an ext2 filesystem's in-memory inodes */
	LR_FLOCK = 133,		/* every inode's file locks (kernel/fs/flock.c) */
	LR_PCACHE = 134,	/* one page cache's tree and page states */
	LR_INOTIFY_LIST = 135,	/* every inode's inotify marks (unmount finds them) */
	LR_MEMFS_PAGES = 136,	/* memfs files' page trees (faults look up) */
	LR_INOTIFY_MARKS = 137,	/* an inode's inotify watches (then the instance's queue) */
	LR_INOTIFY_USER = 139,	/* inotify's per-user counts (a leaf) */
	LR_RMAP = 138,		/* a reverse map's list of address spaces */
	LR_PGTABLE = 140,	/* kernel page tables */
	LR_LOOP = 141,		/* a loop device's state, users and queue */
	LR_DNOTIFY = 142,	/* directories' dnotify marks (then fown) */
	LR_LEASE = 143,		/* every inode's leases (then fown) */
	LR_FANOTIFY = 144,	/* fanotify's groups, marks, users (then a group's queue) */
	LR_AIO = 144,		/* AIO contexts' list; a context's ring and requests (never nested,
				 * nor with fanotify's: the same rank) */
	LR_MEMFS_INOS = 144,	/* a memfs's inode-number table (file handles): a leaf */
	LR_IOAPIC = 145,	/* IOAPIC register window */
	LR_PCI_CONFIG = 146,	/* PCI configuration address/data ports */
	LR_VIRTQ = 147,		/* a virtqueue: ring, free descriptors, requests */
	LR_TTY = 148,		/* the terminal's line discipline */
	LR_FUTEX = 149,		/* a futex hash bucket's waiters */
	LR_WAITQ = 150,		/* wait queue / mutex internals */
	LR_EPOLL_NEST = 151,	/* epolls watching epolls (callbacks: under a wait queue) */
	LR_EPOLL = 152,		/* an epoll's ready list */
	LR_EPOLL_FILES = 153,	/* each file's list of epoll items */
	LR_EPOLL_WQ = 154,	/* an epoll's own wait queues, woken from callbacks */
	LR_FASYNC_QUEUE = 155,	/* O_ASYNC files waiting for fasyncd (callbacks: under a wait queue) */
	LR_FOWN = 156,		/* files' owners (F_SETOWN): a leaf */
	LR_NETLINK_TABLE = 157,	/* bound netlink sockets' ports (a leaf) */
	LR_ACCT = 157,		/* the process accounting file (a leaf; never with netlink's) */
	LR_MOUNT_PROP = 157,	/* mounts' peer groups and masters, for mountinfo (a leaf) */
	LR_DENTRY_ALIAS = 157,	/* directories' inode->alias (file handles): a leaf */
	LR_AIO_QUEUE = 158,	/* requests waiting for aiod (callbacks: under a wait queue) */
	LR_SIGACTION = 159,	/* a signal-handler table's entries (under any sharer's sig_lock): a leaf */
	LR_PIDMAP = 159,	/* PID namespaces' numbers (kernel/ns/pid.c): a leaf, never with sigaction's */
	LR_TASK = 160,		/* task->lock (state, on_rq) */
	LR_LANDLOCK = 161,	/* processes' Landlock domains, rule objects' inodes: a leaf */
	LR_RQ = 170,		/* per-CPU run queue */
	LR_DL_BW = 172,		/* SCHED_DEADLINE's admitted bandwidth (a leaf, under task->lock) */
	LR_NETDEV = 175,	/* a network device's receive queue; the registry (leaves) */
	LR_TIMER = 180,		/* per-CPU timer list */
	LR_RANDOM = 185,	/* get_random_bytes state */
	LR_HUGETLB = 186,	/* the hugetlb pool's lists and counts (a leaf; under memfs-pages) */
	LR_SLAB_LIST = 190,	/* list of slab caches */
	LR_SLAB = 200,		/* one kmem_cache */
	LR_PCP = 205,		/* a CPU's list of free single pages (then buddy) */
	LR_BUDDY = 210,		/* buddy free lists */
	LR_RATELIMIT = 240,	/* printk_ratelimited call sites' state */
	LR_KLOG = 245,		/* the kernel log ring: printk anywhere */
	LR_CONSOLE = 250,	/* serial output: innermost, printk anywhere */
};

#endif
