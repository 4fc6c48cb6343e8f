#define _GNU_SOURCE
/*
 * unix_sockets: AF_UNIX sockets, from the caller's side and an attacker's.
 *
 *  - socket(): every type, SOCK_NONBLOCK/SOCK_CLOEXEC, bad families,
 *    types and protocols; fstat shows S_IFSOCK; ENOTSOCK on a pipe;
 *  - socketpair echo on stream, datagram (boundaries, MSG_TRUNC) and
 *    seqpacket; read/write/readv/writev on socket fds; MSG_PEEK;
 *    FIONREAD; shutdown; EOF and EPIPE/SIGPIPE (and MSG_NOSIGNAL);
 *  - names: a path (an S_IFSOCK file, EADDRINUSE while it exists, unlink
 *    and rebind, EACCES without write permission, ENOENT, ECONNREFUSED on
 *    a plain file and a closed socket's name, EPROTOTYPE), abstract names
 *    (EADDRINUSE per type), autobind, a 108-byte path without NUL,
 *    getsockname/getpeername, connect/accept/accept4 flags, backlog;
 *  - datagram sendto/recvfrom with the sender's name, EPERM to a socket
 *    connected elsewhere;
 *  - options: SO_TYPE/DOMAIN/PROTOCOL/ACCEPTCONN/ERROR/SNDBUF/RCVTIMEO,
 *    SO_PEERCRED on a pair and a connection, ENOPROTOOPT;
 *  - SCM_RIGHTS: a pipe end passed and used; fds never received are
 *    freed (kernel heap back to its baseline after many rounds); a socket
 *    sent over itself; a socket into its own queue is refused
 *    (ETOOMANYREFS); MSG_CTRUNC when the buffer is short; MSG_CMSG_CLOEXEC;
 *    SCM_CREDENTIALS with SO_PASSCRED, and forged ones refused (EPERM);
 *  - hostile arguments: bad address lengths, msg_controllen lies, cmsg
 *    with 1000 fds (EINVAL), fds that are not open (EBADF), unmapped
 *    buffers and iovecs (EFAULT), sendmmsg/recvmmsg;
 *  - what an outside review found: socket/socketpair/accept/recvmsg at
 *    the RLIMIT_NOFILE limit (EMFILE, each file put once, heap back; an
 *    accept that failed leaves its connection queued);
 *    recv/read/recvmsg (and MSG_PEEK) on a listener with a connection
 *    queued; a listener with queued connections passed over one of them
 *    (refused: no leaked cycle) and a 1000-link chain of them (no nested
 *    releases); files in flight bounded by the sender's RLIMIT_NOFILE;
 *    a socket passed after its received files were taken; an accepted
 *    connection not holding its listener's name; /proc/net/unix without
 *    kernel addresses.
 *
 * Arguments name parts to run alone (e.g. `unix_sockets embryo_chain`).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#define TEST_NAME "unix_sockets"
#include "check.h"

/* musl's sendmsg copies the control data itself (ENOMEM past 1 KiB, a
 * fault on a bad pointer): ask the kernel directly. */
#define sendmsg(s, m, f) syscall(SYS_sendmsg, (s), (m), (f))

