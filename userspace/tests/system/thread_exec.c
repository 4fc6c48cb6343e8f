#define _GNU_SOURCE
/*
 * thread_exec: execve from a thread that is not the group leader. Linux
 * (and the issue) say: every other thread is killed, the caller takes
 * over the group's pid, and the new program starts with one thread.
 * Checked from both sides:
 *  - the new program (this file again, argv[1] = "after") sees getpid()
 *    == the old pid, gettid() == getpid(), Threads: 1, one entry in
 *    /proc/self/task, and none of the old tids alive (tgkill ESRCH);
 *  - the parent's wait4 sees the same pid exit with the new program's
 *    status, and nothing else (no extra child, no early exit of the
 *    leader);
 *  - the old threads, including the leader blocked in pthread_join and
 *    one spinning, never run on after the exec (a pipe they would write
 *    to stays silent).
 * A watchdog (alarm survives execve) ends it if the exec never happens.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>

#define TEST_NAME "thread_exec"
#include "check.h"
#include "threads.h"

#define NT 4
static pid_t tids[NT];
static char *self_path;
static int leak_fd;		/* old threads write here if they outlive the exec */
static pthread_barrier_t all_up;
static volatile int spin;

static void *bystander(void *arg)
{
	long me = (long)arg;
	tids[me] = sys_gettid();
	pthread_barrier_wait(&all_up);
	if (me == 1)
		for (;;)
			spin++;
	/* long enough for the exec to finish loading on a busy host (a write
	 * before the exec kills us is allowed; 500 ms was not always enough) */
	sleep(5);
	if (write(leak_fd, "x", 1) < 0)	/* only if still alive after the exec */
		;
	return NULL;
}

static void *execer(void *arg)
{
	char pidbuf[16], fdbuf[16], tidbuf[NT][16];
	(void)arg;
	tids[0] = sys_gettid();
	pthread_barrier_wait(&all_up);
	usleep(20000);
	snprintf(pidbuf, sizeof(pidbuf), "%d", getpid());
	snprintf(fdbuf, sizeof(fdbuf), "%d", leak_fd);
	char *argv[4 + NT + 1] = { self_path, "after", pidbuf, fdbuf };
	for (int i = 0; i < NT; i++) {
		snprintf(tidbuf[i], sizeof(tidbuf[i]), "%d", tids[i]);
		argv[4 + i] = tidbuf[i];
	}
	argv[4 + NT] = NULL;
	char *envp[] = { NULL };
	execve(self_path, argv, envp);
	fprintf(stderr, "thread_exec: execve from a thread: %s\n", strerror(errno));
	exit(2);
}

/* The child: leader + NT threads, thread 0 execs. */
static void before(void)
{
	pthread_t t;
	pthread_barrier_init(&all_up, NULL, NT + 1);
	t = start_thread(execer, NULL);
	for (long i = 1; i < NT; i++)
		start_thread(bystander, (void *)i);
	pthread_barrier_wait(&all_up);
	pthread_join(t, NULL);	/* the leader sleeps here through the exec */
	fprintf(stderr, "thread_exec: the leader's join returned: the exec did not kill it\n");
	exit(3);
}

/* The new program. */
static int after(int argc, char **argv)
{
	pid_t old = atoi(argv[2]);
	int fd = atoi(argv[3]);
	CHECK(argc == 4 + NT);
	CHECK(getpid() == old);
	CHECK(sys_gettid() == getpid());
	CHECK(status_field("/proc/self/status", "Threads") == 1);
	CHECK(status_field("/proc/self/status", "Tgid") == old);
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0, mine = 0;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			n++;
			mine += atoi(e->d_name) == getpid();
		}
	if (d)
		closedir(d);
	CHECK(n == 1 && mine == 1);
	for (int i = 4; i < argc; i++) {
		pid_t tid = atoi(argv[i]);
		if (tid == getpid())
			continue;	/* the execing thread, now the leader */
		errno = 0;
		CHECK(syscall(SYS_tgkill, getpid(), tid, 0) == -1 && errno == ESRCH);
	}
	close(fd);
	return check_done() ? 10 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "after"))
		return after(argc, argv);
	watchdog(30);
	self_path = argv[0];
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		leak_fd = p[1];
		fcntl(leak_fd, F_SETFD, 0);	/* the new program closes it itself */
		before();
	}
	close(p[1]);
	CHECK(c > 0);
	int st = -1;
	pid_t w = waitpid(-1, &st, 0);
	CHECK(w == c);
	CHECK(WIFEXITED(st));
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		fprintf(stderr, "thread_exec: child status %d (2: execve failed, 3: leader survived, 10: checks after exec failed, 1: no threads)\n",
			WEXITSTATUS(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	/* nobody from before the exec wrote: read sees EOF (all writers gone) */
	char ch;
	CHECK(read(p[0], &ch, 1) == 0);
	return check_done();
}
