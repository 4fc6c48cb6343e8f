/*
 * lwIP's compiler/platform port for Alloy (docs/net.md, "The TCP/IP
 * stack"). lwIP is compiled freestanding with the kernel's flags; the few
 * C library headers it includes are the stubs in ../libc/.
 */
#ifndef ALLOY_LWIP_CC_H
#define ALLOY_LWIP_CC_H

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_UNISTD_H 1
/* ssize_t and SSIZE_MAX as the kernel has them */
#include <alloy/types.h>
#include <limits.h>
#ifndef SSIZE_MAX
#define SSIZE_MAX __LONG_MAX__
#endif
#define X8_F "02x"
#define U16_F "hu"
#define S16_F "hd"
#define X16_F "hx"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void lwip_port_assert(const char *msg, const char *file, int line);
unsigned int lwip_port_rand(void);

#define LWIP_PLATFORM_DIAG(x) do { lwip_port_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() ((u32_t)lwip_port_rand())

#endif
