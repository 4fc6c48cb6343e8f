/*
 * Review of kernel/keys from a second user's side: a uid-1000 process
 * (in a session keyring of its own, as pam_keyinit gives) may not read,
 * describe, link, search, revoke, invalidate, chown or setperm root's
 * keys, may not see them in /proc/keys, may not join root's named
 * keyring, and its quota comes back whole when its keys go (also after
 * it filled it to EDQUOT, and after a KEYCTL_CHOWN attempt). Also: a
 * uid-1000 process that kept root's session keyring possesses root's
 * user keyring (printed only: Linux does the same).
 */
#define _GNU_SOURCE
#define TEST_NAME "keys_cross_user"
#include "check.h"
#include <stdint.h>
#include <sys/syscall.h>

#define KEY_SPEC_PROCESS_KEYRING -2
#define KEY_SPEC_SESSION_KEYRING -3
#define KEY_SPEC_USER_KEYRING -4
#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_UPDATE 2
#define KEYCTL_REVOKE 3
#define KEYCTL_CHOWN 4
#define KEYCTL_SETPERM 5
#define KEYCTL_DESCRIBE 6
#define KEYCTL_LINK 8
#define KEYCTL_SEARCH 10
#define KEYCTL_READ 11
#define KEYCTL_SET_TIMEOUT 15
#define KEYCTL_INVALIDATE 21
#ifndef EDQUOT
#define EDQUOT 122
#endif

static long add_key(const char *type, const char *desc, const void *pl, size_t plen, long ring)
{
	return syscall(SYS_add_key, type, desc, pl, plen, ring);
}

static long keyctl(int cmd, long a, long b, long c, long d)
{
	return syscall(SYS_keyctl, cmd, a, b, c, d);
}

static int key_user(unsigned uid, int *qnkeys, int *qnbytes)
{
	char line[256];
	FILE *f = fopen("/proc/key-users", "r");
	int found = 0;

	*qnkeys = *qnbytes = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned u;
		int usage, nk, nik, qk, mk, qb, mb;
		if (sscanf(line, "%u: %d %d/%d %d/%d %d/%d", &u, &usage, &nk, &nik, &qk, &mk, &qb,
			   &mb) == 8 && u == uid) {
			*qnkeys = qk;
			*qnbytes = qb;
			found = 1;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static int proc_keys_has(const char *s)
{
	char line[512];
	FILE *f = fopen("/proc/keys", "r");
	int n = 0;
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, s) != NULL;
	if (f)
		fclose(f);
	return n;
}

static void become(unsigned uid)
{
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		_exit(99);
}

static int run_child(int (*fn)(long, long), long a, long b)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(a, b));
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + WTERMSIG(st);
}

#define E(expr, err) do { errno = 0; long r_ = (expr); \
	if (r_ != -1 || errno != (err)) { printf("# %s: %ld errno %d, wanted %d\n", #expr, r_, errno, err); bad++; } } while (0)

static int attacker(long rootkey, long rootring)
{
	int bad = 0;
	char buf[256];

	become(1000);
	CHECK(keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0) > 0);
	E(keyctl(KEYCTL_READ, rootkey, (long)buf, sizeof(buf), 0), EACCES);
	E(keyctl(KEYCTL_DESCRIBE, rootkey, (long)buf, sizeof(buf), 0), EACCES);
	E(keyctl(KEYCTL_LINK, rootkey, KEY_SPEC_PROCESS_KEYRING, 0, 0), EACCES);
	E(keyctl(KEYCTL_SEARCH, rootring, (long)"user", (long)"review-rootsecret", 0), EACCES);
	E(keyctl(KEYCTL_REVOKE, rootkey, 0, 0, 0), EACCES);
	E(keyctl(KEYCTL_INVALIDATE, rootkey, 0, 0, 0), EACCES);
	E(keyctl(KEYCTL_SETPERM, rootkey, 0x3f3f3f3f, 0, 0), EACCES);
	E(keyctl(KEYCTL_CHOWN, rootkey, 1000, -1, 0), EACCES);
	E(keyctl(KEYCTL_SET_TIMEOUT, rootkey, 1, 0, 0), EACCES);
	E(keyctl(KEYCTL_UPDATE, rootkey, (long)"x", 1, 0), EACCES);
	E(add_key("user", "evil", "x", 1, rootring), EACCES);
	if (proc_keys_has("review-rootsecret") || proc_keys_has("review-rootring")) {
		printf("# /proc/keys shows root's keys to uid 1000\n");
		bad++;
	}
	long j = keyctl(KEYCTL_JOIN_SESSION_KEYRING, (long)"review-rootring", 0, 0, 0);
	if (j == rootring) {
		printf("# uid 1000 joined root's keyring\n");
		bad++;
	}
	/* my own key: no chown to another uid */
	long mine = add_key("user", "mine", "x", 1, KEY_SPEC_PROCESS_KEYRING);
	CHECK(mine > 0);
	E(keyctl(KEYCTL_CHOWN, mine, 2000, -1, 0), EACCES);
	E(keyctl(KEYCTL_CHOWN, mine, -1, 0, 0), EACCES);	/* root's group */
	/* fill the quota */
	int n = 0;
	for (; n < 1000; n++) {
		char d[32];
		snprintf(d, sizeof(d), "q%d", n);
		if (add_key("user", d, "payload", 7, KEY_SPEC_PROCESS_KEYRING) < 0)
			break;
	}
	CHECK(errno == EDQUOT && n < 200);
	return bad + (failures ? 100 : 0);
}

static int kept_session(long rootkey, long b)
{
	(void)b;
	char buf[64];
	become(1000);
	long r = keyctl(KEYCTL_READ, rootkey, (long)buf, sizeof(buf), 0);
	printf("# uid 1000 in root's session keyring reads root's user key: %ld (errno %d)\n", r,
	       r < 0 ? errno : 0);
	return 0;
}

int main(void)
{
	int qk0, qb0, qk1, qb1;

	/* root's user keyring, in root's user-session keyring */
	long rootkey = add_key("user", "review-rootsecret", "hunter2", 7, KEY_SPEC_USER_KEYRING);
	long rootring = add_key("keyring", "review-rootring", NULL, 0, KEY_SPEC_USER_KEYRING);
	CHECK(rootkey > 0 && rootring > 0);
	key_user(1000, &qk0, &qb0);
	int rc = run_child(attacker, rootkey, rootring);
	CHECK(rc == 0);
	key_user(1000, &qk1, &qb1);
	printf("# uid 1000 quota before %d keys %d bytes, after %d keys %d bytes\n", qk0, qb0, qk1, qb1);
	/* its user keyrings stay (made on first use); nothing else */
	CHECK(qk1 <= qk0 + 2 && qb1 <= qb0 + 40);
	/* the same again: no growth from one round to the next */
	rc = run_child(attacker, rootkey, rootring);
	CHECK(rc == 0);
	key_user(1000, &qk0, &qb0);
	CHECK(qk0 == qk1 && qb0 == qb1);
	run_child(kept_session, rootkey, 0);
	keyctl(KEYCTL_REVOKE, rootkey, 0, 0, 0);
	keyctl(KEYCTL_INVALIDATE, rootring, 0, 0, 0);
	return check_done();
}
