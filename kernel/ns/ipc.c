/*
 * IPC namespaces (<alloy/ns.h>): System V shared memory, semaphore sets
 * and message queues are seen only in the IPC namespace that made them.
 * The ids tables stay one per kind (kernel/ipc/util.c): each object
 * carries its namespace's number and lookups from another namespace find
 * nothing, so ids are unique across namespaces and the limits (SHMMNI,
 * SHMALL, MSGMNI, the semaphore counts, the *_next_id knobs) are the
 * system's, not each namespace's. POSIX message queues are shared by
 * all namespaces (docs/namespaces.md). When the last reference goes, its
 * objects are removed as IPC_RMID would (a segment still attached lives
 * on until its last detach, as Linux).
 */
#include <alloy/errno.h>
#include <alloy/ns.h>
#include <alloy/slab.h>
#include <uapi/sched.h>

struct ipc_ns {
	struct ns_common ns;
};

struct ipc_ns init_ipc_ns = { .ns = { .refs = { 1 }, .inum = 0xefffffff, .type = NS_IPC } };

static struct ns_common *ipc_create(struct ns_common *old, struct ns_common *user)
{
	struct ipc_ns *n = kzalloc(sizeof(*n), GFP_KERNEL);

	(void)old;
	if (!n)
		return NULL;
	ns_common_init(&n->ns, NS_IPC, user);
	return &n->ns;
}

static void ipc_release(struct ns_common *ns)
{
	shm_ns_exit(ns->inum);
	sem_ns_exit(ns->inum);
	msg_ns_exit(ns->inum);
	kfree(ns);
}

const struct ns_kind ipc_ns_kind = { .name = "ipc", .clone_flag = CLONE_NEWIPC,
				     .create = ipc_create, .release = ipc_release };
