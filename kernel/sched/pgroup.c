/*
 * Process groups and the orphan rule (see pgroup.h). The caller holds
 * proc_lock (kernel/sched/process.c) for everything but allocation.
 */
#include <alloy/list.h>
#include <alloy/slab.h>
#include "pgroup.h"

struct pgroup {
	int pgid, sid;
	struct list_head members;	/* process.pgrp_link */
	struct list_head hash;
};

#define PGRP_BUCKETS 64
static struct list_head buckets[PGRP_BUCKETS];
static bool buckets_ready;
/* How many live groups have each id as their pgid or sid: a new pid
 * must not be one (checked per fork, so a counter, not a scan). */
static u16 id_users[PID_MAX];

static struct list_head *bucket(int pgid)
{
	if (!buckets_ready) {
		for (int i = 0; i < PGRP_BUCKETS; i++)
			list_init(&buckets[i]);
		buckets_ready = true;
	}
	return &buckets[(unsigned int)pgid % PGRP_BUCKETS];
}

struct pgroup *pgrp_alloc(void)
{
	return kzalloc(sizeof(struct pgroup), GFP_KERNEL);
}

void pgrp_free(struct pgroup *g)
{
	kfree(g);
}

void pgrp_start(struct pgroup *g, int pgid, int sid)
{
	g->pgid = pgid;
	g->sid = sid;
	id_users[pgid]++;
	id_users[sid]++;
	list_init(&g->members);
	list_add(&g->hash, bucket(pgid));
}

struct pgroup *pgrp_find(int pgid)
{
	struct pgroup *g;

	list_for_each_entry(g, bucket(pgid), hash)
		if (g->pgid == pgid)
			return g;
	return NULL;
}

int pgrp_sid(const struct pgroup *g)
{
	return g->sid;
}

bool pgrp_id_in_use(int id)
{
	return id > 0 && id < PID_MAX && id_users[id];
}

void pgrp_leave(struct process *p)
{
	struct pgroup *g = p->pgrp;

	if (!g)
		return;
	list_del_init(&p->pgrp_link);
	p->pgrp = NULL;
	if (list_empty(&g->members)) {
		list_del(&g->hash);
		id_users[g->pgid]--;
		id_users[g->sid]--;
		proc_id_check(g->pgid);
		proc_id_check(g->sid);
		kfree(g);
	}
}

void pgrp_join(struct process *p, struct pgroup *g)
{
	if (p->pgrp == g)
		return;
	pgrp_leave(p);
	list_add_tail(&p->pgrp_link, &g->members);
	p->pgrp = g;
	p->pgid = g->pgid;
	p->sid = g->sid;
}

void pgrp_each(int pgid, void (*fn)(struct process *p, void *arg), void *arg)
{
	struct pgroup *g = pgrp_find(pgid);
	struct process *p;

	if (!g)
		return;
	list_for_each_entry(p, &g->members, pgrp_link)
		if (!p->zombie)
			fn(p, arg);
}

/* No member that is alive (and not `gone`) has a parent in another
 * group of the same session. A child of `gone` or of init links nothing:
 * init takes the children of an exiting process. */
static bool orphaned(struct pgroup *g, struct process *gone)
{
	struct process *m;

	list_for_each_entry(m, &g->members, pgrp_link) {
		struct process *par = m->parent;
		if (m == gone || m->zombie || !par || par == gone || par->pid == 1)
			continue;
		if (par->pgrp != g && par->sid == g->sid)
			return false;
	}
	return true;
}

bool pgrp_orphaned(struct pgroup *g)
{
	return orphaned(g, NULL);
}

static bool has_stopped(struct pgroup *g, struct process *gone)
{
	struct process *m;

	list_for_each_entry(m, &g->members, pgrp_link)
		if (m != gone && !m->zombie && READ_ONCE(m->stopped))
			return true;
	return false;
}

static void note_group(struct orphan_check *oc, struct pgroup *g)
{
	if (!g)
		return;
	for (int i = 0; i < oc->n; i++)
		if (oc->pgid[i] == g->pgid)
			return;
	if (oc->n == ORPHAN_MAX)
		return;		/* past ORPHAN_MAX distinct groups: not checked */
	oc->pgid[oc->n] = g->pgid;
	oc->was[oc->n++] = orphaned(g, NULL);
}

void orphan_note(struct orphan_check *oc, struct process *p)
{
	struct process *c;

	note_group(oc, p->pgrp);
	list_for_each_entry(c, &p->children, sibling)
		note_group(oc, c->pgrp);
}

int orphan_found(struct orphan_check *oc, struct process *gone, int *pgids)
{
	int n = 0;

	for (int i = 0; i < oc->n; i++) {
		struct pgroup *g = pgrp_find(oc->pgid[i]);
		if (g && !oc->was[i] && orphaned(g, gone) && has_stopped(g, gone))
			pgids[n++] = g->pgid;
	}
	return n;
}
