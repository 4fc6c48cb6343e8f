/*
 * Review of "fatal signals kill at once" (signal.c prepare/fatal_now):
 * a SIGTERM sent to a process whose last thread is already inside
 * exit(2) (SYS_exit, not exit_group) must not change its wait status.
 * Linux: an exiting task no longer takes signals (PF_EXITING), so the
 * parent sees WIFEXITED, status 7. The child tells us it is exiting
 * through its clear_child_tid word, in memory shared with us, which the
 * kernel zeroes at the start of user_exit; tearing down its 64 MiB of
 * touched memory then keeps it in user_exit long enough for our kill.
 * Also checked (sound): SIGTERM kills a stopped child with WTERMSIG
 * SIGTERM, and a kernel-sent SIGPIPE gives WTERMSIG SIGPIPE.
 */
#define TEST_NAME "sig_exit_status"
#include "check.h"
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define BIG (64u << 20)

/* waitpid with a 5 s limit: -1 on timeout (the child is then SIGKILLed) */
static int wait5(pid_t pid, int *st, int flags)
{
	for (int i = 0; i < 500; i++) {
		int r = waitpid(pid, st, flags | WNOHANG);
		if (r != 0)
			return r;
		usleep(10000);
	}
	printf("# pid %d: no wait status in 5 s\n", pid);
	return -1;
}

static int one_round(volatile int *word)
{
	*word = 1;
	pid_t pid = fork();
	if (pid == 0) {
		char *m = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			syscall(SYS_exit, 9);
		for (size_t i = 0; i < BIG; i += 4096)
			m[i] = 1;
		syscall(SYS_set_tid_address, word);
		syscall(SYS_exit, 7);	/* the only thread: the process ends */
	}
	int st = 0;
	/* zeroed by the kernel as the child's exit begins (Alloy clears it
	 * for a lone thread too; Linux only when the mm is shared, so there
	 * the child is reaped first and the round proves nothing) */
	while (*word)
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
	for (int i = 0; i < 200; i++)
		kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return st;
}

int main(void)
{
	volatile int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	CHECK(word != MAP_FAILED);
	int bad = 0, rounds = 10;
	for (int r = 0; r < rounds; r++) {
		int st = one_round(word);
		if (!(WIFEXITED(st) && WEXITSTATUS(st) == 7)) {
			bad++;
			printf("# round %d: status %#x (%s %d)\n", r, st,
			       WIFSIGNALED(st) ? "killed by" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		}
	}
	printf("# %d of %d exiting children had their status replaced by the SIGTERM\n", bad, rounds);
	CHECK(bad == 0);

	/* A stopped child keeps a SIGTERM pending (Linux: no thread of a
	 * stopped group wants it) and dies of it at SIGCONT; a SIGKILL sent
	 * instead while it is stopped is what kills it (WTERMSIG 9). */
	int st, r;
	for (int how = 0; how < 2; how++) {
		pid_t pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		kill(pid, SIGSTOP);
		CHECK(wait5(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st));
		kill(pid, SIGTERM);
		usleep(300000);
		r = waitpid(pid, &st, WNOHANG);
		printf("# stopped child after SIGTERM: waitpid %d status %#x\n", r, st);
		kill(pid, how ? SIGKILL : SIGCONT);
		r = wait5(pid, &st, 0);
		printf("# then %s: waitpid %d status %#x\n", how ? "SIGKILL" : "SIGCONT", r, st);
		CHECK(r == pid && WIFSIGNALED(st) && WTERMSIG(st) == (how ? SIGKILL : SIGTERM));
	}

	/* sound: the kernel's SIGPIPE */
	int p[2];
	CHECK(pipe(p) == 0);
	close(p[0]);	/* no reader anywhere */
	pid_t pid = fork();
	if (pid == 0) {
		write(p[1], "x", 1);
		_exit(3);
	}
	close(p[1]);
	r = wait5(pid, &st, 0);
	CHECK(r == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
	if (r != pid)
		kill(pid, SIGKILL);
	return check_done();
}
