/*
 * System V shared memory: shmget, shmat, shmdt, shmctl.
 *
 * A segment's memory is an unlinked file on the shared-memory filesystem
 * (memfs_anon_file, as MAP_SHARED|MAP_ANONYMOUS), so its pages are found,
 * shared across fork and freed like any shared file mapping's. An
 * attachment is a shared VMA whose object is the segment itself
 * (shm_vm_ops): the VMA holds a reference, and the number of attachments
 * (shm_nattch) is the number of shared VMAs in the file's reverse map,
 * which fork, munmap, exec and exit keep right by themselves.
 *
 * IPC_RMID of an attached segment marks it SHM_DEST and makes its key
 * IPC_PRIVATE; the last detach takes it out of the table (seg_put). The
 * table's mutex ranks after user-mm, because a detach under mm->lock may
 * be the last one, so nothing here copies to or from the user under it.
 *
 * Memory: shmall (pages, half of RAM by default, like tmpfs) bounds all
 * segments together, so segments that outlive their processes cannot
 * take the whole machine; pages are allocated as they are touched.
 */
#include <alloy/pid.h>
#include <alloy/errno.h>
#include <alloy/hugetlb.h>
#include <alloy/cred.h>
#include <alloy/ipc.h>
#include <alloy/ns.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/printf.h>
#include <alloy/rlimit.h>
#include <alloy/rmap.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/sysctl.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <alloy/vfs.h>
#include <uapi/ipc.h>
#include "../fs/procfs.h"

struct shm_seg {
	struct ipc_perm_k perm;
	u64 size, pages;
	struct file *file;		/* the memory */
	s64 atime, dtime, ctime;	/* [shm_ids.lock] */
	int cpid, lpid;			/* [shm_ids.lock] */
	int attaching;			/* [shm_ids.lock] shmat between lookup and map */
};

static long shm_mni = 4096;				/* SHMMNI */
static u64 shm_max = ~0ULL - (1ULL << 24);		/* SHMMAX */
static u64 shm_all;					/* pages; ipc_init */
static u64 shm_tot;					/* [shm_ids.lock] pages */
static struct ipc_ids shm_ids;
SYSCTL_INT(shm_next_id, "kernel/shm_next_id", 0644, &shm_ids.next_id, -1, 0x7fffffff);

static struct shm_seg *seg_of(struct ipc_perm_k *p)
{
	return p ? container_of(p, struct shm_seg, perm) : NULL;
}

static u64 nattch(struct shm_seg *s)
{
	return READ_ONCE(s->file->inode->mappings.nr_shared);
}

static void shm_put(struct shm_seg *s)
{
	if (atomic_dec_and_test(&s->perm.refs)) {
		file_put(s->file);
		kfree(s);
	}
}

/* Under shm_ids.lock: out of the table; the caller drops its reference. */
static void shm_unlink(struct shm_seg *s)
{
	ipc_remove(&shm_ids, &s->perm);
	shm_tot -= s->pages;
}

/* Under shm_ids.lock: a removed segment goes when nothing maps it. */
static bool shm_reap_locked(struct shm_seg *s)
{
	if (s->perm.deleted || !(s->perm.mode & SHM_DEST) || nattch(s) || s->attaching)
		return false;
	shm_unlink(s);
	return true;
}

static void seg_get(void *obj)
{
	atomic_inc(&((struct shm_seg *)obj)->perm.refs);
}

/* A VMA (or a passing user) lets go. The VMA left the reverse map
 * before this, so whoever sees no attachment left checks SHM_DEST under
 * the mutex that IPC_RMID sets it under: one of the two reaps. */
static void seg_put(void *obj)
{
	struct shm_seg *s = obj;
	bool reaped = false;

	if (!nattch(s)) {
		mutex_lock(&shm_ids.lock);
		reaped = shm_reap_locked(s);
		mutex_unlock(&shm_ids.lock);
	}
	if (reaped)
		shm_put(s);	/* the table's */
	shm_put(s);
}

static int seg_page(void *obj, u64 index, bool shared_write, struct page **out)
{
	struct inode *i = ((struct shm_seg *)obj)->file->inode;

	return i->iop->mmap_page(i, index, shared_write, out);
}

static void seg_dirty(void *obj, struct page *p)
{
	(void)obj; (void)p;	/* memory: nothing to write back */
}

static int seg_sync(void *obj)
{
	(void)obj;
	return 0;
}

