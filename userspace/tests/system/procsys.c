#define _GNU_SOURCE
/*
 * procsys: /proc/sys as Linux shows it:
 *  - kernel/tainted reads 0 (LTP's library reads it around its tests),
 *    ostype Linux; the directories list each child once;
 *  - kernel/pid_max is the real limit: lowered, new pids stay below it;
 *  - writes of junk, of numbers outside the bounds or too large for a
 *    long are EINVAL and change nothing; a shell's `>` (O_TRUNC) works;
 *  - a 0444 file refuses even root (EACCES), a 0644 one a non-root user;
 *  - kernel/hostname is uname's nodename; a writer and a uname reader at
 *    once never see half of one name and half of another;
 *  - /proc/<pid>/limits in Linux's layout with getrlimit's values (a
 *    lowered limit shows); /proc/self/mounts is /proc/mounts;
 *    /proc/self/mountinfo has the root mount;
 *  - /proc/self/oom_score_adj takes [-1000, 1000] (EINVAL else), is
 *    inherited, and a non-root process may raise it but not lower it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "procsys"
#include "check.h"

static int rd(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

/* write(2)'s result, or -errno of the open or the write */
static long wr(const char *path, const char *s, int flags)
{
	int fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return -errno;
	long n = write(fd, s, strlen(s));
	long rc = n < 0 ? -errno : n;
	close(fd);
	return rc;
}

static long rdnum(const char *path)
{
	char b[64];
	return rd(path, b, sizeof(b)) > 0 ? atol(b) : -1;
}

static int count_name(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += !strcmp(e->d_name, name);
	closedir(d);
	return n;
}

static void hostname_race(void)
{
	char a[65], b[65];
	memset(a, 'a', 64); a[64] = 0;
	memset(b, 'b', 64); b[64] = 0;
	pid_t w = fork();
	if (w == 0) {
		for (int i = 0; i < 300; i++)
			wr("/proc/sys/kernel/hostname", i & 1 ? a : b, 0);
		_exit(0);
	}
	int torn = 0;
	for (int i = 0; i < 300; i++) {
		struct utsname u;
		uname(&u);
		if (!strcmp(u.nodename, "sysbox"))
			continue;	/* the writer has not begun */
		torn += strlen(u.nodename) != 64;
		for (int k = 1; k < 64; k++)
			torn += u.nodename[k] != u.nodename[0];
	}
	int st;
	CHECK(waitpid(w, &st, 0) == w && WIFEXITED(st));
	CHECK(torn == 0);
}

static void per_process(void)
{
	static char a[4096], b[4096];
	struct rlimit r = { 100, 200 };

	CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0);
	CHECK(rd("/proc/self/limits", a, sizeof(a)) > 0);
	static const char head[] = "Limit                     Soft Limit           "
				   "Hard Limit           Units     \n";
	CHECK(!strncmp(a, head, sizeof(head) - 1));
	CHECK(strstr(a, "\nMax open files            100                  200                  "
			"files     \n") != NULL);
	CHECK(strstr(a, "\nMax cpu time              unlimited            unlimited            "
			"seconds   \n") != NULL);
	CHECK(strstr(a, "\nMax nice priority         ") != NULL);
	CHECK(rd("/proc/self/mounts", a, sizeof(a)) > 0 && rd("/proc/mounts", b, sizeof(b)) > 0);
	CHECK(!strcmp(a, b));
	CHECK(rd("/proc/self/mountinfo", a, sizeof(a)) > 0);
	CHECK(!strncmp(a, "21 21 ", 6) && strstr(a, " / / ") && strstr(a, " - "));
}

