/*
 * The waiting half of poll/select: each file's poll op calls poll_wait()
 * for the wait queues its readiness depends on, and poll/select's table
 * queues the task there. The task marks itself blocked before the first
 * file, and queuing happens before the op reads its state, so a wakeup
 * that races with the check is never lost: the task is merely made
 * runnable (and queuing on later files leaves it so). Every entry holds a
 * reference to its file until it is dequeued: the queue lives in the
 * file's private state, which another thread's close would otherwise free.
 */
#include <alloy/poll.h>
#include <alloy/slab.h>
#include <alloy/cpu.h>
#include <alloy/vfs.h>

unsigned int vfs_poll(struct file *f, struct poll_table *pt)
{
	if (!f->fop || !f->fop->poll)
		return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	if (pt)
		pt->file = f;
	return f->fop->poll(f, pt);
}

bool file_can_poll(const struct file *f)
{
	return f->fop && f->fop->poll;
}

static struct poll_entry *entry_alloc(struct poll_wqueues *pw)
{
	struct poll_chunk *c = pw->last;

	if (c->n < POLL_CHUNK)
		return &c->e[c->n++];
	if (!c->next) {
		c->next = kmalloc(sizeof(*c), GFP_KERNEL);
		if (!c->next)
			return NULL;
		c->next->next = NULL;
		c->next->n = 0;
	}
	pw->last = c = c->next;
	return &c->e[c->n++];
}

static void poll_queue(struct poll_table *pt, struct file *f, struct wait_queue *wq)
{
	struct poll_wqueues *pw = container_of(pt, struct poll_wqueues, pt);
	struct poll_entry *e = entry_alloc(pw);

	if (!e) {
		pw->overflow = true;
		return;
	}
	e->file = file_get(f);
	e->wq = wq;
	/* Queued only: the poller marked itself blocked before its first
	 * file. prepare_to_wait() would mark it blocked again, undoing a
	 * wakeup an earlier file's queue gave it meanwhile (which took that
	 * entry off its queue): the poller then slept with a file ready.
	 * add_wait_callback() just enqueues; with no func this is a task
	 * waiter, which the wakers dequeue and wake as any other. */
	e->w = (struct waiter){ .task = current };
	list_init(&e->w.link);
	add_wait_callback(wq, &e->w);
}

void poll_wqueues_init(struct poll_wqueues *pw)
{
	pw->pt.qproc = poll_queue;
	pw->pt.file = NULL;
	pw->overflow = false;
	pw->first.next = NULL;
	pw->first.n = 0;
	pw->last = &pw->first;
}

void poll_wqueues_release(struct poll_wqueues *pw)
{
	for (struct poll_chunk *c = &pw->first; c; c = c->next) {
		for (int i = 0; i < c->n; i++) {
			finish_wait(c->e[i].wq, &c->e[i].w);
			file_put(c->e[i].file);
		}
		c->n = 0;
	}
	pw->last = &pw->first;
	pw->overflow = false;
}

void poll_wqueues_free(struct poll_wqueues *pw)
{
	poll_wqueues_release(pw);
	for (struct poll_chunk *c = pw->first.next, *n; c; c = n) {
		n = c->next;
		kfree(c);
	}
	pw->first.next = NULL;
}