static struct vm_rmap *seg_rmap(void *obj)
{
	return &((struct shm_seg *)obj)->file->inode->mappings;
}

static void seg_describe(void *obj, char *path, size_t cap, u32 *dev, u64 *ino)
{
	struct shm_seg *s = obj;

	snprintf(path, cap, "/SYSV%08x (deleted)", (u32)READ_ONCE(s->perm.key));
	*dev = 0;
	*ino = (u64)s->perm.id;
}

static const struct vm_object_ops shm_vm_ops = {
	.get = seg_get, .put = seg_put, .page = seg_page, .dirty = seg_dirty,
	.sync = seg_sync, .rmap = seg_rmap, .describe = seg_describe,
};

static int shm_check(struct ipc_perm_k *p, long size)
{
	return (u64)size > seg_of(p)->size ? -EINVAL : 0;
}

/* vm/hugetlb_shm_group: besides CAP_IPC_LOCK (root's), members of this
 * group may make SHM_HUGETLB segments, as Linux's can_do_hugetlb_shm */
static long hugetlb_shm_group;
SYSCTL_INT(hugetlb_shm_group, "vm/hugetlb_shm_group", 0644, &hugetlb_shm_group, 0, 0x7fffffff);

static bool can_do_hugetlb_shm(void)
{
	struct cred c;

	cred_current(&c);
	return cred_is_root(&c) || cred_in_group(&c, (u32)READ_ONCE(hugetlb_shm_group));
}

/* SHM_HUGETLB: a file of the internal hugetlbfs, its pages promised now
 * unless SHM_NORESERVE (ENOMEM, as Linux's hugetlb_file_setup). */
static int shm_huge_file(u64 size, int flg, struct file **out)
{
	u64 log = ((u32)flg >> SHM_HUGE_SHIFT) & SHM_HUGE_MASK, len = ALIGN_UP(size, HPAGE_SIZE);
	int rc;

	if (log && log != HPAGE_SHIFT)
		return -EINVAL;		/* no pool of that size */
	if (!can_do_hugetlb_shm())
		return -EPERM;
	if ((rc = hugetlb_anon_file(len, out)))	/* whole huge pages, as Linux */
		return rc;
	if ((rc = memfs_huge_reserve_new((*out)->inode, 0, len, flg & SHM_NORESERVE))) {
		file_put(*out);
		*out = NULL;
	}
	return rc;
}

static long shm_create(s32 key, int flg, long arg)
{
	u64 size = (u64)arg, pages;

	if (size < SHMMIN || size > READ_ONCE(shm_max))
		return -EINVAL;
	pages = size / PAGE_SIZE + (size % PAGE_SIZE != 0);
	if (shm_tot + pages < shm_tot || shm_tot + pages > READ_ONCE(shm_all))
		return -ENOSPC;
	if (shm_ids.in_use >= READ_ONCE(shm_mni))
		return -ENOSPC;
	struct shm_seg *s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	int rc = flg & SHM_HUGETLB ? shm_huge_file(size, flg, &s->file) :
		 memfs_anon_file(size, &s->file);
	if (rc) {
		kfree(s);
		return rc;
	}
	if ((rc = ipc_add(&shm_ids, &s->perm, key, (u32)flg))) {
		file_put(s->file);
		kfree(s);
		return rc;
	}
	s->size = size;
	s->pages = pages;
	s->cpid = ipc_pid();
	s->ctime = ipc_now();
	shm_tot += pages;
	return s->perm.id;
}

long sys_shmget(u64 key, u64 size, u64 flg, u64 a3, u64 a4, u64 a5)
{
	(void)a3; (void)a4; (void)a5;
	if (size > 0x7fffffffffffffffULL)
		return -EINVAL;		/* beyond any shmmax */
	return ipc_get(&shm_ids, (s32)key, (int)flg, shm_check, shm_create, (long)size);
}

/* Where an attachment goes (huge: on 2 MiB boundaries); mm->lock held
 * for writing. */
