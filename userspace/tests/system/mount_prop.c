/*
 * mount_prop: mount propagation (shared subtrees) from the attacker's
 * side. MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (and mount_setattr's
 * propagation) show in mountinfo as shared:N, master:N, unbindable; a
 * mount or unmount under a shared mount happens under its peers and
 * slaves (never back from a slave), in other mount namespaces too (a
 * CLONE_NEWNS copy's mounts are peers of the originals); a propagated
 * copy unmounts on its own; a busy copy makes the unmount EBUSY, a lazy
 * one takes it along; unbindable mounts refuse a bind and are left out
 * of a recursive one; moving a mount out of a shared parent is EINVAL.
 * Hostile: bad flag mixes; the exponential storm (a shared tree bound
 * recursively into itself) stops at fs/mount-max with ENOSPC; many
 * shared/slave toggles then a mount must end; unshare racing mounts.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TEST_NAME "mount_prop"
#include "check.h"

#ifndef MS_SHARED
#define MS_SHARED (1 << 20)
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif

struct mattr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

#define T "/tmp/mp"

/* The optional fields of mountinfo's line for mount point path (the
 * last one listed: the top of a stack), into out; 0 if found. */
static int fields(const char *path, char *out, size_t cap)
{
	char line[1024], mnt[512];
	int found = -1;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		int off = 0;
		if (sscanf(line, "%*d %*d %*d:%*d %*s %511s %*s%n", mnt, &off) != 1 || !off)
			continue;
		if (strcmp(mnt, path))
			continue;
		char *dash = strstr(line + off, " - ");
		size_t n = dash ? (size_t)(dash - (line + off)) : 0;
		if (n >= cap)
			n = cap - 1;
		memcpy(out, line + off, n);
		out[n] = '\0';
		found = 0;
	}
	fclose(f);
	return found;
}

/* The N of "key:N" in path's optional fields, 0 if none, -1 no mount. */
static long field(const char *path, const char *key)
{
	char f[256], k[32];
	if (fields(path, f, sizeof(f)))
		return -1;
	snprintf(k, sizeof(k), " %s:", key);
	char *p = strstr(f, k);
	return p ? atol(p + strlen(k)) : 0;
}

static bool has_flag(const char *path, const char *word)
{
	char f[256];
	return !fields(path, f, sizeof(f)) && strstr(f, word);
}

static int count_mounts(void)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	return n;
}

static bool is_mount(const char *path)
{
	char f[256];
	return fields(path, f, sizeof(f)) == 0;
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
		close(fd);
	}
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void dirs(const char *base, const char *const *names)
{
	char p[256];
	for (; *names; names++) {
		snprintf(p, sizeof(p), "%s/%s", base, *names);
		mkdir(p, 0755);
	}
}

