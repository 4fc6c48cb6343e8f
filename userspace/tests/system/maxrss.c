#define _GNU_SOURCE
/*
 * maxrss: the resident page count and its peak (ru_maxrss, VmHWM).
 *  - VmRSS equals the sum of smaps' Rss (a walk of the page tables)
 *    after faults, mremap (grow, move), munmap, PROT_NONE, a shared file
 *    mapping, fork and copy-on-write, and four threads faulting while a
 *    fifth maps and unmaps; no address space ends with a drifted count
 *    (the kernel says so in its log);
 *  - RUSAGE_SELF's ru_maxrss and VmHWM stay at the peak after munmap, and
 *    exec keeps the old image's peak;
 *  - RUSAGE_CHILDREN is the largest reaped child's or descendant's, also
 *    an orphan reaped by us as subreaper; wait4's rusage the child's; a
 *    child reaped because SIGCHLD is ignored does not count.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "maxrss"
#include "check.h"

#define MB (1024L * 1024)

static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");
	size_t n = strlen(key);

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atol(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

static long smaps_rss_kb(void)
{
	char line[256];
	long sum = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Rss:", 4))
			sum += atol(line + 4);
	fclose(f);
	return sum;
}

/* VmRSS against the walk; only one thread runs when this is called. */
static int exact(void)
{
	long a = status_kb("VmRSS"), b = smaps_rss_kb();
	if (a != b)
		fprintf(stderr, "maxrss: VmRSS %ld kB, smaps %ld kB\n", a, b);
	return a == b && a > 0;
}

static long self_maxrss(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

static long children_maxrss(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_CHILDREN, &ru) ? -1 : ru.ru_maxrss;
}

static void touch(char *p, long len)
{
	for (long k = 0; k < len; k += 4096)
		p[k] = 1;
}

