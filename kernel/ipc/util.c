/*
 * What the three System V IPC kinds share (<alloy/ipc.h>): the id table,
 * keys, and Linux's permission rules (ipc/util.c there). A table grows by
 * doubling up to IPCMNI slots; an id is (seq << 15) | slot and the slot's
 * sequence moves on each time an object leaves it, so an old id of a
 * reused slot is -EINVAL rather than someone else's object.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/ipc.h>
#include <alloy/ns.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <uapi/ipc.h>

#define SEQ_SHIFT 15
#define SEQ_MAX 0xffff		/* ids stay positive ints */

void ipc_ids_init(struct ipc_ids *ids, const char *name, int rank, const long *mni)
{
	memset(ids, 0, sizeof(*ids));
	mutex_init(&ids->lock, name, rank);
	for (int i = 0; i < IPC_HASH; i++)
		list_init(&ids->hash[i]);
	ids->max_idx = -1;
	ids->next_id = -1;
	ids->mni = mni;
}

static struct list_head *bucket(struct ipc_ids *ids, s32 key)
{
	return &ids->hash[((u32)key * 2654435761u) >> 26];
}

bool ipc_visible(const struct ipc_perm_k *p)
{
	return p->ns == ns_current_ipc();
}

struct ipc_perm_k *ipc_findkey(struct ipc_ids *ids, s32 key)
{
	struct ipc_perm_k *p;
	u64 ns = ns_current_ipc();

	list_for_each_entry(p, bucket(ids, key), hash)
		if (p->key == key && p->ns == ns)
			return p;
	return NULL;
}

static int grow(struct ipc_ids *ids)
{
	int cap = ids->cap ? ids->cap * 2 : 64;

	if (ids->cap >= IPCMNI)
		return -ENOSPC;
	cap = MIN(cap, IPCMNI);
	struct ipc_perm_k **slot = kzalloc(cap * sizeof(*slot), GFP_KERNEL);
	u16 *seq = kzalloc(cap * sizeof(*seq), GFP_KERNEL);
	if (!slot || !seq) {
		kfree(slot);
		kfree(seq);
		return -ENOMEM;
	}
	if (ids->cap) {
		memcpy(slot, ids->slot, ids->cap * sizeof(*slot));
		memcpy(seq, ids->seq, ids->cap * sizeof(*seq));
	}
	kfree(ids->slot);
	kfree(ids->seq);
	ids->slot = slot;
	ids->seq = seq;
	ids->cap = cap;
	return 0;
}

int ipc_add(struct ipc_ids *ids, struct ipc_perm_k *p, s32 key, u32 mode)
{
	struct cred c;
	int idx, rc;

	if (ids->in_use >= READ_ONCE(*ids->mni))
		return -ENOSPC;
	/* /proc/sys/kernel/{msg,shm,sem}_next_id: this object's id if its slot is free,
	 * else the next free slot above it with the asked sequence (Linux's
	 * checkpoint/restore knob); used once */
	long want = READ_ONCE(ids->next_id);
	int start = want >= 0 ? (int)(want & (IPCMNI - 1)) : ids->free_hint;
	for (;;) {
		for (idx = start; idx < ids->cap && ids->slot[idx]; idx++)
			;	/* the lowest free slot, as Linux's idr */
		if (idx < ids->cap)
			break;
		if ((rc = grow(ids)))
			return rc;
	}
	if (want >= 0) {
		ids->seq[idx] = (u16)MIN(want >> SEQ_SHIFT, (long)SEQ_MAX);
		ids->next_id = -1;
	}
	cred_current(&c);
	p->key = key;
	p->mode = mode & 0777;
	p->uid = p->cuid = c.euid;
	p->gid = p->cgid = c.egid;
	p->seq = ids->seq[idx];
	p->id = (p->seq << SEQ_SHIFT) | idx;
	p->deleted = false;
	p->ns = ns_current_ipc();
	atomic_set(&p->refs, 1);	/* the table's */
	list_init(&p->hash);
	if (key != IPC_PRIVATE)
		list_add_tail(&p->hash, bucket(ids, key));
	ids->slot[idx] = p;
	ids->in_use++;
	ids->max_idx = MAX(ids->max_idx, idx);
	if (idx == ids->free_hint)
		ids->free_hint = idx + 1;
	return 0;
}

