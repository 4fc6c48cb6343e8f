/*
 * poll(2) support: a file's poll op reports a readiness mask and, given a
 * poll table, queues the polling task on each wait queue that a change
 * of that readiness will be announced on (kernel/fs/poll.c).
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
#define POLLWRNORM 0x100

#define POLL_ENTRIES 64		/* wait queues one poll() watches */

struct poll_table {
	int n;
	bool overflow;		/* more queues than entries: poll by timer */
	struct {
		struct wait_queue *wq;
		struct waiter w;
	} e[POLL_ENTRIES];
};

/* Queue the caller on wq (pt may be NULL: just asking). */
void poll_wait(struct poll_table *pt, struct wait_queue *wq);
void poll_table_release(struct poll_table *pt);

#endif
