/*
 * ext2, internal to kernel/fs/ext2/. The on-disk structures are decoded
 * and validated by the parser behind the FFI boundary (ffi/ext2.h); this
 * driver does the I/O, the caching and every change.
 *
 * Caches: metadata (superblock, descriptors, bitmaps, inode tables,
 * directories, indirect blocks) lives in one page cache over the whole
 * disk, `meta`, dirtied a block at a time; a regular file's data lives in
 * its inode's own page cache. A block changes hands (file data <->
 * metadata) only through the bitmaps: freeing a block forgets its dirty
 * metadata copy and a new metadata block is zeroed before use, so the
 * two caches never write stale bytes over each other.
 *
 * Locks, outermost first: the VFS's ns_lock (every directory change and
 * read), an inode's VFS mutex (file data, size), its block-map mutex
 * (`map`, ranked after the mm lock so page faults may fill pages), then
 * the filesystem's `alloc` mutex (bitmaps, free counts, descriptors),
 * then the page cache spinlocks. No ext2 mutex is held across a copy to
 * or from user memory.
 */
#ifndef FS_EXT2_H
#define FS_EXT2_H

#include <alloy/blkdev.h>
#include <alloy/list.h>
#include <alloy/mutex.h>
#include <alloy/pcache.h>
#include <alloy/spinlock.h>
#include <alloy/vfs.h>
#include <ffi/ffi.h>

/* 4096: a directory of 100 000 files keeps chains at about 25 inodes
 * (with 256 each create walked chains of 400, bench bigdir_100k) */
#define EXT2_ICACHE_BUCKETS 4096

struct ext2_fs {
	struct super_block *sb;
	struct blkdev *bd;
	struct ext2_super s;		/* as parsed at mount */
	struct ext2_group *groups;	/* s.groups entries [alloc] */
	u32 bs;				/* block size */
	u32 blocks_per_page;		/* 4096 / bs */
	u32 free_blocks, free_inodes;	/* [alloc] */
	u32 last_group;			/* where the last block came from [alloc] */
	struct mutex alloc;
	struct mutex xattr;		/* extended-attribute blocks (xattr.c) */
	struct pcache meta;		/* the whole disk, for metadata */
	spinlock_t icache_lock;
	struct list_head *icache;	/* EXT2_ICACHE_BUCKETS heads [icache_lock] */
	bool corrupt_logged;
};

/* The in-memory part of an ext2 inode (inode->priv). */
struct ext2_inode_info {
	struct inode *inode;
	struct list_head hash;		/* fs->icache [icache_lock] */
	struct mutex map;		/* block[], blocks512 */
	struct pcache data;		/* regular files */
	u32 block[EXT2_N_BLOCKS];
	u32 flags, blocks512, file_acl, generation, dtime;
	u32 last_block;			/* allocation goal: after this one [map] */
	bool fast_symlink;
	/* directories: the index of names and room (dindex.c) [ns_lock];
	 * while there is none, dx_skip operations go linear before the next
	 * try to build one, after a build that failed (dx_backoff doubles) */
	struct ext2_dindex *dx;
	u32 dx_skip, dx_backoff;
	bool dx_dense;			/* one block, but a scan met DX_DENSE entries */
};

static inline struct ext2_fs *EXT2_FS(struct super_block *sb) { return sb->priv; }

/* Little-endian stores into on-disk structures (the parser reads them). */
static inline void put_le16(u8 *p, u16 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); }
static inline void put_le32(u8 *p, u32 v) { put_le16(p, (u16)v); put_le16(p + 2, (u16)(v >> 16)); }
static inline u16 get_le16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }

static inline struct ext2_inode_info *EXT2_I(struct inode *i) { return i->priv; }

/* A metadata block held in the `meta` cache. */
struct mblock {
	struct page *page;
	u8 *data;			/* bs bytes */
	u32 block;
};

/* super.c */
int mb_read(struct ext2_fs *fs, u32 block, struct mblock *mb);
int mb_zero(struct ext2_fs *fs, u32 block, struct mblock *mb);	/* new block */
void mb_dirty(struct ext2_fs *fs, struct mblock *mb);
void mb_put(struct mblock *mb);
/* A freed block: forget any dirty metadata copy so it is never written. */
void mb_forget(struct ext2_fs *fs, u32 block);
/* Logs a corruption found by the parser (once per mount) and returns rc. */
int ext2_corrupt(struct ext2_fs *fs, const char *what, u32 nr, int rc, u32 why);
u32 ext2_group_of(struct ext2_fs *fs, u32 block);
/* Is block a valid place for data or an indirect block? */
int ext2_check_block(struct ext2_fs *fs, u32 block);

/* balloc.c: bitmaps (fs->alloc is taken inside) */
int ext2_alloc_block(struct ext2_fs *fs, u32 goal, u32 *out);
void ext2_free_block(struct ext2_fs *fs, u32 block);
int ext2_alloc_inode(struct ext2_fs *fs, u32 dir_ino, bool is_dir, u32 *out);
void ext2_free_inode(struct ext2_fs *fs, u32 ino, bool is_dir);
int ext2_write_group(struct ext2_fs *fs, u32 g);	/* alloc held */

