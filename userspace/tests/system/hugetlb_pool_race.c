/*
 * Huge pages, an outside review's finding (kernel/mm/hugetlb.c): the
 * pool's counters must not wrap when a surplus page counted ahead of
 * buddy_get (hugetlb_reserve, hugetlb_alloc) cannot be had while
 * nr_hugepages is raised meanwhile (hugetlb_set_nr turns the counted
 * surplus into persistent pages; the failed caller then takes 1 off a
 * surplus of 0). The pool is first grown to all the 2 MiB blocks there
 * are, so every further buddy_get fails.
 */
#define _GNU_SOURCE
#define TEST_NAME "hugetlb_pool_race"
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#define HP (2UL << 20)
#define SYSDIR "/sys/kernel/mm/hugepages/hugepages-2048kB/"

static atomic_int stop;
static long want;	/* pages the mapper asks for: 4 more than the pool has */

/* Asks for surplus pages memory does not have: ENOMEM each time, after
 * counting them ahead (hugetlb_reserve). */
static void *mapper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		void *p = mmap(NULL, (size_t)want * HP, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p != MAP_FAILED)
			munmap(p, (size_t)want * HP);
	}
	return NULL;
}

int main(void)
{
	long was = read_num("/proc/sys/vm/nr_hugepages");

	CHECK(was >= 0);
	CHECK(write_num("/proc/sys/vm/nr_overcommit_hugepages", 0) == 0);
	CHECK(write_num("/proc/sys/vm/nr_hugepages", 1000000) == 0);	/* all there are */
	long all = read_num("/proc/sys/vm/nr_hugepages");
	fprintf(stderr, TEST_NAME ": pool of %ld huge pages\n", all);
	CHECK(all > 0 && all < 1000000);
	/* two blocks back for the kernel's own allocations */
	CHECK(write_num("/proc/sys/vm/nr_hugepages", all > 2 ? all - 2 : all) == 0);
	long base = read_num("/proc/sys/vm/nr_hugepages");
	CHECK(write_num("/proc/sys/vm/nr_overcommit_hugepages", 1000000) == 0);
	want = base + 4;
	void *hold = MAP_FAILED;

	pthread_t t;
	CHECK(pthread_create(&t, NULL, mapper, NULL) == 0);
	unsigned long bad = 0;
	time_t end = time(NULL) + 5;
	for (long k = 0; time(NULL) < end && !bad; k++) {
		write_num("/proc/sys/vm/nr_hugepages", base + 1000);	/* grows by 2 at most */
		write_num("/proc/sys/vm/nr_hugepages", base);
		/* a count gone below zero reads as 2^64 - k: strtol makes it LONG_MAX */
		long s = read_num(SYSDIR "surplus_hugepages");
		long n = read_num("/proc/sys/vm/nr_hugepages");
		if (s > 1000000 || n > 1000000) {
			fprintf(stderr, TEST_NAME ": round %ld: surplus %ld nr_hugepages %ld\n", k,
				s, n);
			bad = 1;
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	CHECK(!bad);
	(void)hold;
	CHECK(write_num("/proc/sys/vm/nr_overcommit_hugepages", 0) == 0);
	CHECK(write_num("/proc/sys/vm/nr_hugepages", was) == 0);
	fprintf(stderr, TEST_NAME ": after: total %ld free %ld resv %ld surplus %ld\n",
		read_num("/proc/sys/vm/nr_hugepages"), read_num(SYSDIR "free_hugepages"),
		read_num(SYSDIR "resv_hugepages"), read_num(SYSDIR "surplus_hugepages"));
	return check_done();
}
