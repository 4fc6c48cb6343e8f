/*
 * Alloy's init (PID 1). It reaps every orphan and either
 *  - runs the command in /etc/alloy-cmd, or else on a command disk (a
 *    virtio disk that starts with "ALLOY-CMD\n", see docs/debian.md),
 *    with `SHELL -c` and exits with its status (the kernel then powers
 *    off, and `make run CMD=...` exits with that status), or
 *  - runs a shell on the console and respawns it when it exits.
 * SHELL is /bin/bash where the root has it (the Debian disk), else
 * /bin/sh (busybox on the initramfs).
 * `poweroff`, `reboot` and `halt` (busybox) signal init: SIGUSR2, SIGTERM
 * and SIGUSR1, as busybox's own init expects.
 *
 * When /etc/herd holds service files, init also starts herd, the service
 * supervisor (docs/herd.md), and starts it again if it dies. Before the
 * machine goes down (poweroff, reboot, the scripted command's end) herd
 * gets SIGTERM and init waits for it: herd stops its services in reverse
 * order and flushes their logs first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD_FILE "/etc/alloy-cmd"
#define CMD_MAX 65536
#define HERD "/sbin/herd"
#define HERD_DIR "/etc/herd"
#define HERD_LOG "/var/log/herd/herd.log"
#define HERD_STOP_WAIT 120	/* seconds herd may take to stop everything */
/* a raw disk holding a command: this line, the command, NUL padding */
#define CMD_DISK_MAGIC "ALLOY-CMD\n"

static volatile sig_atomic_t stop_how;
static pid_t herd_pid;
static time_t herd_started;

static void on_signal(int sig)
{
	stop_how = sig;
}

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	alarmed = sig;
}

static void say(const char *s)
{
	ssize_t n = write(2, s, strlen(s));
	(void)n;
}

/* herd stops its services in reverse order and flushes their logs, then
 * exits; init waits for that (bounded), reaping whatever else exits. */
static void stop_herd(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

	if (herd_pid <= 0)
		return;
	sigaction(SIGALRM, &sa, NULL);
	kill(herd_pid, SIGTERM);
	alarmed = 0;
	alarm(HERD_STOP_WAIT);
	for (;;) {
		int st;
		pid_t p = wait(&st);
		if (p == herd_pid || (p < 0 && errno != EINTR) || alarmed)
			break;
	}
	alarm(0);
	if (alarmed)
		say("init: herd did not stop in time\n");
	herd_pid = 0;
}

static void shutdown_now(int how)
{
	say(how == RB_AUTOBOOT ? "init: rebooting\n" : "init: powering off\n");
	stop_herd();
	kill(-1, SIGTERM);
	sync();
	reboot(how);
	_exit(0);
}

/* Reads the scripted command, if there is one. */
static char *read_cmd(void)
{
	int fd = open(CMD_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = malloc(CMD_MAX + 1);
	ssize_t n = buf ? read(fd, buf, CMD_MAX) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * The command disk (make run ROOTFS=debian CMD=...): a few KiB image made
 * per run, so the big root image is never copied or rewritten. Disks
 * that do not start with the magic line are left alone.
 */
static char *read_cmd_disk(void)
{
	size_t magic = sizeof(CMD_DISK_MAGIC) - 1;
	char dev[] = "/dev/vda";

	for (char c = 'a'; c <= 'h'; c++) {
		dev[7] = c;
		int fd = open(dev, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		char *buf = malloc(magic + CMD_MAX + 1);
		ssize_t n = buf ? read(fd, buf, magic + CMD_MAX) : -1;
		close(fd);
		if (n >= (ssize_t)magic && !memcmp(buf, CMD_DISK_MAGIC, magic)) {
			buf[n] = '\0';		/* the command ends at the first NUL */
			memmove(buf, buf + magic, n - magic + 1);
			return buf;
		}
		free(buf);
	}
	return NULL;
}

static const char *shell(void)
{
	return access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
}

static pid_t spawn(char *const argv[], int session)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* init ignores ^C; its children must not inherit that (a
		 * shell keeps signals ignored at entry ignored for good) */
		signal(SIGINT, SIG_DFL);
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (session) {
			setsid();
			ioctl(0, TIOCSCTTY, 0);
			pid_t me = getpid();
			ioctl(0, TIOCSPGRP, &me);
		}
		execv(argv[0], argv);
		const char *why = strerror(errno);
		say("init: cannot run ");
		say(argv[0]);
		say(": ");
		say(why);
		say("\n");
		_exit(127);
	}
	return pid;
}

/* Starts herd if there is a service file, its output in HERD_LOG. */
static void start_herd(void)
{
	DIR *d = opendir(HERD_DIR);
	struct dirent *de;
	int any = 0;

	while (d && (de = readdir(d)))
		if (strlen(de->d_name) > 8 &&
		    !strcmp(de->d_name + strlen(de->d_name) - 8, ".service"))
			any = 1;
	if (d)
		closedir(d);
	if (!any || access(HERD, X_OK))
		return;
	if (herd_started && time(NULL) - herd_started < 1)
		sleep(1);	/* a herd that dies at once: do not spin */
	herd_started = time(NULL);
	herd_pid = fork();
	if (herd_pid == 0) {
		sigset_t none;
		int fd;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		setsid();
		mkdir("/var/log/herd", 0755);
		fd = open(HERD_LOG, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(HERD, HERD, "serve", (char *)NULL);
		_exit(127);
	}
}

/* Waits for `child`, reaping anything else; returns its status. */
static int wait_for(pid_t child)
{
	for (;;) {
		int st;
		pid_t p = wait(&st);
		if (stop_how)
			shutdown_now(stop_how == SIGTERM ? RB_AUTOBOOT : RB_POWER_OFF);
		if (p == child)
			return st;
		if (p > 0 && p == herd_pid) {
			say("init: herd exited; starting it again\n");
			start_herd();
		}
		if (p < 0 && errno == ECHILD)
			return 0;
	}
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	umask(022);
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin", 1);
	setenv("HOME", "/root", 1);
	chdir("/root");

	char *cmd = read_cmd();
	if (!cmd)
		cmd = read_cmd_disk();
	char *sh = (char *)shell();
	if (cmd) {
		char *argv[] = { sh, "-c", cmd, NULL };
		start_herd();
		int st = wait_for(spawn(argv, 0));
		stop_herd();
		sync();
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	start_herd();
	for (;;) {
		char *argv[] = { sh, "-l", NULL };
		time_t start = time(NULL);
		say("\nAlloy: a shell on the console (");
		say(sh);
		say("). `poweroff` leaves.\n");
		wait_for(spawn(argv, 1));
		if (time(NULL) - start < 1)
			sleep(1);	/* a shell that dies at once: do not spin */
	}
}
