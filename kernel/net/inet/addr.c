/*
 * Socket addresses to and from lwIP's (kernel/net/inet/addr.h).
 */
#include <alloy/errno.h>
#include <alloy/socket.h>
#include <alloy/string.h>
#include "lwip/netif.h"
#include "glue.h"
#include "addr.h"

#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 10
#define SIN6_LEN_RFC2133 24	/* a struct sin6 without scope_id */

void inet_addr_in4(const u8 *a, ip_addr_t *ip, u16 *port)
{
	const struct sin *s = (const void *)a;
	u32 v;

	memcpy(&v, s->addr, 4);
	ip_addr_set_ip4_u32_val(*ip, v);
	*port = inet_be16(s->port);
}

int inet_addr_in(int family, const u8 *a, int len, ip_addr_t *ip, u16 *port, bool *mapped)
{
	u16 fam;

	*mapped = false;
	if (len < 2)
		return -EINVAL;
	memcpy(&fam, a, 2);
	if (fam == AF_UNSPEC)
		return INET_ADDR_UNSPEC;
	if (family == AF_INET) {
		if (len < (int)sizeof(struct sin))
			return -EINVAL;
		if (fam != AF_INET)
			return -EAFNOSUPPORT;
		inet_addr_in4(a, ip, port);
		return 0;
	}
	const struct sin6 *s = (const void *)a;
	if (len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (fam != AF_INET6)
		return -EAFNOSUPPORT;
	u32 w[4];
	memcpy(w, s->addr, 16);
	if (!w[0] && !w[1] && w[2] == lwip_htonl(0xffff)) {
		*mapped = true;
		ip_addr_set_ip4_u32_val(*ip, w[3]);
	} else {
		IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
		ip6_addr_clear_zone(ip_2_ip6(ip));
	}
	*port = inet_be16(s->port);
	return 0;
}

int inet_addr_out(int family, const ip_addr_t *ip, u16 port, u8 *out)
{
	if (family == AF_INET) {
		struct sin s = { AF_INET, inet_be16(port), {0}, {0} };
		u32 v = IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
		memcpy(s.addr, &v, 4);
		memcpy(out, &s, sizeof(s));
		return sizeof(s);
	}
	struct sin6 s = { AF_INET6, inet_be16(port), 0, {0}, 0 };
	if (IP_IS_V4(ip)) {
		u32 w[4] = { 0, 0, lwip_htonl(0xffff), ip4_addr_get_u32(ip_2_ip4(ip)) };
		if (!ip_addr_isany(ip))
			memcpy(s.addr, w, 16);
	} else if (!ip_addr_isany(ip)) {
		memcpy(s.addr, ip_2_ip6(ip)->addr, 16);
	}
	memcpy(out, &s, sizeof(s));
	return sizeof(s);
}

const ip_addr_t *inet_unspec_to_loopback(const ip_addr_t *ip)
{
	static const ip_addr_t lo4 = IPADDR4_INIT_BYTES(127, 0, 0, 1),
			       lo6 = IPADDR6_INIT_HOST(0, 0, 0, 1);

	return !ip_addr_isany(ip) ? ip : IP_IS_V4(ip) ? &lo4 : &lo6;
}

bool inet_addr_is_local(const ip_addr_t *ip)
{
	struct netif *n;

	if (ip_addr_isany(ip))
		return true;
	if (IP_IS_V4(ip) && ip4_addr_isloopback(ip_2_ip4(ip)))
		return true;
	NETIF_FOREACH(n) {
		if (IP_IS_V4(ip) && ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(n)))
			return true;
		if (IP_IS_V6(ip) && netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0)
			return true;
	}
	return false;
}