static socklen_t mkaddr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t mkabstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void creation(void)
{
	struct stat st;
	int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

	for (int i = 0; i < 3; i++) {
		int s = socket(AF_UNIX, types[i] | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		CHECK(s >= 0);
		CHECK(fstat(s, &st) == 0 && S_ISSOCK(st.st_mode));
		CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
		CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
		int v = -1;
		socklen_t l = sizeof(v);
		CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == types[i] && l == 4);
		CHECK(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &l) == 0 && v == AF_UNIX);
		CHECK(getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &l) == 0 && v == 0);
		CHECK(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) == 0 && v == 0);
		close(s);
	}
	errno = 0;
	CHECK(socket(12345, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT);
	errno = 0;
	CHECK(socket(AF_UNIX, 4 /* RDM */, 0) < 0 && errno == ESOCKTNOSUPPORT);
	errno = 0;
	CHECK(socket(AF_UNIX, 77, 0) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(socket(AF_UNIX, SOCK_STREAM | 0x100000, 0) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(socket(AF_UNIX, SOCK_STREAM, 6) < 0 && errno == EPROTONOSUPPORT);
	int p[2];
	CHECK(pipe(p) == 0);
	errno = 0;
	CHECK(listen(p[0], 1) < 0 && errno == ENOTSOCK);
	errno = 0;
	CHECK(send(p[1], "x", 1, 0) < 0 && errno == ENOTSOCK);
	errno = 0;
	CHECK(bind(999, NULL, 0) < 0 && errno == EBADF);
	int op = open("/", O_PATH);
	errno = 0;
	CHECK(accept(op, NULL, NULL) < 0 && errno == EBADF);	/* as Linux's fdget */
	close(op);
	close(p[0]);
	close(p[1]);
}

static void pair_echo(void)
{
	int sv[2] = { -1, -1 };
	char buf[64];

	/* stream: bytes, no boundaries; readv/writev */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	if (sv[0] < 0)
		return;
	CHECK(write(sv[0], "hello ", 6) == 6 && write(sv[0], "world", 5) == 5);
	int n = -1;
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == 11);
	CHECK(recv(sv[1], buf, sizeof(buf), MSG_PEEK) == 11 && !memcmp(buf, "hello world", 11));
	struct iovec iv[2] = { { buf, 3 }, { buf + 3, 20 } };
	CHECK(readv(sv[1], iv, 2) == 11 && !memcmp(buf, "hello world", 11));
	struct iovec ov[2] = { { "ab", 2 }, { "cd", 2 } };
	CHECK(writev(sv[1], ov, 2) == 4);
	CHECK(read(sv[0], buf, 10) == 4 && !memcmp(buf, "abcd", 4));
	/* MSG_WAITALL gathers two writes */
	if (fork() == 0) {
		usleep(20000);
		write(sv[1], "12", 2);
		usleep(20000);
		write(sv[1], "34", 2);
		_exit(0);
	}
	CHECK(recv(sv[0], buf, 4, MSG_WAITALL) == 4 && !memcmp(buf, "1234", 4));
	wait(NULL);
	/* shutdown(SHUT_WR): the other side reads EOF, may still write */
	CHECK(shutdown(sv[0], SHUT_WR) == 0);
	CHECK(read(sv[1], buf, 10) == 0);
	CHECK(write(sv[1], "z", 1) == 1 && read(sv[0], buf, 1) == 1 && buf[0] == 'z');
	errno = 0;
	CHECK(send(sv[0], "q", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE);
	errno = 0;
	CHECK(shutdown(sv[0], 7) < 0 && errno == EINVAL);
	close(sv[0]);
	/* peer gone: EOF, then EPIPE with SIGPIPE (ignored) */
	CHECK(read(sv[1], buf, 10) == 0);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	CHECK(write(sv[1], "x", 1) < 0 && errno == EPIPE);
	signal(SIGPIPE, SIG_DFL);
	pid_t c = fork();
	if (c == 0) {
		write(sv[1], "x", 1);
		_exit(0);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
	c = fork();
	if (c == 0)
		_exit(send(sv[1], "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE ? 0 : 1);
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[1]);

	/* datagram: boundaries kept, MSG_TRUNC */
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(send(sv[0], "one", 3, 0) == 3 && send(sv[0], "twotwo", 6, 0) == 6);
	CHECK(send(sv[0], "", 0, 0) == 0);
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == 3);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 3);
	struct msghdr mh = { 0 };
	struct iovec v = { buf, 3 };
	mh.msg_iov = &v;
	mh.msg_iovlen = 1;
	CHECK(recvmsg(sv[1], &mh, 0) == 3 && (mh.msg_flags & MSG_TRUNC) && !memcmp(buf, "two", 3));
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 0);	/* the empty datagram */
	CHECK(send(sv[0], "abcdef", 6, 0) == 6);
	CHECK(recv(sv[1], buf, 2, MSG_TRUNC) == 6);
	errno = 0;
	CHECK(recv(sv[1], buf, 2, MSG_DONTWAIT) < 0 && errno == EAGAIN);
	close(sv[0]);
	close(sv[1]);

	/* seqpacket: records, EOF after the peer closes */
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK(send(sv[0], "rec1", 4, 0) == 4 && send(sv[0], "record2", 7, 0) == 7);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 4);
	CHECK(recv(sv[1], buf, 3, 0) == 3);
	close(sv[0]);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 0);
	close(sv[1]);
}

