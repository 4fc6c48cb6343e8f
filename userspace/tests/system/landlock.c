/*
 * Landlock from the attacker's side: a sandboxed process allowed only
 * base/allowed tries to reach base/denied
 * - through "..", a symlink, a bind mount made before (and one it tries
 *   to make), a rename or hard link of the denied file into the allowed
 *   tree (EACCES / EXDEV), renaming the allowed directory away;
 * - through /proc/self/fd/N of an O_PATH fd opened before, and openat
 *   from an O_PATH directory fd;
 * - by exec of a denied program (an allowed one runs; exec keeps the
 *   domain), from a forked child, from a sibling thread;
 * - 16 layers stack, the 17th is E2BIG; two layers intersect; a right
 *   the ruleset does not handle stays allowed;
 * - a rule keeps no filesystem mounted, and matches nothing once its
 *   filesystem is gone;
 * - mount, umount, pivot_root are EPERM; ptrace of the unsandboxed
 *   parent is EPERM; the syscalls' argument errors are Linux's.
 */
#define _GNU_SOURCE
#define TEST_NAME "landlock"
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "check.h"

#define NR_create 444
#define NR_add 445
#define NR_restrict 446

#define A_EXEC (1ULL << 0)
#define A_WRITE (1ULL << 1)
#define A_READ (1ULL << 2)
#define A_READDIR (1ULL << 3)
#define A_RMDIR (1ULL << 4)
#define A_RMFILE (1ULL << 5)
#define A_MKCHAR (1ULL << 6)
#define A_MKDIR (1ULL << 7)
#define A_MKREG (1ULL << 8)
#define A_MKSOCK (1ULL << 9)
#define A_MKFIFO (1ULL << 10)
#define A_MKBLOCK (1ULL << 11)
#define A_MKSYM (1ULL << 12)
#define A_REFER (1ULL << 13)
#define A_ALL ((1ULL << 14) - 1)

struct rattr { uint64_t handled; };
struct pattr { uint64_t allowed; int32_t fd; } __attribute__((packed));

static char base[64], allowed[96], denied[96], dfile[128], afile[128];

static long create(uint64_t handled)
{
	struct rattr a = { handled };
	return syscall(NR_create, &a, sizeof(a), 0);
}

static int add(int rs, const char *path, uint64_t access)
{
	struct pattr p = { access, open(path, O_PATH | O_CLOEXEC) };
	int rc = (int)syscall(NR_add, rs, 1, &p, 0);
	close(p.fd);
	return rc;
}

/* One layer: handled rights, and `access` allowed beneath path. */
static int sandbox(uint64_t handled, const char *path, uint64_t access)
{
	int rs = (int)create(handled);
	if (rs < 0)
		return -1;
	if (path && add(rs, path, access)) {
		close(rs);
		return -1;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	int rc = (int)syscall(NR_restrict, rs, 0);
	close(rs);
	return rc;
}

/* errno of open(path, flags), 0 if it opened */
static int open_err(const char *path, int flags)
{
	int fd = open(path, flags);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* Runs fn in a child; the child's failures come back in its status. */
static void in_child(const char *what, void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		failures = 0;
		fn();
		_exit(failures ? 1 : 0);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, TEST_NAME ": %s failed (status %#x)\n", what, st);
		failures++;
	}
}

