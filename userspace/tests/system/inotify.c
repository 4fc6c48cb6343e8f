#define _GNU_SOURCE
/*
 * inotify: the events Linux reports, for each operation, on memfs (/tmp)
 * and ext2 (/dev/vda at /mnt/vda), checked as exact sequences:
 *  - create/open/write/read/close, chmod, utimensat, truncate, fallocate,
 *    setxattr, copy_file_range and sendfile into a file (MODIFY), a write
 *    through a shared mapping (nothing), rename (MOVED_FROM/MOVED_TO with
 *    one cookie, MOVE_SELF), mkdir/rmdir, symlink, link, mknod, unlink of
 *    a watched file (ATTRIB, DELETE, DELETE_SELF, IGNORED), rmdir of a
 *    watched directory, unmount (UNMOUNT, IGNORED), names padded to 16;
 *  - coalescing, IN_Q_OVERFLOW with max_queued_events 8, IN_ONESHOT,
 *    IN_MASK_ADD / IN_MASK_CREATE, IN_ONLYDIR, IN_DONT_FOLLOW,
 *    IN_EXCL_UNLINK, the argument errors, read permission;
 *  - limits: max_user_watches (ENOSPC), max_user_instances (EMFILE);
 *    the bytes of queued events per user: a user filling 64 instances
 *    with 10 MiB of long-named events keeps 8 MiB of them (the rest is
 *    overflow events), while another user's instance still gets its own;
 *  - a read buffer too small (EINVAL), FIONREAD, poll and epoll;
 *  - a second process changing a file while the first reads, blocked;
 *  - close of the instance while another thread blocks in read: the
 *    close returns, the reader still gets the next event and returns;
 *  - watches added and removed while another process writes the file:
 *    per wd only MODIFYs, then one IGNORED, nothing after it;
 *  - a unix socket's bind (CREATE), getdents (the directory's ACCESS).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <signal.h>
#include <time.h>

#define TEST_NAME "inotify"
#include "check.h"

#define DEV "/dev/vda"
#define MNT "/mnt/vda"

struct ev {
	int wd;
	uint32_t mask, cookie;
	char name[64];
};

static struct ev got[64];
static int ngot;

/* Everything queued now (fd non-blocking), checking each name's padding. */
static int drain(int fd)
{
	char buf[4096] __attribute__((aligned(8)));
	ssize_t r;

	ngot = 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < r;) {
			struct inotify_event *e = (void *)(buf + off);
			CHECK(e->len % 16 == 0);
			CHECK(!e->len || strlen(e->name) < e->len);
			if (ngot < 64) {
				got[ngot] = (struct ev){ e->wd, e->mask, e->cookie, "" };
				if (e->len)
					snprintf(got[ngot].name, 64, "%s", e->name);
				ngot++;
			}
			off += (ssize_t)sizeof(*e) + e->len;
		}
	}
	CHECK(r < 0 && errno == EAGAIN);
	return ngot;
}

/* The queue holds exactly the n events of want (cookie ignored). */
static bool expect_(int line, int fd, const struct ev *want, int n)
{
	drain(fd);
	bool ok = ngot == n;
	for (int k = 0; ok && k < n; k++)
		ok = got[k].wd == want[k].wd && got[k].mask == want[k].mask &&
		     !strcmp(got[k].name, want[k].name);
	if (!ok) {
		fprintf(stderr, "inotify: line %d: events differ; got %d:\n", line, ngot);
		for (int k = 0; k < ngot; k++)
			fprintf(stderr, "  wd %d mask %#x '%s'\n", got[k].wd, got[k].mask,
				got[k].name);
		fprintf(stderr, " wanted %d:\n", n);
		for (int k = 0; k < n; k++)
			fprintf(stderr, "  wd %d mask %#x '%s'\n", want[k].wd, want[k].mask,
				want[k].name);
		failures++;
	}
	return ok;
}
#define EXPECT(fd, ...)                                                       \
	({                                                                    \
		const struct ev w_[] = { __VA_ARGS__ };                         \
		expect_(__LINE__, fd, w_, (int)(sizeof(w_) / sizeof(w_[0])));  \
	})
#define NONE(fd) expect_(__LINE__, fd, NULL, 0)

static char P[256];
static const char *at(const char *base, const char *name)
{
	snprintf(P, sizeof(P), "%s/%s", base, name);
	return P;
}

