/*
 * System V semaphores: semget, semop, semtimedop, semctl.
 *
 * Everything (arrays, values, undo lists) is under sem_ids.lock. A semop
 * applies all its operations or none; one that must wait counts itself
 * in the blocking semaphore's semncnt/semzcnt, takes a reference on the
 * array, notes its generation and sleeps on the array's wait queue until
 * any change (gen moves on), removal (-EIDRM), a signal (-EINTR, never
 * restarted, as Linux) or its timeout (-EAGAIN); then it tries again.
 *
 * SEM_UNDO: each process has a list of adjustments, one entry per array
 * it used with SEM_UNDO, shared by its threads (they share the process);
 * exit applies them (sem_exit), clamped to [0, SEMVMX] as Linux does.
 * A removed array takes its entries out of every list. Semaphores and
 * undo entries together are bounded by semmns and a memory budget, so a
 * program cannot make the kernel allocate without bound.
 */
#include <alloy/pid.h>
#include <alloy/errno.h>
#include <alloy/ipc.h>
#include <alloy/ns.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/sysctl.h>
#include <alloy/uaccess.h>
#include <alloy/wait.h>
#include <uapi/ipc.h>
#include "../fs/procfs.h"
#include "../syscall/systime.h"

struct sem {
	s32 val, pid;
	u32 ncnt, zcnt;		/* sleepers waiting for more / for zero */
};

struct sem_array {
	struct ipc_perm_k perm;
	int nsems;
	s64 otime, ctime;
	u64 gen;		/* moves on at every change a sleeper may want */
	struct wait_queue wq;
	struct list_head undos;	/* struct sem_undo of this array */
	struct sem sems[];
};

struct sem_undo {
	struct list_head proc_link, array_link;
	struct sem_array *sma;
	s16 adj[];
};

struct sem_undo_list {
	struct list_head undos;
};

/* semmsl, semmns, semopm, semmni: /proc/sys/kernel/sem */
static long sem_ctls[4] = { 32000, 1024000000, 500, 32000 };
#define SEMMSL_V READ_ONCE(sem_ctls[0])
#define SEMMNS_V READ_ONCE(sem_ctls[1])
#define SEMOPM_V READ_ONCE(sem_ctls[2])
static long sem_used;		/* [lock] semaphores in all arrays */
static u64 sem_bytes, sem_budget;	/* [lock] kernel memory for arrays and undos */
static struct ipc_ids sem_ids;
SYSCTL_INT(sem_next_id, "kernel/sem_next_id", 0644, &sem_ids.next_id, -1, 0x7fffffff);

static struct sem_array *sma_of(struct ipc_perm_k *p)
{
	return p ? container_of(p, struct sem_array, perm) : NULL;
}

static size_t undo_size(int nsems)
{
	return sizeof(struct sem_undo) + (size_t)nsems * sizeof(s16);
}

static void sem_put(struct sem_array *sma)
{
	if (atomic_dec_and_test(&sma->perm.refs))
		kfree(sma);
}

static void wake_changed(struct sem_array *sma)
{
	sma->gen++;
	wake_up_all(&sma->wq);
}

/* Under the lock: the undo entry goes from both lists. */
static void undo_free(struct sem_undo *un, int nsems)
{
	list_del(&un->proc_link);
	list_del(&un->array_link);
	sem_bytes -= undo_size(nsems);
	kfree(un);
}

/* Under the lock: out of the table; sleepers wake to -EIDRM. */
static void sem_rmid(struct sem_array *sma)
{
	struct sem_undo *un, *tmp;

	ipc_remove(&sem_ids, &sma->perm);
	list_for_each_entry_safe(un, tmp, &sma->undos, array_link)
		undo_free(un, sma->nsems);
	sem_used -= sma->nsems;
	sem_bytes -= sizeof(*sma) + (size_t)sma->nsems * sizeof(struct sem);
	wake_changed(sma);
}

static int sem_check(struct ipc_perm_k *p, long nsems)
{
	return nsems > sma_of(p)->nsems ? -EINVAL : 0;
}

