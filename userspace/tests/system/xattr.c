#define _GNU_SOURCE
/*
 * xattr: extended attributes through the twelve *xattr calls, on /tmp
 * (memfs) and on the ext2 disk with 1 KiB blocks (/dev/vdc, mounted at
 * /mnt/vdc-xattr; on ext2 all of an inode's attributes share one block):
 *
 *  - set/get/list/remove, XATTR_CREATE (EEXIST) / XATTR_REPLACE (ENODATA),
 *    size-0 queries, ERANGE for short buffers, empty values;
 *  - attributes added until the space is full (ENOSPC), all still intact;
 *  - symlinks: user.* refused on them (EPERM), the l* calls do not follow,
 *    the others do;
 *  - trusted.* as root, and invisible / EPERM in a child that setuid(1000);
 *    mode bits for user.* (EACCES);
 *  - hostile arguments: names of 256 and 0 bytes (ERANGE), a bare prefix
 *    (EINVAL), unknown and system. prefixes (EOPNOTSUPP), a value of
 *    65537 bytes (E2BIG), unmapped names and buffers (EFAULT), bad flags
 *    (EINVAL), a pipe (EPERM for user.*, else EOPNOTSUPP), O_PATH and
 *    closed fds (EBADF);
 *  - two threads setting and removing one attribute: every value read is
 *    whole;
 *  - on ext2, a block shared by two inodes (refcount 2, made on the raw
 *    disk): a change copies it first, the other inode keeps its values;
 *  - on ext2, everything again after umount and mount; then the
 *    attribute block corrupted on the raw disk seven ways (magic, header,
 *    entries and values out of the block or over each other, no end
 *    mark): EUCLEAN/EIO for every call, no crash. It leaves
 *    /xattr-keep on vdc with user.keep = "kept by alloy" and
 *    trusted.keep = "t" for the host (e2fsck -fn, getfattr/debugfs).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "xattr"
#include "check.h"

#ifndef ENODATA
#define ENODATA 61
#endif
#define XCREATE 1
#define XREPLACE 2

static long xset(const char *p, const char *n, const void *v, size_t s, int f)
{ return syscall(SYS_setxattr, p, n, v, s, f); }
static long xlset(const char *p, const char *n, const void *v, size_t s, int f)
{ return syscall(SYS_lsetxattr, p, n, v, s, f); }
static long xfset(int fd, const char *n, const void *v, size_t s, int f)
{ return syscall(SYS_fsetxattr, fd, n, v, s, f); }
static long xget(const char *p, const char *n, void *v, size_t s)
{ return syscall(SYS_getxattr, p, n, v, s); }
static long xlget(const char *p, const char *n, void *v, size_t s)
{ return syscall(SYS_lgetxattr, p, n, v, s); }
static long xfget(int fd, const char *n, void *v, size_t s)
{ return syscall(SYS_fgetxattr, fd, n, v, s); }
static long xlist(const char *p, char *b, size_t s) { return syscall(SYS_listxattr, p, b, s); }
static long xllist(const char *p, char *b, size_t s) { return syscall(SYS_llistxattr, p, b, s); }
static long xflist(int fd, char *b, size_t s) { return syscall(SYS_flistxattr, fd, b, s); }
static long xrm(const char *p, const char *n) { return syscall(SYS_removexattr, p, n); }
static long xlrm(const char *p, const char *n) { return syscall(SYS_lremovexattr, p, n); }
static long xfrm(int fd, const char *n) { return syscall(SYS_fremovexattr, fd, n); }

#define FAILS(call, err) ((call) == -1 && errno == (err))

/* Does the list (n bytes) hold name? */
static bool listed(const char *list, long n, const char *name)
{
	for (long at = 0; at < n; at += (long)strlen(list + at) + 1)
		if (!strcmp(list + at, name))
			return true;
	return false;
}