static void basics(void)
{
	static const char *const names[] = { "a", "x", "s", "u", "m", NULL };

	CHECK(mount("t", T "/sh", "tmpfs", 0, NULL) == 0);
	dirs(T "/sh", names);
	CHECK(field(T "/sh", "shared") == 0);
	CHECK(mount(NULL, T "/sh", NULL, MS_SHARED, NULL) == 0);
	long id = field(T "/sh", "shared");
	CHECK(id > 0);
	/* a bind of a shared mount is its peer */
	CHECK(mount(T "/sh", T "/sh/a", NULL, MS_BIND, NULL) == 0);
	CHECK(field(T "/sh/a", "shared") == id);
	/* a mount under one peer shows under the other */
	CHECK(mount("t", T "/sh/x", "tmpfs", 0, NULL) == 0);
	put(T "/sh/x/f", "x");
	CHECK(is_mount(T "/sh/a/x"));
	CHECK(exists(T "/sh/a/x/f"));
	/* unmounting the propagated copy unmounts the original too (an
	 * unmount under a peer propagates back, as Linux) */
	CHECK(umount(T "/sh/a/x") == 0);
	CHECK(!exists(T "/sh/a/x/f") && !is_mount(T "/sh/x"));
	/* an unmount of the original propagates */
	CHECK(mount("t", T "/sh/x", "tmpfs", 0, NULL) == 0);
	put(T "/sh/x/g", "g");
	CHECK(exists(T "/sh/a/x/g"));
	CHECK(umount(T "/sh/x") == 0);
	CHECK(!is_mount(T "/sh/a/x") && !exists(T "/sh/a/x/g"));
	/* a busy copy makes it EBUSY; lazily both go */
	CHECK(mount("t", T "/sh/x", "tmpfs", 0, NULL) == 0);
	put(T "/sh/x/h", "h");
	int fd = open(T "/sh/a/x/h", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(umount(T "/sh/x") == -1 && errno == EBUSY);
	CHECK(is_mount(T "/sh/x") && is_mount(T "/sh/a/x"));
	CHECK(umount2(T "/sh/x", MNT_DETACH) == 0);
	CHECK(!is_mount(T "/sh/x") && !is_mount(T "/sh/a/x"));
	close(fd);

	/* slave: receives, never sends */
	CHECK(mount(T "/sh", T "/sh/s", NULL, MS_BIND, NULL) == 0);
	CHECK(mount(NULL, T "/sh/s", NULL, MS_SLAVE, NULL) == 0);
	CHECK(field(T "/sh/s", "master") == id);
	CHECK(field(T "/sh/s", "shared") == 0);
	CHECK(mount("t", T "/sh/m", "tmpfs", 0, NULL) == 0);
	CHECK(is_mount(T "/sh/s/m") && is_mount(T "/sh/a/m"));
	CHECK(umount(T "/sh/m") == 0);
	CHECK(!is_mount(T "/sh/s/m"));
	CHECK(mount("t", T "/sh/s/u", "tmpfs", 0, NULL) == 0);
	CHECK(!is_mount(T "/sh/u") && !is_mount(T "/sh/a/u"));
	CHECK(umount(T "/sh/s/u") == 0);
	/* a slave made shared: both, in a group of its own */
	CHECK(mount(NULL, T "/sh/s", NULL, MS_SHARED, NULL) == 0);
	long sid = field(T "/sh/s", "shared");
	CHECK(sid > 0 && sid != id && field(T "/sh/s", "master") == id);
	CHECK(umount(T "/sh/s") == 0);

	/* mount_setattr's propagation: -1 and two kinds EINVAL, 0 keeps */
	struct mattr at = { 0 };
	at.propagation = (uint64_t)-1;
	CHECK(syscall(SYS_mount_setattr, -1, T "/sh/a", 0, &at, sizeof(at)) == -1 &&
	      errno == EINVAL);
	at.propagation = MS_SHARED | MS_SLAVE;
	CHECK(syscall(SYS_mount_setattr, -1, T "/sh/a", 0, &at, sizeof(at)) == -1 &&
	      errno == EINVAL);
	at.propagation = 0;
	CHECK(syscall(SYS_mount_setattr, -1, T "/sh/a", 0, &at, sizeof(at)) == 0);
	CHECK(field(T "/sh/a", "shared") == id);
	at.propagation = MS_SLAVE;
	CHECK(syscall(SYS_mount_setattr, -1, T "/sh/a", 0, &at, sizeof(at)) == 0);
	CHECK(field(T "/sh/a", "master") == id && field(T "/sh/a", "shared") == 0);
	at.propagation = MS_PRIVATE;
	CHECK(syscall(SYS_mount_setattr, -1, T "/sh/a", 0, &at, sizeof(at)) == 0);
	CHECK(field(T "/sh/a", "master") == 0 && field(T "/sh/a", "shared") == 0);
	CHECK(umount(T "/sh/a") == 0);

	/* mount(2): two kinds, or with other flags, EINVAL; not a mount
	 * point EINVAL; a bad path EFAULT */
	CHECK(mount(NULL, T "/sh", NULL, MS_SHARED | MS_SLAVE, NULL) == -1 && errno == EINVAL);
	CHECK(mount(NULL, T "/sh", NULL, MS_SHARED | MS_RDONLY, NULL) == -1 && errno == EINVAL);
	CHECK(mount(NULL, T "/sh/x", NULL, MS_SHARED, NULL) == -1 && errno == EINVAL);
	CHECK(mount(NULL, (char *)8, NULL, MS_SHARED, NULL) == -1 && errno == EFAULT);

	/* unbindable: no bind, no open_tree clone; a recursive bind of
	 * what holds it leaves it out */
	CHECK(mount("t", T "/sh/u", "tmpfs", 0, NULL) == 0);
	CHECK(mount(NULL, T "/sh/u", NULL, MS_UNBINDABLE, NULL) == 0);
	CHECK(has_flag(T "/sh/u", "unbindable"));
	CHECK(mount(T "/sh/u", T "/sh/m", NULL, MS_BIND, NULL) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_open_tree, -1, T "/sh/u", 1 /* OPEN_TREE_CLONE */) == -1 &&
	      errno == EINVAL);
	mkdir(T "/rb", 0755);
	CHECK(mount(T "/sh", T "/rb", NULL, MS_BIND | MS_REC, NULL) == 0);
	CHECK(is_mount(T "/rb") && !is_mount(T "/rb/u"));
	CHECK(umount(T "/rb") == 0);
	/* a move out of a shared parent is EINVAL; of a private one works */
	CHECK(mount(NULL, T "/sh/u", NULL, MS_PRIVATE, NULL) == 0);
	CHECK(!has_flag(T "/sh/u", "unbindable"));
	CHECK(mount(T "/sh/u", T "/sh/m", NULL, MS_MOVE, NULL) == -1 && errno == EINVAL);
	CHECK(mount(NULL, T "/sh", NULL, MS_PRIVATE, NULL) == 0);
	CHECK(field(T "/sh", "shared") == 0);
	CHECK(mount(T "/sh/u", T "/sh/m", NULL, MS_MOVE, NULL) == 0);
	CHECK(umount(T "/sh/m") == 0);
	CHECK(umount(T "/sh") == 0);
}

