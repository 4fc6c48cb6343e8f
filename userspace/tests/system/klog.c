#define _GNU_SOURCE
/*
 * klog: the kernel log a program can read, and what a program can make
 * the kernel print.
 *
 *  - syslog(2): the sizes, READ_ALL in "<level>[time] text" lines,
 *    CLEAR, and EINVAL for a bad action, a NULL buffer or a negative
 *    length; busybox dmesg shows the log;
 *  - /dev/kmsg: a line written is read back as "level,seq,usec,-;text",
 *    a buffer too small for a line is EINVAL, a non-blocking read at the
 *    end is EAGAIN;
 *  - a syscall number past the table, called 2000 times, leaves at most a
 *    burst of lines in the log (rate-limited), and none on the console
 *    (checked by scripts/test-cmd.sh);
 *  - a line too long to keep once escaped still ends its record;
 *  - syslog(2) CLEAR and CONSOLE_LEVEL are root's, reading is anyone's;
 *  - a program named with control bytes (prctl PR_SET_NAME) that dies of
 *    SIGSEGV is named escaped in the log: no raw escape byte gets out.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define TEST_NAME "klog"
#include "check.h"

static char logbuf[256 * 1024];

static int read_all(void)
{
	int n = klogctl(3, logbuf, sizeof(logbuf) - 1);
	logbuf[n > 0 ? n : 0] = 0;
	return n;
}

static int count(const char *hay, const char *needle)
{
	int c = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		c++;
	return c;
}

int main(void)
{
	pid_t pid;
	int st = -1;

	/* syslog(2) */
	int size = klogctl(10, NULL, 0);
	CHECK(size > 0);
	CHECK(read_all() > 0);
	CHECK(logbuf[0] == '<' && logbuf[2] == '>' && logbuf[3] == '[');
	errno = 0;
	CHECK(klogctl(42, logbuf, 10) == -1 && errno == EINVAL);
	CHECK(klogctl(3, NULL, 10) == -1 && errno == EINVAL);
	CHECK(klogctl(3, logbuf, -1) == -1 && errno == EINVAL);
	CHECK(klogctl(3, logbuf, 0) == 0);
	CHECK(klogctl(3, (char *)8, 4096) == -1 && errno == EFAULT);
	CHECK(klogctl(8, NULL, 0) == -1 && errno == EINVAL);	/* console level 0 */

	/* /dev/kmsg */
	int fd = open("/dev/kmsg", O_RDWR | O_NONBLOCK);
	CHECK(fd >= 0);
	char tag[64], line[512];
	snprintf(tag, sizeof(tag), "alloy-kmsg-test-%d", getpid());
	char msg[80];
	snprintf(msg, sizeof(msg), "<3>%s\n", tag);
	CHECK(write(fd, msg, strlen(msg)) == (ssize_t)strlen(msg));
	bool found = false;
	ssize_t n;
	/* EPIPE: lines were overwritten since the open (the ring is full
	 * after a long test run); reading goes on from the oldest kept */
	while ((n = read(fd, line, sizeof(line) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n < 0)
			continue;
		line[n] = 0;
		if (strstr(line, tag)) {
			found = true;
			CHECK(!strncmp(line, "3,", 2) && strstr(line, ",-;") && line[n - 1] == '\n');
		}
	}
	CHECK(found);
	CHECK(n == -1 && errno == EAGAIN);
	close(fd);
	fd = open("/dev/kmsg", O_RDONLY);
	CHECK(fd >= 0 && read(fd, line, 4) == -1 && errno == EINVAL);
	close(fd);
	CHECK(system("dmesg | grep -q alloy-kmsg-test") == 0);
	read_all();
	CHECK(strstr(logbuf, tag) != NULL);	/* syslog(2) sees it too */

	/* a flood of bad syscalls: rate-limited in the log */
	CHECK(klogctl(5, NULL, 0) == 0);	/* CLEAR */
	for (int i = 0; i < 2000; i++)
		syscall(600 + i % 3);
	read_all();
	int bad = count(logbuf, "no such syscall");
	printf("# %d 'no such syscall' lines for 2000 calls\n", bad);
	CHECK(bad >= 1 && bad <= 12);

	/* a line of control bytes too long to keep escaped still ends: the
	 * next message is a record of its own (Alloy lost the newline and
	 * appended the next message to it) */
	int kfd = open("/dev/kmsg", O_WRONLY);
	char ctl[1024];
	memset(ctl, 1, sizeof(ctl) - 1);
	ctl[sizeof(ctl) - 1] = '\n';
	CHECK(kfd >= 0 && write(kfd, ctl, sizeof(ctl)) == (ssize_t)sizeof(ctl));
	snprintf(tag, sizeof(tag), "after-the-long-line-%d", getpid());
	CHECK(write(kfd, tag, strlen(tag)) == (ssize_t)strlen(tag));
	close(kfd);
	read_all();
	char *at = strstr(logbuf, tag);
	CHECK(at && at - logbuf >= 2 && at[-2] == ']' && at[-1] == ' ');

	/* only root may clear the log or change the console level; anyone
	 * may read it (Linux with dmesg_restrict=0) */
	pid = fork();
	if (pid == 0) {
		if (setuid(1000))
			_exit(2);
		errno = 0;
		if (klogctl(5, NULL, 0) != -1 || errno != EPERM)
			_exit(3);
		if (klogctl(8, NULL, 7) != -1 || errno != EPERM)
			_exit(4);
		_exit(klogctl(3, logbuf, 100) > 0 && klogctl(10, NULL, 0) > 0 ? 0 : 5);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		printf("# unprivileged syslog child: status %#x\n", st);

	/* a name with control bytes is written escaped */
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_NAME, "\x1b[2Jevil\r\n");
		volatile int *bad = (volatile int *)(uintptr_t)atoi("16");
		*bad = 1;
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	read_all();
	CHECK(strstr(logbuf, "\\x1b[2Jevil\\x0d\\x0a") != NULL);
	CHECK(strchr(logbuf, '\x1b') == NULL && strchr(logbuf, '\r') == NULL);
	return check_done();
}
