/* Linux ABI: file types and modes, open flags, fcntl commands, the *at
 * flags, lseek whence and utimensat's special times. */
#ifndef UAPI_FCNTL_H
#define UAPI_FCNTL_H

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_ASYNC 020000		/* FASYNC: SIGIO when ready (kernel/fs/fasync.c) */
#define O_LARGEFILE 0100000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define O_DSYNC 010000
#define O_DIRECT 040000
#define O_SYNC 04010000
#define __O_TMPFILE 020000000
#define O_TMPFILE (__O_TMPFILE | O_DIRECTORY)
/* every flag open takes (openat2 refuses the others) */
#define O_VALID_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
		       O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | \
		       O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | __O_TMPFILE)

/* openat2's struct open_how and its resolve flags */
struct open_how {
	unsigned long long flags, mode, resolve;
};
#define RESOLVE_NO_XDEV 0x01		/* no mount crossing */
#define RESOLVE_NO_MAGICLINKS 0x02	/* no /proc/<pid>/{exe,cwd,root,fd/N} links */
#define RESOLVE_NO_SYMLINKS 0x04	/* no symlinks at all */
#define RESOLVE_BENEATH 0x08		/* never above the dirfd */
#define RESOLVE_IN_ROOT 0x10		/* the dirfd is "/" */
#define RESOLVE_CACHED 0x20		/* the dentry cache only, else EAGAIN */
#define RESOLVE_ALL 0x3f

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030

/* file locks (kernel/fs/flock.c); the 64 forms are the same on x86-64 */
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define LOCK_SH 1		/* flock(2) */
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#define LOCK_MAND 32

/* the rest of fcntl */
#define F_SETOWN 8
#define F_GETOWN 9
#define F_SETSIG 10
#define F_GETSIG 11
#define F_SETOWN_EX 15
#define F_GETOWN_EX 16
#define F_OWNER_TID 0
#define F_OWNER_PID 1
#define F_OWNER_PGRP 2
#define F_SETLEASE 1024
#define F_GETLEASE 1025
#define F_NOTIFY 1026
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034

/* file seals (memfd_create with MFD_ALLOW_SEALING) */
#define F_SEAL_SEAL 0x0001	/* no more seals */
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#define F_SEAL_FUTURE_WRITE 0x0010
#define F_SEAL_EXEC 0x0020

/* memfd_create flags */
#define MFD_CLOEXEC 0x0001u
#define MFD_ALLOW_SEALING 0x0002u
#define MFD_HUGETLB 0x0004u
#define MFD_NOEXEC_SEAL 0x0008u
#define MFD_EXEC 0x0010u
#define MFD_HUGE_SHIFT 26	/* with MFD_HUGETLB: log2 of the page size (0: default) */
#define MFD_HUGE_MASK 0x3fu
#define FD_CLOEXEC 1

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000

/* close_range(2) flags */
#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

#define UTIME_NOW ((1LL << 30) - 1)
#define UTIME_OMIT ((1LL << 30) - 2)

#endif
