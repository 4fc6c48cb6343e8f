#define _GNU_SOURCE
/*
 * netns_attack: an outside review of network namespaces (docs/net.md,
 * "Network namespaces") from a hostile caller's side, beyond netns.c:
 *  - a blocking connect in a new namespace whose lo is down, or to an
 *    address no interface of the namespace has, fails at once with
 *    ENETUNREACH as Linux (no route), rather than waiting out lwIP's SYN
 *    retransmissions (18 s, then ETIMEDOUT, seen); a UDP send to such an
 *    address is ENETUNREACH too; a connect to [::1] fails at once;
 *  - crafted packets (IP_HDRINCL on a raw socket) in a new namespace:
 *    a UDP datagram to 127.0.0.1 and to the 127/8 broadcast, and a TCP
 *    SYN, never reach the initial namespace's sockets;
 *  - teardown churn with live TCP state: 220 namespaces, each with a
 *    connection left in TIME_WAIT / reset / a thread blocked in accept /
 *    a connect pending when the process dies; the initial namespace's 127.0.0.1
 *    connection survives all of it and the 200-limit is not leaked;
 *  - the same on every CPU at once (4 churners, a setns flipper making
 *    sockets on each side), the initial namespace's traffic unharmed;
 *  - uid_map: a valid identity map longer than 255 bytes (11 lines;
 *    Linux takes up to a page and 340 lines), written from the parent;
 *    a sibling user namespace's process may not write gid_map (EPERM).
 * Each part was first seen on Linux 6.x as root (all pass there).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "netns_attack"
#include "check.h"

static void in_child(void (*fn)(void), int secs)
{
	pid_t pid = fork();
	if (pid == 0) {
		failures = 0;		/* the parent's count is not this part's */
		alarm((unsigned)secs);	/* a hang is a failure, not a stuck run */
		fn();
		_exit(failures ? 1 : 0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st))
		fprintf(stderr, "netns_attack: child killed by signal %d\n",
			WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

static struct sockaddr_in addr4(uint32_t ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(ip) };
	return a;
}

static int base_port(void)
{
	return 30000 + (getpid() % 1000) * 20;
}

static int lo_set_up(bool up)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	int rc = ioctl(s, SIOCGIFFLAGS, &r);
	if (!rc) {
		r.ifr_flags = up ? (r.ifr_flags | IFF_UP) : (r.ifr_flags & ~IFF_UP);
		rc = ioctl(s, SIOCSIFFLAGS, &r);
	}
	close(s);
	return rc;
}

static int tcp_listener(uint32_t ip, int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = addr4(ip, port);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 8)) {
		close(s);
		return -1;
	}
	return s;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A blocking connect, interrupted after secs: its result and errno. */
static int connect_for(uint32_t ip, int port, int secs, int *err, double *took)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = addr4(ip, port);
	double t0 = now();
	alarm((unsigned)secs);
	int rc = connect(s, (void *)&a, sizeof(a));
	*err = errno;
	alarm(0);
	*took = now() - t0;
	close(s);
	signal(SIGALRM, SIG_DFL);
	return rc;
}

/* ---- routing in a namespace with only lo */

static void no_route(void)
{
	int err;
	double took;

	CHECK(unshare(CLONE_NEWNET) == 0);
	/* lo down: Linux says ENETUNREACH at once */
	int rc = connect_for(0x7f000001, base_port(), 4, &err, &took);
	if (!(rc == -1 && err == ENETUNREACH && took < 2))
		fprintf(stderr, "netns_attack: lo down: connect rc %d errno %s after %.1fs\n",
			rc, errname(err), took);
	CHECK(rc == -1 && err == ENETUNREACH && took < 2);
	CHECK(lo_set_up(true) == 0);
	/* an address no interface here has: no route */
	rc = connect_for(0x0a000202, 80, 4, &err, &took);
	if (!(rc == -1 && err == ENETUNREACH && took < 2))
		fprintf(stderr, "netns_attack: 10.0.2.2: connect rc %d errno %s after %.1fs\n",
			rc, errname(err), took);
	CHECK(rc == -1 && err == ENETUNREACH && took < 2);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = addr4(0xc0000201, 9);
	errno = 0;
	rc = (int)sendto(u, "x", 1, 0, (void *)&a, sizeof(a));
	if (!(rc == -1 && errno == ENETUNREACH))
		fprintf(stderr, "netns_attack: udp to 192.0.2.1: rc %d errno %s\n", rc,
			errname(errno));
	CHECK(rc == -1 && errno == ENETUNREACH);
	close(u);
	/* IPv6: a new namespace here has no ::1; a connect to it must not
	 * wait either (Linux: its lo has ::1) */
	int s6 = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(9),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	double t0 = now();
	alarm(4);
	rc = connect(s6, (void *)&a6, sizeof(a6));
	err = errno;
	alarm(0);
	took = now() - t0;
	if (!(rc == -1 && err != EINTR && took < 2))
		fprintf(stderr, "netns_attack: [::1]:9: connect rc %d errno %s after %.1fs\n", rc,
			errname(err), took);
	CHECK(rc == -1 && err != EINTR && took < 2);
	close(s6);
}

