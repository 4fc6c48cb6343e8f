/*
 * eventfd, eventfd2, timerfd_create/settime/gettime, epoll_create,
 * epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2,
 * signalfd, signalfd4: the argument checks in Linux's order, over
 * kernel/fs/{eventfd,timerfd,epoll,signalfd}.c.
 */
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/inotify.h>
#include <alloy/cred.h>
#include <uapi/fcntl.h>
#include <alloy/poll.h>
#include <alloy/sched.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include <uapi/time.h>
#include "sysfs.h"
#include "syspoll.h"
#include "systime.h"

#define NSEC 1000000000ULL
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define EP_MAX_EVENTS (0x7fffffff / (int)sizeof(struct epoll_event))
#define EPOLLEXCLUSIVE_OK (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | \
			   EPOLLET | EPOLLEXCLUSIVE)

/* A new file (made by mk) in the lowest free fd (fd_install puts it on
 * failure). */
#define install(mk, f, cloexec)						\
	({								\
		long __rc = (mk);					\
		__rc ? __rc : fd_install(cur_files(), (f), 0, (cloexec)); \
	})

/* ---- eventfd ---- */

static long do_eventfd(u64 initval, u64 flags)
{
	struct file *f = NULL;

	if (flags & ~(u64)(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
		return -EINVAL;
	return install(eventfd_file((u32)initval, (u32)flags, &f), f, flags & EFD_CLOEXEC);
}

long sys_eventfd(SYSARGS) { return do_eventfd(a0, 0); }
long sys_eventfd2(SYSARGS) { return do_eventfd(a0, a1); }

/* ---- inotify (kernel/fs/inotify.c) ---- */

/* Linux's ALL_INOTIFY_BITS: anything else in a mask is EINVAL. */
#define IN_VALID (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | \
		  IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_ADD | IN_MASK_CREATE | IN_ISDIR | \
		  IN_ONESHOT)

static long do_inotify_init(u64 flags)
{
	struct file *f = NULL;

	if (flags & ~(u64)(IN_NONBLOCK | IN_CLOEXEC))
		return -EINVAL;
	return install(inotify_file((u32)flags, &f), f, flags & IN_CLOEXEC);
}

long sys_inotify_init(SYSARGS) { return do_inotify_init(0); }
long sys_inotify_init1(SYSARGS) { return do_inotify_init((u32)a0); }

/* inotify_add_watch(fd, path, mask): Linux's order of checks. */
long sys_inotify_add_watch(SYSARGS)
{
	u32 mask = (u32)a2;
	struct path p;

	if ((mask & ~(u32)IN_VALID) || !mask)
		return -EINVAL;
	struct file *f = fget(a0);
	if (!f)
		return -EBADF;
	long rc = -EINVAL;
	if (!((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) && is_inotify(f)) {
		int lookup = (mask & IN_DONT_FOLLOW ? 0 : LOOKUP_FOLLOW) |
			     (mask & IN_ONLYDIR ? LOOKUP_DIRECTORY : 0);
		rc = at_walk((u64)AT_FDCWD, a1, 0, lookup, &p);
		if (!rc) {
			rc = inotify_add(f, p.dentry->inode, mask);
			path_put(&p);
		}
	}
	file_put(f);
	return rc;
}

long sys_inotify_rm_watch(SYSARGS)
{
	struct file *f = fget(a0);

	if (!f)
		return -EBADF;
	long rc = is_inotify(f) ? inotify_rm(f, (s32)a1) : -EINVAL;
	file_put(f);
	return rc;
}

/* ---- fanotify (kernel/fs/fanotify.c) ---- */

#define CAP_SYS_ADMIN 21
#define FAN_INIT_VALID (FAN_CLOEXEC | FAN_NONBLOCK | FAN_CLASS_BITS | FAN_UNLIMITED_QUEUE | \
			FAN_UNLIMITED_MARKS | FAN_ENABLE_AUDIT | FAN_REPORT_PIDFD | \
			FAN_REPORT_TID | FAN_REPORT_FD_ERROR)
/* Linux's FANOTIFY_INIT_ALL_EVENT_F_BITS (04010000 O_SYNC, 010000 O_DSYNC) */
#define FAN_EVENT_F_VALID (O_ACCMODE | O_APPEND | O_NONBLOCK | 04010000 | 010000 | O_CLOEXEC | \
			   O_LARGEFILE | O_NOATIME)