static long sem_create(s32 key, int flg, long nsems)
{
	size_t size = sizeof(struct sem_array) + (size_t)nsems * sizeof(struct sem);

	if (nsems <= 0)
		return -EINVAL;
	if (sem_used + nsems > SEMMNS_V || sem_ids.in_use >= READ_ONCE(sem_ids.mni[0]))
		return -ENOSPC;
	if (sem_bytes + size > sem_budget)
		return -ENOMEM;
	struct sem_array *sma = kzalloc(size, GFP_KERNEL);
	if (!sma)
		return -ENOMEM;
	int rc = ipc_add(&sem_ids, &sma->perm, key, (u32)flg);
	if (rc) {
		kfree(sma);
		return rc;
	}
	sma->nsems = (int)nsems;
	sma->ctime = ipc_now();
	wait_queue_init(&sma->wq, "sem");
	list_init(&sma->undos);
	sem_used += nsems;
	sem_bytes += size;
	return sma->perm.id;
}

long sys_semget(u64 key, u64 nsems64, u64 flg, u64 a3, u64 a4, u64 a5)
{
	int nsems = (int)nsems64;

	(void)a3; (void)a4; (void)a5;
	if (nsems < 0 || nsems > SEMMSL_V)
		return -EINVAL;
	return ipc_get(&sem_ids, (s32)key, (int)flg, sem_check, sem_create, nsems);
}

/* Under the lock: the caller's undo entry for sma, made if missing. */
static struct sem_undo *find_undo(struct sem_array *sma, int *err)
{
	struct process *p = current_proc();
	struct sem_undo *un;

	*err = -ENOMEM;
	if (!p->sysvsem) {
		if (!(p->sysvsem = kzalloc(sizeof(*p->sysvsem), GFP_KERNEL)))
			return NULL;
		list_init(&p->sysvsem->undos);
	}
	list_for_each_entry(un, &p->sysvsem->undos, proc_link)
		if (un->sma == sma)
			return un;
	if (sem_bytes + undo_size(sma->nsems) > sem_budget)
		return NULL;
	if (!(un = kzalloc(undo_size(sma->nsems), GFP_KERNEL)))
		return NULL;
	sem_bytes += undo_size(sma->nsems);
	un->sma = sma;
	list_add(&un->proc_link, &p->sysvsem->undos);
	list_add(&un->array_link, &sma->undos);
	return un;
}

/*
 * Under the lock: all of sops or nothing. 0 done; -ERANGE (a value or
 * an undo adjustment would leave its range); 1 if sops[*blk] must wait.
 */
static int try_ops(struct sem_array *sma, const struct sembuf *sops, int nsops,
		   struct sem_undo *un, int *blk)
{
	int i, rc;

	for (i = 0; i < nsops; i++) {
		const struct sembuf *op = &sops[i];
		struct sem *s = &sma->sems[op->sem_num];
		int v = s->val + op->sem_op;
		if ((!op->sem_op && s->val) || v < 0) {
			*blk = i;
			rc = 1;
			goto undo;
		}
		if (v > SEMVMX)
			goto range;
		if (op->sem_flg & SEM_UNDO) {
			int u = un->adj[op->sem_num] - op->sem_op;
			if (u < -SEMAEM - 1 || u > SEMAEM)
				goto range;
		}
		s->val = v;
	}
	for (i = 0; i < nsops; i++) {
		sma->sems[sops[i].sem_num].pid = ipc_pid();
		if (sops[i].sem_flg & SEM_UNDO)
			un->adj[sops[i].sem_num] -= sops[i].sem_op;
	}
	return 0;
range:
	rc = -ERANGE;
undo:
	while (--i >= 0)
		sma->sems[sops[i].sem_num].val -= sops[i].sem_op;
	return rc;
}

/* Sleeps once for a change of sma (lock held on entry and on return). */
static void sem_sleep(struct sem_array *sma, struct sem *s, bool zero, u64 deadline)
{
	u64 gen = sma->gen;

	zero ? s->zcnt++ : s->ncnt++;
	atomic_inc(&sma->perm.refs);
	mutex_unlock(&sem_ids.lock);
#define SEM_WOKEN (READ_ONCE(sma->gen) != gen || signal_pending())
	if (deadline) {
		u64 now = ktime_ns();
		if (now < deadline)
			wait_event_timeout(sma->wq, SEM_WOKEN, deadline - now);
	} else {
		wait_event(sma->wq, SEM_WOKEN);
	}
#undef SEM_WOKEN
	mutex_lock(&sem_ids.lock);
	zero ? s->zcnt-- : s->ncnt--;
}

static long semop_locked(struct sem_array *sma, const struct sembuf *sops, int nsops,
			 struct sem_undo *un, u64 deadline)
{
	int blk;