/* A CLONE_NEWNS copy's mounts are peers of the originals: mounts and
 * unmounts go both ways between the namespaces. */
static void namespaces(void)
{
	static const char *const names[] = { "p", "c", NULL };
	int go[2], back[2];
	char b;

	CHECK(mount("t", T "/ns", "tmpfs", 0, NULL) == 0);
	dirs(T "/ns", names);
	CHECK(mount(NULL, T "/ns", NULL, MS_SHARED, NULL) == 0);
	CHECK(pipe(go) == 0 && pipe(back) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		int bad = 0;
		if (unshare(CLONE_NEWNS))
			_exit(90);
		bad |= (field(T "/ns", "shared") <= 0) << 1;
		bad |= write(back[1], "u", 1) != 1;
		bad |= read(go[0], &b, 1) != 1;		/* the parent mounted p */
		bad |= !exists(T "/ns/p/pf") << 2;
		bad |= (mount("t", T "/ns/c", "tmpfs", 0, NULL) != 0) << 3;
		put(T "/ns/c/cf", "c");
		bad |= write(back[1], "m", 1) != 1;
		bad |= read(go[0], &b, 1) != 1;		/* the parent unmounted c */
		bad |= is_mount(T "/ns/c") << 4;
		bad |= (umount(T "/ns/p") != 0) << 5;	/* and ours goes there */
		bad |= write(back[1], "d", 1) != 1;
		bad |= read(go[0], &b, 1) != 1;
		_exit(bad);
	}
	CHECK(pid > 0);
	CHECK(read(back[0], &b, 1) == 1);
	CHECK(mount("t", T "/ns/p", "tmpfs", 0, NULL) == 0);
	put(T "/ns/p/pf", "p");
	CHECK(write(go[1], "g", 1) == 1);
	CHECK(read(back[0], &b, 1) == 1);
	CHECK(exists(T "/ns/c/cf"));		/* the child's came here */
	CHECK(umount(T "/ns/c") == 0);		/* and goes there too */
	CHECK(write(go[1], "g", 1) == 1);
	CHECK(read(back[0], &b, 1) == 1);
	CHECK(!is_mount(T "/ns/p"));		/* the child's unmount came here */
	CHECK(write(go[1], "g", 1) == 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WEXITSTATUS(st))
		fprintf(stderr, "mount_prop: namespaces: child status %d\n", WEXITSTATUS(st));
	CHECK(umount(T "/ns") == 0);
	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
}

/* propagate_from: a slave whose master group has no peer in this
 * namespace shows the nearest group up its chain of masters that has. */
