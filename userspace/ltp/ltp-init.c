#define _GNU_SOURCE
/*
 * ltp-init: /init of the LTP initramfs, the same program on Alloy and on
 * Linux (scripts/ltp/ltp.py builds the image and reads the console).
 *
 * It runs /ltp/setup.sh (modules, mounts, the LTP disk at /opt/ltp), then
 * each test of /ltp/batch, one line "NAME COMMAND LINE" each (runtest
 * format), after a first line "timeout SECONDS". For every test it prints
 *
 *   LTP-START <name>
 *   ... the test's own output ...
 *   LTP-KMSG <name> <kernel log line>        (missing syscalls it hit)
 *   LTP-END <name> exit=<N>|signal=<N>|timeout <seconds>
 *
 * and at the end "LTP-DONE", then powers off. A test runs in its own
 * session with LTP's environment; when it ends or its time is up every
 * process but this one is killed (kill(-1)), so nothing it left behind
 * runs into the next test. The host resumes after a test with no LTP-END
 * (the kernel died or hung) in a fresh boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

static long timeout_s = 60;
static int kmsg = -1;

/* write(2) straight to the console: no stdio buffer to lose or reorder */
static void say(const char *fmt, ...)
{
	char buf[2048];
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

static double now(void)
{
	struct timespec ts = { 0, 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reap everything that has ended; returns the status of pid if it did. */
static int reap(pid_t pid, int *status)
{
	int st, found = 0;
	pid_t w;

	while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
		if (w == pid) {
			*status = st;
			found = 1;
		}
	}
	return found;
}

/* A test killed at its timeout ran no cleanup, and one that broke may
 * have skipped part of it (umount2_02): what it mounted from the scratch
 * disk (LTP_DEV) or under /tmp stays, and the next tests cannot format
 * the disk. Lazily unmounted, deepest first; said once each. */
static void umount_leftovers(const char *name)
{
	for (int pass = 0; pass < 16; pass++) {
		char line[512], dev[256], mp[256], best[256] = "";
		FILE *f = fopen("/proc/mounts", "r");
		while (f && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%255s %255s", dev, mp) != 2)
				continue;
			if ((!strcmp(dev, "/dev/vdb") || !strncmp(mp, "/tmp/", 5)) &&
			    strlen(mp) > strlen(best))
				strcpy(best, mp);
		}
		if (f)
			fclose(f);
		if (!best[0] || umount2(best, MNT_DETACH) < 0)
			return;
		say("LTP-INFO %s: unmounted %s it left behind\n", name, best);
	}
}

/* Kill every process but us and wait until they are all gone (bounded). */
static void kill_all(void)
{
	double end = now() + 10;
	int st;

	kill(-1, SIGKILL);
	while (now() < end) {
		pid_t w = waitpid(-1, &st, WNOHANG);

		if (w < 0 && errno == ECHILD)
			return;
		if (w <= 0) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	say("LTP-NOTE processes left after kill(-1)\n");
}

/*
 * Kernel log lines the test caused that matter for the report: Alloy
 * notes each syscall it does not implement (once per boot).
 */
static void drain_kmsg(const char *name)
{
	char buf[1024];
	ssize_t n;

	if (kmsg < 0)
		return;
	while ((n = read(kmsg, buf, sizeof(buf) - 1)) != 0) {
		if (n < 0) {
			if (errno == EINTR || errno == EPIPE)
				continue;	/* EPIPE: overwritten records */
			break;
		}
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
		if (strstr(buf, "not implemented")) {
			char *msg = strchr(buf, ';');	/* "prio,seq,time,-;text" */
			say("LTP-KMSG %s %s\n", name, msg ? msg + 1 : buf);
		}
	}
}

/* Split a runtest command on blanks; anything shell-like goes to sh -c. */
static void exec_cmd(char *cmd)
{
	char *argv[64];
	int n = 0;

	if (strpbrk(cmd, "|&;<>()$`\\\"'*?[#~=%")) {
		char *sh[] = { "/bin/sh", "-c", cmd, NULL };
		execv(sh[0], sh);
		say("LTP-NOTE exec /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	for (char *tok = strtok(cmd, " \t"); tok && n < 63; tok = strtok(NULL, " \t"))
		argv[n++] = tok;
	argv[n] = NULL;
	if (!n)
		_exit(127);
	execvp(argv[0], argv);
	say("LTP-NOTE exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void run_test(const char *name, char *cmd)
{
	sigset_t chld, old;
	double start, deadline;
	int status = 0, done = 0;
	pid_t pid;

	say("LTP-START %s\n", name);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	start = now();
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		say("LTP-END %s fork-failed 0\n", name);
		return;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		setsid();
		if (chdir("/tmp") < 0)
			(void)0;
		exec_cmd(cmd);
	}
	deadline = start + timeout_s;
	while (!(done = reap(pid, &status))) {
		double left = deadline - now();

		if (left <= 0)
			break;
		/* at most a second at a time: a lost SIGCHLD costs that, no more */
		struct timespec ts = { left >= 1 ? 1 : 0, left >= 1 ? 0 : (long)(left * 1e9) };
		sigtimedwait(&chld, NULL, &ts);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	double secs = now() - start;
	kill_all();
	drain_kmsg(name);
	umount_leftovers(name);	/* a failed test's cleanup may not have run */
	if (!done)
		say("LTP-END %s timeout %.1f\n", name, secs);
	else if (WIFSIGNALED(status))
		say("LTP-END %s signal=%d %.1f\n", name, WTERMSIG(status), secs);
	else
		say("LTP-END %s exit=%d %.1f\n", name, WEXITSTATUS(status), secs);
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	say("LTP-NOTE reboot: %s\n", strerror(errno));
	for (;;)
		pause();
}

int main(void)
{
	static char line[8192];
	FILE *f;
	pid_t pid;
	int st;

	/* An init started with no open fds would have nowhere to report. */
	if (fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR | O_NOCTTY);

		while (fd >= 0 && fd < 2)
			fd = dup(fd);
	}
	say("LTP-BOOT\n");
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "/bin/sh", "/ltp/setup.sh", NULL };
		execv(argv[0], argv);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		say("LTP-SETUP-FAILED\n");
		power_off();
	}
	kill_all();	/* setup's daemons, if any, would outlive it */
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	drain_kmsg("setup");
	/* the test environment (LTP's, as runltp would set it) */
	setenv("LTPROOT", "/opt/ltp", 1);
	setenv("TMPDIR", "/tmp", 1);
	setenv("PATH", "/opt/ltp/testcases/bin:/bin:/sbin:/usr/bin:/usr/sbin", 1);
	setenv("HOME", "/root", 1);
	setenv("LTP_DEV", "/dev/vdb", 1);
	setenv("KCONFIG_PATH", "/ltp/kconfig", 1);
	setenv("LTP_COLORIZE_OUTPUT", "0", 1);
	f = fopen("/ltp/env", "r");	/* more from the host (timeouts) */
	while (f && fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\n")] = 0;
		if (eq) {
			*eq = 0;
			setenv(line, eq + 1, 1);
		}
	}
	if (f)
		fclose(f);

	f = fopen("/ltp/batch", "r");
	if (!f) {
		say("LTP-SETUP-FAILED no /ltp/batch\n");
		power_off();
	}
	while (fgets(line, sizeof(line), f)) {
		char *name, *cmd;

		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "timeout ", 8)) {
			timeout_s = atol(line + 8);
			continue;
		}
		name = strtok(line, " \t");
		cmd = strtok(NULL, "");
		if (!name || name[0] == '#')
			continue;
		while (cmd && (*cmd == ' ' || *cmd == '\t'))
			cmd++;
		run_test(name, cmd && *cmd ? cmd : name);
	}
	fclose(f);
	say("LTP-DONE\n");
	power_off();
	return 0;
}