static void t_args(void)
{
	struct rattr a = { A_READ };
	char big[8192] = { 0 };
	CHECK(syscall(NR_create, NULL, 0, 1) == 2);		/* ABI 2 */
	CHECK(syscall(NR_create, NULL, 0, 2) == -1 && errno == EINVAL);
	CHECK(syscall(NR_create, &a, 7, 0) == -1 && errno == EINVAL);
	CHECK(syscall(NR_create, big, 4097, 0) == -1 && errno == E2BIG);
	big[8] = 1;
	CHECK(syscall(NR_create, big, 16, 0) == -1 && errno == E2BIG);
	CHECK(syscall(NR_create, NULL, 8, 0) == -1 && errno == EFAULT);
	CHECK(create(0) == -1 && errno == ENOMSG);
	CHECK(create(1ULL << 14) == -1 && errno == EINVAL);
	int rs = (int)create(A_READ | A_EXEC);
	CHECK(rs >= 0 && fcntl(rs, F_GETFD) == FD_CLOEXEC);
	struct pattr p = { A_WRITE, open(base, O_PATH) };
	CHECK(syscall(NR_add, rs, 1, &p, 0) == -1 && errno == EINVAL);	/* not handled */
	p.allowed = 0;
	CHECK(syscall(NR_add, rs, 1, &p, 0) == -1 && errno == ENOMSG);
	p.allowed = A_READ;
	CHECK(syscall(NR_add, rs, 2, &p, 0) == -1 && errno == EINVAL);
	CHECK(syscall(NR_add, rs, 1, &p, 1) == -1 && errno == EINVAL);
	CHECK(syscall(NR_add, rs, 1, (void *)8, 0) == -1 && errno == EFAULT);
	CHECK(syscall(NR_add, p.fd, 1, &p, 0) == -1 && errno == EBADF);	/* O_PATH */
	CHECK(syscall(NR_add, -1, 1, &p, 0) == -1 && errno == EBADF);
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	struct pattr pp = { A_READ, pfd[0] };
	CHECK(syscall(NR_add, rs, 1, &pp, 0) == -1 && errno == EBADFD);
	pp.fd = rs;
	CHECK(syscall(NR_add, rs, 1, &pp, 0) == -1 && errno == EBADFD);
	/* a file takes only file rights: READ_DIR on one is EINVAL */
	int rs2 = (int)create(A_READ | A_READDIR);
	CHECK(add(rs2, dfile, A_READDIR) == -1 && errno == EINVAL);
	CHECK(add(rs2, dfile, A_READ) == 0);
	CHECK(syscall(NR_restrict, rs, 1) == -1 && errno == EINVAL);
	CHECK(syscall(NR_restrict, pfd[0], 0) == -1 && errno == EBADFD);
	CHECK(syscall(NR_restrict, -1, 0) == -1 && errno == EBADF);
	close(p.fd);
	close(pfd[0]);
	close(pfd[1]);
	close(rs);
	close(rs2);
}

static void t_escapes(void)
{
	char path[256];
	int pre_path = open(dfile, O_PATH);		/* opened before */
	int pre_dir = open(denied, O_PATH | O_DIRECTORY);
	CHECK(pre_path >= 0 && pre_dir >= 0);
	CHECK(sandbox(A_ALL, allowed, A_ALL & ~A_REFER) == 0);
	CHECK(open_err(afile, O_RDWR) == 0);
	CHECK(open_err(allowed, O_RDONLY | O_DIRECTORY) == 0);
	CHECK(open_err(dfile, O_RDONLY) == EACCES);
	CHECK(open_err(dfile, O_WRONLY) == EACCES);
	CHECK(open_err(denied, O_RDONLY | O_DIRECTORY) == EACCES);
	snprintf(path, sizeof(path), "%s/../denied/file", allowed);
	CHECK(open_err(path, O_RDONLY) == EACCES);
	snprintf(path, sizeof(path), "%s/link", allowed);	/* -> ../denied/file */
	CHECK(open_err(path, O_RDONLY) == EACCES);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pre_path);
	CHECK(open_err(path, O_RDONLY) == EACCES);
	CHECK(openat(pre_dir, "file", O_RDONLY) == -1 && errno == EACCES);
	CHECK(open_err(dfile, O_PATH) == 0);	/* O_PATH opens nothing */
	snprintf(path, sizeof(path), "%s/bound/file", base);	/* bind of denied */
	CHECK(open_err(path, O_RDONLY) == EACCES);
	snprintf(path, sizeof(path), "%s/mnt", allowed);
	CHECK(mount(denied, path, NULL, MS_BIND, NULL) == -1 && errno == EPERM);
	snprintf(path, sizeof(path), "%s/bound", base);
	CHECK(umount2(path, MNT_DETACH) == -1 && errno == EPERM);
	CHECK(syscall(SYS_pivot_root, allowed, allowed) == -1 && errno == EPERM);
	/* the denied file moved or linked into the allowed tree */
	snprintf(path, sizeof(path), "%s/stolen", allowed);
	CHECK(rename(dfile, path) == -1 && errno == EACCES);
	CHECK(link(dfile, path) == -1 && errno == EXDEV);
	CHECK(access(path, F_OK) == -1);
	/* the allowed directory renamed away, the denied one renamed in */
	snprintf(path, sizeof(path), "%s/elsewhere", base);
	CHECK(rename(allowed, path) == -1 && errno == EACCES);
	snprintf(path, sizeof(path), "%s/d2", allowed);
	CHECK(rename(denied, path) == -1 && errno == EACCES);
	/* making and removing: allowed inside, denied outside */
	snprintf(path, sizeof(path), "%s/newdir", allowed);
	CHECK(mkdir(path, 0755) == 0 && rmdir(path) == 0);
	snprintf(path, sizeof(path), "%s/newdir", denied);
	CHECK(mkdir(path, 0755) == -1 && errno == EACCES);
	snprintf(path, sizeof(path), "%s/fifo", denied);
	CHECK(mkfifo(path, 0644) == -1 && errno == EACCES);
	snprintf(path, sizeof(path), "%s/sym", denied);
	CHECK(symlink("x", path) == -1 && errno == EACCES);
	snprintf(path, sizeof(path), "%s/new", denied);
	CHECK(open_err(path, O_CREAT | O_WRONLY) == EACCES);
	CHECK(unlink(dfile) == -1 && errno == EACCES);
	snprintf(path, sizeof(path), "%s/tmp", allowed);
	CHECK(open_err(path, O_CREAT | O_WRONLY) == 0 && unlink(path) == 0);
	/* ptrace of the unsandboxed parent */
	CHECK(ptrace(PTRACE_ATTACH, getppid(), 0, 0) == -1 && errno == EPERM);
	CHECK(access(dfile, R_OK) == 0);	/* access(2) is not Landlock's */
}

