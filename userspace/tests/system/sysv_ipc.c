#define _GNU_SOURCE
/*
 * sysv_ipc: System V shared memory, semaphores and message queues.
 *  - shm: get/at/dt/ctl, keys (EEXIST, ENOENT, a larger size EINVAL),
 *    shm_nattch across fork, exit and exec, SHM_RDONLY (a store faults),
 *    SHM_RND, SHM_REMAP, IPC_RMID while attached (SHM_DEST, key gone,
 *    data kept, id dead after the last detach), hostile sizes, EFAULT;
 *  - sem: SETVAL/GETVAL/SETALL/GETALL/GETPID/GETNCNT/GETZCNT, all-or-
 *    nothing semop, IPC_NOWAIT, ERANGE, E2BIG, EFBIG, semtimedop's
 *    timeout, EINTR, EIDRM to a sleeper, SEM_UNDO applied when a holder
 *    is SIGKILLed and by a thread (applied at the process's exit, not
 *    the thread's), a ping-pong between two processes;
 *  - msg: types (0, >0, <0, MSG_EXCEPT), E2BIG/MSG_NOERROR, ENOMSG,
 *    MSG_COPY, a sender blocked on a full queue, EIDRM to a receiver,
 *    a message of msgmax bytes intact, hostile sizes;
 *  - permissions as uid 1000 on root's 0600 objects; stale ids after
 *    IPC_RMID and re-creation; 10000 objects made and removed with the
 *    kernel heap back where it was.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "sysv_ipc"
#include "check.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static void *const BAD = (void *)8;	/* never mapped */

