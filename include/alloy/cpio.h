/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALLOY_CPIO_H
#define ALLOY_CPIO_H

#include <alloy/types.h>

/*
 * Reader for "newc" cpio archives (magic "070701", and "070702" whose
 * checksum, the sum of the data bytes, is verified for regular files:
 * GNU cpio writes 0 for symlinks), the initramfs format. The archive
 * is only read, never copied or allocated from: entries point into it.
 *
 * Layout: a 110-byte ASCII header (6-byte magic, 13 fields of exactly
 * 8 hex digits), the name with its NUL, zero padding to a multiple of
 * 4 from the start of the archive, the data, padding again. The entry
 * named "TRAILER!!!" ends the archive; only zero bytes may follow it.
 */

#define CPIO_HDR_LEN		110
#define CPIO_NAME_MAX		4095	/* longest name, without its NUL */

struct cpio_entry {
	const char *name;	/* points into the archive; NOT NUL-terminated by assumption: use name_len */
	size_t name_len;	/* without the trailing NUL */
	u32 mode;		/* st_mode: file type and permissions */
	u32 uid, gid, nlink;
	u64 mtime;
	u32 dev_major, dev_minor, rdev_major, rdev_minor;
	u32 ino;
	const u8 *data;		/* file contents (or symlink target) inside the archive */
	u64 size;
};

/*
 * Returns 1 and fills *e for the next entry, 0 at the "TRAILER!!!"
 * entry (end), or a negative errno for a corrupt archive; *pos is the
 * cursor (start at 0).
 *
 * On 1, *pos has moved strictly forward to the next header. On 0 and on
 * errors neither *pos nor *e change, so calling again repeats the
 * answer. Errors: -EINVAL for bad magic, non-hex fields, names without
 * their single final NUL, a checksum mismatch, anything past the end
 * of the buffer (a truncated archive or a missing trailer), non-zero
 * bytes after the trailer, or a *pos that is not a 4-aligned offset
 * inside the buffer; -ENAMETOOLONG for names over CPIO_NAME_MAX.
 * The file type in mode is not checked: that is the caller's business.
 */
int cpio_next(const u8 *archive, size_t len, size_t *pos, struct cpio_entry *e);

/*
 * True if an entry name can be used as a path below the root: after
 * one leading "./" is stripped, it is not absolute and every
 * '/'-separated component is non-empty and neither "." nor "..". The
 * name "." alone is allowed and means the root. Names containing NUL
 * or longer than CPIO_NAME_MAX are refused.
 */
bool cpio_name_is_safe(const char *name, size_t len);

#endif /* ALLOY_CPIO_H */
