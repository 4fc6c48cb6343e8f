#define _GNU_SOURCE
/*
 * vdso: the kernel maps a vDSO into every process and names it with
 * AT_SYSINFO_EHDR. This test parses it itself as musl does (DT_HASH,
 * DT_VERSYM/DT_VERDEF, version LINUX_2.6) and as glibc does (DT_GNU_HASH),
 * then holds its answers against the system calls': every clock between
 * two system call readings, many times, across processes on every CPU
 * (the monotonic clock never goes backwards, whoever read it last);
 * gettimeofday, time, getcpu, clock_getres alike, errors included. The
 * data page may not be written (a store kills with SIGSEGV, mprotect
 * refuses, the kernel's own copy_to_user gets EFAULT); setting the clock
 * reaches it; the mapping survives fork and a new one comes with exec.
 */
#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#define TEST_NAME "vdso"
#include "check.h"

#define NSEC 1000000000LL

typedef int (*cgt_fn)(clockid_t, struct timespec *);
typedef int (*gtod_fn)(struct timeval *, void *);
typedef time_t (*time_fn)(time_t *);
typedef int (*getcpu_fn)(unsigned *, unsigned *, void *);
typedef int (*getres_fn)(clockid_t, struct timespec *);

static cgt_fn v_cgt;
static gtod_fn v_gtod;
static time_fn v_time;
static getcpu_fn v_getcpu;
static getres_fn v_getres;

/* ---- the ELF, read the way the C libraries read it */

struct dso {
	uintptr_t base;
	const char *strings;
	const Elf64_Sym *syms;
	const Elf32_Word *hash, *gnu_hash;
	const Elf64_Half *versym;
	const Elf64_Verdef *verdef;
};

static int parse(uintptr_t at, struct dso *d)
{
	const Elf64_Ehdr *eh = (const void *)at;
	const Elf64_Dyn *dyn = NULL;
	int loads = 0;

	memset(d, 0, sizeof(*d));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_type != ET_DYN || eh->e_machine != EM_X86_64)
		return -1;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(at + eh->e_phoff + i * eh->e_phentsize);
		if (ph->p_type == PT_LOAD) {
			d->base = at + ph->p_offset - ph->p_vaddr;
			loads++;
			/* nothing of it may be writable */
			if ((ph->p_flags & PF_W) || !(ph->p_flags & PF_X))
				return -2;
		} else if (ph->p_type == PT_DYNAMIC) {
			dyn = (const void *)(at + ph->p_offset);
		}
	}
	if (loads != 1 || !dyn)
		return -3;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const void *p = (const void *)(d->base + dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_STRTAB: d->strings = p; break;
		case DT_SYMTAB: d->syms = p; break;
		case DT_HASH: d->hash = p; break;
		case DT_GNU_HASH: d->gnu_hash = p; break;
		case DT_VERSYM: d->versym = p; break;
		case DT_VERDEF: d->verdef = p; break;
		case DT_REL: case DT_RELA: case DT_TEXTREL: case DT_JMPREL:
			return -4;	/* it must need no loader */
		}
	}
	return d->strings && d->syms && d->hash && d->gnu_hash && d->versym && d->verdef ? 0 : -5;
}

/* musl's checkver: symbol i's version is `name` (not the base one). */
static int has_version(const struct dso *d, int i, const char *name)
{
	const Elf64_Verdef *def = d->verdef;
	int v = d->versym[i] & 0x7fff;

	for (;;) {
		if (!(def->vd_flags & VER_FLG_BASE) && (def->vd_ndx & 0x7fff) == v)
			break;
		if (!def->vd_next)
			return 0;
		def = (const void *)((const char *)def + def->vd_next);
	}
	const Elf64_Verdaux *aux = (const void *)((const char *)def + def->vd_aux);
	return !strcmp(name, d->strings + aux->vda_name);
}

static int sym_ok(const struct dso *d, int i, const char *name)
{
	const Elf64_Sym *s = &d->syms[i];
	int type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);

	return type == STT_FUNC && (bind == STB_GLOBAL || bind == STB_WEAK) && s->st_shndx &&
	       !strcmp(name, d->strings + s->st_name) && has_version(d, i, "LINUX_2.6");
}

