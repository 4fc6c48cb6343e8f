#define _GNU_SOURCE
/*
 * perm_rules: discretionary access control from the attacker's side. Root
 * builds fixtures (memfs under /tmp, then ext2 on /dev/vda at /mnt/vda);
 * children that drop to ordinary users (1000 "alice", 1001 "bob") try
 * what they must not do, and the errno must be Linux's:
 *
 *  - search permission on every directory of a path, read/write by the
 *    open flags (O_TRUNC writes), create/remove/rename needing write and
 *    search on the parent(s), the sticky bit, a directory moved to another
 *    parent needing write on itself;
 *  - chmod (owner only, set-group-ID dropped for a non-member), chown
 *    (root, or the owner to a group it is in; set-user-ID cleared),
 *    utimensat (now: writer; explicit times: owner), truncate, umask,
 *    mknod of a device (EPERM), setgid directories handing down their
 *    group;
 *  - access/faccessat with the real IDs, AT_EACCESS with the effective;
 *  - root: reads and writes anything, searches any directory, but executes
 *    only a file with some execute bit;
 *  - set-user-ID and set-group-ID programs (a copy of this program) gain
 *    the owner's rights with AT_SECURE, lose them on setuid(getuid()); a
 *    nosuid mount ignores the bit;
 *  - a write, truncate (O_TRUNC too) or fallocate by another user takes
 *    set-user-ID off a file, and set-group-ID when group execute is on
 *    (without it the bit stays); root's writes and empty writes keep them;
 *  - credentials are the process's: a second thread's seteuid is seen by
 *    the first at once, and an open racing with it gets 0 or EACCES;
 *  - kill/tgkill of another user's process, mount, umount, reboot,
 *    settimeofday, clock_settime, setrlimit above the hard limit,
 *    setpriority of another's process, setuid(0), setgroups: EPERM.
 *
 * Started as an ordinary user (the runner's second pass) it runs the last
 * group only, against root's own files and processes.
 */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "perm_rules"
#include "check.h"

#define ALICE 1000
#define BOB 1001
#define GRP_X 1002	/* a group alice is not in */
#define GRP_A 1003	/* alice's supplementary group */

static char self[4096];	/* this program, for the set-ID copies */

/* ---- the set-ID probe: this program run as "perm_rules probe FILE" */

/* Prints "ruid euid rgid egid secure open-errno" and, after
 * setuid(getuid()), the euid and open errno again. */
static int probe(const char *file)
{
	int fd = open(file, O_RDONLY);
	int e1 = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	unsigned euid = geteuid(), egid = getegid();
	unsigned long secure = getauxval(AT_SECURE);
	int rc = setuid(getuid());
	fd = open(file, O_RDONLY);
	int e2 = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	printf("%u %u %u %u %lu %d %d %u %d\n", getuid(), euid, getgid(), egid, secure, e1, rc,
	       geteuid(), e2);
	return 0;
}

/* ---- helpers */

static int write_file(const char *path, int mode, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	if (text && write(fd, text, strlen(text)) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return chmod(path, mode);	/* exactly, whatever the umask */
}

/* errno of a failed call, 0 if it worked */
#define ERR(call) ((call) < 0 ? errno : 0)

/* Runs fn(base) in a child with these credentials; its failed checks
 * count here. */
static void as_user(uid_t uid, gid_t gid, int ng, const gid_t *groups,
		    void (*fn)(const char *), const char *base)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		failures = 0;
		if (setgroups((size_t)ng, groups) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid))
			_exit(100);
		fn(base);
		fflush(NULL);
		_exit(failures > 99 ? 99 : failures);
	}
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, TEST_NAME ": as uid %u on %s: status %#x\n", uid, base, st);
		failures += WIFEXITED(st) && WEXITSTATUS(st) < 100 ? WEXITSTATUS(st) : 1;
	}
}

