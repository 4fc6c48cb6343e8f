/*
 * The ext2 parser vector runner: every image in tests/vectors/ext2 (good/
 * and bad/, *.img or *.img.gz, made by make-vectors.sh) is walked through
 * the C implementation and, built with -DWITH_RUST, the Rust component,
 * the way the filesystem would: the superblock, every group descriptor,
 * every in-use inode (from the inode bitmaps), every regular file's,
 * directory's and slow symlink's block map (ext2_bmap_path, then
 * ext2_bmap_entry down the indirect blocks, ext2_check_data_block on every
 * block found) and every directory entry. Each call and its complete
 * result go into a transcript; for each image:
 *
 *   - C's summary line (counts, the first failures, a hash of the whole
 *     transcript) must equal the one recorded in expected.txt;
 *   - no call may break the contract's promises whatever the input (return
 *     codes, `why` set on failure and untouched on success, outputs
 *     untouched on failure): a broken promise shows as " !what";
 *   - Rust's transcript must equal C's, call for call;
 *   - every truncation of the superblock buffer, and of the device, gives
 *     the same result in both.
 *
 * Plus caller errors (-EINVAL) that no image reaches. Each buffer handed to
 * a parser is a heap copy of exactly the bytes given, so ASan catches an
 * over-read. Prints TAP; exits 1 on failure. `--record` rewrites
 * expected.txt from the C results (review the diff!).
 *
 * Usage (from the repo root): ext2_vectors [--record] [--dir DIR]
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ffi/ext2.h>

#define RC_EINVAL (-22)
#define RC_EFBIG (-27)
#define RC_EOPNOTSUPP (-95)
#define RC_EUCLEAN (-117)
#define WHY_INIT 0x5eed5eedu
#define PATTERN 0xa5
#define MAX_FILE_BLOCKS 65536	/* a walk visits at most this many per file */

static int test_no, failures;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
	fflush(stdout);
}

/* ---- services the Rust staticlib links against */
#ifdef WITH_RUST
void alloy_rust_panic(const char *msg, size_t len);
void alloy_log(int level, const char *msg, size_t len);

void alloy_rust_panic(const char *msg, size_t len)
{
	fprintf(stderr, "rust panic: %.*s\n", (int)len, msg);
	abort();
}

static unsigned long log_count;

void alloy_log(int level, const char *msg, size_t len)
{
	if (log_count++ < 10)
		fprintf(stderr, "# rust log %d: %.*s\n", level, (int)len, msg);
}
#endif

/* ---- the implementations */

struct impl {
	const char *name;
	int (*parse_super)(const uint8_t *, size_t, uint64_t, struct ext2_super *, uint32_t *);
	int (*parse_group)(const uint8_t *, size_t, const struct ext2_super *, uint32_t,
			   struct ext2_group *, uint32_t *);
	int (*parse_inode)(const uint8_t *, size_t, const struct ext2_super *, uint32_t,
			   struct ext2_inode *, uint32_t *);
	int (*parse_dirent)(const uint8_t *, size_t, uint32_t, const struct ext2_super *,
			    struct ext2_dirent *, uint32_t *);
	int (*bmap_path)(const struct ext2_super *, uint64_t, struct ext2_bmap_path *,
			 uint32_t *);
	int (*bmap_entry)(const uint8_t *, size_t, uint32_t, const struct ext2_super *,
			  uint32_t, uint32_t *, uint32_t *);
	int (*check_data_block)(const struct ext2_super *, const struct ext2_group *,
				uint32_t, uint32_t, uint32_t *);
};

static const struct impl impl_c = {
	"c", c_ext2_parse_super, c_ext2_parse_group, c_ext2_parse_inode,
	c_ext2_parse_dirent, c_ext2_bmap_path, c_ext2_bmap_entry, c_ext2_check_data_block,
};
#ifdef WITH_RUST
static const struct impl impl_rust = {
	"rust", rust_ext2_parse_super, rust_ext2_parse_group, rust_ext2_parse_inode,
	rust_ext2_parse_dirent, rust_ext2_bmap_path, rust_ext2_bmap_entry,
	rust_ext2_check_data_block,
};
#endif

