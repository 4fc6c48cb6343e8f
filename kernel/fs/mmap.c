/*
 * Files as memory: an open file is the object behind a file-backed VMA
 * (struct vm_object_ops in <alloy/user.h>), so mm/ maps a file's cached
 * pages without knowing about files. The VMA holds a file reference; the
 * filesystem hands out pages (inode_ops.mmap_page) and learns of pages
 * written through shared mappings (mmap_dirty) so they get written back.
 */
#include <alloy/errno.h>
#include <alloy/printf.h>
#include <alloy/mm.h>
#include <alloy/sched.h>
#include <alloy/task.h>
#include <alloy/user.h>
#include <alloy/vfs.h>

static void fo_get(void *obj)
{
	file_get(obj);
}

static void fo_put(void *obj)
{
	file_put(obj);
}

static int fo_page(void *obj, u64 index, bool shared_write, struct page **out)
{
	struct inode *i = ((struct file *)obj)->inode;

	return i->iop->mmap_page(i, index, shared_write, out);
}

static void fo_dirty(void *obj, struct page *p)
{
	struct inode *i = ((struct file *)obj)->inode;

	if (i->iop->mmap_dirty)
		i->iop->mmap_dirty(i, p);
}

static int fo_sync(void *obj)
{
	struct file *f = obj;

	return f->fop && f->fop->fsync ? f->fop->fsync(f, false) : 0;
}

static struct vm_rmap *fo_rmap(void *obj)
{
	return &((struct file *)obj)->inode->mappings;
}

static void fo_describe(void *obj, char *path, size_t cap, u32 *dev, u64 *ino)
{
	struct file *f = obj;

	/* a file with no name (shared anonymous memory, a memfd) shows none,
	 * but MAP_HUGETLB's anonymous memory Linux's name */
	if (!f->path.dentry && memfs_is_huge(f->inode))
		snprintf(path, cap, "/anon_hugepage (deleted)");
	else if (!f->path.dentry || vfs_path_name(&f->path, path, cap) < 0)
		path[0] = '\0';
	*dev = f->inode->sb ? f->inode->sb->dev : 0;
	*ino = f->inode->ino;
}

static bool fo_resident(void *obj, u64 index)
{
	struct inode *i = ((struct file *)obj)->inode;

	return i->iop->mmap_resident && i->iop->mmap_resident(i, index);
}

static const struct vm_object_ops file_object_ops = {
	.get = fo_get, .put = fo_put, .page = fo_page, .dirty = fo_dirty, .sync = fo_sync,
	.rmap = fo_rmap, .describe = fo_describe, .resident = fo_resident,
};

const struct vm_object_ops *file_vm_object(struct file *f)
{
	struct inode *i = f->inode;

	return i && S_ISREG(i->mode) && i->iop && i->iop->mmap_page ? &file_object_ops : NULL;
}

/* Largest file offset a mapping may reach (Linux's MAX_LFS_FILESIZE). */
#define MAP_MAX_OFFSET ((1ULL << 63) - 1)

int file_mmap_check(struct file *f, u64 len, u32 prot, bool shared, u64 off, u32 *may)
{
	struct inode *i = f->inode;
	u32 acc = f->flags & O_ACCMODE;

	if (f->flags & O_PATH)
		return -EBADF;	/* not open for anything */
	if (!i || !S_ISREG(i->mode) || !i->iop || !i->iop->mmap_page)
		return -ENODEV;
	if (off % PAGE_SIZE)
		return -EINVAL;
	if (len > MAP_MAX_OFFSET || off > MAP_MAX_OFFSET - len)
		return -EOVERFLOW;	/* the file range would pass 2^63 */
	if (acc == O_WRONLY)
		return -EACCES;
	/* a shared mapping may be written only through a writable open file
	 * on a writable mount, now or after mprotect */
	bool may_write = !shared || (acc == O_RDWR && !vfs_writable(i->sb));
	if (shared && (prot & UVM_WRITE) && !may_write)
		return -EACCES;
	if (shared && memfs_write_sealed(i)) {	/* memfd seals: never writable */
		if (prot & UVM_WRITE)
			return -EPERM;
		may_write = false;
	}
	/* a noexec mount's files: no executable mapping, now or later */
	bool noexec = f->path.mnt && (READ_ONCE(f->path.mnt->flags) & MNT_NOEXEC);
	if (noexec && (prot & UVM_EXEC))
		return -EPERM;
	*may = VMA_MAY_READ | (noexec ? 0 : VMA_MAY_EXEC) | (may_write ? VMA_MAY_WRITE : 0) |
	       (shared ? VMA_MAY_SHARE : 0);
	return 0;
}

int file_mmap(struct file *f, u64 addr, u64 len, u32 prot, bool shared, u64 off)
{
	u32 may;
	int rc = file_mmap_check(f, len, prot, shared, off, &may);

	if (rc)
		return rc;
	return vma_add_object(current_task()->mm, addr, addr + len, prot, &file_object_ops, f,
			      off / PAGE_SIZE, shared, may);
}
