#define _GNU_SOURCE
/*
 * Reopening a memfd through /proc/self/fd/N (a jump to the open file's
 * path, now that memfds have one outside every tree): a separate open
 * with its own flags and the memfd's seals; readlink still shows
 * "/memfd:NAME (deleted)". From the attacker's side: write seals hold
 * through the new open, another user cannot reach the fd, a closed fd
 * is ENOENT, and a thread closing and recreating the fd while another
 * reopens it (the file or ENOENT, nothing else).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define TEST_NAME "memfd_reopen"
#include "check.h"

static atomic_int stop;
static int racefd;

static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		close(racefd);
		int fd = memfd_create("race", 0);
		if (fd >= 0 && fd != racefd) {
			dup2(fd, racefd);
			close(fd);
		}
	}
	return NULL;
}

int main(void)
{
	int fd = memfd_create("hello", MFD_ALLOW_SEALING);
	CHECK(fd >= 0);
	CHECK(write(fd, "abc", 3) == 3);
	char p[64], link[128];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(link, "/memfd:hello (deleted)"));

	int r = open(p, O_RDONLY);
	CHECK(r >= 0);
	char buf[8] = { 0 };
	CHECK(read(r, buf, 8) == 3 && !memcmp(buf, "abc", 3));	/* its own offset */
	struct stat a, b;
	CHECK(fstat(fd, &a) == 0 && fstat(r, &b) == 0 && a.st_ino == b.st_ino);
	close(r);

	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK) == 0);
	r = open(p, O_RDWR);
	CHECK(r >= 0);
	CHECK(write(r, "x", 1) < 0 && errno == EPERM);
	CHECK(ftruncate(r, 0) < 0 && errno == EPERM);
	CHECK(open(p, O_RDWR | O_TRUNC) < 0 && errno == EPERM);
	close(r);

	/* another user: the fd directory is not theirs */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		char q[64];
		snprintf(q, sizeof(q), "/proc/%d/fd/%d", parent, fd);
		if (setuid(65534))
			_exit(2);
		_exit(open(q, O_RDONLY) < 0 && errno == EACCES ? 0 : 1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	close(fd);
	CHECK(open(p, O_RDONLY) < 0 && errno == ENOENT);

	racefd = memfd_create("race", 0);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", racefd);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, churn, NULL) == 0);
	for (int k = 0; k < 3000; k++) {
		r = open(p, O_RDWR);
		if (r >= 0)
			close(r);
		else
			CHECK(errno == ENOENT);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	return check_done();
}
