/*
 * Pipes: a ring of lazily allocated pages (64 KiB unless F_SETPIPE_SZ
 * changed it) shared by a read file and a write file. The pipe's mutex guards the ring; readers and writers
 * sleep on their own wait queue with the one sleep/wakeup protocol, and a
 * signal ends the sleep. Writes of at most PIPE_BUF bytes are atomic.
 *
 * Packet mode (pipe(7), pipe2's O_DIRECT, or F_SETFL O_DIRECT on either
 * end): a write through a file with O_DIRECT puts its bytes in as
 * packets of at most PIPE_BUF, each a record of where it starts and how
 * long it is (a ring of one per page of capacity, made at the first
 * packet: as Linux, a pipe holds at most as many packets as it has
 * pages). A read that reaches a packet takes at most that packet and
 * stops; what of it did not fit in the reader's buffer is dropped.
 * Bytes written without O_DIRECT stay a byte stream around the packets.
 * splice's peeking readers see packets as bytes; whatever consumes bytes
 * trims the records (pkt_trim), so a record never points at gone bytes.
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/string.h>
#include <alloy/slab.h>
#include <alloy/sysctl.h>
#include <alloy/uaccess.h>
#include <alloy/uid_usage.h>
#include <alloy/vfs.h>

#define PIPE_PAGES 16
#define PIPE_SIZE (PIPE_PAGES * PAGE_SIZE)	/* a new pipe's capacity */
#define PIPE_BUF 4096
#define PIPE_SIZE_LIMIT (1UL << 31)		/* F_SETPIPE_SZ, even for root */
#define PIPE_MIN_PAGES 2			/* Linux's PIPE_MIN_DEF_BUFFERS */

/* fs.pipe-max-size: the largest F_SETPIPE_SZ without CAP_SYS_RESOURCE */
static long pipe_max_size = 1048576;
SYSCTL_INT(pipe_max_size, "fs/pipe-max-size", 0644, &pipe_max_size, PAGE_SIZE, 1L << 31);

/*
 * Pages of pipe capacity per user (the creator's real uid), as Linux's
 * pipe-user-pages-soft/-hard (0: no limit): past the soft limit a user's
 * new pipes get PIPE_MIN_PAGES and F_SETPIPE_SZ may not grow one; past
 * the hard limit pipe() fails. Users with CAP_SYS_RESOURCE are exempt.
 * Capacity is charged, not pages in use, as Linux does.
 */
static long pipe_user_pages_soft = 16384, pipe_user_pages_hard;
SYSCTL_INT(pipe_user_pages_soft, "fs/pipe-user-pages-soft", 0644, &pipe_user_pages_soft, 0,
	   1L << 40);
SYSCTL_INT(pipe_user_pages_hard, "fs/pipe-user-pages-hard", 0644, &pipe_user_pages_hard, 0,
	   1L << 40);
static spinlock_t user_pages_lock = SPINLOCK_INIT("pipe-user-pages", LR_RLIMIT);
static struct uid_usage user_pages;	/* [user_pages_lock] */

/* uid's pipes go from `from` to `to` pages; returns what it holds now. */
static u64 account_pages(u32 uid, u64 from, u64 to)
{
	unsigned long flags = spin_lock_irqsave(&user_pages_lock);

	if (to > from)
		uid_usage_charge(&user_pages, uid, to - from, 0);
	else
		uid_usage_uncharge(&user_pages, uid, from - to);
	u64 now = uid_usage_get(&user_pages, uid);
	spin_unlock_irqrestore(&user_pages_lock, flags);
	return now;
}

static bool over(const long *limit, u64 pages)
{
	long l = READ_ONCE(*limit);

	return l && pages > (u64)l;
}

struct pipe {
	atomic_t refcount;		/* open ends, plus a FIFO inode's */
	struct mutex lock;
	struct wait_queue rd_wq, wr_wq;
	u64 head, tail;			/* bytes written / read, ever */
	int readers, writers;		/* [lock] open ends */
	u64 read_opens, write_opens;	/* [lock] FIFO: ends ever opened, by kind */
	u64 size;			/* [lock] capacity: pages, a power of two */
	u32 uid;			/* charged for size (account_pages) */
	u8 **page;			/* [lock] size / PAGE_SIZE of them */
	struct pkt *pkt;		/* [lock] packet records, size / PAGE_SIZE */
	u64 pkt_head, pkt_tail;		/* [lock] records written / consumed, ever */
};

