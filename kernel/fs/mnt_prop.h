/*
 * Mount propagation's relations (kernel/fs/mnt_prop.c): peer groups and
 * master/slave links between mounts. docs/vfs.md "Propagation".
 *
 * A shared mount is in one peer group (mount->group): a mount or unmount
 * under one of the group's mounts happens under each of them. A slave
 * mount receives from one group (mount->master) and sends nothing back;
 * a mount may be both (a slave and in a group of its own). Every peer
 * of a group has the same master. A group lives while it has peers; its
 * last peer's leaving hands its slaves to that peer's master (or leaves
 * them without one), as Linux.
 *
 * Everything here is under the mount table lock (kernel/fs/mount.c);
 * mountinfo reads the ids (mount->group_id, master_id) without it.
 */
#ifndef ALLOY_FS_MNT_PROP_H
#define ALLOY_FS_MNT_PROP_H

#include <alloy/list.h>
#include <alloy/types.h>

struct mount;

struct peer_group {
	u32 id;				/* mountinfo's shared:N / master:N */
	struct list_head peers;		/* mounts: mount->peer */
	struct list_head slaves;	/* mounts whose master it is: mount->slave */
	/* one propagation walk (mount.c): visited in walk `epoch`, queued
	 * with the tree its mounts get copies of */
	u64 epoch;
	struct peer_group *next_job;
	struct mount *job_tmpl;
	bool job_slave;			/* copies are slaves of job_tmpl's groups */
};

/* How a copy y of mount x relates to x (prop_copy). */
enum prop_copy_kind {
	PROP_PRIVATE,		/* neither shared nor slave */
	PROP_LIKE,		/* what x is: x's peer if shared, its master's slave */
	PROP_SLAVE,		/* a slave of x's group (x is shared) */
	PROP_SLAVE_SHARED,	/* that, and in a new group of its own */
	PROP_TO_SLAVE,		/* x's group's slave if x is shared, else as x */
};

/* mount(2)'s MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE on m. */
int prop_change(struct mount *m, u32 ms_type);
/* m leaves its group and master: private (as after an unmount). */
void prop_make_private(struct mount *m);
/* m in a new group if in none: -ENOMEM, or -ENOSPC with no id left. */
int prop_make_shared(struct mount *m);
/* y (a new copy of x) relates to x as kind says; -ENOMEM/-ENOSPC for a
 * new group (y is then private). */
int prop_copy(struct mount *y, struct mount *x, enum prop_copy_kind kind);

/* mountinfo's propagate_from: the nearest group up m's chain of
 * masters with a peer in namespace ns (0: none). Takes prop_lock only. */
struct mnt_ns;
u32 prop_dominating(struct mount *m, struct mnt_ns *ns);

#endif