static char *P(const char *base, const char *rel)
{
	static char buf[8][512];
	static int k;
	char *b = buf[k++ % 8];
	snprintf(b, 512, "%s/%s", base, rel);
	return b;
}

/* ---- what alice tries in a tree root built */

static void alice_files(const char *b)
{
	char buf[8];
	struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
	struct stat st;

	/* read and write by mode, O_TRUNC needs write */
	CHECK(ERR(open(P(b, "secret"), O_RDONLY)) == EACCES);
	CHECK(ERR(open(P(b, "secret"), O_WRONLY)) == EACCES);
	int fd = open(P(b, "pub"), O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 3) == 3);
	close(fd);
	CHECK(ERR(open(P(b, "pub"), O_RDWR)) == EACCES);
	CHECK(ERR(open(P(b, "pub"), O_RDONLY | O_TRUNC)) == EACCES);
	CHECK(ERR(truncate(P(b, "pub"), 0)) == EACCES);
	fd = open(P(b, "pub"), O_RDONLY);
	CHECK(ERR(ftruncate(fd, 0)) == EINVAL);
	close(fd);
	CHECK(stat(P(b, "pub"), &st) == 0 && st.st_size == 3);
	/* search: a directory without x hides its contents, even ones we
	 * could read; one without r cannot be listed but can be passed */
	CHECK(ERR(open(P(b, "nox/f"), O_RDONLY)) == EACCES);
	CHECK(ERR(stat(P(b, "nox/f"), &st)) == EACCES);
	CHECK(ERR(chdir(P(b, "nox"))) == EACCES);
	CHECK(ERR(open(P(b, "nox/../pub"), O_RDONLY)) == EACCES);
	DIR *d = opendir(P(b, "nox"));
	CHECK(d != NULL);	/* r-- lists names */
	if (d)
		closedir(d);
	CHECK(opendir(P(b, "nor")) == NULL && errno == EACCES);
	fd = open(P(b, "nor/f"), O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	/* a symlink to a hidden place is no way round */
	CHECK(ERR(open(P(b, "tonox"), O_RDONLY)) == EACCES);
	/* creating in root's directory */
	CHECK(ERR(open(P(b, "rootdir/new"), O_WRONLY | O_CREAT, 0644)) == EACCES);
	CHECK(ERR(mkdir(P(b, "rootdir/new"), 0755)) == EACCES);
	CHECK(ERR(mkfifo(P(b, "rootdir/fifo"), 0644)) == EACCES);
	CHECK(ERR(symlink("x", P(b, "rootdir/sym"))) == EACCES);
	CHECK(ERR(link(P(b, "alice/own"), P(b, "rootdir/ln"))) == EACCES);
	CHECK(ERR(mkdir(P(b, "rootdir/f"), 0755)) == EEXIST);	/* exists first */
	/* O_CREAT of an existing file: its own mode decides */
	CHECK(ERR(open(P(b, "rootdir/f"), O_WRONLY | O_CREAT, 0666)) == EACCES);
	/* removing from it */
	CHECK(ERR(unlink(P(b, "rootdir/f"))) == EACCES);
	CHECK(ERR(rmdir(P(b, "rootdir/sub"))) == EACCES);
	CHECK(ERR(unlink(P(b, "rootdir/sub"))) == EACCES);	/* EACCES before EISDIR */
	/* rename: out of, into, and a directory to another parent */
	CHECK(ERR(rename(P(b, "rootdir/f"), P(b, "alice/f"))) == EACCES);
	CHECK(ERR(rename(P(b, "alice/own"), P(b, "rootdir/own"))) == EACCES);
	CHECK(ERR(rename(P(b, "alice/own"), P(b, "rootdir/f"))) == EACCES);
	CHECK(ERR(rename(P(b, "alice/rootsub"), P(b, "alice2/rootsub"))) == EACCES);
	CHECK(rename(P(b, "alice/rootsub"), P(b, "alice/rootsub2")) == 0);	/* same parent */
	CHECK(rename(P(b, "alice/rootsub2"), P(b, "alice/rootsub")) == 0);
	CHECK(rename(P(b, "alice/own"), P(b, "alice2/own")) == 0);
	CHECK(rename(P(b, "alice2/own"), P(b, "alice/own")) == 0);
	/* the sticky directory: bob's file stays, alice's goes */
	CHECK(ERR(unlink(P(b, "sticky/bob"))) == EPERM);
	CHECK(ERR(rename(P(b, "sticky/bob"), P(b, "sticky/mine"))) == EPERM);
	CHECK(ERR(rename(P(b, "sticky/alice"), P(b, "sticky/bob"))) == EPERM);
	CHECK(ERR(rmdir(P(b, "sticky/bobdir"))) == EPERM);
	CHECK(rename(P(b, "sticky/alice"), P(b, "sticky/alice2")) == 0);
	CHECK(unlink(P(b, "sticky/alice2")) == 0);
	CHECK(access(P(b, "sticky/bob"), F_OK) == 0);
	/* attributes */
	CHECK(ERR(chmod(P(b, "pub"), 0666)) == EPERM);
	CHECK(ERR(chown(P(b, "alice/own"), BOB, -1)) == EPERM);
	CHECK(ERR(chown(P(b, "alice/own"), -1, GRP_X)) == EPERM);
	CHECK(ERR(chown(P(b, "pub"), -1, GRP_A)) == EPERM);	/* not the owner */
	CHECK(chown(P(b, "alice/own"), ALICE, GRP_A) == 0);	/* a group it is in */
	CHECK(stat(P(b, "alice/own"), &st) == 0 && st.st_gid == GRP_A);
	CHECK(chmod(P(b, "alice/setid"), 06755) == 0);
	CHECK(stat(P(b, "alice/setid"), &st) == 0 && (st.st_mode & 07777) == 06755);
	CHECK(chown(P(b, "alice/setid"), -1, GRP_A) == 0);	/* set-ID bits go */
	CHECK(stat(P(b, "alice/setid"), &st) == 0 && (st.st_mode & 07777) == 0755);
	CHECK(chmod(P(b, "alice/xgrp"), 02755) == 0);	/* group GRP_X: not ours */
	CHECK(stat(P(b, "alice/xgrp"), &st) == 0 && (st.st_mode & 07777) == 0755);
	CHECK(ERR(utimensat(AT_FDCWD, P(b, "pub"), NULL, 0)) == EACCES);
	CHECK(ERR(utimensat(AT_FDCWD, P(b, "pub"), ts, 0)) == EPERM);
	CHECK(utimensat(AT_FDCWD, P(b, "rw"), NULL, 0) == 0);	/* 0666: a writer */
	CHECK(ERR(utimensat(AT_FDCWD, P(b, "rw"), ts, 0)) == EPERM);
	CHECK(utimensat(AT_FDCWD, P(b, "alice/own"), ts, 0) == 0);
	CHECK(ERR(mknod(P(b, "alice/null"), S_IFCHR | 0666, makedev(1, 3))) == EPERM);
	CHECK(mknod(P(b, "alice/fifo"), S_IFIFO | 0600, 0) == 0);
	/* umask, and a new file's owner */
	umask(027);
	fd = open(P(b, "alice/um"), O_WRONLY | O_CREAT | O_EXCL, 0666);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640 &&
	      st.st_uid == ALICE && st.st_gid == ALICE);
	close(fd);
	/* a new file is writable by its creator whatever its mode */
	fd = open(P(b, "alice/ro"), O_RDWR | O_CREAT | O_EXCL, 0);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK(ERR(open(P(b, "alice/ro"), O_RDONLY)) == EACCES);	/* not now */
	/* setgid directory: the group comes from it */
	fd = open(P(b, "sgid/f"), O_WRONLY | O_CREAT | O_EXCL, 02775);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_gid == GRP_X &&
	      !(st.st_mode & S_ISGID));	/* not ours to keep */
	close(fd);
	CHECK(mkdir(P(b, "sgid/d"), 0755) == 0);
	CHECK(stat(P(b, "sgid/d"), &st) == 0 && st.st_gid == GRP_X && (st.st_mode & S_ISGID));
	/* exec: no x for us */
	CHECK(ERR(execl(P(b, "ownerx"), "x", (char *)NULL)) == EACCES);
	CHECK(ERR(access(P(b, "ownerx"), X_OK)) == EACCES);
}

