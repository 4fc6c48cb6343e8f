#define _GNU_SOURCE
/*
 * sysvipc_proc: /proc/sysvipc/{shm,sem,msg} as Linux writes them (ipcs
 * and LTP's get_used_sysvipc parse them): the header line, one line per
 * object with its fields where Linux has them, objects gone after
 * IPC_RMID, the same text read a byte at a time as at once, and 300
 * queues listed whole (a file longer than one read).
 */
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "sysvipc_proc"
#include "check.h"

#define MIN_(a, b) ((a) < (b) ? (a) : (b))

static char text[256 * 1024];

static size_t slurp(const char *path, size_t chunk)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	while (n < sizeof(text) - 1 &&
	       (r = read(fd, text + n, MIN_(chunk, sizeof(text) - 1 - n))) > 0)
		n += (size_t)r;
	close(fd);
	text[n] = '\0';
	return n;
}

/* The line whose second field is id, copied into line; false if none. */
static bool find_line(int id, char *line, size_t cap)
{
	for (char *p = strchr(text, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
		int k, i;
		if (sscanf(p + 1, "%d %d", &k, &i) == 2 && i == id) {
			char *e = strchr(p + 1, '\n');
			size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
			snprintf(line, cap, "%.*s", (int)n, p + 1);
			return true;
		}
	}
	return false;
}

static int count_lines(void)
{
	int n = 0;
	for (char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}

static const char *SHM_HDR = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  "
			     "cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
static const char *SEM_HDR = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
static const char *MSG_HDR = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  "
			     "cgid      stime      rtime      ctime\n";

static void test_shm(void)
{
	CHECK(slurp("/proc/sysvipc/shm", 65536) >= strlen(SHM_HDR));
	CHECK(!strncmp(text, SHM_HDR, strlen(SHM_HDR)));
	int id = shmget(0x5151, 12345, IPC_CREAT | IPC_EXCL | 0640);
	CHECK(id >= 0);
	char *a = shmat(id, NULL, 0);
	CHECK(a != (void *)-1);
	a[0] = 1;
	a[4096] = 2;
	slurp("/proc/sysvipc/shm", 65536);
	char line[512];
	CHECK(find_line(id, line, sizeof(line)));
	int key, sid, cpid, lpid;
	unsigned perms, uid, gid, cuid, cgid;
	unsigned long long size, nattch, rss, swap;
	long long at, dt, ct;
	CHECK(sscanf(line, "%d %d %o %llu %d %d %llu %u %u %u %u %lld %lld %lld %llu %llu", &key,
		     &sid, &perms, &size, &cpid, &lpid, &nattch, &uid, &gid, &cuid, &cgid, &at, &dt,
		     &ct, &rss, &swap) == 16);
	long long now = time(NULL);
	CHECK(key == 0x5151 && sid == id && perms == 0640 && size == 12345 && cpid == getpid() &&
	      lpid == getpid() && nattch == 1 && uid == getuid() && cuid == getuid() &&
	      rss == 8192 && swap == 0 && at >= now - 5 && at <= now && ct <= now && dt == 0);
	/* the columns are where Linux puts them */
	char want[512];
	snprintf(want, sizeof(want), "%10d %10d  %4o %21llu %5d %5d  %5llu", 0x5151, id, 0640,
		 12345ULL, getpid(), getpid(), 1ULL);
	CHECK(!strncmp(line, want, strlen(want)));
	CHECK(shmdt(a) == 0);
	CHECK(shmctl(id, IPC_RMID, NULL) == 0);
	slurp("/proc/sysvipc/shm", 65536);
	CHECK(!find_line(id, line, sizeof(line)));
}

static void test_sem(void)
{
	CHECK(slurp("/proc/sysvipc/sem", 65536) >= strlen(SEM_HDR));
	CHECK(!strncmp(text, SEM_HDR, strlen(SEM_HDR)));
	int id = semget(IPC_PRIVATE, 3, 0600);
	CHECK(id >= 0);
	slurp("/proc/sysvipc/sem", 65536);
	char line[512], want[128];
	CHECK(find_line(id, line, sizeof(line)));
	snprintf(want, sizeof(want), "%10d %10d  %4o %10u %5u %5u %5u %5u %10lld ", 0, id, 0600, 3,
		 getuid(), getgid(), getuid(), getgid(), 0LL);
	CHECK(!strncmp(line, want, strlen(want)));
	CHECK(semctl(id, 0, IPC_RMID) == 0);
	slurp("/proc/sysvipc/sem", 65536);
	CHECK(!find_line(id, line, sizeof(line)));
}

static void test_msg(void)
{
	CHECK(slurp("/proc/sysvipc/msg", 65536) >= strlen(MSG_HDR));
	CHECK(!strncmp(text, MSG_HDR, strlen(MSG_HDR)));
	int base = count_lines();
	int id = msgget(0x4242, IPC_CREAT | IPC_EXCL | 0604);
	CHECK(id >= 0);
	struct { long type; char t[20]; } m = { 1, "x" };
	CHECK(msgsnd(id, &m, 10, 0) == 0 && msgsnd(id, &m, 20, 0) == 0);
	slurp("/proc/sysvipc/msg", 65536);
	char line[512], want[160];
	CHECK(find_line(id, line, sizeof(line)));
	snprintf(want, sizeof(want), "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u ", 0x4242,
		 id, 0604, 30UL, 2UL, getpid(), 0, getuid(), getgid(), getuid(), getgid());
	CHECK(!strncmp(line, want, strlen(want)));
	/* 300 more: every line there, read whole or a byte at a time */
	int ids[300];
	for (int i = 0; i < 300; i++)
		CHECK((ids[i] = msgget(IPC_PRIVATE, 0600)) >= 0);
	size_t whole = slurp("/proc/sysvipc/msg", 65536);
	CHECK(count_lines() == base + 301);
	static char copy[sizeof(text)];
	memcpy(copy, text, whole + 1);
	size_t bytes = slurp("/proc/sysvipc/msg", 1);
	CHECK(bytes == whole && !strcmp(copy, text));
	slurp("/proc/sysvipc/msg", 100);
	CHECK(!strcmp(copy, text));
	for (int i = 0; i < 300; i++)
		CHECK(find_line(ids[i], line, sizeof(line)));
	for (int i = 0; i < 300; i++)
		msgctl(ids[i], IPC_RMID, NULL);
	CHECK(msgctl(id, IPC_RMID, NULL) == 0);
	slurp("/proc/sysvipc/msg", 65536);
	CHECK(count_lines() == base);
	/* read-only, readable by anyone */
	CHECK(open("/proc/sysvipc/msg", O_WRONLY) == -1);
	pid_t c = fork();
	if (c == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(10);
		_exit(slurp("/proc/sysvipc/sem", 4096) >= strlen(SEM_HDR) ? 0 : 11);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

#define RUN(f) (printf("# %s\n", #f), f())

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	RUN(test_shm);
	RUN(test_sem);
	RUN(test_msg);
	printf("# shm, sem, msg: %d failures\n", failures);
	return check_done();
}