static int write_sysctl(const char *name, long v)
{
	char path[128], s[32];
	snprintf(path, sizeof(path), "/proc/sys/fs/inotify/%s", name);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	int n = snprintf(s, sizeof(s), "%ld\n", v);
	int rc = write(fd, s, (size_t)n) == n ? 0 : -1;
	close(fd);
	return rc;
}

static long read_sysctl(const char *name)
{
	char path[128], s[32] = "";
	snprintf(path, sizeof(path), "/proc/sys/fs/inotify/%s", name);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, s, sizeof(s) - 1);
	close(fd);
	return r > 0 ? atol(s) : -1;
}

/* Every operation's events, on the filesystem holding base. */
static void ops(const char *base)
{
	char f[128], g[128];
	int in = inotify_init1(IN_NONBLOCK);
	CHECK(in >= 0);
	CHECK(mkdir(base, 0755) == 0);
	int d = inotify_add_watch(in, base, IN_ALL_EVENTS);
	CHECK(d > 0);
	snprintf(f, sizeof(f), "%s/f", base);
	snprintf(g, sizeof(g), "%s/g", base);

	int fd = open(f, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0);
	EXPECT(in, { d, IN_CREATE, 0, "f" }, { d, IN_OPEN, 0, "f" });
	CHECK(write(fd, "ab", 2) == 2 && write(fd, "cd", 2) == 2);	/* coalesced */
	EXPECT(in, { d, IN_MODIFY, 0, "f" });
	CHECK(close(fd) == 0);
	EXPECT(in, { d, IN_CLOSE_WRITE, 0, "f" });

	int w = inotify_add_watch(in, f, IN_ALL_EVENTS);
	CHECK(w > 0 && w != d);
	CHECK(inotify_add_watch(in, f, IN_ALL_EVENTS) == w);	/* same inode, same wd */
	char b[8];
	fd = open(f, O_RDONLY);
	CHECK(fd >= 0 && read(fd, b, 4) == 4);
	CHECK(close(fd) == 0);
	EXPECT(in, { d, IN_OPEN, 0, "f" }, { w, IN_OPEN, 0, "" }, { d, IN_ACCESS, 0, "f" },
	       { w, IN_ACCESS, 0, "" }, { d, IN_CLOSE_NOWRITE, 0, "f" },
	       { w, IN_CLOSE_NOWRITE, 0, "" });
	CHECK(chmod(f, 0600) == 0);
	EXPECT(in, { d, IN_ATTRIB, 0, "f" }, { w, IN_ATTRIB, 0, "" });
	CHECK(chown(f, 0, 0) == 0);
	EXPECT(in, { d, IN_ATTRIB, 0, "f" }, { w, IN_ATTRIB, 0, "" });
	CHECK(utimensat(AT_FDCWD, f, NULL, 0) == 0);
	EXPECT(in, { d, IN_ATTRIB, 0, "f" }, { w, IN_ATTRIB, 0, "" });
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	CHECK(utimensat(AT_FDCWD, f, ts, 0) == 0);
	EXPECT(in, { d, IN_ACCESS, 0, "f" }, { w, IN_ACCESS, 0, "" });
	CHECK(truncate(f, 1) == 0);
	EXPECT(in, { d, IN_MODIFY, 0, "f" }, { w, IN_MODIFY, 0, "" });
	CHECK(setxattr(f, "user.k", "v", 1, 0) == 0);
	EXPECT(in, { d, IN_ATTRIB, 0, "f" }, { w, IN_ATTRIB, 0, "" });
	CHECK(removexattr(f, "user.k") == 0);
	EXPECT(in, { d, IN_ATTRIB, 0, "f" }, { w, IN_ATTRIB, 0, "" });

	/* fallocate, ftruncate, copy_file_range and sendfile into it; a
	 * write through a shared mapping is not reported (as Linux) */
	fd = open(f, O_RDWR);
	(void)drain(in);
	CHECK(fallocate(fd, 0, 0, 4096) == 0);
	EXPECT(in, { d, IN_MODIFY, 0, "f" }, { w, IN_MODIFY, 0, "" });
	CHECK(ftruncate(fd, 8192) == 0);
	EXPECT(in, { d, IN_MODIFY, 0, "f" }, { w, IN_MODIFY, 0, "" });
	int src = open(at(base, "src"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(src >= 0 && write(src, "0123456789", 10) == 10);
	(void)drain(in);
	loff_t so = 0, fo = 0;
	CHECK(copy_file_range(src, &so, fd, &fo, 10, 0) == 10);
	EXPECT(in, { d, IN_ACCESS, 0, "src" }, { d, IN_MODIFY, 0, "f" }, { w, IN_MODIFY, 0, "" });
	off_t o = 0;
	CHECK(sendfile(fd, src, &o, 10) == 10);
	EXPECT(in, { d, IN_ACCESS, 0, "src" }, { d, IN_MODIFY, 0, "f" }, { w, IN_MODIFY, 0, "" });
	close(src);
	CHECK(unlink(at(base, "src")) == 0);
	(void)drain(in);
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m != MAP_FAILED) {
		m[5] = 'z';
		CHECK(msync(m, 4096, MS_SYNC) == 0);
		munmap(m, 4096);
	}
	NONE(in);
	CHECK(close(fd) == 0);
	EXPECT(in, { d, IN_CLOSE_WRITE, 0, "f" }, { w, IN_CLOSE_WRITE, 0, "" });

	/* rename: one cookie, not 0, pairs the names */
	CHECK(rename(f, g) == 0);
	EXPECT(in, { d, IN_MOVED_FROM, 0, "f" }, { d, IN_MOVED_TO, 0, "g" },
	       { w, IN_MOVE_SELF, 0, "" });
	CHECK(ngot == 3 && got[0].cookie && got[0].cookie == got[1].cookie && !got[2].cookie);
	uint32_t c1 = got[0].cookie;
	CHECK(rename(g, f) == 0 && rename(f, g) == 0);
	drain(in);
	CHECK(ngot == 6 && got[0].cookie == got[1].cookie && got[3].cookie == got[4].cookie &&
	      got[0].cookie != c1 && got[3].cookie != got[0].cookie);

	CHECK(mkdir(at(base, "sub"), 0755) == 0);
	EXPECT(in, { d, IN_CREATE | IN_ISDIR, 0, "sub" });
	int fs = open(at(base, "sub"), O_RDONLY | O_DIRECTORY);
	CHECK(fs >= 0);
	EXPECT(in, { d, IN_OPEN | IN_ISDIR, 0, "sub" });
	close(fs);
	EXPECT(in, { d, IN_CLOSE_NOWRITE | IN_ISDIR, 0, "sub" });
	CHECK(rmdir(at(base, "sub")) == 0);
	EXPECT(in, { d, IN_DELETE | IN_ISDIR, 0, "sub" });
	CHECK(symlink("g", at(base, "l")) == 0);
	EXPECT(in, { d, IN_CREATE, 0, "l" });
	CHECK(link(g, at(base, "h")) == 0);
	EXPECT(in, { w, IN_ATTRIB, 0, "" }, { d, IN_CREATE, 0, "h" });
	CHECK(unlink(at(base, "h")) == 0);
	EXPECT(in, { w, IN_ATTRIB, 0, "" }, { d, IN_DELETE, 0, "h" });
	CHECK(unlink(at(base, "l")) == 0);
	EXPECT(in, { d, IN_DELETE, 0, "l" });
	CHECK(mknod(at(base, "p"), S_IFIFO | 0644, 0) == 0);
	EXPECT(in, { d, IN_CREATE, 0, "p" });
	CHECK(unlink(at(base, "p")) == 0);
	EXPECT(in, { d, IN_DELETE, 0, "p" });
	int sk = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", base);
	CHECK(sk >= 0 && bind(sk, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	EXPECT(in, { d, IN_CREATE, 0, "s" });
	close(sk);
	CHECK(unlink(sa.sun_path) == 0);
	EXPECT(in, { d, IN_DELETE, 0, "s" });
	int dfd = open(base, O_RDONLY | O_DIRECTORY);
	char dents[1024];
	CHECK(dfd >= 0 && syscall(SYS_getdents64, dfd, dents, sizeof(dents)) > 0);
	close(dfd);
	/* the directory's own events: no name */
	EXPECT(in, { d, IN_OPEN | IN_ISDIR, 0, "" }, { d, IN_ACCESS | IN_ISDIR, 0, "" },
	       { d, IN_CLOSE_NOWRITE | IN_ISDIR, 0, "" });

	/* the watched file goes: its watch with it */
	CHECK(unlink(g) == 0);
	EXPECT(in, { w, IN_ATTRIB, 0, "" }, { w, IN_DELETE_SELF, 0, "" },
	       { w, IN_IGNORED, 0, "" }, { d, IN_DELETE, 0, "g" });
	CHECK(inotify_rm_watch(in, w) == -1 && errno == EINVAL);

	/* an unlinked but open file: reported to the directory unless
	 * IN_EXCL_UNLINK; DELETE_SELF waits for the close */
	fd = open(f, O_CREAT | O_RDWR, 0644);
	w = inotify_add_watch(in, f, IN_DELETE_SELF);
	CHECK(unlink(f) == 0);
	drain(in);
	CHECK(write(fd, "x", 1) == 1);
	EXPECT(in, { d, IN_MODIFY, 0, "f" });
	CHECK(inotify_add_watch(in, base, IN_MODIFY | IN_EXCL_UNLINK) == d);
	CHECK(write(fd, "x", 1) == 1);
	NONE(in);
	close(fd);
	EXPECT(in, { w, IN_DELETE_SELF, 0, "" }, { w, IN_IGNORED, 0, "" });

	/* a watched directory removed */
	CHECK(inotify_add_watch(in, base, IN_ALL_EVENTS) == d);
	CHECK(mkdir(at(base, "sub"), 0755) == 0);
	int ws = inotify_add_watch(in, P, IN_ALL_EVENTS);
	CHECK(ws > 0);
	CHECK(rmdir(at(base, "sub")) == 0);
	EXPECT(in, { d, IN_CREATE | IN_ISDIR, 0, "sub" }, { ws, IN_DELETE_SELF, 0, "" },
	       { ws, IN_IGNORED, 0, "" }, { d, IN_DELETE | IN_ISDIR, 0, "sub" });
	CHECK(inotify_rm_watch(in, d) == 0);
	CHECK(inotify_rm_watch(in, d) == -1 && errno == EINVAL);
	EXPECT(in, { d, IN_IGNORED, 0, "" });
	CHECK(rmdir(base) == 0);
	close(in);
}

/* Argument errors, flags, permission, oneshot, mask_add/create. */
static void args(void)
{
	errno = 0;
	CHECK(inotify_init1(IN_NONBLOCK << 1) == -1 && errno == EINVAL);
	CHECK(inotify_init1(O_RDWR) == -1 && errno == EINVAL);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(in >= 0);
	CHECK(fcntl(in, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(in, F_GETFL) & O_NONBLOCK);
	int in2 = inotify_init();
	CHECK(in2 >= 0 && fcntl(in2, F_GETFD) == 0 && !(fcntl(in2, F_GETFL) & O_NONBLOCK));
	close(in2);
	int fd = open("/tmp/inotify_a", O_CREAT | O_RDWR | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(inotify_add_watch(in, "/tmp/inotify_a", 0) == -1 && errno == EINVAL);
	CHECK(inotify_add_watch(in, "/tmp/inotify_a", 0x1000) == -1 && errno == EINVAL);
	CHECK(inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE) ==
		      -1 && errno == EINVAL);
	CHECK(inotify_add_watch(fd, "/tmp/inotify_a", IN_MODIFY) == -1 && errno == EINVAL);
	CHECK(inotify_add_watch(999, "/tmp/inotify_a", IN_MODIFY) == -1 && errno == EBADF);
	CHECK(inotify_add_watch(in, "/tmp/inotify_none", IN_MODIFY) == -1 && errno == ENOENT);
	CHECK(inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY | IN_ONLYDIR) == -1 &&
	      errno == ENOTDIR);
	CHECK(inotify_add_watch(in, (char *)1, IN_MODIFY) == -1 && errno == EFAULT);
	CHECK(inotify_rm_watch(in, 12345) == -1 && errno == EINVAL);
	CHECK(inotify_rm_watch(fd, 1) == -1 && errno == EINVAL);
	CHECK(inotify_rm_watch(-1, 1) == -1 && errno == EBADF);

	/* read permission on the file: a user without it is EACCES */
	pid_t c = fork();
	if (c == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(2);
		int i2 = inotify_init();
		int r = inotify_add_watch(i2, "/tmp/inotify_a", IN_MODIFY);
		_exit(r == -1 && errno == EACCES ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* mask_add, replace, mask_create */
	int w = inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY);
	CHECK(w > 0);
	CHECK(inotify_add_watch(in, "/tmp/inotify_a", IN_ATTRIB | IN_MASK_ADD) == w);
	CHECK(write(fd, "x", 1) == 1 && fchmod(fd, 0600) == 0);
	EXPECT(in, { w, IN_MODIFY, 0, "" }, { w, IN_ATTRIB, 0, "" });
	CHECK(inotify_add_watch(in, "/tmp/inotify_a", IN_ATTRIB) == w);	/* replaces */
	CHECK(write(fd, "x", 1) == 1);
	NONE(in);
	CHECK(inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY | IN_MASK_CREATE) == -1 &&
	      errno == EEXIST);
	CHECK(inotify_rm_watch(in, w) == 0);
	EXPECT(in, { w, IN_IGNORED, 0, "" });

	/* oneshot: one event, then IGNORED; a new watch has a new wd */
	int w1 = inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY | IN_ONESHOT);
	CHECK(w1 > w);
	CHECK(write(fd, "x", 1) == 1 && fchmod(fd, 0600) == 0 && write(fd, "x", 1) == 1);
	EXPECT(in, { w1, IN_MODIFY, 0, "" }, { w1, IN_IGNORED, 0, "" });
	CHECK(inotify_rm_watch(in, w1) == -1 && errno == EINVAL);
	CHECK(inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY | IN_MASK_CREATE) > w1);

	/* IN_DONT_FOLLOW: the link itself is watched */
	unlink("/tmp/inotify_l");
	CHECK(symlink("inotify_a", "/tmp/inotify_l") == 0);
	int wl = inotify_add_watch(in, "/tmp/inotify_l", IN_ATTRIB | IN_DONT_FOLLOW);
	int wf = inotify_add_watch(in, "/tmp/inotify_l", IN_ATTRIB);
	CHECK(wl > 0 && wf > 0 && wl != wf);
	CHECK(fchmod(fd, 0644) == 0);
	EXPECT(in, { wf, IN_ATTRIB, 0, "" });
	CHECK(fchownat(AT_FDCWD, "/tmp/inotify_l", 0, 0, AT_SYMLINK_NOFOLLOW) == 0);
	EXPECT(in, { wl, IN_ATTRIB, 0, "" });
	CHECK(unlink("/tmp/inotify_l") == 0);
	EXPECT(in, { wl, IN_ATTRIB, 0, "" }, { wl, IN_IGNORED, 0, "" });	/* no DELETE_SELF asked */
	close(fd);
	close(in);
}

/* A full queue: max_queued_events events, then one IN_Q_OVERFLOW. */
static void overflow(void)
{
	long old = read_sysctl("max_queued_events");
	CHECK(old == 16384);
	CHECK(write_sysctl("max_queued_events", 8) == 0);
	int in = inotify_init1(IN_NONBLOCK);
	CHECK(write_sysctl("max_queued_events", old) == 0);
	int fd = open("/tmp/inotify_a", O_RDWR);
	int w = inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY | IN_ATTRIB);
	for (int k = 0; k < 20; k++)
		CHECK(write(fd, "x", 1) == 1 && fchmod(fd, 0644) == 0);
	int nb = -1;
	CHECK(ioctl(in, FIONREAD, &nb) == 0 && nb == 9 * 16);
	drain(in);
	CHECK(ngot == 9);
	for (int k = 0; k < 8 && ngot == 9; k++)
		CHECK(got[k].wd == w && got[k].mask == (k % 2 ? IN_ATTRIB : IN_MODIFY));
	CHECK(got[8].wd == -1 && got[8].mask == IN_Q_OVERFLOW);
	/* room again: events again */
	CHECK(write(fd, "x", 1) == 1);
	EXPECT(in, { w, IN_MODIFY, 0, "" });
	close(fd);
	close(in);
}

