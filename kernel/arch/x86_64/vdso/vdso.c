/*
 * The vDSO: code the kernel maps into every process (AT_SYSINFO_EHDR)
 * so that reading the clock takes no system call. It computes exactly
 * what the kernel's ktime_ns() computes, from the TSC and the numbers
 * the kernel publishes in the data page ([vvar], asm/vdso.h) just below
 * it; whatever it cannot compute (another clock, a clock not on the TSC)
 * it asks the kernel for with the real system call, so its answers are
 * the system call's.
 *
 * Built -fPIC with hidden references only: the image has no relocations
 * and runs wherever it is mapped. Linux's names and version (LINUX_2.6,
 * vdso.lds), which musl and glibc look up.
 */
#include <asm/vdso.h>

typedef unsigned long long u64;
typedef unsigned int u32;

struct timespec { long tv_sec, tv_nsec; };
struct timeval { long tv_sec, tv_usec; };

#define NSEC 1000000000ULL
#define NR_gettimeofday 96
#define NR_time 201
#define NR_clock_gettime 228
#define NR_clock_getres 229
#define NR_getcpu 309

/* The page below the image (vdso.lds). */
extern const volatile struct vdso_data vvar_page __attribute__((visibility("hidden")));

static inline long syscall3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "0"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

/* Ordered after the loads before it, as the kernel's own reads are. */
static inline u64 rdtsc_ordered(void)
{
	u32 lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (u64)hi << 32 | lo;
}

/* Linux clock ids the TSC answers: 1 realtime-based, 0 monotonic, -1 none.
 * (CLOCK_MONOTONIC_RAW, _COARSE and BOOTTIME are all ktime_ns() here.) */
static int tsc_clock(int clk)
{
	switch (clk) {
	case 0: case 5:			/* REALTIME, REALTIME_COARSE */
		return 1;
	case 1: case 4: case 6: case 7:	/* MONOTONIC, _RAW, _COARSE, BOOTTIME */
		return 0;
	default:
		return -1;
	}
}

/* The clock in ns: 0, or -1 if only the kernel can say. */
static int clock_ns(int clk, u64 *ns)
{
	const volatile struct vdso_data *vd = &vvar_page;
	int rt = tsc_clock(clk);
	u64 base, mult, off, tsc;
	u32 seq;

	if (rt < 0)
		return -1;
	for (;;) {
		seq = vd->seq;
		if (seq & 1) {		/* the kernel is writing */
			__asm__ volatile("pause" ::: "memory");
			continue;
		}
		/* x86 keeps loads in order: the compiler must too (volatile) */
		if (vd->clock_mode != VDSO_CLOCK_TSC)
			return -1;
		base = vd->tsc_base;
		mult = vd->tsc_mult;
		off = rt ? vd->realtime_ns : 0;
		tsc = rdtsc_ordered();
		if (vd->seq == seq)
			break;
	}
	*ns = (u64)(((unsigned __int128)(tsc - base) * mult) >> 32) + off;
	return 0;
}

int __vdso_clock_gettime(int clk, struct timespec *ts)
{
	u64 ns;

	if (clock_ns(clk, &ns))
		return (int)syscall3(NR_clock_gettime, clk, (long)ts, 0);
	ts->tv_sec = (long)(ns / NSEC);
	ts->tv_nsec = (long)(ns % NSEC);
	return 0;
}

/* The kernel ignores tz (no time zone of its own): so does this. */
int __vdso_gettimeofday(struct timeval *tv, void *tz)
{
	u64 ns;

	if (clock_ns(0, &ns))
		return (int)syscall3(NR_gettimeofday, (long)tv, (long)tz, 0);
	if (tv) {
		tv->tv_sec = (long)(ns / NSEC);
		tv->tv_usec = (long)(ns % NSEC / 1000);
	}
	return 0;
}

long __vdso_time(long *t)
{
	u64 ns;

	if (clock_ns(0, &ns))
		return syscall3(NR_time, (long)t, 0, 0);
	long s = (long)(ns / NSEC);
	if (t)
		*t = s;
	return s;
}

int __vdso_clock_getres(int clk, struct timespec *res)
{
	const volatile struct vdso_data *vd = &vvar_page;

	if (tsc_clock(clk) < 0 || vd->clock_mode != VDSO_CLOCK_TSC)
		return (int)syscall3(NR_clock_getres, clk, (long)res, 0);
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = vd->res_ns;
	}
	return 0;
}

int __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
	u32 mode = vvar_page.getcpu_mode;
	u64 aux;

	if (mode == VDSO_GETCPU_RDPID) {
		__asm__ volatile("rdpid %0" : "=r"(aux));
	} else if (mode == VDSO_GETCPU_RDTSCP) {
		u32 lo, hi, c;
		__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
		aux = c;
	} else {
		return (int)syscall3(NR_getcpu, (long)cpu, (long)node, (long)cache);
	}
	if (cpu)
		*cpu = (u32)aux & 0xfff;
	if (node)
		*node = (u32)aux >> 12;
	return 0;
}

/* The unversioned names, as Linux's x86-64 vDSO has them. */
int clock_gettime(int, struct timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
