/*
 * ext2 extended attributes, in Linux's on-disk format (fs/ext2/xattr.c):
 * all of an inode's attributes in one block that i_file_acl names, a
 * 32-byte header (magic 0xEA020000, refcount, blocks = 1, hash), the
 * entries sorted by (name index, name length, name) from byte 32 up to a
 * zero word, the values from the end of the block down, 4-byte aligned.
 * Entry and block hashes are computed as Linux does, so e2fsck accepts
 * the disk and Linux may share the block.
 *
 * Every block read from disk is validated by the parser
 * (ext2_parse_xattr_block) before any offset in it is followed; a bad one
 * is -EUCLEAN. A change decodes the block into a list, edits the list and
 * encodes a whole new block: in place when this inode is the only user
 * (refcount 1), else into a newly allocated block (a block that mke2fs or
 * Linux shares between inodes is copied before it is written), the old
 * block's refcount dropped.
 *
 * Locks: the inode's map mutex (i_file_acl and i_blocks are map fields),
 * then fs->xattr (a shared block's refcount is changed through several
 * inodes), then the allocator's. Nothing here touches user memory.
 */
#include <alloy/errno.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include "ext2.h"

struct xent {
	u8 index, nlen;
	const char *name;		/* not NUL-terminated */
	const u8 *val;
	u32 vlen;
};

/* A decoded block: entries point into buf (a copy of the block). */
struct xblock {
	u8 *buf;
	struct xent *e;
	u32 n, refcount;
};

static u32 pad4(u32 n) { return (n + 3) & ~3U; }

static int name_index(const char *name, const char **suffix)
{
	switch (xattr_namespace(name, suffix)) {
	case XATTR_NS_USER: return EXT2_XATTR_INDEX_USER;
	case XATTR_NS_TRUSTED: return EXT2_XATTR_INDEX_TRUSTED;
	case XATTR_NS_SECURITY: return EXT2_XATTR_INDEX_SECURITY;
	default: return -EOPNOTSUPP;
	}
}

static const char *index_prefix(u32 index)
{
	switch (index) {
	case EXT2_XATTR_INDEX_USER: return "user.";
	case EXT2_XATTR_INDEX_TRUSTED: return "trusted.";
	case EXT2_XATTR_INDEX_SECURITY: return "security.";
	default: return NULL;		/* ACLs and others: not shown */
	}
}

static void xblock_free(struct xblock *x)
{
	kfree(x->buf);
	kfree(x->e);
	x->buf = NULL;
	x->e = NULL;
	x->n = 0;
}

/* Reads and decodes block b (room for one more entry in x->e). */
static int xblock_read(struct ext2_fs *fs, u32 ino, u32 b, struct xblock *x)
{
	struct ext2_xattr_header h;
	struct ext2_xattr_entry ent;
	struct mblock mb;
	u32 why = 0;
	int rc = ext2_check_block(fs, b);

	x->buf = NULL;
	x->e = NULL;
	x->n = 0;
	if (rc)
		return rc;
	if ((rc = mb_read(fs, b, &mb)))
		return rc;
	x->buf = kmalloc(fs->bs, GFP_KERNEL);
	if (!x->buf) {
		mb_put(&mb);
		return -ENOMEM;
	}
	memcpy(x->buf, mb.data, fs->bs);
	mb_put(&mb);
	rc = ext2_parse_xattr_block(x->buf, fs->bs, &fs->s, &h, &why);
	if (rc) {
		xblock_free(x);
		return ext2_corrupt(fs, "extended-attribute block of inode", ino, rc, why);
	}
	x->refcount = h.refcount;
	x->e = kmalloc(sizeof(*x->e) * (h.count + 1), GFP_KERNEL);
	if (!x->e) {
		xblock_free(x);
		return -ENOMEM;
	}
	for (u32 off = EXT2_XATTR_HEADER_SIZE, k = 0; k < h.count; k++, off = ent.next) {
		rc = ext2_parse_xattr_entry(x->buf, fs->bs, off, &fs->s, &ent, &why);
		if (rc || !ent.name_len) {	/* the block parse said otherwise */
			xblock_free(x);
			return ext2_corrupt(fs, "extended-attribute entry of inode", ino,
					    rc ? rc : -EUCLEAN, why);
		}
		x->e[k] = (struct xent){ (u8)ent.name_index, (u8)ent.name_len,
					 (const char *)x->buf + ent.name_off,
					 x->buf + ent.value_offs, ent.value_size };
		x->n++;
	}
	return 0;
}

/* Position of (index, name) in the sorted list, and whether it is there. */
static u32 xfind(const struct xblock *x, int index, const char *name, size_t len, bool *found)
{
	u32 k;

	*found = false;
	for (k = 0; k < x->n; k++) {
		int d = index - x->e[k].index;
		if (!d)
			d = (int)len - x->e[k].nlen;
		if (!d)
			d = memcmp(name, x->e[k].name, len);
		if (d <= 0) {
			*found = d == 0;
			break;
		}
	}
	return k;
}

