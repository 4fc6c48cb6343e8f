#define _GNU_SOURCE
/*
 * pipe: anonymous pipes.
 *
 *  - pipe(): data passes through in order; the ends are O_RDONLY/O_WRONLY
 *    FIFOs; read returns 0 (EOF) once every write end, duplicates included,
 *    is closed;
 *  - pipe2(O_CLOEXEC | O_NONBLOCK): both flags visible through fcntl; read
 *    on the empty pipe gives EAGAIN;
 *  - writing with no reader: EPIPE with SIGPIPE ignored; with the default
 *    action a forked child is killed by SIGPIPE;
 *  - a child writes 1 MiB in odd-sized chunks while the parent reads it all
 *    back intact (blocking and wakeup on both sides);
 *  - capacity: non-blocking writes fill the pipe until EAGAIN, at least
 *    4096 bytes fit, and reading it all back gives the data in order;
 *  - poll(): POLLOUT on an empty pipe, no POLLIN until a write, POLLIN
 *    after one, a blocked poll woken by a child's write, POLLHUP on the read
 *    end after the writer closes, POLLERR on the write end after the reader
 *    closes;
 *  - a 5-stage pipeline of forked children, each adding 1 to every byte.
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

static int failures;

static const char *errname(int e)
{
	switch (e) {
	case 0: return "none";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ESPIPE: return "ESPIPE";
	case EPIPE: return "EPIPE";
	case ENOSYS: return "ENOSYS";
	default: return "?";
	}
}

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "pipe: line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, errname(e_));	\
			failures++;					\
		}							\
	} while (0)

#define CHECK_EQ(expr, want)						\
	do {								\
		long got_, want_ = (long)(want);			\
		errno = 0;						\
		got_ = (long)(expr);					\
		if (got_ != want_) {					\
			int e_ = errno;					\
			fprintf(stderr, "pipe: line %d: %s: expected %ld, got %ld errno %d (%s)\n", \
				__LINE__, #expr, want_, got_, e_, errname(e_)); \
			failures++;					\
		}							\
	} while (0)

#define CHECK_ERR(expr, err)						\
	do {								\
		long got_;						\
		errno = 0;						\
		got_ = (long)(expr);					\
		if (got_ != -1 || errno != (err)) {			\
			int e_ = errno;					\
			fprintf(stderr, "pipe: line %d: %s: expected -1 errno %d (%s), got %ld errno %d (%s)\n", \
				__LINE__, #expr, (err), errname(err), got_, e_, errname(e_)); \
			failures++;					\
		}							\
	} while (0)

/* Write all of buf, across short writes. Returns 0, or -1 on error. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* Reap pid and return its raw wait status (-1 if waitpid failed). */
static int reap(pid_t pid)
{
	int status;
	pid_t w;

	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	CHECK_EQ(w, pid);
	return w == pid ? status : -1;
}

#define EXITED_OK(st) ((st) != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)

