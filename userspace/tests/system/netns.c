#define _GNU_SOURCE
/*
 * netns: network namespaces (docs/namespaces.md, docs/net.md) from a
 * hostile caller's side:
 *  - unshare(CLONE_NEWNET): a new /proc/self/ns/net; only "lo" there,
 *    down, index 1 (SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFCONF); eth0 and the
 *    initial lo's state are not seen; bringing it up there leaves the
 *    initial one alone;
 *  - isolation on 127.0.0.1: a TCP connect and a UDP send from the new
 *    namespace never reach the initial namespace's listener and bound
 *    socket, and the other way round; inside each, loopback works;
 *  - a socket keeps the namespace it was made in: setns back and forth,
 *    sockets made after each setns are where the caller is then;
 *  - /proc/sys/net/ipv4/conf/lo/tag is per namespace, a new one from 0;
 *  - /proc/net/udp shows the reader's namespace's sockets; packet sockets
 *    see their namespace's interfaces' frames only;
 *  - a namespace dying while its socket is blocked in recv (the process
 *    killed), and one kept alive only by an open ns file, then joined;
 *  - churn: 300 namespaces made and dropped, memory back; 200 alive at
 *    once at most (ENOSPC), all back when their ns files close;
 *  - uid_map: an identity map once (EPERM the second time), a map that
 *    is not the identity EPERM.
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "netns"
#include "check.h"

/* musl has no <linux/if_packet.h> */
struct sockaddr_ll {
	unsigned short sll_family, sll_protocol;
	int sll_ifindex;
	unsigned short sll_hatype;
	unsigned char sll_pkttype, sll_halen, sll_addr[8];
};
#define ETH_P_ALL 0x0003

static void in_child(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(failures ? 1 : 0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		failures++;
}

static unsigned long long ino_of(const char *p)
{
	struct stat st;
	return stat(p, &st) ? 0 : (unsigned long long)st.st_ino;
}

static struct sockaddr_in lo_addr(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int lo_flags(void)
{
	struct ifreq r;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	int rc = ioctl(s, SIOCGIFFLAGS, &r);
	close(s);
	return rc ? -1 : r.ifr_flags;
}

static int lo_set_up(bool up)
{
	struct ifreq r;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	r.ifr_flags = up ? IFF_UP : 0;
	int rc = ioctl(s, SIOCSIFFLAGS, &r);
	close(s);
	return rc;
}

static int tcp_listener(int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = lo_addr(port);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 8)) {
		close(s);
		return -1;
	}
	return s;
}

static int udp_bound(int port)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo_addr(port);
	if (bind(s, (void *)&a, sizeof(a))) {
		close(s);
		return -1;
	}
	return s;
}

/* 1 connected, 0 not within ms (refused or no answer). */
static int tcp_reaches(int port, int ms)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = lo_addr(port);
	int rc = connect(s, (void *)&a, sizeof(a));
	if (rc && errno == EINPROGRESS) {
		struct pollfd p = { .fd = s, .events = POLLOUT };
		int err = -1;
		socklen_t l = sizeof(err);
		if (poll(&p, 1, ms) == 1)
			getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l);
		rc = err ? -1 : 0;
	}
	close(s);
	return rc == 0;
}

static void udp_send(int port, const char *msg)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo_addr(port);
	sendto(s, msg, strlen(msg), 0, (void *)&a, sizeof(a));
	close(s);
}

/* Bytes a datagram had within ms, or -1. */
static int udp_got(int s, int ms)
{
	char b[64];
	struct pollfd p = { .fd = s, .events = POLLIN };
	if (poll(&p, 1, ms) != 1)
		return -1;
	return (int)recv(s, b, sizeof(b), MSG_DONTWAIT);
}

static int base_port(void)
{
	return 20000 + (getpid() % 2000) * 10;
}

/* A packet socket on interface index idx (0: all), non-blocking. */
static int pkt_sock(int idx)
{
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = idx };
	if (s >= 0 && bind(s, (void *)&a, sizeof(a))) {
		close(s);
		return -1;
	}
	return s;
}

/* Whether a frame holding word came to s within ms. */
static bool pkt_saw(int s, const char *word, int ms)
{
	char b[2048];
	struct pollfd p = { .fd = s, .events = POLLIN };
	while (poll(&p, 1, ms) == 1) {
		ssize_t n = recv(s, b, sizeof(b), MSG_DONTWAIT);
		if (n <= 0)
			break;
		if (memmem(b, (size_t)n, word, strlen(word)))
			return true;
	}
	return false;
}

