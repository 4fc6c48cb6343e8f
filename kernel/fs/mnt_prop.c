/*
 * Mount propagation's relations: peer groups, their ids, and the
 * master/slave links (kernel/fs/mnt_prop.h). Which mounts an event
 * reaches and the copies it makes are mount.c's (the propagation walk).
 * Everything here runs under the mount table lock.
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mnt_ns.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/vfs.h>
#include <uapi/mount.h>
#include "mnt_prop.h"

/* The relations change under the mount lock and this one, so that
 * mountinfo (which cannot take the mount lock: it runs under a file's
 * position lock) may follow them under this one alone. A leaf. */
static spinlock_t prop_lock = SPINLOCK_INIT("mount-prop", LR_MOUNT_PROP);

/* Group ids: the smallest free one from 1, as Linux. Their number is at
 * most the number of mounts (a group has one at least), which
 * fs/mount-max bounds per namespace; past the table's end a new group is
 * -ENOSPC. */
#define GROUP_IDS (1u << 17)
static u64 id_used[GROUP_IDS / 64];	/* [mount lock] */
static u32 id_hint = 1;			/* no free id below it */

static u32 id_alloc(void)
{
	for (u32 w = id_hint / 64; w < GROUP_IDS / 64; w++) {
		if (id_used[w] == ~0ULL)
			continue;
		for (u32 b = 0; b < 64; b++) {
			u32 id = w * 64 + b;
			if (id && id >= id_hint && !(id_used[w] & (1ULL << b))) {
				id_used[w] |= 1ULL << b;
				id_hint = id + 1;
				return id;
			}
		}
	}
	return 0;
}

static void id_free(u32 id)
{
	id_used[id / 64] &= ~(1ULL << (id % 64));
	if (id < id_hint)
		id_hint = id;
}

static struct peer_group *group_new(void)
{
	struct peer_group *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return NULL;
	if (!(g->id = id_alloc())) {
		kfree(g);
		return NULL;
	}
	list_init(&g->peers);
	list_init(&g->slaves);
	return g;
}

/* m receives from g from now on (NULL: from nothing). [prop_lock] */
static void set_master_locked(struct mount *m, struct peer_group *g)
{
	if (m->master)
		list_del(&m->slave);
	if (g && g == m->group)
		g = NULL;	/* never its own slave (no cycle of one) */
	m->master = g;
	if (g)
		list_add_tail(&m->slave, &g->slaves);
	WRITE_ONCE(m->master_id, g ? g->id : 0);
}

static void set_master(struct mount *m, struct peer_group *g)
{
	unsigned long fl = spin_lock_irqsave(&prop_lock);
	set_master_locked(m, g);
	spin_unlock_irqrestore(&prop_lock, fl);
}

static void join(struct mount *m, struct peer_group *g)
{
	unsigned long fl = spin_lock_irqsave(&prop_lock);
	m->group = g;
	list_add_tail(&m->peer, &g->peers);
	WRITE_ONCE(m->group_id, g->id);
	spin_unlock_irqrestore(&prop_lock, fl);
}

/* m leaves its group; the group's last peer hands the slaves to its own
 * master and the group goes. */
static void leave_group(struct mount *m)
{
	struct peer_group *g = m->group;
	struct mount *s, *tmp;

	if (!g)
		return;
	unsigned long fl = spin_lock_irqsave(&prop_lock);
	list_del(&m->peer);
	m->group = NULL;
	WRITE_ONCE(m->group_id, 0);
	bool last = list_empty(&g->peers);
	if (last) {
		list_for_each_entry_safe(s, tmp, &g->slaves, slave)
			set_master_locked(s, m->master);
	}
	spin_unlock_irqrestore(&prop_lock, fl);
	if (last) {
		id_free(g->id);
		kfree(g);
	}
}

u32 prop_dominating(struct mount *m, struct mnt_ns *ns)
{
	u32 id = 0;
	unsigned long fl = spin_lock_irqsave(&prop_lock);
	struct peer_group *g = m->master;

	/* bounded: the relations form no cycle, but a reader never loops */
	for (int hops = 0; g && !id && hops < 4096; hops++) {
		struct mount *p;
		struct peer_group *up = NULL;
		list_for_each_entry(p, &g->peers, peer) {
			if (READ_ONCE(p->ns) == ns) {
				id = g->id;
				break;
			}
			up = p->master;	/* every peer's is the same */
		}
		g = up;
	}
	spin_unlock_irqrestore(&prop_lock, fl);
	return id;
}

void prop_make_private(struct mount *m)
{
	leave_group(m);
	set_master(m, NULL);
	m->unbindable = false;
}

int prop_make_shared(struct mount *m)
{
	m->unbindable = false;
	if (m->group)
		return 0;
	struct peer_group *g = group_new();
	if (!g)
		return -ENOSPC;
	join(m, g);
	if (m->master == g)
		set_master(m, NULL);
	return 0;
}

/* A shared mount becomes its group's slave (the group stays with its
 * other peers); the last peer keeps the master it had. A mount in no
 * group stays as it is: a slave, or private. */
static void make_slave(struct mount *m)
{
	struct peer_group *g = m->group;

	m->unbindable = false;
	if (!g)
		return;
	if (list_is_singular(&g->peers)) {
		leave_group(m);		/* its slaves go to m's master */
		return;
	}
	leave_group(m);
	set_master(m, g);
}

int prop_change(struct mount *m, u32 ms_type)
{
	switch (ms_type) {
	case MS_SHARED:
		return prop_make_shared(m);
	case MS_SLAVE:
		make_slave(m);
		return 0;
	case MS_PRIVATE:
		prop_make_private(m);
		return 0;
	case MS_UNBINDABLE:
		prop_make_private(m);
		m->unbindable = true;
		return 0;
	}
	return -EINVAL;
}

int prop_copy(struct mount *y, struct mount *x, enum prop_copy_kind kind)
{
	switch (kind) {
	case PROP_PRIVATE:
		return 0;
	case PROP_LIKE:
		y->unbindable = x->unbindable;
		if (x->group)
			join(y, x->group);
		set_master(y, x->master);
		return 0;
	case PROP_TO_SLAVE:
		y->unbindable = x->unbindable;
		set_master(y, x->group ? x->group : x->master);
		return 0;
	case PROP_SLAVE:
	case PROP_SLAVE_SHARED:
		set_master(y, x->group ? x->group : x->master);
		return kind == PROP_SLAVE_SHARED ? prop_make_shared(y) : 0;
	}
	return -EINVAL;
}