static void from(void)
{
	static const char *const names[] = { "a", "b", NULL };

	CHECK(mount("t", T "/pf", "tmpfs", 0, NULL) == 0);
	dirs(T "/pf", names);
	CHECK(mount("t", T "/pf/a", "tmpfs", 0, NULL) == 0);
	CHECK(mount(NULL, T "/pf/a", NULL, MS_SHARED, NULL) == 0);
	CHECK(mount(T "/pf/a", T "/pf/b", NULL, MS_BIND, NULL) == 0);
	CHECK(mount(NULL, T "/pf/b", NULL, MS_SLAVE, NULL) == 0);
	CHECK(mount(NULL, T "/pf/b", NULL, MS_SHARED, NULL) == 0);
	long g1 = field(T "/pf/a", "shared"), g2 = field(T "/pf/b", "shared");
	CHECK(g1 > 0 && g2 > 0 && g1 != g2 && field(T "/pf/b", "master") == g1);
	CHECK(field(T "/pf/b", "propagate_from") == 0);
	pid_t pid = fork();
	if (pid == 0) {
		int bad = 0;
		if (unshare(CLONE_NEWNS))
			_exit(90);
		bad |= (field(T "/pf/b", "shared") != g2) << 1;
		bad |= (mount(NULL, T "/pf/b", NULL, MS_SLAVE, NULL) != 0) << 2;
		bad |= (field(T "/pf/b", "master") != g2) << 3;
		bad |= (field(T "/pf/b", "propagate_from") != g1) << 4;
		_exit(bad);
	}
	int st;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "mount_prop: from: child status %d\n", WEXITSTATUS(st));
	/* a copy for a new user namespace: slaves of the shared mounts */
	pid = fork();
	if (pid == 0) {
		int bad = 0;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			_exit(90);
		bad |= (field(T "/pf/a", "shared") != 0) << 1;
		bad |= (field(T "/pf/a", "master") != g1) << 2;
		bad |= (field(T "/pf/b", "master") != g2) << 3;
		_exit(bad);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "mount_prop: from: userns child status %d\n", WEXITSTATUS(st));
	CHECK(umount(T "/pf/b") == 0);
	CHECK(umount(T "/pf/a") == 0);
	CHECK(umount(T "/pf") == 0);
}

static void set_max(const char *v)
{
	int fd = open("/proc/sys/fs/mount-max", O_WRONLY);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, v, strlen(v)) == (ssize_t)strlen(v));
		close(fd);
	}
}

/* The exponential storm: a shared tree bound recursively into itself
 * grows by a factor each round; fs/mount-max stops it with ENOSPC,
 * whole (no round half done), in a namespace of its own. */
static void storm(void)
{
	char buf[32];
	int fd = open("/proc/sys/fs/mount-max", O_RDONLY);
	CHECK(fd >= 0);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	CHECK(n > 0 && atol(buf) == 100000);
	if (fd >= 0)
		close(fd);
	set_max("400");
	long long heap[3] = { 0 };
	for (int run = 0; run < 3; run++) {
	heap[run] = meminfo("KernelHeap");
	pid_t pid = fork();
	if (pid == 0) {
		int bad = 0, rounds = 0, err = 0;
		if (unshare(CLONE_NEWNS))
			_exit(90);
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		if (mount("t", T "/st", "tmpfs", 0, NULL) || mount(NULL, T "/st", NULL, MS_SHARED, NULL))
			_exit(91);
		for (int i = 0; i < 40; i++) {
			char p[64];
			snprintf(p, sizeof(p), T "/st/d%d", i);
			mkdir(p, 0755);
		}
		int before = count_mounts();
		for (int i = 0; i < 40; i++) {
			char p[64];
			snprintf(p, sizeof(p), T "/st/d%d", i);
			int was = count_mounts();
			if (mount(T "/st", p, NULL, MS_BIND | MS_REC, NULL)) {
				err = errno;
				bad |= count_mounts() != was;	/* all or nothing */
				break;
			}
			rounds++;
		}
		int after = count_mounts();
		bad |= (err != ENOSPC) << 2;
		bad |= (after > 400 || after <= before) << 3;
		bad |= (rounds < 2 || rounds > 10) << 4;
		/* again: ENOSPC again, nothing made */
		bad |= !(mount(T "/st", T "/st/d39", NULL, MS_BIND | MS_REC, NULL) == -1 &&
			 errno == ENOSPC && count_mounts() == after) << 1;
		if (bad)
			fprintf(stderr, "mount_prop: storm: rounds %d err %d before %d after %d\n",
				rounds, err, before, after);
		_exit(bad ? 1 : 0);	/* the namespace goes: every mount with it */
	}
	int st;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* the namespaces went with every mount and group: the second and
	 * third storms leave the kernel's heap where the first did (the
	 * lazily unmounted ones are reaped within a second) */
	sleep(2);
	long long end = meminfo("KernelHeap");
	if (heap[1] > 0 && end > heap[1] + 16 * 1024)
		fprintf(stderr, "mount_prop: storm: heap %lld %lld %lld then %lld\n", heap[0],
			heap[1], heap[2], end);
	CHECK(heap[1] <= 0 || end <= heap[1] + 16 * 1024);
	set_max("100000");
	fd = open("/proc/sys/fs/mount-max", O_WRONLY);
	CHECK(write(fd, "0", 1) == -1 && errno == EINVAL);	/* below the minimum */
	close(fd);
	fd = open("/proc/sys/fs/mount-max", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	CHECK(n > 0 && atol(buf) == 100000);
	if (fd >= 0)
		close(fd);
}

/* Toggles between shared, slave and private among binds of one another
 * stacked on four places (the relations a cycle would need), then a
 * mount and an unmount under every one: they end, within fs/mount-max,
 * and the namespace's teardown takes the tangle apart. */
static void toggles(void)
{
	static const char *const m[] = { T "/tg/a", T "/tg/b", T "/tg/c", T "/tg/d" };
	static const unsigned kinds[] = { MS_SHARED, MS_SLAVE, MS_SHARED, MS_PRIVATE, MS_SLAVE,
					  MS_SHARED };

	set_max("400");
	pid_t pid = fork();
	if (pid == 0) {
		int bad = 0;
		if (unshare(CLONE_NEWNS))
			_exit(90);
		if (mount("t", T "/tg", "tmpfs", 0, NULL))
			_exit(91);
		for (int i = 0; i < 4; i++) {
			char p[64];
			mkdir(m[i], 0755);
			bad |= mount("t", m[i], "tmpfs", 0, NULL) != 0;
			snprintf(p, sizeof(p), "%s/x", m[i]);
			mkdir(p, 0755);
			bad |= mount(NULL, m[i], NULL, MS_SHARED, NULL) != 0;
		}
		for (int round = 0; round < 24; round++) {
			int i = round % 4, j = (round * 3 + 1) % 4;
			/* j's top bound over i's: a peer or slave of j there */
			if (mount(m[j], m[i], NULL, MS_BIND, NULL) && errno != ENOSPC)
				bad |= 2;
			bad |= (mount(NULL, m[i], NULL, kinds[round % 6], NULL) != 0) << 2;
		}
		for (int i = 0; i < 4; i++) {
			char p[64];
			snprintf(p, sizeof(p), "%s/x", m[i]);
			if (mount("t", p, "tmpfs", 0, NULL) == 0)
				umount2(p, MNT_DETACH);
			else if (errno != ENOSPC)
				bad |= 8;
		}
		bad |= (count_mounts() > 400) << 4;
		_exit(bad);
	}
	int st;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "mount_prop: toggles: child status %d\n", WEXITSTATUS(st));
	set_max("100000");
}

