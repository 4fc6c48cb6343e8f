/*
 * AF_PACKET sockets on the loopback from the attacker's side: CAP_NET_RAW,
 * bind's checks, ETH_P_ALL seeing each packet going out and coming in,
 * a protocol socket (SOCK_DGRAM, no link header) seeing it once, a raw
 * frame sent on lo reaching a UDP socket, bad sends (short, huge, no
 * interface), a flood into a small receive buffer (bounded), options.
 */
#define TEST_NAME "packet"
#include "check.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

struct sockaddr_ll_t {
	unsigned short sll_family, sll_protocol;
	int sll_ifindex;
	unsigned short sll_hatype;
	unsigned char sll_pkttype, sll_halen, sll_addr[8];
};
#define ETH_P_ALL 0x0003
#define ETH_P_IP 0x0800
#define SOL_PACKET 263
#define PACKET_RX_RING 5
#define PACKET_VERSION 10
#define PACKET_OUTGOING 4
#define PACKET_HOST 0

static unsigned short csum(const void *p, int n)
{
	const unsigned short *w = p;
	unsigned long s = 0;
	for (; n > 1; n -= 2)
		s += *w++;
	if (n)
		s += *(const unsigned char *)w;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned short)~s;
}

static int lo_bind(int fd, int proto)
{
	struct sockaddr_ll_t a = { .sll_family = AF_PACKET, .sll_protocol = htons(proto),
				   .sll_ifindex = 1 };
	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

/* The next frame on fd of ethertype IPv4 carrying UDP to port; its pkttype or -1. */
static int next_udp(int fd, int port, bool raw, int *len)
{
	unsigned char buf[2048];
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_ll_t from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return -1;
		unsigned char *ip = raw ? buf + 14 : buf;
		if (raw && (buf[12] != 0x08 || buf[13] != 0x00))
			continue;
		if (ip[9] != 17 || ((ip[22] << 8) | ip[23]) != port)
			continue;
		CHECK(from.sll_ifindex == 1 && from.sll_family == AF_PACKET &&
		      from.sll_protocol == htons(ETH_P_IP));
		*len = (int)n;
		return from.sll_pkttype;
	}
	return -1;
}

static volatile int stop;

/* Floods lo while the main thread makes and closes listening sockets. */
static void *flood(void *arg)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(40999),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	(void)arg;
	while (!stop)
		sendto(u, "churn", 5, 0, (struct sockaddr *)&to, sizeof(to));
	close(u);
	return NULL;
}

