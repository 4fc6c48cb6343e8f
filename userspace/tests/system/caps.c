#define _GNU_SOURCE
/*
 * caps: capget and capset as Linux answers them for root (LTP's library
 * asks capget before every test):
 *  - an unknown version is EINVAL with the preferred version written
 *    back (0 if the data pointer is NULL: a probe); V1 fills one struct,
 *    V3 two;
 *  - root holds every capability 0..40 permitted and effective;
 *  - pid < 0 is EINVAL, a pid nobody has ESRCH, bad pointers EFAULT;
 *  - capset lowers: an effective bit dropped shows, raised again within
 *    permitted works; permitted cannot grow back (EPERM); another
 *    process's set is EPERM;
 *  - fork inherits the lowered sets; exec gives root every one again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "caps"
#include "check.h"

struct hdr { uint32_t version; int pid; };
struct data { uint32_t effective, permitted, inheritable; };
#define V1 0x19980330u
#define V3 0x20080522u
#define FULL_HI 0x1ffu	/* bits 32..40 */

static long capget(struct hdr *h, struct data *d) { return syscall(SYS_capget, h, d); }
static long capset(struct hdr *h, struct data *d) { return syscall(SYS_capset, h, d); }

static int full(const struct data *d)
{
	return d[0].effective == 0xffffffffu && d[0].permitted == 0xffffffffu &&
	       d[1].effective == FULL_HI && d[1].permitted == FULL_HI;
}

int main(int argc, char **argv)
{
	struct hdr h = { 0x12345678, 0 };
	struct data d[2];

	if (argc > 1 && !strcmp(argv[1], "after-exec")) {
		h.version = V3;
		memset(d, 0, sizeof(d));
		return capget(&h, d) == 0 && full(d) ? 0 : 1;
	}
	errno = 0;
	CHECK(capget(&h, d) == -1 && errno == EINVAL && h.version == V3);
	h.version = 1;
	CHECK(capget(&h, NULL) == 0 && h.version == V3);
	h = (struct hdr){ V3, 0 };
	memset(d, 0xaa, sizeof(d));
	CHECK(capget(&h, d) == 0 && full(d) && d[0].inheritable == 0);
	h = (struct hdr){ V3, getpid() };
	CHECK(capget(&h, d) == 0 && full(d));
	struct data one[2];
	memset(one, 0xaa, sizeof(one));
	h = (struct hdr){ V1, 0 };
	CHECK(capget(&h, one) == 0 && one[0].permitted == 0xffffffffu &&
	      one[1].permitted == 0xaaaaaaaau);	/* V1: one struct only */
	h = (struct hdr){ V3, -1 };
	errno = 0;
	CHECK(capget(&h, d) == -1 && errno == EINVAL);
	h = (struct hdr){ V3, 4000000 };
	errno = 0;
	CHECK(capget(&h, d) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(capget((struct hdr *)8, d) == -1 && errno == EFAULT);
	h = (struct hdr){ V3, 0 };
	errno = 0;
	CHECK(capget(&h, (struct data *)0xffff800000000000ULL) == -1 && errno == EFAULT);

	/* lowering */
	h = (struct hdr){ V3, 0 };
	CHECK(capget(&h, d) == 0);
	d[0].effective &= ~(1u << 21);	/* CAP_SYS_ADMIN off */
	CHECK(capset(&h, d) == 0);
	CHECK(capget(&h, d) == 0 && !(d[0].effective & (1u << 21)) &&
	      (d[0].permitted & (1u << 21)));
	d[0].effective |= 1u << 21;	/* back: still permitted */
	CHECK(capset(&h, d) == 0);
	d[0].permitted &= ~(1u << 0);	/* CAP_CHOWN gone for good */
	d[0].effective &= ~(1u << 0);
	CHECK(capset(&h, d) == 0);
	d[0].permitted |= 1u << 0;
	errno = 0;
	CHECK(capset(&h, d) == -1 && errno == EPERM);
	d[0].permitted &= ~(1u << 0);
	d[0].effective |= 1u << 0;	/* effective beyond permitted */
	errno = 0;
	CHECK(capset(&h, d) == -1 && errno == EPERM);
	d[0].effective &= ~(1u << 0);
	h.pid = getppid();
	errno = 0;
	CHECK(capset(&h, d) == -1 && errno == EPERM);

	pid_t c = fork();
	if (c == 0) {
		struct hdr hc = { V3, 0 };
		struct data dc[2];
		_exit(capget(&hc, dc) == 0 && !(dc[0].permitted & 1) ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	c = fork();
	if (c == 0) {
		execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
		_exit(2);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return check_done();
}
