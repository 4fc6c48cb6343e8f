/* Range checks around the arch's fault-tolerant copy. */
#include <alloy/errno.h>
#include <alloy/uaccess.h>

long arch_copy_user(void *dst, const void *src, size_t n, int smap);
extern bool smap_enabled;

static bool user_range(const void *p, size_t n)
{
	u64 a = (u64)p;
	return a <= USER_SPACE_END && n <= USER_SPACE_END - a;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_range(usrc, n))
		return -EFAULT;
	return (int)arch_copy_user(dst, usrc, n, smap_enabled);
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_range(udst, n))
		return -EFAULT;
	return (int)arch_copy_user(udst, src, n, smap_enabled);
}
