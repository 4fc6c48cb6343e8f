/*
 * glibc's users of NETLINK_ROUTE: getifaddrs, if_nameindex,
 * if_nametoindex, and mq_notify's SIGEV_THREAD (a netlink socket the
 * kernel writes a cookie into; glibc's helper thread starts the
 * function). Static glibc, as a program built with gcc -static.
 */
#define TEST_NAME "glibc_netlink"
#include "../tests/system/check.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <mqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

static void test_ifaddrs(void)
{
	struct ifaddrs *ifa, *i;
	int v4 = 0, v6 = 0, pkt = 0;

	CHECK(getifaddrs(&ifa) == 0);
	for (i = ifa; i; i = i->ifa_next) {
		if (strcmp(i->ifa_name, "lo") || !i->ifa_addr)
			continue;
		CHECK(i->ifa_flags & IFF_UP);
		CHECK(i->ifa_flags & IFF_LOOPBACK);
		if (i->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *s = (void *)i->ifa_addr, *m = (void *)i->ifa_netmask;
			CHECK(s->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
			CHECK(m && m->sin_addr.s_addr == htonl(0xff000000));
			v4++;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *s = (void *)i->ifa_addr;
			CHECK(IN6_IS_ADDR_LOOPBACK(&s->sin6_addr));
			v6++;
		} else if (i->ifa_addr->sa_family == AF_PACKET) {
			CHECK(i->ifa_data != NULL);	/* struct rtnl_link_stats */
			pkt++;
		}
	}
	CHECK(v4 == 1 && v6 == 1 && pkt == 1);
	freeifaddrs(ifa);
}

static void test_nameindex(void)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	int lo = 0;

	CHECK(ni != NULL);
	for (p = ni; p && p->if_index; p++)
		if (!strcmp(p->if_name, "lo") && p->if_index == 1)
			lo++;
	CHECK(lo == 1);
	if_freenameindex(ni);
	CHECK(if_nametoindex("lo") == 1);
	CHECK(if_nametoindex("nosuchif0") == 0);
	char name[IF_NAMESIZE];
	CHECK(if_indextoname(1, name) && !strcmp(name, "lo"));
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int called, value;

static void on_message(union sigval sv)
{
	pthread_mutex_lock(&mu);
	called++;
	value = sv.sival_int;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static bool wait_called(int n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&mu);
	while (called < n)
		if (pthread_cond_timedwait(&cv, &mu, &ts))
			break;
	bool ok = called >= n;
	pthread_mutex_unlock(&mu);
	return ok;
}

static void test_mq_thread(void)
{
	struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 16 };
	mqd_t q = mq_open("/glibc_netlink", O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	char buf[16];

	CHECK(q != (mqd_t)-1);
	mq_unlink("/glibc_netlink");
	struct sigevent ev = { 0 };
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_message;
	ev.sigev_value.sival_int = 4242;
	/* registered, removed (NOTIFY_REMOVED to the helper), registered */
	CHECK(mq_notify(q, &ev) == 0);
	CHECK(mq_notify(q, &ev) < 0 && errno == EBUSY);
	CHECK(mq_notify(q, NULL) == 0);
	CHECK(mq_notify(q, &ev) == 0);
	CHECK(mq_send(q, "hi", 3, 0) == 0);
	CHECK(wait_called(1) && value == 4242);
	CHECK(mq_receive(q, buf, sizeof(buf), NULL) == 3);
	/* once only: a second message calls nothing */
	CHECK(mq_send(q, "again", 6, 0) == 0);
	usleep(100000);
	CHECK(called == 1);
	CHECK(mq_receive(q, buf, sizeof(buf), NULL) == 6);
	/* the raw call: a socket that is not netlink, a bad cookie, a bad fd */
	int s = socket(AF_INET, SOCK_DGRAM, 0), nl = socket(AF_NETLINK, SOCK_RAW, 0);
	char cookie[32] = { 0 };
	struct sigevent k = { 0 };
	k.sigev_notify = SIGEV_THREAD;
	k.sigev_signo = s;
	k.sigev_value.sival_ptr = cookie;
	CHECK(syscall(SYS_mq_notify, q, &k) < 0 && errno == EINVAL);
	k.sigev_signo = 1000;
	CHECK(syscall(SYS_mq_notify, q, &k) < 0 && errno == EBADF);
	k.sigev_signo = nl;
	k.sigev_value.sival_ptr = (void *)8;
	CHECK(syscall(SYS_mq_notify, q, &k) < 0 && errno == EFAULT);
	/* the kernel's message: the cookie, its last byte 1 (NOTIFY_WOKENUP) */
	memset(cookie, 0x5a, sizeof(cookie));
	k.sigev_value.sival_ptr = cookie;
	CHECK(syscall(SYS_mq_notify, q, &k) == 0);
	close(nl);	/* the registration keeps the socket; the message is dropped */
	CHECK(mq_send(q, "x", 1, 0) == 0);
	CHECK(mq_receive(q, buf, sizeof(buf), NULL) == 1);
	nl = socket(AF_NETLINK, SOCK_RAW, 0);
	k.sigev_signo = nl;
	CHECK(syscall(SYS_mq_notify, q, &k) == 0);
	CHECK(mq_send(q, "y", 1, 0) == 0);
	unsigned char got[64];
	CHECK(recv(nl, got, sizeof(got), MSG_DONTWAIT) == 32 && got[0] == 0x5a && got[31] == 1);
	CHECK(syscall(SYS_mq_notify, q, &k) == 0);
	CHECK(syscall(SYS_mq_notify, q, NULL) == 0);
	CHECK(recv(nl, got, sizeof(got), MSG_DONTWAIT) == 32 && got[31] == 2);
	close(nl);
	close(s);
	mq_close(q);
}

int main(void)
{
	test_ifaddrs();
	test_nameindex();
	test_mq_thread();
	return check_done();
}