static void names(void)
{
	struct sockaddr_un a, b;
	socklen_t l, la = mkaddr(&a, "/tmp/us_sock");
	struct stat st;
	char buf[32];

	unlink(a.sun_path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0), t;
	CHECK(bind(s, (struct sockaddr *)&a, la) == 0);
	CHECK(stat(a.sun_path, &st) == 0 && S_ISSOCK(st.st_mode));
	errno = 0;
	CHECK(bind(s, (struct sockaddr *)&a, la) < 0 && errno == EINVAL);	/* bound already */
	t = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(bind(t, (struct sockaddr *)&a, la) < 0 && errno == EADDRINUSE);
	errno = 0;
	CHECK(connect(t, (struct sockaddr *)&a, la) < 0 && errno == ECONNREFUSED);	/* not listening */
	l = sizeof(b);
	CHECK(getsockname(s, (struct sockaddr *)&b, &l) == 0 && l == la && !strcmp(b.sun_path, a.sun_path));
	CHECK(listen(s, 5) == 0);
	int v;
	l = 4;
	CHECK(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) == 0 && v == 1);
	CHECK(connect(t, (struct sockaddr *)&a, la) == 0);
	errno = 0;
	CHECK(connect(t, (struct sockaddr *)&a, la) < 0 && errno == EISCONN);
	l = sizeof(b);
	CHECK(getpeername(t, (struct sockaddr *)&b, &l) == 0 && !strcmp(b.sun_path, a.sun_path));
	l = sizeof(b);
	int c = accept4(s, (struct sockaddr *)&b, &l, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK(c >= 0 && l == offsetof(struct sockaddr_un, sun_path));	/* t is unbound */
	CHECK((fcntl(c, F_GETFL) & O_NONBLOCK) && (fcntl(c, F_GETFD) & FD_CLOEXEC));
	errno = 0;
	CHECK(recv(c, buf, 1, 0) < 0 && errno == EAGAIN);
	CHECK(send(t, "ping", 4, 0) == 4 && recv(c, buf, 4, 0) == 4);
	struct ucred cr;
	l = sizeof(cr);
	CHECK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0 && cr.pid == getpid() &&
	      cr.uid == geteuid() && l == sizeof(cr));
	CHECK(getsockopt(t, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0 && cr.pid == getpid());
	errno = 0;
	CHECK(syscall(SYS_accept4, s, NULL, NULL, 0x4) < 0 && errno == EINVAL);	/* musl retries with accept */
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	errno = 0;
	CHECK(connect(d, (struct sockaddr *)&a, la) < 0 && errno == EPROTOTYPE);
	errno = 0;
	CHECK(listen(d, 1) < 0 && errno == EOPNOTSUPP);
	close(d);
	close(c);
	close(t);
	close(s);
	/* the name outlives the socket: ECONNREFUSED, EADDRINUSE; unlink, rebind */
	t = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(connect(t, (struct sockaddr *)&a, la) < 0 && errno == ECONNREFUSED);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(bind(s, (struct sockaddr *)&a, la) < 0 && errno == EADDRINUSE);
	CHECK(unlink(a.sun_path) == 0);
	CHECK(bind(s, (struct sockaddr *)&a, la) == 0 && listen(s, 1) == 0);
	CHECK(connect(t, (struct sockaddr *)&a, la) == 0);
	close(t);
	close(s);
	/* permission: connect needs write permission on the file */
	if (geteuid() == 0 && fork() == 0) {
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		unlink(a.sun_path);
		bind(s, (struct sockaddr *)&a, la);
		listen(s, 1);
		chmod(a.sun_path, 0600);
		if (setuid(1000) == 0) {
			t = socket(AF_UNIX, SOCK_STREAM, 0);
			int ok = connect(t, (struct sockaddr *)&a, la) < 0 && errno == EACCES;
			_exit(ok ? 0 : 1);
		}
		_exit(2);
	}
	int st2 = 0;
	if (geteuid() == 0) {
		wait(&st2);
		CHECK(WIFEXITED(st2) && WEXITSTATUS(st2) == 0);
	}
	unlink(a.sun_path);
	/* a relative name is the cwd's */
	CHECK(chdir("/tmp") == 0);
	unlink("us_rel");
	la = mkaddr(&b, "us_rel");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	t = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(s, (struct sockaddr *)&b, la) == 0 && listen(s, 1) == 0);
	CHECK(stat("/tmp/us_rel", &st) == 0 && S_ISSOCK(st.st_mode));
	CHECK(connect(t, (struct sockaddr *)&b, la) == 0);
	CHECK(unlink("us_rel") == 0);
	close(s);
	close(t);
	CHECK(chdir("/") == 0);
	la = mkaddr(&a, "/tmp/us_sock");
	/* ENOENT, and ECONNREFUSED on a file that is no socket */
	t = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(connect(t, (struct sockaddr *)&a, la) < 0 && errno == ENOENT);
	close(open("/tmp/us_plain", O_CREAT | O_WRONLY, 0644));
	la = mkaddr(&b, "/tmp/us_plain");
	errno = 0;
	CHECK(connect(t, (struct sockaddr *)&b, la) < 0 && errno == ECONNREFUSED);
	unlink("/tmp/us_plain");
	close(t);

	/* abstract names: per type, gone with the socket */
	la = mkabstract(&a, "alloy-test");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(s, (struct sockaddr *)&a, la) == 0 && listen(s, 2) == 0);
	t = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(bind(t, (struct sockaddr *)&a, la) < 0 && errno == EADDRINUSE);
	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(d, (struct sockaddr *)&a, la) == 0);
	close(d);
	CHECK(connect(t, (struct sockaddr *)&a, la) == 0);
	l = sizeof(b);
	CHECK(getpeername(t, (struct sockaddr *)&b, &l) == 0 && l == la && !memcmp(&a, &b, la));
	close(t);
	close(s);
	t = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(connect(t, (struct sockaddr *)&a, la) < 0 && errno == ECONNREFUSED);
	close(t);

	/* /proc/net/unix lists a listener with its name and inode */
	la = mkabstract(&a, "proc-net");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(s, (struct sockaddr *)&a, la) == 0 && listen(s, 1) == 0);
	CHECK(fstat(s, &st) == 0);
	FILE *pf = fopen("/proc/net/unix", "r");
	char line[256];
	int found = 0;
	CHECK(pf && fgets(line, sizeof(line), pf) && !strncmp(line, "Num       RefCount", 18));
	while (pf && fgets(line, sizeof(line), pf)) {
		unsigned flags, type, state;
		unsigned long ino;
		char path[128] = "";
		if (sscanf(strchr(line, ':') + 1, "%*x %*x %x %x %x %lu %127s", &flags, &type, &state,
			   &ino, path) >= 4 && ino == st.st_ino)
			found = flags == 0x10000 && type == SOCK_STREAM && !strcmp(path, "@proc-net");
	}
	if (pf)
		fclose(pf);
	CHECK(found);
	close(s);

	/* autobind: bind with only the family */
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0);
	l = sizeof(b);
	CHECK(getsockname(s, (struct sockaddr *)&b, &l) == 0 && l == 8 && b.sun_path[0] == 0);
	close(s);

	/* a 108-byte path with no NUL */
	struct sockaddr_un full;
	memset(&full, 0, sizeof(full));
	full.sun_family = AF_UNIX;
	memcpy(full.sun_path, "/tmp/", 5);
	memset(full.sun_path + 5, 'p', sizeof(full.sun_path) - 5);
	char path[120];
	memcpy(path, full.sun_path, sizeof(full.sun_path));
	path[sizeof(full.sun_path)] = 0;
	unlink(path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(s, (struct sockaddr *)&full, sizeof(full)) == 0);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	unlink(path);
	close(s);

	/* bad lengths and families */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(bind(s, (struct sockaddr *)&a, 1) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(a) + 1) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(bind(s, (struct sockaddr *)&a, (socklen_t)-1) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(bind(s, (struct sockaddr *)8, 20) < 0 && errno == EFAULT);
	a.sun_family = AF_INET;
	errno = 0;
	CHECK(bind(s, (struct sockaddr *)&a, la) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(listen(s, 1) < 0 && errno == EINVAL);	/* unbound */
	errno = 0;
	CHECK(accept(s, NULL, NULL) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(recv(s, buf, 1, 0) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(send(s, buf, 1, 0) < 0 && errno == ENOTCONN);
	l = sizeof(b);
	errno = 0;
	CHECK(getpeername(s, (struct sockaddr *)&b, &l) < 0 && errno == ENOTCONN);
	l = (socklen_t)-1;
	errno = 0;
	CHECK(getsockname(s, (struct sockaddr *)&b, &l) < 0 && errno == EINVAL);
	close(s);
}

static void datagrams(void)
{
	struct sockaddr_un a, b, from;
	socklen_t la = mkabstract(&a, "us-dgram-a"), lb = mkabstract(&b, "us-dgram-b"), l;
	char buf[16];
	int x = socket(AF_UNIX, SOCK_DGRAM, 0), y = socket(AF_UNIX, SOCK_DGRAM, 0);
	int z = socket(AF_UNIX, SOCK_DGRAM, 0);

	CHECK(bind(x, (struct sockaddr *)&a, la) == 0 && bind(y, (struct sockaddr *)&b, lb) == 0);
	errno = 0;
	CHECK(send(x, "q", 1, 0) < 0 && errno == ENOTCONN);
	CHECK(sendto(x, "hi", 2, 0, (struct sockaddr *)&b, lb) == 2);
	l = sizeof(from);
	CHECK(recvfrom(y, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l) == 2 && l == la &&
	      !memcmp(&from, &a, la));
	CHECK(connect(y, (struct sockaddr *)&a, la) == 0);	/* y only hears x now */
	errno = 0;
	CHECK(sendto(z, "no", 2, 0, (struct sockaddr *)&b, lb) < 0 && errno == EPERM);
	CHECK(sendto(x, "ok", 2, 0, (struct sockaddr *)&b, lb) == 2);
	CHECK(recv(y, buf, sizeof(buf), 0) == 2);
	close(x);
	errno = 0;
	CHECK(send(y, "x", 1, 0) < 0 && errno == ECONNREFUSED);
	close(y);
	close(z);
}

static int send_fds(int s, const int *fds, int n, int flags)
{
	char c = 'F';
	struct iovec v = { &c, 1 };
	size_t sz = CMSG_SPACE(sizeof(int) * (size_t)n);
	char *ctl = calloc(1, sz);
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sz };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)n);
	int rc = (int)sendmsg(s, &m, flags);
	free(ctl);
	return rc;
}

