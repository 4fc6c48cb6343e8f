/*
 * mount_api: mount namespaces, pivot_root and the new mount API from the
 * attacker's side. A detached mount (fsmount, open_tree) closed while a
 * file in it is open keeps working for that file and is freed with it
 * (an ext2 disk mounts again after); move_mount onto itself or below
 * itself is ELOOP, into a detached tree EINVAL; a read-only bind of a
 * writable filesystem is EROFS while the original stays writable; a
 * mount unmounted in one namespace stays busy and usable in another, and
 * the disk is free once the last namespace using it has gone; a second
 * thread unsharing while another walks; fsconfig with huge, unterminated
 * and unmapped strings; clone(CLONE_NEWNS); pivot_root's errnos and a
 * real pivot; many namespaces and detached trees made and dropped leave
 * nothing behind.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TEST_NAME "mount_api"
#include "check.h"

#define NR_pivot_root 155
#define NR_open_tree 428
#define NR_move_mount 429
#define NR_fsopen 430
#define NR_fsconfig 431
#define NR_fsmount 432
#define NR_fspick 433
#define NR_mount_setattr 442

#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_BINARY 2
#define FSCONFIG_CMD_CREATE 6
#define FSCONFIG_CMD_RECONFIGURE 7
#define MOVE_MOUNT_F_EMPTY_PATH 4
#define MOVE_MOUNT_T_EMPTY_PATH 0x40
#define OPEN_TREE_CLONE 1
#define AT_RECURSIVE 0x8000
#define MOUNT_ATTR_RDONLY 1
#define MOUNT_ATTR_NOEXEC 8

struct mattr {
	uint64_t set, clr, prop, userns;
};

#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CLR_FD 0x4C01
#define LOOP_CTL_GET_FREE 0x4C82
struct loop_config {
	uint32_t fd, block_size;
	uint8_t info[232];
	uint64_t reserved[8];
};

#define T "/tmp/mapi"

static long fsopen_(const char *t, unsigned f) { return syscall(NR_fsopen, t, f); }
static long fsconfig_(int fd, unsigned cmd, const void *k, const void *v, int aux)
{
	return syscall(NR_fsconfig, fd, cmd, k, v, aux);
}
static long fsmount_(int fd, unsigned f, unsigned a) { return syscall(NR_fsmount, fd, f, a); }
static long move_mount_(int fd, const char *p, int tfd, const char *tp, unsigned f)
{
	return syscall(NR_move_mount, fd, p, tfd, tp, f);
}
static long open_tree_(int fd, const char *p, unsigned f) { return syscall(NR_open_tree, fd, p, f); }
static long setattr_(int fd, const char *p, unsigned f, struct mattr *a, size_t n)
{
	return syscall(NR_mount_setattr, fd, p, f, a, n);
}

static int in_mounts(const char *mnt)
{
	char line[512], want[300];
	int n = 0;
	snprintf(want, sizeof(want), " %s ", mnt);
	FILE *f = fopen("/proc/self/mounts", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want))
			n++;
	fclose(f);
	return n;
}

/* A detached tmpfs's mount fd, or -1. */
static int tmpfs_fd(void)
{
	int c = (int)fsopen_("tmpfs", 0);
	if (c < 0)
		return -1;
	int m = -1;
	if (fsconfig_(c, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		m = (int)fsmount_(c, 0, 0);
	close(c);
	return m;
}

static void fsconfig_attacks(void)
{
	int c = (int)fsopen_("tmpfs", 0);
	CHECK(c >= 0);
	CHECK(fsopen_("tmpfs", 0x10) == -1 && errno == EINVAL);
	CHECK(fsopen_("nosuchfs", 0) == -1 && errno == ENODEV);
	CHECK(fsopen_((const char *)8, 0) == -1 && errno == EFAULT);
	CHECK(fsconfig_(-1, FSCONFIG_SET_FLAG, "ro", NULL, 0) == -1 && errno == EINVAL);
	CHECK(fsconfig_(0, FSCONFIG_SET_FLAG, "ro", NULL, 0) == -1 && errno == EINVAL);
	CHECK(fsconfig_(999, FSCONFIG_SET_FLAG, "ro", NULL, 0) == -1 && errno == EBADF);
	CHECK(fsconfig_(c, 77, "ro", NULL, 0) == -1 && errno == EOPNOTSUPP);
	/* a megabyte with no NUL: key and value are EINVAL, not a read past */
	size_t big = 1 << 20;
	char *a = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(a, 'A', big);
	CHECK(fsconfig_(c, FSCONFIG_SET_STRING, a, "1", 0) == -1 && errno == EINVAL);
	CHECK(fsconfig_(c, FSCONFIG_SET_STRING, "size", a, 0) == -1 && errno == EINVAL);
	/* the string ends at the end of the mapping: EFAULT, never beyond */
	CHECK(fsconfig_(c, FSCONFIG_SET_STRING, a + big - 3, "1", 0) == -1);
	munmap(a, big);
	CHECK(fsconfig_(c, FSCONFIG_SET_STRING, (void *)8, "1", 0) == -1 && errno == EFAULT);
	CHECK(fsconfig_(c, FSCONFIG_SET_STRING, "size", (void *)8, 0) == -1 && errno == EFAULT);
	CHECK(fsconfig_(c, FSCONFIG_SET_BINARY, "size", "x", 0x7fffffff) == -1 && errno == EINVAL);
	CHECK(fsconfig_(c, FSCONFIG_SET_STRING, "bogus", "1", 0) == -1 && errno == EINVAL);
	CHECK(fsconfig_(c, FSCONFIG_SET_STRING, "size", "1m", 0) == 0);
	CHECK(fsmount_(c, 0, 0) == -1 && errno == EBUSY);	/* not created */
	CHECK(fsconfig_(c, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) == -1 && errno == EBUSY);
	CHECK(fsconfig_(c, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0);
	CHECK(fsconfig_(c, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1 && errno == EBUSY);
	CHECK(fsmount_(c, 0, 0x100) == -1 && errno == EINVAL);
	CHECK(fsmount_(c, 0, 0x30) == -1 && errno == EINVAL);	/* no such atime */
	int m = (int)fsmount_(c, 0, 0);
	CHECK(m >= 0);
	CHECK(fsmount_(c, 0, 0) == -1 && errno == EBUSY);	/* once */
	CHECK(fsmount_(m, 0, 0) == -1 && errno == EINVAL);	/* not a context */
	/* a legacy (ext2) context keeps a page of options at most */
	int e = (int)fsopen_("ext2", 0);
	int ok = 0, einval = 0;
	for (int i = 0; i < 300; i++) {
		long r = fsconfig_(e, FSCONFIG_SET_STRING, "opt", "0123456789012345678901234", 0);
		ok += r == 0;
		einval += r == -1 && errno == EINVAL;
	}
	CHECK(ok > 100 && ok < 160 && ok + einval == 300);
	close(e);
	close(m);
	close(c);
}

/* A detached mount whose fd closes while a file in it is open. */
static void detached_close(void)
{
	int m = tmpfs_fd();
	CHECK(m >= 0);
	int f = openat(m, "file", O_RDWR | O_CREAT, 0644);
	CHECK(f >= 0);
	CHECK(mkdirat(m, "sub", 0755) == 0);
	close(m);		/* the tree goes, lazily: f still holds it */
	CHECK(write(f, "still", 5) == 5);
	char b[8] = { 0 };
	CHECK(pread(f, b, 5, 0) == 5 && !strcmp(b, "still"));
	struct stat st;
	CHECK(fstat(f, &st) == 0 && st.st_size == 5);
	close(f);
	/* move_mount into a detached tree, and onto itself / below itself */
	m = tmpfs_fd();
	CHECK(mkdirat(m, "sub", 0755) == 0);
	int m2 = tmpfs_fd();
	CHECK(move_mount_(m2, "", m, "sub", MOVE_MOUNT_F_EMPTY_PATH) == -1 && errno == EINVAL);
	CHECK(move_mount_(m, "", m, "sub", MOVE_MOUNT_F_EMPTY_PATH) == -1);
	CHECK(move_mount_(m, "", AT_FDCWD, T "/a", MOVE_MOUNT_F_EMPTY_PATH) == 0);
	CHECK(in_mounts(T "/a") == 1);
	CHECK(move_mount_(AT_FDCWD, T "/a", AT_FDCWD, T "/a", 0) == -1 && errno == ELOOP);
	CHECK(move_mount_(AT_FDCWD, T "/a", AT_FDCWD, T "/a/sub", 0) == -1 && errno == ELOOP);
	CHECK(move_mount_(m2, "", AT_FDCWD, T "/a/sub", MOVE_MOUNT_F_EMPTY_PATH) == 0);
	CHECK(move_mount_(AT_FDCWD, T "/a", AT_FDCWD, T "/a/sub", 0) == -1 && errno == ELOOP);
	/* the moved one is not detached any more: closing its fd keeps it */
	close(m);
	close(m2);
	CHECK(in_mounts(T "/a") == 1 && in_mounts(T "/a/sub") == 1);
	CHECK(umount(T "/a") == -1 && errno == EBUSY);
	CHECK(umount(T "/a/sub") == 0 && umount(T "/a") == 0);
	/* bad fds and paths */
	CHECK(move_mount_(-1, "", AT_FDCWD, T "/a", MOVE_MOUNT_F_EMPTY_PATH) == -1 && errno == EBADF);
	CHECK(move_mount_(AT_FDCWD, (char *)8, AT_FDCWD, T "/a", 0) == -1 && errno == EFAULT);
	CHECK(move_mount_(AT_FDCWD, T "/a", AT_FDCWD, T "/a", 0x8) == -1 && errno == EINVAL);
	CHECK(move_mount_(AT_FDCWD, "/", AT_FDCWD, T "/a", 0) == -1 && errno == EINVAL);
}

/* A read-only copy of a writable mount: EROFS through it alone. */
static void ro_bind(void)
{
	CHECK(mount("none", T "/a", "tmpfs", 0, NULL) == 0);
	int ot = (int)open_tree_(AT_FDCWD, T "/a", OPEN_TREE_CLONE);
	CHECK(ot >= 0);
	struct mattr at = { .set = MOUNT_ATTR_RDONLY };
	CHECK(setattr_(ot, "", AT_EMPTY_PATH, &at, 8) == -1 && errno == EINVAL);
	CHECK(setattr_(ot, "", AT_EMPTY_PATH, &at, 8192) == -1 && errno == E2BIG);
	struct { struct mattr a; uint64_t tail; } big = { at, 1 };
	CHECK(setattr_(ot, "", AT_EMPTY_PATH, &big.a, sizeof(big)) == -1 && errno == E2BIG);
	struct mattr both = { .set = MOUNT_ATTR_RDONLY, .clr = MOUNT_ATTR_RDONLY };
	CHECK(setattr_(ot, "", AT_EMPTY_PATH, &both, sizeof(both)) == -1 && errno == EINVAL);
	struct mattr two = { .prop = MS_SHARED | MS_SLAVE };	/* one kind at most */
	CHECK(setattr_(ot, "", AT_EMPTY_PATH, &two, sizeof(two)) == -1 && errno == EINVAL);
	struct mattr priv = { .prop = MS_PRIVATE };
	CHECK(setattr_(ot, "", AT_EMPTY_PATH, &priv, sizeof(priv)) == 0);
	CHECK(setattr_(ot, "", AT_EMPTY_PATH, (void *)8, sizeof(at)) == -1 && errno == EFAULT);
	CHECK(setattr_(ot, "", AT_EMPTY_PATH, &at, sizeof(at)) == 0);
	CHECK(move_mount_(ot, "", AT_FDCWD, T "/b", MOVE_MOUNT_F_EMPTY_PATH) == 0);
	close(ot);
	int fd = open(T "/b/x", O_RDWR | O_CREAT, 0644);
	CHECK(fd == -1 && errno == EROFS);
	CHECK(mkdir(T "/b/d", 0755) == -1 && errno == EROFS);
	fd = open(T "/a/x", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, "rw", 2) == 2);
	close(fd);
	struct stat st;
	CHECK(stat(T "/b/x", &st) == 0 && st.st_size == 2);	/* same filesystem */
	CHECK(open(T "/b/x", O_WRONLY) == -1 && errno == EROFS);
	CHECK(unlink(T "/b/x") == -1 && errno == EROFS);
	CHECK(truncate(T "/b/x", 0) == -1 && errno == EROFS);
	CHECK(truncate(T "/a/x", 2) == 0);
	struct statvfs sv;
	CHECK(statvfs(T "/b", &sv) == 0 && (sv.f_flag & ST_RDONLY));
	CHECK(statvfs(T "/a", &sv) == 0 && !(sv.f_flag & ST_RDONLY));
	/* and back to writable */
	struct mattr clr = { .clr = MOUNT_ATTR_RDONLY };
	CHECK(setattr_(AT_FDCWD, T "/b", 0, &clr, sizeof(clr)) == 0);
	CHECK(unlink(T "/b/x") == 0);
	CHECK(umount(T "/b") == 0 && umount(T "/a") == 0);
}

static int loopdev(char *dev, size_t n, int *lfd, int *bf)
{
	char cmd[128];
	int ctl = open("/dev/loop-control", O_RDWR);
	int k = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	snprintf(dev, n, "/dev/loop%d", k);
	*bf = open(T "/img", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (*bf < 0 || ftruncate(*bf, 8 << 20))
		return -1;
	*lfd = open(dev, O_RDWR);
	struct loop_config c = { .fd = (uint32_t)*bf };
	if (*lfd < 0 || ioctl(*lfd, LOOP_CONFIGURE, &c))
		return -1;
	snprintf(cmd, sizeof(cmd), "mke2fs -b 1024 %s >/dev/null", dev);
	return system(cmd) == 0 ? 0 : -1;
}

/* ext2: a detached mount's disk is free once its fd and files are gone;
 * a mount unmounted in one namespace stays in use in another and the
 * disk is free once that namespace has gone. */
static void ext2_lifetimes(void)
{
	char dev[32];
	int lfd = -1, bf = -1;
	CHECK(loopdev(dev, sizeof(dev), &lfd, &bf) == 0);
	int c = (int)fsopen_("ext2", 0);
	CHECK(fsconfig_(c, FSCONFIG_SET_STRING, "source", dev, 0) == 0);
	CHECK(fsconfig_(c, FSCONFIG_SET_STRING, "source", dev, 0) == -1 && errno == EINVAL);
	CHECK(fsconfig_(c, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0);
	int m = (int)fsmount_(c, 0, 0);
	close(c);
	int f = openat(m, "file", O_RDWR | O_CREAT, 0644);
	CHECK(f >= 0 && write(f, "disk", 4) == 4);
	close(m);
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == -1 && errno == EBUSY);	/* f holds it */
	close(f);
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == 0);	/* freed: no leak */
	char b[8] = { 0 };
	f = open(T "/e/file", O_RDONLY);
	CHECK(f >= 0 && read(f, b, 4) == 4 && !strcmp(b, "disk"));
	close(f);
	/* busy in another namespace */
	int go[2], ready[2];
	CHECK(pipe(go) == 0 && pipe(ready) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		int bad = 0;
		if (unshare(CLONE_NEWNS) || chdir(T "/e"))
			bad = 1;
		int fd = open("file", O_RDONLY);
		bad |= fd < 0;
		write(ready[1], "r", 1);
		char x;
		read(go[0], &x, 1);
		/* the parent unmounted its copy: ours goes on */
		char buf[8] = { 0 };
		bad |= pread(fd, buf, 4, 0) != 4 || strcmp(buf, "disk");
		bad |= in_mounts(T "/e") != 1;
		bad |= open("new", O_RDWR | O_CREAT, 0644) < 0;
		_exit(bad);
	}
	char x;
	CHECK(read(ready[0], &x, 1) == 1);
	CHECK(umount(T "/e") == 0);	/* the child's copy is the child's */
	CHECK(in_mounts(T "/e") == 0);
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == -1 && errno == EBUSY);
	write(go[1], "g", 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* the namespace went with its last process: the disk is free */
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == 0);
	struct stat sb;
	CHECK(stat(T "/e/new", &sb) == 0);
	CHECK(umount(T "/e") == 0);
	/* a cwd two mounts deep moves onto the copy: counts taken for the
	 * copy alone (the ext2 one in the middle would stay busy else) */
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == 0);
	mkdir(T "/e/d", 0755);
	CHECK(mount("none", T "/e/d", "tmpfs", 0, NULL) == 0);
	mkdir(T "/e/d/s", 0755);
	pid = fork();
	if (pid == 0)
		_exit(chdir(T "/e/d/s") || unshare(CLONE_NEWNS) || in_mounts(T "/e/d") != 1);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(umount(T "/e/d") == 0 && umount(T "/e") == 0);
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == 0);	/* nothing kept it */
	/* a mount inside a lazily unmounted one would keep it for good */
	pid = fork();
	if (pid == 0) {
		int bad = chdir(T "/e") != 0;
		write(ready[1], "r", 1);
		read(go[0], &x, 1);	/* the parent detached it meanwhile */
		bad |= mount("none", "d", "tmpfs", 0, NULL) != -1 || errno != EINVAL;
		int m = tmpfs_fd();
		bad |= move_mount_(m, "", AT_FDCWD, "d", MOVE_MOUNT_F_EMPTY_PATH) != -1 ||
		       errno != EINVAL;
		bad |= mount("/tmp", "d", NULL, MS_BIND, NULL) != -1 || errno != EINVAL;
		_exit(bad);
	}
	CHECK(read(ready[0], &x, 1) == 1);
	CHECK(umount2(T "/e", MNT_DETACH) == 0);
	write(go[1], "g", 1);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == 0);	/* the child took it along */
	CHECK(umount(T "/e") == 0);
	close(go[0]), close(go[1]), close(ready[0]), close(ready[1]);
	CHECK(ioctl(lfd, LOOP_CLR_FD) == 0);
	close(lfd);
	close(bf);
}

