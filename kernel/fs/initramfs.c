/*
 * The root filesystem at boot: a memfs as `/`, a second memfs mounted on
 * /dev holding the device nodes, procfs on /proc, and the initramfs (a cpio "newc" boot
 * module) unpacked into `/`. File data is copied page by page out of the
 * module, which stays where the loader put it.
 */
#include <alloy/boot.h>
#include <alloy/cpio.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/panic.h>
#include <alloy/printk.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/tty.h>
#include <alloy/vfs.h>

static const struct { const char *name; u32 mode, rdev; } dev_nodes[] = {
	{ "/dev/null", S_IFCHR | 0666, MKDEV(1, 3) },
	{ "/dev/zero", S_IFCHR | 0666, MKDEV(1, 5) },
	{ "/dev/full", S_IFCHR | 0666, MKDEV(1, 7) },
	{ "/dev/random", S_IFCHR | 0666, MKDEV(1, 8) },
	{ "/dev/urandom", S_IFCHR | 0666, MKDEV(1, 9) },
	{ "/dev/kmsg", S_IFCHR | 0644, MKDEV(1, 11) },
	{ "/dev/tty", S_IFCHR | 0666, MKDEV(5, 0) },
	{ "/dev/console", S_IFCHR | 0600, MKDEV(5, 1) },
	{ "/dev/ttyS0", S_IFCHR | 0660, MKDEV(4, 64) },
	{ "/dev/ptmx", S_IFCHR | 0666, MKDEV(5, 2) },
	{ "/dev/userfaultfd", S_IFCHR | 0600, MKDEV(10, 126) },
};

static int unpack_one(const struct cpio_entry *e, const char *path);

static int write_all(const char *path, u32 mode, const u8 *data, u64 size)
{
	struct file *f;
	int rc = vfs_open(NULL, path, O_WRONLY | O_CREAT | O_TRUNC, mode, &f);

	if (rc)
		return rc;
	for (u64 done = 0; done < size;) {
		size_t k = (size_t)MIN(size - done, 65536ULL);
		long n = file_write(f, (struct iobuf){ (u64)(uintptr_t)(data + done), true }, k);
		if (n <= 0) {
			rc = n ? (int)n : -EIO;
			break;
		}
		done += (u64)n;
	}
	file_put(f);
	return rc;
}

/* The archive's owner and group for path (the unpacking kernel is root,
 * so everything is root's otherwise), with the mode again: a set-ID bit
 * the VFS dropped or a new directory's stays as the archive says. */
static void set_owner(const struct cpio_entry *e, const char *path)
{
	struct path p;

	if (vfs_walk(NULL, path, 0, &p))
		return;
	struct inode *i = p.dentry->inode;
	mutex_lock(&i->lock);
	i->uid = e->uid;
	i->gid = e->gid;
	if (!S_ISLNK(i->mode))
		i->mode = (i->mode & S_IFMT) | (e->mode & 07777);
	inode_changed(i);
	mutex_unlock(&i->lock);
	path_put(&p);
}

/* One archive entry; path is NUL-terminated and relative to `/`. */
static int unpack_entry(const struct cpio_entry *e, const char *path)
{
	int rc = unpack_one(e, path);

	if (!rc)
		set_owner(e, path);
	return rc > 0 ? 0 : rc;
}

static int unpack_one(const struct cpio_entry *e, const char *path)
{
	u32 perm = e->mode & 07777;

	switch (e->mode & S_IFMT) {
	case S_IFDIR: {
		int rc = vfs_mkdir(NULL, path, perm);
		return rc == -EEXIST ? 1 : rc;	/* /dev, /proc: leave them be */
	}
	case S_IFREG:
		return write_all(path, perm, e->data, e->size);
	case S_IFLNK: {
		if (e->size >= PATH_MAX)
			return -ENAMETOOLONG;
		char *t = kmalloc((size_t)e->size + 1, GFP_KERNEL);
		if (!t)
			return -ENOMEM;
		memcpy(t, e->data, (size_t)e->size);
		t[e->size] = '\0';
		int rc = vfs_symlink(NULL, t, path);
		kfree(t);
		return rc;
	}
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
		return vfs_mknod(NULL, path, e->mode, MKDEV(e->rdev_major, e->rdev_minor));
	default:
		return -EINVAL;
	}
}