/* Receives one byte and up to max fds into fds; returns how many. */
static int recv_fds(int s, int *fds, int max, size_t room, int flags, int *mflags)
{
	char c;
	struct iovec v = { &c, 1 };
	char ctl[4096] = { 0 };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = room };
	if (recvmsg(s, &m, flags) != 1)
		return -1;
	*mflags = m.msg_flags;
	int n = 0;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int) && n < max; i++)
				memcpy(&fds[n++], CMSG_DATA(h) + i * sizeof(int), sizeof(int));
	return n;
}

static void passing(void)
{
	int sv[2], p[2], fds[8], fl;
	char buf[8];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0);
	CHECK(send_fds(sv[0], &p[1], 1, 0) == 1);
	close(p[1]);
	CHECK(recv_fds(sv[1], fds, 8, 4096, MSG_CMSG_CLOEXEC, &fl) == 1 && !(fl & MSG_CTRUNC));
	CHECK(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	CHECK(write(fds[0], "via", 3) == 3 && read(p[0], buf, 3) == 3 && !memcmp(buf, "via", 3));
	close(fds[0]);
	/* the write end is gone now: EOF on the pipe proves the passed file was put */
	CHECK(read(p[0], buf, 1) == 0);
	/* a short control buffer: MSG_CTRUNC, the extra files closed */
	int three[3] = { p[0], p[0], p[0] };
	CHECK(send_fds(sv[0], three, 3, 0) == 1);
	CHECK(recv_fds(sv[1], fds, 8, CMSG_LEN(sizeof(int)), 0, &fl) == 1 && (fl & MSG_CTRUNC));
	close(fds[0]);
	/* read(2) drops passed files */
	CHECK(send_fds(sv[0], three, 3, 0) == 1 && read(sv[1], buf, 1) == 1);
	/* not open: EBADF; 1000 fds: EINVAL */
	int bad[2] = { p[0], 900 };
	errno = 0;
	CHECK(send_fds(sv[0], bad, 2, 0) < 0 && errno == EBADF);
	int *many = malloc(1000 * sizeof(int));
	for (int i = 0; i < 1000; i++)
		many[i] = p[0];
	errno = 0;
	CHECK(send_fds(sv[0], many, 1000, 0) < 0 && errno == EINVAL);
	free(many);
	/* a socket into its own queue would be a cycle: refused */
	errno = 0;
	CHECK(send_fds(sv[1], &sv[0], 1, 0) < 0 && errno == ETOOMANYREFS);
	/* a socket sent over itself (into its peer's queue) is fine */
	CHECK(send_fds(sv[0], &sv[0], 1, 0) == 1);
	CHECK(recv_fds(sv[1], fds, 8, 4096, 0, &fl) == 1);
	CHECK(send(fds[0], "S", 1, 0) == 1 && recv(sv[1], buf, 1, 0) == 1 && buf[0] == 'S');
	close(fds[0]);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);

	/* fds never received: freed when the receiver closes (heap back to baseline) */
	long long base = meminfo("KernelHeap");
	for (int round = 0; round < 300; round++) {
		CHECK(socketpair(AF_UNIX, round % 2 ? SOCK_DGRAM : SOCK_STREAM, 0, sv) == 0);
		CHECK(pipe(p) == 0);
		int x[2];
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, x) == 0);
		int what[4] = { p[0], p[1], x[0], x[1] };
		CHECK(send_fds(sv[0], what, 4, 0) == 1);
		CHECK(send_fds(sv[0], &sv[0], 1, 0) == 1);	/* itself, too */
		close(p[0]);
		close(p[1]);
		close(x[0]);
		close(x[1]);
		close(sv[0]);
		close(sv[1]);
	}
	long long after = meminfo("KernelHeap");
	CHECK(base > 0 && after - base < 64 * 1024);
	if (after - base >= 64 * 1024)
		fprintf(stderr, "unix_sockets: heap %lld -> %lld\n", base, after);

	/* SCM_CREDENTIALS with SO_PASSCRED; forged credentials refused */
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	int on = 1;
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0);
	struct ucred cr = { getpid(), getuid(), getgid() };
	char ctl[CMSG_SPACE(sizeof(cr))] = { 0 };
	struct iovec v = { "c", 1 };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_CREDENTIALS;
	h->cmsg_len = CMSG_LEN(sizeof(cr));
	memcpy(CMSG_DATA(h), &cr, sizeof(cr));
	CHECK(sendmsg(sv[0], &m, 0) == 1);
	cr.pid = getpid() + 1000;
	memcpy(CMSG_DATA(h), &cr, sizeof(cr));
	if (geteuid() != 0) {
		errno = 0;
		CHECK(sendmsg(sv[0], &m, 0) < 0 && errno == EPERM);
	}
	CHECK(send(sv[0], "d", 1, 0) == 1);	/* no cmsg: the sender's own */
	for (int i = 0; i < 2; i++) {
		char rctl[256];
		struct msghdr r = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = rctl,
				    .msg_controllen = sizeof(rctl) };
		v.iov_base = buf;
		CHECK(recvmsg(sv[1], &r, 0) == 1);
		struct cmsghdr *rh = CMSG_FIRSTHDR(&r);
		CHECK(rh && rh->cmsg_type == SCM_CREDENTIALS && rh->cmsg_len == CMSG_LEN(sizeof(cr)));
		struct ucred got = { 0 };
		if (rh)
			memcpy(&got, CMSG_DATA(rh), sizeof(got));
		CHECK(got.pid == getpid() && got.uid == getuid() && got.gid == getgid());
	}
	close(sv[0]);
	close(sv[1]);
}