/* Packet sockets see their own namespace's interfaces only. */
static void packets(void)
{
	int port = base_port() + 7;
	int outer = pkt_sock(0);	/* every interface of the initial namespace */
	CHECK(outer >= 0);
	CHECK(unshare(CLONE_NEWNET) == 0);
	CHECK(lo_set_up(true) == 0);
	int inner = pkt_sock(1), u = udp_bound(port);
	CHECK(inner >= 0 && u >= 0);
	udp_send(port, "netns-secret");
	CHECK(udp_got(u, 2000) == 12);
	CHECK(pkt_saw(inner, "netns-secret", 1000));
	CHECK(!pkt_saw(outer, "netns-secret", 300));
	struct sockaddr_ll ll;
	socklen_t l = sizeof(ll);
	CHECK(getsockname(inner, (void *)&ll, &l) == 0 && ll.sll_ifindex == 1);
	/* index 2 is the initial namespace's eth0: not here */
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = 2 };
	int x = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	errno = 0;
	CHECK(bind(x, (void *)&a, sizeof(a)) == -1 && errno == ENODEV);
	close(x);
	close(inner);
	close(outer);
	close(u);
}

/* ---- what a new namespace has */

static void interfaces(void)
{
	unsigned long long before = ino_of("/proc/self/ns/net");
	int init_flags = lo_flags();

	CHECK(unshare(CLONE_NEWNET) == 0);
	CHECK(ino_of("/proc/self/ns/net") != before);
	CHECK(lo_flags() >= 0 && !(lo_flags() & IFF_UP));
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	CHECK(ioctl(s, SIOCGIFINDEX, &r) == 0 && r.ifr_ifindex == 1);
	strcpy(r.ifr_name, "eth0");
	errno = 0;
	CHECK(ioctl(s, SIOCGIFINDEX, &r) == -1 && errno == ENODEV);
	memset(&r, 0, sizeof(r));
	r.ifr_ifindex = 2;
	errno = 0;
	CHECK(ioctl(s, SIOCGIFNAME, &r) == -1 && errno == ENODEV);
	r.ifr_ifindex = 1;
	CHECK(ioctl(s, SIOCGIFNAME, &r) == 0 && !strcmp(r.ifr_name, "lo"));
	struct ifreq rs[8];
	struct ifconf c = { .ifc_len = sizeof(rs), .ifc_req = rs };
	CHECK(ioctl(s, SIOCGIFCONF, &c) == 0 && c.ifc_len == (int)sizeof(struct ifreq) &&
	      !strcmp(rs[0].ifr_name, "lo"));
	/* an address change would be lwIP's whole 127.0.0.1: refused */
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	struct sockaddr_in *sin = (void *)&r.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000002);
	CHECK(ioctl(s, SIOCSIFADDR, &r) == -1);
	close(s);
	/* down: no loopback yet */
	CHECK(!tcp_reaches(base_port() + 9, 300));
	CHECK(lo_set_up(true) == 0);
	CHECK(lo_flags() & IFF_UP);
	CHECK(lo_set_up(false) == 0);
	CHECK(!(lo_flags() & IFF_UP));
	CHECK(init_flags > 0 && (init_flags & IFF_UP));
}

/* ---- no packet crosses */

