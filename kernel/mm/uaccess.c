/* Range checks around the arch's fault-tolerant copy. */
#include <alloy/errno.h>
#include <alloy/compiler.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>

long arch_copy_user(void *dst, const void *src, size_t n, int smap);
extern bool smap_enabled;

static bool user_range(const void *p, size_t n)
{
	u64 a = (u64)p;
	return a <= USER_TOP && n <= USER_TOP - a;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_range(usrc, n))
		return -EFAULT;
	return (int)arch_copy_user(dst, usrc, n, smap_enabled);
}

int copy_from_user_nofault(void *dst, const void *usrc, size_t n)
{
	struct task *t = current_task();

	t->pagefault_disabled++;	/* the fault handler goes to the fixup */
	int rc = copy_from_user(dst, usrc, n);
	t->pagefault_disabled--;
	return rc;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_range(udst, n))
		return -EFAULT;
	return (int)arch_copy_user(udst, src, n, smap_enabled);
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	size_t done = 0;

	while (done < max) {
		u64 a = (u64)(usrc + done);
		size_t k = MIN(max - done, (size_t)(4096 - (a & 4095)));	/* one page */
		if (copy_from_user(dst + done, (const void *)a, k))
			return -EFAULT;
		const char *nul = memchr(dst + done, 0, k);
		if (nul)
			return (long)(nul - dst);
		done += k;
	}
	return -ENAMETOOLONG;
}
