// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming reader for "newc" cpio archives (the initramfs format).
 *
 * The archive comes from the boot loader and is hostile input: every
 * length is checked against what is left of the buffer before it is
 * used, always as "n <= len - off" with off <= len so that no sum can
 * wrap, and the cursor only ever moves forward. Nothing is allocated;
 * entries point into the archive. Only C library string functions are
 * used so that the host tests can link this file against libc.
 */
#include <alloy/compiler.h>
#include <alloy/cpio.h>
#include <alloy/errno.h>
#include <alloy/string.h>

#define CPIO_MAGIC_LEN		6
#define CPIO_FIELD_LEN		8

/* st_mode file type bits, as in the archive (user space's values). */
#define CPIO_S_IFMT		0170000
#define CPIO_S_IFREG		0100000

/* The 13 header fields, in archive order. */
enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	NR_FIELDS
};

BUILD_BUG_ON(CPIO_MAGIC_LEN + NR_FIELDS * CPIO_FIELD_LEN != CPIO_HDR_LEN);

static const char cpio_trailer[] = "TRAILER!!!";

static int hex_value(u8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Exactly eight hex digits: no sign, blank or "0x" prefix that a
 * general-purpose strtoul would accept.
 */
static int parse_field(const u8 *p, u32 *out)
{
	u32 v = 0;
	int i, d;

	for (i = 0; i < CPIO_FIELD_LEN; i++) {
		d = hex_value(p[i]);
		if (d < 0)
			return -EINVAL;
		v = (v << 4) | (u32)d;
	}
	*out = v;
	return 0;
}

/* hdr holds CPIO_HDR_LEN bytes; *crc tells "070702" from "070701". */
static int parse_header(const u8 *hdr, u32 f[NR_FIELDS], bool *crc)
{
	const u8 *p = hdr + CPIO_MAGIC_LEN;
	int i;

	if (!memcmp(hdr, "070701", CPIO_MAGIC_LEN))
		*crc = false;
	else if (!memcmp(hdr, "070702", CPIO_MAGIC_LEN))
		*crc = true;
	else
		return -EINVAL;

	for (i = 0; i < NR_FIELDS; i++, p += CPIO_FIELD_LEN) {
		if (parse_field(p, &f[i]))
			return -EINVAL;
	}
	return 0;
}

/* Bytes of padding that bring the archive offset off to a multiple of 4. */
static size_t pad4(size_t off)
{
	return (4 - (off & 3)) & 3;
}

/*
 * Skip the padding after off. The padding itself must be inside the
 * buffer: an archive cut there is as truncated as one cut anywhere else.
 */
static int skip_pad(size_t len, size_t *off)
{
	size_t pad = pad4(*off);

	if (pad > len - *off)
		return -EINVAL;
	*off += pad;
	return 0;
}

/* The "070702" checksum: the sum of the data bytes, modulo 2^32. */
static u32 data_checksum(const u8 *data, size_t size)
{
	u32 sum = 0;
	size_t i;

	for (i = 0; i < size; i++)
		sum += data[i];
	return sum;
}

static bool all_zero(const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

static bool is_trailer(const char *name, size_t name_len)
{
	return name_len == sizeof(cpio_trailer) - 1 &&
	       !memcmp(name, cpio_trailer, name_len);
}

/* Name of namesize bytes at off: exactly one NUL, the last byte. */
static int check_name(const u8 *archive, size_t len, size_t off, u32 namesize)
{
	if (namesize == 0)
		return -EINVAL;
	if (namesize - 1 > CPIO_NAME_MAX)
		return -ENAMETOOLONG;
	if (namesize > len - off)
		return -EINVAL;
	if (strnlen((const char *)archive + off, namesize) != namesize - 1)
		return -EINVAL;
	return 0;
}

static void fill_entry(struct cpio_entry *e, const u32 f[NR_FIELDS],
		       const char *name, const u8 *data)
{
	e->name = name;
	e->name_len = f[F_NAMESIZE] - 1;
	e->mode = f[F_MODE];
	e->uid = f[F_UID];
	e->gid = f[F_GID];
	e->nlink = f[F_NLINK];
	e->mtime = f[F_MTIME];
	e->dev_major = f[F_DEVMAJOR];
	e->dev_minor = f[F_DEVMINOR];
	e->rdev_major = f[F_RDEVMAJOR];
	e->rdev_minor = f[F_RDEVMINOR];
	e->ino = f[F_INO];
	e->data = data;
	e->size = f[F_FILESIZE];
}

int cpio_next(const u8 *archive, size_t len, size_t *pos, struct cpio_entry *e)
{
	u32 f[NR_FIELDS];
	size_t off = *pos;
	const char *name;
	const u8 *data;
	bool crc;
	int ret;

	/* Headers start 4-aligned from the start of the archive. */
	if (off > len || !IS_ALIGNED(off, 4))
		return -EINVAL;
	if (len - off < CPIO_HDR_LEN)
		return -EINVAL;
	ret = parse_header(archive + off, f, &crc);
	if (ret)
		return ret;
	off += CPIO_HDR_LEN;

	ret = check_name(archive, len, off, f[F_NAMESIZE]);
	if (ret)
		return ret;
	name = (const char *)archive + off;
	off += f[F_NAMESIZE];
	if (skip_pad(len, &off))
		return -EINVAL;

	if (f[F_FILESIZE] > len - off)
		return -EINVAL;
	data = archive + off;
	off += f[F_FILESIZE];
	if (skip_pad(len, &off))
		return -EINVAL;

	/*
	 * GNU cpio writes a zero check for symlinks, and Linux verifies
	 * regular files only: do the same.
	 */
	if (crc && (f[F_MODE] & CPIO_S_IFMT) == CPIO_S_IFREG &&
	    data_checksum(data, f[F_FILESIZE]) != f[F_CHECK])
		return -EINVAL;

	/*
	 * Only zero padding (cpio rounds archives up to 512 bytes) may
	 * follow the trailer; anything else is a corrupt or concatenated
	 * archive, which is not supported.
	 */
	if (is_trailer(name, f[F_NAMESIZE] - 1))
		return all_zero(archive + off, len - off) ? 0 : -EINVAL;

	fill_entry(e, f, name, data);
	*pos = off;	/* >= old *pos + CPIO_HDR_LEN + 1: always forward */
	return 1;
}

static bool component_is_safe(const char *c, size_t n)
{
	if (n == 0)
		return false;
	if (n == 1 && c[0] == '.')
		return false;
	if (n == 2 && c[0] == '.' && c[1] == '.')
		return false;
	return true;
}

bool cpio_name_is_safe(const char *name, size_t len)
{
	size_t i, start = 0;

	if (!name || len == 0 || len > CPIO_NAME_MAX)
		return false;
	if (strnlen(name, len) != len)
		return false;
	if (len == 1 && name[0] == '.')
		return true;
	if (len >= 2 && name[0] == '.' && name[1] == '/') {
		name += 2;
		len -= 2;
	}

	/* An absolute name shows up as an empty first component. */
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '/')
			continue;
		if (!component_is_safe(name + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}