static void isolation(void)
{
	int port = base_port();
	int init_parent = open("/proc/self/ns/net", O_RDONLY);
	int l = tcp_listener(port), u = udp_bound(port + 1);
	CHECK(l >= 0 && u >= 0);
	fcntl(l, F_SETFL, O_NONBLOCK);
	CHECK(tcp_reaches(port, 2000));		/* the initial namespace reaches it */
	int a = accept(l, NULL, NULL);
	CHECK(a >= 0);
	close(a);

	CHECK(unshare(CLONE_NEWNET) == 0);
	CHECK(lo_set_up(true) == 0);
	int child_ns = open("/proc/self/ns/net", O_RDONLY);
	/* from the new namespace: nothing reaches the initial one's; a
	 * connect is refused as if nobody listened */
	CHECK(!tcp_reaches(port, 500));
	int b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in ba = lo_addr(port);
	errno = 0;
	CHECK(connect(b, (void *)&ba, sizeof(ba)) == -1 && errno == ECONNREFUSED);
	close(b);
	errno = 0;
	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN);
	udp_send(port + 1, "leak");
	CHECK(udp_got(u, 300) < 0);
	/* its own listener and socket (other ports: the port space is shared) */
	int cl = tcp_listener(port + 2), cu = udp_bound(port + 3);
	CHECK(cl >= 0 && cu >= 0);
	CHECK(tcp_reaches(port + 2, 2000));
	udp_send(port + 3, "mine");
	CHECK(udp_got(cu, 2000) == 4);
	/* the initial namespace's sockets made before still work there:
	 * setns back, and nothing reaches the new one's */
	CHECK(setns(init_parent, CLONE_NEWNET) == 0);
	CHECK(!tcp_reaches(port + 2, 500));
	udp_send(port + 3, "leak");
	CHECK(udp_got(cu, 300) < 0);
	CHECK(tcp_reaches(port, 2000));
	udp_send(port + 1, "home");
	CHECK(udp_got(u, 2000) == 4);
	/* and into the new one again */
	CHECK(setns(child_ns, CLONE_NEWNET) == 0);
	CHECK(tcp_reaches(port + 2, 2000));
	CHECK(!tcp_reaches(port, 500));
	/* /proc/net/udp: the reader's namespace's */
	char line[256], want[16];
	snprintf(want, sizeof(want), ":%04X ", port + 3);
	bool seen_own = false, seen_other = false;
	char other[16];
	snprintf(other, sizeof(other), ":%04X ", port + 1);
	FILE *f = fopen("/proc/net/udp", "r");
	while (f && fgets(line, sizeof(line), f)) {
		seen_own |= strstr(line, want) != NULL;
		seen_other |= strstr(line, other) != NULL;
	}
	if (f)
		fclose(f);
	CHECK(seen_own && !seen_other);
	close(l);
	close(u);
	close(cl);
	close(cu);
	close(child_ns);
	close(init_parent);
}

/* The initial namespace's listener is not reached from a child made
 * with clone(CLONE_NEWNET), nor the child's from here. */
static void clone_newnet(void)
{
	int port = base_port() + 4;
	int p[2], q[2];
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		char c;
		lo_set_up(true);
		int cl = tcp_listener(port), cu = udp_bound(port + 1);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		if (read(q[0], &c, 1) != 1)	/* the parent tried */
			_exit(3);
		int a = -1;
		fcntl(cl, F_SETFL, O_NONBLOCK);
		a = accept(cl, NULL, NULL);
		_exit(cl < 0 || cu < 0 ? 4 : a >= 0 ? 5 : udp_got(cu, 100) >= 0 ? 6 : 0);
	}
	char c;
	CHECK(read(p[0], &c, 1) == 1);
	CHECK(!tcp_reaches(port, 500));
	udp_send(port + 1, "leak");
	CHECK(write(q[1], "t", 1) == 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

/* ---- /proc/sys/net per namespace (LTP clone09's question) */

static long read_long(const char *path)
{
	char b[32] = "";
	int fd = open(path, O_RDONLY);
	long n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;
	if (fd >= 0)
		close(fd);
	return n > 0 ? atol(b) : -99;
}

static void sysctl_tag(void)
{
	const char *lo = "/proc/sys/net/ipv4/conf/lo/tag";
	long old = read_long(lo);
	CHECK(old != -99);
	CHECK(write_str(lo, "5") == 0 && read_long(lo) == 5);
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET))
			_exit(2);
		if (read_long(lo) != 0 || read_long("/proc/sys/net/ipv4/conf/default/tag") != 0)
			_exit(3);
		_exit(write_str(lo, "7") || read_long(lo) != 7 ? 4 : 0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(read_long(lo) == 5);
	char b[32];
	snprintf(b, sizeof(b), "%ld", old);
	CHECK(write_str(lo, b) == 0);
}

/* ---- dying namespaces */

static void dying(void)
{
	int port = base_port() + 6;
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) || lo_set_up(true))
			_exit(2);
		int u = udp_bound(port);
		char b[8];
		if (write(p[1], "r", 1) != 1)
			_exit(3);
		recv(u, b, sizeof(b), 0);	/* blocked until killed */
		_exit(4);
	}
	char c;
	CHECK(read(p[0], &c, 1) == 1);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	int keep = open(path, O_RDONLY);	/* keeps it after the process */
	CHECK(keep >= 0);
	usleep(100000);
	CHECK(kill(pid, SIGKILL) == 0);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
	/* the socket went; its namespace lives on in the open file: join it */
	pid = fork();
	if (pid == 0) {
		if (setns(keep, CLONE_NEWNET))
			_exit(2);
		if (!(lo_flags() & IFF_UP))
			_exit(3);
		int u = udp_bound(port);	/* the port is free again */
		if (u < 0)
			_exit(4);
		udp_send(port, "hi");
		_exit(udp_got(u, 2000) == 2 ? 0 : 5);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(keep);
	close(p[0]);
	close(p[1]);
}

