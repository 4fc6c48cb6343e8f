/*
 * System V IPC (kernel/ipc/): shared memory, semaphores, message queues.
 * Each kind keeps its objects in an ipc_ids table under one mutex. An id
 * is (sequence << 15) | slot, the slot's sequence moving on at each reuse,
 * so an id that outlived its object finds nothing (-EINVAL). An object
 * found under the table's mutex is used after it only with a reference.
 */
#ifndef ALLOY_IPC_H
#define ALLOY_IPC_H

#include <alloy/atomic.h>
#include <alloy/list.h>
#include <alloy/mutex.h>
#include <alloy/types.h>

#define IPCMNI 32768		/* slots per table: the id's low 15 bits */
#define IPC_HASH 64		/* key hash buckets */

struct ipc_perm_k {
	int id;
	s32 key;
	u32 uid, gid, cuid, cgid;
	u32 mode;		/* low 9 bits: rwx as files; SHM_DEST, SHM_LOCKED */
	u16 seq;
	bool deleted;		/* out of the table: sleepers get -EIDRM */
	u64 ns;			/* its IPC namespace's number: seen only there */
	atomic_t refs;		/* the table's, plus users outside the mutex */
	struct list_head hash;	/* in its key's bucket (not IPC_PRIVATE) */
};

struct ipc_ids {
	struct mutex lock;
	struct ipc_perm_k **slot;	/* [lock] grown up to IPCMNI */
	u16 *seq;			/* [lock] each slot's next sequence */
	int cap, in_use, max_idx;	/* [lock] max_idx: highest used slot, -1 */
	int free_hint;			/* [lock] no free slot below it */
	struct list_head hash[IPC_HASH];
	const long *mni;		/* the kind's limit on objects (sysctl) */
	long next_id;			/* the next object's id, -1: any (sysctl) */
};

void ipc_ids_init(struct ipc_ids *ids, const char *name, int rank, const long *mni);
/* Is p in the caller's IPC namespace (<alloy/ns.h>)? Lookups and
 * listings show nothing of another's. */
bool ipc_visible(const struct ipc_perm_k *p);
/* Under ids->lock: the object of key (not IPC_PRIVATE) or NULL. */
struct ipc_perm_k *ipc_findkey(struct ipc_ids *ids, s32 key);
/* Under ids->lock: enters p (key, mode set) with the creator's IDs;
 * -ENOSPC past the kind's limit, -ENOMEM. */
int ipc_add(struct ipc_ids *ids, struct ipc_perm_k *p, s32 key, u32 mode);
/* Under ids->lock: the object of id (or of slot id, for *_STAT), NULL if
 * there is none. ipc_remove takes it out (the caller drops the table's
 * reference). */
struct ipc_perm_k *ipc_lookup(struct ipc_ids *ids, long id);
struct ipc_perm_k *ipc_lookup_slot(struct ipc_ids *ids, long idx);
void ipc_remove(struct ipc_ids *ids, struct ipc_perm_k *p);
/* 0 or -EACCES: may the caller have `flag` (S_IRUGO/S_IWUGO-like bits)? */
int ipc_perm_check(const struct ipc_perm_k *p, u32 flag);
/* IPC_SET/IPC_RMID: the owner, the creator or root; else -EPERM. */
int ipc_owner_check(const struct ipc_perm_k *p);
/* IPC_SET's part in the common header (uid, gid, rwx of mode). */
struct ipc64_perm;
void ipc_set_perm(struct ipc_perm_k *p, const struct ipc64_perm *in);
void ipc_fill_perm(const struct ipc_perm_k *p, struct ipc64_perm *out);
/* The common shape of shmget/semget/msgget: find or create key. check
 * says whether an existing object fits the request (-EINVAL), create
 * makes one (ids->lock held; it calls ipc_add). */
long ipc_get(struct ipc_ids *ids, s32 key, int flg,
	     int (*check)(struct ipc_perm_k *p, long arg),
	     long (*create)(s32 key, int flg, long arg), long arg);
s64 ipc_now(void);
int ipc_pid(void);

/* Message memory under a byte budget (System V and POSIX queues): kmalloc
 * of n bytes, or NULL past the budget or out of memory; the free gives
 * the n bytes back. */
struct ipc_budget {
	atomic_long_t used;
	long limit;		/* set at boot */
};
void *ipc_budget_alloc(struct ipc_budget *b, size_t n);
void ipc_budget_free(struct ipc_budget *b, void *p, size_t n);

struct process;
void ipc_init(void);	/* boot; each kind's own: */
void shm_init(void);
void sem_init(void);
void msg_init(void);
void mq_init(void);	/* POSIX message queues (kernel/ipc/mqueue.c) */
/* Process exit: its SEM_UNDO adjustments are applied (kernel/ipc/sem.c). */
void sem_exit(struct process *p);

/* /proc/sysvipc/{shm,sem,msg} (kernel/fs/procfs.c): Linux's header line,
 * then a line per object. */
struct pbuf;
int shm_proc_show(struct pbuf *b);
int sem_proc_show(struct pbuf *b);
int msg_proc_show(struct pbuf *b);

#endif