static int reap(pid_t c)
{
	int st = -1;
	if (c <= 0 || waitpid(c, &st, 0) != c)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static long nattch(int id)
{
	struct shmid_ds ds;
	return shmctl(id, IPC_STAT, &ds) ? -1 : (long)ds.shm_nattch;
}

static int semval(int id, int n)
{
	return semctl(id, n, GETVAL);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Polls until f(id, arg) == want or about 5 s pass. */
static bool wait_for(int (*f)(int, int), int id, int arg, int want)
{
	for (int i = 0; i < 5000; i++) {
		if (f(id, arg) == want)
			return true;
		usleep(1000);
	}
	return false;
}

static int ncnt(int id, int n) { return semctl(id, n, GETNCNT); }
static int zcnt(int id, int n) { return semctl(id, n, GETZCNT); }
static int qnum(int id, int u)
{
	struct msqid_ds ds;
	(void)u;
	return msgctl(id, IPC_STAT, &ds) ? -1 : (int)ds.msg_qnum;
}

static void test_shm(void)
{
	key_t key = 0x5157001;
	struct shmid_ds ds;
	int id = shmget(key, 10000, IPC_CREAT | IPC_EXCL | 0600);

	CHECK(id >= 0);
	CHECK(shmget(key, 100, IPC_CREAT | IPC_EXCL | 0600) == -1 && errno == EEXIST);
	CHECK(shmget(key, 100, 0) == id);
	CHECK(shmget(key, 10001, 0) == -1 && errno == EINVAL);
	CHECK(shmget(0x5157999, 100, 0) == -1 && errno == ENOENT);
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_segsz == 10000 && ds.shm_cpid == getpid() &&
	      ds.shm_nattch == 0 && (ds.shm_perm.mode & 0777) == 0600 && ds.shm_perm.__key == key);
	char *p = shmat(id, NULL, 0);
	CHECK(p != (void *)-1);
	if (p == (void *)-1)
		return;
	CHECK(nattch(id) == 1);
	strcpy(p + 9000, "parent");
	pid_t c = fork();
	if (!c) {
		/* the attachment came with the fork */
		_exit(nattch(id) == 2 && !strcmp(p + 9000, "parent") ? (strcpy(p, "child"), 0) : 1);
	}
	CHECK(reap(c) == 0);
	CHECK(!strcmp(p, "child"));
	CHECK(nattch(id) == 1);
	/* exit and exec let go of attachments */
	if (!(c = fork())) {
		shmat(id, NULL, SHM_RDONLY);
		_exit(nattch(id) == 3 ? 0 : 1);
	}
	CHECK(reap(c) == 0);
	if (!(c = fork())) {
		shmat(id, NULL, 0);
		execl("/bin/true", "true", (char *)NULL);
		_exit(99);
	}
	CHECK(reap(c) == 0);
	CHECK(nattch(id) == 1);
	/* SHM_RDONLY: a store is a fault */
	if (!(c = fork())) {
		volatile char *r = shmat(id, NULL, SHM_RDONLY);
		if (r == (void *)-1 || r[9000] != 'p')
			_exit(1);
		r[0] = 1;
		_exit(2);
	}
	CHECK(reap(c) == 128 + SIGSEGV);
	/* SHM_RND, SHM_REMAP, a taken range */
	char *q = shmat(id, p + 4096 * 8 + 5, SHM_RND);
	CHECK(q == (void *)-1 || q == p + 4096 * 8);	/* may overlap: then EINVAL */
	if (q != (void *)-1)
		CHECK(shmdt(q) == 0);
	CHECK(shmat(id, p + 5, 0) == (void *)-1 && errno == EINVAL);
	CHECK(shmat(id, p, 0) == (void *)-1 && errno == EINVAL);
	CHECK(shmat(id, NULL, SHM_REMAP) == (void *)-1 && errno == EINVAL);
	char *m = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(shmat(id, m, 0) == (void *)-1 && errno == EINVAL);
	CHECK(shmat(id, m, SHM_REMAP) == m && !strcmp(m + 9000, "parent"));
	CHECK(nattch(id) == 2 && shmdt(m) == 0 && nattch(id) == 1);
	CHECK(shmdt(m) == -1 && errno == EINVAL);
	CHECK(shmdt(p + 1) == -1 && errno == EINVAL);
	/* IPC_RMID while attached: marked, key gone, memory kept */
	CHECK(shmctl(id, IPC_RMID, NULL) == 0);
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & SHM_DEST) &&
	      ds.shm_perm.__key == IPC_PRIVATE);
	CHECK(shmget(key, 100, 0) == -1 && errno == ENOENT);
	CHECK(!strcmp(p, "child"));
	if (!(c = fork()))
		_exit(!strcmp(p, "child") && nattch(id) == 2 ? 0 : 1);
	CHECK(reap(c) == 0);
	CHECK(shmdt(p) == 0);
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL);
	CHECK(shmat(id, NULL, 0) == (void *)-1 && errno == EINVAL);
	/* the slot comes back with another id */
	int id2 = shmget(IPC_PRIVATE, 4096, 0600);
	CHECK(id2 >= 0 && id2 != id);
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL);
	/* info */
	struct shminfo si;
	CHECK(shmctl(0, IPC_INFO, (struct shmid_ds *)&si) >= 0 && si.shmmni == 4096 &&
	      si.shmmin == 1);
	int sid = shmctl(id2 & 0x7fff, SHM_STAT, &ds);
	CHECK(sid == id2 && ds.shm_segsz == 4096);
	/* hostile */
	CHECK(shmget(IPC_PRIVATE, 0, 0600) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(shmget(IPC_PRIVATE, 1ULL << 62, 0600) == -1 && (errno == ENOSPC || errno == ENOMEM));
	CHECK(shmget(IPC_PRIVATE, (size_t)-1, 0600) == -1 && errno == EINVAL);
	CHECK(shmat(-1, NULL, 0) == (void *)-1 && errno == EINVAL);
	CHECK(shmat(0x7fff0000, NULL, 0) == (void *)-1 && errno == EINVAL);
	CHECK(shmctl(id2, IPC_STAT, BAD) == -1 && errno == EFAULT);
	CHECK(shmctl(id2, IPC_SET, BAD) == -1 && errno == EFAULT);
	CHECK(shmctl(id2, 999, &ds) == -1 && errno == EINVAL);
	CHECK(shmctl(id2, IPC_RMID, NULL) == 0);
	CHECK(shmctl(id2, IPC_RMID, NULL) == -1 && errno == EINVAL);
	munmap(m, 16384);
}

static void on_signal(int sig)
{
	(void)sig;
}

