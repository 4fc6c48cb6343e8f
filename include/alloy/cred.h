/*
 * Credentials (kernel/syscall/sys_cred.c, docs/permissions.md): a
 * process's user and group IDs and supplementary groups, as Linux's
 * struct cred but per process, not per thread (musl and glibc make
 * setuid and friends act on every thread anyway). They live in struct
 * process (uid[3], gid[3], groups) and change under p->sig_lock; whoever
 * decides something from more than one of them takes a snapshot with
 * cred_current() so it never sees half of a change. The file system IDs
 * follow the effective ones; setfsuid/setfsgid set them alone.
 */
#ifndef ALLOY_CRED_H
#define ALLOY_CRED_H

#include <alloy/types.h>

/* Supplementary groups a process may have (Linux: 65536). */
#define NGROUPS_MAX 64

struct cred {
	u32 uid, euid, suid, fsuid;
	u32 gid, egid, sgid, fsgid;
	int ngroups;
	u32 groups[NGROUPS_MAX];
};

struct process;
struct inode;

/* The calling process's credentials, read as one (root's for the kernel
 * before any process exists). */
void cred_current(struct cred *out);
/* The same, with the real IDs as the file system IDs: access(2). */
void cred_current_real(struct cred *out);
/* Is gid the fsgid or a supplementary group of c? */
bool cred_in_group(const struct cred *c, u32 gid);
/* The effective user ID is 0: Linux's capabilities all held. */
static inline bool cred_is_root(const struct cred *c) { return c->euid == 0; }
/* fork: the child gets a copy of the parent's credentials. */
void cred_fork(struct process *child, struct process *parent);
/* execve of a set-user-ID / set-group-ID file (with the inode's owner,
 * group and mode; nosuid: its mount forbids that): the new effective
 * (and saved) IDs the program runs with. secure is AT_SECURE. */
void cred_exec(const struct cred *old, const struct inode *i, bool nosuid, struct cred *out,
	       bool *secure);
/* Installs c's IDs as the current process's (execve's commit). */
void cred_commit(const struct cred *c);

/* May the current process send sig to p? kill(2)'s rule: root, or the
 * sender's real or effective user ID is p's real or saved one; SIGCONT
 * within a session. */
bool cred_may_signal(struct process *p, int sig);

/* The current process holds capability cap in its effective set (and,
 * as every check here, runs as root: euid 0). */
bool cap_effective(int cap);
#define CAP_SETPCAP 8
/* PR_CAPBSET_READ (drop false) and PR_CAPBSET_DROP of cap. */
long cap_bset_prctl(bool drop, u64 cap);

#endif