/* max_user_watches and max_user_instances, per user. */
static void limits(void)
{
	CHECK(read_sysctl("max_user_instances") == 128);
	long oldw = read_sysctl("max_user_watches");
	CHECK(oldw >= 8192);
	int in = inotify_init1(IN_NONBLOCK);
	CHECK(write_sysctl("max_user_watches", 3) == 0);
	CHECK(inotify_add_watch(in, "/tmp", IN_MODIFY) > 0);
	CHECK(inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY) > 0);
	CHECK(inotify_add_watch(in, "/", IN_MODIFY) > 0);
	CHECK(inotify_add_watch(in, "/tmp", IN_ATTRIB) > 0);	/* an update is no new one */
	errno = 0;
	CHECK(inotify_add_watch(in, "/proc", IN_MODIFY) == -1 && errno == ENOSPC);
	close(in);	/* its watches are given back */
	in = inotify_init1(IN_NONBLOCK);
	CHECK(inotify_add_watch(in, "/proc", IN_MODIFY) > 0);
	CHECK(write_sysctl("max_user_watches", oldw) == 0);
	close(in);

	CHECK(write_sysctl("max_user_instances", 4) == 0);
	int fds[8], n = 0;
	for (; n < 8; n++)
		if ((fds[n] = inotify_init()) < 0)
			break;
	CHECK(n == 4 && errno == EMFILE);
	/* another user has its own count */
	pid_t c = fork();
	if (c == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(2);
		_exit(inotify_init() >= 0 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(fds[--n]);
	CHECK((fds[n] = inotify_init()) >= 0);
	for (int k = 0; k <= n; k++)
		close(fds[k]);
	CHECK(write_sysctl("max_user_instances", 128) == 0);
}

/*
 * A user's queued events are bounded in bytes across its instances: uid
 * 1000 watches a directory from 64 instances and alternates writes to two
 * files with 200-byte names (no coalescing): 64 x 700 events of 224
 * bytes would be 10 MiB. Root's instance on the same directory still
 * gets the next event.
 */
static void user_bytes(void)
{
	enum { NIN = 64, WRITES = 700 };
	char name[2][208];
	int p[2];

	CHECK(mkdir("/tmp/inb", 0777) == 0 || errno == EEXIST);
	CHECK(chmod("/tmp/inb", 0777) == 0);
	for (int k = 0; k < 2; k++) {
		memset(name[k], 'a' + k, 200);
		name[k][200] = '\0';
	}
	int rootin = inotify_init1(IN_NONBLOCK);
	CHECK(rootin >= 0 && inotify_add_watch(rootin, "/tmp/inb", IN_CREATE) > 0);
	CHECK(pipe(p) == 0);
	pid_t c = fork();
	if (c == 0) {
		int in[NIN], fd[2], n = 0;
		long long total = 0;
		bool over = false;
		close(p[0]);
		if (setgid(1000) || setuid(1000) || chdir("/tmp/inb"))
			_exit(2);
		for (int k = 0; k < NIN; k++)
			if ((in[k] = inotify_init1(IN_NONBLOCK)) < 0 ||
			    inotify_add_watch(in[k], ".", IN_MODIFY) < 0)
				_exit(3);
		for (int k = 0; k < 2; k++)
			if ((fd[k] = open(name[k], O_WRONLY | O_CREAT, 0600)) < 0)
				_exit(4);
		for (int k = 0; k < WRITES; k++)
			if (write(fd[k % 2], "x", 1) != 1)
				_exit(5);
		for (int k = 0; k < NIN; k++) {
			int nb = 0;
			if (ioctl(in[k], FIONREAD, &nb))
				_exit(6);
			total += nb;
			/* the last event queued in a full instance is the overflow */
			struct inotify_event *e;
			static char buf[1 << 20];
			ssize_t r;
			while ((r = read(in[k], buf, sizeof(buf))) > 0)
				for (ssize_t off = 0; off < r; off += sizeof(*e) + e->len) {
					e = (struct inotify_event *)(buf + off);
					over |= e->mask == IN_Q_OVERFLOW;
					n++;
				}
		}
		printf("# inotify: uid 1000 queued %lld bytes in %d events (overflow %s)\n",
		       total, n, over ? "yes" : "no");
		if (write(p[1], &total, sizeof(total)) != sizeof(total) ||
		    write(p[1], &over, sizeof(over)) != sizeof(over))
			_exit(7);
		_exit(0);
	}
	close(p[1]);
	long long total = -1;
	bool over = false;
	CHECK(read(p[0], &total, sizeof(total)) == sizeof(total));
	CHECK(read(p[0], &over, sizeof(over)) == sizeof(over));
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(total > (6 << 20) && total <= (8 << 20) && over);
	/* root's own queue was not the user's to fill */
	int fd = open("/tmp/inb/root", O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	close(fd);
	drain(rootin);
	CHECK(ngot >= 1 && got[ngot - 1].mask == IN_CREATE && !strcmp(got[ngot - 1].name, "root"));
	close(rootin);
	close(p[0]);
	unlink("/tmp/inb/root");
	unlink(at("/tmp/inb", name[0]));
	unlink(at("/tmp/inb", name[1]));
	rmdir("/tmp/inb");
}

/* FIONREAD, a read buffer too small, poll and epoll. */
static void reading(void)
{
	int in = inotify_init1(IN_NONBLOCK);
	int w = inotify_add_watch(in, "/tmp", IN_CREATE);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 }, out;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev) == 0);
	CHECK(epoll_wait(ep, &out, 1, 0) == 0);
	struct pollfd p = { in, POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 0);
	int nb = -1;
	CHECK(ioctl(in, FIONREAD, &nb) == 0 && nb == 0);
	unlink("/tmp/inotify_name17chars_");
	int fd = open("/tmp/inotify_name17chars_", O_CREAT | O_RDWR, 0644);	/* 20: len 32 */
	CHECK(epoll_wait(ep, &out, 1, 0) == 1 && out.data.u32 == 7 && (out.events & EPOLLIN));
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN));
	CHECK(ioctl(in, FIONREAD, &nb) == 0 && nb == 16 + 32);
	char buf[64] __attribute__((aligned(8)));
	CHECK(read(in, buf, 16) == -1 && errno == EINVAL);
	CHECK(read(in, buf, 47) == -1 && errno == EINVAL);
	CHECK(read(in, (void *)8, 48) == -1 && errno == EFAULT);	/* the event is lost */
	CHECK(ioctl(in, FIONREAD, &nb) == 0 && nb == 0);
	close(fd);
	unlink("/tmp/inotify_name17chars_");
	fd = open("/tmp/inotify_name17chars_", O_CREAT | O_RDWR, 0644);
	CHECK(read(in, buf, 48) == 48);
	struct inotify_event *e = (void *)buf;
	CHECK(e->wd == w && e->mask == IN_CREATE && e->len == 32 &&
	      !strcmp(e->name, "inotify_name17chars_") && !e->name[31]);
	CHECK(epoll_wait(ep, &out, 1, 0) == 0);
	close(fd);
	unlink("/tmp/inotify_name17chars_");
	close(ep);
	close(in);
}

