/*
 * Asynchronous notification: a file's owner (F_SETOWN) and its signal
 * (F_SETSIG), O_ASYNC's SIGIO when the file becomes ready, and the
 * senders that use the same owner (dnotify, leases). kernel/fs/fasync.c;
 * docs/async.md has the owners and lifetimes.
 */
#ifndef ALLOY_FASYNC_H
#define ALLOY_FASYNC_H

#include <alloy/types.h>

struct file;

/* F_SETOWN, F_GETOWN, F_SETOWN_EX, F_GETOWN_EX, F_SETSIG, F_GETSIG. */
long fasync_fcntl_owner(struct file *f, int cmd, u64 arg);
/* The caller's process becomes f's owner (F_NOTIFY, F_SETLEASE do so). */
long fown_set_self(struct file *f);
/* F_SETFL's and FIOASYNC's change of f->flags (mask, val as
 * file_flags_update): O_ASYNC on subscribes f to its poll queues, off
 * unsubscribes. fd: the descriptor the signal's si_fd names. 0 or
 * -ENOMEM (then O_ASYNC is left off). */
int fasync_setfl(struct file *f, int fd, u32 mask, u32 val,
		 void (*update)(struct file *f, u32 mask, u32 val));
/* Sends f's owner its signal (F_SETSIG's, with si_code reason, a POLL_*,
 * si_fd fd and si_band), or plain SIGIO; nothing without an owner.
 * Process context, no spinlock held (it takes proc_lock). */
void fown_send(struct file *f, int fd, int reason);
/* The same in two steps, for a sender that finds files under a
 * spinlock: fown_get copies f's owner (with references) in any context,
 * fown_signal sends with no spinlock held, fown_put lets go. */
struct fown;
void fown_get(struct file *f, struct fown *o);
void fown_signal(const struct fown *o, int fd, int reason);
void fown_put(struct fown *o);
/* The file's last put: unsubscribe, drop the owner references. */
void fasync_release(struct file *f);
/* file_put's count reached zero: if fasyncd is itself inside f's poll or
 * signal (a poll op dropped the last reference, io_uring's can), f is
 * fasyncd's to put once it is done; true then, and the caller stops. */
bool fasync_put_deferred(struct file *f);

#endif
