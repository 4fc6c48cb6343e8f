/*
 * Process groups (pgroup.c), internal to kernel/sched. A group is an
 * object with its member list, so signals to a group and the orphan rule
 * visit its members and nothing else. It lives while it has members
 * (zombies too: a zombie keeps its pgid until reaped), and its id, and
 * its session's, are not given to a new process meanwhile. Every
 * function here runs with proc_lock held, except pgrp_alloc.
 */
#ifndef SCHED_PGROUP_H
#define SCHED_PGROUP_H

#include <alloy/process.h>

struct pgroup;

/* Memory for a group, taken before proc_lock; pgrp_free if unused. */
struct pgroup *pgrp_alloc(void);
void pgrp_free(struct pgroup *g);
/* Makes g the group pgid of session sid (known by pgrp_find from now). */
void pgrp_start(struct pgroup *g, int pgid, int sid);
struct pgroup *pgrp_find(int pgid);
int pgrp_sid(const struct pgroup *g);
/* A pid that is a live group's or session's id (not free for a new process). */
bool pgrp_id_in_use(int id);
/* p joins g (leaving its group, which goes when it has no one left). */
void pgrp_join(struct process *p, struct pgroup *g);
void pgrp_leave(struct process *p);
/* process.c: id is free again unless a process, thread or group still
 * has it (its PID namespace numbers go then). */
void proc_id_check(int id);
/* Calls fn for every member of group pgid that has not exited. */
void pgrp_each(int pgid, void (*fn)(struct process *p, void *arg), void *arg);

/*
 * The orphan rule (POSIX, Linux's kill_orphaned_pgrp): a group is
 * orphaned when no member has a parent in another group of the same
 * session; a group that becomes so while a member is stopped gets
 * SIGHUP then SIGCONT, or that member would stay stopped for ever. Note
 * the groups a change may orphan (orphan_note) before it, then, after
 * it, ask which became orphaned with a stopped member (orphan_found).
 */
#define ORPHAN_MAX 64
struct orphan_check {
	int n;
	int pgid[ORPHAN_MAX];
	bool was[ORPHAN_MAX];	/* orphaned before the change */
};
/* p's own group and its children's groups. */
void orphan_note(struct orphan_check *oc, struct process *p);
/* No member has a parent in another group of the same session. */
bool pgrp_orphaned(struct pgroup *g);
/* The groups to signal, into pgids (ORPHAN_MAX); gone: a process that
 * is exiting (its children count as init's). Their number. */
int orphan_found(struct orphan_check *oc, struct process *gone, int *pgids);

#endif