static long shm_place(struct user_mm *mm, u64 addr, u64 len, int flg, bool huge)
{
	if (!addr) {
		addr = vma_find_free(mm, huge ? len + HPAGE_SIZE - PAGE_SIZE : len);
		addr = huge ? ALIGN_UP(addr, HPAGE_SIZE) : addr;
		return addr ? (long)addr : -ENOMEM;
	}
	if (addr < USER_MMAP_BOTTOM || addr >= USER_TOP || len > USER_TOP - addr ||
	    (huge && addr % HPAGE_SIZE))
		return -EINVAL;
	if (vma_range_free(mm, addr, addr + len))
		return (long)addr;
	if (!(flg & SHM_REMAP) || !vma_huge_split_ok(mm, addr, addr + len))
		return -EINVAL;
	int rc = vma_reserve(mm, 2);	/* the unmap's splits cannot fail */
	if (!rc)
		rc = vma_unmap(mm, addr, addr + len);
	return rc ? rc : (long)addr;
}

long sys_shmat(u64 id, u64 addr, u64 flg64, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	int flg = (int)flg64, shmid = (int)id;
	u32 prot = UVM_READ, want = 0444;
	long rc;

	(void)a3; (void)a4; (void)a5;
	if (shmid < 0)
		return -EINVAL;
	if (addr & (SHMLBA - 1)) {
		if (!(flg & SHM_RND))
			return -EINVAL;
		addr &= ~(u64)(SHMLBA - 1);
		if (!addr && (flg & SHM_REMAP))
			return -EINVAL;
	}
	if (!addr && (flg & SHM_REMAP))
		return -EINVAL;
	if (!(flg & SHM_RDONLY)) {
		prot |= UVM_WRITE;
		want |= 0222;
	}
	if (flg & SHM_EXEC) {
		prot |= UVM_EXEC;
		want |= 0111;
	}
	mutex_lock(&shm_ids.lock);
	struct shm_seg *s = seg_of(ipc_lookup(&shm_ids, shmid));
	rc = s ? ipc_perm_check(&s->perm, want) : -EINVAL;
	if (!rc) {
		s->attaching++;		/* IPC_RMID must not free it meanwhile */
		seg_get(s);
	}
	mutex_unlock(&shm_ids.lock);
	if (rc)
		return rc;
	bool huge = memfs_is_huge(s->file->inode);
	u64 len = ALIGN_UP(s->size, huge ? HPAGE_SIZE : PAGE_SIZE);
	u32 may = VMA_MAY_READ | VMA_MAY_EXEC | VMA_MAY_SHARE |
		  (flg & SHM_RDONLY ? 0 : VMA_MAY_WRITE);
	down_write(&mm->lock);
	rc = vma_pin_object(mm, &shm_vm_ops, s, true);
	if (!rc) {
		rc = shm_place(mm, addr, len, flg, huge);
		if (rc >= 0 && !rlimit_as_allows(mm, (u64)rc, len))
			rc = -ENOMEM;
		if (rc >= 0) {
			addr = (u64)rc;
			rc = vma_add_object(mm, addr, addr + len, prot, &shm_vm_ops, s, 0, true, may);
			if (!rc && huge)
				vma_find(mm, addr)->flags |= VMA_F_HUGETLB;
		}
		vma_unpin_object(mm, &shm_vm_ops, s, true);
	}
	up_write(&mm->lock);
	mutex_lock(&shm_ids.lock);
	s->attaching--;
	if (!rc) {
		s->atime = ipc_now();
		s->lpid = ipc_pid();
	}
	bool reaped = shm_reap_locked(s);
	mutex_unlock(&shm_ids.lock);
	if (reaped)
		shm_put(s);
	shm_put(s);
	return rc ? rc : (long)addr;
}

/* The first attachment at or above addr that starts at addr plus its
 * offset in the segment (Linux's rule), or NULL. */
static const struct vma *next_attachment(struct user_mm *mm, u64 addr, u64 end,
					 struct shm_seg *only)
{
	for (int i = 0; i < mm->nr_vmas; i++) {
		const struct vma *v = &mm->vmas[i];
		if (v->start < addr || v->ops != &shm_vm_ops)
			continue;
		if (v->start >= end)
			break;
		if (v->start - addr == v->pgoff * PAGE_SIZE && (!only || v->obj == only))
			return v;
	}
	return NULL;
}

