/*
 * herd, the service supervisor (docs/herd.md), from the outside: this
 * program starts its own herd (/sbin/herd serve with a private config,
 * run and log directory) and plays its services too (argv[1] = "svc-...").
 *
 *  - backoff: a service that exits at once restarts at 100, 200, 400, 800,
 *    800 ms (jitter 10%; each gap >= its delay and < delay * 1.1 + 1000 ms
 *    of slack: under TCG -smp 4 on a busy host the first gap was 666 ms
 *    once) and is `failed` after giveup_count=5; `herd restart`
 *    brings it back; a service that runs past stable_after has its
 *    backoff reset (every gap its run + 100 ms, never 200/400);
 *  - SIGKILL to a service restarts it; a service that ignores SIGTERM is
 *    killed after stop_timeout and reported as signal 9;
 *  - logs: both streams, each line marked, rotation keeps the files under
 *    (keep + 1) * log_max, the last lines before a rotation are in the
 *    rotated file, herd's VmRSS stays flat while a service writes
 *    HERD_LOG_MB (default 4) MB to each stream (argv[1] = "big": 200, make herd-long);
 *  - control: every command, 8 concurrent clients, 1000 garbage requests,
 *    herd still answers afterwards and is the same process;
 *  - a bad service file: status names file and line, the others run;
 *  - the policy: HERD_POLICY=c selects C; herd killed and started again
 *    kills the process groups the first one left.
 */
#define _GNU_SOURCE
#define TEST_NAME "herd"
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HERD "/sbin/herd"
#define D "/tmp/herdt"
#define CFG D "/cfg"
#define RUN D "/run"
#define LOG D "/log"

static const char *self;
static int tests;
static pid_t herd_pid;

static void ok(int cond, const char *what)
{
	tests++;
	printf("# %s %d - %s\n", cond ? "ok" : "not ok", tests, what);
	if (!cond)
		failures++;
	fflush(stdout);
}

static uint64_t ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void msleep(int n)
{
	usleep((useconds_t)n * 1000);
}

/* ---- the services this program plays */

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			;
		close(fd);
	}
}

static int service(int argc, char **argv)
{
	char buf[64];
	const char *mode = argv[1], *file = argc > 2 ? argv[2] : "/dev/null";

	snprintf(buf, sizeof(buf), "%llu %d\n", (unsigned long long)ms(), (int)getpid());
	append(file, buf);
	if (!strcmp(mode, "svc-crash"))
		return 3;
	if (!strcmp(mode, "svc-stable")) {
		msleep(500);
		return 3;
	}
	if (!strcmp(mode, "svc-ignore"))
		signal(SIGTERM, SIG_IGN);
	if (!strcmp(mode, "svc-write")) {
		/* argv[3] MB to each stream: numbered lines of 100 bytes, in
		 * blocks of 640 lines, stdout's block then stderr's */
		static char blk[64000];
		long lines = atol(argv[3]) * 1048576 / 100;
		for (long i = 0; i < lines; i += 640) {
			for (int s = 0; s < 2; s++) {
				size_t o = 0;
				for (long j = i; j < lines && j < i + 640; j++) {
					char h[32];
					snprintf(h, sizeof(h), "%c %012ld ", s ? 'E' : 'O',
						 j % 1000000000000L);
					memcpy(blk + o, h, 15);
					memset(blk + o + 15, '.', 84);
					blk[o + 99] = '\n';
					o += 100;
				}
				for (size_t k = 0; k < o;) {
					ssize_t n = write(s ? 2 : 1, blk + k, o - k);
					if (n <= 0)
						return 1;
					k += (size_t)n;
				}
			}
		}
		append(file, "done\n");
	}
	for (;;)
		pause();
}

/* ---- driving herd */

