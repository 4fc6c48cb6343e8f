/* An unknown syscall returns -ENOSYS; a bad pointer returns -EFAULT. */
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
	if (syscall(450) != -1 || errno != ENOSYS)
		return 1;
	if (write(1, (const void *)0x10, 5) != -1 || errno != EFAULT)
		return 2;
	if (write(1, (const void *)0xffff800000000000ULL, 5) != -1 || errno != EFAULT)
		return 3;	/* a kernel address is not the user's to pass */
	return 7;
}