static const char *const why_names[EXT2_WHY_COUNT] = {
	"NONE", "ARG", "MAGIC", "REV", "BLOCK_SIZE", "INCOMPAT", "FRAG",
	"BLOCKS_PER_GROUP", "INODES_PER_GROUP", "INODE_SIZE_SB", "FIRST_DATA",
	"BLOCKS_COUNT", "INODES_COUNT", "FIRST_INO", "GDT", "INODE_TABLE", "COUNTS",
	"GD_BLOCK_BITMAP", "GD_INODE_BITMAP", "GD_INODE_TABLE", "GD_COUNTS", "INODE_MODE",
	"INODE_SIZE", "INODE_ACL", "SYMLINK", "INODE_BLOCK", "DIRENT_SHORT",
	"DIRENT_REC_LEN", "DIRENT_NAME_LEN", "DIRENT_INODE", "DIRENT_NAME", "BMAP_RANGE",
	"BMAP_BLOCK", "BMAP_SELF", "BLOCK_METADATA", "XATTR_MAGIC", "XATTR_HEADER",
	"XATTR_ENTRY", "XATTR_VALUE",
};

static const char *why_name(uint32_t why)
{
	return why < EXT2_WHY_COUNT ? why_names[why] : "?";
}

/* ---- one walk of one image under one implementation */

struct walk {
	const struct impl *im;
	const uint8_t *img;
	size_t size;
	char *log;			/* the transcript */
	size_t len, cap;
	char errs[600];			/* the first failures, "where:WHY ..." */
	unsigned nerr;
	char viol[600];			/* broken promises, " !what" */
	unsigned groups_ok, inodes_ok, files, data, holes, dirents, dirblocks;
	struct ext2_super sb;
	int sb_rc;
	uint32_t sb_why;
	struct ext2_group *gd;
	bool *gd_ok;
};

__attribute__((format(printf, 2, 3)))
static void logf_(struct walk *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(w->log + w->len, w->cap - w->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < w->cap - w->len)
			break;
		w->cap = w->cap * 2 + (size_t)n + 256;
		w->log = realloc(w->log, w->cap);
		if (!w->log)
			abort();
	}
	w->len += (size_t)n;
}

static void error(struct walk *w, const char *where, uint32_t why)
{
	size_t l = strlen(w->errs);

	if (w->nerr++ < 6)
		snprintf(w->errs + l, sizeof(w->errs) - l, "%s%s:%s", l ? "," : "", where,
			 why_name(why));
}

static void violation(struct walk *w, const char *fmt, ...)
{
	size_t l = strlen(w->viol);
	va_list ap;

	if (l + 2 >= sizeof(w->viol))
		return;
	snprintf(w->viol + l, sizeof(w->viol) - l, " !");
	l += 2;
	va_start(ap, fmt);
	vsnprintf(w->viol + l, sizeof(w->viol) - l, fmt, ap);
	va_end(ap);
}

static bool all_pattern(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != PATTERN)
			return false;
	return true;
}

/* The promises every call keeps, whatever the input. */
static void promise(struct walk *w, const char *call, int rc, uint32_t why, const void *out,
		    size_t out_size)
{
	if (rc == 0) {
		if (why != WHY_INIT)
			violation(w, "%s: why written on success", call);
		return;
	}
	if (rc != RC_EINVAL && rc != RC_EOPNOTSUPP && rc != RC_EUCLEAN && rc != RC_EFBIG)
		violation(w, "%s: rc %d", call, rc);
	if (why == 0 || why >= EXT2_WHY_COUNT)
		violation(w, "%s: why %u on failure", call, why);
	if (out && !all_pattern(out, out_size))
		violation(w, "%s: output written on failure", call);
}

/* A heap copy of exactly the image bytes [off, off + len), or NULL. */
static uint8_t *copy(const struct walk *w, uint64_t off, size_t len)
{
	uint8_t *p;

	if (off > w->size || len > w->size - off)
		return NULL;
	p = malloc(len ? len : 1);
	if (!p)
		abort();
	memcpy(p, w->img + off, len);
	return p;
}

