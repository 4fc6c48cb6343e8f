/*
 * write/writev/ioctl on the console, until there are file descriptors:
 * fds 1 and 2 write to the console, everything else is -EBADF. User
 * memory is copied in bounded chunks.
 */
#include <alloy/compiler.h>
#include <alloy/console.h>
#include <alloy/errno.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>

#define CHUNK 256
#define IOV_MAX 1024

struct iovec {
	u64 base, len;
};

static long console_write_user(u64 buf, u64 count)
{
	char chunk[CHUNK];
	u64 done = 0;

	while (done < count) {
		size_t n = (size_t)MIN(count - done, (u64)CHUNK);
		if (copy_from_user(chunk, (const void *)(buf + done), n))
			return done ? (long)done : -EFAULT;
		console_write(chunk, n);
		done += n;
	}
	return (long)done;
}

long sys_write(u64 fd, u64 buf, u64 count, u64 a3, u64 a4, u64 a5)
{
	(void)a3; (void)a4; (void)a5;
	if (fd != 1 && fd != 2)
		return -EBADF;
	if ((s64)count < 0)
		return -EINVAL;
	return console_write_user(buf, count);
}

long sys_writev(u64 fd, u64 iov, u64 iovcnt, u64 a3, u64 a4, u64 a5)
{
	struct iovec v;
	long total = 0;

	(void)a3; (void)a4; (void)a5;
	if (fd != 1 && fd != 2)
		return -EBADF;
	if (iovcnt > IOV_MAX)
		return -EINVAL;
	for (u64 i = 0; i < iovcnt; i++) {
		if (copy_from_user(&v, (const void *)(iov + i * sizeof(v)), sizeof(v)))
			return total ? total : -EFAULT;
		long n = console_write_user(v.base, v.len);
		if (n < 0)
			return total ? total : n;
		total += n;
	}
	return total;
}

long sys_ioctl(u64 fd, u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5)
{
	(void)fd; (void)cmd; (void)arg; (void)a3; (void)a4; (void)a5;
	return -ENOTTY;		/* no terminal yet: stdio treats it as a file */
}