static volatile int stop;

static void *walker(void *arg)
{
	long *n = arg;
	struct stat st;
	while (!stop) {
		if (stat(T "/a", &st) == 0 && stat("/proc/self/mounts", &st) == 0)
			(*n)++;
	}
	return NULL;
}

/* namespaces: a thread may not unshare (it shares root and cwd); in a
 * child the copy is its own; clone(CLONE_NEWNS); many made and dropped */
static void namespaces(void)
{
	pthread_t t;
	long n = 0;
	pthread_create(&t, NULL, walker, &n);
	for (int i = 0; i < 100000 && (i < 100 || n < 200); i++)
		CHECK(unshare(CLONE_NEWNS) == -1 && errno == EINVAL);
	stop = 1;
	pthread_join(t, NULL);
	stop = 0;
	CHECK(n > 0);
	CHECK(unshare(0x80000000) == -1 && errno == EINVAL);

	/* processes unsharing, mounting and exiting while we walk */
	pthread_create(&t, NULL, walker, &n);
	for (int i = 0; i < 40; i++) {
		pid_t p = fork();
		if (p == 0) {
			int bad = unshare(CLONE_NEWNS) != 0;
			bad |= mount("none", T "/a", "tmpfs", 0, NULL) != 0;
			bad |= in_mounts(T "/a") != 1;
			int m = tmpfs_fd();	/* a detached tree left open at exit */
			bad |= m < 0;
			if (i & 1)	/* left mounted at exit */
				_exit(bad);
			bad |= umount(T "/a") != 0;
			_exit(bad);
		}
		int st;
		CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	stop = 1;
	pthread_join(t, NULL);
	stop = 0;
	CHECK(in_mounts(T "/a") == 0);

	/* clone(CLONE_NEWNS): the child's mounts are its own */
	pid_t p = (pid_t)syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (p == 0) {
		int bad = mount("none", T "/a", "tmpfs", 0, NULL) != 0;
		bad |= in_mounts(T "/a") != 1;
		_exit(bad);
	}
	int st;
	CHECK(p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(in_mounts(T "/a") == 0);
	CHECK(syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0) == -1 &&
	      errno == EINVAL);

	/* a mount on an ns file (or any /proc entry) could never be found
	 * again nor unmounted, and would pin the namespace: refused */
	int nf = open(T "/nsf", O_CREAT | O_WRONLY, 0644);
	CHECK(nf >= 0);
	close(nf);
	CHECK(mount(T "/nsf", "/proc/self/ns/uts", NULL, MS_BIND, NULL) == -1 && errno == EINVAL);
	unlink(T "/nsf");
	CHECK(mount("none", "/proc/self/fd", "tmpfs", 0, NULL) == -1 && errno == EINVAL);

	/* a chroot into a tree lazily unmounted stays a chroot across
	 * unshare(CLONE_NEWNS): the copy has no place for it, which must
	 * not make the root the whole new tree */
	mkdir(T "/jail", 0755);
	CHECK(mount("none", T "/jail", "tmpfs", 0, NULL) == 0);
	int mk = open(T "/jail/marker", O_CREAT | O_WRONLY, 0644);
	CHECK(mk >= 0);
	close(mk);
	p = fork();
	if (p == 0) {
		int jd = open(T "/jail", O_RDONLY | O_DIRECTORY);
		int bad = jd < 0;
		bad |= (umount2(T "/jail", MNT_DETACH) != 0) << 1;	/* lazy: jd keeps it */
		bad |= (fchdir(jd) != 0 || chroot(".") != 0) << 5;
		bad |= (unshare(CLONE_NEWNS) != 0) << 2;
		bad |= (access("/marker", F_OK) != 0) << 3;	/* still in the jail */
		bad |= (access(T, F_OK) == 0) << 4;		/* not the whole tree */
		_exit(bad);
	}
	CHECK(p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		printf("# chroot across unshare: bits %#x\n", WEXITSTATUS(st));
	umount2(T "/jail", MNT_DETACH);
	rmdir(T "/jail");
}

static void pivot(void)
{
	pid_t p = fork();
	if (p == 0) {
		int bad = 0;
#define C(x) do { if (!(x)) { fprintf(stderr, "pivot: line %d: %s (%s)\n", __LINE__, #x, errname(errno)); bad = 1; } } while (0)
		C(unshare(CLONE_NEWNS) == 0);
		C(mount("none", T "/c", "tmpfs", 0, NULL) == 0);
		C(chroot(T "/c") == 0 && chdir("/") == 0);
		C(mkdir("/new", 0755) == 0 && mkdir("/new/d", 0755) == 0);
		/* new_root on the current root's mount */
		C(syscall(NR_pivot_root, "/new", "/new/d") == -1 && errno == EBUSY);
		C(mount("none", "/new", "tmpfs", 0, NULL) == 0);
		C(mkdir("/new/old", 0755) == 0);
		C(mkdir("/other", 0755) == 0 && mount("none", "/other", "tmpfs", 0, NULL) == 0);
		C(mkdir("/other/x", 0755) == 0);
		C(syscall(NR_pivot_root, "/new", "/other/x") == -1 && errno == EINVAL);
		C(close(open("/new/file", O_CREAT | O_RDWR, 0644)) == 0);
		C(syscall(NR_pivot_root, "/new", "/new/file") == -1 && errno == ENOTDIR);
		C(syscall(NR_pivot_root, "/nonexistent", "/new/old") == -1 && errno == ENOENT);
		C(syscall(NR_pivot_root, (char *)8, "/new/old") == -1 && errno == EFAULT);
		/* another process of the namespace, root and cwd the old root */
		int pp[2];
		C(pipe(pp) == 0);
		pid_t g = fork();
		if (g == 0) {
			char x;
			struct stat s2;
			read(pp[0], &x, 1);
			_exit(stat("/file", &s2) != 0 || stat("file", &s2) != 0);
		}
		C(syscall(NR_pivot_root, "/new", "/new/old") == 0);
		write(pp[1], "p", 1);
		int gs;
		C(waitpid(g, &gs, 0) == g && WIFEXITED(gs) && WEXITSTATUS(gs) == 0);
		struct stat st;
		C(stat("/file", &st) == 0);		/* the new root */
		C(stat("/old/other/x", &st) == 0);	/* the old one, below it */
		C(umount2("/old", MNT_DETACH) == -1 || 1);
		_exit(bad);
	}
	int st;
	CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(in_mounts(T "/c") == 0);
}

int main(void)
{
	mkdir(T, 0755);
	CHECK(mount("none", T, "tmpfs", 0, NULL) == 0);
	mkdir(T "/a", 0755);
	mkdir(T "/b", 0755);
	mkdir(T "/c", 0755);
	mkdir(T "/e", 0755);
	fsconfig_attacks();
	detached_close();
	ro_bind();
	ext2_lifetimes();
	namespaces();
	pivot();
	CHECK(umount(T) == 0);
	return check_done();
}