/* A packet in the ring: bytes [start, start + len) of the stream. */
struct pkt {
	u64 start;
	u32 len;
};

static u64 slots(const struct pipe *p)
{
	return p->size / PAGE_SIZE;
}

static struct pkt *first_pkt(struct pipe *p)
{
	return p->pkt_tail != p->pkt_head ? &p->pkt[p->pkt_tail % slots(p)] : NULL;
}

/* Caller holds p->lock and has moved p->tail: records of bytes now gone
 * go, one that lost its front starts at the tail. */
static void pkt_trim(struct pipe *p)
{
	struct pkt *k;

	while ((k = first_pkt(p)) && k->start < p->tail) {
		if (k->start + k->len > p->tail) {
			k->len -= (u32)(p->tail - k->start);
			k->start = p->tail;
			break;
		}
		p->pkt_tail++;
	}
}

static u64 used(const struct pipe *p)
{
	return READ_ONCE(p->head) - READ_ONCE(p->tail);
}

static bool can_read(const struct pipe *p)
{
	return used(p) || !READ_ONCE(p->writers) || signal_pending();
}

/* need bytes free, and a packet record too for a packet (flags has
 * PIPE_PACKET). */
static bool has_room(const struct pipe *p, size_t need, int flags)
{
	if ((flags & PIPE_PACKET) &&
	    READ_ONCE(p->pkt_head) - READ_ONCE(p->pkt_tail) >= READ_ONCE(p->size) / PAGE_SIZE)
		return false;
	return READ_ONCE(p->size) - used(p) >= need;
}

static bool can_write(const struct pipe *p, size_t need, int flags)
{
	return has_room(p, need, flags) || !READ_ONCE(p->readers) || signal_pending();
}

/* read(2), and for splice (pipe_xfer_read) a copy that leaves the bytes
 * in the pipe, skip bytes in: PIPE_PEEK. */
static long do_pipe_read(struct pipe *p, struct iobuf b, size_t n, size_t skip, int flags)
{
	size_t done = 0;
	long rc = 0;

	if (!n)
		return 0;
	mutex_lock(&p->lock);
	while (used(p) <= skip) {
		if (!p->writers)
			goto out;
		if (flags & PIPE_NONBLOCK) {
			rc = -EAGAIN;
			goto out;
		}
		mutex_unlock(&p->lock);
		wait_event(p->rd_wq, can_read(p));
		mutex_lock(&p->lock);
		if (used(p) <= skip && signal_pending()) {
			rc = -ERESTARTSYS;
			goto out;
		}
	}
	while (done < n && used(p) > skip + (flags & PIPE_PEEK ? done : 0)) {
		u64 at = p->tail + (flags & PIPE_PEEK ? skip + done : 0);
		u64 off = at % p->size, avail = p->head - at;
		struct pkt *pk = flags & PIPE_PEEK ? NULL : first_pkt(p);
		if (pk && pk->start == at)
			avail = pk->len;	/* a packet: only it, then stop */
		else if (pk)
			avail = pk->start - at;	/* the bytes before one */
		size_t k = (size_t)MIN((u64)(n - done), MIN(avail, PAGE_SIZE - off % PAGE_SIZE));
		rc = iob_copy_out(b, done, p->page[off / PAGE_SIZE] + off % PAGE_SIZE, k);
		if (rc)
			break;
		done += k;
		if (flags & PIPE_PEEK)
			continue;
		if (pk && pk->start == at && (k == avail || done == n)) {
			p->tail += avail;	/* the packet's rest is dropped */
			p->pkt_tail++;
			break;
		}
		p->tail += k;
		pkt_trim(p);		/* a packet copied a page piece at a time */
	}
out:
	mutex_unlock(&p->lock);
	if (done && !(flags & PIPE_PEEK))
		wake_up_all(&p->wr_wq);	/* after the lock, as in pipe_write */
	return done ? (long)done : rc;
}

static int nonblock(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK ? PIPE_NONBLOCK : 0;
}

static long pipe_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	(void)pos;
	return do_pipe_read(f->priv, b, n, 0, nonblock(f));
}

/* A write through f makes packets: f has O_DIRECT. */
static int packets(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_DIRECT ? PIPE_PACKET : 0;
}