/* Through DT_HASH, every symbol in turn (musl). */
static void *lookup_hash(const struct dso *d, const char *name)
{
	for (Elf32_Word i = 0; i < d->hash[1]; i++)
		if (sym_ok(d, (int)i, name))
			return (void *)(d->base + d->syms[i].st_value);
	return NULL;
}

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* Through DT_GNU_HASH, bloom filter and bucket chain (glibc). */
static void *lookup_gnu(const struct dso *d, const char *name)
{
	const Elf32_Word *g = d->gnu_hash;
	uint32_t nbuckets = g[0], symoffset = g[1], bloom_size = g[2], shift = g[3];
	const uint64_t *bloom = (const void *)&g[4];
	const Elf32_Word *buckets = (const void *)&bloom[bloom_size];
	const Elf32_Word *chain = &buckets[nbuckets];
	uint32_t h = gnu_hash(name);
	uint64_t word = bloom[(h / 64) % bloom_size];

	if (!nbuckets || !(word & (1ULL << (h % 64))) || !(word & (1ULL << ((h >> shift) % 64))))
		return NULL;
	for (uint32_t i = buckets[h % nbuckets]; i >= symoffset && i; i++) {
		uint32_t ch = chain[i - symoffset];
		if ((ch | 1) == (h | 1) && sym_ok(d, (int)i, name))
			return (void *)(d->base + d->syms[i].st_value);
		if (ch & 1)
			break;
	}
	return NULL;
}

static void *lookup(const struct dso *d, const char *name)
{
	void *a = lookup_hash(d, name), *b = lookup_gnu(d, name);

	if (a != b) {
		printf("# %s: DT_HASH %p, DT_GNU_HASH %p\n", name, a, b);
		failures++;
	}
	return a;
}

/* ---- clocks */

static long long ts_ns(const struct timespec *t)
{
	return t->tv_sec * NSEC + t->tv_nsec;
}

static long long sys_ns(clockid_t c)
{
	struct timespec t;

	if (syscall(SYS_clock_gettime, c, &t))
		return -1;
	return ts_ns(&t);
}

static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
				    CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
				    CLOCK_BOOTTIME };

/* Each clock read by the vDSO lies between two system call readings. */
static void sandwich(int iters)
{
	for (unsigned k = 0; k < sizeof(clocks) / sizeof(clocks[0]); k++) {
		clockid_t c = clocks[k];
		int bad = 0;
		for (int i = 0; i < iters; i++) {
			struct timespec t;
			long long a = sys_ns(c);
			int rc = v_cgt(c, &t);
			long long b = sys_ns(c);
			if (rc || t.tv_nsec < 0 || t.tv_nsec >= NSEC || a > ts_ns(&t) ||
			    ts_ns(&t) > b) {
				if (!bad++)
					printf("# clock %d: %lld <= %lld <= %lld? rc %d\n", (int)c,
					       a, ts_ns(&t), b, rc);
			}
			if (i % 64 == 0)
				sched_yield();
		}
		CHECK(bad == 0);
	}
}

/*
 * Processes on every CPU read CLOCK_MONOTONIC through the vDSO and
 * publish the largest value seen; a reading below one published before
 * it was taken means the clock went backwards across CPUs.
 */
