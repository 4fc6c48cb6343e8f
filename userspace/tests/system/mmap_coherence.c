#define _GNU_SOURCE
/*
 * mmap_coherence: a file's mappings follow what happens to the file.
 *
 *  - truncate takes the pages past the new end out of every mapping,
 *    shared and private (copied-on-write pages too): touching them is
 *    SIGBUS, and after the file grows again a store through the mapping
 *    reaches the file (it used to go to an orphaned page and was lost);
 *  - the same when another process truncates while this one spins
 *    reading the page on another CPU (its TLB must be flushed);
 *  - on ext2, a store through a shared mapping after a write-back is
 *    written by the next fsync and by sync (write-back write-protects the
 *    page, so the store faults and dirties it again); checked on the raw
 *    disk, not through the cache.
 * On the memory filesystem (the scratch directory) and on ext2 (/dev/vdc).
 */
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TEST_NAME "mmap_coherence"
#include "check.h"

#define PG 4096

static sigjmp_buf jb;
static volatile sig_atomic_t armed;

static void on_bus(int sig)
{
	if (armed)
		siglongjmp(jb, sig);
	_exit(99);
}

/* The signal a read of *p raises (0 if none). */
static int read_sig(volatile char *p, char *out)
{
	int sig = sigsetjmp(jb, 1);
	if (sig) {
		armed = 0;
		return sig;
	}
	armed = 1;
	*out = *p;
	armed = 0;
	return 0;
}

static int write_sig(volatile char *p, char v)
{
	int sig = sigsetjmp(jb, 1);
	if (sig) {
		armed = 0;
		return sig;
	}
	armed = 1;
	*p = v;
	armed = 0;
	return 0;
}

static int make_file(const char *path, size_t size, char fill)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[PG];
	memset(buf, fill, sizeof(buf));
	CHECK(fd >= 0);
	for (size_t done = 0; fd >= 0 && done < size; done += PG)
		CHECK(write(fd, buf, PG) == PG);
	return fd;
}

/* Shrink and regrow under a shared and a private mapping. */
static void truncate_then_grow(const char *dir)
{
	char path[256], c = 0;
	snprintf(path, sizeof(path), "%s/trunc", dir);
	int fd = make_file(path, 2 * PG, 'a');
	char *sh = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *pv = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(sh != MAP_FAILED && pv != MAP_FAILED);
	if (sh == MAP_FAILED || pv == MAP_FAILED)
		return;
	sh[0] = 's';
	sh[PG] = 's';
	pv[PG] = 'p';		/* a private copy of page 1 */
	CHECK(read_sig(pv, &c) == 0 && c == 's');	/* page 0 still the file's */

	CHECK(ftruncate(fd, 100) == 0);
	/* the part page stays, zeroed past the end; the page past it is gone */
	CHECK(read_sig(sh, &c) == 0 && c == 's');
	CHECK(read_sig(sh + 200, &c) == 0 && c == 0);
	CHECK(read_sig(sh + PG, &c) == SIGBUS);
	CHECK(read_sig(pv + PG, &c) == SIGBUS);	/* the private copy went too */

	CHECK(ftruncate(fd, 0) == 0);
	CHECK(read_sig(sh, &c) == SIGBUS);
	CHECK(write_sig(sh, 'x') == SIGBUS);

	CHECK(ftruncate(fd, 2 * PG) == 0);
	CHECK(write_sig(sh, 'X') == 0);
	CHECK(write_sig(sh + PG, 'Y') == 0);
	char buf[2];
	CHECK(pread(fd, &buf[0], 1, 0) == 1 && buf[0] == 'X');
	CHECK(pread(fd, &buf[1], 1, PG) == 1 && buf[1] == 'Y');
	CHECK(read_sig(pv + PG, &c) == 0 && c == 'Y');	/* private: the file again */

	/* O_TRUNC on open is a truncate too */
	int fd2 = open(path, O_RDWR | O_TRUNC);
	CHECK(fd2 >= 0);
	CHECK(read_sig(sh, &c) == SIGBUS);
	close(fd2);

	munmap(sh, 2 * PG);
	munmap(pv, 2 * PG);
	close(fd);
	unlink(path);
}

