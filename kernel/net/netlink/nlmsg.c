/*
 * Netlink messages: building replies into a buffer and parsing a
 * request's attributes (kernel/net/netlink/netlink.h).
 */
#include <alloy/errno.h>
#include <alloy/string.h>
#include "netlink.h"

#define ERANGE 34

static void *room(struct nlb *b, u32 n)
{
	if (b->full || n > b->cap - b->len) {
		b->full = true;
		return NULL;
	}
	void *p = b->buf + b->len;
	memset(p, 0, n);
	b->len += n;
	return p;
}

u32 nlb_begin(struct nlb *b, u16 type, u16 flags, u32 seq, u32 pid, u32 hdrlen)
{
	u32 start = b->len;
	struct nlmsghdr *h = room(b, NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen));

	if (h) {
		h->nlmsg_type = type;
		h->nlmsg_flags = flags;
		h->nlmsg_seq = seq;
		h->nlmsg_pid = pid;
	}
	return start;
}

void *nlb_at(struct nlb *b, u32 off)
{
	return b->buf + off;
}

void nlb_put(struct nlb *b, u16 type, const void *data, u32 len)
{
	struct nlattr *a = room(b, NLMSG_ALIGN(NLA_HDRLEN + len));

	if (!a)
		return;
	a->nla_len = (u16)(NLA_HDRLEN + len);
	a->nla_type = type;
	memcpy((u8 *)a + NLA_HDRLEN, data, len);
}

void nlb_u32(struct nlb *b, u16 type, u32 v)
{
	nlb_put(b, type, &v, 4);
}

void nlb_u8(struct nlb *b, u16 type, u8 v)
{
	nlb_put(b, type, &v, 1);
}

void nlb_str(struct nlb *b, u16 type, const char *s)
{
	nlb_put(b, type, s, (u32)strlen(s) + 1);
}

bool nlb_end(struct nlb *b, u32 start)
{
	if (b->full) {
		b->len = start;
		return false;
	}
	((struct nlmsghdr *)(b->buf + start))->nlmsg_len = b->len - start;
	return true;
}

int nla_parse(const struct nlmsghdr *h, u32 hdrlen, const struct nlattr **tb, int max)
{
	u32 off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);

	for (int i = 0; i <= max; i++)
		tb[i] = NULL;
	if (h->nlmsg_len < NLMSG_HDRLEN + hdrlen)
		return -EINVAL;
	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		const struct nlattr *a = (const void *)((const u8 *)h + off);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > h->nlmsg_len - off)
			break;
		int t = a->nla_type & NLA_TYPE_MASK;
		if (t <= max)
			tb[t] = a;
		off += NLMSG_ALIGN(a->nla_len);
	}
	return 0;
}

int nla_get_u32(const struct nlattr *a, u32 *v)
{
	if (nla_len(a) < 4)
		return -ERANGE;
	memcpy(v, nla_data(a), 4);
	return 0;
}