/* Linux's ext2_xattr_hash_entry (name bytes as signed chars, as Linux
 * and e2fsck hash them). */
static u32 entry_hash(const u8 *blk, const u8 *e, u32 nlen, u32 voff, u32 vlen)
{
	u32 hash = 0;

	for (u32 k = 0; k < nlen; k++)
		hash = (hash << 5) ^ (hash >> 27) ^ (u32)(s32)(s8)e[16 + k];
	for (u32 k = 0; k < pad4(vlen) / 4; k++) {
		const u8 *w = blk + voff + 4 * k;
		hash = (hash << 16) ^ (hash >> 16) ^
		       ((u32)w[0] | (u32)w[1] << 8 | (u32)w[2] << 16 | (u32)w[3] << 24);
	}
	return hash;
}

/* Bytes the list needs in a block. */
static u64 xsize(const struct xblock *x)
{
	u64 n = EXT2_XATTR_HEADER_SIZE + 4;

	for (u32 k = 0; k < x->n; k++)
		n += pad4(EXT2_XATTR_ENTRY_SIZE + x->e[k].nlen) + pad4(x->e[k].vlen);
	return n;
}

/* Encodes the list into blk (bs bytes), refcount 1. */
static void xencode(const struct xblock *x, u8 *blk, u32 bs)
{
	u32 off = EXT2_XATTR_HEADER_SIZE, vend = bs, bhash = 0;
	bool zero = false;

	memset(blk, 0, bs);
	put_le32(blk, EXT2_XATTR_MAGIC);
	put_le32(blk + 4, 1);
	put_le32(blk + 8, 1);
	for (u32 k = 0; k < x->n; k++) {
		const struct xent *e = &x->e[k];
		u8 *p = blk + off;
		u32 voff = 0;

		if (e->vlen) {
			vend -= pad4(e->vlen);
			voff = vend;
			memcpy(blk + voff, e->val, e->vlen);
		}
		p[0] = e->nlen;
		p[1] = e->index;
		put_le16(p + 2, (u16)voff);
		put_le32(p + 8, e->vlen);
		memcpy(p + 16, e->name, e->nlen);
		u32 h = entry_hash(blk, p, e->nlen, voff, e->vlen);
		put_le32(p + 12, h);
		zero |= h == 0;		/* Linux: such a block is never shared */
		bhash = (bhash << 16) ^ (bhash >> 16) ^ h;
		off += pad4(EXT2_XATTR_ENTRY_SIZE + e->nlen);
	}
	put_le32(blk + 12, zero ? 0 : bhash);
}

/* Sets the block's refcount to rc (a shared block another inode keeps). */
static void put_refcount(struct ext2_fs *fs, u32 b, u32 refcount)
{
	struct mblock mb;

	if (mb_read(fs, b, &mb))
		return;
	put_le32(mb.data + 4, refcount);
	mb_dirty(fs, &mb);
	mb_put(&mb);
}

/* This inode lets go of block b (refcount as read; 0, which no valid
 * disk has, counts as this inode alone, never wraps). */
static void release(struct ext2_fs *fs, u32 b, u32 refcount)
{
	if (refcount > 1)
		put_refcount(fs, b, refcount - 1);
	else
		ext2_free_block(fs, b);
}

static u32 goal_of(struct ext2_fs *fs, struct inode *i)
{
	return fs->groups[(i->ino - 1) / fs->s.inodes_per_group].first_block;
}

/* The list x becomes inode i's attributes (map and fs->xattr held):
 * written in place, into a new block, or none at all. */
static int xcommit(struct inode *i, struct xblock *x, bool *changed)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	u32 old = ei->file_acl, b;
	struct mblock mb;
	int rc;

	if (!x->n) {
		if (old) {
			release(fs, old, x->refcount);
			ei->file_acl = 0;
			ei->blocks512 -= ei->blocks512 >= fs->bs / 512 ? fs->bs / 512 : 0;
			*changed = true;
		}
		return 0;
	}
	if (xsize(x) > fs->bs)
		return -ENOSPC;
	u8 *blk = kmalloc(fs->bs, GFP_KERNEL);
	if (!blk)
		return -ENOMEM;
	xencode(x, blk, fs->bs);
	if (old && x->refcount <= 1) {
		b = old;
		rc = mb_read(fs, b, &mb);
	} else {
		rc = ext2_alloc_block(fs, goal_of(fs, i), &b);
		if (!rc && (rc = mb_read(fs, b, &mb)))
			ext2_free_block(fs, b);
	}
	if (!rc) {
		memcpy(mb.data, blk, fs->bs);
		mb_dirty(fs, &mb);
		mb_put(&mb);
		if (b != old) {
			if (old)
				put_refcount(fs, old, x->refcount - 1);
			else
				ei->blocks512 += fs->bs / 512;
			ei->file_acl = b;
			*changed = true;
		}
	}
	kfree(blk);
	return rc;
}

