#define _GNU_SOURCE
/*
 * Review probe (unkillable wait): pkt_set_ring (kernel/net/packet/
 * ring.c) copies the tpacket_req from user memory with ps->ring_mtx held.
 * If that memory is a userfaultfd-registered missing page, the copy waits
 * for the handler with the mutex held, for as long as the handler likes.
 * Any other process sharing the socket that touches its options (here a
 * forked child doing PACKET_VERSION) then blocks on ring_mtx and, if the
 * mutex wait is not killable, cannot even be SIGKILLed. Linux copies the
 * option before taking its lock. The test resolves the fault at the end
 * so it always finishes.
 */
#define TEST_NAME "uffd_ring_lock"
#include "check.h"
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define UFFD_API 0xAAULL
#define UFFDIO_API 0xc018aa3f
#define UFFDIO_REGISTER 0xc020aa00
#define UFFDIO_COPY 0xc028aa03
#define PG 4096UL
#define SOL_PACKET 263
#define PACKET_RX_RING 5
#define PACKET_VERSION 10
struct uffdio_api { uint64_t api, features, ioctls; };
struct uffdio_register { uint64_t start, len, mode, ioctls; };
struct uffdio_copy { uint64_t dst, src, len, mode; int64_t copy; };
struct uffd_msg { uint8_t event, r1; uint16_t r2; uint32_t r3; uint64_t flags, address, r4; };

static int sock;
static char *area;
static int set_rc, set_errno;

static void *setter(void *arg)
{
	(void)arg;
	set_rc = setsockopt(sock, SOL_PACKET, PACKET_RX_RING, area, 28);
	set_errno = errno;
	return NULL;
}

int main(void)
{
	int fd = (int)syscall(323, 0);
	struct uffdio_api api = { .api = UFFD_API };
	CHECK(fd >= 0 && ioctl(fd, UFFDIO_API, &api) == 0);
	area = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_register r = { (uintptr_t)area, PG, 1, 0 };
	CHECK(ioctl(fd, UFFDIO_REGISTER, &r) == 0);
	sock = socket(AF_PACKET, SOCK_RAW, htons(3));
	CHECK(sock >= 0);
	pthread_t t;
	pthread_create(&t, NULL, setter, NULL);
	struct pollfd p = { fd, POLLIN, 0 };
	struct uffd_msg m;
	CHECK(poll(&p, 1, 3000) == 1 && read(fd, &m, sizeof(m)) == sizeof(m));
	/* the setter now waits in copy_from_user with ring_mtx held */
	pid_t pid = fork();
	if (!pid) {
		int v = 1;
		setsockopt(sock, SOL_PACKET, PACKET_VERSION, &v, sizeof(v));
		_exit(0);
	}
	usleep(300000);
	kill(pid, SIGKILL);
	int st = 0, dead = 0;
	for (int i = 0; i < 30 && !dead; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			dead = 1;
		else
			usleep(100000);
	}
	fprintf(stderr, "child blocked on ring_mtx: %s 3 s after SIGKILL\n",
		dead ? "died" : "still alive");
	CHECK(dead);
	/* let everything go: the handler fills the page */
	static char req[PG];
	struct uffdio_copy c = { (uintptr_t)area, (uintptr_t)req, PG, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == 0);
	pthread_join(t, NULL);
	if (!dead)
		waitpid(pid, &st, 0);
	fprintf(stderr, "setter: rc %d errno %d\n", set_rc, set_errno);
	return check_done();
}