static void cross_cpu(int nproc, int iters)
{
	struct shared { long long last; int backwards; unsigned cpus; } *sh;

	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	if (sh == MAP_FAILED)
		return;
	memset(sh, 0, sizeof(*sh));
	for (int p = 0; p < nproc; p++) {
		if (fork() == 0) {
			for (int i = 0; i < iters; i++) {
				struct timespec t;
				unsigned cpu = 0;
				long long seen = __atomic_load_n(&sh->last, __ATOMIC_ACQUIRE);
				v_cgt(CLOCK_MONOTONIC, &t);
				long long now = ts_ns(&t);
				if (now < seen)
					__atomic_fetch_add(&sh->backwards, 1, __ATOMIC_RELAXED);
				while (seen < now && !__atomic_compare_exchange_n(
					       &sh->last, &seen, now, 0, __ATOMIC_RELEASE,
					       __ATOMIC_ACQUIRE))
					;
				if (!v_getcpu(&cpu, NULL, NULL) && cpu < 32)
					__atomic_fetch_or(&sh->cpus, 1u << cpu, __ATOMIC_RELAXED);
				if (i % 16 == 0)
					sched_yield();
			}
			_exit(0);
		}
	}
	for (int p = 0; p < nproc; p++) {
		int st;
		CHECK(wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	printf("# cross-CPU: %d backwards steps, CPUs seen %#x\n", sh->backwards, sh->cpus);
	CHECK(sh->backwards == 0);
	CHECK(sh->last > 0);
	munmap(sh, 4096);
}

static void other_calls(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	/* gettimeofday and time between system call readings */
	for (int i = 0; i < 200; i++) {
		struct timeval a, v, b;
		CHECK(syscall(SYS_gettimeofday, &a, NULL) == 0);
		CHECK(v_gtod(&v, NULL) == 0);
		CHECK(syscall(SYS_gettimeofday, &b, NULL) == 0);
		long long an = a.tv_sec * 1000000LL + a.tv_usec, vn = v.tv_sec * 1000000LL + v.tv_usec;
		long long bn = b.tv_sec * 1000000LL + b.tv_usec;
		CHECK(an <= vn && vn <= bn && v.tv_usec >= 0 && v.tv_usec < 1000000);
		time_t t0 = syscall(SYS_time, NULL), tv = 0, t1;
		time_t r = v_time(&tv);
		t1 = syscall(SYS_time, NULL);
		CHECK(r == tv && t0 <= r && r <= t1);
	}
	CHECK(v_gtod(NULL, NULL) == 0);
	CHECK(v_time(NULL) > 1000000000);

	/* getcpu: the system call exists; the vDSO agrees with it when the
	 * task did not move between the two readings around it */
	unsigned c0 = 99, n0 = 99;
	CHECK(syscall(SYS_getcpu, &c0, &n0, NULL) == 0);
	CHECK(c0 < (unsigned)ncpu && n0 == 0);
	CHECK(syscall(SYS_getcpu, NULL, NULL, NULL) == 0);
	errno = 0;
	CHECK(syscall(SYS_getcpu, (void *)8, NULL, NULL) == -1 && errno == EFAULT);
	int same = 0, agree = 0;
	for (int i = 0; i < 400; i++) {
		unsigned a = 99, v = 99, vn = 99, b = 98;
		syscall(SYS_getcpu, &a, NULL, NULL);
		CHECK(v_getcpu(&v, &vn, NULL) == 0);
		syscall(SYS_getcpu, &b, NULL, NULL);
		CHECK(v < (unsigned)ncpu && vn == 0);
		if (a == b) {
			same++;
			agree += v == a;
		}
		if (i % 8 == 0)
			sched_yield();
	}
	printf("# getcpu: %d of %d steady samples agree\n", agree, same);
	CHECK(same > 0 && agree == same);
	CHECK((unsigned)sched_getcpu() < (unsigned)ncpu);

	/* clock_getres: the same from both, never coarser than the steps
	 * the clock is seen to take */
	for (unsigned k = 0; k < sizeof(clocks) / sizeof(clocks[0]); k++) {
		struct timespec r = { -1, -1 }, v = { -2, -2 };
		clockid_t c = clocks[k];
		CHECK(syscall(SYS_clock_getres, c, &r) == 0);
		CHECK(v_getres(c, &v) == 0);
		CHECK(r.tv_sec == v.tv_sec && r.tv_nsec == v.tv_nsec);
		CHECK(r.tv_sec == 0 && r.tv_nsec >= 1);
		CHECK(syscall(SYS_clock_getres, c, NULL) == 0);
		/* a coarse clock may take a tick to move: up to 50 ms */
		long long step = -1, prev = sys_ns(c), end = sys_ns(CLOCK_MONOTONIC) + NSEC / 20;
		for (int i = 0; step != 1 && (i < 2000 || (step < 0 &&
					      sys_ns(CLOCK_MONOTONIC) < end)); i++) {
			struct timespec t;
			v_cgt(c, &t);
			long long d = ts_ns(&t) - prev;
			if (d > 0 && (step < 0 || d < step))
				step = d;
			prev = ts_ns(&t);
		}
		if (k == 1)
			printf("# resolution %ld ns, smallest step seen %lld ns\n", r.tv_nsec, step);
		CHECK(step > 0 && step >= r.tv_nsec);
	}

	/* clocks the vDSO cannot read: it says what the system call says */
	static const int odd[] = { CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, 11, 100,
				   -1, 0x7fffffff };
	for (unsigned k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
		struct timespec t;
		errno = 0;
		long s = syscall(SYS_clock_gettime, odd[k], &t);
		long se = s ? -errno : 0;
		CHECK(v_cgt(odd[k], &t) == se);
		errno = 0;
		s = syscall(SYS_clock_getres, odd[k], &t);
		se = s ? -errno : 0;
		CHECK(v_getres(odd[k], &t) == se);
	}
}

static int child_status(pid_t pid)
{
	int st = -1;

	return waitpid(pid, &st, 0) == pid ? st : -1;
}

static uintptr_t vvar_lo;	/* where [vvar] starts */

/* Finds the [vdso] and [vvar] lines of /proc/self/maps; counts them.
 * *vvar is where [vvar] ends: [vdso] starts there. */
static int find_maps(uintptr_t *vdso, uintptr_t *vvar, char *vdso_perm, char *vvar_perm)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[256];
	int n = 0;

	*vdso = *vvar = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perm[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3)
			continue;
		if (strstr(line, "[vdso]")) {
			*vdso = lo;
			strcpy(vdso_perm, perm);
			n++;
		} else if (strstr(line, "[vvar]")) {
			*vvar = hi;
			vvar_lo = lo;
			strcpy(vvar_perm, perm);
			n++;
		}
	}
	if (f)
		fclose(f);
	return n;
}

