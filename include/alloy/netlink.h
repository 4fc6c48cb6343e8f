/*
 * Netlink sockets (kernel/net/netlink/; docs/net.md, "Netlink"), as the
 * rest of the kernel uses them: mq_notify's SIGEV_THREAD (kernel/ipc/
 * mqueue.c) writes its cookie into a netlink socket the caller named.
 */
#ifndef ALLOY_NETLINK_H
#define ALLOY_NETLINK_H

#include <alloy/types.h>

#define AF_NETLINK 16

struct socket;
extern const struct proto_ops netlink_ops;

/* The netlink socket open as fd in the caller, with a reference:
 * -EBADF (no such fd), -ENOTSOCK, -EINVAL (another family). */
int netlink_sock_by_fd(int fd, struct socket **out);
/* Queues len bytes from the kernel (source port 0) on s whatever its
 * receive buffer holds (the caller reserved the room: mq_notify's one
 * cookie); false if s is closed. */
bool netlink_deliver_kernel(struct socket *s, const void *data, size_t len);

/* Links, addresses or routes may have changed (kernel/net/inet/: after
 * the change, no lock held): the listeners of RTNLGRP_LINK,
 * RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE (and IPv6's) are told what
 * did (kernel/net/netlink/rtnetlink.c). */
void rtnl_changed(void);

#endif