	for (;;) {
		int rc = try_ops(sma, sops, nsops, un, &blk);
		if (rc <= 0) {
			if (!rc) {
				sma->otime = ipc_now();
				wake_changed(sma);
			}
			return rc;
		}
		if (sops[blk].sem_flg & IPC_NOWAIT)
			return -EAGAIN;
		if (signal_pending())
			return -EINTR;
		if (deadline && ktime_ns() >= deadline)
			return -EAGAIN;
		sem_sleep(sma, &sma->sems[sops[blk].sem_num], !sops[blk].sem_op, deadline);
		bool gone = sma->perm.deleted;
		sem_put(sma);	/* sem_sleep's; the table's remains unless gone */
		if (gone)
			return -EIDRM;
	}
}

static long do_semtimedop(int semid, u64 usops, u64 nsops, u64 utimeout)
{
	u64 deadline = 0, ns;
	int max = 0, undo = 0, alter = 0, err;
	long rc;

	if (nsops < 1 || semid < 0)
		return -EINVAL;
	if (nsops > (u64)SEMOPM_V)
		return -E2BIG;
	struct sembuf *sops = kmalloc(nsops * sizeof(*sops), GFP_KERNEL);
	if (!sops)
		return -ENOMEM;
	rc = copy_from_user(sops, (const void *)usops, nsops * sizeof(*sops));
	if (!rc && utimeout && !(rc = read_timespec(utimeout, &ns))) {
		u64 now = ktime_ns();
		deadline = ns > ~0ULL - now ? ~0ULL : now + ns;	/* 0: none */
	}
	if (rc) {
		kfree(sops);
		return rc;
	}
	for (u64 i = 0; i < nsops; i++) {
		max = MAX(max, (int)sops[i].sem_num);
		undo |= sops[i].sem_flg & SEM_UNDO;
		alter |= sops[i].sem_op != 0;
	}
	mutex_lock(&sem_ids.lock);
	struct sem_array *sma = sma_of(ipc_lookup(&sem_ids, semid));
	struct sem_undo *un = NULL;
	if (!sma)
		rc = -EINVAL;
	else if (max >= sma->nsems)
		rc = -EFBIG;
	else if ((rc = ipc_perm_check(&sma->perm, alter ? 0222 : 0444)))
		;
	else if (undo && !(un = find_undo(sma, &err)))
		rc = err;
	else
		rc = semop_locked(sma, sops, (int)nsops, un, deadline);
	mutex_unlock(&sem_ids.lock);
	kfree(sops);
	return rc;
}

long sys_semop(u64 id, u64 sops, u64 nsops, u64 a3, u64 a4, u64 a5)
{
	(void)a3; (void)a4; (void)a5;
	return do_semtimedop((int)id, sops, nsops, 0);
}

long sys_semtimedop(u64 id, u64 sops, u64 nsops, u64 timeout, u64 a4, u64 a5)
{
	(void)a4; (void)a5;
	return do_semtimedop((int)id, sops, nsops, timeout);
}

/* Under the lock: SETVAL/SETALL void the undo adjustments of what they set. */
static void clear_adj(struct sem_array *sma, int num)
{
	struct sem_undo *un;

	list_for_each_entry(un, &sma->undos, array_link) {
		if (num >= 0)
			un->adj[num] = 0;
		else
			memset(un->adj, 0, (size_t)sma->nsems * sizeof(s16));
	}
}

static long sem_info(int cmd, u64 buf)
{
	struct seminfo si = {
		.semmap = (s32)SEMMNS_V, .semmni = (s32)sem_ctls[3], .semmns = (s32)SEMMNS_V,
		.semmnu = (s32)SEMMNS_V, .semmsl = (s32)SEMMSL_V, .semopm = (s32)SEMOPM_V,
		.semume = (s32)SEMOPM_V, .semusz = (s32)sizeof(struct sem_undo),
		.semvmx = SEMVMX, .semaem = SEMAEM,
	};

	mutex_lock(&sem_ids.lock);
	long max = MAX(sem_ids.max_idx, 0);
	if (cmd == SEM_INFO) {
		si.semusz = sem_ids.in_use;
		si.semaem = (s32)sem_used;
	}
	mutex_unlock(&sem_ids.lock);
	return copy_to_user((void *)buf, &si, sizeof(si)) ? -EFAULT : max;
}

