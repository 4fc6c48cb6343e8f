/*
 * The sampling profiler (/proc/sys/kernel/profile, docs/profiling.md)
 * places user samples: a sample taken while this program spins in a
 * function of its own carries that function's ELF address (so a report
 * can name it from the file), and one taken inside the vDSO's
 * clock_gettime is a vDSO sample ('v'), with an offset inside the vDSO.
 * Also its control file's errors: out-of-range rates are EINVAL, and
 * while it runs a read or a second start is EBUSY. And a program cannot
 * break or forge lines of the read-out by its name: a name with a space
 * and a newline (PR_SET_NAME) is printed with '_' for them.
 */
#define TEST_NAME "profile_user"
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <string.h>
#include <time.h>

#define CTL "/proc/sys/kernel/profile"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int put(const char *s)
{
	int fd = open(CTL, O_WRONLY);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, s, strlen(s));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

static volatile uint64_t sink;

/* Arithmetic only, so its samples fall inside it; the clock is read
 * between rounds, which is a small part of the time. */
__attribute__((noinline)) static void spin_here(double secs)
{
	double end = now() + secs;
	while (now() < end) {
		uint64_t x = sink;
		for (int i = 0; i < 200000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sink = x;
	}
}
__attribute__((noinline)) static void after_spin(void) { sink++; }

int main(void)
{
	CHECK(put("-1") == -EINVAL);
	CHECK(put("10001") == -EINVAL);
	CHECK(put("many") == -EINVAL);
	CHECK(put("1000") == 0);
	CHECK(put("500") == -EBUSY);	/* stop it first */
	int fd = open(CTL, O_RDONLY);
	char probe[16];
	CHECK(fd >= 0 && read(fd, probe, sizeof(probe)) < 0 && errno == EBUSY);
	close(fd);

	spin_here(0.6);
	double end = now() + 0.4;	/* the vDSO: clock_gettime in a loop */
	while (now() < end)
		;
	after_spin();
	CHECK(put("0") == 0);

	uintptr_t lo = (uintptr_t)spin_here, hi = (uintptr_t)after_spin;
	if (hi <= lo || hi - lo > 4096)
		hi = lo + 512;	/* the compiler put them apart: the loop is small */
	FILE *f = fopen(CTL, "r");
	CHECK(f != NULL);
	char line[512], comm[32];
	unsigned long long in_spin = 0, user = 0, vdso = 0, kernel = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char kind;
		unsigned cpu;
		unsigned long long hits, addr;
		int n = sscanf(line, "%c %u %llu %31s %llx", &kind, &cpu, &hits, comm, &addr);
		if (n < 4 || strcmp(comm, TEST_NAME))
			continue;
		if (kind == 'u') {
			user += hits;
			/* a fixed-address program: its ELF addresses are its own */
			if (n == 5 && addr >= lo && addr < hi)
				in_spin += hits;
		} else if (kind == 'v') {
			vdso += hits;
			CHECK(n == 5 && addr < 65536);	/* an offset in the vDSO */
		} else if (kind == 'k') {
			kernel += hits;
		}
	}
	if (f)
		fclose(f);
	fprintf(stderr, TEST_NAME ": %llu user samples, %llu in spin_here, %llu in the vDSO, "
		"%llu in the kernel\n", user, in_spin, vdso, kernel);
	CHECK(user + vdso >= 100);	/* about 1000 expected at 1000 Hz */
	CHECK(in_spin * 3 >= user + vdso);	/* 0.6 s of the 1 s */
	CHECK(vdso >= 10);	/* part of the other 0.4 s (the rest: libc around it) */

	/* a hostile name: "evil name\nk 0 9" would end the line and start a
	 * forged kernel one */
	CHECK(prctl(PR_SET_NAME, "evil name\nk 0 9") == 0);
	CHECK(put("1000") == 0);
	spin_here(0.3);
	CHECK(put("0") == 0);
	bool escaped = false, raw = false;
	f = fopen(CTL, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		escaped |= strstr(line, " evil_name_k_0_9") != NULL;
		raw |= strstr(line, "evil name") != NULL;
	}
	if (f)
		fclose(f);
	CHECK(escaped && !raw);
	return check_done();
}
