/*
 * Signals (kernel/sched/signal.c): Linux numbers, per-process handlers,
 * per-task pending and blocked masks, delivery on the way back to user
 * mode. A sleeping syscall that sees signal_pending() returns -EINTR (or
 * -ERESTARTSYS, which becomes a restart when the handler has SA_RESTART).
 */
#ifndef ALLOY_SIGNAL_H
#define ALLOY_SIGNAL_H

#include <alloy/types.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
#define NSIG 64

#define SIG_DFL 0ULL
#define SIG_IGN 1ULL

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO 0x00000004
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

/* si_code values */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

static inline u64 sigmask(int sig) { return 1ULL << (sig - 1); }

struct ksiginfo {
	int signo, code;
	int pid;		/* sender, or the child for SIGCHLD */
	int status;		/* SIGCHLD: exit code or signal */
	u64 addr;		/* faults */
	u64 ip;			/* faults: where, for the console line */
	const char *what;	/* faults: what happened */
};

struct task;
struct process;
struct trap_frame;

/* True if current has an unblocked pending signal (cheap, lockless). */
bool signal_pending(void);
/* Queues a signal for p (its one thread, until there are threads). */
int signal_send(struct process *p, const struct ksiginfo *info);
/* Queues sig for current, unblocking it and forcing the default action
 * if it is ignored or blocked (faults: SIGSEGV, SIGILL...). */
void signal_force(const struct ksiginfo *info);
/* On the way back to user mode (interrupts on): delivers pending
 * signals, finishes syscall restarts. */
void signal_deliver(struct trap_frame *tf);

#endif
