/*
 * Core dumps: WCOREDUMP (and waitid's CLD_DUMPED) only when a core file
 * was really written, and the file is an ELF core (ET_CORE, a PT_NOTE
 * whose NT_PRSTATUS names the signal and the faulting pid, one more
 * NT_PRSTATUS per other thread, an NT_AUXV
 * with exec's AT_PAGESZ, PT_LOADs that
 * hold the memory: a marker written before the crash is found there).
 * Hostile cases: RLIMIT_CORE 0 or under a page (no dump, no WCOREDUMP),
 * smaller than the core (cut short, counted as Linux does), an undumpable process, a symlink named "core" pointing at
 * a file that must not be touched, a pipe core_pattern (not built: no
 * dump), a %-pattern, a second thread running while the first dumps.
 * coredump_filter (read, written in hex or decimal, inherited, bad input
 * EINVAL; 0 leaves anonymous memory out) and MADV_DONTDUMP/MADV_DODUMP;
 * RLIMIT_CORE of 1 byte; a cwd the dumper (uid 1000) may not write (no
 * dump) and one it may (a core it owns); root's "core" in a sticky
 * directory (left alone, no dump); core_pattern naming a /proc
 * file (no dump, the file unchanged); a thread mapping and unmapping
 * while another dumps.
 * "coredump print" writes one core and prints it base64 between
 * markers, for readelf/gdb on the host.
 */
#define _GNU_SOURCE
#define TEST_NAME "coredump"
#include <elf.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

#define DIR "/tmp/coretest"

static char marker[64] = "alloy-core-marker-";

static void set_pattern(const char *pat)
{
	int fd = open("/proc/sys/kernel/core_pattern", O_WRONLY);
	CHECK(fd >= 0 && write(fd, pat, strlen(pat)) == (ssize_t)strlen(pat));
	close(fd);
}

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		;
	return NULL;
}

/* A child: limit, then sig (threads: with a second one running). */
static int crash(rlim_t limit, int sig, bool undumpable, bool threads, pid_t *pidp)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r = { limit, RLIM_INFINITY };
		setrlimit(RLIMIT_CORE, &r);
		if (undumpable)
			prctl(PR_SET_DUMPABLE, 0);
		pthread_t th;
		if (threads)
			pthread_create(&th, NULL, spin, NULL);
		snprintf(marker + 18, 40, "%d", getpid());
		signal(sig, SIG_DFL);	/* whatever the runner left */
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		raise(sig);
		_exit(99);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	if (pidp)
		*pidp = pid;
	return st;
}

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat s;
	if (fd < 0 || fstat(fd, &s))
		return NULL;
	char *buf = malloc(s.st_size + 1);
	size_t n = 0;
	ssize_t r;
	while (buf && n < (size_t)s.st_size && (r = read(fd, buf + n, s.st_size - n)) > 0)
		n += r;
	close(fd);
	*len = n;
	return buf;
}

/* The core at path is an ELF core of sig from pid, with marker in it;
 * prstatus_notes: how many threads it has notes for. */
static int prstatus_notes;

static bool valid_core(const char *path, int sig, pid_t pid)
{
	prstatus_notes = 0;
	size_t len;
	char *buf = read_file(path, &len);
	bool ok = false, prstatus = false, mark = false, auxv = false;
	char want[64];

	snprintf(want, sizeof(want), "alloy-core-marker-%d", pid);
	if (!buf || len < sizeof(Elf64_Ehdr))
		goto out;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_type != ET_CORE ||
	    eh->e_machine != EM_X86_64 || eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr) > len)
		goto out;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_offset + ph[i].p_filesz > len)
			goto out;
		if (ph[i].p_type == PT_NOTE) {
			size_t o = ph[i].p_offset, end = o + ph[i].p_filesz;
			while (o + sizeof(Elf64_Nhdr) <= end) {
				Elf64_Nhdr *n = (Elf64_Nhdr *)(buf + o);
				char *desc = buf + o + sizeof(*n) + ((n->n_namesz + 3) & ~3u);
				if (n->n_type == NT_PRSTATUS && !prstatus_notes++) {
					int *d = (int *)desc;
					/* si_signo, then pr_pid at 32: the dumping
					 * thread's note comes first */
					prstatus = d[0] == sig && *(int *)(desc + 32) == pid;
				} else if (n->n_type == NT_PRSTATUS) {	/* another thread's */
					int tid = *(int *)(desc + 32);
					if (tid <= pid || tid > pid + 100)
						prstatus = false;
				}
				if (n->n_type == NT_AUXV)	/* exec's: AT_PAGESZ is in it */
					for (uint32_t k = 0; k + 16 <= n->n_descsz; k += 16)
						if (((uint64_t *)desc)[k / 8] == AT_PAGESZ &&
						    ((uint64_t *)desc)[k / 8 + 1] == 4096)
							auxv = true;
				o += sizeof(*n) + ((n->n_namesz + 3) & ~3u) + ((n->n_descsz + 3) & ~3u);
			}
		}
		if (ph[i].p_type == PT_LOAD && ph[i].p_filesz &&
		    memmem(buf + ph[i].p_offset, ph[i].p_filesz, want, strlen(want)))
			mark = true;
	}
	ok = prstatus && mark && auxv;