static int setup(int verbose)
{
	uintptr_t at = getauxval(AT_SYSINFO_EHDR);
	struct dso d;

	if (verbose)
		printf("# AT_SYSINFO_EHDR %#lx\n", (unsigned long)at);
	if (!at)
		return -1;
	int rc = parse(at, &d);
	if (rc) {
		printf("# the vDSO does not parse (%d)\n", rc);
		return -1;
	}
	v_cgt = lookup(&d, "__vdso_clock_gettime");
	v_gtod = lookup(&d, "__vdso_gettimeofday");
	v_time = lookup(&d, "__vdso_time");
	v_getcpu = lookup(&d, "__vdso_getcpu");
	v_getres = lookup(&d, "__vdso_clock_getres");
	/* the unversioned names are the same functions */
	CHECK(lookup(&d, "clock_gettime") == (void *)v_cgt);
	CHECK(lookup(&d, "gettimeofday") == (void *)v_gtod);
	CHECK(lookup(&d, "time") == (void *)v_time);
	CHECK(lookup(&d, "getcpu") == (void *)v_getcpu);
	CHECK(lookup(&d, "__vdso_nonexistent") == NULL);
	return v_cgt && v_gtod && v_time && v_getcpu && v_getres ? 0 : -1;
}

/* After exec: a fresh vDSO, one of each mapping, and it works. */
static int exec_child(void)
{
	uintptr_t vdso, vvar;
	char vp[8] = "", dp[8] = "";

	if (setup(0))
		return 2;
	CHECK(find_maps(&vdso, &vvar, vp, dp) == 2);
	CHECK(vdso == getauxval(AT_SYSINFO_EHDR) && vvar == vdso);
	sandwich(50);
	return check_done();
}