#define FAN_MARK_VALID (FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_DONT_FOLLOW | \
			FAN_MARK_ONLYDIR | FAN_MARK_TYPE_BITS | FAN_MARK_IGNORED_MASK | \
			FAN_MARK_IGNORED_SURV_MODIFY | FAN_MARK_FLUSH | FAN_MARK_EVICTABLE | \
			FAN_MARK_IGNORE)

/* fanotify_init(flags, event_f_flags): Linux's order of checks. The
 * groups that report file ids (FAN_REPORT_FID, DIR_FID, NAME,
 * TARGET_FID) are not built: EINVAL, as a kernel without them. */
long sys_fanotify_init(SYSARGS)
{
	u32 flags = (u32)a0, fflags = (u32)a1;
	struct file *f = NULL;

	if (!cap_effective(CAP_SYS_ADMIN))
		return -EPERM;
	if ((a0 >> 32) || (flags & ~(u32)FAN_INIT_VALID))
		return -EINVAL;
	if ((flags & FAN_CLASS_BITS) == FAN_CLASS_BITS)
		return -EINVAL;
	if ((flags & FAN_REPORT_PIDFD) && (flags & FAN_REPORT_TID))
		return -EINVAL;
	if (fflags & ~(u32)FAN_EVENT_F_VALID)
		return -EINVAL;
	if ((fflags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	return install(fanotify_file(flags, fflags, &f), f, flags & FAN_CLOEXEC);
}

/* fanotify_mark(fd, flags, mask, dirfd, pathname) */
long sys_fanotify_mark(SYSARGS)
{
	u32 flags = (u32)a1;
	u64 mask = a2;
	u32 cmd = flags & (FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_FLUSH);
	u32 type = flags & FAN_MARK_TYPE_BITS;
	u32 ign = flags & (FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORE);
	struct path p = { NULL, NULL };

	if (mask >> 32)
		return -EINVAL;
	if (flags & ~(u32)FAN_MARK_VALID)
		return -EINVAL;
	if (type == FAN_MARK_TYPE_BITS)
		return -EINVAL;
	if (cmd == FAN_MARK_FLUSH) {
		if (flags & ~(u32)(FAN_MARK_TYPE_BITS | FAN_MARK_FLUSH))
			return -EINVAL;
	} else if (cmd != FAN_MARK_ADD && cmd != FAN_MARK_REMOVE) {
		return -EINVAL;
	}
	if ((flags & FAN_MARK_EVICTABLE) && type != FAN_MARK_INODE)
		return -EINVAL;
	/* FAN_MARK_IGNORE is FAN_MARK_IGNORED_MASK with its flags' meaning */
	if (ign == FAN_MARK_IGNORE && type != FAN_MARK_INODE &&
	    !(flags & FAN_MARK_IGNORED_SURV_MODIFY))
		return -EINVAL;
	u32 valid = FAN_FD_EVENTS | FAN_PERM_EVENTS | FAN_INODE_EVENTS | FAN_ONDIR |
		    FAN_EVENT_ON_CHILD;
	if ((u32)mask & ~valid)
		return -EINVAL;
	struct file *f = fget(a0);
	if (!f)
		return -EBADF;
	long rc = -EINVAL;
	if (!is_fanotify(f))
		goto out;
	/* permission events: a content or pre-content group's */
	if (((u32)mask & FAN_PERM_EVENTS) && !(fanotify_group_flags(f) & FAN_CLASS_BITS))
		goto out;
	/* events with no file to report: a group reporting file ids (none) */
	if ((u32)mask & FAN_INODE_EVENTS)
		goto out;
	if (cmd == FAN_MARK_FLUSH) {
		rc = fanotify_mark_change(f, flags, mask, &p);
		goto out;
	}
	if (!a4) {	/* the object is dirfd's own file */
		struct file *d = (s32)a3 < 0 ? NULL : fget(a3);
		rc = -EBADF;
		if (!d)
			goto out;
		rc = 0;
		if (flags & FAN_MARK_ONLYDIR && (!d->inode || !S_ISDIR(d->inode->mode)))
			rc = -ENOTDIR;
		else if (d->path.dentry) {
			p = d->path;
			path_get(&p);
		} else {
			rc = -EINVAL;	/* an anonymous file: no mount, no name */
		}
		file_put(d);
	} else {
		int lookup = (flags & FAN_MARK_DONT_FOLLOW ? 0 : LOOKUP_FOLLOW) |
			     (flags & FAN_MARK_ONLYDIR ? LOOKUP_DIRECTORY : 0);
		rc = at_walk(a3, a4, 0, lookup, &p);
	}
	if (rc)
		goto out;
	struct cred c;
	cred_current(&c);
	rc = inode_permission(&c, p.dentry->inode, MAY_READ);
	if (!rc)
		rc = fanotify_mark_change(f, flags, mask, &p);
	path_put(&p);
out:
	file_put(f);
	return rc;
}

/* ---- signalfd ---- */

/* signalfd4(fd, mask, sizemask, flags): fd -1 makes one, else changes
 * that signalfd's mask. */
static long do_signalfd(u64 fd, u64 umask, u64 size, u64 flags)
{
	u64 mask;
	struct file *f = NULL;

	if (flags & ~(u64)(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	if (size != sizeof(mask))
		return -EINVAL;
	if (copy_from_user(&mask, (const void *)umask, sizeof(mask)))
		return -EFAULT;
	if ((s32)fd == -1)
		return install(signalfd_file(mask, (u32)flags, &f), f, flags & O_CLOEXEC);
	f = (s32)fd < 0 ? NULL : fd_get(cur_files(), (int)fd);
	if (!f)
		return -EBADF;
	long rc = signalfd_set_mask(f, mask);
	file_put(f);
	return rc ? rc : (long)(s32)fd;
}

long sys_signalfd(SYSARGS) { return do_signalfd(a0, a1, a2, 0); }
long sys_signalfd4(SYSARGS) { return do_signalfd(a0, a1, a2, a3); }

/* ---- timerfd ---- */

struct itimerspec {
	struct { s64 sec, nsec; } interval, value;
};

long sys_timerfd_create(SYSARGS)
{
	s32 clock = (s32)a0;
	struct file *f = NULL;

	if (a1 & ~(u64)(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	/* the alarm clocks are their plain ones: nothing here suspends */
	if (clock == CLOCK_REALTIME_ALARM)
		clock = CLOCK_REALTIME;
	if (clock == CLOCK_BOOTTIME_ALARM)
		clock = CLOCK_BOOTTIME;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
		return -EINVAL;
	return install(timerfd_file(clock, (u32)a1, &f), f, a1 & TFD_CLOEXEC);
}

static bool ts_ok(s64 sec, s64 nsec)
{
	return sec >= 0 && nsec >= 0 && (u64)nsec < NSEC;
}

static u64 ts_ns(s64 sec, s64 nsec)
{
	u64 ns;

	if (__builtin_mul_overflow((u64)sec, NSEC, &ns) ||
	    __builtin_add_overflow(ns, (u64)nsec, &ns))
		return ~0ULL;
	return ns;
}

static struct itimerspec ts_from(const u64 v[2])
{
	return (struct itimerspec){ { (s64)(v[1] / NSEC), (s64)(v[1] % NSEC) },
				    { (s64)(v[0] / NSEC), (s64)(v[0] % NSEC) } };
}

/* The file at fd if it is a timerfd (referenced): -EBADF, -EINVAL. */
static long timerfd_get_file(u64 fd, struct file **out)
{
	struct file *f = fget(fd);

	if (!f)
		return -EBADF;
	if (!is_timerfd(f)) {
		file_put(f);
		return -EINVAL;
	}
	*out = f;
	return 0;
}

long sys_timerfd_settime(SYSARGS)
{
	struct itimerspec its;
	struct file *f;
	u64 old[2];

	if (copy_from_user(&its, (const void *)a2, sizeof(its)))
		return -EFAULT;
	if ((a1 & ~(u64)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
	    !ts_ok(its.value.sec, its.value.nsec) || !ts_ok(its.interval.sec, its.interval.nsec))
		return -EINVAL;
	long rc = timerfd_get_file(a0, &f);
	if (rc)
		return rc;
	u64 value = ts_ns(its.value.sec, its.value.nsec), now = ktime_ns(), deadline = 0;
	if (value && (a1 & TFD_TIMER_ABSTIME)) {
		u64 cnow = now;		/* the clock's now; realtime is monotonic + a constant */
		clock_now_user((u64)timerfd_clock(f), &cnow);	/* the caller's view */
		deadline = value <= cnow ? now : now + MIN(value - cnow, ~0ULL - now);
	} else if (value) {
		deadline = value > ~0ULL - now ? ~0ULL : now + value;
	}
	timerfd_set(f, deadline ? deadline : (value ? 1 : 0),
		    ts_ns(its.interval.sec, its.interval.nsec), old);
	file_put(f);
	its = ts_from(old);
	if (a3 && copy_to_user((void *)a3, &its, sizeof(its)))
		return -EFAULT;
	return 0;
}

long sys_timerfd_gettime(SYSARGS)
{
	struct file *f;
	u64 cur[2];
	long rc = timerfd_get_file(a0, &f);

	if (rc)
		return rc;
	timerfd_get(f, cur);
	file_put(f);
	struct itimerspec its = ts_from(cur);
	return copy_to_user((void *)a1, &its, sizeof(its)) ? -EFAULT : 0;
}

/* ---- epoll ---- */

static long do_epoll_create(u64 flags)
{
	struct file *f = NULL;

	if (flags & ~(u64)EPOLL_CLOEXEC)
		return -EINVAL;
	return install(epoll_file((u32)flags, &f), f, flags & EPOLL_CLOEXEC);
}

long sys_epoll_create(SYSARGS)
{
	return (s32)a0 <= 0 ? -EINVAL : do_epoll_create(0);
}

long sys_epoll_create1(SYSARGS) { return do_epoll_create(a0); }

long sys_epoll_ctl(SYSARGS)
{
	s32 op = (s32)a1;
	struct epoll_event ev = { 0, 0 };
	struct file *ep, *tf;
	long rc;

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, (const void *)a3, sizeof(ev)))
		return -EFAULT;
	if (!(ep = fget(a0)))
		return -EBADF;
	if (!(tf = fget((u64)(s64)(s32)a2))) {
		file_put(ep);
		return -EBADF;
	}
	rc = -EPERM;
	if (!file_can_poll(tf))
		goto out;
	rc = -EINVAL;
	if (ep == tf || !is_epoll(ep))
		goto out;
	if (op != EPOLL_CTL_DEL && (ev.events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || (op == EPOLL_CTL_ADD &&
	     (is_epoll(tf) || (ev.events & ~EPOLLEXCLUSIVE_OK)))))
		goto out;
	rc = epoll_ctl_file(ep, op, (s32)a2, tf, &ev);
out:
	file_put(tf);
	file_put(ep);
	return rc;
}

static long do_epoll_wait(u64 epfd, u64 uevents, u64 maxevents, u64 timeout_ns)
{
	s32 max = (s32)maxevents;
	struct fd f;

	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	if (uevents >= USER_TOP || USER_TOP - uevents < (u64)max * sizeof(struct epoll_event))
		return -EFAULT;
	if (!(f = fdget(epfd)).file)
		return -EBADF;
	long rc = is_epoll(f.file) ? epoll_wait_file(f.file, uevents, max, timeout_ns) : -EINVAL;
	fdput(f);
	return rc;
}

static u64 ms_timeout(u64 a)
{
	s32 ms = (s32)a;

	return ms < 0 ? ~0ULL : (u64)ms * 1000000ULL;
}

long sys_epoll_wait(SYSARGS)
{
	return do_epoll_wait(a0, a1, a2, ms_timeout(a3));
}

static long epoll_pwait_common(u64 epfd, u64 uevents, u64 max, u64 ns, u64 umask, u64 size)
{
	u64 saved = 0;
	bool swapped;
	long rc = with_sigmask(umask, size, &saved, &swapped);

	if (rc)
		return rc;
	rc = do_epoll_wait(epfd, uevents, max, ns);
	restore_sigmask(saved, swapped, rc);
	return rc;
}

long sys_epoll_pwait(SYSARGS)
{
	return epoll_pwait_common(a0, a1, a2, ms_timeout(a3), a4, a5);
}

long sys_epoll_pwait2(SYSARGS)
{
	u64 ns = ~0ULL;

	if (a3) {
		int rc = read_timespec(a3, &ns);
		if (rc)
			return rc;
	}
	return epoll_pwait_common(a0, a1, a2, ns, a4, a5);
}