static void test_sem(void)
{
	int id = semget(IPC_PRIVATE, 3, 0600);
	unsigned short all[3] = { 1, 0, 7 }, got[3] = { 0 };
	struct sembuf op[2];
	union semun u;
	pid_t c;

	CHECK(id >= 0);
	CHECK(semget(IPC_PRIVATE, 32001, 0600) == -1 && errno == EINVAL);
	CHECK(semget(IPC_PRIVATE, -1, 0600) == -1 && errno == EINVAL);
	CHECK(semget(IPC_PRIVATE, 0, 0600) == -1 && errno == EINVAL);
	u.array = all;
	CHECK(semctl(id, 0, SETALL, u) == 0);
	u.array = got;
	CHECK(semctl(id, 0, GETALL, u) == 0 && got[0] == 1 && got[1] == 0 && got[2] == 7);
	CHECK(semctl(id, 0, GETALL, BAD) == -1 && errno == EFAULT);
	CHECK(semctl(id, 3, GETVAL) == -1 && errno == EINVAL);
	u.val = 32768;
	CHECK(semctl(id, 0, SETVAL, u) == -1 && errno == ERANGE);
	/* all or nothing: the second op would block */
	op[0] = (struct sembuf){ 0, -1, IPC_NOWAIT };
	op[1] = (struct sembuf){ 1, -1, IPC_NOWAIT };
	CHECK(semop(id, op, 2) == -1 && errno == EAGAIN && semval(id, 0) == 1);
	op[1] = (struct sembuf){ 2, -7, 0 };
	CHECK(semop(id, op, 2) == 0 && semval(id, 0) == 0 && semval(id, 2) == 0);
	CHECK(semctl(id, 0, GETPID) == getpid());
	op[0] = (struct sembuf){ 2, 32767, 0 };
	op[1] = (struct sembuf){ 2, 1, 0 };
	CHECK(semop(id, op, 2) == -1 && errno == ERANGE && semval(id, 2) == 0);
	/* hostile */
	CHECK(semop(id, op, 0) == -1 && errno == EINVAL);
	static struct sembuf many[501];
	CHECK(semop(id, many, 501) == -1 && errno == E2BIG);
	op[0] = (struct sembuf){ 3, 1, 0 };
	CHECK(semop(id, op, 1) == -1 && errno == EFBIG);
	CHECK(semop(id, BAD, 1) == -1 && errno == EFAULT);
	CHECK(semop(-1, op, 1) == -1 && errno == EINVAL);
	/* timeout: EAGAIN after about the time asked */
	struct timespec ts = { 0, 60 * 1000000 };
	op[0] = (struct sembuf){ 1, -1, 0 };
	long long t0 = now_ms();
	CHECK(semtimedop(id, op, 1, &ts) == -1 && errno == EAGAIN);
	CHECK(now_ms() - t0 >= 50);
	ts.tv_nsec = -1;
	CHECK(semtimedop(id, op, 1, &ts) == -1 && errno == EINVAL);
	/* a sleeper counted in semncnt / semzcnt, woken by SETVAL */
	if (!(c = fork())) {
		struct sembuf w = { 1, -1, 0 };
		_exit(semop(id, &w, 1) == 0 ? 0 : 1);
	}
	CHECK(wait_for(ncnt, id, 1, 1));
	u.val = 1;
	CHECK(semctl(id, 1, SETVAL, u) == 0);
	CHECK(reap(c) == 0 && semval(id, 1) == 0 && semctl(id, 1, GETNCNT) == 0);
	u.val = 2;
	semctl(id, 0, SETVAL, u);
	if (!(c = fork())) {
		struct sembuf w = { 0, 0, 0 };
		_exit(semop(id, &w, 1) == 0 ? 0 : 1);
	}
	CHECK(wait_for(zcnt, id, 0, 1));
	op[0] = (struct sembuf){ 0, -2, 0 };
	CHECK(semop(id, op, 1) == 0);
	CHECK(reap(c) == 0);
	/* EINTR: a signal ends the sleep */
	if (!(c = fork())) {
		struct sembuf w = { 1, -1, 0 };
		signal(SIGUSR1, on_signal);
		_exit(semop(id, &w, 1) == -1 && errno == EINTR ? 0 : 1);
	}
	CHECK(wait_for(ncnt, id, 1, 1));
	kill(c, SIGUSR1);
	CHECK(reap(c) == 0 && semctl(id, 1, GETNCNT) == 0);
	/* SEM_UNDO: a holder killed gives the semaphore back */
	u.val = 1;
	semctl(id, 0, SETVAL, u);
	if (!(c = fork())) {
		struct sembuf w = { 0, -1, SEM_UNDO };
		if (semop(id, &w, 1))
			_exit(1);
		pause();
		_exit(2);
	}
	CHECK(wait_for(semval, id, 0, 0));
	kill(c, SIGKILL);
	CHECK(reap(c) == 128 + SIGKILL);
	CHECK(semval(id, 0) == 1);
	/* EIDRM to a sleeper */
	if (!(c = fork())) {
		struct sembuf w = { 1, -1, 0 };
		_exit(semop(id, &w, 1) == -1 && errno == EIDRM ? 0 : 1);
	}
	CHECK(wait_for(ncnt, id, 1, 1));
	CHECK(semctl(id, 0, IPC_RMID) == 0);
	CHECK(reap(c) == 0);
	CHECK(semval(id, 0) == -1 && errno == EINVAL);
	/* stale id after re-creation in the same slot */
	int id2 = semget(IPC_PRIVATE, 1, 0600);
	CHECK(id2 >= 0 && id2 != id && semval(id, 0) == -1 && errno == EINVAL);
	struct seminfo si;
	u.__buf = &si;
	CHECK(semctl(0, 0, IPC_INFO, u) >= 0 && si.semmsl == 32000 && si.semopm == 500 &&
	      si.semvmx == 32767);
	semctl(id2, 0, IPC_RMID);
}

