#define _GNU_SOURCE
/*
 * runner: the system-test runner. Runs every test program in a directory and
 * reports the results as KTAP on stdout.
 *
 *   runner [DIR]      run each executable regular file in DIR (default
 *                     /tests), in name order, skipping names that start with
 *                     '_' (helpers used by other tests) or '.'; FILE.sh is
 *                     run as /bin/sh FILE
 *   runner -1 FILE    run just FILE and report it
 *   runner -u UID ... the same, every test as user (and group) UID with no
 *                     supplementary groups
 *
 * Run as root over a directory, the runner then runs the file tests named
 * in nonroot_tests once more as user NONROOT_UID ("ok N name@uid1000"):
 * what they check must hold for an ordinary user too, and none of them
 * needs root. A name in that list that is not in the directory fails.
 *
 * Each test runs in its own child (fork + execve) in its own process group,
 * with a fresh scratch directory /tmp/run.<name> as cwd and a fixed small
 * environment. A test that runs longer than RUNNER_TIMEOUT seconds (default
 * 120) has its whole process group killed. A test that exits with status
 * 77 is reported as skipped ("ok N name # SKIP why"), the reason being the
 * first line of the file SKIP it left in its scratch directory.
 *
 * As PID 1 the runner also reaps orphans while it waits, and powers the
 * machine off at the end (PID 1 must never exit). Otherwise it exits 0 if
 * every test passed, 1 if not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MAX_TESTS 1024

static char testdir[PATH_MAX];
static long timeout_s = 120;
static int skipped;		/* tests that exited 77 */
static long run_uid = -1;	/* -u: run tests as this user */

#define NONROOT_UID 1000
static const char *const nonroot_tests[] = {
	"fs_basic", "offsets", "pipe", "epoll", "eventfd", "timerfd", "signalfd",
	"memfd_shm", "shared_anon", "exec", "exec_args", "sh_pipeline.sh", "sh_script.sh",
	"procfs", "procfs_busybox.sh", "efault", "signals", "perm_rules",
};

/*
 * printf straight to fd 1 with write(2): stdio buffering would reorder our
 * lines against the tests' own output on the shared console, and a buffer
 * would be lost if we are killed.
 */
static void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n, off = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	while (off < n) {
		ssize_t w = write(1, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += w;
	}
}

/* out = a/b; fails on a too-long path rather than truncating it silently. */
static int join(char *out, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '/')
		la--;	/* "/" + "x" is "/x", not "//x" */
	if (la + 1 + lb >= PATH_MAX)
		return -1;
	memmove(out, a, la);
	out[la] = '/';
	memcpy(out + la + 1, b, lb + 1);
	return 0;
}

/* The first line of file path, after prefix, in out; 0 (out untouched) if
 * there is no such file or it is empty. */
static int read_first_line(const char *path, const char *prefix, char *out, size_t size)
{
	char line[160];
	FILE *f = fopen(path, "r");
	int got = f && fgets(line, sizeof(line), f);

	if (f)
		fclose(f);
	if (!got)
		return 0;
	line[strcspn(line, "\n")] = 0;
	snprintf(out, size, "%s%s", prefix, line);
	return 1;
}

