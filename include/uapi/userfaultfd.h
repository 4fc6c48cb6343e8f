/*
 * userfaultfd(2) and /dev/userfaultfd: Linux's ABI (<linux/userfaultfd.h>)
 * for x86-64. The structures are what programs pass to the ioctls and
 * read from the file; the numbers are Linux's.
 */
#ifndef UAPI_USERFAULTFD_H
#define UAPI_USERFAULTFD_H

#include <alloy/types.h>

#define UFFD_API 0xAAULL
#define UFFD_USER_MODE_ONLY 1u

/* ioctl numbers: _IOWR/_IOR(0xAA, nr, struct) and _IO(0xAA, 0) */
#define _UFFDIO_REGISTER 0x00
#define _UFFDIO_UNREGISTER 0x01
#define _UFFDIO_WAKE 0x02
#define _UFFDIO_COPY 0x03
#define _UFFDIO_ZEROPAGE 0x04
#define _UFFDIO_MOVE 0x05
#define _UFFDIO_WRITEPROTECT 0x06
#define _UFFDIO_CONTINUE 0x07
#define _UFFDIO_POISON 0x08
#define _UFFDIO_API 0x3F

#define UFFD_IOC_RW(nr, size) (0xC0000000u | ((u32)(size) << 16) | 0xAA00u | (nr))
#define UFFD_IOC_R(nr, size) (0x80000000u | ((u32)(size) << 16) | 0xAA00u | (nr))
#define USERFAULTFD_IOC_NEW 0xAA00u

struct uffd_msg {
	u8 event;
	u8 reserved1;
	u16 reserved2;
	u32 reserved3;
	union {
		struct {
			u64 flags;
			u64 address;
			union {
				u32 ptid;
			} feat;
		} pagefault;
		struct {
			u64 reserved1, reserved2, reserved3;
		} reserved;
	} arg;
} __attribute__((packed));

#define UFFD_EVENT_PAGEFAULT 0x12
#define UFFD_PAGEFAULT_FLAG_WRITE (1u << 0)
#define UFFD_PAGEFAULT_FLAG_WP (1u << 1)
#define UFFD_PAGEFAULT_FLAG_MINOR (1u << 2)

struct uffdio_api {
	u64 api;
	u64 features;
	u64 ioctls;
};

#define UFFD_FEATURE_PAGEFAULT_FLAG_WP (1ULL << 0)
#define UFFD_FEATURE_EVENT_FORK (1ULL << 1)
#define UFFD_FEATURE_SIGBUS (1ULL << 7)
#define UFFD_FEATURE_THREAD_ID (1ULL << 8)
#define UFFD_FEATURE_EXACT_ADDRESS (1ULL << 11)
#define UFFD_FEATURE_MOVE (1ULL << 16)

struct uffdio_range {
	u64 start;
	u64 len;
};

struct uffdio_register {
	struct uffdio_range range;
	u64 mode;
	u64 ioctls;
};

#define UFFDIO_REGISTER_MODE_MISSING (1ULL << 0)
#define UFFDIO_REGISTER_MODE_WP (1ULL << 1)
#define UFFDIO_REGISTER_MODE_MINOR (1ULL << 2)

struct uffdio_copy {
	u64 dst;
	u64 src;
	u64 len;
	u64 mode;
	s64 copy;
};

#define UFFDIO_COPY_MODE_DONTWAKE (1ULL << 0)
#define UFFDIO_COPY_MODE_WP (1ULL << 1)

struct uffdio_zeropage {
	struct uffdio_range range;
	u64 mode;
	s64 zeropage;
};

#define UFFDIO_ZEROPAGE_MODE_DONTWAKE (1ULL << 0)

struct uffdio_writeprotect {
	struct uffdio_range range;
	u64 mode;
};

#define UFFDIO_WRITEPROTECT_MODE_WP (1ULL << 0)
#define UFFDIO_WRITEPROTECT_MODE_DONTWAKE (1ULL << 1)

struct uffdio_move {
	u64 dst;
	u64 src;
	u64 len;
	u64 mode;
	s64 move;
};

#define UFFDIO_MOVE_MODE_DONTWAKE (1ULL << 0)
#define UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES (1ULL << 1)

#define UFFDIO_API UFFD_IOC_RW(_UFFDIO_API, sizeof(struct uffdio_api))
#define UFFDIO_REGISTER UFFD_IOC_RW(_UFFDIO_REGISTER, sizeof(struct uffdio_register))
#define UFFDIO_UNREGISTER UFFD_IOC_R(_UFFDIO_UNREGISTER, sizeof(struct uffdio_range))
#define UFFDIO_WAKE UFFD_IOC_R(_UFFDIO_WAKE, sizeof(struct uffdio_range))
#define UFFDIO_COPY UFFD_IOC_RW(_UFFDIO_COPY, sizeof(struct uffdio_copy))
#define UFFDIO_ZEROPAGE UFFD_IOC_RW(_UFFDIO_ZEROPAGE, sizeof(struct uffdio_zeropage))
#define UFFDIO_WRITEPROTECT UFFD_IOC_RW(_UFFDIO_WRITEPROTECT, sizeof(struct uffdio_writeprotect))
#define UFFDIO_MOVE UFFD_IOC_RW(_UFFDIO_MOVE, sizeof(struct uffdio_move))

#endif