static void raise_sigpipe(void)
{
	struct ksiginfo si = { .signo = SIGPIPE, .code = SI_USER };

	signal_send(current_proc(), &si);
}

static long do_pipe_write(struct pipe *p, struct iobuf b, size_t n, int flags)
{
	size_t done = 0;
	long rc = 0;

	mutex_lock(&p->lock);
	if ((flags & PIPE_PACKET) && !p->pkt) {
		p->pkt = kmalloc(slots(p) * sizeof(*p->pkt), GFP_KERNEL);
		if (!p->pkt) {
			mutex_unlock(&p->lock);
			return -ENOMEM;
		}
	}
	while (done < n) {
		/* a packet goes in whole (a piece of PIPE_BUF of a longer
		 * write), in a free record */
		size_t need = n - done <= PIPE_BUF || (flags & PIPE_PACKET)
				? MIN(n - done, (size_t)PIPE_BUF) : 1;
		bool full = !has_room(p, need, flags);
		if (!p->readers) {
			raise_sigpipe();
			rc = -EPIPE;
			break;
		}
		if (full) {
			if (flags & PIPE_NONBLOCK) {
				rc = -EAGAIN;
				break;
			}
			mutex_unlock(&p->lock);
			if (done)	/* what is in there is for the reader now */
				wake_up_all(&p->rd_wq);
			wait_event(p->wr_wq, can_write(p, need, flags));
			mutex_lock(&p->lock);
			if (!has_room(p, need, flags) && p->readers && signal_pending()) {
				rc = -ERESTARTSYS;
				break;
			}
			continue;
		}
		u64 off = p->head % p->size;
		u8 **page = &p->page[off / PAGE_SIZE];
		if (!*page) {
			struct page *pg = alloc_page(GFP_KERNEL);
			if (!pg) {
				rc = -ENOMEM;
				break;
			}
			*page = page_to_virt(pg);
		}
		size_t k = (size_t)MIN((u64)(n - done),
				       MIN(p->size - used(p), PAGE_SIZE - off % PAGE_SIZE));
		if (flags & PIPE_PACKET) {	/* the packet, maybe across two pages */
			size_t k2 = need - MIN(k, need);
			k = MIN(k, need);
			rc = iob_copy_in(*page + off % PAGE_SIZE, b, done, k);
			if (!rc && k2) {
				u64 off2 = (p->head + k) % p->size;
				u8 **page2 = &p->page[off2 / PAGE_SIZE];
				if (!*page2) {
					struct page *pg = alloc_page(GFP_KERNEL);
					if (!pg) {
						rc = -ENOMEM;
						break;
					}
					*page2 = page_to_virt(pg);
				}
				rc = iob_copy_in(*page2, b, done + k, k2);
			}
			if (rc)
				break;
			p->pkt[p->pkt_head++ % slots(p)] = (struct pkt){ p->head, (u32)need };
			done += need;
			p->head += need;
			continue;
		}
		rc = iob_copy_in(*page + off % PAGE_SIZE, b, done, k);
		if (rc)
			break;
		done += k;
		p->head += k;
	}
	mutex_unlock(&p->lock);
	/* One wake-up per write, after the lock is free: a reader woken per
	 * page would only queue on the lock the writer still holds. */
	if (done)
		wake_up_all(&p->rd_wq);
	return done ? (long)done : rc;
}

static long pipe_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	(void)pos;
	return do_pipe_write(f->priv, b, n, nonblock(f) | packets(f));
}

static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	unsigned int mask = 0;
	u32 acc = f->flags & O_ACCMODE;

	if (acc != O_WRONLY) {
		poll_wait(pt, &p->rd_wq);
		if (used(p))
			mask |= POLLIN | POLLRDNORM;
		if (!READ_ONCE(p->writers))
			mask |= POLLHUP;
	}
	if (acc != O_RDONLY) {
		poll_wait(pt, &p->wr_wq);
		if (has_room(p, PIPE_BUF, packets(f)))
			mask |= POLLOUT | POLLWRNORM;
		if (!READ_ONCE(p->readers))
			mask |= POLLERR;
	}
	return mask;
}

static void free_ring(u8 **page, u64 size)
{
	for (u64 i = 0; page && i < size / PAGE_SIZE; i++)
		if (page[i])
			free_page(virt_to_page(page[i]));
	kfree(page);
}

