/* Linux errno values (asm-generic/errno-base.h); kernel functions return -E*. */
#ifndef ALLOY_ERRNO_H
#define ALLOY_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define ENOTBLK 15
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ENOSPC 28
#define ENOTTY 25
#define ERANGE 34
#define ENAMETOOLONG 36
#define ENOSYS 38
#define ETIMEDOUT 110
#define EDEADLK 35
#define ENOLCK 37
#define ESPIPE 29
#define EROFS 30
#define EMLINK 31
#define EPIPE 32
#define EDOM 33
#define ELOOP 40
#define ENOTEMPTY 39
#define ENOTSUP 95
#define EOPNOTSUPP 95
#define EXDEV 18
#define ETXTBSY 26
#define ELIBBAD 80	/* an interpreter (PT_INTERP) that is not a loadable ELF file */
#define EFBIG 27
#define ENOMSG 42
#define EIDRM 43
#define ECHRNG 44
#define ENODATA 61		/* no such extended attribute */
#define EOVERFLOW 75
#define ETIME 62
#define EINPROGRESS 115
#define EUCLEAN 117
#define EUSERS 87
#define ECANCELED 125
#define ESTALE 116		/* a file handle naming no live inode */
#define EBADR 53		/* FS_IOC_FIEMAP: flags it does not know */
#define EBADFD 77		/* Landlock: an fd of the wrong kind */
#define EDQUOT 122		/* a user's key quota (kernel/keys/) */
#define ENOKEY 126
#define EKEYEXPIRED 127
#define EKEYREVOKED 128
#define EKEYREJECTED 129
#define ERESTARTSYS 512		/* kernel-internal: restart if SA_RESTART */
#define ERESTARTNOINTR 513	/* kernel-internal: restart whatever the handler */

#endif
