/*
 * NETLINK_ROUTE notifications from the listener's and the attacker's
 * side: a socket bound with nl_groups and one that joined with
 * NETLINK_ADD_MEMBERSHIP see RTM_NEWLINK when lo goes down and up or
 * changes its MTU, RTM_DELADDR/RTM_NEWADDR when its address changes,
 * from port 0 with the group in the source address; a group not joined
 * sees nothing; a listener that never reads loses messages (ENOBUFS once,
 * a bounded queue) while the changes never wait for it; NETLINK_NO_ENOBUFS;
 * DROP_MEMBERSHIP; closing with messages queued.
 */
#define TEST_NAME "netlink_mcast"
#include "check.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

/* musl has no kernel headers: the uapi layouts used here */
struct sockaddr_nl { unsigned short nl_family, nl_pad; unsigned nl_pid, nl_groups; };
struct nlmsghdr { unsigned nlmsg_len; unsigned short nlmsg_type, nlmsg_flags; unsigned nlmsg_seq, nlmsg_pid; };
struct ifinfomsg { unsigned char ifi_family, pad; unsigned short ifi_type; int ifi_index; unsigned ifi_flags, ifi_change; };
struct ifaddrmsg { unsigned char ifa_family, ifa_prefixlen, ifa_flags, ifa_scope; unsigned ifa_index; };
struct rtattr { unsigned short rta_len, rta_type; };
#define NETLINK_ROUTE 0
#define SOL_NETLINK 270
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_NO_ENOBUFS 5
#define RTM_NEWLINK 16
#define RTM_NEWADDR 20
#define RTM_DELADDR 21
#define RTNLGRP_LINK 1
#define RTNLGRP_IPV4_IFADDR 5
#define RTNLGRP_IPV4_ROUTE 7
#define RTMGRP_LINK 1
#define RTMGRP_IPV4_IFADDR 0x10
#define RTMGRP_IPV4_ROUTE 0x40
#define IFA_LOCAL 2

static int listener(unsigned groups)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_groups = groups };
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	return fd;
}

static int join(int fd, int group, int opt)
{
	return setsockopt(fd, SOL_NETLINK, opt, &group, sizeof(group));
}

/* The next notification on fd within ms: its type, and a copy; 0 if none. */
static int next_msg(int fd, int ms, char *buf, size_t cap, struct sockaddr_nl *from)
{
	struct pollfd p = { fd, POLLIN, 0 };
	if (poll(&p, 1, ms) != 1)
		return 0;
	socklen_t fl = sizeof(*from);
	ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)from, &fl);
	if (n < (ssize_t)sizeof(struct nlmsghdr))
		return n < 0 ? -errno : 0;
	return ((struct nlmsghdr *)buf)->nlmsg_type;
}

static void drain(int fd)
{
	char buf[4096];
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
}

static int lo_ioctl(unsigned long cmd, struct ifreq *r)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	strcpy(r->ifr_name, "lo");
	int rc = ioctl(s, cmd, r);
	close(s);
	return rc;
}

static void set_lo_addr(const char *ip)
{
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	struct sockaddr_in *sin = (void *)&r.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr(ip);
	CHECK(lo_ioctl(SIOCSIFADDR, &r) == 0);
}

static void set_lo_up(int up)
{
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	CHECK(lo_ioctl(SIOCGIFFLAGS, &r) == 0);
	r.ifr_flags = up ? r.ifr_flags | IFF_UP : r.ifr_flags & ~IFF_UP;
	CHECK(lo_ioctl(SIOCSIFFLAGS, &r) == 0);
}

static void set_lo_mtu(int mtu)
{
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	r.ifr_mtu = mtu;
	CHECK(lo_ioctl(SIOCSIFMTU, &r) == 0);
}