static void pipe_put(struct pipe *p)
{
	if (!atomic_dec_and_test(&p->refcount))
		return;
	free_ring(p->page, p->size);
	kfree(p->pkt);
	account_pages(p->uid, p->size / PAGE_SIZE, 0);
	kfree(p);
}

/* The other end may be releasing at the same time on another CPU: the
 * wakeups happen under the lock, and only the last reference frees. */
static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	mutex_lock(&p->lock);
	u32 acc = f->flags & O_ACCMODE;
	if (acc == O_RDONLY || acc == O_RDWR)
		p->readers--;
	if (acc == O_WRONLY || acc == O_RDWR)
		p->writers--;
	wake_up_all(&p->rd_wq);
	wake_up_all(&p->wr_wq);
	mutex_unlock(&p->lock);
	pipe_put(p);
}

static long pipe_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct pipe *p = f->priv;
	int n = (int)used(p);

	if (cmd != 0x541B)	/* FIONREAD */
		return -ENOTTY;
	return copy_to_user((void *)arg, &n, sizeof(n));
}

static const struct file_ops pipe_fops = {
	.ioctl = pipe_ioctl,
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.release = pipe_release,
};

static struct super_block *pipe_sb;

/*
 * For splice, tee and vmsplice (kernel/fs/splice.c): the pipe behind a
 * pipe or FIFO file, and reads and writes with per-call flags instead of
 * the file's O_NONBLOCK. A PIPE_PEEK read copies without consuming;
 * pipe_consume then drops what the caller used. Another reader of the
 * same pipe between the two may read those bytes too (never more than
 * the pipe holds is dropped).
 */
struct pipe *pipe_of(struct file *f)
{
	return f && f->fop == &pipe_fops ? f->priv : NULL;
}

long pipe_xfer_read(struct pipe *p, struct iobuf b, size_t n, size_t skip, int flags)
{
	if (!(flags & PIPE_PEEK))
		skip = 0;
	else if (skip)	/* can_read wakes at any data: waiting for more would spin */
		flags |= PIPE_NONBLOCK;
	return do_pipe_read(p, b, n, skip, flags);
}

long pipe_xfer_write(struct pipe *p, struct iobuf b, size_t n, int flags)
{
	return do_pipe_write(p, b, n, flags);
}

void pipe_consume(struct pipe *p, size_t n)
{
	mutex_lock(&p->lock);
	p->tail += MIN((u64)n, used(p));
	pkt_trim(p);
	mutex_unlock(&p->lock);
	if (n)
		wake_up_all(&p->wr_wq);
}

size_t pipe_room(struct pipe *p)
{
	return (size_t)(READ_ONCE(p->size) - used(p));
}

static bool may_exceed_pipe_max(void);

/* A new pipe charged to the caller's user: NULL with *err -ENOMEM, or
 * -ENFILE past pipe-user-pages-hard. */
static struct pipe *pipe_alloc(int *err)
{
	struct pipe *p = kzalloc(sizeof(*p), GFP_KERNEL);
	struct process *me = current_proc();
	u64 pages = PIPE_PAGES;

	*err = -ENOMEM;
	if (!p)
		return NULL;
	p->uid = me ? READ_ONCE(me->uid[0]) : 0;
	bool limited = !may_exceed_pipe_max();
	/* pipe-max-size caps a new pipe too (Linux 4.9's alloc_pipe_info) */
	if (limited && pages * PAGE_SIZE > (u64)READ_ONCE(pipe_max_size))
		pages = 1ULL << (63 - __builtin_clzll(MAX((u64)READ_ONCE(pipe_max_size) /
							     PAGE_SIZE, 1ULL)));
	u64 held = account_pages(p->uid, 0, pages);
	if (over(&pipe_user_pages_soft, held) && limited) {
		held = account_pages(p->uid, pages, PIPE_MIN_PAGES);
		pages = PIPE_MIN_PAGES;
	}
	p->size = pages * PAGE_SIZE;
	if (over(&pipe_user_pages_hard, held) && limited) {
		*err = -ENFILE;
		goto fail;
	}
	p->page = kzalloc(pages * sizeof(u8 *), GFP_KERNEL);
	if (!p->page)
		goto fail;
	atomic_set(&p->refcount, 1);
	mutex_init(&p->lock, "pipe", LR_MUTEX_PIPE);
	wait_queue_init(&p->rd_wq, "pipe-read");
	wait_queue_init(&p->wr_wq, "pipe-write");
	return p;
fail:
	account_pages(p->uid, pages, 0);
	kfree(p);
	return NULL;
}