static void do_super(struct walk *w, const uint8_t *raw, size_t len, uint64_t dev)
{
	struct ext2_super *s = &w->sb;
	uint32_t why = WHY_INIT;

	memset(s, PATTERN, sizeof(*s));
	w->sb_rc = w->im->parse_super(raw, len, dev, s, &why);
	w->sb_why = why;
	promise(w, "super", w->sb_rc, why, s, sizeof(*s));
	if (w->sb_rc) {
		logf_(w, "super len=%zu dev=%llu rc=%d why=%u\n", len, (unsigned long long)dev,
		      w->sb_rc, why);
		return;
	}
	logf_(w, "super len=%zu dev=%llu rc=0 bs=%u log=%u blocks=%u inodes=%u r=%u fb=%u "
	      "fi=%u fdb=%u bpg=%u ipg=%u groups=%u gdt=%u rgdt=%u isz=%u first_ino=%u "
	      "itb=%u rev=%u compat=%#x incompat=%#x ro=%#x read_only=%u state=%u "
	      "errors=%u max=%llu\n", len, (unsigned long long)dev, s->block_size,
	      s->log_block_size, s->blocks_count, s->inodes_count, s->r_blocks_count,
	      s->free_blocks_count, s->free_inodes_count, s->first_data_block,
	      s->blocks_per_group, s->inodes_per_group, s->groups, s->gdt_blocks,
	      s->reserved_gdt, s->inode_size, s->first_ino, s->inode_table_blocks,
	      s->rev_level, s->feature_compat, s->feature_incompat, s->feature_ro_compat,
	      s->read_only, s->state, s->errors, (unsigned long long)s->max_file_size);
}

/* Is `b`, found in a map, a block file data may live in? */
static bool check_block(struct walk *w, uint32_t b, const char *where)
{
	const struct ext2_super *sb = &w->sb;
	uint32_t g = (b - sb->first_data_block) / sb->blocks_per_group, why = WHY_INIT;
	int rc;

	if (b < sb->first_data_block || g >= sb->groups || !w->gd_ok[g]) {
		logf_(w, "  block %u: no usable group\n", b);
		error(w, where, EXT2_WHY_NONE);
		return false;
	}
	rc = w->im->check_data_block(sb, &w->gd[g], g, b, &why);
	promise(w, "check_data_block", rc, why, NULL, 0);
	if (rc) {
		logf_(w, "  check %u rc=%d why=%u\n", b, rc, why);
		error(w, where, why);
	}
	return rc == 0;
}

/* File block n of inode `in`: its block number, 0 for a hole, -1 on error. */
static int64_t map(struct walk *w, uint32_t ino, const struct ext2_inode *in, uint64_t n)
{
	const struct ext2_super *sb = &w->sb;
	struct ext2_bmap_path path;
	uint32_t why = WHY_INIT, b;
	char where[64];
	int rc;

	snprintf(where, sizeof(where), "ino%u/%llu", ino, (unsigned long long)n);
	memset(&path, PATTERN, sizeof(path));
	rc = w->im->bmap_path(sb, n, &path, &why);
	promise(w, "bmap_path", rc, why, &path, sizeof(path));
	if (rc) {
		logf_(w, "  path %llu rc=%d why=%u\n", (unsigned long long)n, rc, why);
		error(w, where, why);
		return -1;
	}
	if (path.depth > 3 || path.index[0] >= EXT2_N_BLOCKS) {
		violation(w, "bmap_path: depth %u index %u", path.depth, path.index[0]);
		return -1;
	}
	b = in->block[path.index[0]];
	for (uint32_t level = 1;; level++) {
		if (!b)
			return 0;
		if (!check_block(w, b, where))
			return -1;
		if (level > path.depth)
			return b;
		uint8_t *blk = copy(w, (uint64_t)b * sb->block_size, sb->block_size);
		uint32_t e = 0xa5a5a5a5;

		if (!blk) {
			error(w, where, EXT2_WHY_NONE);
			return -1;
		}
		why = WHY_INIT;
		rc = w->im->bmap_entry(blk, sb->block_size, path.index[level], sb, b, &e, &why);
		free(blk);
		promise(w, "bmap_entry", rc, why, &e, sizeof(e));
		if (rc) {
			logf_(w, "  entry %u[%u] rc=%d why=%u\n", b, path.index[level], rc, why);
			error(w, where, why);
			return -1;
		}
		b = e;
	}
}

static void walk_dir_block(struct walk *w, uint32_t ino, uint32_t b)
{
	const struct ext2_super *sb = &w->sb;
	uint8_t *blk = copy(w, (uint64_t)b * sb->block_size, sb->block_size);
	char where[64];

	if (!blk)
		return;
	w->dirblocks++;
	for (uint32_t off = 0; off < sb->block_size;) {
		struct ext2_dirent d;
		uint32_t why = WHY_INIT;
		int rc;

		memset(&d, PATTERN, sizeof(d));
		rc = w->im->parse_dirent(blk, sb->block_size, off, sb, &d, &why);
		promise(w, "parse_dirent", rc, why, &d, sizeof(d));
		if (rc) {
			logf_(w, "  dirent %u+%u rc=%d why=%u\n", b, off, rc, why);
			snprintf(where, sizeof(where), "dir%u@%u+%u", ino, b, off);
			error(w, where, why);
			break;
		}
		if (d.rec_len < 12 || d.name_off != off + 8 ||
		    (uint64_t)d.name_off + d.name_len > sb->block_size) {
			violation(w, "parse_dirent: rec_len %u name %u+%u", d.rec_len, d.name_off,
				  d.name_len);
			break;
		}
		logf_(w, "  dirent %u+%u ino=%u rec=%u type=%u name=%.*s\n", b, off, d.inode,
		      d.rec_len, d.file_type, (int)d.name_len, (const char *)blk + d.name_off);
		if (d.inode)
			w->dirents++;
		off += d.rec_len;
	}
	free(blk);
}

