/*
 * PID namespaces (kernel/ns/pid.c, docs/namespaces.md).
 *
 * Every process and thread has one *global* number, its number in the
 * initial PID namespace (process->pid, task->user_tid, the tables of
 * kernel/sched/process.c): the kernel's own name for it. A process made
 * in a PID namespace below the initial one also has a number in that
 * namespace and in each namespace between: a `struct pid`, one per
 * global number that has them, found from the global number (an array
 * indexed by it) and from each (namespace, number) pair (a hash), both
 * O(1).
 *
 * Owner and lifetime: a struct pid belongs to its global number. It is
 * made with the number (fork, a new thread) and goes when the number is
 * free again: no process, thread, process group or session uses it
 * (pid_release, called under proc_lock by whoever let go of the number
 * last). So a number inside a namespace is reserved exactly as long as
 * its global one. It holds a count on its namespace (the deepest), which
 * holds its parent. Its fields never change; the array and the hash are
 * guarded by pidmap_lock, a leaf taken under proc_lock, sig_lock or
 * anything else (nothing is taken under it, nothing allocated).
 */
#ifndef ALLOY_PID_H
#define ALLOY_PID_H

#include <alloy/ns.h>
#include <alloy/types.h>

#define PIDNS_MAX_LEVEL 32	/* Linux's MAX_PID_NS_LEVEL */

struct process;

struct pid_ns {
	struct ns_common common;	/* first */
	int level;			/* 0: the initial namespace */
	struct pid_ns *parent;		/* counted; NULL for the initial one */
	/* [proc_lock] its init (number 1 there), not counted: cleared when
	 * that process exits. Orphans of the namespace go to it. */
	struct process *reaper;
	bool dead;			/* [proc_lock] its init exited: no new numbers
					 * (fork is -ENOMEM, as Linux) */
	int next;			/* [pidmap_lock] the next number to try */
	int last;			/* [pidmap_lock] the newest (ns_last_pid) */
};

extern struct pid_ns init_pid_ns;

/* The namespace of ns_common c (a PID namespace's). */
static inline struct pid_ns *to_pid_ns(struct ns_common *c)
{
	return (struct pid_ns *)c;
}

/* Is ns a or below it, i.e. does a see ns's processes? */
bool pid_ns_within(const struct pid_ns *ns, const struct pid_ns *a);

/* Global number g's number in namespace ns, 0 if it has none there (a
 * process of another branch, or above ns). Any context, any lock. */
int pid_nr_ns(int g, const struct pid_ns *ns);
/* Number nr of namespace ns as a global number, 0 if there is none. */
int pid_global(int nr, const struct pid_ns *ns);
/* Global number g's numbers from namespace from down to its own (/proc's
 * NSpid line), into out (max); how many (0: not seen from there). */
int pid_numbers(int g, const struct pid_ns *from, int *out, int max);
/* The same for the calling process's namespace (the initial one for the
 * kernel). A number given by a program goes through pid_from_user; one
 * told to it through pid_to_user. */
int pid_from_user(int nr);
int pid_to_user(int g);
/* The caller's PID namespace (its process's, not counted: a process's
 * never changes while it runs). */
struct pid_ns *pid_ns_current(void);

/*
 * Numbers for a new global number g in namespace ns (g's process or
 * thread lives there). pid_prepare, before proc_lock (it allocates):
 * *out NULL when ns is the initial one (g is all there is), else memory
 * for the numbers; -ENOMEM. pid_attach, under proc_lock: a free number
 * in each namespace from ns up (want: the number wanted in ns, 0: any;
 * clone3's set_tid), pre consumed either way; -EAGAIN when a namespace
 * is full, -ENOMEM when one is dead, -EEXIST when want is taken.
 * Returns the number in ns.
 */
struct pid;
int pid_prepare(struct pid_ns *ns, struct pid **out);
int pid_attach(struct pid *pre, int g, struct pid_ns *ns, const int *want, int nwant);
/* /proc/sys/kernel/ns_last_pid of a namespace below the initial one:
 * its newest number; setting v makes v + 1 the next one tried. */
int pid_ns_last(struct pid_ns *ns);
void pid_ns_set_last(struct pid_ns *ns, int v);
/* Undoes pid_prepare when the numbers were never attached. */
void pid_unprepare(struct pid *pre);
/* Global number g is free again (under proc_lock): its numbers go. */
void pid_release(int g);

#endif
