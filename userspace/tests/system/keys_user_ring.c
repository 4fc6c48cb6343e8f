/*
 * Review of kernel/keys/process_keys.c user_keyrings(): the user and
 * user-session keyrings are kept by the uid's key_user record for good.
 * If their owner revokes or invalidates them, Linux makes new ones at
 * the next use (a revoked or dead keyring is not found again); Alloy
 * (Linux: an invalidated key is collected at once, a revoked one after
 * /proc/sys/kernel/keys/gc_delay, set to 1 s here; the register no
 * longer finds it and a new keyring is made) hands the dead one back for ever, so every later process of that uid,
 * across logins, fails on @u / @us (and on searches that start there)
 * until reboot.
 */
#define _GNU_SOURCE
#define TEST_NAME "keys_user_ring"
#include "check.h"
#include <sys/syscall.h>

#define KEY_SPEC_USER_KEYRING -4
#define KEY_SPEC_USER_SESSION_KEYRING -5
#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_REVOKE 3
#define KEYCTL_INVALIDATE 21

static long add_key(const char *type, const char *desc, const void *pl, size_t plen, long ring)
{
	return syscall(SYS_add_key, type, desc, pl, plen, ring);
}

static long keyctl(int cmd, long a, long b, long c, long d)
{
	return syscall(SYS_keyctl, cmd, a, b, c, d);
}

/* in a fresh process of uid: kill (revoke/invalidate) its @u, or use it */
static int child(unsigned uid, int cmd)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(99);
		if (cmd) {
			long id = keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1, 0, 0);
			_exit(id > 0 && keyctl(cmd, id, 0, 0, 0) == 0 ? 0 : 98);
		}
		long k = add_key("user", "later", "x", 1, KEY_SPEC_USER_KEYRING);
		if (k < 0)
			printf("# uid %u, a later process: add_key to @u: errno %d\n", uid, errno);
		_exit(k > 0 ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

int main(void)
{
	FILE *f = fopen("/proc/sys/kernel/keys/gc_delay", "w");
	CHECK(f && fputs("1\n", f) >= 0 && fclose(f) == 0);
	CHECK(child(1001, 0) == 0);	/* works at first */
	CHECK(child(1001, KEYCTL_REVOKE) == 0);
	sleep(3);	/* past gc_delay */
	CHECK(child(1001, 0) == 0);	/* Linux: a new user keyring */
	CHECK(child(1002, 0) == 0);
	CHECK(child(1002, KEYCTL_INVALIDATE) == 0);
	sleep(1);
	CHECK(child(1002, 0) == 0);
	f = fopen("/proc/sys/kernel/keys/gc_delay", "w");
	if (f) {
		fputs("300\n", f);
		fclose(f);
	}
	return check_done();
}