static void basic(const char *dir)
{
	char f[256], buf[256], list[4096];
	snprintf(f, sizeof(f), "%s/xa-basic", dir);
	int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);

	CHECK(FAILS(xget(f, "user.a", buf, sizeof(buf)), ENODATA));
	CHECK(xset(f, "user.a", "v1", 2, 0) == 0);
	CHECK(xget(f, "user.a", NULL, 0) == 2);
	memset(buf, 0, sizeof(buf));
	CHECK(xget(f, "user.a", buf, sizeof(buf)) == 2 && !memcmp(buf, "v1", 2));
	CHECK(FAILS(xget(f, "user.a", buf, 1), ERANGE));
	CHECK(FAILS(xset(f, "user.a", "v2", 2, XCREATE), EEXIST));
	CHECK(FAILS(xset(f, "user.b", "v2", 2, XREPLACE), ENODATA));
	CHECK(xset(f, "user.a", "value3", 6, XREPLACE) == 0);
	CHECK(xfget(fd, "user.a", buf, sizeof(buf)) == 6 && !memcmp(buf, "value3", 6));
	CHECK(xfset(fd, "user.b", "", 0, XCREATE) == 0);	/* an empty value */
	CHECK(xget(f, "user.b", buf, sizeof(buf)) == 0);
	CHECK(xset(f, "trusted.t", "T", 1, 0) == 0);
	CHECK(xset(f, "security.s", "S", 1, 0) == 0);
	long want = (long)(sizeof("user.a") + sizeof("user.b") + sizeof("trusted.t") +
			   sizeof("security.s"));
	CHECK(xlist(f, NULL, 0) == want);
	CHECK(FAILS(xlist(f, list, (size_t)want - 1), ERANGE));
	long n = xflist(fd, list, sizeof(list));
	CHECK(n == want && listed(list, n, "user.a") && listed(list, n, "user.b") &&
	      listed(list, n, "trusted.t") && listed(list, n, "security.s"));
	CHECK(xrm(f, "user.b") == 0);
	CHECK(FAILS(xrm(f, "user.b"), ENODATA));
	CHECK(FAILS(xget(f, "user.b", buf, sizeof(buf)), ENODATA));
	CHECK(xfrm(fd, "security.s") == 0);
	n = xllist(f, list, sizeof(list));
	CHECK(n == (long)(sizeof("user.a") + sizeof("trusted.t")) && !listed(list, n, "user.b"));
	close(fd);
}