/* A second process changes a file while this one reads, blocked. */
static void two_processes(void)
{
	int in = inotify_init();
	int fd = open("/tmp/inotify_a", O_RDWR);
	int w = inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY | IN_ATTRIB);
	pid_t c = fork();
	if (c == 0) {
		struct timespec t = { 0, 20 * 1000 * 1000 };
		nanosleep(&t, NULL);
		for (int k = 0; k < 200; k++)
			if (write(fd, "x", 1) != 1 || fchmod(fd, 0644))
				_exit(1);
		_exit(0);
	}
	int n = 0, bad = 0;
	char buf[4096] __attribute__((aligned(8)));
	while (n < 400) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r <= 0)
			break;
		for (ssize_t off = 0; off < r; off += 16) {
			struct inotify_event *e = (void *)(buf + off);
			bad += e->wd != w || e->mask != (n % 2 ? IN_ATTRIB : IN_MODIFY);
			n++;
		}
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(n == 400 && bad == 0);
	close(fd);
	close(in);
}

static int reader_in;
static ssize_t reader_got;
static uint32_t reader_mask;

static void *reader(void *arg)
{
	char buf[256] __attribute__((aligned(8)));
	(void)arg;
	reader_got = read(reader_in, buf, sizeof(buf));
	reader_mask = reader_got > 0 ? ((struct inotify_event *)buf)->mask : 0;
	return NULL;
}

