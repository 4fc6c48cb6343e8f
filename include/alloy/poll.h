/*
 * Readiness, one interface for poll, select and epoll (kernel/fs/poll.c).
 *
 * A file's poll op reports a readiness mask (POLLIN...) and calls
 * poll_wait() for each wait queue a change of that readiness is announced
 * on. What poll_wait() does is the table's: poll/select queue the task on
 * each queue (holding a reference to the file, so another thread closing
 * the fd cannot free the queue under the waiter, as Linux's poll table);
 * epoll subscribes a callback that puts the item on its ready list
 * (kernel/fs/epoll.c). A NULL table only asks.
 */
#ifndef ALLOY_POLL_H
#define ALLOY_POLL_H

#include <alloy/wait.h>

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLMSG 0x400
#define POLLRDHUP 0x2000

struct file;
struct poll_table;

typedef void (*poll_queue_fn)(struct poll_table *pt, struct file *f, struct wait_queue *wq);

struct poll_table {
	poll_queue_fn qproc;
	struct file *file;	/* whose poll op is running (vfs_poll sets it) */
};

/* Queue on wq as the table says (pt may be NULL: just asking). */
static inline void poll_wait(struct poll_table *pt, struct wait_queue *wq)
{
	if (pt && pt->qproc)
		pt->qproc(pt, pt->file, wq);
}

/* f's readiness through its poll op; files without one are always ready
 * for reading and writing (regular files, as on Linux). */
unsigned int vfs_poll(struct file *f, struct poll_table *pt);
/* Has f a poll op (epoll refuses the others with EPERM)? */
bool file_can_poll(const struct file *f);

/* poll/select's table: a task waiter per queue, each with a reference to
 * its file, in chunks allocated as needed. */
#define POLL_CHUNK 32

struct poll_entry {
	struct file *file;
	struct wait_queue *wq;
	struct waiter w;
};

struct poll_chunk {
	struct poll_chunk *next;
	int n;
	struct poll_entry e[POLL_CHUNK];
};

struct poll_wqueues {
	struct poll_table pt;
	bool overflow;		/* no memory for an entry: poll by timer */
	struct poll_chunk *last;	/* where the next entry goes */
	struct poll_chunk first;
};

void poll_wqueues_init(struct poll_wqueues *pw);
/* Dequeues the task and drops the file references (chunks are kept). */
void poll_wqueues_release(struct poll_wqueues *pw);
/* Releases and frees the chunks. */
void poll_wqueues_free(struct poll_wqueues *pw);

#endif