static void link_events(void)
{
	int all = listener(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE);
	int lk = listener(0), ad = listener(0);
	CHECK(join(lk, RTNLGRP_LINK, NETLINK_ADD_MEMBERSHIP) == 0);
	CHECK(join(ad, RTNLGRP_IPV4_IFADDR, NETLINK_ADD_MEMBERSHIP) == 0);
	CHECK(join(ad, 0, NETLINK_ADD_MEMBERSHIP) < 0 && errno == EINVAL);
	char buf[4096];
	struct sockaddr_nl from;

	set_lo_up(0);
	CHECK(next_msg(all, 1000, buf, sizeof(buf), &from) == RTM_NEWLINK);
	struct ifinfomsg *m = (void *)(buf + sizeof(struct nlmsghdr));
	CHECK(m->ifi_index == 1 && !(m->ifi_flags & IFF_UP));
	CHECK(from.nl_pid == 0 && from.nl_groups == RTMGRP_LINK);
	CHECK(((struct nlmsghdr *)buf)->nlmsg_pid == 0 && ((struct nlmsghdr *)buf)->nlmsg_seq == 0);
	CHECK(next_msg(lk, 1000, buf, sizeof(buf), &from) == RTM_NEWLINK);
	set_lo_up(1);
	CHECK(next_msg(lk, 1000, buf, sizeof(buf), &from) == RTM_NEWLINK);
	CHECK(m->ifi_index == 1 && (m->ifi_flags & IFF_UP));
	set_lo_mtu(60000);
	set_lo_mtu(65536);
	CHECK(next_msg(lk, 1000, buf, sizeof(buf), &from) == RTM_NEWLINK);
	CHECK(next_msg(lk, 1000, buf, sizeof(buf), &from) == RTM_NEWLINK);
	/* the address group heard nothing of links */
	CHECK(next_msg(ad, 0, buf, sizeof(buf), &from) == 0);
	drain(all);

	/* an address change: the old one goes, the new one comes */
	set_lo_addr("127.0.0.2");
	int t1 = next_msg(ad, 1000, buf, sizeof(buf), &from);
	CHECK(t1 == RTM_DELADDR);
	struct ifaddrmsg *am = (void *)(buf + sizeof(struct nlmsghdr));
	CHECK(am->ifa_family == AF_INET && am->ifa_index == 1 && am->ifa_prefixlen == 8);
	CHECK(from.nl_groups == RTMGRP_IPV4_IFADDR);
	int t2 = next_msg(ad, 1000, buf, sizeof(buf), &from);
	CHECK(t2 == RTM_NEWADDR);
	/* its IFA_LOCAL is the new address */
	int found = 0;
	for (char *p = buf + sizeof(struct nlmsghdr) + sizeof(*am);
	     p + 4 <= buf + ((struct nlmsghdr *)buf)->nlmsg_len;) {
		struct rtattr *a = (void *)p;
		if (a->rta_len < 4)
			break;
		if (a->rta_type == IFA_LOCAL && a->rta_len == 8)
			found = *(unsigned *)(p + 4) == inet_addr("127.0.0.2");
		p += (a->rta_len + 3) & ~3;
	}
	CHECK(found);
	set_lo_addr("127.0.0.1");
	CHECK(next_msg(ad, 1000, buf, sizeof(buf), &from) == RTM_DELADDR);
	CHECK(next_msg(ad, 1000, buf, sizeof(buf), &from) == RTM_NEWADDR);
	/* the link group heard nothing of addresses */
	CHECK(next_msg(lk, 0, buf, sizeof(buf), &from) == 0);
	int saw = 0, t;
	while ((t = next_msg(all, 0, buf, sizeof(buf), &from)) > 0)
		saw |= t == RTM_DELADDR ? 1 : t == RTM_NEWADDR ? 2 : 0;
	CHECK(saw == 3);

	/* a change made through rtnetlink itself (RTM_NEWLINK, IFLA_MTU)
	 * reaches a listener on the same socket that asked for it */
	struct { struct nlmsghdr h; struct ifinfomsg m; struct rtattr a; unsigned mtu; } req;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_NEWLINK;
	req.h.nlmsg_flags = 1 /* NLM_F_REQUEST */;
	req.m.ifi_index = 1;
	req.a.rta_len = 8;
	req.a.rta_type = 4 /* IFLA_MTU */;
	req.mtu = 61000;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	CHECK(sendto(lk, &req, sizeof(req), 0, (struct sockaddr *)&k, sizeof(k)) == sizeof(req));
	CHECK(next_msg(lk, 1000, buf, sizeof(buf), &from) == RTM_NEWLINK);
	set_lo_mtu(65536);
	CHECK(next_msg(lk, 1000, buf, sizeof(buf), &from) == RTM_NEWLINK);

	/* left the group: nothing more */
	CHECK(join(lk, RTNLGRP_LINK, NETLINK_DROP_MEMBERSHIP) == 0);
	set_lo_mtu(60000);
	set_lo_mtu(65536);
	CHECK(next_msg(lk, 100, buf, sizeof(buf), &from) == 0);
	close(all);
	close(lk);
	close(ad);
}

/* A listener that never reads: the changes do not wait for it, its queue
 * stays bounded, its next receive says ENOBUFS (once), then what fitted. */
static void slow_listener(void)
{
	int deaf = listener(RTMGRP_LINK);
	int quiet = listener(RTMGRP_LINK);
	int one = 1, small = 2048;
	CHECK(setsockopt(deaf, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	CHECK(setsockopt(quiet, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	CHECK(setsockopt(quiet, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one)) == 0);
	long long heap0 = meminfo("KernelHeap");
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 200; i++)
		set_lo_mtu(i % 2 ? 65536 : 60000 - i);
	set_lo_mtu(65536);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(b.tv_sec - a.tv_sec < 10);	/* never blocked on the listener */
	long long heap1 = meminfo("KernelHeap");
	CHECK(heap0 < 0 || heap1 - heap0 < 1 << 20);
	char buf[4096];
	CHECK(recv(deaf, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == ENOBUFS);
	int n = 0;
	while (recv(deaf, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	CHECK(n >= 1 && n < 100);
	CHECK(errno == EAGAIN);
	/* NETLINK_NO_ENOBUFS: the losses are silent */
	n = 0;
	ssize_t r;
	while ((r = recv(quiet, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		n++;
	CHECK(r < 0 && errno == EAGAIN && n >= 1 && n < 100);
	/* closed with messages queued */
	set_lo_mtu(60000);
	set_lo_mtu(65536);
	close(deaf);
	close(quiet);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("netlink_mcast: not root, skipped\n");
		return 0;
	}
	link_events();
	slow_listener();
	return check_done();
}
