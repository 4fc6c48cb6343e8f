#define _GNU_SOURCE
/*
 * Kernel keyrings (add_key, request_key, keyctl) from the attacker's side:
 *  - bad pointers are EFAULT, oversized payloads and descriptions EINVAL
 *    (nothing allocated for them), '.' types EPERM, unknown types ENODEV,
 *    bad IDs EINVAL / ENOKEY, unknown commands EOPNOTSUPP;
 *  - a keyring linked into itself or into its own descendant is EDEADLK,
 *    nesting past the search depth ELOOP; a chain of 1000 keyrings (made
 *    top-down, so each link is legal) is freed when its head goes, without
 *    recursion, and its keys leave the quota;
 *  - a 32767-byte key read by one thread while another rewrites it and
 *    finally revokes it: every read sees one whole version, then
 *    EKEYREVOKED; no crash, no torn payload;
 *  - an unprivileged user fills its quota (EDQUOT for keys and bytes),
 *    clears the keyring and can add keys again;
 *  - a child's thread and process keyrings and their keys go when it
 *    exits (/proc/key-users counts come back);
 *  - the session keyring is shared with a forked child, a thread keyring
 *    is per thread; request_key constructs nothing (ENOENT once, then
 *    the negative key's ENOKEY); READ never writes past the buffer.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>

#define TEST_NAME "keyrings"
#include "check.h"

#define KEY_SPEC_THREAD_KEYRING -1
#define KEY_SPEC_PROCESS_KEYRING -2
#define KEY_SPEC_SESSION_KEYRING -3
#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_REVOKE 3
#define KEYCTL_SETPERM 5
#define KEY_POS_ALL 0x3f000000
#define KEY_USR_ALL 0x003f0000
#define KEYCTL_DESCRIBE 6
#define KEYCTL_CLEAR 7
#define KEYCTL_LINK 8
#define KEYCTL_UNLINK 9
#define KEYCTL_READ 11
#define KEYCTL_INVALIDATE 21
#ifndef EDQUOT
#define EDQUOT 122
#endif

static long add_key(const char *type, const char *desc, const void *pl, size_t plen, int ring)
{
	return syscall(SYS_add_key, type, desc, pl, plen, ring);
}

static long request_key(const char *type, const char *desc, const char *co, int ring)
{
	return syscall(SYS_request_key, type, desc, co, ring);
}

static long keyctl(int cmd, long a, long b, long c, long d)
{
	return syscall(SYS_keyctl, cmd, a, b, c, d);
}

static void hostile_args(void)
{
	static char big[40000];
	char desc[5000];
	char out[8];

	memset(desc, 'a', sizeof(desc) - 1);
	desc[sizeof(desc) - 1] = 0;
	errno = 0;
	CHECK(add_key((char *)1, "d", "x", 1, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EFAULT);
	CHECK(add_key("user", (char *)-1, "x", 1, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EFAULT);
	CHECK(add_key("user", "d", NULL, 10, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EFAULT);
	CHECK(add_key("user", "d", (void *)0x1000, 10, KEY_SPEC_PROCESS_KEYRING) == -1 &&
	      errno == EFAULT);
	CHECK(add_key("user", "d", big, 32768, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EINVAL);
	CHECK(add_key("user", "d", big, SIZE_MAX, KEY_SPEC_PROCESS_KEYRING) == -1 &&
	      errno == EINVAL);
	CHECK(add_key("user", "d", big, 1 << 20, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EINVAL);
	CHECK(add_key("user", "d", big, 0, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EINVAL);
	CHECK(add_key("user", desc, "x", 1, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EINVAL);
	CHECK(add_key("user", "", "x", 1, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EINVAL);
	CHECK(add_key(".user", "d", "x", 1, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EPERM);
	CHECK(add_key("keyring", ".k", NULL, 0, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EPERM);
	CHECK(add_key("big_key_nope", "d", "x", 1, KEY_SPEC_PROCESS_KEYRING) == -1 &&
	      errno == ENODEV);
	CHECK(add_key("logon", "nocolon", "x", 1, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EINVAL);
	CHECK(add_key("keyring", "k", "x", 1, KEY_SPEC_PROCESS_KEYRING) == -1 && errno == EINVAL);
	CHECK(add_key("user", "d", "x", 1, -6) == -1 && errno == EINVAL);	/* group */
	CHECK(add_key("user", "d", "x", 1, -100) == -1 && errno == EINVAL);
	CHECK(add_key("user", "d", "x", 1, 0) == -1 && errno == EINVAL);
	CHECK(add_key("user", "d", "x", 1, 0x7ffffff0) == -1 && errno == ENOKEY);
	CHECK(keyctl(999, 0, 0, 0, 0) == -1 && errno == EOPNOTSUPP);
	CHECK(keyctl(KEYCTL_READ, 2, (long)out, 8, 0) == -1 && errno == ENOKEY);
	long k = add_key("user", "hostile", "payload", 7, KEY_SPEC_PROCESS_KEYRING);
	CHECK(k > 0);
	CHECK(keyctl(KEYCTL_READ, k, 1, 7, 0) == -1 && errno == EFAULT);
	CHECK(keyctl(KEYCTL_DESCRIBE, k, 1, 100, 0) == -1 && errno == EFAULT);
	CHECK(keyctl(KEYCTL_DESCRIBE, k, (long)out, 8, 0) > 8);	/* too small: size only */
	/* logon keys are write-only */
	long lk = add_key("logon", "svc:name", "secret", 6, KEY_SPEC_PROCESS_KEYRING);
	CHECK(lk > 0);
	CHECK(keyctl(KEYCTL_READ, lk, (long)out, 8, 0) == -1 && errno == EOPNOTSUPP);
	CHECK(request_key((char *)-1, "d", NULL, 0) == -1 && errno == EFAULT);
	CHECK(request_key("user", "d", (char *)-1, 0) == -1 && errno == EFAULT);
	CHECK(request_key(".x", "d", NULL, 0) == -1 && errno == EPERM);
	CHECK(request_key("nosuchtype", "d", NULL, 0) == -1 && errno == ENOKEY);
	CHECK(keyctl(KEYCTL_CLEAR, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0) == 0);
}