static void basics(void)
{
	int p[2], p2[2], d;
	char buf[64];
	struct stat st;

	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(fstat(p[0], &st), 0);
	CHECK(S_ISFIFO(st.st_mode));
	/* what glibc (so busybox) calls for fstat: newfstatat(fd, "",
	 * AT_EMPTY_PATH); musl's fstatat would turn it into fstat */
	memset(&st, 0, sizeof(st));
	CHECK_EQ(syscall(SYS_newfstatat, p[1], "", &st, AT_EMPTY_PATH), 0);
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_ERR(write(p[0], "x", 1), EBADF);
	CHECK_ERR(read(p[1], buf, 1), EBADF);
	CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);

	/* in order, and a read takes no more than is there */
	CHECK_EQ(write(p[1], "hello ", 6), 6);
	CHECK_EQ(write(p[1], "pipe", 4), 4);
	CHECK_EQ(read(p[0], buf, 3), 3);
	CHECK(memcmp(buf, "hel", 3) == 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 7);
	CHECK(memcmp(buf, "lo pipe", 7) == 0);

	/* EOF only when the last write end goes, duplicates included */
	d = dup(p[1]);
	CHECK(d >= 0);
	CHECK_EQ(close(p[1]), 0);
	CHECK_EQ(write(d, "after", 5), 5);
	CHECK_EQ(close(d), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 5);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);

	/* pipe2 flags */
	CHECK_EQ(pipe2(p2, O_CLOEXEC | O_NONBLOCK), 0);
	CHECK_EQ(fcntl(p2[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p2[1], F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(p2[0], F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(p2[1], F_GETFL) & O_NONBLOCK);
	CHECK_ERR(read(p2[0], buf, sizeof(buf)), EAGAIN);
	CHECK_EQ(write(p2[1], "nb", 2), 2);
	CHECK_EQ(read(p2[0], buf, sizeof(buf)), 2);
	CHECK_ERR(read(p2[0], buf, sizeof(buf)), EAGAIN);
	/* with the writer gone a non-blocking read gives EOF, not EAGAIN */
	close(p2[1]);
	CHECK_EQ(read(p2[0], buf, sizeof(buf)), 0);
	close(p2[0]);
	CHECK_ERR(pipe2(p2, 0x1), EINVAL);

	/* F_SETFL can turn O_NONBLOCK on for an ordinary pipe */
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	CHECK_ERR(read(p[0], buf, 1), EAGAIN);
	close(p[0]);
	close(p[1]);
}

static void broken_pipe(void)
{
	int p[2], status;
	pid_t pid;

	/* SIGPIPE ignored: the write just fails with EPIPE */
	CHECK_EQ(pipe(p), 0);
	close(p[0]);
	CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	CHECK(signal(SIGPIPE, SIG_DFL) != SIG_ERR);

	/* default action: the writer dies of SIGPIPE */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		write(p[1], "x", 1);
		_exit(3);	/* not reached if SIGPIPE was delivered */
	}
	close(p[1]);
	if (pid > 0) {
		status = reap(pid);
		if (status == -1 || !WIFSIGNALED(status) || WTERMSIG(status) != SIGPIPE) {
			fprintf(stderr, "pipe: line %d: writer to a broken pipe: expected death by SIGPIPE (%d), got wait status 0x%x\n",
				__LINE__, SIGPIPE, status);
			failures++;
		}
	}
}

#define MIB (1 << 20)

static unsigned char pattern(long i)
{
	return (unsigned char)(i * 7 + (i >> 10));
}

static void one_mib(void)
{
	static unsigned char buf[8192];
	static const int sizes[] = { 1, 1000, 4096, 4097, 7777, 12345, 65536, 100 };
	long total = 0, bad = 0, i;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	CHECK_EQ(pipe(p), 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		static unsigned char out[65536];
		long off = 0;
		int k = 0;

		close(p[0]);
		while (off < MIB) {
			long len = sizes[k++ % 8];

			if (len > MIB - off)
				len = MIB - off;
			for (i = 0; i < len; i++)
				out[i] = pattern(off + i);
			if (write_all(p[1], out, len) < 0)
				_exit(2);
			off += len;
		}
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			bad += buf[i] != pattern(total + i);
		total += n;
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(total, MIB);
	CHECK_EQ(bad, 0);
	close(p[0]);
	status = reap(pid);
	CHECK(EXITED_OK(status));
}

static void capacity(void)
{
	static unsigned char chunk[1024], back[1024];
	long total = 0, i, bad = 0;
	int p[2];
	ssize_t n;

	CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
	for (;;) {
		for (i = 0; i < 1024; i++)
			chunk[i] = pattern(total + i);
		n = write(p[1], chunk, sizeof(chunk));
		if (n < 0)
			break;
		total += n;
		if (n < (ssize_t)sizeof(chunk) || total > 16 * MIB)
			break;
	}
	/* stopped because the pipe was full, not for some other reason */
	CHECK(n < 0 ? errno == EAGAIN : n < (ssize_t)sizeof(chunk));
	CHECK(total >= 4096);
	CHECK(total <= 16 * MIB);
	CHECK_ERR(write(p[1], "x", 1), EAGAIN);

	/* everything that went in comes out, in order, then EAGAIN */
	for (i = 0; i < total; i += n) {
		long want = total - i < 1024 ? total - i : 1024;
		long j;

		n = read(p[0], back, want);
		if (n <= 0) {
			CHECK(n > 0);
			break;
		}
		for (j = 0; j < n; j++)
			bad += back[j] != pattern(i + j);
	}
	CHECK_EQ(bad, 0);
	CHECK_ERR(read(p[0], back, 1), EAGAIN);
	close(p[0]);
	close(p[1]);
}

static void polling(void)
{
	struct pollfd pf[2];
	int p[2], status;
	char buf[16];
	pid_t pid;

	CHECK_EQ(pipe(p), 0);
	pf[0].fd = p[0];
	pf[0].events = POLLIN;
	pf[1].fd = p[1];
	pf[1].events = POLLOUT;

	/* empty: writable, not readable */
	pf[0].revents = pf[1].revents = -1;
	CHECK_EQ(poll(pf, 2, 0), 1);
	CHECK_EQ(pf[0].revents, 0);
	CHECK_EQ(pf[1].revents, POLLOUT);
	CHECK_EQ(poll(pf, 1, 0), 0);	/* read end alone times out at once */

	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK_EQ(pf[0].revents, POLLIN);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);

	/* a blocked poll is woken by another process's write */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		_exit(write(p[1], "y", 1) == 1 ? 0 : 1);
	}
	pf[0].revents = 0;
	CHECK_EQ(poll(pf, 1, 20000), 1);
	CHECK(pf[0].revents & POLLIN);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	if (pid > 0) {
		status = reap(pid);
		CHECK(EXITED_OK(status));
	}

	/* writer gone: POLLHUP on the read end, even with nothing asked for */
	CHECK_EQ(write(p[1], "z", 1), 1);
	close(p[1]);
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK_EQ(pf[0].revents, POLLIN | POLLHUP);	/* data still there */
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK(pf[0].revents & POLLHUP);
	CHECK(!(pf[0].revents & POLLIN));
	pf[0].events = 0;
	CHECK_EQ(poll(pf, 1, 0), 1);
	CHECK_EQ(pf[0].revents, POLLHUP);
	close(p[0]);

	/* reader gone: POLLERR on the write end */
	CHECK_EQ(pipe(p), 0);
	close(p[0]);
	pf[1].fd = p[1];
	pf[1].events = POLLOUT;
	CHECK_EQ(poll(&pf[1], 1, 0), 1);
	CHECK(pf[1].revents & POLLERR);
	close(p[1]);

	/* a negative fd is skipped */
	pf[0].fd = -1;
	pf[0].events = POLLIN;
	pf[0].revents = -1;
	CHECK_EQ(poll(pf, 1, 0), 0);
	CHECK_EQ(pf[0].revents, 0);
}

