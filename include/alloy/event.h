/*
 * Event files: eventfd (kernel/fs/eventfd.c), timerfd (kernel/fs/timerfd.c)
 * and epoll (kernel/fs/epoll.c), over files with an anonymous inode
 * (kernel/fs/anon.c). The syscalls are kernel/syscall/sys_event.c.
 */
#ifndef ALLOY_EVENT_H
#define ALLOY_EVENT_H

#include <alloy/types.h>
#include <uapi/event.h>

struct file;
struct file_ops;

/* A file on the shared anonymous inode (mode 0600, as Linux's
 * anon_inode) with fop and priv; NULL without memory. */
struct file *anon_file(const struct file_ops *fop, void *priv, u32 flags);

/* eventfd2: a counter file; flags EFD_*. */
int eventfd_file(u32 initval, u32 flags, struct file **out);
/* AIO's and io_uring's completion notice: adds n to an eventfd's counter
 * (capped) and wakes its readers; any context but an interrupt. */
bool file_is_eventfd(const struct file *f);
void eventfd_signal(struct file *f, u64 n);

/* timerfd: expiries of a timer on the monotonic clock (the syscalls turn
 * the other clocks' times into monotonic deadlines). */
int timerfd_file(int clockid, u32 flags, struct file **out);
bool is_timerfd(const struct file *f);
int timerfd_clock(const struct file *f);
/* Arms (deadline 0: disarms) and resets the expiry count; the old
 * setting, as time left and interval, in *old. */
void timerfd_set(struct file *f, u64 deadline, u64 interval, u64 old[2]);
void timerfd_get(struct file *f, u64 cur[2]);

/* signalfd (kernel/fs/signalfd.c): reads the reader's signals of mask;
 * flags O_NONBLOCK. signalfd_set_mask: -EINVAL if f is not one. */
int signalfd_file(u64 mask, u32 flags, struct file **out);
int signalfd_set_mask(struct file *f, u64 mask);

/* epoll */
int epoll_file(u32 flags, struct file **out);
bool is_epoll(const struct file *f);
/* ep_op EPOLL_CTL_*; tf is the file at fd (referenced by the caller). */
int epoll_ctl_file(struct file *ep, int op, int fd, struct file *tf,
		   const struct epoll_event *ev);
/* Waits up to timeout_ns (~0: forever) for events, copied to uevents. */
long epoll_wait_file(struct file *ep, u64 uevents, int maxevents, u64 timeout_ns);
/* f's last reference is going: it leaves every epoll that watches it. */
void eventpoll_release(struct file *f);

#endif