static void fill_stat(struct sem_array *sma, struct semid64_ds *d)
{
	memset(d, 0, sizeof(*d));
	ipc_fill_perm(&sma->perm, &d->sem_perm);
	d->sem_otime = sma->otime;
	d->sem_ctime = sma->ctime;
	d->sem_nsems = (u64)sma->nsems;
}

/* GETALL and SETALL: the values go through a kernel copy, the user
 * copies made with the lock dropped and the array referenced. */
static long sem_all(int semid, int cmd, u64 uarr)
{
	mutex_lock(&sem_ids.lock);
	struct sem_array *sma = sma_of(ipc_lookup(&sem_ids, semid));
	long rc = !sma ? -EINVAL : ipc_perm_check(&sma->perm, cmd == GETALL ? 0444 : 0222);
	u16 *vals = NULL;

	if (!rc && !(vals = kmalloc((size_t)sma->nsems * sizeof(u16), GFP_KERNEL)))
		rc = -ENOMEM;
	if (rc) {
		mutex_unlock(&sem_ids.lock);
		return rc;
	}
	int n = sma->nsems;
	if (cmd == GETALL)
		for (int i = 0; i < n; i++)
			vals[i] = (u16)sma->sems[i].val;
	atomic_inc(&sma->perm.refs);
	mutex_unlock(&sem_ids.lock);
	if (cmd == GETALL) {
		rc = copy_to_user((void *)uarr, vals, (size_t)n * sizeof(u16)) ? -EFAULT : 0;
	} else if (copy_from_user(vals, (const void *)uarr, (size_t)n * sizeof(u16))) {
		rc = -EFAULT;
	} else {
		for (int i = 0; i < n && !rc; i++)
			if (vals[i] > SEMVMX)
				rc = -ERANGE;
		mutex_lock(&sem_ids.lock);
		if (!rc && sma->perm.deleted)
			rc = -EIDRM;
		if (!rc) {
			for (int i = 0; i < n; i++) {
				sma->sems[i].val = vals[i];
				sma->sems[i].pid = ipc_pid();
			}
			clear_adj(sma, -1);
			sma->ctime = ipc_now();
			wake_changed(sma);
		}
		mutex_unlock(&sem_ids.lock);
	}
	kfree(vals);
	sem_put(sma);
	return rc;
}

long sys_semctl(u64 id, u64 num, u64 cmd64, u64 arg, u64 a4, u64 a5)
{
	int semid = (int)id, semnum = (int)num, cmd = (int)cmd64 & ~IPC_64;
	struct semid64_ds d;
	long rc = 0;

	(void)a4; (void)a5;
	if (semid < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO: case SEM_INFO:
		return sem_info(cmd, arg);
	case GETALL: case SETALL:
		return sem_all(semid, cmd, arg);
	case SETVAL:
		if ((int)arg < 0 || (int)arg > SEMVMX)
			return -ERANGE;
		break;
	case IPC_SET:
		if (copy_from_user(&d, (const void *)arg, sizeof(d)))
			return -EFAULT;
		break;
	case IPC_STAT: case SEM_STAT: case SEM_STAT_ANY: case IPC_RMID:
	case GETVAL: case GETPID: case GETNCNT: case GETZCNT:
		break;
	default:
		return -EINVAL;
	}
	mutex_lock(&sem_ids.lock);
	struct sem_array *sma = sma_of(cmd == SEM_STAT || cmd == SEM_STAT_ANY ?
				       ipc_lookup_slot(&sem_ids, semid) :
				       ipc_lookup(&sem_ids, semid));
	if (!sma) {
		rc = -EINVAL;
	} else if (cmd == IPC_SET || cmd == IPC_RMID) {
		if (!(rc = ipc_owner_check(&sma->perm)) && cmd == IPC_SET) {
			ipc_set_perm(&sma->perm, &d.sem_perm);
			sma->ctime = ipc_now();
		} else if (!rc) {
			sem_rmid(sma);
		}
	} else if (cmd == SEM_STAT_ANY ||
		   !(rc = ipc_perm_check(&sma->perm, cmd == SETVAL ? 0222 : 0444))) {
		struct sem *s = semnum >= 0 && semnum < sma->nsems ? &sma->sems[semnum] : NULL;
		if (cmd == IPC_STAT || cmd == SEM_STAT || cmd == SEM_STAT_ANY) {
			fill_stat(sma, &d);
			rc = cmd == IPC_STAT ? 0 : sma->perm.id;
		} else if (!s) {
			rc = -EINVAL;
		} else if (cmd == SETVAL) {
			s->val = (int)arg;
			s->pid = ipc_pid();
			clear_adj(sma, semnum);
			sma->ctime = ipc_now();
			wake_changed(sma);
		} else {
			rc = cmd == GETVAL ? s->val : cmd == GETPID ? pid_to_user(s->pid) :
			     cmd == GETNCNT ? (long)s->ncnt : (long)s->zcnt;
		}
	}
	mutex_unlock(&sem_ids.lock);
	if (!rc && cmd == IPC_RMID)
		sem_put(sma);	/* the table's */
	if (rc >= 0 && (cmd == IPC_STAT || cmd == SEM_STAT || cmd == SEM_STAT_ANY) &&
	    copy_to_user((void *)arg, &d, sizeof(d)))
		return -EFAULT;
	return rc;
}