static void churn(void)
{
	pthread_t t;
	long before = meminfo("KernelHeap");
	stop = 0;
	pthread_create(&t, NULL, flood, NULL);
	for (int i = 0; i < 300; i++) {
		int a = socket(AF_PACKET, i % 2 ? SOCK_RAW : SOCK_DGRAM, htons(i % 3 ? ETH_P_ALL : ETH_P_IP));
		CHECK(a >= 0);
		if (i % 5 == 0)
			lo_bind(a, ETH_P_ALL);
		char b[64];
		recv(a, b, sizeof(b), MSG_DONTWAIT);
		close(a);	/* often with frames queued */
	}
	stop = 1;
	pthread_join(t, NULL);
	long after = meminfo("KernelHeap");
	/* (the heap may grow by caches: bounded, not per socket) */
	CHECK(before < 0 || after - before < 4 << 20);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("packet: not root, skipped\n");
		return 0;
	}
	int all = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	int ipd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	CHECK(all >= 0 && ipd >= 0);
	CHECK(socket(AF_PACKET, SOCK_STREAM, 0) < 0 && errno == ESOCKTNOSUPPORT);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534))
			_exit(2);
		_exit(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) < 0 && errno == EPERM ? 0 : 1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct sockaddr_ll_t bad = { .sll_family = AF_PACKET, .sll_ifindex = 99 };
	CHECK(bind(all, (struct sockaddr *)&bad, sizeof(bad)) < 0 && errno == ENODEV);
	CHECK(bind(all, (struct sockaddr *)&bad, 8) < 0 && errno == EINVAL);
	bad.sll_family = AF_INET;
	bad.sll_ifindex = 1;
	CHECK(bind(all, (struct sockaddr *)&bad, sizeof(bad)) < 0 && errno == EINVAL);
	CHECK(lo_bind(all, ETH_P_ALL) == 0);
	CHECK(lo_bind(ipd, ETH_P_IP) == 0);
	struct sockaddr_ll_t me;
	socklen_t ml = sizeof(me);
	CHECK(getsockname(all, (struct sockaddr *)&me, &ml) == 0 && me.sll_ifindex == 1 &&
	      me.sll_protocol == htons(ETH_P_ALL) && ml == 18);

	/* a UDP datagram on lo: ETH_P_ALL sees it out and in, ETH_P_IP in only */
	int u = socket(AF_INET, SOCK_DGRAM, 0), r = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(40123),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CHECK(bind(r, (struct sockaddr *)&to, sizeof(to)) == 0);
	CHECK(sendto(u, "payload!", 8, 0, (struct sockaddr *)&to, sizeof(to)) == 8);
	int len1 = 0, len2 = 0;
	int t1 = next_udp(all, 40123, true, &len1), t2 = next_udp(all, 40123, true, &len2);
	CHECK(t1 == PACKET_OUTGOING && t2 == PACKET_HOST && len1 == 14 + 20 + 8 + 8 && len2 == len1);
	CHECK(next_udp(ipd, 40123, false, &len1) == PACKET_HOST && len1 == 20 + 8 + 8);
	CHECK(next_udp(ipd, 40123, false, &len1) == -1);
	char got[64];
	CHECK(recv(r, got, sizeof(got), MSG_DONTWAIT) == 8);

	/* a raw frame on lo: into the stack, to the UDP socket */
	unsigned char f[14 + 20 + 8 + 5] = { 0 };
	f[12] = 0x08;
	unsigned char *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 5;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 127; ip[15] = 1;
	ip[16] = 127; ip[19] = 1;
	unsigned short c = csum(ip, 20);
	memcpy(ip + 10, &c, 2);
	ip[20] = 0x30; ip[21] = 0x39;		/* from port 12345 */
	ip[22] = 40123 >> 8; ip[23] = 40123 & 0xff;
	ip[25] = 8 + 5;				/* checksum 0: none (IPv4) */
	memcpy(ip + 28, "hello", 5);
	CHECK(send(all, f, sizeof(f), 0) == sizeof(f));
	/* it comes back in on lo: the ETH_P_IP socket sees it */
	struct pollfd pf = { ipd, POLLIN, 0 };
	CHECK(poll(&pf, 1, 2000) == 1);	/* Linux delivers it a little later */
	CHECK(next_udp(ipd, 40123, false, &len1) == PACKET_HOST && len1 == 20 + 8 + 5);
	while (recv(r, got, sizeof(got), MSG_DONTWAIT) > 0)
		;	/* (Linux's UDP takes it or not: its own business) */
	/* MSG_TRUNC gives the frame's length; MSG_PEEK leaves it */
	while (recv(all, got, sizeof(got), MSG_DONTWAIT) > 0)
		;
	CHECK(sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1);
	CHECK(recv(all, got, 4, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT) == 14 + 20 + 8 + 1);
	CHECK(recv(all, got, 4, MSG_DONTWAIT) == 4);

	/* bad sends */
	CHECK(send(all, f, 10, 0) < 0 && errno == EINVAL);
	static char huge[70000];
	CHECK(send(all, huge, sizeof(huge), 0) < 0 && errno == EMSGSIZE);
	CHECK(send(all, (void *)8, 60, 0) < 0 && errno == EFAULT);
	int unb = socket(AF_PACKET, SOCK_RAW, 0);
	CHECK(send(unb, f, sizeof(f), 0) < 0 && errno == ENXIO);
	struct sockaddr_ll_t sh = { .sll_family = AF_PACKET, .sll_ifindex = 1, .sll_halen = 6 };
	CHECK(sendto(unb, f, sizeof(f), 0, (struct sockaddr *)&sh, 8) < 0 && errno == EINVAL);
	/* protocol 0: nothing received */
	CHECK(recv(unb, got, sizeof(got), MSG_DONTWAIT) < 0 && errno == EAGAIN);

	/* a flood into a small buffer: drops, bounded */
	int small = 1000;
	CHECK(setsockopt(ipd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	for (int i = 0; i < 3000; i++)
		sendto(u, "flood", 5, 0, (struct sockaddr *)&to, sizeof(to));
	int n = 0;
	while (recv(ipd, got, sizeof(got), MSG_DONTWAIT) > 0)
		n++;
	CHECK(n > 0 && n < 40);
	while (recv(r, got, sizeof(got), MSG_DONTWAIT) > 0)
		;

	/* options */
	int v = 2;
	CHECK(setsockopt(all, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) == 0);
	v = 7;
	CHECK(setsockopt(all, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 && errno == EINVAL);
	socklen_t vl = sizeof(v);
	CHECK(getsockopt(all, SOL_PACKET, PACKET_VERSION, &v, &vl) == 0 && v == 2);

	churn();
	close(unb);
	close(all);	/* with frames queued */
	close(ipd);
	close(u);
	close(r);
	return check_done();
}