/* A root process moves CLOCK_REALTIME: the vDSO follows at once. */
static void set_clock(void)
{
	struct timespec t, v, back;
	long long mono0 = sys_ns(CLOCK_MONOTONIC), real0 = sys_ns(CLOCK_REALTIME);

	errno = 0;
	CHECK(syscall(SYS_clock_settime, CLOCK_MONOTONIC, &(struct timespec){ 1, 0 }) == -1 &&
	      errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME,
		      &(struct timespec){ 1700000000, NSEC }) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(syscall(SYS_settimeofday, &(struct timeval){ 1700000000, 1000000 }, NULL) == -1 &&
	      errno == EINVAL);
	errno = 0;	/* before the boot: refused, as Linux does */
	CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME, &(struct timespec){ 0, 0 }) == -1 &&
	      errno == EINVAL);

	/* not root: EPERM */
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(1000))
			_exit(3);
		errno = 0;
		int r = syscall(SYS_clock_settime, CLOCK_REALTIME, &(struct timespec){ 1800000000, 0 });
		if (r != -1 || errno != EPERM)
			_exit(1);
		r = syscall(SYS_settimeofday, &(struct timeval){ 1800000000, 0 }, NULL);
		if (r != -1 || errno != EPERM)
			_exit(2);
		r = syscall(SYS_settimeofday, NULL, &(struct timezone){ 0, 0 });
		_exit(r == -1 && errno == EPERM ? 0 : 4);
	}
	CHECK(child_status(pid) == 0);
	CHECK(llabs(sys_ns(CLOCK_REALTIME) - real0) < 100 * NSEC);

	/* one hour ahead */
	t.tv_sec = real0 / NSEC + 3600;
	t.tv_nsec = 0;
	CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME, &t) == 0);
	CHECK(v_cgt(CLOCK_REALTIME, &v) == 0);
	long long d = ts_ns(&v) - ts_ns(&t);
	CHECK(d >= 0 && d < 10 * NSEC);
	sandwich(20);
	/* two hours ahead, by settimeofday */
	struct timeval tv = { real0 / NSEC + 7200, 500000 }, vt;
	CHECK(syscall(SYS_settimeofday, &tv, NULL) == 0);
	CHECK(v_gtod(&vt, NULL) == 0);
	long long du = (vt.tv_sec - tv.tv_sec) * 1000000LL + (vt.tv_usec - tv.tv_usec);
	CHECK(du >= 0 && du < 10000000);
	CHECK(v_time(NULL) - tv.tv_sec < 10);
	sandwich(20);
	/* back where it would have been */
	long long now = real0 + (sys_ns(CLOCK_MONOTONIC) - mono0);
	back.tv_sec = now / NSEC;
	back.tv_nsec = now % NSEC;
	CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME, &back) == 0);
	CHECK(v_cgt(CLOCK_REALTIME, &v) == 0 && llabs(ts_ns(&v) - now) < 10 * NSEC);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return exec_child();
	if (setup(1)) {
		CHECK(!"a usable vDSO");
		return check_done();
	}

	/* the mappings: [vvar] read-only just below [vdso] */
	uintptr_t vdso, vvar;
	char vp[8] = "", dp[8] = "";
	CHECK(find_maps(&vdso, &vvar, vp, dp) == 2);
	CHECK(vdso == getauxval(AT_SYSINFO_EHDR) && vvar == vdso);
	CHECK(!strcmp(vp, "r-xp") && !strcmp(dp, "r--p"));
	vvar = vvar_lo;
	printf("# [vvar] %#lx %s, [vdso] %#lx %s\n", (unsigned long)vvar, dp,
	       (unsigned long)vdso, vp);

	sandwich(2000);
	cross_cpu(4, 3000);
	other_calls();

	/* the data page cannot be written: not by a store, nor by mprotect,
	 * nor by the kernel on the program's behalf */
	if (vvar) {
		volatile unsigned *w = (void *)vvar;
		unsigned seq0 = w[0];
		for (int k = 0; k < 2; k++) {
			pid_t pid = fork();
			if (pid == 0) {
				if (k)
					*(volatile char *)vdso = 0;	/* the code either */
				else
					w[0] = seq0 + 1;
				_exit(0);
			}
			int st = child_status(pid);
			CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
		}
		errno = 0;
		CHECK(mprotect((void *)vvar, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
		int p[2];
		CHECK(pipe(p) == 0);
		CHECK(write(p[1], "\xff\xff\xff\xff\xff\xff\xff\xff", 8) == 8);
		errno = 0;
		CHECK(read(p[0], (void *)vvar, 8) == -1 && errno == EFAULT);
		close(p[0]);
		close(p[1]);
			CHECK(w[0] == seq0 || !(w[0] & 1));	/* intact */
		sandwich(20);
	}

	/* fork keeps it: the same place, still working */
	pid_t pid = fork();
	if (pid == 0) {
		uintptr_t cv, cw;
		char a[8], b[8];
		failures = 0;
		CHECK(find_maps(&cv, &cw, a, b) == 2 && cv == vdso && cw == vdso);
		sandwich(50);
		_exit(failures ? 1 : 0);
	}
	CHECK(child_status(pid) == 0);

	/* exec replaces it with a new one */
	pid = fork();
	if (pid == 0) {
		execl(argv[0], argv[0], "exec-child", (char *)NULL);
		_exit(127);
	}
	int st = child_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	if (geteuid() == 0)
		set_clock();
	return check_done();
}