static void walk_file(struct walk *w, uint32_t ino, const struct ext2_inode *in)
{
	uint32_t type = in->mode & 0xF000, bs = w->sb.block_size;
	uint64_t nblocks = (in->size + bs - 1) / bs;

	if (type != 0x8000 && type != 0x4000 && !(type == 0xA000 && !in->fast_symlink))
		return;
	w->files++;
	if (nblocks > MAX_FILE_BLOCKS) {
		logf_(w, "  walk capped at %u blocks\n", MAX_FILE_BLOCKS);
		nblocks = MAX_FILE_BLOCKS;
	}
	for (uint64_t n = 0; n < nblocks; n++) {
		int64_t b = map(w, ino, in, n);

		if (b < 0)
			return;		/* the filesystem would fail the read */
		if (b == 0) {
			w->holes++;
			continue;
		}
		w->data++;
		logf_(w, "  map %llu -> %lld\n", (unsigned long long)n, (long long)b);
		if (type == 0x4000)
			walk_dir_block(w, ino, (uint32_t)b);
	}
}

static void do_inode(struct walk *w, uint32_t g, uint32_t i)
{
	const struct ext2_super *sb = &w->sb;
	uint32_t ino = g * sb->inodes_per_group + i + 1, why = WHY_INIT;
	uint64_t off = (uint64_t)w->gd[g].inode_table * sb->block_size +
		       (uint64_t)i * sb->inode_size;
	uint8_t *raw = copy(w, off, sb->inode_size);
	struct ext2_inode in;
	char where[32];
	int rc;

	if (!raw)
		return;
	memset(&in, PATTERN, sizeof(in));
	rc = w->im->parse_inode(raw, sb->inode_size, sb, ino, &in, &why);
	free(raw);
	promise(w, "parse_inode", rc, why, &in, sizeof(in));
	if (rc) {
		logf_(w, "inode %u rc=%d why=%u\n", ino, rc, why);
		snprintf(where, sizeof(where), "ino%u", ino);
		error(w, where, why);
		return;
	}
	w->inodes_ok++;
	logf_(w, "inode %u mode=%#o links=%u uid=%u gid=%u flags=%#x size=%llu a=%u c=%u "
	      "m=%u d=%u blocks=%u acl=%u gen=%u fast=%u rdev=%u:%u pad=%u b=", ino, in.mode,
	      in.links, in.uid, in.gid, in.flags, (unsigned long long)in.size, in.atime,
	      in.ctime, in.mtime, in.dtime, in.blocks512, in.file_acl, in.generation,
	      in.fast_symlink, in.rdev_major, in.rdev_minor, in.pad);
	for (int k = 0; k < EXT2_N_BLOCKS; k++)
		logf_(w, "%s%u", k ? "," : "", in.block[k]);
	logf_(w, "\n");
	if (in.links)
		walk_file(w, ino, &in);
}