/* Linux's /proc/key-users line of uid: nkeys and qnkeys, qnbytes. */
static int key_user(unsigned uid, int *qnkeys, int *qnbytes)
{
	char line[256];
	FILE *f = fopen("/proc/key-users", "r");
	int found = 0;

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

static void cycles(void)
{
	long a = add_key("keyring", "cyc-a", NULL, 0, KEY_SPEC_PROCESS_KEYRING);
	long b = add_key("keyring", "cyc-b", NULL, 0, a);
	long c = add_key("keyring", "cyc-c", NULL, 0, b);

	CHECK(a > 0 && b > 0 && c > 0);
	errno = 0;
	CHECK(keyctl(KEYCTL_LINK, a, a, 0, 0) == -1 && errno == EDEADLK);
	CHECK(keyctl(KEYCTL_LINK, a, c, 0, 0) == -1 && errno == EDEADLK);
	CHECK(keyctl(KEYCTL_LINK, b, c, 0, 0) == -1 && errno == EDEADLK);
	CHECK(keyctl(KEYCTL_LINK, KEY_SPEC_PROCESS_KEYRING, c, 0, 0) == -1 && errno == EDEADLK);
	CHECK(keyctl(KEYCTL_LINK, c, a, 0, 0) == 0);	/* a diamond is fine */

	/* bottom-up: linking a deep subtree under something is ELOOP */
	long r[10];
	int loop = 0;
	for (int i = 0; i < 10; i++) {
		char d[16];
		snprintf(d, sizeof(d), "deep%d", i);
		r[i] = add_key("keyring", d, NULL, 0, KEY_SPEC_PROCESS_KEYRING);
		CHECK(r[i] > 0);
		if (i && keyctl(KEYCTL_LINK, r[i - 1], r[i], 0, 0) == -1) {
			CHECK(errno == ELOOP);
			loop = 1;
			break;
		}
	}
	CHECK(loop);

	/* top-down: a 1000-keyring chain is legal; its head's unlink frees it all */
	int k0, b0, k1, b1, k2, b2;
	CHECK(key_user(0, &k0, &b0));
	/* (deeper than a search goes, keys are not possessed: each grants its
	 * owner everything, and is made in the process keyring, then moved) */
	long head = add_key("keyring", "chain", NULL, 0, KEY_SPEC_PROCESS_KEYRING), prev = head;
	CHECK(keyctl(KEYCTL_SETPERM, head, KEY_POS_ALL | KEY_USR_ALL, 0, 0) == 0);
	for (int i = 0; i < 1000 && prev > 0; i++) {
		long k = add_key("keyring", "link", NULL, 0, KEY_SPEC_PROCESS_KEYRING);
		if (k < 0 || keyctl(KEYCTL_SETPERM, k, KEY_POS_ALL | KEY_USR_ALL, 0, 0) ||
		    keyctl(KEYCTL_LINK, k, prev, 0, 0))
			prev = -1;
		else
			prev = k;
	}
	CHECK(prev > 0);
	CHECK(keyctl(KEYCTL_UNLINK, prev, KEY_SPEC_PROCESS_KEYRING, 0, 0) == 0);
	CHECK(add_key("user", "leaf", "x", 1, prev) > 0);
	CHECK(key_user(0, &k1, &b1) && k1 >= k0 + 1002);
	CHECK(keyctl(KEYCTL_UNLINK, head, KEY_SPEC_PROCESS_KEYRING, 0, 0) == 0);
	CHECK(keyctl(KEYCTL_GET_KEYRING_ID, prev, 0, 0, 0) == -1 && errno == ENOKEY);
	CHECK(key_user(0, &k2, &b2) && k2 == k0 && b2 == b0);
	CHECK(keyctl(KEYCTL_CLEAR, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0) == 0);
}

#define BIG 32767
static volatile int race_stop;
static long race_key;
static int torn, reads_ok, reads_revoked, reads_other;	/* atomic */

static void *reader(void *arg)
{
	unsigned char *buf = malloc(BIG);

	(void)arg;
	while (!race_stop) {
		long n = keyctl(KEYCTL_READ, race_key, (long)buf, BIG, 0);
		if (n == BIG) {
			for (int i = 1; i < BIG; i++)
				if (buf[i] != buf[0]) {
					__atomic_add_fetch(&torn, 1, __ATOMIC_RELAXED);
					break;
				}
			__atomic_add_fetch(&reads_ok, 1, __ATOMIC_RELAXED);
		} else if (n == -1 && errno == EKEYREVOKED) {
			__atomic_add_fetch(&reads_revoked, 1, __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&reads_other, 1, __ATOMIC_RELAXED);
		}
	}
	free(buf);
	return NULL;
}

static void revoke_race(void)
{
	static unsigned char buf[BIG];
	pthread_t t[2];

	memset(buf, 1, BIG);
	race_key = add_key("user", "race", buf, BIG, KEY_SPEC_PROCESS_KEYRING);
	CHECK(race_key > 0);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, reader, NULL) == 0);
	/* at -smp 1 the updates could all be done before a reader ran */
	for (int i = 0; i < 2000 && !__atomic_load_n(&reads_ok, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	for (int v = 2; v < 200; v++) {	/* add_key with the same name updates in place */
		memset(buf, v, BIG);
		CHECK(add_key("user", "race", buf, BIG, KEY_SPEC_PROCESS_KEYRING) == race_key);
	}
	CHECK(keyctl(KEYCTL_REVOKE, race_key, 0, 0, 0) == 0);
	usleep(20000);
	race_stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(torn == 0);
	CHECK(reads_other == 0);
	CHECK(reads_ok > 0);
	CHECK(reads_revoked > 0);
	CHECK(keyctl(KEYCTL_READ, race_key, (long)buf, BIG, 0) == -1 && errno == EKEYREVOKED);
	CHECK(keyctl(KEYCTL_CLEAR, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0) == 0);
}

static void quota(void)
{
	pid_t c = fork();

	if (c == 0) {
		static char pl[20000];
		char d[32];
		int n = 0;
		if (setgid(1000) || setuid(1000))
			_exit(2);
		for (;; n++) {
			snprintf(d, sizeof(d), "q%d", n);
			if (add_key("user", d, "x", 1, KEY_SPEC_PROCESS_KEYRING) < 0)
				break;
		}
		if (errno != EDQUOT || n < 150 || n > 200)
			_exit(3);
		if (keyctl(KEYCTL_CLEAR, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0))
			_exit(4);
		if (add_key("user", "again", "x", 1, KEY_SPEC_PROCESS_KEYRING) < 0)
			_exit(5);
		/* 19999 payload bytes + the description: over 20000 */
		if (add_key("user", "bytes", pl, 19999, KEY_SPEC_PROCESS_KEYRING) != -1 ||
		    errno != EDQUOT)
			_exit(6);
		if (add_key("user", "bytes", pl, 10000, KEY_SPEC_PROCESS_KEYRING) < 0)
			_exit(7);
		_exit(0);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "keyrings: quota child status %#x\n", st);
}

static int exiting_child(void)
{
	pid_t c = fork();

	if (c == 0) {
		if (setgid(1001) || setuid(1001))
			_exit(2);
		for (int i = 0; i < 50; i++) {
			char d[16];
			snprintf(d, sizeof(d), "e%d", i);
			if (add_key("user", d, "yy", 2, i & 1 ? KEY_SPEC_THREAD_KEYRING :
				    KEY_SPEC_PROCESS_KEYRING) < 0)
				_exit(3);
		}
		_exit(0);
	}
	int st;
	return waitpid(c, &st, 0) == c && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void exit_releases(void)
{
	int k1, b1, k2, b2;

	CHECK(exiting_child() == 0);	/* the user's own keyrings stay from now on */
	CHECK(key_user(1001, &k1, &b1));
	CHECK(exiting_child() == 0);
	CHECK(key_user(1001, &k2, &b2));
	CHECK(k2 == k1 && b2 == b1);
	CHECK(k1 <= 4);
}

static long thread_ring;
static void *make_thread_ring(void *arg)
{
	(void)arg;
	thread_ring = keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1, 0, 0);
	return NULL;
}

static void special_rings(void)
{
	long ses = keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
	CHECK(ses > 0);
	CHECK(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) == ses);
	pid_t c = fork();
	if (c == 0)
		_exit(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) == ses &&
		      keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0) == -1 &&
		      errno == ENOKEY ? 0 : 1);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	long mine = keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1, 0, 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, make_thread_ring, NULL) == 0);
	pthread_join(t, NULL);
	CHECK(mine > 0 && thread_ring > 0 && thread_ring != mine);
	CHECK(keyctl(KEYCTL_GET_KEYRING_ID, thread_ring, 0, 0, 0) == -1 && errno == ENOKEY);

	/* request_key: nothing to construct with (no /sbin/request-key) */
	CHECK(request_key("user", "nobody", NULL, 0) == -1 && errno == ENOKEY);
	CHECK(request_key("user", "nobody", "info", KEY_SPEC_PROCESS_KEYRING) == -1 &&
	      errno == ENOENT);
	CHECK(request_key("user", "nobody", "info", KEY_SPEC_PROCESS_KEYRING) == -1 &&
	      errno == ENOKEY);
	long k = add_key("user", "found", "v", 1, KEY_SPEC_PROCESS_KEYRING);
	CHECK(request_key("user", "found", NULL, 0) == k);
	CHECK(keyctl(KEYCTL_INVALIDATE, k, 0, 0, 0) == 0);
	CHECK(request_key("user", "found", NULL, 0) == -1 && errno == ENOKEY);

	/* READ of a keyring: the full size, but only whole IDs that fit */
	int ids[3] = { 0, 0, 0 };
	keyctl(KEYCTL_CLEAR, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0);
	add_key("user", "r1", "v", 1, KEY_SPEC_PROCESS_KEYRING);
	add_key("user", "r2", "v", 1, KEY_SPEC_PROCESS_KEYRING);
	CHECK(keyctl(KEYCTL_READ, KEY_SPEC_PROCESS_KEYRING, (long)ids, 7, 0) == 8);
	CHECK(ids[0] != 0 && ids[1] == 0);

	/* /proc/keys lists what we may view */
	char line[512];
	int seen = 0;
	FILE *f = fopen("/proc/keys", "r");
	while (f && fgets(line, sizeof(line), f))
		seen |= strstr(line, " user ") && strstr(line, "r1: 1");
	if (f)
		fclose(f);
	CHECK(seen);
}

int main(void)
{
	hostile_args();
	cycles();
	revoke_race();
	quota();
	exit_releases();
	special_rings();
	return check_done();
}