/* Best-effort recursive remove, so each test starts from an empty dir. */
static void remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[PATH_MAX];

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);	/* a test may have left it unreadable */
	d = opendir(path);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (join(sub, path, de->d_name) == 0)
				remove_tree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static double now(void)
{
	struct timespec ts = { 0, 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Unmount whatever a test left mounted under /mnt (a test killed at its
 * timeout never reaches its umount, and the next test of the same disk
 * would then fail with EBUSY). Its killed processes may still be dying
 * and holding files there, so busy mounts are retried for two seconds,
 * then detached.
 */
static void unmount_leftovers(const char *name)
{
	for (int round = 0; round < 20; round++) {
		char line[512], mp[256], last[256] = "";
		FILE *f = fopen("/proc/mounts", "r");

		if (!f)
			return;
		/* the last one listed first: a mount on top of another goes before it */
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %255s", mp) == 1 && !strncmp(mp, "/mnt/", 5))
				strcpy(last, mp);
		fclose(f);
		if (!last[0])
			return;
		if (umount2(last, round == 19 ? MNT_DETACH : 0) == 0) {
			say("# runner: unmounted %s, left mounted by %s\n", last, name);
			round = -1;	/* the next one, from a fresh count */
			continue;
		}
		if (errno != EBUSY) {
			say("# runner: umount %s: %s\n", last, strerror(errno));
			return;
		}
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	}
}

/*
 * Run one test and print its KTAP result line. Returns 1 if it passed.
 * path is the program, name what we call it in the report.
 */
static int run_test(int num, const char *path, const char *name, long uid)
{
	char scratch[PATH_MAX], envdir[PATH_MAX + 8], failenv[PATH_MAX + 16], why[200] = "";
	char *env[] = { "PATH=/bin:/sbin:/usr/bin", "HOME=/", "TMPDIR=/tmp", envdir, failenv,
			NULL };
	char *argv[3];
	size_t len = strlen(path);	/* not name: "x.sh@uid1000" */
	sigset_t chld, old;
	double deadline;
	int status = 0;
	pid_t pid;

	snprintf(envdir, sizeof(envdir), "TESTDIR=%s", testdir);
	snprintf(scratch, sizeof(scratch), "/tmp/run.%s", name);
	snprintf(failenv, sizeof(failenv), "TESTFAIL=%s/FAIL", scratch);
	remove_tree(scratch);
	if (mkdir(scratch, 0700) < 0)
		say("# runner: mkdir %s: %s\n", scratch, strerror(errno));
	if (uid >= 0 && chown(scratch, (uid_t)uid, (gid_t)uid) < 0)
		say("# runner: chown %s: %s\n", scratch, strerror(errno));

	if (len > 3 && !strcmp(path + len - 3, ".sh")) {
		argv[0] = "/bin/sh";
		argv[1] = (char *)path;
		argv[2] = NULL;
	} else {
		argv[0] = (char *)path;
		argv[1] = NULL;
	}

	/* Sleep until a child ends (SIGCHLD, blocked and taken by
	 * sigtimedwait) or the deadline, not polling: a timer interrupt every
	 * few ms would be in every test's measurements. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		say("not ok %d %s # fork failed: %s\n", num, name, strerror(errno));
		return 0;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);	/* the test's own mask */
		/* Own group, so a timeout can kill the test and all its children. */
		setpgid(0, 0);
		if (uid >= 0 && (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
				 setresuid(uid, uid, uid))) {
			say("# runner: cannot become uid %ld: %s\n", uid, strerror(errno));
			_exit(126);
		}
		if (chdir(scratch) < 0)
			say("# runner: chdir %s: %s\n", scratch, strerror(errno));
		execve(argv[0], argv, env);
		say("# runner: execve %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	/* Also from the parent: no race with the kill below if the child has not run yet. */
	setpgid(pid, pid);

	deadline = now() + timeout_s;
	for (;;) {
		/*
		 * waitpid(-1): as PID 1 we inherit every orphan and must reap
		 * them too; any pid that is not our test is just dropped.
		 */
		pid_t w = waitpid(-1, &status, WNOHANG);

		if (w == pid)
			break;
		if (w > 0)
			continue;	/* an orphan: look again at once */
		if (w < 0 && errno != EINTR) {
			say("not ok %d %s # waitpid: %s\n", num, name, strerror(errno));
			return 0;
		}
		double left = deadline - now();
		if (left <= 0) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			unmount_leftovers(name);
			sigprocmask(SIG_SETMASK, &old, NULL);
			remove_tree(scratch);
			say("not ok %d %s # timeout\n", num, name);
			return 0;
		}
		/* at most a second at a time: a lost SIGCHLD costs that, no more */
		struct timespec ts = { left >= 1 ? 1 : 0, left >= 1 ? 0 : (long)(left * 1e9) };
		sigtimedwait(&chld, NULL, &ts);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* Anything the test left running in its group would disturb later tests. */
	kill(-pid, SIGKILL);
	unmount_leftovers(name);
	/* where make test's time goes: the slow ones, before their result */
	if (now() - (deadline - timeout_s) >= 5)
		say("# runner: %s took %.1f s\n", name, now() - (deadline - timeout_s));
	/* Exit status 77: the test could not run here; it says why in ./SKIP. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		char skipf[PATH_MAX + 8];
		snprintf(skipf, sizeof(skipf), "%s/SKIP", scratch);
		if (!read_first_line(skipf, "", why, sizeof(why)))
			snprintf(why, sizeof(why), "exit status 77");
		remove_tree(scratch);
		say("ok %d %s # SKIP %s\n", num, name, why);
		skipped++;
		return 1;	/* not a failure; the summary counts it apart */
	}
	/* the first failed check, if the test says (check.h's TESTFAIL) */
	read_first_line(failenv + strlen("TESTFAIL="), ": ", why, sizeof(why));
	remove_tree(scratch);

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		say("ok %d %s\n", num, name);
		return 1;
	}
	if (WIFSIGNALED(status))
		say("not ok %d %s # killed by signal %d%s\n", num, name, WTERMSIG(status), why);
	else
		say("not ok %d %s # exit status %d%s\n", num, name, WEXITSTATUS(status), why);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the runnable test names in testdir, sorted. Returns how many. */
static int list_tests(char **names)
{
	DIR *d = opendir(testdir);
	struct dirent *de;
	struct stat st;
	char path[PATH_MAX];
	int n = 0;

	if (!d) {
		say("# runner: opendir %s: %s\n", testdir, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL && n < MAX_TESTS) {
		if (de->d_name[0] == '_' || de->d_name[0] == '.')
			continue;
		if (join(path, testdir, de->d_name) < 0 || stat(path, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	return n;
}

/* Make dir absolute: tests run with a different cwd but get it as TESTDIR. */
static void set_testdir(const char *dir)
{
	char cwd[PATH_MAX];

	if (dir[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(testdir, sizeof(testdir), "%s", dir);
	else if (!strcmp(dir, "."))
		snprintf(testdir, sizeof(testdir), "%s", cwd);
	else
		join(testdir, cwd, dir);
}

int main(int argc, char **argv)
{
	static char *names[MAX_TESTS];
	char path[PATH_MAX];
	const char *t = getenv("RUNNER_TIMEOUT");
	int n, i, passed = 0;

	/* An init started with no open fds would have nowhere to report. */
	if (getpid() == 1 && fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR | O_NOCTTY);

		while (fd >= 0 && fd < 2)
			fd = dup(fd);
	}
	if (t && atol(t) > 0)
		timeout_s = atol(t);
	if (argc >= 3 && !strcmp(argv[1], "-u")) {
		run_uid = atol(argv[2]);
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	mkdir("/tmp", 01777);	/* usually there already; needed for scratch dirs */

	say("KTAP version 1\n");
	if (argc == 3 && !strcmp(argv[1], "-1")) {
		const char *slash = strrchr(argv[2], '/');
		const char *name = slash ? slash + 1 : argv[2];
		char dir[PATH_MAX];

		/*
		 * The directory part of FILE is the TESTDIR; the path we exec is
		 * made absolute since the child changes directory first.
		 */
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == argv[2])
			snprintf(dir, sizeof(dir), "/");
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - argv[2]), argv[2]);
		set_testdir(dir);
		join(path, testdir, name);
		n = 1;
		say("1..1\n");
		passed = run_test(1, path, name, run_uid);
	} else {
		set_testdir(argc > 1 ? argv[1] : "/tests");
		n = list_tests(names);
		/* mkrootfs.sh writes how many tests it put in: a directory
		 * listing that loses entries must not pass as a shorter suite */
		int want = -1;
		FILE *f = join(path, testdir, ".count") < 0 ? NULL : fopen(path, "r");
		if (f && fscanf(f, "%d", &want) != 1)
			want = -1;
		if (f)
			fclose(f);
		int count_bad = want >= 0 && want != n;
		int again = run_uid < 0 && getuid() == 0 ? (int)(sizeof(nonroot_tests) /
								 sizeof(nonroot_tests[0])) : 0;
		say("1..%d\n", n + again + count_bad);
		for (i = 0; i < n; i++) {
			join(path, testdir, names[i]);
			passed += run_test(i + 1, path, names[i], run_uid);
		}
		for (int k = 0; k < again; k++, n++) {	/* the file tests as a user */
			char as[NAME_MAX + 16];
			struct stat st;
			snprintf(as, sizeof(as), "%s@uid%d", nonroot_tests[k], NONROOT_UID);
			join(path, testdir, nonroot_tests[k]);
			if (stat(path, &st) < 0)
				say("not ok %d %s # not in %s\n", n + 1, as, testdir);
			else
				passed += run_test(n + 1, path, as, NONROOT_UID);
		}
		if (count_bad) {
			say("not ok %d runner: found %d tests, the image has %d\n", n + 1, n, want);
			n++;	/* counts as a failure below */
		}
	}
	say("# runner: %d passed, %d failed, %d skipped\n", passed - skipped, n - passed, skipped);

	if (getpid() == 1) {
		/* PID 1 must not exit: flush the disks and switch off. */
		sync();
		reboot(RB_POWER_OFF);
		say("# runner: reboot: %s\n", strerror(errno));
		for (;;)
			pause();
	}
	return passed == n ? 0 : 1;
}
