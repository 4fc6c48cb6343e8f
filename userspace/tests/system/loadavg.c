/*
 * The load average is measured, not a constant: with two processes
 * spinning across at least one 5-second sample, /proc/loadavg's 1-minute
 * figure rises above zero, sysinfo() reports the same numbers (16-bit
 * fixed point), and the format is Linux's ("0.16 0.03 0.01 3/40 123").
 */
#define TEST_NAME "loadavg"
#include "check.h"

#include <signal.h>
#include <sys/sysinfo.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_loadavg(double l[3], int *run, int *total)
{
	FILE *f = fopen("/proc/loadavg", "r");
	int last, n = f ? fscanf(f, "%lf %lf %lf %d/%d %d", &l[0], &l[1], &l[2], run, total, &last) : 0;
	if (f)
		fclose(f);
	return n;
}

int main(void)
{
	double l[3];
	int run, total;
	CHECK(read_loadavg(l, &run, &total) == 6);
	CHECK(total > 0 && run >= 1 && run <= total);
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			for (;;)
				;
	}
	double start = now();
	while (now() - start < 6.0) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	CHECK(read_loadavg(l, &run, &total) == 6);
	struct sysinfo si;
	CHECK(sysinfo(&si) == 0);
	for (int i = 0; i < 2; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	if (l[0] < 0.05)
		fprintf(stderr, "loadavg: 1-minute load %.2f after 6 s of two spinners\n", l[0]);
	CHECK(l[0] >= 0.05 && l[0] < 10);
	CHECK(l[1] <= l[0] + 0.01 && l[2] <= l[1] + 0.01);	/* slower to rise */
	CHECK(run >= 2);	/* the spinners, and this process reading */
	double s1 = si.loads[0] / 65536.0;
	CHECK(s1 > l[0] - 0.02 && s1 < l[0] + 0.02);
	return check_done();
}