/* Runs `herd --run RUN args...`; its stdout in out (if any); exit status. */
static int herd(char *out, size_t outlen, const char *a0, const char *a1)
{
	int p[2], st;
	pid_t pid;
	size_t o = 0;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(HERD, HERD, "--run", RUN, a0, a1, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char tmp[512];
		ssize_t n = read(p[0], tmp, sizeof(tmp));
		if (n <= 0)
			break;
		if (out && o + (size_t)n < outlen) {
			memcpy(out + o, tmp, (size_t)n);
			o += (size_t)n;
		}
	}
	if (out)
		out[o] = 0;
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The status line of one service, or "" */
static const char *status_of(const char *name)
{
	static char buf[4096];
	if (herd(buf, sizeof(buf), "status", name))
		buf[0] = 0;
	return buf;
}

static int state_is(const char *name, const char *state)
{
	char want[64];
	snprintf(want, sizeof(want), "%s %s ", name, state);
	return !strncmp(status_of(name), want, strlen(want));
}

static int wait_state(const char *name, const char *state, int max_ms)
{
	uint64_t end = ms() + (uint64_t)max_ms;
	while (ms() < end) {
		if (state_is(name, state))
			return 1;
		msleep(50);
	}
	return state_is(name, state);
}

static long pid_of(const char *name)
{
	const char *s = strstr(status_of(name), "pid=");
	return s ? atol(s + 4) : -1;
}

static void put_service(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), CFG "/%s.service", name);
	FILE *f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void svc_file(const char *name, const char *mode, const char *extra)
{
	char t[2048];
	snprintf(t, sizeof(t), "exec=%s %s " D "/%s.starts\n%s", self, mode, name, extra);
	put_service(name, t);
}

static pid_t start_herd(const char *policy)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(D "/herd.err", O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 2);
		if (policy && !strcmp(policy, "break"))
			setenv("HERD_POLICY_BREAK", "abi", 1);
		else if (policy)
			setenv("HERD_POLICY", policy, 1);
		execl(HERD, HERD, "serve", "--config", CFG, "--run", RUN, "--logdir", LOG,
		      (char *)NULL);
		_exit(127);
	}
	/* up when it answers */
	for (int i = 0; i < 200; i++) {
		if (herd(NULL, 0, "info", NULL) == 0)
			break;
		msleep(20);
	}
	return pid;
}