/* Another process truncates while this one reads the page in a loop. */
static void truncate_from_elsewhere(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/trunc2", dir);
	int fd = make_file(path, PG, 'b');
	int ready[2], done[2];
	CHECK(pipe(ready) == 0 && pipe(done) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		volatile char *m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
		char c;
		if (m == MAP_FAILED)
			_exit(2);
		if (read_sig(m, &c) || c != 'b')
			_exit(3);
		write(ready[1], "r", 1);
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {	/* a stale TLB entry would keep this going */
			int sig = read_sig(m, &c);
			if (sig)
				_exit(sig == SIGBUS ? 0 : 4);
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec > 20)
				_exit(5);
		}
	}
	char r;
	CHECK(read(ready[0], &r, 1) == 1);
	usleep(20000);		/* it is spinning on the page now */
	CHECK(ftruncate(fd, 0) == 0);
	int st = -1;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		printf("# child status %#x\n", st);
	close(ready[0]); close(ready[1]); close(done[0]); close(done[1]);
	close(fd);
	unlink(path);
}

/*
 * A page a fault brings in while truncate runs must not outlive the
 * truncate: after the file grows back, what was stored before is gone.
 * A child stores the round number through a fresh mapping of page 3,
 * over and over; each round the parent shrinks the file past that page,
 * moves the round on, waits until the child has seen it (every store of
 * the old number is done), and grows the file back. Page 3 must then
 * hold 0 or (bytes of) the new number, never the old one (Alloy put the fault's
 * page in the cache after truncate had emptied it and before the size
 * went down: memfs kept the stored number, ext2 re-read the old blocks).
 */
/* Is every byte of v either 0 or the same byte of want? */
static int bytes_of(int v, int want)
{
	for (int k = 0; k < 4; k++) {
		int b = (v >> (8 * k)) & 0xff;
		if (b && b != ((want >> (8 * k)) & 0xff))
			return 0;
	}
	return 1;
}

static void no_stale_page_after_regrow(const char *dir, int rounds)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/regrow", dir);
	int fd = make_file(path, 4 * PG, 0);
	volatile int *sh = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(fd >= 0 && sh != MAP_FAILED);
	if (fd < 0 || sh == MAP_FAILED)
		return;
	sh[0] = 0;	/* the number to store; -1: stop */
	sh[1] = -2;	/* the number the child last read */
	pid_t pid = fork();
	if (pid == 0) {
		for (;;) {
			int v = sh[0];
			sh[1] = v;
			if (v < 0)
				_exit(0);
			char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (m == MAP_FAILED)
				_exit(2);
			for (int k = 0; k < 4; k++)	/* SIGBUS while short */
				write_sig(m + 3 * PG + 8 + k, (char)(v >> (8 * k)));
			munmap(m, 4 * PG);
		}
	}
	int stale = 0, seen = 0;
	for (int r = 1; r <= rounds && pid > 0; r++) {
		sh[0] = 2 * r;
		while (sh[1] != 2 * r && waitpid(pid, NULL, WNOHANG) == 0)
			sched_yield();	/* (a dead child ends the test) */
		CHECK(ftruncate(fd, PG + 100) == 0);
		sh[0] = 2 * r + 1;
		while (sh[1] != 2 * r + 1 && waitpid(pid, NULL, WNOHANG) == 0)
			sched_yield();
		CHECK(ftruncate(fd, 4 * PG) == 0);
		int v = -1;
		CHECK(pread(fd, &v, sizeof(v), 3 * PG + 8) == sizeof(v));
		/* the child may still be storing 2r + 1 byte by byte while the
		 * file grows back, so some of its bytes may be missing (a
		 * store that took SIGBUS): each byte must be 0 or 2r + 1's
		 * (the old number 2r differs from it in its low byte, so it
		 * is still caught unless that byte is 0: 1 round in 128) */
		if (!bytes_of(v, 2 * r + 1)) {
			if (!stale++)
				printf("# %s: round %d: page 3 holds %d after the regrow\n", dir, r, v);
		}
		seen += v == 2 * r + 1;
	}
	sh[0] = -1;
	int st = -1;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("# %s: %d rounds, %d stale, %d stored after the regrow\n", dir, rounds, stale, seen);
	CHECK(stale == 0);
	munmap((void *)sh, PG);
	close(fd);
	unlink(path);
}