static char self[256];

static void t_exec(void)
{
	char prog[160], dprog[160];
	snprintf(prog, sizeof(prog), "%s/prog", allowed);
	snprintf(dprog, sizeof(dprog), "%s/prog", denied);
	CHECK(sandbox(A_ALL, allowed, A_ALL & ~A_REFER) == 0);
	char *dargv[] = { dprog, "probe", dfile, NULL };
	CHECK(execv(dprog, dargv) == -1 && errno == EACCES);
	int pfd = open(dprog, O_PATH);		/* fexecve of an O_PATH fd */
	CHECK(pfd >= 0 && syscall(SYS_execveat, pfd, "", dargv, NULL, AT_EMPTY_PATH) == -1 &&
	      errno == EACCES);
	/* the allowed program runs, and is as confined as we are */
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { prog, "probe", dfile, NULL };
		execv(prog, argv);
		_exit(99);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == EACCES);
	/* a forked child inherits */
	pid = fork();
	if (pid == 0)
		_exit(open_err(dfile, O_RDONLY));
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == EACCES);
}

static void t_layers(void)
{
	CHECK(sandbox(A_ALL, base, A_ALL & ~A_REFER) == 0);
	CHECK(open_err(dfile, O_RDONLY) == 0);
	CHECK(sandbox(A_READ, allowed, A_READ) == 0);	/* intersects */
	CHECK(open_err(dfile, O_RDONLY) == EACCES);
	CHECK(open_err(afile, O_RDONLY) == 0);
	int rs = (int)create(A_EXEC);
	int n = 2;
	while (syscall(NR_restrict, rs, 0) == 0)
		n++;
	CHECK(errno == E2BIG && n == 16);
	close(rs);
}

/* A memfd lives on no filesystem a rule could name: reopening it
 * through /proc/self/fd stays allowed, as on Linux; it names no rule. */
