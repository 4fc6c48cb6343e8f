/*
 * fanotify (kernel/fs/fanotify.c, docs/async.md "fanotify"): groups of
 * marks on inodes, mounts and filesystems, each group with a queue of
 * events that carry a file opened for the listener, and permission
 * events whose opener waits for the listener's answer.
 *
 * The hooks ride on inotify's (include/alloy/inotify.h): a superblock
 * with a fanotify mark on it, its inodes or one of its mounts counts it
 * in sb->fanotify_marks, which fsnotify_on() reads with inotify's count.
 * Every hook may sleep (a permission event waits): call them with no
 * spinlock held.
 */
#ifndef ALLOY_FANOTIFY_H
#define ALLOY_FANOTIFY_H

#include <alloy/types.h>

struct file;
struct inode;
struct mount;
struct path;
struct super_block;

/* events (Linux's uapi values; the first ones are inotify's) */
#define FAN_ACCESS 0x00000001
#define FAN_MODIFY 0x00000002
#define FAN_ATTRIB 0x00000004
#define FAN_CLOSE_WRITE 0x00000008
#define FAN_CLOSE_NOWRITE 0x00000010
#define FAN_OPEN 0x00000020
#define FAN_MOVED_FROM 0x00000040
#define FAN_MOVED_TO 0x00000080
#define FAN_CREATE 0x00000100
#define FAN_DELETE 0x00000200
#define FAN_DELETE_SELF 0x00000400
#define FAN_MOVE_SELF 0x00000800
#define FAN_OPEN_EXEC 0x00001000
#define FAN_Q_OVERFLOW 0x00004000
#define FAN_FS_ERROR 0x00008000
#define FAN_OPEN_PERM 0x00010000
#define FAN_ACCESS_PERM 0x00020000
#define FAN_OPEN_EXEC_PERM 0x00040000
#define FAN_PRE_ACCESS 0x00100000
#define FAN_RENAME 0x10000000
#define FAN_EVENT_ON_CHILD 0x08000000
#define FAN_ONDIR 0x40000000

#define FAN_CLOSE (FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE)
#define FAN_PERM_EVENTS (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)
/* what a group reporting file descriptors takes */
#define FAN_FD_EVENTS (FAN_ACCESS | FAN_MODIFY | FAN_CLOSE | FAN_OPEN | FAN_OPEN_EXEC)
/* what only a group reporting file ids takes (none here yet) */
#define FAN_INODE_EVENTS (FAN_ATTRIB | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_CREATE | \
			  FAN_DELETE | FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_RENAME)

/* fanotify_init flags */
#define FAN_CLOEXEC 0x00000001
#define FAN_NONBLOCK 0x00000002
#define FAN_CLASS_NOTIF 0x00000000
#define FAN_CLASS_CONTENT 0x00000004
#define FAN_CLASS_PRE_CONTENT 0x00000008
#define FAN_CLASS_BITS 0x0000000c
#define FAN_UNLIMITED_QUEUE 0x00000010
#define FAN_UNLIMITED_MARKS 0x00000020
#define FAN_ENABLE_AUDIT 0x00000040
#define FAN_REPORT_PIDFD 0x00000080
#define FAN_REPORT_TID 0x00000100
#define FAN_REPORT_FID 0x00000200
#define FAN_REPORT_DIR_FID 0x00000400
#define FAN_REPORT_NAME 0x00000800
#define FAN_REPORT_TARGET_FID 0x00001000
#define FAN_REPORT_FD_ERROR 0x00002000
#define FAN_REPORT_MNT 0x00004000

/* fanotify_mark flags */
#define FAN_MARK_ADD 0x00000001
#define FAN_MARK_REMOVE 0x00000002
#define FAN_MARK_DONT_FOLLOW 0x00000004
#define FAN_MARK_ONLYDIR 0x00000008
#define FAN_MARK_MOUNT 0x00000010
#define FAN_MARK_IGNORED_MASK 0x00000020
#define FAN_MARK_IGNORED_SURV_MODIFY 0x00000040
#define FAN_MARK_FLUSH 0x00000080
#define FAN_MARK_FILESYSTEM 0x00000100
#define FAN_MARK_EVICTABLE 0x00000200
#define FAN_MARK_IGNORE 0x00000400
#define FAN_MARK_INODE 0x00000000
#define FAN_MARK_TYPE_BITS (FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM)

/* responses */
#define FAN_ALLOW 0x01
#define FAN_DENY 0x02
#define FAN_AUDIT 0x10
#define FAN_INFO 0x20
#define FAN_NOFD (-1)
#define FAN_EVENT_METADATA_LEN 24
#define FANOTIFY_METADATA_VERSION 3

/* An event on open file f (FAN_ACCESS, FAN_MODIFY, FAN_CLOSE_*, FAN_OPEN
 * with FAN_OPEN_EXEC): to every group marking its inode, its directory
 * (FAN_EVENT_ON_CHILD), its mount or its filesystem. */
void fanotify_file_slow(struct file *f, u32 mask);
/* FAN_MODIFY through a path (truncate, O_TRUNC): the same, no file. */
void fanotify_path_slow(const struct path *p, u32 mask);
/* A permission event (FAN_OPEN_PERM with FAN_OPEN_EXEC_PERM, or
 * FAN_ACCESS_PERM) for f: waits, killably, for every listening group's
 * answer in priority order; 0, -EPERM (denied) or -EINTR (killed). */
int fanotify_perm_slow(struct file *f, u32 mask);
/* i lost its last name and dentry: its inode marks go. */
void fanotify_inode_gone(struct inode *i);
/* Mount m goes (sb_gone: its filesystem with it): the marks on it go. */
void fanotify_umount(struct mount *m, struct super_block *sb, bool sb_gone);

/* The syscalls' halves (kernel/syscall/sys_event.c) */
int fanotify_file(u32 flags, u32 event_f_flags, struct file **out);
bool is_fanotify(const struct file *f);
/* Group f's fanotify_init flags. */
u32 fanotify_group_flags(const struct file *f);
/* A mark change on the object at p (type FAN_MARK_INODE/MOUNT/FILESYSTEM)
 * or FLUSH; flags and mask checked as far as no object is needed. */
long fanotify_mark_change(struct file *f, u32 flags, u64 mask, const struct path *p);
/* /proc/<pid>/fdinfo lines of group f. */
struct pbuf;
void fanotify_fdinfo(struct pbuf *b, struct file *f);

#endif
