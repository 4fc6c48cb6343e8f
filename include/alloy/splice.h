/*
 * Zero-copy transfers between open files (kernel/fs/splice.c): sendfile,
 * splice, tee, vmsplice, copy_file_range, and fallocate's checks. The
 * data moves in the kernel, one page at a time, through the files' own
 * read and write ops (so through the page cache, with every rule of
 * write(2)); docs/splice.md.
 *
 * Positions: a NULL pos means the file's own position (read under its
 * pos_lock and stored back after); otherwise *pos is used and advanced,
 * and the file's position is left alone.
 */
#ifndef ALLOY_SPLICE_H
#define ALLOY_SPLICE_H

#include <alloy/types.h>

struct file;
struct iobuf;

#define SPLICE_F_MOVE 1
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_MORE 4
#define SPLICE_F_GIFT 8
#define SPLICE_F_ALL 15

#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#define FALLOC_FL_NO_HIDE_STALE 0x04
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20
#define FALLOC_FL_UNSHARE_RANGE 0x40

/* Linux's MAX_RW_COUNT: no transfer moves more in one call. */
#define SPLICE_MAX_COUNT 0x7ffff000UL

long splice_sendfile(struct file *in, struct file *out, u64 *pos, u64 count);
long splice_files(struct file *in, u64 *ipos, struct file *out, u64 *opos, u64 len,
		  u32 flags);
long splice_tee(struct file *in, struct file *out, u64 len, u32 flags);
/* One segment of vmsplice: user memory b into (or out of) f's pipe;
 * first: nothing moved yet by this call (only then may it wait). */
long splice_vmsplice(struct file *f, struct iobuf *b, u64 len, u32 flags, bool first);
long splice_copy_range(struct file *in, u64 *ipos, struct file *out, u64 *opos, u64 len,
		       u32 flags);
long splice_fallocate(struct file *f, int mode, s64 off, s64 len);

/* preadv2/pwritev2's flags (also AIO's aio_rw_flags, io_uring's rw_flags). */
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#define RWF_SUPPORTED (RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND)
/* -EOPNOTSUPP unless f takes these flags (kernel/syscall/sys_splice.c). */
int rwf_check(struct file *f, u64 flags);
/* n bytes between f and user memory at buf, in chunks, as preadv2 does
 * one segment; pos < 0: the file's own position. Bytes or -errno. */
long file_rw_seg(struct file *f, u64 buf, u64 n, bool write, s64 pos, u64 flags);

#endif
