/*
 * FS_IOC_FIEMAP: a file's block map as extents (logical offset, disk
 * offset, length), for filesystems with a map (ext2's iop->fiemap).
 * Linux's checks first: unknown fm_flags are EBADR (the unsupported ones
 * written back), a zero length EINVAL, an extent array that cannot fit
 * the address space EINVAL; fm_extent_count 0 only counts. Extents go to
 * the user one at a time (EFAULT at the first that does not fit).
 */
#include <alloy/errno.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>

struct fiemap_head {
	u64 fm_start, fm_length;
	u32 fm_flags, fm_mapped_extents, fm_extent_count, fm_reserved;
};

struct fiemap_extent {
	u64 fe_logical, fe_physical, fe_length, fe_reserved64[2];
	u32 fe_flags, fe_reserved[3];
};

_Static_assert(sizeof(struct fiemap_extent) == 56, "fiemap_extent layout");

#define FIEMAP_FLAG_SYNC 0x1
#define FIEMAP_MAX_EXTENTS (0xffffffffu / sizeof(struct fiemap_extent))

int fiemap_fill(struct fiemap_ctx *c, u64 logical, u64 physical, u64 len, u32 flags)
{
	if (c->n < FIEMAP_BATCH) {
		c->ext[c->n].logical = logical;
		c->ext[c->n].physical = physical;
		c->ext[c->n].length = len;
		c->ext[c->n].flags = flags;
		c->n++;
	}
	return c->n == FIEMAP_BATCH;
}

/* Batches from pos on until the file's last extent, the range's end or
 * the user's array is full; each extent copied with no lock held. */
static long fiemap_copy(struct inode *i, u64 pos, u64 end, u64 uext, u32 max, u32 *mapped)
{
	struct fiemap_ctx *c = kmalloc(sizeof(*c), GFP_KERNEL);
	long rc = 0;

	if (!c)
		return -ENOMEM;
	*mapped = 0;
	while (pos < end) {
		c->n = 0;
		if ((rc = i->iop->fiemap(i, pos, end - pos, c)) < 0)
			break;
		for (u32 k = 0; k < c->n; k++) {
			if (max && *mapped >= max)
				goto out;
			struct fiemap_extent e = { .fe_logical = c->ext[k].logical,
						   .fe_physical = c->ext[k].physical,
						   .fe_length = c->ext[k].length,
						   .fe_flags = c->ext[k].flags };
			if (max && copy_to_user((void *)(uext + (u64)*mapped * sizeof(e)), &e,
						sizeof(e))) {
				rc = -EFAULT;
				goto out;
			}
			(*mapped)++;
		}
		if (c->n < FIEMAP_BATCH || (c->ext[c->n - 1].flags & FIEMAP_EXTENT_LAST))
			break;	/* the filesystem got to the end */
		pos = c->ext[c->n - 1].logical + c->ext[c->n - 1].length;
		if (fatal_signal_pending()) {
			rc = -EINTR;
			break;
		}
	}
out:
	kfree(c);
	return rc < 0 ? rc : 0;
}
long vfs_ioctl_fiemap(struct file *f, u64 uarg)
{
	struct inode *i = f->inode;
	struct fiemap_head h;

	if (!i || !i->iop || !i->iop->fiemap)
		return -EOPNOTSUPP;	/* Linux's answer for a filesystem without */
	if (copy_from_user(&h, (const void *)uarg, sizeof(h)))
		return -EFAULT;
	if (h.fm_extent_count > FIEMAP_MAX_EXTENTS)
		return -EINVAL;
	if (h.fm_flags & ~(u32)FIEMAP_FLAG_SYNC) {
		h.fm_flags &= ~(u32)FIEMAP_FLAG_SYNC;	/* what is not supported */
		return copy_to_user((void *)uarg, &h, sizeof(h)) ? -EFAULT : -EBADR;
	}
	if (!h.fm_length)
		return -EINVAL;
	if (h.fm_start > sb_maxbytes(i->sb))
		return -EFBIG;
	u64 len = h.fm_length;
	if (len > sb_maxbytes(i->sb) - h.fm_start)
		len = sb_maxbytes(i->sb) - h.fm_start;
	if ((h.fm_flags & FIEMAP_FLAG_SYNC) && f->fop && f->fop->fsync) {
		long rc = f->fop->fsync(f, false);
		if (rc)
			return rc;
	}
	u32 mapped;
	long rc = fiemap_copy(i, h.fm_start, h.fm_start + len, uarg + sizeof(h),
			      h.fm_extent_count, &mapped);
	if (rc < 0)
		return rc;
	h.fm_mapped_extents = mapped;
	return copy_to_user((void *)uarg, &h, sizeof(h)) ? -EFAULT : 0;
}
