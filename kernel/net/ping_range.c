/*
 * /proc/sys/net/ipv4/ping_group_range: the groups that may open ping
 * sockets (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), kernel/net/inet_raw.c).
 * As Linux: "1 0" (nobody) at boot; root writes "low high" (or "low"
 * alone); a range with high below low is stored as "1 0". Both bounds live in one 64-bit word,
 * so a reader never sees half of a change.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/sysctl.h>
#include "inet/raw.h"

#define GID_MAX 0xfffffffeULL	/* (gid_t)-1 is no group */

static u64 range = 1ULL << 32;	/* low << 32 | high: "1 0" */

static bool in_range(u32 gid, u64 r)
{
	return gid >= (u32)(r >> 32) && gid <= (u32)r;
}

bool ping_group_allowed(void)
{
	u64 r = __atomic_load_n(&range, __ATOMIC_RELAXED);
	struct cred c;

	cred_current(&c);
	if (in_range(c.egid, r))
		return true;
	for (int i = 0; i < c.ngroups; i++)
		if (in_range(c.groups[i], r))
			return true;
	return false;
}

static int show_range(struct pbuf *b)
{
	u64 r = __atomic_load_n(&range, __ATOMIC_RELAXED);

	return pbuf_printf(b, "%u\t%u\n", (u32)(r >> 32), (u32)r);
}

/* The next number of s[*i..len), skipping blanks; -EINVAL if none. */
static int next_num(const char *s, size_t len, size_t *i, u64 *out)
{
	u64 v = 0;
	size_t start;

	while (*i < len && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n'))
		(*i)++;
	start = *i;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (u64)(s[*i] - '0');
		if (v > GID_MAX)
			return -EINVAL;
		(*i)++;
	}
	if (*i == start)
		return -EINVAL;
	*out = v;
	return 0;
}

static int store_range(const char *buf, size_t len)
{
	u64 r = __atomic_load_n(&range, __ATOMIC_RELAXED);
	u64 lo, hi = (u32)r;
	size_t i = 0;

	/* as Linux's two-integer vector: one number sets the low bound only */
	if (next_num(buf, len, &i, &lo))
		return -EINVAL;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
		i++;
	if (i < len && next_num(buf, len, &i, &hi))
		return -EINVAL;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
		i++;
	if (i != len)
		return -EINVAL;
	if (hi < lo) {		/* Linux: an empty range disables ping sockets */
		lo = 1;
		hi = 0;
	}
	__atomic_store_n(&range, lo << 32 | hi, __ATOMIC_RELAXED);
	return 0;
}

SYSCTL(ping_group_range, "net/ipv4/ping_group_range", 0644, show_range, store_range);