static void bob_files(const char *b)
{
	CHECK(write_file(P(b, "sticky/bob"), 0644, "b") == 0);
	CHECK(mkdir(P(b, "sticky/bobdir"), 0777) == 0);
}

static void alice_sticky(const char *b)
{
	CHECK(write_file(P(b, "sticky/alice"), 0666, "a") == 0);
}

/* ---- set-ID programs */

static void run_probe(const char *prog, const char *file, char *out, size_t n)
{
	int p[2];
	out[0] = 0;
	if (pipe(p))
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl(prog, prog, "probe", file, (char *)NULL);
		printf("exec %d\n", errno);
		_exit(1);
	}
	close(p[1]);
	ssize_t k = read(p[0], out, n - 1);
	out[k > 0 ? k : 0] = 0;
	close(p[0]);
	waitpid(pid, NULL, 0);
}

static void alice_setid(const char *b)
{
	char out[128];
	unsigned r, e, g, eg, e2;
	unsigned long sec;
	int e1, rc, e3;

	/* set-user-ID bob: bob's file opens until setuid(getuid()) */
	run_probe(P(b, "suid"), P(b, "bobonly"), out, sizeof(out));
	CHECK(sscanf(out, "%u %u %u %u %lu %d %d %u %d", &r, &e, &g, &eg, &sec, &e1, &rc, &e2,
		     &e3) == 9);
	CHECK(r == ALICE && e == BOB && sec == 1 && e1 == 0);
	CHECK(rc == 0 && e2 == ALICE && e3 == EACCES);
	if (r != ALICE || e != BOB)
		fprintf(stderr, TEST_NAME ": suid probe said '%s'\n", out);
	/* set-group-ID GRP_X */
	run_probe(P(b, "sgid_prog"), P(b, "grponly"), out, sizeof(out));
	CHECK(sscanf(out, "%u %u %u %u %lu %d", &r, &e, &g, &eg, &sec, &e1) == 6);
	CHECK(e == ALICE && g == ALICE && eg == GRP_X && sec == 1 && e1 == 0);
	/* no set-ID program: not secure, bob's file closed */
	run_probe(P(b, "plain"), P(b, "bobonly"), out, sizeof(out));
	CHECK(sscanf(out, "%u %u %u %u %lu %d", &r, &e, &g, &eg, &sec, &e1) == 6);
	CHECK(e == ALICE && sec == 0 && e1 == EACCES);
}

