/*
 * memfd_create(2): an anonymous memory file (kernel/fs/memfs.c's
 * memfs_memfd), sealable with MFD_ALLOW_SEALING through fcntl's
 * F_ADD_SEALS. No huge pages: MFD_HUGETLB is -EINVAL, as on a kernel
 * without hugetlbfs.
 */
#include <alloy/errno.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include <uapi/fcntl.h>
#include "sysfs.h"

#define MFD_NAME_MAX 249	/* NAME_MAX less "memfd:" */

long sys_memfd_create(SYSARGS)
{
	u32 flags = (u32)a1;
	char name[MFD_NAME_MAX + 1];
	struct file *f;

	if (a1 > 0xffffffffu || (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL |
					   MFD_EXEC)) ||
	    (flags & (MFD_NOEXEC_SEAL | MFD_EXEC)) == (MFD_NOEXEC_SEAL | MFD_EXEC))
		return -EINVAL;
	long n = strncpy_from_user(name, (const char *)a0, sizeof(name));
	if (n < 0)
		return n == -ENAMETOOLONG ? -EINVAL : n;
	int rc = memfs_memfd(name, flags, &f);
	if (rc)
		return rc;
	return fd_install(cur_files(), f, 0, flags & MFD_CLOEXEC);
}
