/*
 * Namespaces (kernel/ns/, docs/namespaces.md): what a process sees of
 * the system's names (host name, System V IPC ids, clock offsets, ...)
 * comes through its nsproxy, one namespace of each kind.
 *
 * Ownership and lifetime:
 *  - A namespace (struct ns_common inside its kind's struct) is counted
 *    (refs): each nsproxy that names it, each open ns file, each
 *    namespace it owns (owner) holds one. The last put calls its kind's
 *    release, which frees it. Its inode number (inum) is never reused.
 *  - An nsproxy is counted too: each process holds one on its own
 *    (process->nsp, [cwd_lock]), and whoever read it under that lock and
 *    uses it after. It is never changed in place: unshare and setns build
 *    a copy and swap the pointer under cwd_lock, then put the old one.
 *    Threads share their process's (Alloy's threads share one struct
 *    process, as cwd and files): setns of one thread is the process's.
 *  - Puts may sleep (an IPC namespace's objects are removed under the IPC
 *    mutexes): never under a spinlock.
 */
#ifndef ALLOY_NS_H
#define ALLOY_NS_H

#include <alloy/atomic.h>
#include <alloy/types.h>

/* The kinds, in /proc/<pid>/ns/'s order of listing. */
enum ns_type {
	NS_CGROUP, NS_IPC, NS_MNT, NS_NET, NS_PID, NS_TIME, NS_USER, NS_UTS,
	NS_NR
};

struct ns_common {
	atomic_t refs;
	u64 inum;			/* stat's st_ino of its ns files: a 64-bit
					 * count, never reused */
	int type;			/* enum ns_type */
	struct ns_common *owner;	/* the user namespace that owns it (counted);
					 * a user namespace's parent; NULL: the
					 * initial user namespace's */
	u32 owner_uid;			/* user ns: the creator's effective uid */
	int level;			/* user ns: depth (the initial is 0) */
};

struct nsproxy;

/*
 * One kind of namespace: the hook table a subsystem fills (kernel/ns/,
 * and kernel/sched/cgroup.c for cgroup namespaces).
 */
struct ns_kind {
	const char *name;		/* /proc/<pid>/ns/<name>, "uts:[inum]" */
	u32 clone_flag;			/* CLONE_NEW*: setns's nstype, NS_GET_NSTYPE */
	/* A new namespace after old for clone/unshare (the caller checked
	 * the permission), owned by user (counted by the callee); an error
	 * pointer (ns_err) or NULL for -ENOMEM. NULL hook: cannot be made
	 * (-EINVAL). */
	struct ns_common *(*create)(struct ns_common *old, struct ns_common *user);
	void (*release)(struct ns_common *ns);	/* the last reference went */
	/* setns: may the caller (process with nsproxy cur) enter ns? 0 or
	 * -errno. NULL: CAP_SYS_ADMIN. */
	int (*may_install)(struct nsproxy *cur, struct ns_common *ns);
	/* setns: ns into the new nsproxy nsp (a reference is taken by the
	 * framework for nsp->ns[type]); NULL: just that. */
	void (*install)(struct nsproxy *nsp, struct ns_common *ns);
	bool hierarchical;		/* NS_GET_PARENT means something (pid, user) */
	/* NS_GET_PARENT of a hierarchical kind: the parent, not counted, or
	 * NULL (the top: -EPERM). */
	struct ns_common *(*parent)(struct ns_common *ns);
};

struct nsproxy {
	atomic_t refs;
	struct ns_common *ns[NS_NR];	/* each counted */
	struct ns_common *time_for_children;	/* counted: children's time ns */
};

extern struct nsproxy init_nsproxy;
extern const struct ns_kind *const ns_kinds[NS_NR];

/* Error pointers for create hooks. */
#define ns_err(e) ((struct ns_common *)(long)(e))
#define ns_is_err(p) ((unsigned long)(p) >= (unsigned long)-4095)

/* A new inode number for a namespace (the initial ones have Linux's). */
u64 ns_alloc_inum(void);
/* Sets up c as a fresh namespace of type (refs 1, a new inum, owner
 * counted). */
void ns_common_init(struct ns_common *c, int type, struct ns_common *owner);
void ns_get(struct ns_common *c);
void ns_put(struct ns_common *c);	/* may sleep */

void nsproxy_get(struct nsproxy *n);
void nsproxy_put(struct nsproxy *n);	/* may sleep */

struct process;
/* p's nsproxy with a reference (NULL once p exited). */
struct nsproxy *proc_nsproxy(struct process *p);
/* p's namespace of type (counted), or NULL once it exited; for_children:
 * the time namespace its children get. */
struct ns_common *proc_ns(struct process *p, int type, bool for_children);

/* clone: -errno if the namespace flags cannot be honoured (checked
 * before the child exists); 0 otherwise. */
long ns_clone_check(u64 flags);
/* The child's nsproxy (counted) for clone flags; NULL: out of memory.
 * Entering a time namespace freezes its offsets. */
struct nsproxy *ns_fork(struct process *parent, u64 flags);
/* Process exit: its namespaces are let go. */
void ns_exit(struct process *p);
/* unshare(flags & namespace flags): 0 or -errno. */
long ns_unshare(u64 flags);

/* The current process's namespaces, read as one pointer. */
struct nsproxy *ns_current(void);	/* counted; init's for the kernel */
/* The current process's IPC namespace's number (System V ids are seen
 * only in the namespace that made them). */
u64 ns_current_ipc(void);

/* Time namespaces (kernel/ns/time.c): the offsets of the current
 * process's time namespace for a clock (0 for other clocks, and for the
 * initial namespace). A clock reading adds it; an absolute deadline the
 * process gave subtracts it. */
s64 timens_offset(u64 clock);
/* p enters time namespace time (fork, setns): its offsets are frozen and
 * p keeps a copy (process->time_off). */
void timens_enter(struct process *p, struct ns_common *time);
/* /proc/<pid>/timens_offsets of p's time_for_children namespace. */
struct pbuf;
int timens_show(struct pbuf *b, struct process *p);
long timens_write(struct process *p, const char *buf, size_t n);
/* /proc/<pid>/{uid_map,gid_map,setgroups} (which 0, 1, 2) of p's user
 * namespace (kernel/ns/user.c). */
int userns_show(struct pbuf *b, struct process *p, int which);
long userns_write(struct process *p, int which, const char *buf, size_t n);

/* UTS (kernel/ns/uts.c): the current namespace's names (65 bytes each,
 * NUL-terminated). */
#define UTS_LEN 65
void uts_read(char host[UTS_LEN], char domain[UTS_LEN]);
/* field 0: host name, 1: domain name; len <= 64 bytes, copied whole. */
void uts_write(int field, const char *s, size_t len);

/* IPC (kernel/ipc/): a dying IPC namespace's objects are removed. */
void shm_ns_exit(u64 ns);
void sem_ns_exit(u64 ns);
void msg_ns_exit(u64 ns);

/* ns files (kernel/ns/nsfs.c): an open file of ns (takes the caller's
 * reference, which it puts on failure); is f one; its namespace. */
struct file;
struct inode;
struct file *ns_file_open(struct ns_common *ns, u32 flags);
/* An inode of ns (st_ino = ns->inum, in nsfs), holding a reference it takes. */
struct inode *ns_inode(struct ns_common *ns);
struct ns_common *ns_of_file(struct file *f);	/* not counted; NULL: not an ns file */

#endif