/* ---- what an outside review found (each of these broke the kernel once) */

static int lowest_free(void)
{
	int fd = dup(0);
	close(fd);
	return fd;
}

static void set_nofile(rlim_t n)
{
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	r.rlim_cur = n;
	CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0);
}

/* At the fd limit, socket/socketpair/accept/recvmsg-with-fds fail with
 * EMFILE (or MSG_CTRUNC) and put each file exactly once. */
static void fd_limit_errors(void)
{
	struct rlimit old;
	struct sockaddr_un a;
	socklen_t al = mkabstract(&a, "review-emfile");
	int l, sv[2], p[2], two[2], fds[4], fl;
	char buf[4];

	getrlimit(RLIMIT_NOFILE, &old);
	CHECK((l = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(bind(l, (struct sockaddr *)&a, al) == 0 && listen(l, 10) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0);
	long long base = meminfo("KernelHeap");
	for (int i = 0; i < 200; i++) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, al) == 0);
		CHECK(send_fds(sv[0], &p[1], 1, 0) == 1);
		int top = lowest_free();
		set_nofile((rlim_t)top);	/* no free fd */
		errno = 0;
		CHECK(socket(AF_UNIX, SOCK_STREAM, 0) < 0 && errno == EMFILE);
		errno = 0;
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, two) < 0 && errno == EMFILE);
		errno = 0;
		CHECK(accept(l, NULL, NULL) < 0 && errno == EMFILE);
		/* the passed file cannot be installed: closed, the sender's stays */
		CHECK(recv_fds(sv[1], fds, 4, 4096, 0, &fl) == 0 && (fl & MSG_CTRUNC));
		set_nofile((rlim_t)top + 1);	/* exactly one free fd */
		errno = 0;
		CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, two) < 0 && errno == EMFILE);
		CHECK(lowest_free() == top);	/* nothing left behind */
		CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
		/* as Linux, the connection EMFILE left is still queued */
		int s = accept(l, NULL, NULL);
		CHECK(s >= 0);
		close(s);
		close(c);
	}
	/* the sender's pipe end still works */
	CHECK(write(p[1], "ok", 2) == 2 && read(p[0], buf, 2) == 2 && !memcmp(buf, "ok", 2));
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	close(l);
	long long after = meminfo("KernelHeap");
	CHECK(base > 0 && after - base < 64 * 1024);
	if (after - base >= 64 * 1024)
		fprintf(stderr, "unix_sockets: heap %lld -> %lld\n", base, after);
}