static void walk_image(struct walk *w, const struct impl *im, const uint8_t *img, size_t size)
{
	const struct ext2_super *sb = &w->sb;
	uint8_t *raw;

	memset(w, 0, sizeof(*w));
	w->im = im;
	w->img = img;
	w->size = size;
	w->cap = 1 << 16;
	w->log = malloc(w->cap);
	if (!w->log)
		abort();
	w->log[0] = 0;

	raw = copy(w, EXT2_SUPER_OFFSET, EXT2_SUPER_SIZE);
	if (!raw) {		/* what there is of it */
		size_t len = size > EXT2_SUPER_OFFSET ? size - EXT2_SUPER_OFFSET : 0;
		raw = copy(w, size - len, len);
		do_super(w, raw, len, size);
	} else {
		do_super(w, raw, EXT2_SUPER_SIZE, size);
	}
	free(raw);
	if (w->sb_rc)
		return;
	w->gd = calloc(sb->groups, sizeof(*w->gd));
	w->gd_ok = calloc(sb->groups, sizeof(*w->gd_ok));
	if (!w->gd || !w->gd_ok)
		abort();
	for (uint32_t g = 0; g < sb->groups; g++) {
		uint64_t off = (uint64_t)(sb->first_data_block + 1) * sb->block_size +
			       (uint64_t)g * EXT2_GROUP_DESC_SIZE;
		uint8_t *d = copy(w, off, EXT2_GROUP_DESC_SIZE);
		struct ext2_group *o = &w->gd[g];
		uint32_t why = WHY_INIT;
		char where[32];
		int rc;

		memset(o, PATTERN, sizeof(*o));
		rc = im->parse_group(d, EXT2_GROUP_DESC_SIZE, sb, g, o, &why);
		free(d);
		promise(w, "parse_group", rc, why, o, sizeof(*o));
		if (rc) {
			logf_(w, "group %u rc=%d why=%u\n", g, rc, why);
			snprintf(where, sizeof(where), "group%u", g);
			error(w, where, why);
			continue;
		}
		w->gd_ok[g] = true;
		w->groups_ok++;
		logf_(w, "group %u bb=%u ib=%u it=%u fb=%u fi=%u dirs=%u first=%u last=%u "
		      "meta_end=%u super=%u\n", g, o->block_bitmap, o->inode_bitmap,
		      o->inode_table, o->free_blocks, o->free_inodes, o->used_dirs,
		      o->first_block, o->last_block, o->meta_end, o->has_super);
	}
	for (uint32_t g = 0; g < sb->groups; g++) {
		uint8_t *bm;

		if (!w->gd_ok[g])
			continue;
		bm = copy(w, (uint64_t)w->gd[g].inode_bitmap * sb->block_size, sb->block_size);
		if (!bm)
			continue;
		/* reserved inodes other than the root are not the filesystem's
		   to read (7 maps the reserved GDT blocks, the rest are unused) */
		for (uint32_t i = 0; i < sb->inodes_per_group; i++) {
			uint64_t ino = (uint64_t)g * sb->inodes_per_group + i + 1;

			if ((bm[i / 8] & (1u << (i % 8))) &&
			    (ino == EXT2_ROOT_INO || ino >= sb->first_ino))
				do_inode(w, g, i);
		}
		free(bm);
	}
}

static void walk_free(struct walk *w)
{
	free(w->log);
	free(w->gd);
	free(w->gd_ok);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
	return h;
}

/* The canonical line: what a reader can check, and a hash of the rest. */
static void summary(const struct walk *w, char *out, size_t n)
{
	if (w->sb_rc) {
		snprintf(out, n, "super=%d:%s%s", w->sb_rc, why_name(w->sb_why), w->viol);
		return;
	}
	snprintf(out, n, "bs=%u groups=%u/%u inodes=%u files=%u data=%u holes=%u "
		 "dirblocks=%u dirents=%u errors=%u[%s] h=%016llx%s", w->sb.block_size,
		 w->groups_ok, w->sb.groups, w->inodes_ok, w->files, w->data, w->holes,
		 w->dirblocks, w->dirents, w->nerr, w->errs,
		 (unsigned long long)fnv1a(w->log, w->len), w->viol);
}

/* ---- files */

struct vec {
	char *name;		/* relative to the vector directory, without .gz */
	uint8_t *data;
	size_t size;
};

static uint8_t *read_stream(FILE *f, size_t *size)
{
	size_t cap = 1 << 20, n = 0, r;
	uint8_t *buf = malloc(cap);

	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	*size = n;
	return buf;
}

static uint8_t *read_image(const char *path, size_t *size)
{
	size_t l = strlen(path);
	uint8_t *buf;
	FILE *f;

	if (l > 3 && !strcmp(path + l - 3, ".gz")) {
		char cmd[8192];

		snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
		f = popen(cmd, "r");
		if (!f)
			return NULL;
		buf = read_stream(f, size);
		if (pclose(f) != 0) {
			free(buf);
			return NULL;
		}
		return buf;
	}
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = read_stream(f, size);
	fclose(f);
	return buf;
}

static bool is_image(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && ((n > 4 && !strcmp(name + n - 4, ".img")) ||
				  (n > 7 && !strcmp(name + n - 7, ".img.gz")));
}

static int cmp_vec(const void *a, const void *b)
{
	return strcmp(((const struct vec *)a)->name, ((const struct vec *)b)->name);
}