static void alice_nosuid(const char *b)
{
	char out[128];
	unsigned r, e;

	run_probe(P(b, "nosuid/suid"), P(b, "bobonly"), out, sizeof(out));
	CHECK(sscanf(out, "%u %u", &r, &e) == 2 && r == ALICE && e == ALICE);
}

/* ---- changing a set-ID file's data drops the bits (file_remove_privs) */

static unsigned mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) ? 0xffffffffu : st.st_mode & 07777;
}

static int write_one(const char *path, size_t n)
{
	int fd = open(path, O_WRONLY);
	int rc = fd >= 0 && write(fd, "x", n) == (ssize_t)n ? 0 : -1;
	if (fd >= 0)
		close(fd);
	return rc;
}

static void alice_writes_setid(const char *b)
{
	CHECK(write_one(P(b, "w/suid"), 1) == 0 && mode_of(P(b, "w/suid")) == 0777);
	CHECK(write_one(P(b, "w/sgid"), 1) == 0 && mode_of(P(b, "w/sgid")) == 0777);
	CHECK(write_one(P(b, "w/both"), 1) == 0 && mode_of(P(b, "w/both")) == 0777);
	CHECK(write_one(P(b, "w/sgid_nox"), 1) == 0 && mode_of(P(b, "w/sgid_nox")) == 02767);
	CHECK(write_one(P(b, "w/empty"), 0) == 0 && mode_of(P(b, "w/empty")) == 04777);
	CHECK(truncate(P(b, "w/trunc"), 1) == 0 && mode_of(P(b, "w/trunc")) == 0777);
	int fd = open(P(b, "w/otrunc"), O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && mode_of(P(b, "w/otrunc")) == 0777);
	close(fd);
	fd = open(P(b, "w/falloc"), O_WRONLY);
	CHECK(fd >= 0 && fallocate(fd, 0, 0, 4096) == 0 && mode_of(P(b, "w/falloc")) == 0777);
	close(fd);
	/* but a file O_TRUNC makes is not truncated: it keeps the mode asked */
	mode_t old = umask(022);
	fd = open(P(b, "alice/newsuid"), O_CREAT | O_WRONLY | O_TRUNC, 04755);
	CHECK(fd >= 0 && mode_of(P(b, "alice/newsuid")) == 04755);
	close(fd);
	umask(old);
	unlink(P(b, "alice/newsuid"));
}