int pipe_create(u32 flags, struct file **rd, struct file **wr)
{
	int err;
	struct pipe *p = pipe_alloc(&err);
	struct inode *i;

	if (!p)
		return err;
	if (!pipe_sb)
		pipe_sb = sb_create("pipefs");
	if (!pipe_sb || !(i = inode_alloc(pipe_sb, S_IFIFO | 0600))) {
		pipe_put(p);
		return -ENOMEM;
	}
	i->fop = &pipe_fops;
	inode_init_owner(i, NULL);	/* the creator's, as fstat shows on Linux */
	*rd = file_alloc(i, NULL, O_RDONLY | (flags & O_NONBLOCK));
	*wr = file_alloc(i, NULL, O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)));	/* as Linux: O_DIRECT on the write end */
	inode_put(i);
	if (!*rd || !*wr) {
		if (*rd) { (*rd)->fop = NULL; file_put(*rd); }
		if (*wr) { (*wr)->fop = NULL; file_put(*wr); }
		pipe_put(p);
		return -ENOMEM;
	}
	(*rd)->priv = (*wr)->priv = p;
	p->readers = p->writers = 1;
	atomic_set(&p->refcount, 2);
	return 0;
}

/*
 * Named pipes: the FIFO inode owns one pipe (made at first open, kept
 * while the inode lives). Opening for reading waits for a writer and the
 * other way round, unless O_NONBLOCK: then a reader opens at once and a
 * writer without readers gets -ENXIO. O_RDWR never waits.
 */
/* The other end is open, or was opened (maybe closed again) since:
 * counted by kind, so another reader's open does not wake a reader. */
static bool partner_came(struct pipe *p, u64 seen, bool reader)
{
	if (reader)
		return READ_ONCE(p->writers) > 0 || READ_ONCE(p->write_opens) != seen;
	return READ_ONCE(p->readers) > 0 || READ_ONCE(p->read_opens) != seen;
}

int fifo_open(struct inode *inode, struct file *f)
{
	struct pipe *p;
	u32 acc = f->flags & O_ACCMODE;
	bool reader = acc != O_WRONLY, writer = acc != O_RDONLY;
	int err = -ENOMEM;

	mutex_lock(&inode->lock);
	p = inode->fifo;
	if (!p && (p = pipe_alloc(&err)))
		inode->fifo = p;	/* the inode's reference, put by fifo_evict */
	if (p)
		atomic_inc(&p->refcount);
	mutex_unlock(&inode->lock);
	if (!p)
		return err == -ENFILE ? -ENOMEM : err;	/* Linux's fifo_open */
	mutex_lock(&p->lock);
	if (!reader && !p->readers && (f->flags & O_NONBLOCK)) {
		mutex_unlock(&p->lock);
		pipe_put(p);
		return -ENXIO;
	}
	p->readers += reader;
	p->writers += writer;
	p->read_opens += reader;
	p->write_opens += writer;
	u64 seen = reader ? p->write_opens : p->read_opens;
	wake_up_all(&p->rd_wq);
	wake_up_all(&p->wr_wq);
	mutex_unlock(&p->lock);
	f->priv = p;
	f->fop = &pipe_fops;
	if (acc == O_RDWR || (f->flags & O_NONBLOCK))
		return 0;
	/* wait for the other end: either it is open now, or it was opened
	 * (and maybe closed again) since we arrived */
	struct wait_queue *wq = reader ? &p->rd_wq : &p->wr_wq;
	wait_event(*wq, partner_came(p, seen, reader) || signal_pending());
	if (!partner_came(p, seen, reader)) {	/* a signal came first */
		pipe_release(f);
		f->fop = NULL;
		return -ERESTARTSYS;
	}
	return 0;
}

void fifo_evict(struct inode *inode)
{
	if (inode->fifo)
		pipe_put(inode->fifo);
	inode->fifo = NULL;
}

/* Copies the ring's bytes into a ring of `size` (they fit); the new
 * pages are allocated here, so ENOMEM changes nothing. */