static struct vec *list_vectors(const char *dir, size_t *count)
{
	static const char *const subs[] = { "", "bad/", "good/" };
	struct vec *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t s = 0; s < 3; s++) {
		char path[4096];
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", dir, subs[s]);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char file[4096 + 256];
			struct stat st;
			size_t l;

			snprintf(file, sizeof(file), "%s%s", path, de->d_name);
			if (!is_image(de->d_name) || stat(file, &st) || !S_ISREG(st.st_mode))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = realloc(v, cap * sizeof(*v));
				if (!v)
					abort();
			}
			v[n].name = malloc(strlen(subs[s]) + strlen(de->d_name) + 1);
			if (!v[n].name)
				abort();
			sprintf(v[n].name, "%s%s", subs[s], de->d_name);
			l = strlen(v[n].name);
			if (!strcmp(v[n].name + l - 3, ".gz"))
				v[n].name[l - 3] = 0;
			v[n].data = read_image(file, &v[n].size);
			if (!v[n].data) {
				fprintf(stderr, "ext2_vectors: cannot read %s\n", file);
				exit(2);
			}
			n++;
		}
		closedir(d);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_vec);
	*count = n;
	return v;
}

/* ---- expected.txt: "name result..." per line, '#' comments */

struct expect {
	char *name, *text;
	bool used;
};

static struct expect *expected;
static size_t nr_expected;

static void load_expected(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || !sp)
			continue;
		*sp = 0;
		expected = realloc(expected, (nr_expected + 1) * sizeof(*expected));
		if (!expected)
			abort();
		expected[nr_expected].name = strdup(line);
		expected[nr_expected].text = strdup(sp + 1);
		expected[nr_expected].used = false;
		nr_expected++;
	}
	fclose(f);
}

static struct expect *find_expected(const char *name)
{
	for (size_t i = 0; i < nr_expected; i++)
		if (!strcmp(expected[i].name, name))
			return &expected[i];
	return NULL;
}

/* ---- the checks */

#ifdef WITH_RUST
/* The first line where two transcripts differ. */
static void first_diff(const char *a, const char *b)
{
	size_t line = 1;

	while (*a && *a == *b) {
		if (*a == '\n')
			line++;
		a++;
		b++;
	}
	while (*a && *a != '\n' && a[-1] != '\n')
		a--;
	printf("#   line %zu\n#   c:    %.200s\n#   rust: %.200s\n", line, a, b);
}
#endif

/* The superblock at every buffer length and with the device a block short. */
static void check_super_truncations(const struct vec *v)
{
	static struct walk c, rust;
	char why[300] = "";
	unsigned bad = 0;
	size_t end = v->size >= 2048 ? 1024 : 0;

	for (size_t len = 0; len <= end; len++) {
		uint8_t *raw = malloc(len ? len : 1);

		memcpy(raw, v->data + 1024, len);
		for (int dev = 0; dev < 2; dev++) {
			uint64_t dev_bytes = dev ? v->size - 1 : v->size;

			memset(&c, 0, sizeof(c));
			c.im = &impl_c;
			c.cap = 4096;
			c.log = calloc(1, c.cap);
			do_super(&c, raw, len, dev_bytes);
			if (len < 1024 && c.sb_rc != RC_EINVAL && !bad++)
				snprintf(why, sizeof(why), "len %zu: c rc %d", len, c.sb_rc);
			if (c.viol[0] && !bad++)
				snprintf(why, sizeof(why), "len %zu: c%.250s", len, c.viol);
#ifdef WITH_RUST
			memset(&rust, 0, sizeof(rust));
			rust.im = &impl_rust;
			rust.cap = 4096;
			rust.log = calloc(1, rust.cap);
			do_super(&rust, raw, len, dev_bytes);
			if (strcmp(c.log, rust.log) && !bad++)
				snprintf(why, sizeof(why), "len %zu dev %llu: c: %.100s rust: %.100s",
					 len, (unsigned long long)dev_bytes, c.log, rust.log);
			free(rust.log);
#endif
			free(c.log);
		}
		free(raw);
	}
	(void)rust;
	tap(!bad, "%s: superblock truncations 0..%zu and device - 1 (%s)%s%s", v->name, end,
#ifdef WITH_RUST
	    "c == rust",
#else
	    "c",
#endif
	    bad ? ": " : "", why);
}

