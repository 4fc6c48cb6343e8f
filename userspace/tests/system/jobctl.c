/*
 * Job-control stops: SIGSTOP and SIGTSTP stop a child, wait4 with
 * WUNTRACED reports it (WIFSTOPPED/WSTOPSIG), SIGCONT resumes it and
 * WCONTINUED reports that, the parent gets SIGCHLD with CLD_STOPPED and
 * CLD_CONTINUED, a stopped child does not run, and SIGKILL ends a stopped
 * child. (What ^Z and `fg` in a shell rely on.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "jobctl: line %d: ", __LINE__); \
	fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); failures++; } } while (0)

static volatile sig_atomic_t last_code, chld_count;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	last_code = si->si_code;
	chld_count++;
}

static void ms(int n)
{
	struct timespec ts = { n / 1000, (n % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int main(void)
{
	int p[2];
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigaction(SIGCHLD, &sa, NULL);
	pipe(p);

	/* The child is a job of its own, as a shell makes it: a group whose
	 * member has its parent (us) in another group of the same session.
	 * In an orphaned group (ours: our parent is init) SIGTSTP's default
	 * action is discarded, on Linux too. */
	pid_t c = fork();
	if (c == 0) {	/* ticks a byte into the pipe every 20 ms */
		setpgid(0, 0);
		close(p[0]);
		for (;;) {
			write(p[1], "t", 1);
			ms(20);
		}
	}
	setpgid(c, c);
	close(p[1]);
	int st = 0;
	ms(100);
	CHECK(kill(c, SIGSTOP) == 0, "kill SIGSTOP");
	CHECK(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
	      "WUNTRACED after SIGSTOP: status %#x", st);
	ms(50);
	CHECK(last_code == CLD_STOPPED, "SIGCHLD for the stop: si_code %d", (int)last_code);

	/* stopped means not running: no ticks while stopped */
	char buf[256];
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	while (read(p[0], buf, sizeof(buf)) > 0)
		;	/* what it wrote before the stop */
	ms(150);
	errno = 0;
	CHECK(read(p[0], buf, 1) == -1 && errno == EAGAIN, "a stopped child went on writing");
	fcntl(p[0], F_SETFL, 0);
	CHECK(waitpid(c, &st, WNOHANG | WUNTRACED) == 0, "the stop is reported only once");

	CHECK(kill(c, SIGCONT) == 0, "kill SIGCONT");
	CHECK(waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st), "WCONTINUED: status %#x", st);
	ms(50);
	CHECK(last_code == CLD_CONTINUED, "SIGCHLD for the continue: si_code %d", (int)last_code);
	CHECK(read(p[0], buf, 1) == 1, "the child runs again");

	CHECK(kill(c, SIGTSTP) == 0, "kill SIGTSTP");
	CHECK(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP,
	      "WUNTRACED after SIGTSTP: status %#x", st);
	CHECK(kill(c, SIGKILL) == 0, "kill SIGKILL");
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "a stopped child dies of SIGKILL: status %#x", st);

	if (failures) {
		fprintf(stderr, "jobctl: %d check(s) failed\n", failures);
		return 1;
	}
	fprintf(stderr, "jobctl: ok\n");
	return 0;
}