out:
	free(buf);
	return ok;
}

static void print_core(void)
{
	set_pattern("core");
	chdir(DIR);
	unlink(DIR "/core");
	pid_t pid;
	int st = crash(1 << 30, SIGSEGV, false, true, &pid);	/* two threads */
	size_t len;
	char *buf = read_file(DIR "/core", &len);
	if (!WCOREDUMP(st) || !buf)
		return;
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	printf("CORE-BEGIN %zu\n", len);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint8_t)buf[i] << 16;
		if (i + 1 < len)
			v |= (uint8_t)buf[i + 1] << 8;
		if (i + 2 < len)
			v |= (uint8_t)buf[i + 2];
		putchar(b64[v >> 18 & 63]);
		putchar(b64[v >> 12 & 63]);
		putchar(i + 1 < len ? b64[v >> 6 & 63] : '=');
		putchar(i + 2 < len ? b64[v & 63] : '=');
		if (i % 57 == 54)
			putchar('\n');
	}
	printf("\nCORE-END\n");
	free(buf);
}

/* ---- races: two threads fault at once; a fault against exit_group ---- */

static void *churn(void *arg)
{
	(void)arg;
	for (;;) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			p[0] = p[4096] = 1;
			munmap(p, 1 << 20);
		}
	}
	return NULL;
}