static void check_vector(const struct vec *v, FILE *rec)
{
	static struct walk c, rust;
	char line[2048];

	walk_image(&c, &impl_c, v->data, v->size);
	summary(&c, line, sizeof(line));
	if (rec) {
		fprintf(rec, "%s %s\n", v->name, line);
	} else {
		struct expect *e = find_expected(v->name);

		if (e)
			e->used = true;
		if (!e) {
			tap(false, "%s: c == expected: not in expected.txt (run with --record)",
			    v->name);
		} else if (strcmp(e->text, line)) {
			tap(false, "%s: c == expected: differs", v->name);
			printf("#   want: %s\n#   c:    %s\n", e->text, line);
		} else {
			tap(true, "%s: c == expected", v->name);
		}
	}
	tap(!c.viol[0], "%s: c keeps the contract's promises%s", v->name, c.viol);
#ifdef WITH_RUST
	walk_image(&rust, &impl_rust, v->data, v->size);
	if (c.len != rust.len || memcmp(c.log, rust.log, c.len) ||
	    strcmp(c.errs, rust.errs)) {
		tap(false, "%s: rust == c (transcripts of %zu and %zu bytes)", v->name, c.len,
		    rust.len);
		first_diff(c.log, rust.log);
	} else {
		tap(true, "%s: rust == c (%zu-byte transcript)", v->name, c.len);
	}
	tap(!rust.viol[0], "%s: rust keeps the contract's promises%s", v->name, rust.viol);
	walk_free(&rust);
#endif
	(void)rust;
	walk_free(&c);
	check_super_truncations(v);
}

/* ---- caller errors (-EINVAL), which no image reaches */

