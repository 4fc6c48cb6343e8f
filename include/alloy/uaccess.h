/*
 * The only way the kernel touches user memory (DESIGN §3): each returns 0
 * or -EFAULT, for a range outside user space or an unmapped page alike.
 */
#ifndef ALLOY_UACCESS_H
#define ALLOY_UACCESS_H

#include <alloy/types.h>
#include <asm/uvm.h>	/* USER_TOP: user pointers lie below it */

int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
/* The same without handling a page fault: -EFAULT for a page that is not
 * there now. For copies made while holding what a fault may need (a busy
 * page cache page); the caller faults the source in and retries. */
int copy_from_user_nofault(void *dst, const void *usrc, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes; returns its
 * length, -EFAULT, or -ENAMETOOLONG when no NUL is within max bytes. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);

#endif
