/*
 * Raw ICMP and ping sockets (kernel/net/inet_raw.c, docs/net.md "Raw and
 * ping sockets") and the ping_group_range sysctl (kernel/net/ping_range.c,
 * which must not see lwIP's headers: procfs's struct pbuf shares a name).
 */
#ifndef ALLOY_INET_RAW_H
#define ALLOY_INET_RAW_H

#include <alloy/types.h>

/* May the caller open a ping socket? Linux's rule: its effective group or
 * one of its supplementary groups is in net.ipv4.ping_group_range. */
bool ping_group_allowed(void);

#endif
