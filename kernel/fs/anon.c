/*
 * Files with no name (eventfd, timerfd, epoll) share one anonymous inode,
 * as Linux's anon_inode: fstat shows mode 0600 and no file type.
 */
#include <alloy/event.h>
#include <alloy/vfs.h>

static struct inode *anon_inode;	/* made at first use, kept for good */

static struct inode *anon_inode_get(void)
{
	struct inode *i = __atomic_load_n(&anon_inode, __ATOMIC_ACQUIRE), *none = NULL;

	if (i)
		return i;
	struct super_block *sb = sb_create("anon_inodefs");
	if (!sb || !(i = inode_alloc(sb, 0600)))
		return NULL;	/* (sb: a few bytes, once, on an OOM boot) */
	if (__atomic_compare_exchange_n(&anon_inode, &none, i, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return i;
	inode_put(i);		/* another CPU made it first (its sb stays) */
	return none;
}

struct file *anon_file(const struct file_ops *fop, void *priv, u32 flags)
{
	struct inode *i = anon_inode_get();
	struct file *f = i ? file_alloc(i, NULL, flags) : NULL;

	if (!f)
		return NULL;
	f->fop = fop;
	f->priv = priv;
	return f;
}
