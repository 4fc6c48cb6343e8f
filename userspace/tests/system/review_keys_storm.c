/*
 * Review of kernel/keys under concurrency: threads link, unlink, clear,
 * revoke, invalidate, update and read (keyrings chunk by chunk, user
 * keys by payload reference) the same keys while others read /proc/keys
 * and /proc/key-users, for a few seconds. No panic, no hang, and the
 * quota comes back to where it was when the keys are gone.
 */
#define _GNU_SOURCE
#define TEST_NAME "review_keys_storm"
#include "check.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

#define KEY_SPEC_PROCESS_KEYRING -2
#define KEYCTL_UPDATE 2
#define KEYCTL_REVOKE 3
#define KEYCTL_CLEAR 7
#define KEYCTL_LINK 8
#define KEYCTL_UNLINK 9
#define KEYCTL_READ 11
#define KEYCTL_INVALIDATE 21
#define KEYCTL_MOVE 30

static long add_key(const char *type, const char *desc, const void *pl, size_t plen, long ring)
{
	return syscall(SYS_add_key, type, desc, pl, plen, ring);
}

static long keyctl(int cmd, long a, long b, long c, long d)
{
	return syscall(SYS_keyctl, cmd, a, b, c, d);
}

#define NR 6
static _Atomic long rings[NR];
static atomic_int stop;
static atomic_long ops;

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void *worker(void *arg)
{
	unsigned s = (unsigned)(long)arg * 7919u + 1;
	static char big[32767];
	char buf[4096];

	while (!stop) {
		long a = rings[rnd(&s) % NR], b = rings[rnd(&s) % NR];
		char d[16];
		snprintf(d, sizeof(d), "k%u", rnd(&s) % 40);
		switch (rnd(&s) % 12) {
		case 0: add_key("user", d, big, 1 + rnd(&s) % 3000, a); break;
		case 1: keyctl(KEYCTL_LINK, a, b, 0, 0); break;
		case 2: keyctl(KEYCTL_UNLINK, a, b, 0, 0); break;
		case 3: keyctl(KEYCTL_READ, a, (long)buf, sizeof(buf), 0); break;
		case 4: if (rnd(&s) % 20 == 0) keyctl(KEYCTL_CLEAR, a, 0, 0, 0); break;
		case 5: { long k = add_key("user", d, "v", 1, a);
			  if (k > 0) { keyctl(KEYCTL_UPDATE, k, (long)big, 1 + rnd(&s) % 4096, 0);
				       keyctl(KEYCTL_READ, k, (long)buf, sizeof(buf), 0);
				       if (rnd(&s) % 4 == 0) keyctl(KEYCTL_REVOKE, k, 0, 0, 0);
				       if (rnd(&s) % 8 == 0) keyctl(KEYCTL_INVALIDATE, k, 0, 0, 0); } } break;
		case 6: { FILE *f = fopen("/proc/keys", "r"); if (f) { while (fgets(buf, sizeof(buf), f)); fclose(f); } } break;
		case 7: { FILE *f = fopen("/proc/key-users", "r"); if (f) { while (fgets(buf, sizeof(buf), f)); fclose(f); } } break;
		case 8: if (rnd(&s) % 50 == 0) { /* replace a ring */
			int i = rnd(&s) % NR;
			char n[16];
			snprintf(n, sizeof(n), "r%d", i);
			long r = add_key("keyring", n, NULL, 0, KEY_SPEC_PROCESS_KEYRING);
			if (r > 0) rings[i] = r;
			} break;
		case 9: keyctl(KEYCTL_MOVE, rings[rnd(&s) % NR], a, b, 0); break;
		case 10: if (rnd(&s) % 30 == 0) keyctl(KEYCTL_REVOKE, a, 0, 0, 0); break;
		default: keyctl(KEYCTL_READ, a, (long)buf, 1 + rnd(&s) % 64, 0); break;
		}
		ops++;
	}
	return NULL;
}

static int storm(void)
{
	if (setresgid(1003, 1003, 1003) || setresuid(1003, 1003, 1003))
		return 99;
	for (int i = 0; i < NR; i++) {
		char n[16];
		snprintf(n, sizeof(n), "r%d", i);
		rings[i] = add_key("keyring", n, NULL, 0, KEY_SPEC_PROCESS_KEYRING);
	}
	pthread_t th[8];
	for (long i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	sleep(4);
	stop = 1;
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	printf("# %ld key operations\n", (long)ops);
	return 0;
}

static int qn(unsigned uid, int *k, int *b)
{
	char line[256];
	FILE *f = fopen("/proc/key-users", "r");
	*k = *b = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned u;
		int usage, nk, nik, qk, mk, qb, mb;
		if (sscanf(line, "%u: %d %d/%d %d/%d %d/%d", &u, &usage, &nk, &nik, &qk, &mk, &qb,
			   &mb) == 8 && u == uid) {
			*k = qk;
			*b = qb;
		}
	}
	if (f)
		fclose(f);
	return 0;
}

int main(void)
{
	int k0, b0, k1, b1;
	qn(1003, &k0, &b0);
	for (int round = 0; round < 2; round++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(storm());
		int st;
		CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	sleep(1);
	syscall(SYS_keyctl, 21, 0x7fffffff, 0, 0, 0);	/* a call that runs the collector */
	qn(1003, &k1, &b1);
	printf("# uid 1003 quota before %d keys %d bytes, after %d keys %d bytes\n", k0, b0, k1, b1);
	CHECK(k1 <= k0 + 2 && b1 <= b0 + 40);
	return check_done();
}