static void hostile(const char *dir)
{
	char f[256], name[300], buf[64];
	snprintf(f, sizeof(f), "%s/xa-basic", dir);
	memcpy(name, "user.", 5);
	memset(name + 5, 'n', 251);
	name[256] = 0;			/* 256 bytes */
	CHECK(FAILS(xset(f, name, "x", 1, 0), ERANGE));
	CHECK(FAILS(xget(f, name, buf, sizeof(buf)), ERANGE));
	name[255] = 0;			/* 255: the longest */
	CHECK(xset(f, name, "x", 1, 0) == 0);
	CHECK(xget(f, name, buf, sizeof(buf)) == 1);
	CHECK(xrm(f, name) == 0);
	CHECK(FAILS(xset(f, "", "x", 1, 0), ERANGE));
	CHECK(FAILS(xget(f, "", buf, sizeof(buf)), ERANGE));
	CHECK(FAILS(xset(f, "user.", "x", 1, 0), EINVAL));
	CHECK(FAILS(xset(f, "foo.bar", "x", 1, 0), EOPNOTSUPP));
	CHECK(FAILS(xget(f, "foo.bar", buf, sizeof(buf)), EOPNOTSUPP));
	CHECK(FAILS(xset(f, "system.posix_acl_access", "x", 1, 0), EOPNOTSUPP));
	CHECK(FAILS(xset(f, "user.x", "x", 1, 4), EINVAL));
	char *big = malloc(65537);
	memset(big, 'b', 65537);
	CHECK(FAILS(xset(f, "user.big", big, 65537, 0), E2BIG));
	free(big);
	void *bad = (void *)16;
	CHECK(FAILS(xset(f, "user.x", bad, 10, 0), EFAULT));
	CHECK(FAILS(xset(f, bad, "x", 1, 0), EFAULT));
	CHECK(FAILS(xset(bad, "user.x", "x", 1, 0), EFAULT));
	CHECK(FAILS(xget(f, "user.a", bad, 64), EFAULT));
	CHECK(FAILS(xlist(f, bad, 4096), EFAULT));
	/* past the end of a mapping: the value is half there */
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(m + 4096, 4096);
	CHECK(FAILS(xset(f, "user.x", m + 4090, 10, 0), EFAULT));
	CHECK(FAILS(xget(f, "user.x", buf, sizeof(buf)), ENODATA));
	munmap(m, 4096);
	int p[2];
	CHECK(pipe(p) == 0);
	/* a FIFO: user.* refused first (as Linux), then no attributes at all */
	CHECK(FAILS(xfset(p[0], "user.x", "x", 1, 0), EPERM));
	CHECK(FAILS(xfget(p[0], "user.x", buf, sizeof(buf)), ENODATA));
	CHECK(FAILS(xfset(p[1], "trusted.x", "x", 1, 0), EOPNOTSUPP));
	CHECK(FAILS(xfget(p[0], "trusted.x", buf, sizeof(buf)), EOPNOTSUPP));
	CHECK(xflist(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);
	close(p[1]);
	int o = open(f, O_PATH);
	CHECK(o >= 0);
	CHECK(FAILS(xfget(o, "user.a", buf, sizeof(buf)), EBADF));
	CHECK(FAILS(xfset(o, "user.a", "x", 1, 0), EBADF));
	CHECK(FAILS(xflist(o, buf, sizeof(buf)), EBADF));
	CHECK(FAILS(xfrm(o, "user.a"), EBADF));
	close(o);
	CHECK(FAILS(xfget(o, "user.a", buf, sizeof(buf)), EBADF));
	CHECK(FAILS(xfget(-1, "user.a", buf, sizeof(buf)), EBADF));
	CHECK(FAILS(xget("/proc/self/status", "user.a", buf, sizeof(buf)), EOPNOTSUPP));
}

/* Attributes until the space is full: ENOSPC, not a crash, and everything
 * stored before still whole. */
static void fill(const char *dir, size_t vlen, int max)
{
	char f[256], name[64], val[512], buf[512];
	snprintf(f, sizeof(f), "%s/xa-fill", dir);
	close(open(f, O_RDWR | O_CREAT | O_TRUNC, 0644));
	int k;
	for (k = 0; k < max; k++) {
		snprintf(name, sizeof(name), "user.fill%04d", k);
		memset(val, 'a' + k % 26, vlen);
		if (xset(f, name, val, vlen, XCREATE))
			break;
	}
	CHECK(k > 2 && k < max && errno == ENOSPC);
	for (int j = 0; j < k; j++) {
		snprintf(name, sizeof(name), "user.fill%04d", j);
		memset(val, 'a' + j % 26, vlen);
		long n = xget(f, name, buf, sizeof(buf));
		if (n != (long)vlen || memcmp(buf, val, vlen)) {
			CHECK(!"value intact after the space filled");
			break;
		}
	}
	long n = xlist(f, NULL, 0);
	CHECK(n == (long)k * (long)sizeof("user.fill0000"));
	/* room again once one goes */
	snprintf(name, sizeof(name), "user.fill%04d", 0);
	CHECK(xrm(f, name) == 0);
	CHECK(xset(f, name, val, vlen, XCREATE) == 0);
	CHECK(unlink(f) == 0);
}

static void symlinks(const char *dir)
{
	char f[256], s[256], buf[64], list[256];
	snprintf(f, sizeof(f), "%s/xa-target", dir);
	snprintf(s, sizeof(s), "%s/xa-link", dir);
	close(open(f, O_RDWR | O_CREAT | O_TRUNC, 0644));
	unlink(s);
	CHECK(symlink("xa-target", s) == 0);
	CHECK(FAILS(xlset(s, "user.x", "x", 1, 0), EPERM));
	CHECK(xset(s, "user.x", "via", 3, 0) == 0);	/* follows: on the target */
	CHECK(xget(f, "user.x", buf, sizeof(buf)) == 3);
	CHECK(FAILS(xlget(s, "user.x", buf, sizeof(buf)), ENODATA));
	CHECK(xllist(s, list, sizeof(list)) == 0);
	CHECK(xlist(s, list, sizeof(list)) == (long)sizeof("user.x"));
	CHECK(xlset(s, "trusted.l", "L", 1, 0) == 0);	/* on the link itself */
	CHECK(xlget(s, "trusted.l", buf, sizeof(buf)) == 1);
	CHECK(FAILS(xget(s, "trusted.l", buf, sizeof(buf)), ENODATA));
	CHECK(xllist(s, list, sizeof(list)) == (long)sizeof("trusted.l"));
	CHECK(FAILS(xlrm(s, "user.x"), EPERM));
	CHECK(xrm(s, "user.x") == 0);
	CHECK(FAILS(xget(f, "user.x", buf, sizeof(buf)), ENODATA));
	CHECK(xlrm(s, "trusted.l") == 0);
	CHECK(unlink(s) == 0);
}

/* trusted.* is root's; user.* follows the mode bits. */
static void unprivileged(const char *dir)
{
	char f[256], g[256];
	snprintf(f, sizeof(f), "%s/xa-basic", dir);
	snprintf(g, sizeof(g), "%s/xa-private", dir);
	close(open(g, O_RDWR | O_CREAT | O_TRUNC, 0600));
	CHECK(xset(g, "user.p", "p", 1, 0) == 0);
	CHECK(xset(f, "trusted.t", "T", 1, 0) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char buf[64], list[4096];
		int bad = 0;
		if (setuid(1000))
			_exit(99);
		bad |= !FAILS(xget(f, "trusted.t", buf, sizeof(buf)), ENODATA) << 0;
		bad |= !FAILS(xset(f, "trusted.u", "x", 1, 0), EPERM) << 1;
		bad |= !FAILS(xrm(f, "trusted.t"), EPERM) << 2;
		long n = xlist(f, list, sizeof(list));
		bad |= !(n > 0 && listed(list, n, "user.a") && !listed(list, n, "trusted.t")) << 3;
		bad |= !(xlist(f, NULL, 0) == n) << 4;
		bad |= !(xget(f, "user.a", buf, sizeof(buf)) == 6) << 5;
		bad |= !FAILS(xset(f, "user.a", "x", 1, 0), EACCES) << 6;
		bad |= !FAILS(xget(g, "user.p", buf, sizeof(buf)), EACCES) << 7;
		_exit(bad);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "xattr: unprivileged child failed checks 0x%x\n", WEXITSTATUS(st));
	/* security.* is root's to change (no security module: Linux's
	 * commoncap wants CAP_SYS_ADMIN), even on a file anyone may write,
	 * where user.* is fine; reading it is not refused */
	CHECK(chmod(g, 0666) == 0);
	CHECK(xset(g, "security.r", "r", 1, 0) == 0);
	pid = fork();
	if (pid == 0) {
		char buf[64];
		int bad = 0;
		if (setuid(1000))
			_exit(99);
		bad |= !FAILS(xset(g, "security.z", "z", 1, 0), EPERM) << 0;
		bad |= !FAILS(xrm(g, "security.r"), EPERM) << 1;
		bad |= !FAILS(xset(f, "security.capability", "c", 1, 0), EPERM) << 2;
		bad |= !(xset(g, "user.w", "w", 1, 0) == 0) << 3;
		bad |= !(xget(g, "security.r", buf, sizeof(buf)) == 1) << 4;
		_exit(bad);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "xattr: security.* as a user failed checks 0x%x\n", WEXITSTATUS(st));
	CHECK(unlink(g) == 0);
}

/* Two threads set and remove one attribute; every value read is whole. */
struct racer { const char *file; int id; int bad; };

static void *race(void *arg)
{
	struct racer *r = arg;
	unsigned char val[300], buf[300];
	for (int k = 0; k < 300; k++) {
		unsigned char b = (unsigned char)(1 + (k * 7 + r->id * 101) % 200);
		memset(val, b, 50u + b);
		if (r->id == 0 || k % 2)
			xset(r->file, "user.race", val, 50u + b, 0);
		else
			xrm(r->file, "user.race");
		long n = xget(r->file, "user.race", buf, sizeof(buf));
		if (n < 0 && errno == ENODATA)
			continue;
		if (n < 51 || n != 50 + buf[0]) {
			r->bad++;
			continue;
		}
		for (long j = 1; j < n; j++)
			if (buf[j] != buf[0]) {
				r->bad++;
				break;
			}
	}
	return NULL;
}

static void threads(const char *dir)
{
	char f[256];
	snprintf(f, sizeof(f), "%s/xa-race", dir);
	close(open(f, O_RDWR | O_CREAT | O_TRUNC, 0644));
	struct racer r[2] = { { f, 0, 0 }, { f, 1, 0 } };
	pthread_t t[2];
	for (int k = 0; k < 2; k++)
		CHECK(pthread_create(&t[k], NULL, race, &r[k]) == 0);
	for (int k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	CHECK(r[0].bad == 0 && r[1].bad == 0);
	CHECK(unlink(f) == 0);
}

static void suite(const char *dir, size_t fill_len)
{
	basic(dir);
	hostile(dir);
	fill(dir, fill_len, 4000);
	symlinks(dir);
	unprivileged(dir);
	threads(dir);
	char d[256];
	snprintf(d, sizeof(d), "%s/xa-dir", dir);
	rmdir(d);
	CHECK(mkdir(d, 01777) == 0);	/* sticky: owner or root only */
	CHECK(xset(d, "user.d", "D", 1, 0) == 0);
	CHECK(chown(d, 1000, 1000) == 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(setuid(2000) || !FAILS(xset(d, "user.e", "E", 1, 0), EPERM));
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(xget(d, "user.d", NULL, 0) == 1);
	CHECK(rmdir(d) == 0);
}

#define DEV "/dev/vdc"
#define MNT "/mnt/vdc-xattr"
#define BS 1024

static void put32(unsigned char *p, uint32_t v)
{ p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }

static int block_io(long b, unsigned char *buf, bool wr)
{
	int fd = open(DEV, wr ? O_WRONLY : O_RDONLY);
	ssize_t n = fd < 0 ? -1 : wr ? pwrite(fd, buf, BS, b * BS) : pread(fd, buf, BS, b * BS);
	if (fd >= 0 && wr)
		fsync(fd);
	if (fd >= 0)
		close(fd);
	return n == BS ? 0 : -1;
}

/* The attribute block of /xattr-keep, found on the raw disk by its magic
 * and its "keep" entries (group 0: the first 8 MiB); -1 if none. */
static long find_block(unsigned char *blk)
{
	static unsigned char buf[1 << 16];
	int fd = open(DEV, O_RDONLY);
	long found = -1;
	for (long at = 0; fd >= 0 && found < 0 && at < (8 << 20); at += sizeof(buf)) {
		if (pread(fd, buf, sizeof(buf), at) != (ssize_t)sizeof(buf))
			break;
		for (size_t o = 0; o < sizeof(buf); o += BS)
			if (buf[o] == 0 && buf[o + 1] == 0 && buf[o + 2] == 2 && buf[o + 3] == 0xea &&
			    memmem(buf + o, BS, "keep", 4)) {
				found = (at + (long)o) / BS;
				memcpy(blk, buf + o, BS);
				break;
			}
	}
	if (fd >= 0)
		close(fd);
	return found;
}

/* A hostile disk: the block corrupted each way the parser must catch;
 * every call on the file answers EUCLEAN (or EIO), nothing crashes, and
 * no byte past the block is read (the entries point out of it). */
static void hostile_block(void)
{
	unsigned char orig[BS], bad[BS], buf[256];
	long b = find_block(orig);
	CHECK(b > 0);
	if (b <= 0)
		return;
	for (int how = 0; how < 7; how++) {
		memcpy(bad, orig, BS);
		switch (how) {
		case 0: bad[0] ^= 1; break;			/* magic */
		case 1: put32(bad + 8, 2); break;		/* h_blocks */
		case 2: bad[34] = 4; bad[35] = 0; put32(bad + 40, 0xffffffff); break; /* 4 GiB value */
		case 3: bad[34] = 0xfc; bad[35] = 0x03; put32(bad + 40, 400); break; /* value past the end */
		case 4: memset(bad + 32, 0x41, BS - 32); break;	/* no end mark */
		case 5: bad[34] = 32; bad[35] = 0; put32(bad + 40, 4); break; /* value over the entries */
		case 6: put32(bad + 36, 7); break;		/* value in another block */
		}
		CHECK(block_io(b, bad, true) == 0);
		CHECK(mount(DEV, MNT, "ext2", 0, NULL) == 0);
		const char *k = MNT "/xattr-keep";
		long r1 = xget(k, "user.keep", buf, sizeof(buf));
		int e1 = errno;
		long r2 = xlist(k, (char *)buf, sizeof(buf));
		int e2 = errno;
		long r3 = xset(k, "user.new", "n", 1, 0);
		int e3 = errno;
		long r4 = xrm(k, "user.keep");
		int e4 = errno;
		bool ok = r1 < 0 && r2 < 0 && r3 < 0 && r4 < 0 &&
			  (e1 == EUCLEAN || e1 == EIO) && (e2 == EUCLEAN || e2 == EIO) &&
			  (e3 == EUCLEAN || e3 == EIO) && (e4 == EUCLEAN || e4 == EIO);
		if (!ok)
			fprintf(stderr, "xattr: corrupt block %d: %ld/%d %ld/%d %ld/%d %ld/%d\n", how,
				r1, e1, r2, e2, r3, e3, r4, e4);
		CHECK(ok);
		CHECK(umount(MNT) == 0);
	}
	CHECK(block_io(b, orig, true) == 0);	/* the host checks the disk after */
	CHECK(block_io(b, bad, false) == 0 && !memcmp(bad, orig, BS));
}

static uint32_t le32(const unsigned char *p)
{ return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/*
 * A block shared by two inodes, as mke2fs -d or Linux leave them: the
 * raw disk is edited so that /xattr-share (no attributes) names the block
 * of /xattr-keep too, refcount 2. A change through either must copy the
 * block first; the other keeps its values; removing the last attribute or
 * the file drops the count. The host's e2fsck -fn checks counts and
 * bitmaps afterwards.
 */
static void shared_block(void)
{
	unsigned char sb[BS], gd[BS], it[BS], blk[BS], buf[64];
	const char *k = MNT "/xattr-keep", *s = MNT "/xattr-share";
	struct stat st;

	CHECK(mount(DEV, MNT, "ext2", 0, NULL) == 0);
	close(open(s, O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK(stat(s, &st) == 0);
	CHECK(umount(MNT) == 0);
	long b = find_block(blk);
	CHECK(b > 0 && block_io(1, sb, false) == 0 && block_io(2, gd, false) == 0);
	if (b <= 0)
		return;
	uint32_t ipg = le32(sb + 40), isz = sb[88] | sb[89] << 8;
	uint32_t idx = (uint32_t)(st.st_ino - 1) % ipg, g = (uint32_t)(st.st_ino - 1) / ipg;
	long iblk = le32(gd + 32 * g + 8) + (long)(idx * isz / BS);
	uint32_t ioff = idx * isz % BS;
	CHECK(block_io(iblk, it, false) == 0);
	CHECK(le32(it + ioff + 104) == 0);	/* no block of its own */
	put32(it + ioff + 104, (uint32_t)b);
	put32(it + ioff + 28, le32(it + ioff + 28) + BS / 512);
	put32(blk + 4, 2);
	CHECK(block_io(iblk, it, true) == 0 && block_io(b, blk, true) == 0);

	CHECK(mount(DEV, MNT, "ext2", 0, NULL) == 0);
	CHECK(xget(s, "user.keep", buf, sizeof(buf)) == 13 && !memcmp(buf, "kept by alloy", 13));
	CHECK(xset(s, "user.keep", "changed", 7, XREPLACE) == 0);	/* copies */
	CHECK(xget(s, "user.keep", buf, sizeof(buf)) == 7 && !memcmp(buf, "changed", 7));
	CHECK(xget(k, "user.keep", buf, sizeof(buf)) == 13 && !memcmp(buf, "kept by alloy", 13));
	CHECK(unlink(s) == 0);			/* its copy freed */
	CHECK(umount(MNT) == 0);
	CHECK(block_io(b, blk, false) == 0 && le32(blk + 4) == 1);	/* keep's alone again */
}

int main(void)
{
	printf("# xattr: /tmp (memfs)\n");
	suite("/tmp", 400);
	CHECK(unlink("/tmp/xa-basic") == 0 && unlink("/tmp/xa-target") == 0);

	printf("# xattr: ext2 on " DEV "\n");
	mkdir(MNT, 0755);
	if (mount(DEV, MNT, "ext2", 0, NULL)) {
		CHECK(!"mount " DEV);
		return check_done();
	}
	suite(MNT, 100);
	CHECK(unlink(MNT "/xa-target") == 0);
	/* what survives a remount, and what the host checks */
	const char *k = MNT "/xattr-keep";
	close(open(k, O_RDWR | O_CREAT | O_TRUNC, 0644));
	CHECK(xset(k, "user.keep", "kept by alloy", 13, 0) == 0);
	CHECK(xset(k, "trusted.keep", "t", 1, 0) == 0);
	/* values of every length mod 4, for the hashes e2fsck checks */
	const char *pads[] = { "user.p0", "user.p1", "security.p2", "user.p3", "user.p5" };
	for (int j = 0; j < 5; j++)
		CHECK(xset(k, pads[j], "abcde", (size_t)(j == 4 ? 5 : j), 0) == 0);
	CHECK(umount(MNT) == 0);
	CHECK(mount(DEV, MNT, "ext2", 0, NULL) == 0);
	char buf[64];
	CHECK(xget(MNT "/xa-basic", "user.a", buf, sizeof(buf)) == 6 &&
	      !memcmp(buf, "value3", 6));
	CHECK(xget(k, "user.keep", buf, sizeof(buf)) == 13 && !memcmp(buf, "kept by alloy", 13));
	CHECK(xget(k, "trusted.keep", buf, sizeof(buf)) == 1);
	/* the block freed with its last user */
	CHECK(unlink(MNT "/xa-basic") == 0);
	CHECK(umount(MNT) == 0);
	hostile_block();
	shared_block();
	rmdir(MNT);
	if (!failures)
		printf("ok - xattr\n");
	return check_done();
}