static void oom_adj(void)
{
	const char *f = "/proc/self/oom_score_adj";

	CHECK(rdnum(f) == 0);
	CHECK(wr(f, "-1000", 0) == 5 && rdnum(f) == -1000);
	CHECK(wr(f, "1001", 0) == -EINVAL && wr(f, "x", 0) == -EINVAL && rdnum(f) == -1000);
	CHECK(wr(f, "300\n", O_TRUNC) == 4 && rdnum(f) == 300);
	pid_t c = fork();
	if (c == 0) {
		if (rdnum(f) != 300 || setuid(1000))
			_exit(3);
		_exit(wr(f, "500", 0) == 3 && wr(f, "100", 0) == -EACCES && rdnum(f) == 500 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(wr(f, "0", 0) == 1);
}

int main(void)
{
	char b[256];

	CHECK(rd("/proc/sys/kernel/tainted", b, sizeof(b)) == 2 && !strcmp(b, "0\n"));
	CHECK(rd("/proc/sys/kernel/ostype", b, sizeof(b)) > 0 && !strcmp(b, "Linux\n"));
	CHECK(rdnum("/proc/sys/kernel/pid_max") == 32768);
	CHECK(rdnum("/proc/sys/vm/max_map_count") > 0);
	CHECK(rdnum("/proc/sys/fs/nr_open") >= 1024);
	CHECK(rdnum("/proc/sys/kernel/randomize_va_space") == 2);
	CHECK(count_name("/proc", "sys") == 1);
	CHECK(count_name("/proc/sys", "kernel") == 1);
	CHECK(count_name("/proc/sys", "vm") == 1);
	CHECK(count_name("/proc/sys/kernel", "pid_max") == 1);
	CHECK(count_name("/proc/sys/kernel", "tainted") == 1);
	CHECK(count_name("/proc/sys/kernel", "vm") == 0);
	CHECK(open("/proc/sys/kernel/nosuch", O_RDONLY) < 0 && errno == ENOENT);
	CHECK(open("/proc/sys/kernel/tainted/x", O_RDONLY) < 0 && errno == ENOTDIR);

	/* pid_max really limits pids */
	CHECK(wr("/proc/sys/kernel/pid_max", "1000\n", O_TRUNC) == 5);
	CHECK(rdnum("/proc/sys/kernel/pid_max") == 1000);
	int low = 1;
	for (int i = 0; i < 20; i++) {
		pid_t c = fork();
		if (c == 0)
			_exit(0);
		low &= c > 0 && c < 1000;
		waitpid(c, NULL, 0);
	}
	CHECK(low);

	/* junk, bounds, overflow: EINVAL, value unchanged */
	CHECK(wr("/proc/sys/kernel/pid_max", "abc", 0) == -EINVAL);
	CHECK(wr("/proc/sys/kernel/pid_max", "12x", 0) == -EINVAL);
	CHECK(wr("/proc/sys/kernel/pid_max", "-5", 0) == -EINVAL);
	CHECK(wr("/proc/sys/kernel/pid_max", "100", 0) == -EINVAL);
	CHECK(wr("/proc/sys/kernel/pid_max", "99999999", 0) == -EINVAL);
	CHECK(wr("/proc/sys/kernel/pid_max", "99999999999999999999999999", 0) == -EINVAL);
	CHECK(wr("/proc/sys/kernel/pid_max", "\n", 0) == -EINVAL);
	CHECK(rdnum("/proc/sys/kernel/pid_max") == 1000);
	CHECK(wr("/proc/sys/kernel/pid_max", " 32768 \n", 0) == 8);
	CHECK(rdnum("/proc/sys/kernel/pid_max") == 32768);

	/* 0444 refuses root; 0644 refuses others */
	CHECK(wr("/proc/sys/kernel/tainted", "1", 0) == -EACCES);
	CHECK(wr("/proc/sys/kernel/ostype", "x", 0) == -EACCES);
	pid_t c = fork();
	if (c == 0) {
		if (setuid(1000))
			_exit(3);
		_exit(wr("/proc/sys/kernel/pid_max", "5000", 0) == -EACCES &&
		      rdnum("/proc/sys/kernel/pid_max") == 32768 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* hostname is uname's */
	struct utsname u;
	CHECK(wr("/proc/sys/kernel/hostname", "sysbox\n", 0) == 7);
	CHECK(uname(&u) == 0 && !strcmp(u.nodename, "sysbox"));
	CHECK(rd("/proc/sys/kernel/hostname", b, sizeof(b)) > 0 && !strcmp(b, "sysbox\n"));
	memset(b, 'x', 100); b[100] = 0;
	CHECK(wr("/proc/sys/kernel/hostname", b, 0) == -EINVAL);
	hostname_race();
	CHECK(wr("/proc/sys/kernel/hostname", "alloy", 0) == 5);
	per_process();
	oom_adj();
	return check_done();
}