/* close while another thread blocks in read: close returns at once; the
 * reader's reference keeps the instance, the next event wakes it. */
static void close_while_reading(void)
{
	reader_in = inotify_init();
	int fd = open("/tmp/inotify_a", O_RDWR);
	CHECK(inotify_add_watch(reader_in, "/tmp/inotify_a", IN_MODIFY) > 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, reader, NULL) == 0);
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	CHECK(close(reader_in) == 0);
	CHECK(fcntl(reader_in, F_GETFD) == -1 && errno == EBADF);
	CHECK(write(fd, "x", 1) == 1);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(reader_got == 16 && reader_mask == IN_MODIFY);
	CHECK(write(fd, "x", 1) == 1);	/* the instance is gone: nothing breaks */
	close(fd);
}

/* Watches added and removed on one CPU while another process writes
 * the file: per wd, only MODIFYs and then exactly one IGNORED, last. */
static void remove_race(void)
{
	int in = inotify_init1(IN_NONBLOCK);
	int fd = open("/tmp/inotify_a", O_RDWR);
	pid_t c = fork();
	if (c == 0) {
		for (;;)
			if (pwrite(fd, "x", 1, 0) != 1)
				_exit(1);
	}
	int last = 0, bad = 0, ignored = 0, modified = 0;
	char buf[8192] __attribute__((aligned(8)));
	for (int k = 0; k < 300; k++) {
		int w = inotify_add_watch(in, "/tmp/inotify_a", IN_MODIFY);
		bad += w != last + 1;
		last = w;
		if (k % 10 == 0) {	/* let the writer in (-smp 1) */
			struct timespec t = { 0, 2 * 1000 * 1000 };
			nanosleep(&t, NULL);
		}
		bad += inotify_rm_watch(in, w) != 0;
		/* events of w: MODIFY (coalesced), then IGNORED */
		ssize_t r = read(in, buf, sizeof(buf));
		int seen_ignored = 0;
		for (ssize_t off = 0; r > 0 && off < r; off += 16) {
			struct inotify_event *e = (void *)(buf + off);
			bad += e->wd != w || seen_ignored || e->len;
			if (e->mask == IN_IGNORED)
				seen_ignored = 1;
			else
				bad += e->mask != IN_MODIFY, modified++;
		}
		bad += !seen_ignored;
		ignored += seen_ignored;
	}
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	if (bad || ignored != 300 || !modified)
		fprintf(stderr, "inotify: race: bad %d ignored %d modified %d\n", bad, ignored,
			modified);
	CHECK(bad == 0 && ignored == 300 && modified > 0);
	close(fd);
	close(in);
}

