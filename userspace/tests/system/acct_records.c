/*
 * acct(2): BSD process accounting records (struct acct_v3), from the
 * attacker's side:
 * - a record per ended process: command, exit status, ids, AFORK for a
 *   fork that did not exec, AXSIG for a signal, start time;
 * - acct(NULL) stops them; a non-regular file is EACCES, a directory
 *   EISDIR, a bad pointer EFAULT, no file ENOENT, an unprivileged
 *   caller EPERM (even to turn it off);
 * - switching files while processes end, and unlinking the file in use:
 *   no crash, only whole records, nothing lost from the file in use.
 */
#define _GNU_SOURCE
#define TEST_NAME "acct_records"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include "check.h"

struct acct_v3 {
	char flag, version;
	uint16_t tty;
	uint32_t exitcode, uid, gid, pid, ppid, btime;
	float etime;
	uint16_t utime, stime, mem, io, rw, minflt, majflt, swaps;
	char comm[16];
};

#define AFORK 0x01
#define AXSIG 0x10

static long acct_(const char *path)
{
	return syscall(SYS_acct, path);
}

static bool fails(long rc, int e)
{
	return rc == -1 && errno == e;
}

/* the records in path; how many */
static int records(const char *path, struct acct_v3 *out, int max)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int n = 0;
	while (n < max && read(fd, &out[n], sizeof(out[n])) == sizeof(out[n]))
		n++;
	close(fd);
	return n;
}

static const struct acct_v3 *find(const struct acct_v3 *r, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if ((pid_t)r[i].pid == pid)
			return &r[i];
	return NULL;
}

static pid_t run(int how)
{
	pid_t kid = fork();
	if (kid == 0) {
		if (how == 1)
			raise(SIGTERM);
		if (how == 2) {
			char *argv[] = { "/bin/true", NULL };
			execv(argv[0], argv);
		}
		_exit(3);
	}
	int st;
	waitpid(kid, &st, 0);
	return kid;
}

static void basics(void)
{
	const char *f = "/tmp/acct_records.1";
	unlink(f);
	CHECK(fails(acct_(f), ENOENT));
	close(open(f, O_CREAT | O_WRONLY, 0600));
	time_t t0 = time(NULL);
	CHECK(acct_(f) == 0);
	pid_t exited = run(0), killed = run(1), execd = run(2);
	CHECK(acct_(NULL) == 0);
	pid_t after = run(0);
	static struct acct_v3 r[64];
	int n = records(f, r, 64);
	CHECK(n >= 3);
	const struct acct_v3 *a = find(r, n, exited);
	CHECK(a && a->version == 3 && a->exitcode == 3 << 8 && (a->flag & AFORK) &&
	      !(a->flag & AXSIG) && a->ppid == (uint32_t)getpid() && a->uid == getuid() &&
	      a->gid == getgid() && !strcmp(a->comm, "acct_records"));
	CHECK(a && a->btime + 5 >= (uint32_t)t0 && a->btime <= (uint32_t)time(NULL) &&
	      a->etime >= 0 && a->etime < 500);
	a = find(r, n, killed);
	CHECK(a && a->exitcode == SIGTERM && (a->flag & AXSIG));
	a = find(r, n, execd);
	CHECK(a && a->exitcode == 0 && !(a->flag & AFORK) && !strcmp(a->comm, "true"));
	CHECK(!find(r, n, after));
	unlink(f);
}

static void errors(void)
{
	CHECK(fails(acct_("/dev/null"), EACCES));
	CHECK(fails(acct_("/tmp"), EISDIR));
	CHECK(fails(acct_((const char *)16), EFAULT));
	close(open("/tmp/acct_records.2", O_CREAT | O_WRONLY, 0600));
	CHECK(fails(acct_("/tmp/acct_records.2/"), ENOTDIR));
	pid_t kid = fork();
	if (kid == 0) {
		if (setuid(65534))
			_exit(2);
		_exit(fails(acct_("/tmp/acct_records.2"), EPERM) && fails(acct_(NULL), EPERM) ? 0 : 1);
	}
	int st;
	CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink("/tmp/acct_records.2");
}

static void churn(void)
{
	const char *a = "/tmp/acct_records.a", *b = "/tmp/acct_records.b";
	close(open(a, O_CREAT | O_WRONLY | O_TRUNC, 0600));
	close(open(b, O_CREAT | O_WRONLY | O_TRUNC, 0600));
	pid_t kid = fork();
	if (kid == 0) {	/* processes ending all the time */
		for (int i = 0; i < 100; i++)
			run(0);
		_exit(0);
	}
	for (int i = 0; i < 100; i++) {
		acct_(i & 1 ? a : b);
		if (i == 50)
			unlink(a);	/* in use: it stays until switched away */
		sched_yield();
	}
	CHECK(acct_(NULL) == 0);
	int st;
	CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct stat s;
	CHECK(stat(b, &s) == 0 && s.st_size % 64 == 0);
	unlink(b);
}

int main(void)
{
	basics();
	errors();
	churn();
	return check_done();
}
