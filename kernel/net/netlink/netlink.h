/*
 * Inside the netlink family (kernel/net/netlink/): the socket
 * (af_netlink.c), message building and attribute parsing (nlmsg.c), and
 * NETLINK_ROUTE's requests (rtnetlink.c). Linux's uapi layouts.
 */
#ifndef ALLOY_NETLINK_INT_H
#define ALLOY_NETLINK_INT_H

#include <alloy/list.h>
#include <alloy/mutex.h>
#include <alloy/socket.h>
#include <alloy/types.h>

struct nlmsghdr {
	u32 nlmsg_len;
	u16 nlmsg_type, nlmsg_flags;
	u32 nlmsg_seq, nlmsg_pid;
};

struct nlattr {
	u16 nla_len, nla_type;
};

struct nlmsgerr {
	s32 error;
	struct nlmsghdr msg;
};

#define NLMSG_ALIGN(n) (((n) + 3u) & ~3u)
#define NLMSG_HDRLEN ((u32)sizeof(struct nlmsghdr))
#define NLA_HDRLEN 4u
#define NLA_TYPE_MASK 0x3fff	/* without NLA_F_NESTED and NLA_F_NET_BYTEORDER */

#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_MIN_TYPE 0x10

#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI 0x2
#define NLM_F_ACK 0x4
#define NLM_F_ROOT 0x100
#define NLM_F_MATCH 0x200
#define NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH)
#define NLM_F_REPLACE 0x100
#define NLM_F_EXCL 0x200
#define NLM_F_CREATE 0x400
#define NLM_F_CAPPED 0x100

#define NETLINK_ROUTE 0
#define NL_GOODSIZE 3776	/* Linux's NLMSG_GOODSIZE with 4 KiB pages */
#define NL_DUMP_MAX 32768	/* a dump's part at most */

/* A message being built into a buffer: a write past cap sets full and
 * writes nothing; nlb_end then takes the whole message back. */
struct nlb {
	u8 *buf;
	u32 cap, len;
	bool full;
};
/* Starts a message with a zeroed family header of hdrlen bytes: its offset. */
u32 nlb_begin(struct nlb *b, u16 type, u16 flags, u32 seq, u32 pid, u32 hdrlen);
void *nlb_at(struct nlb *b, u32 off);	/* the buffer at off */
void nlb_put(struct nlb *b, u16 type, const void *data, u32 len);
void nlb_u32(struct nlb *b, u16 type, u32 v);
void nlb_u8(struct nlb *b, u16 type, u8 v);
void nlb_str(struct nlb *b, u16 type, const char *s);
/* Ends the message begun at start: false (and nothing kept) if it did not fit. */
bool nlb_end(struct nlb *b, u32 start);

/* The attributes after a family header of hdrlen in h, by type (at most
 * max; later ones win, as Linux's): -EINVAL if the message is shorter
 * than the header. Attributes past the end, or shorter than their
 * header, end the walk, as Linux's liberal parser. */
int nla_parse(const struct nlmsghdr *h, u32 hdrlen, const struct nlattr **tb, int max);
static inline const void *nla_data(const struct nlattr *a) { return (const u8 *)a + NLA_HDRLEN; }
static inline u32 nla_len(const struct nlattr *a) { return a->nla_len - NLA_HDRLEN; }
/* A u32 attribute: -ERANGE if shorter (Linux's policy check). */
int nla_get_u32(const struct nlattr *a, u32 *v);

/* A dump in progress on a socket: rtnetlink's callback fills a part. */
struct nl_dump {
	u16 type;		/* the request's */
	u32 seq, pid;		/* the requester's sequence and port */
	u8 family;		/* the request's family filter */
	int pos;		/* where the next part starts */
	struct net *net;	/* the requesting socket's (it holds it) */
	/* Fills b from pos: 1 if more is left, 0 if done, or -errno. */
	int (*fill)(struct nl_dump *d, struct nlb *b);
};

/* NETLINK_ROUTE: one request h (a complete message) from a socket of
 * port portid: 0, -errno (acknowledged with NLMSG_ERROR), or NL_DUMP_STARTED
 * with *dump set up (no acknowledgement). Replies go through reply(). */
#define NL_DUMP_STARTED 1
struct nl_sock;
int rtnl_request(struct nl_sock *nl, const struct nlmsghdr *h, struct nl_dump *dump);
/* Queues a reply of the kernel's to nl (dropped with ENOBUFS when full). */
void nl_reply(struct nl_sock *nl, const void *data, u32 len);
u32 nl_portid(struct nl_sock *nl);
/* Multicast: len bytes to every socket in group (1..32; RTNLGRP_*);
 * a listener whose queue is full loses it (its next receive says
 * ENOBUFS), the sender never waits. */
/* To the group's members in the initial network namespace (rtnetlink
 * tells only its changes). */
void nl_broadcast(u32 group, const void *data, u32 len);
/* The network namespace nl was made in (not counted: nl holds it). */
struct net *nl_net(struct nl_sock *nl);
/* Whether any socket is in any group (a hint). */
bool nl_has_listeners(void);
/* rtnetlink.c: a socket joined a group (the notifier's baseline). */
void rtnl_listen(void);

#endif
