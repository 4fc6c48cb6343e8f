/*
 * Reader/writer sleeping lock: any number of readers, or one writer.
 * Fair in arrival order: a waiting writer holds back readers that come
 * after it (page faults take the read side in a loop and would otherwise
 * starve munmap), and a release hands the lock to the waiters at the
 * head of the queue (one writer, or every reader up to the next writer),
 * as mutex_unlock hands a mutex over. Checked by lockdep like a mutex.
 */
#ifndef ALLOY_RWSEM_H
#define ALLOY_RWSEM_H

#include <alloy/mutex.h>

struct rwsem {
	struct wait_queue wq;	/* its lock guards readers, writer and the queue */
	int readers;		/* holding the read side */
	struct task *writer;	/* holding the write side */
	struct lock_dep dep;
};

void rwsem_init(struct rwsem *s, const char *name, int rank);
void down_read(struct rwsem *s);
void up_read(struct rwsem *s);
void down_write(struct rwsem *s);
void up_write(struct rwsem *s);
/* True if the caller holds the write side. */
bool rwsem_is_write_held(struct rwsem *s);

#endif