/* recv on a listener with a connection pending: EINVAL (stream) or
 * ENOTCONN (seqpacket), as Linux; the connection is still there. */
static void listener_recv(void)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };

	for (int t = 0; t < 2; t++) {
		struct sockaddr_un a;
		socklen_t al = mkabstract(&a, t ? "review-lrecv-seq" : "review-lrecv");
		int want = types[t] == SOCK_STREAM ? EINVAL : ENOTCONN;
		int l = socket(AF_UNIX, types[t] | SOCK_NONBLOCK, 0), c = socket(AF_UNIX, types[t], 0);
		char buf[256];
		CHECK(l >= 0 && c >= 0 && bind(l, (struct sockaddr *)&a, al) == 0 && listen(l, 4) == 0);
		CHECK(connect(c, (struct sockaddr *)&a, al) == 0);
		CHECK(send(c, "x", 1, 0) == 1);
		for (int f = 0; f < 2; f++) {
			int fl = f ? MSG_PEEK : 0;
			errno = 0;
			CHECK(recv(l, buf, sizeof(buf), fl) < 0 && errno == want);
			struct iovec v = { buf, sizeof(buf) };
			char ctl[256];
			struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl,
					    .msg_controllen = sizeof(ctl) };
			errno = 0;
			CHECK(recvmsg(l, &m, fl) < 0 && errno == want);
		}
		errno = 0;
		CHECK(read(l, buf, sizeof(buf)) < 0 && errno == want);
		int s = accept(l, NULL, NULL);
		CHECK(s >= 0 && recv(s, buf, 1, 0) == 1 && buf[0] == 'x');
		close(s);
		close(c);
		close(l);
	}
}

static int listener_at(const char *name, struct sockaddr_un *a, socklen_t *al)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	*al = mkabstract(a, name);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)a, *al) == 0 && listen(l, 4) == 0);
	return l;
}

/* SCM_RIGHTS through unaccepted connections: a listener with connections
 * waiting may not be passed, no files go to an unaccepted connection of a
 * listener in flight (no leaked cycle, no unbounded release recursion). */
static void embryo_cycles(void)
{
	struct sockaddr_un a;
	socklen_t al;
	int sv[2];
	long long base = meminfo("KernelHeap");

	for (int i = 0; i < 50; i++) {
		int l = listener_at("review-cycle", &a, &al), c = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, al) == 0);
		errno = 0;
		int r = send_fds(c, &l, 1, 0), e = errno;
		CHECK(r < 0 && e == ETOOMANYREFS);
		close(l);
		close(c);
		if (r >= 0)
			break;	/* the name leaked: the next connect would wait forever */
	}
	/* nothing kept the name */
	int l = listener_at("review-cycle", &a, &al);
	close(l);
	long long after = meminfo("KernelHeap");
	CHECK(base > 0 && after - base < 64 * 1024);
	if (after - base >= 64 * 1024)
		fprintf(stderr, "unix_sockets: heap %lld -> %lld\n", base, after);

	/* the other order: the listener goes in flight first */
	l = listener_at("review-cycle2", &a, &al);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && send_fds(sv[0], &l, 1, 0) == 1);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, al) == 0);
	errno = 0;
	CHECK(send_fds(c, &sv[0], 1, 0) < 0 && errno == ETOOMANYREFS);
	CHECK(send(c, "plain", 5, 0) == 5);	/* data without files is fine */
	close(l);
	close(c);
	close(sv[0]);
	close(sv[1]);

}

