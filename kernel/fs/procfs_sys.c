/*
 * /proc/sys: the tunables subsystems declare in the .sysctl section
 * (<alloy/sysctl.h>), as a directory tree made from their paths. Nothing
 * is built or allocated: a node is named by an entry and a prefix length
 * of that entry's path, packed into the inode number (the entry's index
 * in the fd field, the prefix length in the pid field). A directory is
 * named by the first entry under it, so each has one inode number; the
 * tree is as deep as the paths are.
 *
 * Reads print the value; a write (root only: the files are root's, and
 * 0444 ones refuse even root, as Linux) parses one decimal number as
 * Linux's proc_dointvec_minmax does: EINVAL for anything but a number
 * with blanks around it, or one outside the entry's [min, max].
 */
#include <alloy/errno.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include "procfs.h"

#define SYS_WRITE_MAX 256	/* longer writes of one number are junk */

static size_t nr_entries(void)
{
	return (size_t)(__sysctl_end - __sysctl_start);
}

/* Entry k's path has the directory prefix [0, plen) (0: the top). */
static bool under(const struct sysctl *e, size_t plen, const char *prefix)
{
	if (!plen)	/* "@sys/...": sysfs's files (proc_sys_dir_ino), not here */
		return e->path[0] != '@';
	return !strncmp(e->path, prefix, plen) && e->path[plen] == '/';
}

/* The component of e's path right after the prefix: where it starts and
 * its length; *dir when more of the path follows. */
static const char *component(const struct sysctl *e, size_t plen, size_t *len, bool *dir)
{
	const char *s = e->path + plen + (plen ? 1 : 0);
	const char *slash = strchr(s, '/');

	*len = slash ? (size_t)(slash - s) : strlen(s);
	*dir = slash != NULL;
	return s;
}

/* Whether an entry before k under the same prefix has name c already. */
static bool seen_before(size_t k, size_t plen, const char *prefix, const char *c, size_t len)
{
	for (size_t j = 0; j < k; j++) {
		const struct sysctl *e = &__sysctl_start[j];
		size_t l;
		bool d;
		if (!under(e, plen, prefix))
			continue;
		const char *o = component(e, plen, &l, &d);
		if (l == len && !memcmp(o, c, len))
			return true;
	}
	return false;
}

static u64 node_ino(int kind, size_t idx, size_t plen)
{
	return PROC_INO(kind, plen, 0, idx);
}

static u32 file_mode(const struct sysctl *e)
{
	return S_IFREG | (e->mode & 0644);
}

u64 proc_sys_dir_ino(const char *dir)
{
	size_t plen = strlen(dir);

	for (size_t k = 0; k < nr_entries(); k++)
		if (!strncmp(__sysctl_start[k].path, dir, plen) &&
		    __sysctl_start[k].path[plen] == '/')
			return node_ino(PK_SYSDIR, k, plen);
	return 0;
}

int proc_sys_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	size_t idx = (size_t)PROC_FD(dir->ino), plen = (size_t)PROC_PID(dir->ino);
	const char *prefix = idx < nr_entries() ? __sysctl_start[idx].path : "";

	for (size_t k = 0; k < nr_entries(); k++) {
		const struct sysctl *e = &__sysctl_start[k];
		size_t l;
		bool d;
		if (!under(e, plen, prefix))
			continue;
		const char *c = component(e, plen, &l, &d);
		if (l != len || memcmp(c, name, len))
			continue;
		size_t end = (size_t)(c - e->path) + l;
		*out = proc_inode(dir->sb, d ? PK_SYSDIR : PK_SYSFILE, 0, 0, 0,
				  d ? S_IFDIR | 0555 : file_mode(e));
		if (!*out)
			return -ENOMEM;
		(*out)->ino = node_ino(d ? PK_SYSDIR : PK_SYSFILE, k, end);
		return 0;
	}
	return -ENOENT;
}

/* Cookies: 3 + the index of the entry that names each child first. */
void proc_sys_iterate(struct inode *dir, u64 *pos, proc_emit_fn emit, void *ctx)
{
	size_t idx = (size_t)PROC_FD(dir->ino), plen = (size_t)PROC_PID(dir->ino);
	const char *prefix = idx < nr_entries() ? __sysctl_start[idx].path : "";

	for (size_t k = *pos - 2; k < nr_entries(); k++) {
		const struct sysctl *e = &__sysctl_start[k];
		size_t l;
		bool d;
		if (!under(e, plen, prefix))
			continue;
		const char *c = component(e, plen, &l, &d);
		if (seen_before(k, plen, prefix, c, l))
			continue;
		size_t end = (size_t)(c - e->path) + l;
		if (!emit(ctx, c, l, node_ino(d ? PK_SYSDIR : PK_SYSFILE, k, end),
			  d ? S_IFDIR | 0555 : file_mode(e), 3 + k))
			return;
		*pos = 3 + k;
	}
}

static const struct sysctl *entry_of(const struct inode *i)
{
	size_t idx = (size_t)PROC_FD(i->ino);

	return idx < nr_entries() ? &__sysctl_start[idx] : NULL;
}

int proc_sys_show(struct pbuf *b, const struct inode *i)
{
	const struct sysctl *e = entry_of(i);

	if (!e)
		return -ENOENT;
	if (e->show)
		return e->show(b);
	return e->value ? pbuf_printf(b, "%ld\n", READ_ONCE(*e->value)) : -EIO;
}

/* 0444 entries refuse writers even to root (Linux's proc_sys_permission);
 * 0644 ones are root's by their mode. */
int proc_sys_open(const struct inode *i, u32 flags)
{
	const struct sysctl *e = entry_of(i);

	if (!e)
		return -ENOENT;
	if ((flags & O_ACCMODE) != O_RDONLY && !(e->mode & 0200))
		return -EACCES;
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

long sysctl_string_len(const char *s, size_t len, size_t cap)
{
	size_t n = 0;

	while (n < len && s[n] != '\n' && s[n] != '\0')
		n++;
	return n < cap ? (long)n : -EINVAL;
}

int sysctl_parse_long(const char *s, size_t len, long *out)
{
	size_t k = 0;
	bool neg = false;
	long v = 0;

	while (k < len && blank(s[k]))
		k++;
	if (k < len && (s[k] == '-' || s[k] == '+'))
		neg = s[k++] == '-';
	if (k == len || s[k] < '0' || s[k] > '9')
		return -EINVAL;
	for (; k < len && s[k] >= '0' && s[k] <= '9'; k++) {
		if (__builtin_mul_overflow(v, 10L, &v) ||
		    __builtin_add_overflow(v, (long)(s[k] - '0'), &v))
			return -EINVAL;
	}
	while (k < len && blank(s[k]))
		k++;
	if (k < len && s[k] != '\0')
		return -EINVAL;	/* junk after the number */
	*out = neg ? -v : v;
	return 0;
}

long proc_sys_write(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	const struct sysctl *e = entry_of(f->inode);
	char buf[SYS_WRITE_MAX];
	long v;
	int rc;

	if (!e)
		return -ENOENT;
	if (!n)
		return 0;
	if (n > sizeof(buf))
		return -EINVAL;
	if (iob_copy_in(buf, io, 0, n))
		return -EFAULT;
	if (e->store) {
		rc = e->store(buf, n);
	} else if (!e->value) {
		rc = -EIO;
	} else if (!(rc = sysctl_parse_long(buf, n, &v))) {
		if (v < e->min || v > e->max)
			rc = -EINVAL;
		else
			WRITE_ONCE(*e->value, v);
	}
	if (rc)
		return rc;
	*pos += n;
	return (long)n;
}