/* inode.c */
/* Where inode ino's record lies: its inode-table block and byte offset. */
void ext2_inode_locate(struct ext2_fs *fs, u32 ino, u32 *block, u32 *off);
int ext2_iget(struct ext2_fs *fs, u32 ino, struct inode **out);
u32 ext2_fh_generation(struct inode *i);
int ext2_fh_to_inode(struct super_block *sb, u64 ino, u32 gen, struct inode **out);
struct inode *ext2_new_inode(struct ext2_fs *fs, u32 ino, u32 mode);
/* Hashes i; if the inode was hashed already, drops i and returns that one
 * (with a reference), or NULL if that one is being evicted (retry). */
struct inode *ext2_icache_add(struct ext2_fs *fs, struct inode *i);
void ext2_write_inode(struct inode *inode);
/* 1 if ino is live (cached, or linked on disk), 0 if free, or -errno. */
int ext2_inode_in_use(struct ext2_fs *fs, u32 ino);
/* Block n of the file (0: a hole); create allocates it, and any
 * missing indirect block (zeroed). Caller holds the inode's map mutex. */
int ext2_bmap(struct inode *inode, u64 n, bool create, u32 *out);
int ext2_truncate_blocks(struct inode *inode, u64 size);
/* i->lock held: cached pages and blocks past size (<= i->size) go, with
 * truncate's protocol (the last page held busy meanwhile); 0 or -errno,
 * nothing changed then. */
int ext2_cut_to(struct inode *inode, u64 size);
void ext2_set_ops(struct inode *inode);
extern const struct inode_ops ext2_iops;
extern const struct file_ops ext2_file_fops, ext2_dir_fops, ext2_link_fops;
/* file.c: fallocate(2) of a regular file */
int ext2_fallocate(struct inode *inode, int mode, u64 off, u64 len);

/* namei.c: the inode_ops that change names */
int ext2_mknod(struct inode *dir, const char *name, size_t len, u32 mode, u32 rdev,
	       const char *target, struct inode **out);
/* the i_flags bits chattr changes (Linux's EXT2_FL_USER_MODIFIABLE):
 * FS_SECRM_FL..FS_NOATIME_FL, NOTAIL, DIRSYNC, TOPDIR */
#define EXT2_FL_MODIFIABLE 0x000380FFu
int ext2_need_large_file(struct ext2_fs *fs, u64 end);
u64 ext2_size_limit(struct ext2_fs *fs);
int ext2_add_compat(struct ext2_fs *fs, u32 feature);
int ext2_tmpfile(struct inode *dir, u32 mode, struct inode **out);
int ext2_link(struct inode *dir, const char *name, size_t len, struct inode *inode);
int ext2_unlink(struct inode *dir, const char *name, size_t len, struct inode *inode);
int ext2_rename(struct inode *odir, const char *oname, size_t olen, struct inode *inode,
		struct inode *ndir, const char *nname, size_t nlen, struct inode *victim);

/* dir.c (ns_lock held) */
int ext2_lookup(struct inode *dir, const char *name, size_t len, struct inode **out);
int ext2_add_entry(struct inode *dir, const char *name, size_t len, u32 ino, u32 mode);
/* first: the operation's first change, so its scan may stop at SIGKILL
 * (-EINTR); not once something else has changed. */
int ext2_del_entry(struct inode *dir, const char *name, size_t len, bool first);
int ext2_set_entry(struct inode *dir, const char *name, size_t len, u32 ino, u32 mode,
		   bool first);
int ext2_dir_empty(struct inode *dir);	/* 1 empty, 0 not, or -errno */
int ext2_make_dir_block(struct inode *dir, u32 parent_ino);
int ext2_iterate(struct file *f, u64 *pos,
		 bool (*emit)(void *ctx, const char *name, size_t len, u64 ino, u32 mode,
			      u64 next),
		 void *ctx);

/* dindex.c: the in-memory index of a directory (callers hold the ns_lock) */
struct ext2_dindex;
struct ext2_dindex *ext2_dx_alloc(u64 nblocks, int *err);
void ext2_dx_free(struct ext2_dindex *dx);
u32 ext2_dx_hash(const char *name, size_t len);
int ext2_dx_insert(struct ext2_dindex *dx, u32 tag, u32 fb, u32 off, bool counted);
void ext2_dx_remove(struct ext2_dindex *dx, u32 tag, u32 fb, u32 off, bool counted);
u32 ext2_dx_first(const struct ext2_dindex *dx, u32 tag);
bool ext2_dx_next(const struct ext2_dindex *dx, u32 tag, u32 *cursor, u32 *fb, u32 *off);
u32 ext2_dx_others(const struct ext2_dindex *dx);
int ext2_dx_set_gap(struct ext2_dindex *dx, u32 fb, u32 gap, u32 off);
u32 ext2_dx_get_gap(const struct ext2_dindex *dx, u32 fb, u32 *off);
void ext2_dx_note_gap(struct ext2_dindex *dx, u32 fb, u32 gap, u32 off);
void ext2_dx_built(struct ext2_dindex *dx);
long ext2_dx_find_gap(const struct ext2_dindex *dx, u32 need, u32 *off);
long ext2_dx_total(void);	/* bytes of every index */
void ext2_dx_drop(struct inode *dir);

/* xattr.c: extended attributes (the inode_ops), and the block of an
 * inode being deleted let go. */
long ext2_getxattr(struct inode *i, const char *name, void *buf, size_t size);
int ext2_setxattr(struct inode *i, const char *name, const void *val, size_t size, int flags);
long ext2_listxattr(struct inode *i, char *buf, size_t size);
int ext2_removexattr(struct inode *i, const char *name);
void ext2_xattr_drop(struct inode *i);

#endif