long sys_shmdt(u64 addr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	long rc = -EINVAL;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	if (addr & (PAGE_SIZE - 1) || addr >= USER_TOP)
		return -EINVAL;
	down_write(&mm->lock);
	const struct vma *v = next_attachment(mm, addr, USER_TOP, NULL);
	struct shm_seg *s = v ? v->obj : NULL;
	if (s) {
		u64 end = addr + ALIGN_UP(s->size, PAGE_SIZE);
		seg_get(s);	/* the unmap may drop the last VMA's */
		rc = 0;
		while (!rc && (v = next_attachment(mm, addr, end, s)))
			rc = vma_unmap(mm, v->start, v->end);
	}
	up_write(&mm->lock);
	if (s) {
		mutex_lock(&shm_ids.lock);
		s->dtime = ipc_now();
		s->lpid = ipc_pid();
		mutex_unlock(&shm_ids.lock);
		seg_put(s);
	}
	return rc;
}

static void fill_stat(struct shm_seg *s, struct shmid64_ds *d)
{
	memset(d, 0, sizeof(*d));
	ipc_fill_perm(&s->perm, &d->shm_perm);
	d->shm_segsz = s->size;
	d->shm_atime = s->atime;
	d->shm_dtime = s->dtime;
	d->shm_ctime = s->ctime;
	d->shm_cpid = pid_to_user(s->cpid);	/* global: the caller's number */
	d->shm_lpid = pid_to_user(s->lpid);
	d->shm_nattch = nattch(s);
}

static long shm_info(int cmd, u64 buf)
{
	union { struct shminfo64 i; struct shm_info s; } u;
	long max;

	memset(&u, 0, sizeof(u));
	mutex_lock(&shm_ids.lock);
	max = MAX(shm_ids.max_idx, 0);
	if (cmd == IPC_INFO) {
		u.i = (struct shminfo64){ .shmmax = shm_max, .shmmin = SHMMIN,
					  .shmmni = (u64)shm_mni, .shmseg = (u64)shm_mni,
					  .shmall = shm_all };
	} else {
		u.s.used_ids = shm_ids.in_use;
		u.s.shm_tot = shm_tot;
		for (int i = 0; i <= shm_ids.max_idx; i++) {
			struct shm_seg *s = seg_of(ipc_lookup_slot(&shm_ids, i));
			if (s)
				u.s.shm_rss += READ_ONCE(s->file->inode->pages.nr_pages);
		}
	}
	mutex_unlock(&shm_ids.lock);
	size_t n = cmd == IPC_INFO ? sizeof(u.i) : sizeof(u.s);
	return copy_to_user((void *)buf, &u, n) ? -EFAULT : max;
}

long sys_shmctl(u64 id, u64 cmd64, u64 buf, u64 a3, u64 a4, u64 a5)
{
	int shmid = (int)id, cmd = (int)cmd64 & ~IPC_64;
	struct shmid64_ds d;
	bool put = false;
	long rc = 0;

	(void)a3; (void)a4; (void)a5;
	if (cmd < 0 || shmid < 0)
		return -EINVAL;
	if (cmd == IPC_INFO || cmd == SHM_INFO)
		return shm_info(cmd, buf);
	if (cmd == IPC_SET && copy_from_user(&d, (const void *)buf, sizeof(d)))
		return -EFAULT;
	if (cmd != IPC_STAT && cmd != SHM_STAT && cmd != SHM_STAT_ANY && cmd != IPC_SET &&
	    cmd != IPC_RMID && cmd != SHM_LOCK && cmd != SHM_UNLOCK)
		return -EINVAL;
	mutex_lock(&shm_ids.lock);
	struct shm_seg *s = seg_of(cmd == SHM_STAT || cmd == SHM_STAT_ANY ?
				   ipc_lookup_slot(&shm_ids, shmid) : ipc_lookup(&shm_ids, shmid));
	if (!s) {
		rc = -EINVAL;
	} else if (cmd == IPC_STAT || cmd == SHM_STAT || cmd == SHM_STAT_ANY) {
		if (cmd == SHM_STAT_ANY || !(rc = ipc_perm_check(&s->perm, 0444)))
			fill_stat(s, &d);
		if (!rc && cmd != IPC_STAT)
			rc = s->perm.id;
	} else if (!(rc = ipc_owner_check(&s->perm))) {
		if (cmd == IPC_SET) {
			ipc_set_perm(&s->perm, &d.shm_perm);
			s->ctime = ipc_now();
		} else if (cmd == SHM_LOCK) {
			s->perm.mode |= SHM_LOCKED;	/* nothing is ever swapped */
		} else if (cmd == SHM_UNLOCK) {
			s->perm.mode &= ~SHM_LOCKED;
		} else {	/* IPC_RMID */
			s->perm.mode |= SHM_DEST;
			WRITE_ONCE(s->perm.key, IPC_PRIVATE);	/* no shmget finds it */
			list_del_init(&s->perm.hash);
			put = shm_reap_locked(s);
		}
	}
	mutex_unlock(&shm_ids.lock);
	if (put)
		shm_put(s);
	if (rc >= 0 && (cmd == IPC_STAT || cmd == SHM_STAT || cmd == SHM_STAT_ANY) &&
	    copy_to_user((void *)buf, &d, sizeof(d)))
		return -EFAULT;
	return rc;
}