static bool filter_is(const char *want)
{
	char buf[32] = "";
	int fd = open("/proc/self/coredump_filter", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	close(fd);
	if (n < 0 || strcmp(buf, want))
		fprintf(stderr, "coredump: filter '%s', want '%s'\n", buf, want);
	return n > 0 && !strcmp(buf, want);
}

static int set_filter(const char *v)
{
	int fd = open("/proc/self/coredump_filter", O_WRONLY);
	int rc = fd >= 0 && write(fd, v, strlen(v)) == (ssize_t)strlen(v) ? 0 : -1;
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* A child with filter (NULL: as it is) and a page given advice (0:
 * none) that holds its marker too; how it ended, its pid in *pidp. */
static int crash_filtered(const char *filter, int advice, bool churner, pid_t *pidp)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
		setrlimit(RLIMIT_CORE, &r);
		if (filter && set_filter(filter))
			_exit(98);
		snprintf(marker + 18, 40, "%d", getpid());
		char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
		if (advice) {	/* the marker only in the advised page */
			strcpy(page, marker);
			memset(marker, 0, sizeof(marker));
			if (madvise(page, 4096, advice))
				_exit(97);
		}
		pthread_t th;
		if (churner) {
			pthread_create(&th, NULL, churn, NULL);
			usleep(20000);
		}
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		_exit(99);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	*pidp = pid;
	return st;
}

static void filters_and_hostile(void)
{
	pid_t pid;
	int st;

	/* coredump_filter: the default, both bases, the mask, bad input */
	CHECK(filter_is("00000033\n"));
	pid = fork();
	if (pid == 0) {
		int ok = !set_filter("0x7") && filter_is("00000007\n");
		pid_t g = fork();	/* a child inherits it */
		if (g == 0)
			_exit(filter_is("00000007\n") ? 0 : 1);
		int gs;
		ok &= waitpid(g, &gs, 0) == g && WIFEXITED(gs) && WEXITSTATUS(gs) == 0;
		ok &= !set_filter("51\n") && filter_is("00000033\n");
		ok &= !set_filter("0x1ff3") && filter_is("000001f3\n");
		ok &= set_filter("zz") == -1 && errno == EINVAL && filter_is("000001f3\n");
		ok &= set_filter("0x") == -1 && errno == EINVAL;
		ok &= set_filter("99999999999") == -1 && errno == ERANGE;
		_exit(ok ? 0 : 1);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(filter_is("00000033\n"));

	/* filter 0: the memory is left out, the core still written */
	unlink("core");
	st = crash_filtered("0", 0, false, &pid);
	CHECK(WIFSIGNALED(st) && WCOREDUMP(st) && !valid_core("core", SIGSEGV, pid));
	unlink("core");
	st = crash_filtered(NULL, 0, false, &pid);
	CHECK(WCOREDUMP(st) && valid_core("core", SIGSEGV, pid));

	/* MADV_DONTDUMP leaves the page out, MADV_DODUMP puts it back */
	unlink("core");
	st = crash_filtered(NULL, MADV_DONTDUMP, false, &pid);
	CHECK(WIFSIGNALED(st) && WCOREDUMP(st) && !valid_core("core", SIGSEGV, pid));
	unlink("core");
	st = crash_filtered(NULL, MADV_DODUMP, false, &pid);
	CHECK(WIFSIGNALED(st) && WCOREDUMP(st) && valid_core("core", SIGSEGV, pid));

	/* a thread mapping and unmapping while the other dumps */
	unlink("core");
	st = crash_filtered(NULL, 0, true, &pid);
	CHECK(WIFSIGNALED(st) && WCOREDUMP(st) && valid_core("core", SIGSEGV, pid));

	/* RLIMIT_CORE of one byte: none */
	unlink("core");
	st = crash(1, SIGABRT, false, false, NULL);
	CHECK(WIFSIGNALED(st) && !WCOREDUMP(st) && access("core", F_OK) == -1);

	/* uid 1000 in a directory it may not write: none; in one it may:
	 * a core of its own */
	unlink("core");
	pid = fork();
	if (pid == 0) {
		if (setuid(1000) || prctl(PR_SET_DUMPABLE, 1))
			_exit(98);
		struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
		setrlimit(RLIMIT_CORE, &r);
		raise(SIGABRT);
		_exit(99);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && !WCOREDUMP(st));
	CHECK(access("core", F_OK) == -1);
	mkdir(DIR "/u", 0777);
	chmod(DIR "/u", 0777);
	unlink(DIR "/u/core");
	pid = fork();
	if (pid == 0) {
		if (setuid(1000) || prctl(PR_SET_DUMPABLE, 1) || chdir(DIR "/u"))
			_exit(98);
		struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
		setrlimit(RLIMIT_CORE, &r);
		raise(SIGABRT);
		_exit(99);
	}
	struct stat s;
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WCOREDUMP(st));
	CHECK(stat(DIR "/u/core", &s) == 0 && s.st_uid == 1000);
	unlink(DIR "/u/core");

	/* a sticky directory with root's "core" in it: uid 1000 may
	 * neither remove nor write it, so no dump, and the file is intact */
	mkdir(DIR "/s", 01777);
	chmod(DIR "/s", 01777);
	int vf = open(DIR "/s/core", O_CREAT | O_TRUNC | O_WRONLY, 0666);
	CHECK(vf >= 0 && write(vf, "root", 4) == 4);
	close(vf);
	pid = fork();
	if (pid == 0) {
		if (setuid(1000) || prctl(PR_SET_DUMPABLE, 1) || chdir(DIR "/s"))
			_exit(98);
		struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
		setrlimit(RLIMIT_CORE, &r);
		raise(SIGABRT);
		_exit(99);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && !WCOREDUMP(st));
	CHECK(stat(DIR "/s/core", &s) == 0 && s.st_uid == 0 && s.st_size == 4);
	unlink(DIR "/s/core");

	/* a pattern into /proc: no dump, and the file is what it was */
	set_pattern("/proc/sys/kernel/core_pattern");
	st = crash(RLIM_INFINITY, SIGQUIT, false, false, NULL);
	CHECK(WIFSIGNALED(st) && !WCOREDUMP(st));
	char buf[64] = "";
	int fd = open("/proc/sys/kernel/core_pattern", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) > 0 &&
	      !strcmp(buf, "/proc/sys/kernel/core_pattern\n"));
	close(fd);
	set_pattern("/proc/self/status");
	st = crash(RLIM_INFINITY, SIGQUIT, false, false, NULL);
	CHECK(WIFSIGNALED(st) && !WCOREDUMP(st));
	set_pattern("core");
}

static volatile int go;
static volatile int *volatile nowhere = (int *)8;

static void *fault_now(void *arg)
{
	while (!go)
		;
	if (arg)
		_exit(3);	/* exit_group racing the fault */
	*nowhere = 1;
	return NULL;
}

static int race_child(bool exit_group)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
		setrlimit(RLIMIT_CORE, &r);
		signal(SIGSEGV, SIG_DFL);
		pthread_t th;
		pthread_create(&th, NULL, fault_now, exit_group ? (void *)1 : NULL);
		go = 1;
		*nowhere = 1;
		_exit(99);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return st;
}