static void setid_writes(const char *b)
{
	static const struct { const char *name; unsigned mode; } f[] = {
		{ "w/suid", 04777 }, { "w/sgid", 02777 }, { "w/both", 06777 },
		{ "w/sgid_nox", 02767 }, { "w/empty", 04777 }, { "w/trunc", 04777 },
		{ "w/otrunc", 04777 }, { "w/falloc", 04777 }, { "w/root", 06777 },
	};
	gid_t ga = GRP_A;

	CHECK(mkdir(P(b, "w"), 0755) == 0);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		CHECK(write_file(P(b, f[i].name), (int)f[i].mode, "data") == 0);
	as_user(ALICE, ALICE, 1, &ga, alice_writes_setid, b);
	/* root (CAP_FSETID) keeps them */
	CHECK(write_one(P(b, "w/root"), 1) == 0 && truncate(P(b, "w/root"), 0) == 0 &&
	      mode_of(P(b, "w/root")) == 06777);
}

/* ---- root's own limits and privileges */

static void root_checks(const char *b)
{
	char buf[4];
	struct stat st;

	int fd = open(P(b, "alice/ro"), O_RDWR);	/* 0000: root reads and writes */
	CHECK(fd >= 0 && read(fd, buf, 1) == 1);
	close(fd);
	CHECK(stat(P(b, "nox/f"), &st) == 0);	/* and searches */
	CHECK(ERR(execl(P(b, "noexec"), "x", (char *)NULL)) == EACCES);	/* 0644 */
	CHECK(ERR(access(P(b, "noexec"), X_OK)) == EACCES);
	CHECK(access(P(b, "ownerx"), X_OK) == 0);	/* 0100: some x bit */
	CHECK(access(P(b, "nox"), X_OK) == 0);	/* a directory: always */
	/* real vs effective: real alice, effective root */
	CHECK(setresuid(ALICE, 0, 0) == 0);
	CHECK(ERR(access(P(b, "secret"), R_OK)) == EACCES);
	CHECK(faccessat(AT_FDCWD, P(b, "secret"), R_OK, AT_EACCESS) == 0);
	CHECK(ERR(access(P(b, "nox/f"), F_OK)) == EACCES);	/* the walk too */
	fd = open(P(b, "secret"), O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	/* and the other way round */
	CHECK(setresuid(0, ALICE, 0) == 0);
	CHECK(access(P(b, "secret"), R_OK) == 0);
	CHECK(ERR(faccessat(AT_FDCWD, P(b, "secret"), R_OK, AT_EACCESS)) == EACCES);
	CHECK(ERR(open(P(b, "secret"), O_RDONLY)) == EACCES);
	CHECK(ERR(faccessat(AT_FDCWD, P(b, "secret"), R_OK, 0x4)) == EINVAL);
	CHECK(setresuid(0, 0, 0) == 0);
	/* root's chown clears set-user-ID too (Linux) */
	CHECK(chmod(P(b, "plain"), 04755) == 0 && chown(P(b, "plain"), 0, 0) == 0);
	CHECK(stat(P(b, "plain"), &st) == 0 && (st.st_mode & 07777) == 0755);
}

/* ---- credentials are per process: threads */

static volatile int stop;
static const char *race_file;
static int race_bad, race_ok, race_denied;

static void *toggler(void *arg)
{
	(void)arg;
	for (int i = 0; i < 400; i++) {
		if (seteuid(i & 1 ? 0 : ALICE))
			race_bad++;
	}
	if (seteuid(0))
		race_bad++;
	stop = 1;
	return NULL;
}

static void thread_checks(const char *b)
{
	pthread_t t;

	race_file = P(b, "secret");
	stop = 0;
	CHECK(pthread_create(&t, NULL, toggler, NULL) == 0);
	while (!stop) {
		int fd = open(race_file, O_RDONLY);
		if (fd >= 0)
			race_ok++, close(fd);
		else if (errno == EACCES)
			race_denied++;
		else
			race_bad++;
	}
	pthread_join(t, NULL);
	CHECK(race_bad == 0);
	CHECK(geteuid() == 0);
	int fd = open(race_file, O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	printf("# perm_rules: open during seteuid toggling: %d opened, %d denied\n", race_ok,
	       race_denied);
}

static void *drop_euid(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)seteuid(ALICE);
}

static void thread_shared(const char *b)
{
	pthread_t t;
	void *rv;

	CHECK(pthread_create(&t, NULL, drop_euid, NULL) == 0);
	CHECK(pthread_join(t, &rv) == 0 && rv == NULL);
	CHECK(geteuid() == ALICE);	/* this thread too */
	CHECK(ERR(open(P(b, "secret"), O_RDONLY)) == EACCES);
	CHECK(seteuid(0) == 0);
}

/* ---- what an ordinary user may not do to the system */

static void user_world(const char *b)
{
	struct timeval tv;
	struct timespec ts;
	struct rlimit rl;
	gid_t g = 5;

	if (strcmp(b, "."))
		CHECK(chdir(P(b, "alice")) == 0);	/* somewhere of our own */

	CHECK(getuid() != 0 && geteuid() != 0);
	CHECK(ERR(kill(1, SIGTERM)) == EPERM);
	CHECK(ERR(kill(1, 0)) == EPERM);
	CHECK(ERR(syscall(SYS_tgkill, 1, 1, SIGTERM)) == EPERM);
	if (getsid(0) == getsid(1))
		CHECK(kill(1, SIGCONT) == 0);	/* same session */
	CHECK(ERR(mount("none", "/mnt", "tmpfs", 0, NULL)) == EPERM);
	CHECK(ERR(umount("/proc")) == EPERM);
	CHECK(ERR(syscall(SYS_reboot, 0, 0, 0, 0)) == EPERM);	/* before EINVAL */
	gettimeofday(&tv, NULL);
	CHECK(ERR(settimeofday(&tv, NULL)) == EPERM);
	clock_gettime(CLOCK_REALTIME, &ts);
	CHECK(ERR(clock_settime(CLOCK_REALTIME, &ts)) == EPERM);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_max != RLIM_INFINITY) {
		rl.rlim_max++;
		CHECK(ERR(setrlimit(RLIMIT_NOFILE, &rl)) == EPERM);
	}
	CHECK(ERR(setpriority(PRIO_PROCESS, 1, 5)) == EPERM);
	CHECK(ERR(setuid(0)) == EPERM);
	CHECK(ERR(seteuid(0)) == EPERM);
	CHECK(ERR(setreuid(0, -1)) == EPERM);
	CHECK(ERR(setresuid(-1, -1, 0)) == EPERM);
	CHECK(ERR(setgid(0)) == EPERM);
	CHECK(ERR(setgroups(1, &g)) == EPERM);
	CHECK(ERR(ptrace(PTRACE_ATTACH, 1, 0, 0)) != 0);	/* no ptrace at all */
	/* root's files */
	CHECK(ERR(open("/dev/console", O_RDWR)) == EACCES);	/* 0600 */
	CHECK(ERR(open("/etc/passwd", O_WRONLY)) == EACCES);
	CHECK(ERR(truncate("/etc/passwd", 0)) == EACCES);
	CHECK(ERR(unlink("/etc/passwd")) == EACCES);
	CHECK(ERR(rename("/etc/passwd", "/etc/p")) == EACCES);
	CHECK(ERR(mkdir("/etc/x", 0777)) == EACCES);
	CHECK(ERR(open("/newfile", O_WRONLY | O_CREAT, 0666)) == EACCES);
	CHECK(ERR(chmod("/etc/passwd", 0666)) == EPERM);
	CHECK(ERR(chown("/etc/passwd", getuid(), -1)) == EPERM);
	CHECK(ERR(mknod("dev", S_IFBLK | 0600, makedev(254, 0))) == EPERM);
	int fd = open("/etc/passwd", O_RDONLY);	/* 0644 */
	CHECK(fd >= 0);
	close(fd);
	/* our own things are ours */
	fd = open("mine", O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(chown("mine", getuid(), getgid()) == 0);
	CHECK(ERR(chown("mine", 0, -1)) == EPERM);
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	CHECK(kill(pid, SIGKILL) == 0);
	waitpid(pid, NULL, 0);
}

/* ---- the fixtures */

static void build(const char *b)
{
	gid_t ga = GRP_A;

	CHECK(mkdir(b, 0755) == 0 || errno == EEXIST);
	CHECK(chmod(b, 0755) == 0);
	CHECK(write_file(P(b, "secret"), 0600, "s") == 0);
	CHECK(write_file(P(b, "pub"), 0644, "pub") == 0);
	CHECK(write_file(P(b, "rw"), 0666, "rw") == 0);
	CHECK(write_file(P(b, "noexec"), 0644, "#!/bin/sh\n") == 0);
	CHECK(copy_file(self, P(b, "ownerx"), 0100) == 0);
	CHECK(mkdir(P(b, "nox"), 0755) == 0 && write_file(P(b, "nox/f"), 0644, "f") == 0);
	CHECK(chmod(P(b, "nox"), 0644) == 0);
	CHECK(symlink("nox/f", P(b, "tonox")) == 0);
	CHECK(mkdir(P(b, "nor"), 0755) == 0 && write_file(P(b, "nor/f"), 0644, "f") == 0);
	CHECK(chmod(P(b, "nor"), 0311) == 0);
	CHECK(mkdir(P(b, "rootdir"), 0755) == 0 && write_file(P(b, "rootdir/f"), 0644, "") == 0);
	CHECK(mkdir(P(b, "rootdir/sub"), 0755) == 0);
	CHECK(mkdir(P(b, "alice"), 0755) == 0 && chown(P(b, "alice"), ALICE, ALICE) == 0);
	CHECK(mkdir(P(b, "alice2"), 0755) == 0 && chown(P(b, "alice2"), ALICE, ALICE) == 0);
	CHECK(mkdir(P(b, "alice/rootsub"), 0755) == 0);	/* root's, in alice's dir */
	CHECK(write_file(P(b, "alice/own"), 0644, "o") == 0 &&
	      chown(P(b, "alice/own"), ALICE, ALICE) == 0);
	CHECK(write_file(P(b, "alice/setid"), 0755, "") == 0 &&
	      chown(P(b, "alice/setid"), ALICE, ALICE) == 0);
	CHECK(write_file(P(b, "alice/xgrp"), 0755, "") == 0 &&
	      chown(P(b, "alice/xgrp"), ALICE, GRP_X) == 0);
	CHECK(mkdir(P(b, "sticky"), 0777) == 0 && chmod(P(b, "sticky"), 01777) == 0);
	CHECK(mkdir(P(b, "sgid"), 0777) == 0 && chown(P(b, "sgid"), 0, GRP_X) == 0 &&
	      chmod(P(b, "sgid"), 02777) == 0);
	CHECK(write_file(P(b, "bobonly"), 0600, "b") == 0 &&
	      chown(P(b, "bobonly"), BOB, BOB) == 0);
	CHECK(write_file(P(b, "grponly"), 0040, "g") == 0 &&
	      chown(P(b, "grponly"), 0, GRP_X) == 0);
	/* chown first: it clears set-ID bits, the chmod after sets them */
	CHECK(copy_file(self, P(b, "suid"), 0755) == 0 && chown(P(b, "suid"), BOB, BOB) == 0 &&
	      chmod(P(b, "suid"), 04755) == 0);
	CHECK(copy_file(self, P(b, "sgid_prog"), 0755) == 0 &&
	      chown(P(b, "sgid_prog"), 0, GRP_X) == 0 && chmod(P(b, "sgid_prog"), 02755) == 0);
	CHECK(copy_file(self, P(b, "plain"), 0755) == 0);
	as_user(BOB, BOB, 0, NULL, bob_files, b);
	as_user(ALICE, ALICE, 0, NULL, alice_sticky, b);
	(void)ga;
}

static void rm_tree(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd))
		fprintf(stderr, TEST_NAME ": cannot remove %s\n", path);
}

