/*
 * The load average (/proc/loadavg, sysinfo): every 5 seconds the tasks
 * that are running or queued on some CPU, or asleep in 'D' (a lock, disk
 * I/O), are counted, and each of the three averages moves towards that
 * count by Linux's factors, e^(-5/60), e^(-5/300) and e^(-5/900) in
 * 11-bit fixed point: the 1, 5 and 15 minute load.
 *
 * The sample is a hint, as Linux's is: the run queues are read without
 * their locks, and a task that has marked itself 'D' but not yet slept
 * counts twice for that instant. The averages are written by the timer
 * alone and read whole words at a time.
 */
#include <alloy/atomic.h>
#include <alloy/compiler.h>
#include <alloy/sched.h>
#include <alloy/timer.h>

#define FSHIFT LOADAVG_FSHIFT
#define FIXED_1 (1UL << FSHIFT)
#define LOAD_FREQ_NS (5ULL * 1000 * 1000 * 1000)

static const unsigned long decay[3] = { 1884, 2014, 2037 };	/* FIXED_1 * e^(-5/T) */
static unsigned long avenrun[3];	/* FIXED_1 = a load of 1 */
static atomic_t d_sleepers;
static struct ktimer load_timer;

void loadavg_d_sleepers(int delta)
{
	atomic_add_return(&d_sleepers, delta);
}

static void sample(void *arg)
{
	(void)arg;
	int d = atomic_read(&d_sleepers);
	unsigned long active = (sched_nr_active() + (unsigned long)(d > 0 ? d : 0)) * FIXED_1;

	for (int i = 0; i < 3; i++) {
		unsigned long a = READ_ONCE(avenrun[i]) * decay[i] + active * (FIXED_1 - decay[i]);
		/* round up while rising, as Linux, so a steady load is reached */
		if (active >= READ_ONCE(avenrun[i]))
			a += FIXED_1 - 1;
		WRITE_ONCE(avenrun[i], a >> FSHIFT);
	}
	timer_start(&load_timer, load_timer.expires + LOAD_FREQ_NS, sample, NULL);
}

void loadavg_start(void)
{
	timer_start(&load_timer, ktime_ns() + LOAD_FREQ_NS, sample, NULL);
}

void loadavg_get(unsigned long out[3])
{
	for (int i = 0; i < 3; i++)
		out[i] = READ_ONCE(avenrun[i]);
}
