/*
 * memfd_create(2): an anonymous memory file (kernel/fs/memfs.c's
 * memfs_memfd), sealable with MFD_ALLOW_SEALING through fcntl's
 * F_ADD_SEALS. MFD_HUGETLB makes it a file of huge pages on the internal
 * hugetlbfs (docs/memory.md "Huge pages"); a page size other than 2 MiB
 * in MFD_HUGE_* is -ENODEV, as Linux where that size has no pool.
 */
#include <alloy/errno.h>
#include <alloy/hugetlb.h>
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

	u32 known = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC | MFD_HUGETLB;
	u32 hsize = (flags >> MFD_HUGE_SHIFT) & MFD_HUGE_MASK;

	if (flags & MFD_HUGETLB)	/* a page size may come with it */
		known |= MFD_HUGE_MASK << MFD_HUGE_SHIFT;
	if (a1 > 0xffffffffu || (flags & ~known) ||
	    (flags & (MFD_NOEXEC_SEAL | MFD_EXEC)) == (MFD_NOEXEC_SEAL | MFD_EXEC))
		return -EINVAL;
	long n = strncpy_from_user(name, (const char *)a0, sizeof(name));
	if (n < 0)
		return n == -ENAMETOOLONG ? -EINVAL : n;
	if ((flags & MFD_HUGETLB) && hsize && hsize != HPAGE_SHIFT)
		return -ENODEV;		/* no pool of that size */
	int rc = memfs_memfd(name, flags, &f);
	if (rc)
		return rc;
	return fd_install(cur_files(), f, 0, flags & MFD_CLOEXEC);
}
