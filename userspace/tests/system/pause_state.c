/*
 * A process woken from pause() by a signal is not seen sleeping again
 * until it has run past the wakeup: LTP's IPC tests (shmctl01) wait for
 * each child to show 'S' in /proc/<pid>/stat, then count what the child
 * did after its pause. A pause that set itself sleeping once more before
 * seeing the pending signal showed 'S' for a moment after the kill, and
 * the parent read the count too early.
 */
#define TEST_NAME "pause_state"
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>

#define ROUNDS 400

static void on_usr1(int sig)
{
	(void)sig;
}

static char state_of(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static void wait_sleeping(pid_t pid)
{
	while (state_of(pid) != 'S')
		;
}

int main(void)
{
	volatile int *count = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(count != MAP_FAILED);
	if (count == MAP_FAILED)
		return check_done();
	signal(SIGUSR1, on_usr1);
	pid_t pid = fork();
	if (pid == 0) {
		for (;;) {
			pause();
			__atomic_add_fetch(count, 1, __ATOMIC_SEQ_CST);
		}
	}
	CHECK(pid > 0);
	int early = 0;
	for (int i = 0; i < ROUNDS && pid > 0; i++) {
		wait_sleeping(pid);
		int before = __atomic_load_n(count, __ATOMIC_SEQ_CST);
		kill(pid, SIGUSR1);
		wait_sleeping(pid);
		if (__atomic_load_n(count, __ATOMIC_SEQ_CST) != before + 1)
			early++;
	}
	if (early)
		fprintf(stderr, "pause_state: %d of %d rounds saw 'S' before the child ran on\n",
			early, ROUNDS);
	CHECK(early == 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return check_done();
}