/* ---- crafted packets from a new namespace */

static uint16_t csum(const void *d, size_t n)
{
	const uint8_t *p = d;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* An IPv4 header of 20 bytes for proto, src -> dst (host order). */
static void ip_hdr(uint8_t *h, int proto, uint32_t src, uint32_t dst, size_t total)
{
	memset(h, 0, 20);
	h[0] = 0x45;
	h[2] = (uint8_t)(total >> 8);
	h[3] = (uint8_t)total;
	h[8] = 64;
	h[9] = (uint8_t)proto;
	uint32_t s = htonl(src), d = htonl(dst);
	memcpy(h + 12, &s, 4);
	memcpy(h + 16, &d, 4);
}

static int raw_hdrincl(void)
{
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), one = 1;
	if (r >= 0 && setsockopt(r, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		close(r);
		return -1;
	}
	return r;
}

static int send_udp(int r, uint32_t src, uint32_t dst, int sport, int dport, const char *msg)
{
	uint8_t pkt[128];
	size_t n = strlen(msg), total = 20 + 8 + n;
	ip_hdr(pkt, IPPROTO_UDP, src, dst, total);
	uint8_t *u = pkt + 20;
	u[0] = (uint8_t)(sport >> 8), u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8), u[3] = (uint8_t)dport;
	u[4] = (uint8_t)((8 + n) >> 8), u[5] = (uint8_t)(8 + n);
	u[6] = u[7] = 0;	/* no checksum (IPv4) */
	memcpy(u + 8, msg, n);
	struct sockaddr_in a = addr4(dst, 0);
	return (int)sendto(r, pkt, total, 0, (void *)&a, sizeof(a));
}

static int send_syn(int r, uint32_t src, uint32_t dst, int sport, int dport)
{
	uint8_t pkt[40], ph[12 + 20];
	ip_hdr(pkt, IPPROTO_TCP, src, dst, 40);
	uint8_t *t = pkt + 20;
	memset(t, 0, 20);
	t[0] = (uint8_t)(sport >> 8), t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8), t[3] = (uint8_t)dport;
	t[4] = 0x12, t[5] = 0x34;
	t[12] = 5 << 4;
	t[13] = 0x02;	/* SYN */
	t[14] = 0x20;	/* window */
	uint32_t s = htonl(src), d = htonl(dst);
	memcpy(ph, &s, 4);
	memcpy(ph + 4, &d, 4);
	ph[8] = 0, ph[9] = IPPROTO_TCP, ph[10] = 0, ph[11] = 20;
	memcpy(ph + 12, t, 20);
	uint16_t c = csum(ph, sizeof(ph));
	memcpy(t + 16, &c, 2);
	struct sockaddr_in a = addr4(dst, 0);
	return (int)sendto(r, pkt, 40, 0, (void *)&a, sizeof(a));
}