static void stop_herd(pid_t pid)
{
	int st;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

/* start times (ms) recorded by a service, up to max */
static int starts(const char *name, uint64_t *t, int max)
{
	char p[256], line[128];
	int n = 0;
	snprintf(p, sizeof(p), D "/%s.starts", name);
	FILE *f = fopen(p, "r");
	while (f && n < max && fgets(line, sizeof(line), f))
		t[n++] = strtoull(line, NULL, 10);
	if (f)
		fclose(f);
	return n;
}

static long rss_kb(pid_t pid)
{
	char p[64], line[256];
	long kb = -1;
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static long file_size(const char *p)
{
	struct stat sb;
	return stat(p, &sb) ? -1 : (long)sb.st_size;
}

/* ---- the tests */

static void test_backoff(void)
{
	static const int want[] = { 100, 200, 400, 800, 800 };
	uint64_t t[16];
	char msg[160];
	int n, good = 1;

	svc_file("crash", "svc-crash",
		 "backoff_initial=100ms\nbackoff_max=800ms\nbackoff_multiplier=2\n"
		 "backoff_jitter=10\ngiveup_count=5\ngiveup_window=1m\nstable_after=10s\n");
	herd(NULL, 0, "reload", NULL);
	ok(wait_state("crash", "failed", 8000), "a crash loop ends in state failed");
	n = starts("crash", t, 16);
	ok(n == 6, "it was started 6 times (5 restarts, then give-up)");
	for (int i = 1; i < n && i < 6; i++) {
		long gap = (long)(t[i] - t[i - 1]);
		int lo = want[i - 1], hi = want[i - 1] * 11 / 10 + 1000;
		printf("# restart %d after %ld ms (want %d..%d)\n", i, gap, lo, hi);
		if (gap < lo - 5 || gap > hi)
			good = 0;
	}
	ok(good, "each restart came on the schedule 100, 200, 400, 800, 800 ms (+10% jitter)");
	snprintf(msg, sizeof(msg), "%s", status_of("crash"));
	ok(strstr(msg, "last=exit:3") != NULL, "status shows the last exit status");
	ok(herd(NULL, 0, "restart", "crash") == 0 && starts("crash", t, 16) >= 6,
	   "herd restart of a failed service is accepted");
	msleep(300);
	ok(starts("crash", t, 16) >= 7, "and starts it again");
	herd(NULL, 0, "stop", "crash");

	svc_file("stable", "svc-stable",
		 "backoff_initial=100ms\nbackoff_max=5s\nbackoff_multiplier=2\n"
		 "backoff_jitter=0\ngiveup_count=0\nstable_after=300ms\n");
	herd(NULL, 0, "reload", NULL);
	uint64_t end = ms() + 8000;
	while (starts("stable", t, 16) < 5 && ms() < end)
		msleep(100);
	herd(NULL, 0, "stop", "stable");
	n = starts("stable", t, 16);
	long lo = 1L << 30, hi = 0;
	for (int i = 1; i < n && i < 5; i++) {
		long gap = (long)(t[i] - t[i - 1]);
		printf("# stable run %d: next start after %ld ms (500 ms run + 100 ms)\n", i, gap);
		lo = gap < lo ? gap : lo;
		hi = gap > hi ? gap : hi;
	}
	/* reset: every gap the same; no reset: 600 + 100, 200, 400 */
	good = n >= 5 && hi - lo < 250;
	ok(good, "a run longer than stable_after resets the backoff");
}

static void test_signals(void)
{
	long p1, p2;
	uint64_t t0;

	svc_file("sleeper", "svc-sleep", "backoff_initial=100ms\nbackoff_jitter=0\n");
	svc_file("stubborn", "svc-ignore", "stop_timeout=600ms\n");
	herd(NULL, 0, "reload", NULL);
	wait_state("sleeper", "running", 3000);
	wait_state("stubborn", "running", 3000);
	p1 = pid_of("sleeper");
	ok(p1 > 1 && kill((pid_t)p1, SIGKILL) == 0, "SIGKILL a running service");
	uint64_t end = ms() + 3000;
	while (((p2 = pid_of("sleeper")) == p1 || p2 <= 0) && ms() < end)
		msleep(50);
	ok(p2 > 1 && p2 != p1 && state_is("sleeper", "running"), "it runs again under a new pid");
	ok(strstr(status_of("sleeper"), "last=signal:9") && strstr(status_of("sleeper"), "restarts=1"),
	   "status: last=signal:9 restarts=1");

	p1 = pid_of("stubborn");
	msleep(200);	/* let it ignore SIGTERM first */
	t0 = ms();
	herd(NULL, 0, "stop", "stubborn");
	while (kill((pid_t)p1, 0) == 0 && !state_is("stubborn", "stopped") && ms() - t0 < 5000)
		msleep(20);
	wait_state("stubborn", "stopped", 3000);
	long took = (long)(ms() - t0);
	printf("# the SIGTERM-ignoring service was gone after %ld ms (stop_timeout 600)\n", took);
	ok(took >= 590 && took < 4000 && state_is("stubborn", "stopped"),
	   "a service that ignores SIGTERM is killed after stop_timeout");
	ok(strstr(status_of("stubborn"), "last=signal:9") != NULL, "and its status says signal 9");
}

static void test_logs(long mb)
{
	char p[256], extra[256], line[256];
	long max = 0, rss0, rss_max = 0;
	int done = 0;
	uint64_t t0 = ms();

	snprintf(extra, sizeof(extra), "log_max=%s\nlog_keep=2\n", mb > 16 ? "8M" : "256K");
	put_service("writer", "");
	{
		char t[1024];
		snprintf(t, sizeof(t), "exec=%s svc-write " D "/writer.starts %ld\n%s", self, mb, extra);
		put_service("writer", t);
	}
	rss0 = rss_kb(herd_pid);
	herd(NULL, 0, "reload", NULL);
	while (!done && ms() - t0 < (uint64_t)(60000 + mb * 4000)) {
		long r = rss_kb(herd_pid), total = 0;
		FILE *f = fopen(D "/writer.starts", "r");
		if (r > rss_max)
			rss_max = r;
		while (f && fgets(line, sizeof(line), f))
			if (!strcmp(line, "done\n"))
				done = 1;
		if (f)
			fclose(f);
		for (int k = 0; k < 3; k++) {
			snprintf(p, sizeof(p), LOG "/writer.log%s", k ? (k == 1 ? ".1" : ".2") : "");
			long s = file_size(p);
			total += s > 0 ? s : 0;
		}
		if (total > max)
			max = total;
		msleep(100);
	}
	msleep(500);	/* the last chunks after "done" */
	printf("# %ld MB to each stream in %llu ms; herd VmRSS %ld kB before, %ld kB at most\n",
	       mb, (unsigned long long)(ms() - t0), rss0, rss_max);
	ok(done, "the writer finished");
	long limit = mb > 16 ? 8L << 20 : 256L << 10;
	printf("# log files at most %ld bytes together (limit 3 x %ld)\n", max, limit);
	ok(max > 0 && max <= 3 * limit, "rotation keeps the files under (keep + 1) * log_max");
	ok(rss_max > 0 && rss_max - rss0 < 1024, "herd's resident memory stays flat (< 1 MiB growth)");

	/* each stream's lines run on without a gap from NAME.log.1 into
	 * NAME.log and end at its last line. The two streams are separate
	 * pipes, so how their lines interleave varies: the newest file may
	 * well hold lines of one stream only (the other's last block having
	 * gone out just before the rotation), so look at both files. */
	long lines = mb * 1048576 / 100, first[2][2], last[2][2];
	int marks = 1, gaps = 0;
	for (int k = 0; k < 2; k++) {	/* 0: .log.1, 1: .log */
		for (int s = 0; s < 2; s++)
			first[k][s] = last[k][s] = -1;
		FILE *f = fopen(k ? LOG "/writer.log" : LOG "/writer.log.1", "r");
		while (f && fgets(line, sizeof(line), f)) {
			char *m = strchr(line, ' ');
			if (!m || (strncmp(m, " out O ", 7) && strncmp(m, " err E ", 7))) {
				marks = 0;
				continue;
			}
			int s = m[1] == 'e';
			long v = atol(m + 7), prev = last[k][s] >= 0 ? last[k][s] : k ? last[0][s] : -1;
			if (prev >= 0 && v != prev + 1)
				gaps++;
			if (first[k][s] < 0)
				first[k][s] = v;
			last[k][s] = v;
		}
		if (f)
			fclose(f);
	}
	long last_o = last[1][0] >= 0 ? last[1][0] : last[0][0];
	long last_e = last[1][1] >= 0 ? last[1][1] : last[0][1];
	printf("# .1: out %ld..%ld, err %ld..%ld; .log: out %ld..%ld, err %ld..%ld (of %ld); %d gaps\n",
	       first[0][0], last[0][0], first[0][1], last[0][1], first[1][0], last[1][0],
	       first[1][1], last[1][1], lines - 1, gaps);
	ok(marks, "every line has a timestamp and its stream (out/err)");
	ok(last_o == lines - 1 && last_e == lines - 1, "both streams were captured to the last line");
	ok(gaps == 0 && (last[0][0] >= 0 || last[0][1] >= 0) && (last[1][0] >= 0 || last[1][1] >= 0),
	   "the lines before the rotation are at the end of the rotated file");
	herd(NULL, 0, "stop", "writer");
	snprintf(p, sizeof(p), LOG "/writer.log.3");
	ok(file_size(p) < 0, "no more than log_keep rotated files");
}

static void test_control(void)
{
	char buf[8192];
	int good = 1;

	ok(herd(buf, sizeof(buf), "status", NULL) == 0 && strstr(buf, "sleeper running"),
	   "status lists the services");
	ok(herd(NULL, 0, "status", "nosuch") != 0, "status of an unknown service is an error");
	ok(herd(NULL, 0, "stop", "sleeper") == 0 && wait_state("sleeper", "stopped", 3000),
	   "stop");
	ok(herd(NULL, 0, "start", "sleeper") == 0 && wait_state("sleeper", "running", 3000),
	   "start");
	long p1 = pid_of("sleeper");
	ok(herd(NULL, 0, "restart", "sleeper") == 0 && wait_state("sleeper", "running", 3000) &&
	   pid_of("sleeper") != p1, "restart gives a new process");
	int nl = 0;
	int lrc = herd(buf, sizeof(buf), "logs", "writer");
	for (char *c = buf; *c; c++)
		nl += *c == '\n';
	ok(lrc == 0 && nl == 10 && (strstr(buf, " err E ") || strstr(buf, " out O ")),
	   "logs NAME prints the last 10 lines of the log");
	ok(herd(NULL, 0, "logs", "nosuch") != 0, "logs of an unknown service is an error");
	ok(herd(buf, sizeof(buf), "info", NULL) == 0 && strstr(buf, "policy="), "info");
	ok(herd(NULL, 0, "bogus", NULL) != 0, "an unknown command is an error");

	/* reload: a new file starts, a changed one restarts, a removed one stops */
	svc_file("fresh", "svc-sleep", "");
	long ps = pid_of("sleeper");
	svc_file("sleeper", "svc-sleep", "backoff_initial=150ms\n");
	ok(herd(NULL, 0, "reload", NULL) == 0, "reload");
	ok(wait_state("fresh", "running", 3000), "reload starts a new service");
	ok(wait_state("sleeper", "running", 3000) && pid_of("sleeper") != ps,
	   "reload restarts a changed service");
	long pst = pid_of("stable");
	unlink(CFG "/fresh.service");
	herd(NULL, 0, "reload", NULL);
	msleep(300);
	ok(strstr(status_of(NULL), "fresh ") == NULL, "reload drops a removed service");
	(void)pst;

	/* 8 clients at once, 25 requests each */
	pid_t kids[8];
	for (int i = 0; i < 8; i++)
		if ((kids[i] = fork()) == 0) {
			for (int j = 0; j < 25; j++) {
				char b[4096];
				if (herd(b, sizeof(b), j % 2 ? "status" : "info", NULL) ||
				    (j % 2 && !strstr(b, "sleeper")))
					_exit(1);
			}
			_exit(0);
		}
	for (int i = 0; i < 8; i++) {
		int st;
		waitpid(kids[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			good = 0;
	}
	ok(good, "8 concurrent clients, 25 requests each, all answered");

	/* 1000 garbage requests straight into the control FIFO */
	int fd = open(RUN "/ctl", O_WRONLY | O_NONBLOCK);
	char g[6000];
	unsigned r = 12345;
	int sent = 0;
	mkfifo(RUN "/clients/garbage", 0600);
	int gfd = open(RUN "/clients/garbage", O_RDONLY | O_NONBLOCK);
	for (int i = 0; i < 1000 && fd >= 0; i++) {
		size_t n;
		switch (i % 5) {
		case 0:	/* random bytes */
			n = 1 + (r = r * 1103515245 + 12345) % 300;
			for (size_t k = 0; k < n; k++)
				g[k] = (char)((r = r * 1103515245 + 12345) >> 16);
			break;
		case 1:	/* a valid id, a bad command */
			n = (size_t)snprintf(g, sizeof(g), "\nHERD1 garbage x%d y z w\n", i);
			break;
		case 2:	/* oversized */
			memset(g, 'A', 5000);
			memcpy(g, "\nHERD1 garbage ", 15);
			g[4999] = '\n';
			n = 5000;
			break;
		case 3:	/* truncated: no newline */
			n = (size_t)snprintf(g, sizeof(g), "HERD1 garbage stat");
			break;
		default:	/* a bad id, control bytes */
			n = (size_t)snprintf(g, sizeof(g), "\nHERD1 ../../x status\nHERD1 garbage st\x01tus\n");
			break;
		}
		while (write(fd, g, n) < 0 && errno == EAGAIN)
			msleep(1);	/* herd reads as fast as it can */
		sent++;
		if (i % 50 == 0) {	/* drain the replies so they do not block */
			char rb[4096];
			while (read(gfd, rb, sizeof(rb)) > 0)
				;
		}
	}
	char rb[4096];
	msleep(300);
	ssize_t rn = read(gfd, rb, sizeof(rb) - 1);
	rb[rn > 0 ? rn : 0] = 0;
	printf("# sent %d garbage requests\n", sent);
	ok(sent == 1000, "1000 garbage requests written");
	ok(rn > 0 && strstr(rb, "err "), "malformed requests get an error reply");
	close(gfd);
	unlink(RUN "/clients/garbage");
	if (fd >= 0)
		close(fd);
	ok(kill(herd_pid, 0) == 0 && herd(buf, sizeof(buf), "info", NULL) == 0,
	   "herd survives and still answers");
	char want[32];
	snprintf(want, sizeof(want), "pid=%d ", (int)herd_pid);
	ok(strstr(buf, want) != NULL, "and it is the same herd");
}

static void test_bad_file(void)
{
	char buf[8192];
	put_service("broken", "exec=/bin/true\n# fine\nbogus_key=1\n");
	herd(NULL, 0, "reload", NULL);
	herd(buf, sizeof(buf), "status", NULL);
	ok(strstr(buf, "broken bad") && strstr(buf, CFG "/broken.service:3: unknown key"),
	   "a bad service file: status names the file, the line and the error");
	ok(strstr(buf, "sleeper running") != NULL, "the other services still run");
	unlink(CFG "/broken.service");
}

static void test_adopt(void)
{
	long p1 = pid_of("sleeper"), p2;
	int st;

	kill(herd_pid, SIGKILL);
	waitpid(herd_pid, &st, 0);
	ok(p1 > 1 && kill((pid_t)p1, 0) == 0, "herd killed: its service is still there");
	herd_pid = start_herd(NULL);
	wait_state("sleeper", "running", 3000);
	p2 = pid_of("sleeper");
	msleep(200);
	char p[64], s[256] = "";
	snprintf(p, sizeof(p), "/proc/%ld/stat", p1);
	FILE *f = fopen(p, "r");
	if (f) {
		if (!fgets(s, sizeof(s), f))
			s[0] = 0;
		fclose(f);
	}
	char *c = strrchr(s, ')');
	ok(!f || (c && c[2] == 'Z'), "a new herd kills the process group the old one left");
	ok(p2 > 1 && p2 != p1, "and starts the service afresh");
}

static void test_policy(void)
{
	char buf[512];
	stop_herd(herd_pid);
	herd_pid = start_herd("c");
	ok(herd(buf, sizeof(buf), "info", NULL) == 0 && strstr(buf, "policy=C"),
	   "HERD_POLICY=c selects the C fallback");
	stop_herd(herd_pid);
	herd_pid = start_herd("break");
	ok(herd(buf, sizeof(buf), "info", NULL) == 0 && strstr(buf, "policy=C"),
	   "a Rust policy with another ABI version is not used");
	stop_herd(herd_pid);
	herd_pid = start_herd(NULL);
	herd(buf, sizeof(buf), "info", NULL);
	printf("# default policy: %s", strchr(buf, '=') ? strstr(buf, "policy=") : "?\n");
	system("grep 'policy:' " D "/herd.err | sed 's/^/# /'");
}

int main(int argc, char **argv)
{
	long mb = getenv("HERD_LOG_MB") ? atol(getenv("HERD_LOG_MB")) : 4;

	self = argv[0][0] == '/' ? argv[0] : "/tests/herd";
	if (argc > 1 && !strncmp(argv[1], "svc-", 4))
		return service(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "big"))
		mb = 200;
	if (access(HERD, X_OK)) {
		printf("# SKIP no " HERD "\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	system("rm -rf " D);
	CHECK(mkdir(D, 0755) == 0);
	CHECK(mkdir(CFG, 0755) == 0);
	svc_file("sleeper", "svc-sleep", "backoff_initial=100ms\nbackoff_jitter=0\n");
	herd_pid = start_herd(NULL);
	ok(herd_pid > 0 && wait_state("sleeper", "running", 5000), "herd runs a service");

	if (argc > 1 && !strcmp(argv[1], "big")) {
		test_logs(mb);
	} else {
		test_backoff();
		test_signals();
		test_logs(mb);
		test_control();
		test_bad_file();
		test_adopt();
		test_policy();
	}
	stop_herd(herd_pid);
	system("cat " D "/herd.err | tail -5 | sed 's/^/# /'");
	printf("# %d checks, %d failed\n", tests, failures);
	return check_done();
}