static void races(void)
{
	for (int i = 0; i < 10; i++) {
		unlink("core");
		int st = race_child(false);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV && WCOREDUMP(st));
		st = race_child(true);
		/* either the exit or the fault ends it; a core only with the fault */
		CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 3) ||
		      (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV));
	}
}

int main(int argc, char **argv)
{
	mkdir(DIR, 0755);
	if (argc > 1 && !strcmp(argv[1], "print")) {
		print_core();
		return 0;
	}
	CHECK(chdir(DIR) == 0);
	set_pattern("core");
	unlink("core");

	/* no limit: nothing written, no WCOREDUMP */
	int st = crash(0, SIGQUIT, false, false, NULL);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGQUIT || WCOREDUMP(st))
		fprintf(stderr, "coredump: status %#x\n", st);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGQUIT && !WCOREDUMP(st));
	CHECK(access("core", F_OK) == -1);

	/* a real core */
	pid_t pid;
	st = crash(RLIM_INFINITY, SIGABRT, false, false, &pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && WCOREDUMP(st));
	CHECK(valid_core("core", SIGABRT, pid));
	struct stat s;
	CHECK(stat("core", &s) == 0 && (s.st_mode & 0777) == 0600);

	/* waitid says CLD_DUMPED */
	pid = fork();
	if (pid == 0) {
		struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
		setrlimit(RLIMIT_CORE, &r);
		raise(SIGSEGV);
		_exit(99);
	}
	siginfo_t si;
	CHECK(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_code == CLD_DUMPED &&
	      si.si_status == SIGSEGV);

	/* a small limit cuts the file short (Linux still counts it); below
	 * a page there is none */
	unlink("core");
	st = crash(8192, SIGABRT, false, false, NULL);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && WCOREDUMP(st));
	CHECK(stat("core", &s) == 0 && s.st_size > 64 && s.st_size <= 8192);
	unlink("core");
	st = crash(4095, SIGABRT, false, false, NULL);
	CHECK(WIFSIGNALED(st) && !WCOREDUMP(st) && access("core", F_OK) == -1);

	/* undumpable: none */
	unlink("core");
	st = crash(RLIM_INFINITY, SIGABRT, true, false, NULL);
	CHECK(WIFSIGNALED(st) && !WCOREDUMP(st) && access("core", F_OK) == -1);

	/* a symlink planted as "core": never followed, the target untouched */
	int fd = open("victim", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "keep", 4) == 4);
	close(fd);
	unlink("core");
	CHECK(symlink(DIR "/victim", "core") == 0);
	st = crash(RLIM_INFINITY, SIGABRT, false, false, &pid);
	CHECK(WCOREDUMP(st));
	CHECK(lstat("core", &s) == 0 && S_ISREG(s.st_mode) && valid_core("core", SIGABRT, pid));
	CHECK(stat("victim", &s) == 0 && s.st_size == 4);

	/* a second thread running meanwhile */
	unlink("core");
	st = crash(RLIM_INFINITY, SIGSEGV, false, true, &pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV && WCOREDUMP(st));
	CHECK(valid_core("core", SIGSEGV, pid));
	CHECK(prstatus_notes == 2);	/* the spinning thread's registers too */

	/* a pattern, and a pipe (not built: no dump) */
	set_pattern(DIR "/c.%p.%s");
	st = crash(RLIM_INFINITY, SIGQUIT, false, false, &pid);
	char name[128];
	snprintf(name, sizeof(name), DIR "/c.%d.%d", pid, SIGQUIT);
	CHECK(WCOREDUMP(st) && valid_core(name, SIGQUIT, pid));
	set_pattern("|/bin/cat");
	st = crash(RLIM_INFINITY, SIGQUIT, false, false, NULL);
	CHECK(WIFSIGNALED(st) && !WCOREDUMP(st));
	set_pattern("core");
	char buf[200];
	fd = open("/proc/sys/kernel/core_pattern", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "core\n", 5));
	close(fd);
	/* an over-long pattern is refused */
	memset(buf, 'x', sizeof(buf));
	fd = open("/proc/sys/kernel/core_pattern", O_WRONLY);
	CHECK(fd >= 0 && write(fd, buf, sizeof(buf)) == -1 && errno == EINVAL);
	close(fd);
	races();
	filters_and_hostile();
	if (!failures)
		fprintf(stderr, "coredump: ok\n");
	return check_done();
}
