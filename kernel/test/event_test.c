/*
 * Readiness tests: a poll table's entries hold their files, so the file
 * whose wait queue a poller sleeps on outlives a close by another thread
 * (CLONE_FILES), as Linux's poll table.
 */
#include <alloy/atomic.h>
#include <alloy/ktest.h>
#include <alloy/poll.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/task.h>
#include <alloy/vfs.h>

KTEST(poll_holds_file)
{
	struct file *rd, *wr;
	struct poll_wqueues *pw = kmalloc(sizeof(*pw), GFP_KERNEL);
	char c = 'x';

	KT_ASSERT(pw);
	KT_ASSERT(pipe_create(0, &rd, &wr) == 0);
	poll_wqueues_init(pw);
	unsigned int m = vfs_poll(rd, &pw->pt);	/* queues us on the read queue */
	set_current_state_running();
	KT_EXPECT(!(m & POLLIN));
	KT_EXPECT(atomic_read(&rd->refcount) == 2);
	file_put(rd);			/* "another thread closed the fd" */
	KT_EXPECT(atomic_read(&rd->refcount) == 1);	/* the entry's */
	KT_EXPECT(file_write(wr, (struct iobuf){ (u64)&c, true }, 1) == 1);	/* wakes the queue */
	KT_EXPECT(vfs_poll(rd, NULL) & POLLIN);
	poll_wqueues_free(pw);		/* the last reference: the read end goes */
	kfree(pw);
	file_put(wr);
}