static int th_sem;

static void *undo_thread(void *arg)
{
	struct sembuf w = { 0, -1, SEM_UNDO };
	(void)arg;
	return (void *)(long)semop(th_sem, &w, 1);
}

/* SEM_UNDO belongs to the process: a thread that ends leaves its
 * adjustment to the process's exit. */
static void test_undo_threads(void)
{
	union semun u = { .val = 1 };

	th_sem = semget(IPC_PRIVATE, 1, 0600);
	CHECK(th_sem >= 0 && semctl(th_sem, 0, SETVAL, u) == 0);
	pid_t c = fork();
	if (!c) {
		pthread_t t;
		void *r = (void *)1;
		if (pthread_create(&t, NULL, undo_thread, NULL) || pthread_join(t, &r) || r)
			_exit(1);
		_exit(semval(th_sem, 0) == 0 ? 0 : 2);
	}
	CHECK(reap(c) == 0);
	CHECK(semval(th_sem, 0) == 1);
	semctl(th_sem, 0, IPC_RMID);
}

/* Two processes take turns through two semaphores; a counter in shared
 * memory shows each side sees the other's step. */
static void test_pingpong(void)
{
	int sid = semget(IPC_PRIVATE, 2, 0600), mid = shmget(IPC_PRIVATE, 4096, 0600);
	volatile int *n = shmat(mid, NULL, 0);
	const int rounds = 500;

	CHECK(sid >= 0 && mid >= 0 && n != (void *)-1);
	shmctl(mid, IPC_RMID, NULL);
	pid_t c = fork();
	if (!c) {
		for (int i = 0; i < rounds; i++) {
			struct sembuf down = { 1, -1, 0 }, up = { 0, 1, 0 };
			if (semop(sid, &down, 1) || *n != 2 * i + 1)
				_exit(1);
			(*n)++;
			semop(sid, &up, 1);
		}
		_exit(0);
	}
	bool ok = true;
	for (int i = 0; i < rounds && ok; i++) {
		struct sembuf down = { 0, -1, 0 }, up = { 1, 1, 0 };
		ok = *n == 2 * i;
		(*n)++;
		semop(sid, &up, 1);
		ok = ok && semop(sid, &down, 1) == 0;
	}
	CHECK(ok && *n == 2 * rounds);
	CHECK(reap(c) == 0);
	semctl(sid, 0, IPC_RMID);
	shmdt((void *)n);
}

struct mbuf {
	long type;
	char text[8192];
};

