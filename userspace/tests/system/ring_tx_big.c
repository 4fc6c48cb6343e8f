/*
 * Review probe: a TX ring whose frames are larger than the kernel's
 * largest allocation. pkt_ring_send (kernel/net/packet/ring.c) kmallocs a
 * bounce buffer of the whole tp_frame_size on every send; past one
 * MAX_ORDER block (4 MiB) kmalloc fails and every send is ENOBUFS, though
 * the ring was accepted and the frame to send is 60 bytes. Linux sends it
 * (it reads the frame in place). Frames of 1 MiB are checked as a control.
 */
#define TEST_NAME "ring_tx_big"
#include "check.h"
#include <arpa/inet.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define ETH_P_ALL 0x0003
#define SOL_PACKET 263
#define PACKET_VERSION 10
#define PACKET_TX_RING 13
struct sockaddr_ll_t {
	unsigned short sll_family, sll_protocol;
	int sll_ifindex;
	unsigned short sll_hatype;
	unsigned char sll_pkttype, sll_halen, sll_addr[8];
};
struct tpacket_req { unsigned bs, bn, fs, fn; };
struct tpacket2_hdr { uint32_t status, len, snaplen; uint16_t mac, net; uint32_t sec, nsec;
		      uint16_t tci, tpid; uint8_t pad[4]; };

static void try(unsigned size)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	int v = 1;
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) == 0);
	struct tpacket_req r = { size, 1, size, 1 };
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &r, sizeof(r)) == 0);
	char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	struct sockaddr_ll_t a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = 1 };
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	memset(m + 32, 0x42, 60);	/* an Ethernet frame to nobody in particular */
	struct tpacket2_hdr *h = (void *)m;
	h->len = 60;
	__atomic_store_n(&h->status, 1, __ATOMIC_RELEASE);
	errno = 0;
	long n = send(fd, NULL, 0, 0);
	fprintf(stderr, "frame size %u KiB: send %ld errno %d (%s), status %u\n", size >> 10, n,
		errno, errname(errno), h->status);
	CHECK(n == 60);
	munmap(m, size);
	close(fd);
}

int main(void)
{
	try(1u << 20);
	try(8u << 20);
	return check_done();
}