/* Set (val != NULL or size 0 with !remove) or remove one attribute. */
static int ext2_xattr_change(struct inode *i, const char *name, const void *val, size_t size,
			     int flags, bool remove)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	const char *suffix;
	int index = name_index(name, &suffix);
	size_t len = strlen(suffix);
	struct xblock x = { NULL, NULL, 0, 0 };
	bool found, changed = false;
	int rc = 0;

	if (index < 0)
		return index;
	if (len > 255 || size > fs->bs)
		return -ERANGE;		/* as Linux's ext2 */
	/* made without ext_attr: e2fsck would drop them unless it is on */
	if (!remove && !(READ_ONCE(fs->s.feature_compat) & EXT2_COMPAT_EXT_ATTR) &&
	    (rc = ext2_add_compat(fs, EXT2_COMPAT_EXT_ATTR)))
		return rc;
	mutex_lock(&ei->map);
	mutex_lock(&fs->xattr);
	if (ei->file_acl)
		rc = xblock_read(fs, (u32)i->ino, ei->file_acl, &x);
	if (!rc && !x.e && !(x.e = kmalloc(sizeof(*x.e), GFP_KERNEL)))
		rc = -ENOMEM;
	u32 k = rc ? 0 : xfind(&x, index, suffix, len, &found);
	if (rc)
		;
	else if (remove || flags & XATTR_REPLACE)
		rc = found ? 0 : -ENODATA;
	else if (flags & XATTR_CREATE)
		rc = found ? -EEXIST : 0;
	if (!rc) {
		if (found && remove) {
			memmove(&x.e[k], &x.e[k + 1], sizeof(x.e[0]) * (x.n - k - 1));
			x.n--;
		} else if (!remove) {
			if (!found) {
				memmove(&x.e[k + 1], &x.e[k], sizeof(x.e[0]) * (x.n - k));
				x.n++;
			}
			x.e[k] = (struct xent){ (u8)index, (u8)len, suffix, val, (u32)size };
		}
		rc = xcommit(i, &x, &changed);
	}
	mutex_unlock(&fs->xattr);
	mutex_unlock(&ei->map);
	xblock_free(&x);
	if (changed)
		ext2_write_inode(i);
	return rc;
}

int ext2_setxattr(struct inode *i, const char *name, const void *val, size_t size,
			 int flags)
{
	return ext2_xattr_change(i, name, val, size, flags, false);
}

int ext2_removexattr(struct inode *i, const char *name)
{
	return ext2_xattr_change(i, name, NULL, 0, 0, true);
}

/* Runs with the decoded block of i (none: an empty list). */
static int with_block(struct inode *i, struct xblock *x)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	int rc = 0;

	mutex_lock(&ei->map);
	mutex_lock(&fs->xattr);
	if (ei->file_acl)
		rc = xblock_read(fs, (u32)i->ino, ei->file_acl, x);
	mutex_unlock(&fs->xattr);
	mutex_unlock(&ei->map);
	return rc;
}

long ext2_getxattr(struct inode *i, const char *name, void *buf, size_t size)
{
	const char *suffix;
	int index = name_index(name, &suffix);
	struct xblock x = { NULL, NULL, 0, 0 };
	bool found;

	if (index < 0)
		return index;
	long rc = with_block(i, &x);
	if (rc)
		return rc;
	u32 k = xfind(&x, index, suffix, strlen(suffix), &found);
	rc = -ENODATA;
	if (found) {
		rc = x.e[k].vlen;
		if (size && x.e[k].vlen > size)
			rc = -ERANGE;
		else if (size)
			memcpy(buf, x.e[k].val, x.e[k].vlen);
	}
	xblock_free(&x);
	return rc;
}

long ext2_listxattr(struct inode *i, char *buf, size_t size)
{
	struct xblock x = { NULL, NULL, 0, 0 };
	long rc = with_block(i, &x), n = 0;

	if (rc)
		return rc;
	for (u32 k = 0; k < x.n; k++) {
		const char *prefix = index_prefix(x.e[k].index);
		if (!prefix)
			continue;
		size_t pl = strlen(prefix), len = pl + x.e[k].nlen + 1;
		if (size && (size_t)n + len > size) {
			n = -ERANGE;
			break;
		}
		if (size) {
			memcpy(buf + n, prefix, pl);
			memcpy(buf + n + pl, x.e[k].name, x.e[k].nlen);
			buf[n + (long)len - 1] = '\0';
		}
		n += (long)len;
	}
	xblock_free(&x);
	return n;
}

void ext2_xattr_drop(struct inode *i)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	struct xblock x;

	mutex_lock(&ei->map);
	mutex_lock(&fs->xattr);
	/* A block the parser refuses is left alone: e2fsck's to mend. */
	if (ei->file_acl && !xblock_read(fs, (u32)i->ino, ei->file_acl, &x)) {
		release(fs, ei->file_acl, x.refcount);
		xblock_free(&x);
		ei->file_acl = 0;
		ei->blocks512 -= ei->blocks512 >= fs->bs / 512 ? fs->bs / 512 : 0;
	}
	mutex_unlock(&fs->xattr);
	mutex_unlock(&ei->map);
}