static void test_msg(void)
{
	static struct mbuf b;
	int id = msgget(IPC_PRIVATE, 0600);
	struct msqid_ds ds;
	pid_t c;

	CHECK(id >= 0);
	for (long t = 1; t <= 3; t++) {
		b.type = t;
		snprintf(b.text, sizeof(b.text), "m%ld", t);
		CHECK(msgsnd(id, &b, 3, 0) == 0);
	}
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 3 && ds.msg_cbytes == 9 &&
	      ds.msg_lspid == getpid() && ds.msg_qbytes == 16384);
	CHECK(msgrcv(id, &b, 100, 1, MSG_COPY | IPC_NOWAIT) == 3 && b.type == 2 && qnum(id, 0) == 3);
	CHECK(msgrcv(id, &b, 100, 5, MSG_COPY | IPC_NOWAIT) == -1 && errno == ENOMSG);
	CHECK(msgrcv(id, &b, 100, 1, MSG_COPY) == -1 && errno == EINVAL);
	CHECK(msgrcv(id, &b, 2, 0, IPC_NOWAIT) == -1 && errno == E2BIG && qnum(id, 0) == 3);
	CHECK(msgrcv(id, &b, 100, 2, 0) == 3 && b.type == 2 && !memcmp(b.text, "m2", 3));
	CHECK(msgrcv(id, &b, 100, 1, MSG_EXCEPT) == 3 && b.type == 3);
	CHECK(msgrcv(id, &b, 2, -5, MSG_NOERROR) == 2 && b.type == 1 && !memcmp(b.text, "m1", 2));
	CHECK(msgrcv(id, &b, 100, 0, IPC_NOWAIT) == -1 && errno == ENOMSG);
	/* the largest message, intact across chunks */
	for (int i = 0; i < 8192; i++)
		b.text[i] = (char)(i * 7 + 3);
	b.type = 9;
	CHECK(msgsnd(id, &b, 8192, 0) == 0);
	memset(b.text, 0, sizeof(b.text));
	bool same = msgrcv(id, &b, 8192, 9, 0) == 8192;
	for (int i = 0; i < 8192 && same; i++)
		same = b.text[i] == (char)(i * 7 + 3);
	CHECK(same);
	/* hostile */
	CHECK(msgsnd(id, &b, 8193, 0) == -1 && errno == EINVAL);
	CHECK(msgsnd(id, &b, (size_t)-1, 0) == -1 && errno == EINVAL);
	CHECK(msgrcv(id, &b, (size_t)-1, 0, 0) == -1 && errno == EINVAL);
	b.type = 0;
	CHECK(msgsnd(id, &b, 1, 0) == -1 && errno == EINVAL);
	CHECK(msgsnd(id, BAD, 1, 0) == -1 && errno == EFAULT);
	CHECK(msgsnd(-1, &b, 1, 0) == -1 && errno == EINVAL);
	/* a full queue blocks its sender until a receive makes room */
	CHECK(msgctl(id, IPC_STAT, &ds) == 0);
	ds.msg_qbytes = 100;
	CHECK(msgctl(id, IPC_SET, &ds) == 0);
	b.type = 1;
	CHECK(msgsnd(id, &b, 100, 0) == 0);
	CHECK(msgsnd(id, &b, 1, IPC_NOWAIT) == -1 && errno == EAGAIN);
	if (!(c = fork()))
		_exit(msgsnd(id, &b, 50, 0) == 0 ? 0 : 1);
	usleep(100000);
	CHECK(qnum(id, 0) == 1);
	CHECK(msgrcv(id, &b, 200, 0, 0) == 100);
	CHECK(reap(c) == 0 && qnum(id, 0) == 1);
	CHECK(msgrcv(id, BAD, 200, 0, 0) == -1 && errno == EFAULT);	/* lost, as Linux */
	/* EIDRM to a sleeping receiver */
	if (!(c = fork()))
		_exit(msgrcv(id, &b, 200, 0, 0) == -1 && errno == EIDRM ? 0 : 1);
	usleep(100000);
	CHECK(msgctl(id, IPC_RMID, NULL) == 0);
	CHECK(reap(c) == 0);
	CHECK(msgsnd(id, &b, 1, 0) == -1 && errno == EINVAL);
	struct msginfo mi;
	CHECK(msgctl(0, IPC_INFO, (struct msqid_ds *)&mi) >= 0 && mi.msgmax == 8192 &&
	      mi.msgmnb == 16384);
}