static void t_memfd(void)
{
	char path[64];
	int fd = memfd_create("ll", 0);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	int rs = (int)create(A_READ);
	struct pattr p = { A_READ, fd };
	CHECK(syscall(NR_add, rs, 1, &p, 0) == -1 && errno == EBADFD);
	close(rs);
	CHECK(sandbox(A_READ | A_WRITE, allowed, A_READ) == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	CHECK(open_err(path, O_RDWR) == 0);
	CHECK(open_err(dfile, O_RDONLY) == EACCES);
}

static void t_unhandled(void)
{
	CHECK(sandbox(A_WRITE, allowed, A_WRITE) == 0);
	CHECK(open_err(dfile, O_RDONLY) == 0);	/* reading is not handled */
	CHECK(open_err(dfile, O_WRONLY) == EACCES);
	CHECK(open_err(afile, O_WRONLY) == 0);
}

static void t_refer(void)
{
	char a[160], b[160], c[160];
	snprintf(a, sizeof(a), "%s/r1/f", base);
	snprintf(b, sizeof(b), "%s/r2/f", base);
	snprintf(c, sizeof(c), "%s/r3/f", base);
	char d1[160], d2[160];
	snprintf(d1, sizeof(d1), "%s/r1", base);
	snprintf(d2, sizeof(d2), "%s/r2", base);
	int rs = (int)create(A_READ | A_WRITE | A_REFER);
	CHECK(add(rs, d1, A_REFER) == 0 && add(rs, d2, A_REFER) == 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	CHECK(syscall(NR_restrict, rs, 0) == 0);
	CHECK(rename(a, b) == 0);
	CHECK(rename(b, c) == -1 && errno == EXDEV);
	CHECK(rename(b, a) == 0);
}

static void *restrict_thread(void *arg)
{
	(void)arg;
	return (void *)(long)sandbox(A_READ, allowed, A_READ);
}

static void t_thread(void)
{
	pthread_t t;
	void *rc = (void *)1;
	CHECK(pthread_create(&t, NULL, restrict_thread, NULL) == 0);
	CHECK(pthread_join(t, &rc) == 0 && rc == NULL);
	/* Alloy's threads share their credentials: the whole process is in */
	CHECK(open_err(dfile, O_RDONLY) == EACCES);
}

static void t_nnp(void)
{
	/* without no_new_privs and CAP_SYS_ADMIN: EPERM */
	int rs = (int)create(A_READ);
	CHECK(setuid(1000) == 0);
	CHECK(syscall(NR_restrict, rs, 0) == -1 && errno == EPERM);
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(syscall(NR_restrict, rs, 0) == 0);
}

/* A rule holds no mount: the filesystem it names unmounts while the
 * domain lives, and its rule then matches nothing, not even the same
 * path on a new filesystem mounted there. */
static void t_unmount(void)
{
	char t[160], d[192];
	int go[2], ready[2], rc = -1, st = -1;
	snprintf(t, sizeof(t), "%s/t", base);
	snprintf(d, sizeof(d), "%s/d", t);
	CHECK(mkdir(t, 0755) == 0 && mount("tmpfs", t, "tmpfs", 0, NULL) == 0);
	CHECK(mkdir(d, 0755) == 0 && pipe(go) == 0 && pipe(ready) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		rc = sandbox(A_READ | A_READDIR, d, A_READ | A_READDIR);
		if (!rc)
			rc = open_err(d, O_RDONLY | O_DIRECTORY);
		if (write(ready[1], &rc, sizeof(rc)) != sizeof(rc) || read(go[0], &c, 1) != 1)
			_exit(99);
		_exit(open_err(d, O_RDONLY | O_DIRECTORY) == EACCES ? 0 : 1);
	}
	CHECK(read(ready[0], &rc, sizeof(rc)) == sizeof(rc) && rc == 0);
	CHECK(umount(t) == 0);
	CHECK(mount("tmpfs", t, "tmpfs", 0, NULL) == 0 && mkdir(d, 0755) == 0);
	CHECK(write(go[1], "x", 1) == 1);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(umount(t) == 0);
	close(go[0]), close(go[1]), close(ready[0]), close(ready[1]);
}

static void mk(const char *fmt, const char *name, bool dir)
{
	char p[256];
	snprintf(p, sizeof(p), fmt, base, name);
	if (dir) {
		CHECK(mkdir(p, 0755) == 0);
	} else {
		int fd = open(p, O_CREAT | O_WRONLY, 0755);
		CHECK(fd >= 0);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "probe"))	/* exec'd: may it open argv[2]? */
		return open_err(argv[2], O_RDONLY);
	if (syscall(NR_create, NULL, 0, 1) < 0 && errno == ENOSYS) {
		fprintf(stderr, TEST_NAME ": no landlock_create_ruleset\n");
		return 1;
	}
	snprintf(base, sizeof(base), "/tmp/landlock.XXXXXX");
	CHECK(mkdtemp(base) != NULL);
	snprintf(allowed, sizeof(allowed), "%s/allowed", base);
	snprintf(denied, sizeof(denied), "%s/denied", base);
	snprintf(dfile, sizeof(dfile), "%s/file", denied);
	snprintf(afile, sizeof(afile), "%s/file", allowed);
	mk("%s/%s", "allowed", true);
	mk("%s/%s", "allowed/mnt", true);
	mk("%s/%s", "denied", true);
	mk("%s/%s", "bound", true);
	mk("%s/%s", "r1", true);
	mk("%s/%s", "r2", true);
	mk("%s/%s", "r3", true);
	mk("%s/%s", "r1/f", false);
	mk("%s/%s", "allowed/file", false);
	mk("%s/%s", "denied/file", false);
	char p[256], q[256];
	snprintf(p, sizeof(p), "%s/link", allowed);
	CHECK(symlink("../denied/file", p) == 0);
	snprintf(p, sizeof(p), "%s/bound", base);
	CHECK(mount(denied, p, NULL, MS_BIND, NULL) == 0);
	snprintf(self, sizeof(self), "/proc/self/exe");
	snprintf(p, sizeof(p), "%s/prog", allowed);
	snprintf(q, sizeof(q), "%s/prog", denied);
	CHECK(copy_file(self, p, 0755) == 0 && copy_file(self, q, 0755) == 0);

	in_child("argument errors", t_args);
	in_child("escapes", t_escapes);
	in_child("exec and fork", t_exec);
	in_child("layers", t_layers);
	in_child("unhandled rights", t_unhandled);
	in_child("memfd", t_memfd);
	in_child("refer", t_refer);
	in_child("threads", t_thread);
	in_child("no_new_privs", t_nnp);
	t_unmount();
	/* and this process was never restricted */
	CHECK(open_err(dfile, O_RDONLY) == 0);
	snprintf(p, sizeof(p), "%s/bound", base);
	CHECK(umount2(p, 0) == 0);
	return check_done();
}
