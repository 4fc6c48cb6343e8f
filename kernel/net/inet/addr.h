/*
 * Socket addresses of AF_INET and AF_INET6 to and from lwIP's ip_addr_t,
 * for TCP/UDP (kernel/net/inet.c) and raw/ping sockets
 * (kernel/net/inet_raw.c), which each add their family's rules for
 * AF_UNSPEC and ::ffff:a.b.c.d (kernel/net/inet/addr.c).
 */
#ifndef ALLOY_INET_ADDR_H
#define ALLOY_INET_ADDR_H

#include <alloy/types.h>
#include "lwip/ip_addr.h"

struct sin { u16 family, port; u8 addr[4]; u8 zero[8]; };
struct sin6 { u16 family, port; u32 flowinfo; u8 addr[16]; u32 scope; };

#define INET_ADDR_UNSPEC 1	/* inet_addr_in: the family field is AF_UNSPEC */

static inline u16 inet_be16(u16 v) { return (u16)__builtin_bswap16(v); }

/* A user sockaddr (len bytes) for a socket of family into ip and port,
 * with Linux's checks: shorter than 2 bytes or than the family's address
 * EINVAL, another family EAFNOSUPPORT. AF_UNSPEC is INET_ADDR_UNSPEC
 * with nothing parsed. An IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * becomes an IPv4 ip, with *mapped set. */
int inet_addr_in(int family, const u8 *a, int len, ip_addr_t *ip, u16 *port, bool *mapped);
/* The address and port of a struct sin at a, whatever its family field. */
void inet_addr_in4(const u8 *a, ip_addr_t *ip, u16 *port);
/* ip and port as a socket of family shows them (IPv4 in AF_INET6 as
 * ::ffff:a.b.c.d); the length written to out. */
int inet_addr_out(int family, const ip_addr_t *ip, u16 port, u8 *out);
/* Linux: the unspecified address means our loopback address of its kind. */
const ip_addr_t *inet_unspec_to_loopback(const ip_addr_t *ip);
/* [inet_lock] Whether ip is one of ours: the unspecified address, 127/8
 * (all of it, as Linux's lo route) or an interface's address. */
bool inet_addr_is_local(const ip_addr_t *ip);

#endif