/* uid 1000 against root's 0600 objects */
static void test_perms(void)
{
	int shm = shmget(IPC_PRIVATE, 4096, 0600), shm2 = shmget(IPC_PRIVATE, 4096, 0644);
	int sem = semget(IPC_PRIVATE, 1, 0600), msq = msgget(IPC_PRIVATE, 0600);
	key_t key = 0x5157002;
	int keyed = semget(key, 1, IPC_CREAT | 0600);

	CHECK(shm >= 0 && shm2 >= 0 && sem >= 0 && msq >= 0 && keyed >= 0);
	pid_t c = fork();
	if (!c) {
		struct shmid_ds ds;
		struct sembuf op = { 0, 1, 0 };
		struct mbuf m = { 1, "x" };
		failures = 0;	/* this child's own */
		if (setuid(1000))
			_exit(99);
		CHECK(shmat(shm, NULL, 0) == (void *)-1 && errno == EACCES);
		CHECK(shmctl(shm, IPC_STAT, &ds) == -1 && errno == EACCES);
		CHECK(shmctl(shm, IPC_RMID, NULL) == -1 && errno == EPERM);
		CHECK(shmat(shm2, NULL, 0) == (void *)-1 && errno == EACCES);
		CHECK(shmat(shm2, NULL, SHM_RDONLY) != (void *)-1);
		CHECK(semop(sem, &op, 1) == -1 && errno == EACCES);
		CHECK(semctl(sem, 0, GETVAL) == -1 && errno == EACCES);
		CHECK(semctl(sem, 0, IPC_RMID) == -1 && errno == EPERM);
		CHECK(semget(key, 1, 0600) == -1 && errno == EACCES);
		CHECK(semget(key, 1, 0) == keyed);	/* asking for nothing */
		CHECK(msgsnd(msq, &m, 1, 0) == -1 && errno == EACCES);
		CHECK(msgrcv(msq, &m, 1, 0, IPC_NOWAIT) == -1 && errno == EACCES);
		CHECK(msgctl(msq, IPC_RMID, NULL) == -1 && errno == EPERM);
		_exit(failures ? 1 : 0);
	}
	CHECK(reap(c) == 0);
	shmctl(shm, IPC_RMID, NULL);
	shmctl(shm2, IPC_RMID, NULL);
	semctl(sem, 0, IPC_RMID);
	semctl(keyed, 0, IPC_RMID);
	msgctl(msq, IPC_RMID, NULL);
}

/* Makes and removes n of each kind; 0 if every call worked. */
static int churn(int n)
{
	static int ids[10000];
	int bad = 0;

	for (int i = 0; i < n; i++)
		bad |= (ids[i] = semget(IPC_PRIVATE, 1, 0600)) < 0;
	for (int i = 0; i < n; i++)
		bad |= semctl(ids[i], 0, IPC_RMID) != 0;
	for (int i = 0; i < n / 10; i++)
		bad |= (ids[i] = msgget(IPC_PRIVATE, 0600)) < 0;
	for (int i = 0; i < n / 10; i++) {
		struct mbuf m = { 1, "leftover" };
		bad |= msgsnd(ids[i], &m, 8, 0) != 0;
		bad |= msgctl(ids[i], IPC_RMID, NULL) != 0;
	}
	for (int i = 0; i < n / 10; i++) {
		char *p;
		bad |= (ids[i] = shmget(IPC_PRIVATE, 8192, 0600)) < 0;
		bad |= (p = shmat(ids[i], NULL, 0)) == (void *)-1;
		if (p != (void *)-1) {
			p[4096] = 1;
			shmctl(ids[i], IPC_RMID, NULL);
			shmdt(p);
		}
	}
	return bad;
}

static void test_churn(void)
{
	CHECK(churn(10000) == 0);	/* tables reach their size */
	long long heap = meminfo("KernelHeap"), freemem = meminfo("MemFree");
	CHECK(churn(10000) == 0);
	long long heap2 = meminfo("KernelHeap"), freemem2 = meminfo("MemFree");
	printf("# churn: heap %lld -> %lld, free %lld -> %lld\n", heap, heap2, freemem, freemem2);
	CHECK(heap2 <= heap + 64 * 1024);
	CHECK(freemem2 >= freemem - 256 * 1024);
}

#define RUN(f) (printf("# %s\n", #f), f())

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	RUN(test_shm);
	RUN(test_sem);
	RUN(test_undo_threads);
	RUN(test_pingpong);
	RUN(test_msg);
	RUN(test_perms);
	RUN(test_churn);
	printf("# shm, sem, msg, permissions, churn: %d failures\n", failures);
	return check_done();
}
