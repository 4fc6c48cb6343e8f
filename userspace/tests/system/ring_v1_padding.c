/*
 * Review probe: a TPACKET_V1 RX frame's header is written from a kernel
 * stack struct (ring.c rx_frame: 28 bytes of fields, sizeof 32) with
 * rput(off + 8, sizeof(h) - 8): the struct's 4 bytes of tail padding land
 * at frame offset 28..31 (between tp_usec and the sockaddr_ll at 32).
 * Whatever the kernel stack held there must not reach the program: the
 * ring's pages are zeroed at allocation, so any non-zero byte there came
 * from the kernel. Also checks the same for V2 (explicit tp_padding).
 */
#define TEST_NAME "ring_v1_padding"
#include "check.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <poll.h>

#define ETH_P_ALL 0x0003
#define SOL_PACKET 263
#define PACKET_RX_RING 5
#define PACKET_VERSION 10
struct sockaddr_ll_t {
	unsigned short sll_family, sll_protocol;
	int sll_ifindex;
	unsigned short sll_hatype;
	unsigned char sll_pkttype, sll_halen, sll_addr[8];
};
struct tpacket_req { unsigned bs, bn, fs, fn; };

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(40444),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	for (int ver = 0; ver <= 1; ver++) {
		int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		CHECK(fd >= 0);
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) == 0);
		int nf = 4 * (pg / 256);
		struct tpacket_req r = { pg, 4, 256, nf };
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &r, sizeof(r)) == 0);
		unsigned char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(m != MAP_FAILED);
		if (m == MAP_FAILED)
			return check_done();
		struct sockaddr_ll_t a = { .sll_family = AF_PACKET,
					   .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = 1 };
		CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
		int bad = 0, seen = 0;
		int ps = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		unsigned char frame[60];
		memset(frame, 0x41, sizeof(frame));
		a.sll_halen = 6;
		for (int round = 0; round < 150; round++) {
			for (int i = 0; i < 8; i++) {
				/* leave user bytes on the kernel stack, then send from
				 * this task (an AF_PACKET send taps lo in our context) */
				struct pollfd pf[64];
				for (int k = 0; k < 64; k++)
					pf[k] = (struct pollfd){ -1, (short)0x4141, (short)0x4141 };
				poll(pf, 64, 0);
				fd_set f1, f2, f3;
				memset(&f1, 0xff, sizeof(f1));
				memset(&f2, 0xff, sizeof(f2));
				memset(&f3, 0xff, sizeof(f3));
				struct timeval tv = { 0, 0 };
				select(FD_SETSIZE, &f1, &f2, &f3, &tv);	/* EBADF after copying */
				if (round % 4 == 3)
					sendto(u, "pad-probe", 9, 0, (struct sockaddr *)&to, sizeof(to));
				else
					sendto(ps, frame, sizeof(frame), 0, (struct sockaddr *)&a, sizeof(a));
			}
			usleep(5000);
			for (int i = 0; i < nf; i++) {
				unsigned char *f = m + i * 256;
				if (!(*(volatile uint32_t *)f & 1))
					continue;
				seen++;
				/* V1: 28..31 tail padding; V2: 28..31 tp_padding */
				uint32_t pad;
				memcpy(&pad, f + 28, 4);
				if (pad) {
					if (bad < 4)
						fprintf(stderr, "V%d frame %d: bytes 28..31 = %08x\n",
							ver + 1, i, pad);
					bad++;
				}
				*(volatile uint32_t *)f = 0;
				if (ver == 0)
					*(volatile uint32_t *)(f + 4) = 0;
			}
		}
		fprintf(stderr, "V%d: %d frames seen, %d with non-zero padding\n", ver + 1, seen, bad);
		CHECK(seen > 0);
		CHECK(bad == 0);
		close(ps);
		munmap(m, 4 * pg);
		close(fd);
	}
	close(u);
	return check_done();
}