/* Where `marker` is on the raw disk (the first page-aligned hit); -1. */
static off_t find_on_disk(const char *dev, const char *marker)
{
	int fd = open(dev, O_RDONLY);
	static char buf[65536];
	size_t n = strlen(marker);
	off_t at = -1;
	CHECK(fd >= 0);
	for (off_t off = 0; fd >= 0 && at < 0;) {
		ssize_t got = pread(fd, buf, sizeof(buf), off);
		if (got <= 0)
			break;
		for (ssize_t k = 0; k + (ssize_t)n <= got; k += 1024)
			if (!memcmp(buf + k, marker, n)) {
				at = off + k;
				break;
			}
		off += got;
	}
	close(fd);
	return at;
}

static bool on_disk(const char *dev, off_t at, const char *marker)
{
	char buf[64] = { 0 };
	int fd = open(dev, O_RDONLY);
	bool ok = fd >= 0 && pread(fd, buf, strlen(marker), at) == (ssize_t)strlen(marker) &&
		  !memcmp(buf, marker, strlen(marker));
	if (fd >= 0)
		close(fd);
	if (!ok)
		printf("# on disk at %lld: '%.20s', wanted '%s'\n", (long long)at, buf, marker);
	return ok;
}

static void stores_after_writeback(const char *dir, const char *dev)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/wb", dir);
	int fd = make_file(path, PG, 0);
	/* markers unique to this run: the disk may hold an earlier one */
	char m1[40], m2[40], m3[40], m4[40];
	unsigned tag = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
	snprintf(m1, sizeof(m1), "alloy-coherence-1-%08x", tag);
	snprintf(m2, sizeof(m2), "alloy-coherence-2-%08x", tag);
	snprintf(m3, sizeof(m3), "alloy-coherence-3-%08x", tag);
	snprintf(m4, sizeof(m4), "alloy-coherence-4-%08x", tag);
	CHECK(pwrite(fd, m1, strlen(m1), 0) == (ssize_t)strlen(m1));
	CHECK(fsync(fd) == 0);
	off_t at = find_on_disk(dev, m1);
	CHECK(at >= 0);
	char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (at < 0 || m == MAP_FAILED)
		return;
	memcpy(m, m2, strlen(m2));	/* first store: faults, dirties */
	CHECK(fsync(fd) == 0);
	CHECK(on_disk(dev, at, m2));
	memcpy(m, m3, strlen(m3));	/* after a write-back */
	CHECK(fsync(fd) == 0);
	CHECK(on_disk(dev, at, m3));
	memcpy(m, m4, strlen(m4));
	sync();
	CHECK(on_disk(dev, at, m4));
	CHECK(msync(m, PG, MS_SYNC) == 0);
	munmap(m, PG);
	close(fd);
	unlink(path);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_bus };
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	truncate_then_grow(".");
	truncate_from_elsewhere(".");
	no_stale_page_after_regrow(".", 300);

	mkdir("/mnt", 0755);
	mkdir("/mnt/vdc-coherence", 0755);
	CHECK(mount("/dev/vdc", "/mnt/vdc-coherence", "ext2", 0, NULL) == 0);
	truncate_then_grow("/mnt/vdc-coherence");
	truncate_from_elsewhere("/mnt/vdc-coherence");
	no_stale_page_after_regrow("/mnt/vdc-coherence", 300);
	stores_after_writeback("/mnt/vdc-coherence", "/dev/vdc");
	CHECK(umount("/mnt/vdc-coherence") == 0);
	return check_done();
}