int initramfs_unpack(const u8 *archive, size_t len)
{
	struct cpio_entry e;
	size_t pos = 0;
	int rc, files = 0;
	char *path = kmalloc(CPIO_NAME_MAX + 2, GFP_KERNEL);

	if (!path)
		return -ENOMEM;
	while ((rc = cpio_next(archive, len, &pos, &e)) == 1) {
		const char *n = e.name;
		size_t l = e.name_len;
		if (!cpio_name_is_safe(n, l)) {
			pr_warn("initramfs: skipping unsafe name '%.*s'\n", (int)MIN(l, 64UL), n);
			continue;
		}
		if (l >= 2 && n[0] == '.' && n[1] == '/') {
			n += 2;
			l -= 2;
		}
		if (l == 0 || (l == 1 && n[0] == '.'))
			continue;	/* the root itself */
		path[0] = '/';
		memcpy(path + 1, n, l);
		path[l + 1] = '\0';
		int erc = unpack_entry(&e, path);
		if (erc)
			pr_warn("initramfs: %s: error %d\n", path, erc);
		files++;
	}
	kfree(path);
	if (rc < 0) {
		pr_err("initramfs: corrupt archive at byte %zu (error %d)\n", pos, rc);
		return rc;
	}
	pr_info("initramfs: %d entries unpacked\n", files);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

void vfs_init(void)
{
	struct super_block *root = memfs_create(), *dev = memfs_create();
	struct super_block *proc = procfs_create(), *shm;
	struct path p;

	if (!root || !dev || !proc || vfs_mount(root, NULL))
		panic("vfs: cannot create the root filesystem");
	if (vfs_mkdir(NULL, "/dev", 0755) || vfs_mkdir(NULL, "/tmp", 01777) ||
	    vfs_walk(NULL, "/dev", 0, &p) || vfs_mount(dev, &p))
		panic("vfs: cannot create /dev and /tmp");
	path_put(&p);
	/* POSIX shared memory (shm_open) lives in a tmpfs at /dev/shm */
	if (memfs_create_opts(NULL, &shm) || vfs_mkdir(NULL, "/dev/shm", 01777) ||
	    vfs_walk(NULL, "/dev/shm", 0, &p) || vfs_mount(shm, &p))
		panic("vfs: cannot mount /dev/shm");
	path_put(&p);
	if (vfs_mkdir(NULL, "/proc", 0555) || vfs_walk(NULL, "/proc", 0, &p) ||
	    vfs_mount(proc, &p))
		panic("vfs: cannot mount /proc");
	path_put(&p);
	/* and /sys beside it (kernel/fs/sysfs.c) */
	if (vfs_mkdir(NULL, "/sys", 0555) || vfs_walk(NULL, "/sys", 0, &p) || sysfs_mount(0, &p))
		panic("vfs: cannot mount /sys");
	path_put(&p);
	/* pseudo-terminal slaves (drivers/pty.c) */
	if (vfs_mkdir(NULL, "/dev/pts", 0755) || vfs_walk(NULL, "/dev/pts", 0, &p) ||
	    devpts_mount(0, &p))
		panic("vfs: cannot mount /dev/pts");
	path_put(&p);
	memfs_anon_init();
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++)
		if (vfs_mknod(NULL, dev_nodes[i].name, dev_nodes[i].mode, dev_nodes[i].rdev))
			panic("vfs: cannot create %s", dev_nodes[i].name);
	for (int i = 0; i < boot_info.nr_mods; i++) {
		struct boot_module *m = &boot_info.mods[i];
		if (ends_with(m->name, ".cpio")) {
			initramfs_unpack(phys_to_virt(m->start), (size_t)(m->end - m->start));
			mem_release_module(m);
		}
	}
}