/* unshare(CLONE_NEWNS) in children while a thread mounts and unmounts
 * under a shared mount: copies are consistent, nothing is left over. */
static volatile int stop;

static void *mounter(void *arg)
{
	(void)arg;
	for (int i = 0; !stop && i < 300; i++) {
		/* a child's unmount of its copy may take ours first */
		if (mount("t", T "/rc/x", "tmpfs", 0, NULL) == 0)
			umount2(T "/rc/x", MNT_DETACH);
	}
	return NULL;
}

static void race(void)
{
	static const char *const names[] = { "x", NULL };
	pthread_t th;

	CHECK(mount("t", T "/rc", "tmpfs", 0, NULL) == 0);
	dirs(T "/rc", names);
	CHECK(mount(NULL, T "/rc", NULL, MS_SHARED, NULL) == 0);
	int base = count_mounts();
	CHECK(pthread_create(&th, NULL, mounter, NULL) == 0);
	for (int i = 0; i < 30; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			if (unshare(CLONE_NEWNS))
				_exit(90);
			/* a copy of x, if any, goes with its peer or now */
			for (int k = 0; k < 5; k++)
				umount2(T "/rc/x", MNT_DETACH);
			_exit(0);
		}
		int st;
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 0);
	}
	stop = 1;
	pthread_join(th, NULL);
	while (umount2(T "/rc/x", MNT_DETACH) == 0)
		;
	CHECK(count_mounts() == base);
	CHECK(umount(T "/rc") == 0);
}

int main(void)
{
	mkdir(T, 0755);
	CHECK(mount("t", T, "tmpfs", 0, NULL) == 0);
	static const char *const names[] = { "sh", "ns", "st", "tg", "rc", "pf", NULL };

	setvbuf(stderr, NULL, _IONBF, 0);
	dirs(T, names);
	basics();
	namespaces();
	from();
	storm();
	toggles();
	race();
	CHECK(umount(T) == 0);
	return check_done();
}