/* /proc/sys/kernel/shmmax and shmall are unsigned 64-bit, as Linux. */
static int parse_u64(const char *buf, size_t len, u64 *out)
{
	u64 v = 0;
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (i == len || buf[i] < '0' || buf[i] > '9')
		return -EINVAL;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (u64)(buf[i] - '0'), &v))
			return -EINVAL;
	while (i < len && (buf[i] == '\n' || buf[i] == ' '))
		i++;
	if (i != len)
		return -EINVAL;
	*out = v;
	return 0;
}

static int show_shmmax(struct pbuf *b) { return pbuf_printf(b, "%llu\n", (unsigned long long)shm_max); }
static int show_shmall(struct pbuf *b) { return pbuf_printf(b, "%llu\n", (unsigned long long)shm_all); }
static int store_shmmax(const char *buf, size_t len) { return parse_u64(buf, len, &shm_max); }
static int store_shmall(const char *buf, size_t len) { return parse_u64(buf, len, &shm_all); }

/* /proc/sysvipc/shm, in Linux's columns (ipcs and LTP parse it). */
int shm_proc_show(struct pbuf *b)
{
	pbuf_puts(b, "       key      shmid perms                  size  cpid  lpid nattch   uid   "
		  "gid  cuid  cgid      atime      dtime      ctime                   rss          "
		  "        swap\n");
	mutex_lock(&shm_ids.lock);
	for (int i = 0; i <= shm_ids.max_idx; i++) {
		struct shm_seg *s = seg_of(shm_ids.slot[i]);
		if (!s || !ipc_visible(&s->perm))
			continue;
		pbuf_printf(b, "%10d %10d  %4o %21llu %5u %5u  %5llu %5u %5u %5u %5u %10lld %10lld "
			    "%10lld %21llu %21llu\n",
			    s->perm.key, s->perm.id, s->perm.mode, (unsigned long long)s->size,
			    pid_to_user(s->cpid), pid_to_user(s->lpid), (unsigned long long)nattch(s), s->perm.uid,
			    s->perm.gid, s->perm.cuid, s->perm.cgid, (long long)s->atime,
			    (long long)s->dtime, (long long)s->ctime,
			    (unsigned long long)READ_ONCE(s->file->inode->pages.nr_pages) * PAGE_SIZE,
			    0ULL);
	}
	mutex_unlock(&shm_ids.lock);
	return 0;
}

SYSCTL(shmmax, "kernel/shmmax", 0644, show_shmmax, store_shmmax);
SYSCTL(shmall, "kernel/shmall", 0644, show_shmall, store_shmall);
SYSCTL_INT(shmmni, "kernel/shmmni", 0644, &shm_mni, 0, IPCMNI);

void shm_init(void)
{
	ipc_ids_init(&shm_ids, "ipc-shm", LR_MUTEX_IPC_SHM, &shm_mni);
	shm_all = page_alloc_total_count() / 2;
}

/* An IPC namespace went (kernel/ns/ipc.c): its segments are removed as
 * IPC_RMID does, an attached one at its last detach. The table's
 * reference is put without the mutex (a file's last put): one at a time. */
void shm_ns_exit(u64 ns)
{
	for (;;) {
		struct shm_seg *put = NULL;
		mutex_lock(&shm_ids.lock);
		for (int i = 0; i <= shm_ids.max_idx && !put; i++) {
			struct shm_seg *s = seg_of(shm_ids.slot[i]);
			if (!s || s->perm.ns != ns || (s->perm.mode & SHM_DEST))
				continue;
			s->perm.mode |= SHM_DEST;
			WRITE_ONCE(s->perm.key, IPC_PRIVATE);
			list_del_init(&s->perm.hash);
			if (shm_reap_locked(s))
				put = s;
		}
		mutex_unlock(&shm_ids.lock);
		if (!put)
			return;
		shm_put(put);
	}
}