/* A chain l0 <- n0 carrying l1 <- n1 carrying l2 ...: every link refused
 * (accepted, closing l0 would release 1000 sockets, each nested in the last). */
static void embryo_chain(void)
{
	struct sockaddr_un a;
	socklen_t al;
	int first = listener_at("review-chain0", &a, &al), prev = first, refused = 0;
	for (int k = 1; k <= 1000; k++) {
		char name[32];
		snprintf(name, sizeof(name), "review-chain%d", k);
		struct sockaddr_un b;
		socklen_t bl;
		int next = listener_at(name, &b, &bl);
		int cn = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK(cn >= 0 && connect(cn, (struct sockaddr *)&b, bl) == 0);	/* next has a queue */
		int cp = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK(cp >= 0 && connect(cp, (struct sockaddr *)&a, al) == 0);
		if (send_fds(cp, &next, 1, 0) < 0 && errno == ETOOMANYREFS)
			refused++;
		close(cp);
		if (prev != first)
			close(prev);
		prev = next;
		a = b;
		al = bl;
		close(cn);	/* its server side stays queued on next */
	}
	printf("# %d of 1000 links refused\n", refused);
	fflush(stdout);
	CHECK(refused == 1000);
	close(prev);
	close(first);	/* with the cycle rule broken: 1000 nested releases */
}

/* Files in flight count against the sender's RLIMIT_NOFILE (ETOOMANYREFS). */
static void inflight_limit(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int sv[2], p[2], four[4];
		if (geteuid() == 0 && setuid(65534) != 0)
			_exit(2);
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) || pipe(p))
			_exit(3);
		set_nofile(32);
		for (int i = 0; i < 4; i++)
			four[i] = p[0];
		int sent = 0, err = 0;
		for (int i = 0; i < 100 && !err; i++) {
			if (send_fds(sv[0], four, 4, 0) == 1)
				sent += 4;
			else
				err = errno;
		}
		if (err != ETOOMANYREFS || sent > 32 + 4)
			_exit(4);
		_exit(failures ? 1 : 0);
	}
	int st;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Smaller ones: a socket that received files can be passed once they are
 * taken; an accepted connection does not hold its listener's name;
 * /proc/net/unix shows no kernel addresses. */
static void review_small(void)
{
	int sv[2], x[2], p[2], fds[4], fl;
	char line[512];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, x) == 0);
	CHECK(pipe(p) == 0 && send_fds(sv[0], &p[0], 1, 0) == 1);
	CHECK(recv_fds(sv[1], fds, 4, 4096, 0, &fl) == 1);
	close(fds[0]);
	CHECK(send_fds(x[0], &sv[1], 1, 0) == 1);	/* sv[1]'s queue is empty again */
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	close(x[0]);
	close(x[1]);

	struct sockaddr_un a;
	socklen_t al;
	int l = listener_at("review-name", &a, &al), c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, al) == 0);
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	close(l);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&a, al) == 0);
	close(l);
	close(s);
	close(c);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	FILE *f = fopen("/proc/net/unix", "r");
	int lines = 0, leaks = 0;
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		if (lines++ && strncmp(line, "0000000000000000:", 17))
			leaks++;
	}
	if (f)
		fclose(f);
	CHECK(lines > 2 && leaks == 0);
	close(sv[0]);
	close(sv[1]);
}