static void on_fs(const char *b)
{
	gid_t ga = GRP_A;

	printf("# perm_rules: %s\n", b);
	build(b);
	as_user(ALICE, ALICE, 1, &ga, alice_files, b);
	as_user(ALICE, ALICE, 1, &ga, alice_setid, b);
	setid_writes(b);
	root_checks(b);
	thread_shared(b);
	thread_checks(b);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "probe"))
		return probe(argv[2]);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0);
	self[n > 0 ? n : 0] = 0;
	if (getuid() != 0) {	/* the runner's second pass */
		user_world(".");
		return check_done();
	}
	char b[64];
	snprintf(b, sizeof(b), "/tmp/perm.%d", getpid());
	on_fs(b);
	/* nosuid: a tmpfs mounted so */
	CHECK(mkdir(P(b, "nosuid"), 0755) == 0);
	CHECK(mount("none", P(b, "nosuid"), "tmpfs", MS_NOSUID, NULL) == 0);
	CHECK(copy_file(self, P(b, "nosuid/suid"), 0755) == 0 &&
	      chown(P(b, "nosuid/suid"), BOB, BOB) == 0 && chmod(P(b, "nosuid/suid"), 04755) == 0);
	as_user(ALICE, ALICE, 0, NULL, alice_nosuid, b);
	CHECK(umount(P(b, "nosuid")) == 0);
	as_user(ALICE, ALICE, 0, NULL, user_world, b);
	rm_tree(b);

	/* ext2: /dev/vda at /mnt/vda, as ext2_ops leaves it, or mounted here */
	bool mounted = false;
	struct statfs sf;
	mkdir("/mnt/vda", 0755);
	if (mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL) == 0)
		mounted = true;
	if (statfs("/mnt/vda", &sf) == 0 && sf.f_type == 0xEF53) {
		snprintf(b, sizeof(b), "/mnt/vda/perm.%d", getpid());
		on_fs(b);
		rm_tree(b);
	} else {
		fprintf(stderr, TEST_NAME ": no ext2 on /dev/vda\n");
		failures++;
	}
	if (mounted)
		CHECK(umount("/mnt/vda") == 0);
	if (!failures)
		fprintf(stderr, TEST_NAME ": ok\n");
	return check_done();
}