static void consume(long mb)
{
	char *p = mmap(NULL, mb * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		touch(p, mb * MB);
}

static volatile int stop;
static char *shared_area;

static void *faulter(void *arg)
{
	long id = (long)arg;
	char *p = mmap(NULL, MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int r = 0; r < 2 && p != MAP_FAILED; r++) {
		touch(p, MB);
		touch(shared_area + id * MB, MB);
		madvise(p, MB / 2, MADV_DONTNEED);
		madvise(shared_area + id * MB, MB / 2, MADV_DONTNEED);
	}
	return NULL;
}

static void *churner(void *arg)
{
	(void)arg;
	for (int k = 0; k < 10 && !stop; k++) {
		char *q = mmap(NULL, MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (q == MAP_FAILED)
			continue;
		touch(q, MB);
		q = mremap(q, MB, 2 * MB, MREMAP_MAYMOVE);
		if (q != MAP_FAILED)
			munmap(q, 2 * MB);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "report")) {	/* after exec */
		long before = atol(argv[2]);
		return self_maxrss() >= before ? 0 : 1;
	}

	/* the count through the ways pages come and go */
	CHECK(exact());
	char *a = mmap(NULL, 8 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	touch(a, 8 * MB);
	CHECK(exact());
	CHECK(status_kb("VmRSS") >= 8 * 1024);
	char *b = mremap(a, 8 * MB, 12 * MB, MREMAP_MAYMOVE);
	CHECK(b != MAP_FAILED);
	touch(b, 12 * MB);
	CHECK(exact());
	char *fixed = mmap(NULL, 16 * MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mremap(b, 12 * MB, 12 * MB, MREMAP_MAYMOVE | MREMAP_FIXED, fixed) == fixed);
	CHECK(exact());
	CHECK(munmap(fixed + 4 * MB, 4 * MB) == 0);
	CHECK(mprotect(fixed, 2 * MB, PROT_NONE) == 0);
	CHECK(exact());
	CHECK(madvise(fixed + 8 * MB, 2 * MB, MADV_DONTNEED) == 0);
	CHECK(exact());
	int fd = open("/tmp/maxrss.file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 4 * MB) == 0);
	char *f = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(f != MAP_FAILED);
	touch(f, 4 * MB);
	CHECK(exact());
	CHECK(ftruncate(fd, 1 * MB) == 0);	/* the pages past the end leave */
	CHECK(exact());
	pid_t c = fork();
	if (c == 0) {
		int ok = exact();
		touch(fixed + 2 * MB, 2 * MB);	/* copies */
		touch(f, MB);
		ok &= exact();
		munmap(fixed, 16 * MB);
		ok &= exact();
		_exit(ok ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(exact());
	munmap(f, 4 * MB);
	close(fd);
	unlink("/tmp/maxrss.file");
	CHECK(exact());

	/* threads faulting while one maps, moves and unmaps */
	shared_area = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t th[5];
	pthread_create(&th[4], NULL, churner, NULL);
	for (long i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, faulter, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	stop = 1;
	pthread_join(th[4], NULL);
	CHECK(exact());

	/* the peak stays after the pages go */
	long peak0 = self_maxrss();
	char *big = mmap(NULL, 16 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch(big, 16 * MB);
	long rss_big = status_kb("VmRSS");
	munmap(big, 16 * MB);
	CHECK(status_kb("VmRSS") < rss_big - 14 * 1024);
	CHECK(self_maxrss() >= rss_big && self_maxrss() >= peak0);
	CHECK(status_kb("VmHWM") >= rss_big);

	/* exec keeps it */
	c = fork();
	if (c == 0) {
		consume(12);
		char arg[32];
		snprintf(arg, sizeof(arg), "%ld", self_maxrss());
		execl("/proc/self/exe", "maxrss", "report", arg, (char *)NULL);
		_exit(2);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* reaped children: the largest; wait4's rusage: that child's */
	c = fork();
	if (c == 0) {
		consume(16);
		_exit(0);
	}
	struct rusage ru;
	CHECK(wait4(c, &st, 0, &ru) == c && ru.ru_maxrss >= 16 * 1024);
	long first = ru.ru_maxrss;
	CHECK(children_maxrss() >= 16 * 1024 && children_maxrss() < first + 4 * 1024);
	c = fork();
	if (c == 0) {
		consume(4);
		_exit(0);
	}
	CHECK(wait4(c, &st, 0, &ru) == c && ru.ru_maxrss < first - 8 * 1024);
	CHECK(children_maxrss() >= 16 * 1024);	/* still the larger one's */

	/* a grandchild reaped by the child counts for us too */
	c = fork();
	if (c == 0) {
		if (children_maxrss() != 0)	/* a new process starts at 0 */
			_exit(3);
		pid_t g = fork();
		if (g == 0) {
			consume(20);
			_exit(0);
		}
		waitpid(g, NULL, 0);
		_exit(0);
	}
	CHECK(wait4(c, &st, 0, &ru) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(ru.ru_maxrss >= 20 * 1024);
	CHECK(children_maxrss() >= 20 * 1024);

	/* an orphan reaped by us (subreaper) */
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	int pp[2];
	CHECK(pipe(pp) == 0);
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			char ch;
			close(pp[1]);
			read(pp[0], &ch, 1);	/* once its parent is gone */
			consume(24);
			_exit(0);
		}
		_exit(0);
	}
	CHECK(waitpid(c, &st, 0) == c);
	close(pp[0]);
	close(pp[1]);
	CHECK(wait(&st) > 0);		/* the orphan, ours now */
	CHECK(children_maxrss() >= 24 * 1024);

	/* SIGCHLD ignored: reaped by no one, counted nowhere */
	long before = children_maxrss();
	signal(SIGCHLD, SIG_IGN);
	c = fork();
	if (c == 0) {
		consume(28);
		_exit(0);
	}
	for (int i = 0; i < 500 && kill(c, 0) == 0; i++)
		usleep(10000);
	CHECK(children_maxrss() == before);
	signal(SIGCHLD, SIG_DFL);

	/* no address space ended with a count that drifted */
	char *log = malloc((1 << 20) + 1);
	int n = klogctl(3, log, 1 << 20);
	CHECK(n >= 0);
	if (n > 0) {
		log[n] = 0;
		CHECK(!strstr(log, "uvm: resident count"));
	}
	return check_done();
}
