/*
 * Landlock (Linux's include/uapi/linux/landlock.h, ABI version 2: the
 * filesystem rights of Linux 5.19 to 6.1, REFER the last of them).
 */
#ifndef UAPI_LANDLOCK_H
#define UAPI_LANDLOCK_H

#include <alloy/types.h>

struct landlock_ruleset_attr {
	u64 handled_access_fs;
};

#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)

#define LANDLOCK_RULE_PATH_BENEATH 1

struct landlock_path_beneath_attr {
	u64 allowed_access;
	s32 parent_fd;
} __attribute__((packed));

#define LANDLOCK_ACCESS_FS_EXECUTE (1ULL << 0)
#define LANDLOCK_ACCESS_FS_WRITE_FILE (1ULL << 1)
#define LANDLOCK_ACCESS_FS_READ_FILE (1ULL << 2)
#define LANDLOCK_ACCESS_FS_READ_DIR (1ULL << 3)
#define LANDLOCK_ACCESS_FS_REMOVE_DIR (1ULL << 4)
#define LANDLOCK_ACCESS_FS_REMOVE_FILE (1ULL << 5)
#define LANDLOCK_ACCESS_FS_MAKE_CHAR (1ULL << 6)
#define LANDLOCK_ACCESS_FS_MAKE_DIR (1ULL << 7)
#define LANDLOCK_ACCESS_FS_MAKE_REG (1ULL << 8)
#define LANDLOCK_ACCESS_FS_MAKE_SOCK (1ULL << 9)
#define LANDLOCK_ACCESS_FS_MAKE_FIFO (1ULL << 10)
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#define LANDLOCK_ACCESS_FS_MAKE_SYM (1ULL << 12)
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)

#endif