/* A thread blocked in recv on a socket of a namespace nobody else names:
 * its timeout ends it, then the socket closes and the namespace goes. */
static void *blocked_recv(void *arg)
{
	int s = *(int *)arg;
	char b[8];
	struct timeval tv = { .tv_sec = 0, .tv_usec = 300000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	long n = recv(s, b, sizeof(b), 0);
	return (void *)(n == -1 && errno == EAGAIN ? 0L : 1L);
}

static void socket_outlives(void)
{
	int home = open("/proc/self/ns/net", O_RDONLY);
	CHECK(unshare(CLONE_NEWNET) == 0);
	CHECK(lo_set_up(true) == 0);
	int s = udp_bound(base_port() + 8);
	CHECK(s >= 0);
	CHECK(setns(home, CLONE_NEWNET) == 0);	/* only s names it now */
	pthread_t t;
	void *rv = (void *)1L;
	CHECK(pthread_create(&t, NULL, blocked_recv, &s) == 0);
	/* s is the new namespace's still: a send from here does not reach it */
	udp_send(base_port() + 8, "x");
	CHECK(pthread_join(t, &rv) == 0 && rv == NULL);
	close(s);
	close(home);
}

static void churn(void)
{
	long long before = meminfo("MemFree");
	for (int i = 0; i < 300; i++) {
		if (unshare(CLONE_NEWNET)) {
			CHECK(!"unshare");
			break;
		}
		lo_set_up(true);
		int t = tcp_listener(base_port() + 9);
		if (t >= 0 && i % 3 == 0) {	/* a connection left in TIME_WAIT */
			int c = socket(AF_INET, SOCK_STREAM, 0);
			struct sockaddr_in a = lo_addr(base_port() + 9);
			if (!connect(c, (void *)&a, sizeof(a))) {
				int x = accept(t, NULL, NULL);
				close(c);
				close(x);
			} else {
				close(c);
			}
		}
		close(t);
	}
	usleep(300000);		/* netd tears the last ones down */
	long long after = meminfo("MemFree");
	CHECK(before > 0 && after > 0 && before - after < 4 * 1024 * 1024);
	if (before - after >= 4 * 1024 * 1024)
		fprintf(stderr, "netns: churn kept %lld bytes\n", before - after);
}

/* Namespaces kept alive by open ns files: at most 200 besides the
 * initial one (ENOSPC), all back once the files close. */
static void limit(void)
{
	static int fds[260];
	int n = 0, err = 0;
	while (n < 260) {
		if (unshare(CLONE_NEWNET)) {
			err = errno;
			break;
		}
		if ((fds[n] = open("/proc/self/ns/net", O_RDONLY)) < 0)
			break;
		n++;
	}
	CHECK(n == 200 && err == ENOSPC);
	if (n != 200)
		fprintf(stderr, "netns: %d namespaces, then errno %d\n", n, err);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	CHECK(unshare(CLONE_NEWNET) == 0);	/* the closed ones are reaped first */
}

/* ---- uid_map, as tst_setup_netns writes it */

static void idmap(void)
{
	char b[64];
	snprintf(b, sizeof(b), "0 %d 1", (int)getuid());
	CHECK(unshare(CLONE_NEWUSER) == 0);
	CHECK(write_str("/proc/self/setgroups", "deny") == 0);
	CHECK(write_str("/proc/self/uid_map", b) == 0);
	errno = 0;
	CHECK(write_str("/proc/self/uid_map", b) == -1 && errno == EPERM);
	snprintf(b, sizeof(b), "0 %d 1", (int)getgid());
	CHECK(write_str("/proc/self/gid_map", b) == 0);
	errno = 0;
	CHECK(write_str("/proc/self/setgroups", "allow") == -1 && errno == EPERM);
	CHECK(unshare(CLONE_NEWNET) == 0);	/* the rest of tst_setup_netns */
	CHECK(unshare(CLONE_NEWUSER) == 0);
	errno = 0;
	CHECK(write_str("/proc/self/uid_map", "0 1000 1") == -1 && errno == EPERM);
	errno = 0;
	CHECK(write_str("/proc/self/gid_map", "junk") == -1 && errno == EINVAL);
}

int main(void)
{
	in_child(interfaces);
	in_child(isolation);
	in_child(clone_newnet);
	in_child(packets);
	in_child(sysctl_tag);
	in_child(dying);
	in_child(socket_outlives);
	in_child(churn);
	in_child(limit);
	in_child(idmap);
	return check_done();
}