static void check_api(const struct impl *im, const struct vec *base)
{
	struct ext2_super sb;
	struct ext2_group g;
	struct ext2_inode in;
	struct ext2_dirent d;
	struct ext2_bmap_path p;
	uint32_t e, why = 0;
	const uint8_t *raw = base->data + 1024;
	uint8_t *blk = calloc(1, 4096);

	if (c_ext2_parse_super(raw, 1024, base->size, &sb, NULL) ||
	    c_ext2_parse_group(base->data + 2048, 32, &sb, 0, &g, NULL)) {
		tap(false, "api: %s: good/1k does not parse", im->name);
		free(blk);
		return;
	}
	struct {
		const char *what;
		int got, want;
	} cases[] = {
		{ "parse_super(NULL raw)", im->parse_super(NULL, 1024, 1 << 22, &sb, &why), RC_EINVAL },
		{ "parse_super(NULL out)", im->parse_super(raw, 1024, 1 << 22, NULL, &why), RC_EINVAL },
		{ "parse_super(NULL why)", im->parse_super(raw, 1024, base->size, &sb, NULL), 0 },
		{ "parse_super(len 1023, NULL why)", im->parse_super(raw, 1023, base->size, &sb, NULL),
		  RC_EINVAL },
		{ "parse_super(dev 0)", im->parse_super(raw, 1024, 0, &sb, &why), RC_EUCLEAN },
		{ "parse_group(NULL raw)", im->parse_group(NULL, 32, &sb, 0, &g, &why), RC_EINVAL },
		{ "parse_group(NULL sb)", im->parse_group(base->data + 2048, 32, NULL, 0, &g, &why),
		  RC_EINVAL },
		{ "parse_group(NULL out)", im->parse_group(base->data + 2048, 32, &sb, 0, NULL, &why),
		  RC_EINVAL },
		{ "parse_group(group == groups)",
		  im->parse_group(base->data + 2048, 32, &sb, sb.groups, &g, &why), RC_EINVAL },
		{ "parse_inode(NULL raw)", im->parse_inode(NULL, 128, &sb, 2, &in, &why), RC_EINVAL },
		{ "parse_inode(NULL sb)", im->parse_inode(blk, 128, NULL, 2, &in, &why), RC_EINVAL },
		{ "parse_inode(NULL out)", im->parse_inode(blk, 128, &sb, 2, NULL, &why), RC_EINVAL },
		{ "parse_inode(ino 0)", im->parse_inode(blk, 128, &sb, 0, &in, &why), RC_EINVAL },
		{ "parse_dirent(NULL blk)", im->parse_dirent(NULL, 1024, 0, &sb, &d, &why), RC_EINVAL },
		{ "parse_dirent(NULL sb)", im->parse_dirent(blk, 1024, 0, NULL, &d, &why), RC_EINVAL },
		{ "parse_dirent(NULL out)", im->parse_dirent(blk, 1024, 0, &sb, NULL, &why), RC_EINVAL },
		{ "parse_dirent(len 4096)", im->parse_dirent(blk, 4096, 0, &sb, &d, &why), RC_EINVAL },
		{ "parse_dirent(off 1)", im->parse_dirent(blk, 1024, 1, &sb, &d, &why), RC_EINVAL },
		{ "bmap_path(NULL sb)", im->bmap_path(NULL, 0, &p, &why), RC_EINVAL },
		{ "bmap_path(NULL out)", im->bmap_path(&sb, 0, NULL, &why), RC_EINVAL },
		{ "bmap_path(2^64-1)", im->bmap_path(&sb, ~0ULL, &p, &why), RC_EFBIG },
		{ "bmap_entry(NULL blk)", im->bmap_entry(NULL, 1024, 0, &sb, 5, &e, &why), RC_EINVAL },
		{ "bmap_entry(NULL sb)", im->bmap_entry(blk, 1024, 0, NULL, 5, &e, &why), RC_EINVAL },
		{ "bmap_entry(NULL out)", im->bmap_entry(blk, 1024, 0, &sb, 5, NULL, &why), RC_EINVAL },
		{ "bmap_entry(index p)", im->bmap_entry(blk, 1024, 256, &sb, 5, &e, &why), RC_EINVAL },
		{ "bmap_entry(hole)", im->bmap_entry(blk, 1024, 255, &sb, 5, &e, &why), 0 },
		{ "bmap_entry(hole, self 0)", im->bmap_entry(blk, 1024, 255, &sb, 0, &e, &why),
		  RC_EUCLEAN },
		{ "check_data_block(NULL sb)", im->check_data_block(NULL, &g, 0, g.last_block, &why),
		  RC_EINVAL },
		{ "check_data_block(NULL g)", im->check_data_block(&sb, NULL, 0, g.last_block, &why),
		  RC_EINVAL },
		{ "check_data_block(last + 1)",
		  im->check_data_block(&sb, &g, 0, g.last_block + 1, &why), RC_EINVAL },
		{ "check_data_block(group == groups)",
		  im->check_data_block(&sb, &g, sb.groups, g.last_block, &why), RC_EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap(cases[i].got == cases[i].want, "api: %s: %s returns %d (want %d)", im->name,
		    cases[i].what, cases[i].got, cases[i].want);
	free(blk);
}

static const struct vec *find_vec(const struct vec *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *dir = "tests/vectors/ext2";
	char expected_path[4096];
	FILE *rec = NULL;
	bool record = false;
	struct vec *v;
	size_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--record")) {
			record = true;
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--record] [--dir DIR]\n", argv[0]);
			return 2;
		}
	}
	snprintf(expected_path, sizeof(expected_path), "%s/expected.txt", dir);
	v = list_vectors(dir, &n);
	if (!n) {
		printf("not ok 1 - no vectors in %s\n1..1\n", dir);
		return 1;
	}
	if (record) {
		rec = fopen(expected_path, "w");
		if (!rec) {
			perror(expected_path);
			return 2;
		}
		fprintf(rec, "# ext2 parser vectors: image, then its canonical result under the C\n"
			     "# implementation (tests/ffi/ext2_vectors.c: counts, the first\n"
			     "# failures as where:WHY, a hash of the whole walk). Written by\n"
			     "# ext2_vectors --record; each bad/ image must fail where its name says.\n");
	} else {
		load_expected(expected_path);
	}
	for (size_t i = 0; i < n; i++)
		check_vector(&v[i], rec);
	if (rec) {
		fclose(rec);
		tap(true, "recorded %zu results in %s", n, expected_path);
	}
	for (size_t i = 0; i < nr_expected; i++)
		if (!expected[i].used)
			tap(false, "expected.txt: %s: no such vector", expected[i].name);

	const struct vec *base = find_vec(v, n, "good/1k.img");
	if (base && base->size >= 4096) {
		check_api(&impl_c, base);
#ifdef WITH_RUST
		check_api(&impl_rust, base);
#endif
	} else {
		tap(false, "api: good/1k.img missing");
	}
	printf("1..%d\n", test_no);
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].data);
	}
	free(v);
	for (size_t i = 0; i < nr_expected; i++) {
		free(expected[i].name);
		free(expected[i].text);
	}
	free(expected);
#ifdef WITH_RUST
	if (log_count)
		fprintf(stderr, "# rust logged %lu messages\n", log_count);
#endif
	return failures ? 1 : 0;
}