void sem_exit(struct process *p)
{
	struct sem_undo_list *ul = p->sysvsem;
	struct sem_undo *un, *tmp;

	if (!ul)
		return;
	mutex_lock(&sem_ids.lock);
	list_for_each_entry_safe(un, tmp, &ul->undos, proc_link) {
		struct sem_array *sma = un->sma;
		for (int i = 0; i < sma->nsems; i++) {
			if (!un->adj[i])
				continue;
			int v = sma->sems[i].val + un->adj[i];
			sma->sems[i].val = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
			sma->sems[i].pid = p->pid;
		}
		wake_changed(sma);
		undo_free(un, sma->nsems);
	}
	p->sysvsem = NULL;
	mutex_unlock(&sem_ids.lock);
	kfree(ul);
}

/* "semmsl semmns semopm semmni", tab-separated, as Linux. */
static int show_sem(struct pbuf *b)
{
	return pbuf_printf(b, "%ld\t%ld\t%ld\t%ld\n", sem_ctls[0], sem_ctls[1], sem_ctls[2],
			   sem_ctls[3]);
}

static int store_sem(const char *buf, size_t len)
{
	long v[4] = { 0 };
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (i == len || buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
		for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++)
			if ((v[k] = v[k] * 10 + (buf[i] - '0')) > 0x7fffffff)
				return -EINVAL;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
		i++;
	if (i != len || v[3] > IPCMNI)
		return -EINVAL;
	mutex_lock(&sem_ids.lock);
	memcpy(sem_ctls, v, sizeof(v));
	mutex_unlock(&sem_ids.lock);
	return 0;
}

/* /proc/sysvipc/sem, in Linux's columns. */
int sem_proc_show(struct pbuf *b)
{
	pbuf_puts(b, "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      "
		  "ctime\n");
	mutex_lock(&sem_ids.lock);
	for (int i = 0; i <= sem_ids.max_idx; i++) {
		struct sem_array *a = sma_of(sem_ids.slot[i]);
		if (!a || !ipc_visible(&a->perm))
			continue;
		pbuf_printf(b, "%10d %10d  %4o %10u %5u %5u %5u %5u %10lld %10lld\n", a->perm.key,
			    a->perm.id, a->perm.mode, a->nsems, a->perm.uid, a->perm.gid,
			    a->perm.cuid, a->perm.cgid, (long long)a->otime, (long long)a->ctime);
	}
	mutex_unlock(&sem_ids.lock);
	return 0;
}

SYSCTL(sem, "kernel/sem", 0644, show_sem, store_sem);

void sem_init(void)
{
	ipc_ids_init(&sem_ids, "ipc-sem", LR_MUTEX_IPC, &sem_ctls[3]);
	/* arrays and undo entries: at most 1/32 of RAM */
	sem_budget = page_alloc_total_count() * PAGE_SIZE / 32;
}

/* An IPC namespace went (kernel/ns/ipc.c): its sets are removed. */
void sem_ns_exit(u64 ns)
{
	mutex_lock(&sem_ids.lock);
	for (int i = 0; i <= sem_ids.max_idx; i++) {
		struct sem_array *a = sma_of(sem_ids.slot[i]);
		if (a && a->perm.ns == ns) {
			sem_rmid(a);
			sem_put(a);	/* the table's (a kfree at most) */
		}
	}
	mutex_unlock(&sem_ids.lock);
}
