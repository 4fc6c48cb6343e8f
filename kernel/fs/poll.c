/*
 * The waiting half of poll/select: each file's poll op calls poll_wait()
 * for the wait queues its readiness depends on. Queuing (which marks the
 * task blocked) happens before the op reads its state, so a wakeup that
 * races with the check is never lost: the task is merely made runnable.
 */
#include <alloy/poll.h>

void poll_wait(struct poll_table *pt, struct wait_queue *wq)
{
	if (!pt)
		return;
	if (pt->n == POLL_ENTRIES) {
		pt->overflow = true;
		return;
	}
	pt->e[pt->n].wq = wq;
	pt->e[pt->n].w.task = NULL;
	prepare_to_wait(wq, &pt->e[pt->n].w);
	pt->n++;
}

void poll_table_release(struct poll_table *pt)
{
	for (int i = 0; i < pt->n; i++)
		finish_wait(pt->e[i].wq, &pt->e[i].w);
	pt->n = 0;
	pt->overflow = false;
}