/* ext2: the same events, and unmount's. */
static void ext2(void)
{
	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	if (mount(DEV, MNT, "ext2", 0, NULL) && errno != EBUSY) {
		CHECK(!"mount " DEV);
		return;
	}
	ops(MNT "/inotify");
	int in = inotify_init1(IN_NONBLOCK);
	int fd = open(MNT "/inotify_u", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && close(fd) == 0);
	int w = inotify_add_watch(in, MNT "/inotify_u", IN_ALL_EVENTS);
	int wr = inotify_add_watch(in, MNT, IN_CREATE);
	CHECK(w > 0 && wr > 0);
	CHECK(umount(MNT) == 0);
	drain(in);
	/* each watch: UNMOUNT, IGNORED; the two watches in either order */
	CHECK(ngot == 4);
	for (int k = 0; k < 4 && ngot == 4; k += 2)
		CHECK((got[k].wd == w || got[k].wd == wr) && got[k].mask == IN_UNMOUNT &&
		      got[k + 1].wd == got[k].wd && got[k + 1].mask == IN_IGNORED);
	CHECK(ngot != 4 || got[0].wd != got[2].wd);
	CHECK(mount(DEV, MNT, "ext2", 0, NULL) == 0);
	CHECK(unlink(MNT "/inotify_u") == 0);
	NONE(in);
	close(in);
	CHECK(umount(MNT) == 0);
}

int main(void)
{
	alarm(120);
	args();
	printf("# ok 1 - inotify arguments, oneshot, mask_add\n");
	ops("/tmp/inotify");
	printf("# ok 2 - inotify memfs events\n");
	overflow();
	printf("# ok 3 - inotify overflow\n");
	limits();
	user_bytes();
	printf("# ok 4 - inotify limits\n");
	reading();
	printf("# ok 5 - inotify reading\n");
	two_processes();
	printf("# ok 6 - inotify two processes\n");
	close_while_reading();
	printf("# ok 7 - inotify close while reading\n");
	remove_race();
	printf("# ok 8 - inotify watch removed while events fire\n");
	ext2();
	printf("# ok 9 - inotify ext2\n");
	unlink("/tmp/inotify_a");
	printf("# inotify: %s\n", failures ? "FAILED" : "all passed");
	return check_done();
}