/* *_STAT: Linux takes the slot from the low bits, so an id works too. */
struct ipc_perm_k *ipc_lookup_slot(struct ipc_ids *ids, long idx)
{
	if (idx < 0)
		return NULL;
	idx &= IPCMNI - 1;
	struct ipc_perm_k *p = idx < ids->cap ? ids->slot[idx] : NULL;
	return p && ipc_visible(p) ? p : NULL;
}

struct ipc_perm_k *ipc_lookup(struct ipc_ids *ids, long id)
{
	if (id < 0 || id > 0x7fffffff)
		return NULL;
	struct ipc_perm_k *p = ipc_lookup_slot(ids, id & (IPCMNI - 1));
	return p && p->id == id ? p : NULL;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_perm_k *p)
{
	int idx = p->id & (IPCMNI - 1);

	list_del_init(&p->hash);
	ids->slot[idx] = NULL;
	ids->seq[idx] = ids->seq[idx] == SEQ_MAX ? 0 : ids->seq[idx] + 1;
	ids->in_use--;
	ids->free_hint = MIN(ids->free_hint, idx);
	while (ids->max_idx >= 0 && !ids->slot[ids->max_idx])
		ids->max_idx--;
	p->deleted = true;
}

/* Linux's ipcperms: owner or creator, then group, then others; root
 * (CAP_IPC_OWNER) may do anything. */
int ipc_perm_check(const struct ipc_perm_k *p, u32 flag)
{
	struct cred c;
	u32 want = (flag >> 6) | (flag >> 3) | flag, granted = p->mode;

	cred_current(&c);
	if (c.euid == p->uid || c.euid == p->cuid)
		granted >>= 6;
	else if (cred_in_group(&c, p->gid) || cred_in_group(&c, p->cgid))
		granted >>= 3;
	if ((want & ~granted & 0007) && !cred_is_root(&c))
		return -EACCES;
	return 0;
}

int ipc_owner_check(const struct ipc_perm_k *p)
{
	struct cred c;

	cred_current(&c);
	return c.euid == p->uid || c.euid == p->cuid || cred_is_root(&c) ? 0 : -EPERM;
}

void ipc_set_perm(struct ipc_perm_k *p, const struct ipc64_perm *in)
{
	p->uid = in->uid;
	p->gid = in->gid;
	p->mode = (p->mode & ~0777u) | (in->mode & 0777);
}

void ipc_fill_perm(const struct ipc_perm_k *p, struct ipc64_perm *out)
{
	memset(out, 0, sizeof(*out));
	out->key = p->key;
	out->uid = p->uid;
	out->gid = p->gid;
	out->cuid = p->cuid;
	out->cgid = p->cgid;
	out->mode = p->mode;
	out->seq = p->seq;
}

/* Linux's ipcget: IPC_PRIVATE always creates; an existing key fails
 * IPC_CREAT|IPC_EXCL (-EEXIST), then the kind's own check (a size or
 * count too large: -EINVAL), then the permission asked in flg's low bits. */
long ipc_get(struct ipc_ids *ids, s32 key, int flg,
	     int (*check)(struct ipc_perm_k *p, long arg),
	     long (*create)(s32 key, int flg, long arg), long arg)
{
	long rc;

	mutex_lock(&ids->lock);
	struct ipc_perm_k *p = key == IPC_PRIVATE ? NULL : ipc_findkey(ids, key);
	if (!p)
		rc = key == IPC_PRIVATE || (flg & IPC_CREAT) ? create(key, flg, arg) : -ENOENT;
	else if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
		rc = -EEXIST;
	else if (!(rc = check(p, arg)) && !(rc = ipc_perm_check(p, (u32)flg & 0777)))
		rc = p->id;
	mutex_unlock(&ids->lock);
	return rc;
}

s64 ipc_now(void)
{
	return (s64)(wall_clock_ns() / 1000000000ULL);
}

int ipc_pid(void)
{
	struct process *p = current_proc();

	return p ? p->pid : 0;
}

void ipc_init(void)
{
	shm_init();
	sem_init();
	msg_init();
	mq_init();
}

void *ipc_budget_alloc(struct ipc_budget *b, size_t n)
{
	if (atomic_long_add_return(&b->used, (long)n) > b->limit) {
		atomic_long_add_return(&b->used, -(long)n);
		return NULL;
	}
	void *p = kmalloc(n, GFP_KERNEL);
	if (!p)
		atomic_long_add_return(&b->used, -(long)n);
	return p;
}

void ipc_budget_free(struct ipc_budget *b, void *p, size_t n)
{
	kfree(p);
	atomic_long_add_return(&b->used, -(long)n);
}