#define STAGES 5
#define PIPELINE_BYTES (64 * 1024)

/* One stage: copy in to out, adding 1 to every byte. */
static void stage(int in, int out)
{
	unsigned char buf[3000];	/* odd size, so chunks shift between stages */
	ssize_t n, i;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			buf[i]++;
		if (write_all(out, buf, n) < 0)
			_exit(2);
	}
	_exit(n == 0 ? 0 : 3);
}

static void pipeline(void)
{
	static unsigned char buf[4096];
	int p[STAGES + 1][2];
	pid_t pids[STAGES + 1];
	long total = 0, bad = 0, i;
	int s, k, status;
	ssize_t n;

	for (s = 0; s <= STAGES; s++)
		CHECK_EQ(pipe(p[s]), 0);

	/*
	 * pids[0] feeds p[0]; stage s reads p[s-1] and writes p[s]; we read
	 * p[STAGES]. Every process closes all the ends it does not use, or the
	 * EOF would never get through.
	 */
	for (s = 0; s <= STAGES; s++) {
		pids[s] = fork();
		CHECK(pids[s] >= 0);
		if (pids[s] != 0)
			continue;
		for (k = 0; k <= STAGES; k++) {
			if (!(s > 0 && k == s - 1))
				close(p[k][0]);
			if (k != s)
				close(p[k][1]);
		}
		if (s == 0) {
			for (i = 0; i < PIPELINE_BYTES; i += sizeof(buf)) {
				for (k = 0; k < (int)sizeof(buf); k++)
					buf[k] = pattern(i + k);
				if (write_all(p[0][1], buf, sizeof(buf)) < 0)
					_exit(2);
			}
			_exit(0);
		}
		stage(p[s - 1][0], p[s][1]);
	}
	for (s = 0; s <= STAGES; s++) {
		if (s != STAGES)
			close(p[s][0]);
		close(p[s][1]);
	}

	while ((n = read(p[STAGES][0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			bad += buf[i] != (unsigned char)(pattern(total + i) + STAGES);
		total += n;
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(total, PIPELINE_BYTES);
	CHECK_EQ(bad, 0);
	close(p[STAGES][0]);
	for (s = 0; s <= STAGES; s++) {
		if (pids[s] <= 0)
			continue;
		status = reap(pids[s]);
		if (!EXITED_OK(status)) {
			fprintf(stderr, "pipe: pipeline process %d: wait status 0x%x\n", s, status);
			failures++;
		}
	}
}

/* The ring holds 64 KiB (Linux's default, and what Alloy promises), and
 * FIONREAD counts what is queued. */
static void ring_size(void)
{
	int p[2], n = -1;
	static char chunk[4096];
	long total = 0;

	CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
	while (write(p[1], chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk) && total < (1L << 20))
		total += sizeof(chunk);
	CHECK_EQ(total, 65536);
	CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0);
	CHECK_EQ(n, 65536);
	close(p[0]);
	close(p[1]);
}

/* FIFO opens: a non-blocking writer needs a reader (ENXIO), a non-blocking
 * reader opens at once, and then the writer can open. */
static void fifo_nonblock(void)
{
	int r, w;

	CHECK_EQ(mkfifo("fifo_nb", 0600), 0);
	CHECK_ERR(open("fifo_nb", O_WRONLY | O_NONBLOCK), ENXIO);
	r = open("fifo_nb", O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0);
	w = open("fifo_nb", O_WRONLY | O_NONBLOCK);
	CHECK(w >= 0);
	CHECK_EQ(write(w, "hi", 2), 2);
	char buf[4] = { 0 };
	CHECK_EQ(read(r, buf, sizeof(buf)), 2);
	close(w);
	CHECK_EQ(read(r, buf, sizeof(buf)), 0);	/* writer gone: EOF */
	close(r);
	unlink("fifo_nb");
}

/* A blocking reader's open waits for a writer: another reader's open
 * does not count (it used to wake the first reader, who then read EOF). */
static void fifo_second_reader(void)
{
	int ready[2];
	CHECK_EQ(mkfifo("fifo_rr", 0600), 0);
	CHECK_EQ(pipe(ready), 0);
	pid_t a = fork();
	if (a == 0) {
		int fd = open("fifo_rr", O_RDONLY);	/* blocks for a writer */
		write(ready[1], "a", 1);
		char c;
		_exit(fd >= 0 && read(fd, &c, 1) == 1 && c == 'w' ? 0 : 1);
	}
	usleep(100000);
	int nb = open("fifo_rr", O_RDONLY | O_NONBLOCK);	/* a second reader */
	CHECK(nb >= 0);
	usleep(200000);
	int fl = fcntl(ready[0], F_GETFL);
	fcntl(ready[0], F_SETFL, fl | O_NONBLOCK);
	char c;
	CHECK_ERR(read(ready[0], &c, 1), EAGAIN);	/* still waiting in open */
	int w = open("fifo_rr", O_WRONLY);
	CHECK(w >= 0);
	CHECK_EQ(write(w, "w", 1), 1);
	int st;
	CHECK_EQ(waitpid(a, &st, 0), a);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(w);
	close(nb);
	close(ready[0]);
	close(ready[1]);
	unlink("fifo_rr");
}

int main(void)
{
	basics();
	broken_pipe();
	one_mib();
	capacity();
	ring_size();
	fifo_nonblock();
	fifo_second_reader();
	polling();
	pipeline();
	if (failures) {
		fprintf(stderr, "pipe: %d check(s) failed\n", failures);
		return 1;
	}
	return 0;
}