static void hostile(void)
{
	int sv[2];
	char buf[16];
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	errno = 0;
	CHECK(send(sv[0], unmapped, 10, 0) < 0 && errno == EFAULT);
	errno = 0;
	CHECK(write(sv[0], (void *)-4096L, 10) < 0 && errno == EFAULT);
	struct iovec v[2] = { { buf, 2 }, { unmapped, 8 } };
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 2 };
	errno = 0;
	long r = sendmsg(sv[0], &m, 0);
	CHECK(r == 2 || (r < 0 && errno == EFAULT));	/* Linux may send what was copied */
	if (r == 2)
		recv(sv[1], buf, 2, 0);
	m.msg_iov = (void *)unmapped;
	errno = 0;
	CHECK(sendmsg(sv[0], &m, 0) < 0 && errno == EFAULT);
	m.msg_iov = v;
	m.msg_iovlen = 5000;
	errno = 0;
	CHECK(sendmsg(sv[0], &m, 0) < 0 && errno == EMSGSIZE);
	errno = 0;
	CHECK(sendmsg(sv[0], unmapped, 0) < 0 && errno == EFAULT);
	/* msg_controllen lies: longer than the buffer, cmsg_len past it */
	char ctl[32] = { 0 };
	struct iovec one = { "x", 1 };
	struct msghdr c = { .msg_iov = &one, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *h = (struct cmsghdr *)ctl;
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = 4000;
	errno = 0;
	CHECK(sendmsg(sv[0], &c, 0) < 0 && errno == EINVAL);
	h->cmsg_len = 3;
	errno = 0;
	CHECK(sendmsg(sv[0], &c, 0) < 0 && errno == EINVAL);
	c.msg_controllen = 1 << 20;
	errno = 0;
	CHECK(sendmsg(sv[0], &c, 0) < 0 && errno == ENOBUFS);
	c.msg_control = unmapped;
	c.msg_controllen = 64;
	errno = 0;
	CHECK(sendmsg(sv[0], &c, 0) < 0 && errno == EFAULT);
	h->cmsg_type = 77;
	h->cmsg_len = CMSG_LEN(4);
	c.msg_control = ctl;
	c.msg_controllen = sizeof(ctl);
	errno = 0;
	CHECK(sendmsg(sv[0], &c, 0) < 0 && errno == EINVAL);
	/* receive into unmapped memory: EFAULT, the data stays */
	CHECK(send(sv[0], "abc", 3, 0) == 3);
	errno = 0;
	CHECK(recv(sv[1], unmapped, 3, 0) < 0 && errno == EFAULT);
	CHECK(recv(sv[1], buf, 3, 0) == 3 && !memcmp(buf, "abc", 3));
	/* a recvmsg whose control buffer is unmapped still gets the data */
	CHECK(send(sv[0], "d", 1, 0) == 1);
	struct msghdr rm = { .msg_iov = &one, .msg_iovlen = 1, .msg_control = unmapped,
			     .msg_controllen = 64 };
	one.iov_base = buf;
	CHECK(recvmsg(sv[1], &rm, 0) == 1);
	/* options: bad lengths, unknown names */
	int val = 0;
	socklen_t l = 2;
	errno = 0;
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &val, 2) < 0 && errno == EINVAL);
	errno = 0;
	CHECK(setsockopt(sv[0], SOL_SOCKET, 9999, &val, 4) < 0 && errno == ENOPROTOOPT);
	errno = 0;
	CHECK(getsockopt(sv[0], SOL_SOCKET, 9999, &val, &l) < 0 && errno == ENOPROTOOPT);
	l = (socklen_t)-1;
	errno = 0;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &val, &l) < 0 && errno == EINVAL);
	val = 1;
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &val, 4) == 0);
	l = 4;
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &val, &l) == 0 && val == 4608);
	val = 100000;
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &val, 4) == 0);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &val, &l) == 0 && val == 200000);
	struct timeval tv = { 0, 50000 };
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	errno = 0;
	CHECK(recv(sv[1], buf, 1, 0) < 0 && errno == EAGAIN);	/* after 50 ms */
	tv.tv_usec = 2000000;
	errno = 0;
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 && errno == EDOM);
	struct linger lg = { 1, 5 };
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	l = sizeof(lg);
	memset(&lg, 0, sizeof(lg));
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, &l) == 0 && lg.l_onoff == 1 &&
	      lg.l_linger == 5);
	errno = 0;
	CHECK(setsockopt(sv[0], 6 /* TCP */, 1, &val, 4) < 0 && errno == EOPNOTSUPP);
	/* sendmmsg / recvmmsg */
	struct mmsghdr mm[3];
	struct iovec iv[3] = { { "aa", 2 }, { "bbb", 3 }, { "c", 1 } };
	memset(mm, 0, sizeof(mm));
	int dv[2];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dv) == 0);
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &iv[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK(sendmmsg(dv[0], mm, 3, 0) == 3 && mm[1].msg_len == 3);
	char rb[3][8];
	struct iovec rv[3] = { { rb[0], 8 }, { rb[1], 8 }, { rb[2], 8 } };
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &rv[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK(recvmmsg(dv[1], mm, 3, MSG_DONTWAIT, NULL) == 3 && mm[0].msg_len == 2 &&
	      mm[1].msg_len == 3 && mm[2].msg_len == 1 && !memcmp(rb[1], "bbb", 3));
	errno = 0;
	CHECK(recvmmsg(dv[1], mm, 3, MSG_DONTWAIT, NULL) < 0 && errno == EAGAIN);
	close(dv[0]);
	close(dv[1]);
	close(sv[0]);
	close(sv[1]);
	munmap(unmapped, 4096);
}

static const struct { const char *name; void (*fn)(void); } parts[] = {
	{ "creation", creation }, { "pair_echo", pair_echo }, { "names", names },
	{ "datagrams", datagrams }, { "passing", passing }, { "hostile", hostile },
	{ "review_small", review_small }, { "inflight_limit", inflight_limit },
	{ "listener_recv", listener_recv }, { "fd_limit_errors", fd_limit_errors },
	{ "embryo_cycles", embryo_cycles }, { "embryo_chain", embryo_chain },
};

/* No argument: every part; else only the parts named. */
int main(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		bool on = argc < 2;
		for (int j = 1; j < argc; j++)
			on |= !strcmp(argv[j], parts[i].name);
		if (!on)
			continue;
		printf("# %s\n", parts[i].name);
		fflush(stdout);
		parts[i].fn();
	}
	printf("# unix_sockets: %s\n", failures ? "FAILED" : "all passed");
	return check_done();
}