static int move_ring(struct pipe *p, u8 **to, u64 size)
{
	for (u64 k = p->tail; k < p->head;) {
		u64 so = k % p->size, d = k % size;
		size_t n = (size_t)MIN(p->head - k,
				       MIN(PAGE_SIZE - so % PAGE_SIZE, PAGE_SIZE - d % PAGE_SIZE));
		u8 **page = &to[d / PAGE_SIZE];
		if (!*page) {
			struct page *pg = alloc_page(GFP_KERNEL);
			if (!pg)
				return -ENOMEM;
			*page = page_to_virt(pg);
		}
		memcpy(*page + d % PAGE_SIZE, p->page[so / PAGE_SIZE] + so % PAGE_SIZE, n);
		k += n;
	}
	return 0;
}

/* The packet records into a ring of size / PAGE_SIZE: -EBUSY if there
 * are more (Linux: more buffers than the new size has slots). Caller
 * holds p->lock. Once made, the record ring stays; on a later failure
 * (move_ring's ENOMEM) it is just larger than needed. */
static int move_pkts(struct pipe *p, u64 size)
{
	u64 n = p->pkt_head - p->pkt_tail, ns = size / PAGE_SIZE;

	if (!p->pkt)
		return 0;
	if (n > ns)
		return -EBUSY;
	struct pkt *to = kmalloc(MAX(ns, slots(p)) * sizeof(*to), GFP_KERNEL);
	if (!to)
		return -ENOMEM;
	for (u64 k = 0; k < n; k++)
		to[k] = p->pkt[(p->pkt_tail + k) % slots(p)];
	kfree(p->pkt);
	p->pkt = to;
	p->pkt_tail = 0;
	p->pkt_head = n;
	return 0;
}

static bool may_exceed_pipe_max(void)
{
	struct process *me = current_proc();

	/* CAP_SYS_RESOURCE: root that has not dropped it (setuid does not
	 * recompute the sets here, so the set alone says nothing); the
	 * kernel's own pipes (a kernel thread's: the ktests) are not limited */
	return !me || (READ_ONCE(me->uid[1]) == 0 && (READ_ONCE(me->caps[0]) >> 24 & 1));
}

/* F_SETPIPE_SZ, as Linux's pipe_set_size: the capacity becomes arg
 * rounded up to pages, a power of two; -EBUSY if what the pipe holds
 * would not fit. Returns the new capacity. */
static long pipe_set_size(struct pipe *p, u32 arg)
{
	u64 size = PAGE_SIZE;

	if (arg > PIPE_SIZE_LIMIT)
		return -EINVAL;
	while (size < arg)
		size *= 2;
	bool limited = !may_exceed_pipe_max();
	if (size > READ_ONCE(p->size) && size > (u64)READ_ONCE(pipe_max_size) && limited)
		return -EPERM;
	u8 **ring = kzalloc(size / PAGE_SIZE * sizeof(u8 *), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	mutex_lock(&p->lock);
	/* as Linux: growing past the user's soft or hard limit is EPERM */
	u64 was = p->size / PAGE_SIZE, held = account_pages(p->uid, was, size / PAGE_SIZE);
	long rc = 0;
	if (size / PAGE_SIZE > was && limited &&
	    (over(&pipe_user_pages_soft, held) || over(&pipe_user_pages_hard, held)))
		rc = -EPERM;
	if (!rc)
		rc = used(p) > size ? -EBUSY : move_pkts(p, size);
	if (!rc)
		rc = move_ring(p, ring, size);
	if (rc)
		account_pages(p->uid, size / PAGE_SIZE, was);
	u8 **old = ring;
	u64 old_size = size;
	if (!rc) {
		old = p->page;
		old_size = p->size;
		p->page = ring;
		p->size = size;
	}
	mutex_unlock(&p->lock);
	free_ring(old, old_size);	/* the old ring, or the new one on failure */
	if (rc)
		return rc;
	wake_up_all(&p->wr_wq);		/* room for a sleeping writer, maybe */
	return (long)size;
}

/* F_GETPIPE_SZ and F_SETPIPE_SZ; -EBADF if f is not a pipe or FIFO. */
long pipe_fcntl(struct file *f, int cmd, u64 arg)
{
	if (f->fop != &pipe_fops)
		return -EBADF;
	struct pipe *p = f->priv;
	if (cmd == F_GETPIPE_SZ)
		return (long)READ_ONCE(p->size);
	return pipe_set_size(p, (u32)arg);
}
