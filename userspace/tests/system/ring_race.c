#define _GNU_SOURCE
/*
 * Review probe (lifetimes, races): packet rings under a second thread.
 *  - a flooder sends UDP on lo the whole time (taps write into RX rings);
 *  - per round a V3 RX ring (1 ms retire timer) and a TX ring are set
 *    and mapped; then, in a random order from two threads: close of the
 *    socket, munmap of the mapping, a child (fork) writing the whole
 *    mapping after the parent closed, and a PACKET_RX_RING removal;
 *  - the mapping must stay usable until munmap (pages held by the VMA),
 *    the rings may not change while mapped (EBUSY), and nothing panics.
 * Regression test: passes on the merged kernel.
 */
#define TEST_NAME "ring_race"
#include "check.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define ETH_P_ALL 0x0003
#define SOL_PACKET 263
#define PACKET_RX_RING 5
#define PACKET_VERSION 10
#define PACKET_TX_RING 13
struct sockaddr_ll_t {
	unsigned short sll_family, sll_protocol;
	int sll_ifindex;
	unsigned short sll_hatype;
	unsigned char sll_pkttype, sll_halen, sll_addr[8];
};
struct tpacket_req3 { unsigned bs, bn, fs, fn, tov, priv, feat; };

static volatile int stop;
static long pg;

static void *flood(void *arg)
{
	(void)arg;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(40555),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	while (!stop)
		sendto(u, "flood-flood-flood", 17, 0, (struct sockaddr *)&to, sizeof(to));
	close(u);
	return NULL;
}

struct job { int fd; char *m; size_t len; int what; };

static void *racer(void *arg)
{
	struct job *j = arg;
	if (j->what == 0)
		close(j->fd);
	else
		munmap(j->m, j->len);
	return NULL;
}

int main(void)
{
	pg = sysconf(_SC_PAGESIZE);
	pthread_t ft;
	pthread_create(&ft, NULL, flood, NULL);
	for (int round = 0; round < 60; round++) {
		int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		CHECK(fd >= 0);
		int v = 2;
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) == 0);
		struct tpacket_req3 rx = { pg, 4, 2048, 4 * (pg / 2048), 1, 16, 0 };
		struct tpacket_req3 tx = { pg, 2, 2048, 2 * (pg / 2048), 0, 0, 0 };
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &rx, sizeof(rx)) == 0);
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &tx, sizeof(tx)) == 0);
		struct sockaddr_ll_t a = { .sll_family = AF_PACKET,
					   .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = 1 };
		CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
		size_t len = 6 * pg;
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(m != MAP_FAILED);
		if (m == MAP_FAILED)
			break;
		/* mapped: the ring may not go */
		struct tpacket_req3 none = { 0 };
		errno = 0;
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof(none)) == -1 &&
		      errno == EBUSY);
		usleep(2000);
		/* give blocks back while the taps write */
		for (int b = 0; b < 4; b++)
			*(volatile uint32_t *)(m + b * pg + 8) = 0;
		pid_t pid = -1;
		if (round % 3 == 0)
			pid = fork();
		if (pid == 0) {
			usleep(3000);	/* the parent closes meanwhile */
			for (size_t i = 0; i < len; i += 64)
				m[i] ^= 1;
			_exit(0);
		}
		struct job j1 = { fd, m, len, 0 }, j2 = { fd, m, len, 1 };
		pthread_t t1, t2;
		if (round & 1) {
			pthread_create(&t1, NULL, racer, &j1);
			pthread_create(&t2, NULL, racer, &j2);
			pthread_join(t1, NULL);
			pthread_join(t2, NULL);
		} else {
			close(fd);
			for (size_t i = 0; i < len; i += 64)	/* still mapped: usable */
				m[i] ^= 1;
			munmap(m, len);
		}
		if (pid > 0) {
			int st;
			CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st));
		}
	}
	stop = 1;
	pthread_join(ft, NULL);
	return check_done();
}