static void crafted(void)
{
	int port = base_port() + 1;
	int u = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
	setsockopt(u, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	struct sockaddr_in a = addr4(0, port);	/* INADDR_ANY: any interface */
	CHECK(bind(u, (void *)&a, sizeof(a)) == 0);
	int l = tcp_listener(0, port + 1);
	CHECK(l >= 0);
	fcntl(l, F_SETFL, O_NONBLOCK);
	fcntl(u, F_SETFL, O_NONBLOCK);

	CHECK(unshare(CLONE_NEWNET) == 0);
	CHECK(lo_set_up(true) == 0);
	int r = raw_hdrincl();
	CHECK(r >= 0);
	setsockopt(r, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	/* its own UDP socket sees crafted datagrams: the craft works */
	int mine = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in m = addr4(0x7f000001, port + 2);
	CHECK(bind(mine, (void *)&m, sizeof(m)) == 0);
	CHECK(send_udp(r, 0x7f000001, 0x7f000001, 5555, port + 2, "own") > 0);
	struct pollfd p = { .fd = mine, .events = POLLIN };
	CHECK(poll(&p, 1, 2000) == 1);
	/* the initial namespace's: never */
	CHECK(send_udp(r, 0x7f000001, 0x7f000001, 5555, port, "leak1") > 0);
	CHECK(send_udp(r, 0x0a00020f, 0x7f000001, 5555, port, "leak2") > 0);
	CHECK(send_udp(r, 0x7f000001, 0x7fffffff, 5555, port, "leak3") > 0);
	CHECK(send_syn(r, 0x7f000001, 0x7f000001, 5556, port + 1) > 0);
	usleep(500 * 1000);
	char b[64];
	errno = 0;
	ssize_t got = recv(u, b, sizeof(b), MSG_DONTWAIT);
	if (got >= 0)
		fprintf(stderr, "netns_attack: crafted datagram crossed: %.*s\n", (int)got, b);
	CHECK(got == -1 && errno == EAGAIN);
	errno = 0;
	int c = accept(l, NULL, NULL);
	CHECK(c == -1 && errno == EAGAIN);
	close(r);
	close(mine);
}

/* ---- teardown with live TCP state, many times */

static void *blocked_accept(void *arg)
{
	accept(*(int *)arg, NULL, NULL);
	return NULL;
}

static void one_ns(int i)
{
	if (unshare(CLONE_NEWNET) || lo_set_up(true))
		_exit(2);
	int port = 40000 + (i / 1000) * 100 + (i % 8) * 10;	/* ports are shared */
	int l = tcp_listener(0x7f000001, port);
	if (l < 0)
		_exit(3);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = addr4(0x7f000001, port);
	if (connect(c, (void *)&a, sizeof(a)))
		_exit(4);
	int s = accept(l, NULL, NULL);
	if (s < 0)
		_exit(5);
	char b[100] = { 0 };
	write(c, b, sizeof(b));
	write(s, b, sizeof(b));
	read(s, b, sizeof(b));
	switch (i % 4) {
	case 0:		/* the client closes first: TIME_WAIT, the server's FIN pending */
		close(c);
		usleep(20 * 1000);
		close(s);
		break;
	case 1:		/* unread data: a reset; the server half-open */
		close(c);
		break;
	case 2: {	/* a thread blocked in accept when the process dies */
		pthread_t t;
		pthread_create(&t, NULL, blocked_accept, &l);
		usleep(20 * 1000);
		break;
	}
	case 3: {	/* a connect pending (SYN_SENT) when the process dies */
		int x = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		struct sockaddr_in far = addr4(0x0a000202, 80);
		connect(x, (void *)&far, sizeof(far));
		break;
	}
	}
	_exit(0);
}

static void churn_live(void)
{
	int port = base_port() + 5;
	int l = tcp_listener(0x7f000001, port);
	CHECK(l >= 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = addr4(0x7f000001, port);
	CHECK(connect(c, (void *)&a, sizeof(a)) == 0);
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	int bad = 0;
	for (int i = 0; i < 220; i++) {
		pid_t pid = fork();
		if (pid == 0)
			one_ns(i);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			if (!bad++)
				fprintf(stderr, "netns_attack: round %d: status %#x\n", i, st);
		}
	}
	CHECK(bad == 0);
	/* the initial namespace's 127.0.0.1 connection is still there */
	CHECK(write(c, "alive", 5) == 5);
	char b[8];
	struct pollfd p = { .fd = s, .events = POLLIN };
	CHECK(poll(&p, 1, 2000) == 1 && read(s, b, sizeof(b)) == 5);
	/* and the limit is not leaked: 200 at once still fit */
	int fds[200], n = 0;
	for (; n < 200; n++) {
		if (unshare(CLONE_NEWNET))
			break;
		fds[n] = open("/proc/self/ns/net", O_RDONLY);
	}
	if (n != 200)
		fprintf(stderr, "netns_attack: only %d namespaces after churn (%s)\n", n,
			errname(errno));
	CHECK(n == 200);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* ---- at once on every CPU: namespaces made and dropped with traffic in
 * them, setns back and forth with sockets made on each side, while the
 * initial namespace's 127.0.0.1 traffic goes on */

static void churner(int k)
{
	int bad = 0;
	for (int i = 0; i < 40; i++) {
		pid_t pid = fork();
		if (pid == 0)
			one_ns(k * 1000 + i);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			if (!bad++)
				fprintf(stderr, "netns_attack: churner %d round %d: status %#x\n", k, i, st);
		}
	}
	_exit(bad ? 1 : 0);
}

static void setns_flipper(int port)
{
	int home = open("/proc/self/ns/net", O_RDONLY);
	if (unshare(CLONE_NEWNET) || lo_set_up(true))
		_exit(2);
	int away = open("/proc/self/ns/net", O_RDONLY);
	int l = tcp_listener(0x7f000001, port + 1);	/* the new namespace's */
	if (setns(home, CLONE_NEWNET))
		_exit(3);
	int hl = tcp_listener(0x7f000001, port + 2);	/* its own in the initial one */
	for (int i = 0; i < 200; i++) {
		if (setns(i & 1 ? away : home, CLONE_NEWNET))
			_exit(3);
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		struct sockaddr_in a = addr4(0x7f000001, i & 1 ? port + 1 : port + 2);
		connect(c, (void *)&a, sizeof(a));
		close(c);
	}
	close(l);
	close(hl);
	_exit(0);
}

static void smp_churn(void)
{
	int port = base_port() + 9;
	int l = tcp_listener(0x7f000001, port);
	CHECK(l >= 0);
	pid_t kids[5];
	for (int k = 0; k < 4; k++)
		if ((kids[k] = fork()) == 0)
			churner(k + 1);
	if ((kids[4] = fork()) == 0)
		setns_flipper(port);
	/* meanwhile: the initial namespace's own loopback traffic */
	fcntl(l, F_SETFL, O_NONBLOCK);
	int ok = 0, nonblock = 0;
	for (int i = 0; i < 100; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = addr4(0x7f000001, port);
		if (connect(c, (void *)&a, sizeof(a)) == 0) {
			int s;
			for (int t = 0; t < 2000 && (s = accept(l, NULL, NULL)) < 0; t++)
				usleep(1000);
			char b[4];
			struct pollfd p = { .fd = s, .events = POLLIN };
			if (s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK))
				nonblock++;	/* Linux: accept takes no flags from the listener */
			if (s >= 0 && write(c, "ping", 4) == 4 && poll(&p, 1, 2000) == 1 &&
			    read(s, b, 4) == 4)
				ok++;
			if (s >= 0)
				close(s);
		}
		close(c);
	}
	if (ok != 100 || nonblock)
		fprintf(stderr, "netns_attack: %d of 100 initial-namespace connections worked, "
			"%d accepted sockets O_NONBLOCK\n", ok, nonblock);
	CHECK(ok == 100);
	for (int k = 0; k < 5; k++) {
		int st;
		CHECK(waitpid(kids[k], &st, 0) == kids[k] && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

/* ---- uid_map: a valid map longer than 255 bytes */

static void long_map(void)
{
	char m[512];
	size_t o = 0;
	for (int i = 0; i < 11; i++)
		o += (size_t)snprintf(m + o, sizeof(m) - o, "%10u %10u %10u\n", (unsigned)i, (unsigned)i, 1u);
	CHECK(o > 255);
	/* written from the parent namespace, as newuidmap or a privileged
	 * parent does */
	int go[2], done[2];
	CHECK(pipe(go) == 0 && pipe(done) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		if (unshare(CLONE_NEWUSER))
			_exit(1);
		write(go[1], "u", 1);
		read(done[0], &c, 1);
		_exit(0);
	}
	char c, path[64];
	CHECK(read(go[0], &c, 1) == 1);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	int f = open(path, O_WRONLY);
	CHECK(f >= 0);
	errno = 0;
	ssize_t w = write(f, m, o);
	if (w != (ssize_t)o)
		fprintf(stderr, "netns_attack: %zu-byte uid_map: %zd %s\n", o, w, errname(errno));
	CHECK(w == (ssize_t)o);
	close(f);
	/* a process in a sibling user namespace may not write it */
	pid_t sib = fork();
	if (sib == 0) {
		failures = 0;
		char p2[64];
		snprintf(p2, sizeof(p2), "/proc/%d/gid_map", (int)pid);
		CHECK(unshare(CLONE_NEWUSER) == 0);
		int g = open(p2, O_WRONLY);
		errno = 0;
		CHECK(g < 0 || (write(g, "0 0 1\n", 6) == -1 && errno == EPERM));
		_exit(failures ? 1 : 0);
	}
	int st;
	CHECK(waitpid(sib, &st, 0) == sib && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	write(done[1], "d", 1);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	in_child(no_route, 30);
	in_child(crafted, 30);
	in_child(churn_live, 240);
	in_child(smp_churn, 120);
	in_child(long_map, 10);
	return check_done();
}
