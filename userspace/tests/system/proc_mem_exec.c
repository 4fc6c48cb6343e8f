#define _GNU_SOURCE
/*
 * /proc/<pid>/mem (and process_vm_readv's rule) across an exec of a
 * privileged image (review of 9da3509): exec puts the new address space
 * in place before the new IDs commit, so an open checked on the old IDs
 * could pin the set-user-ID root program's memory (and write to it), or
 * an execute-only (0711) program's (and read it). As uid 65534, a child
 * that dirtied 16 MiB (a slow teardown of the old image) execs such a
 * copy of this program while the parent opens its mem over and over
 * until refused; every fd it got must then reach nothing of the new
 * image: the set-ID victim never sees the flag written, the execute-only
 * image's marker is never read, nor its layout in /proc/<pid>/maps.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TEST_NAME "proc_mem_exec"
#include "check.h"

static volatile long flag;
static const char marker[] = "MARKER-OF-THE-NEW-IMAGE";

/* One round: 1 if an fd opened during the exec reached the new image. */
static int round_(const char *path, bool suid)
{
	int p[2], up[2];
	if (pipe(p) || pipe(up))
		return 0;
	pid_t c = fork();
	if (c == 0) {
		close(p[1]);
		close(up[0]);
		size_t len = 16u << 20;
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED)
			memset(m, 1, len);
		char x;
		(void)!write(up[1], "r", 1);
		(void)!read(p[0], &x, 1);
		execl(path, path, "victim", (char *)NULL);
		_exit(3);
	}
	close(p[0]);
	close(up[1]);
	char x;
	(void)!read(up[0], &x, 1);
	close(up[0]);
	char mp[64];
	snprintf(mp, sizeof(mp), "/proc/%d/mem", (int)c);
	int fds[8], nf = 0, head = 0;
	(void)!write(p[1], "g", 1);
	close(p[1]);
	char maps[64], lines[4096];
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)c);
	int layout = 0;	/* the new image's layout seen in maps */
	for (int i = 0; i < 400000; i++) {	/* until refused: the new IDs are in */
		if (!suid && read_str(maps, lines, sizeof(lines)) > 0 && strstr(lines, "pme_xo"))
			layout = 1;
		int fd = open(mp, suid ? O_RDWR : O_RDONLY);
		if (fd < 0) {
			if (errno == EACCES || errno == ENOENT || errno == ESRCH)
				break;
			continue;
		}
		if (nf == 8)
			close(fds[head]);
		else
			nf++;
		fds[head] = fd;
		head = (head + 1) % 8;
	}
	usleep(50000);	/* the exec is done by now */
	int reached = 0;
	for (int k = 0; k < nf; k++) {
		if (suid) {
			long v = 0x1337;
			reached |= pwrite(fds[k], &v, sizeof(v), (off_t)(uintptr_t)&flag) == sizeof(v);
		} else {
			char buf[sizeof(marker)] = "";
			reached |= pread(fds[k], buf, sizeof(buf), (off_t)(uintptr_t)marker) ==
					   sizeof(buf) && !memcmp(buf, marker, sizeof(buf));
		}
		close(fds[k]);
	}
	usleep(30000);
	kill(c, SIGKILL);
	int st = 0;
	waitpid(c, &st, 0);
	return reached || layout || (WIFEXITED(st) && WEXITSTATUS(st) == 42);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "victim")) {	/* the new image */
		for (int i = 0; i < 60; i++) {
			if (flag == 0x1337)
				_exit(42);
			usleep(5000);
		}
		_exit(0);
	}
	CHECK(copy_file("/proc/self/exe", "/tmp/pme_suid", 04755) == 0);
	CHECK(copy_file("/proc/self/exe", "/tmp/pme_xo", 0711) == 0);
	pid_t w = fork();
	if (w == 0) {
		if (setgid(65534) || setuid(65534) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(2);
		int suid = 0, xo = 0;
		for (int r = 0; r < 8; r++) {
			suid += round_("/tmp/pme_suid", true);
			xo += round_("/tmp/pme_xo", false);
		}
		if (suid || xo)
			fprintf(stderr, TEST_NAME ": of 8 rounds, the set-ID image was written in %d, "
				"the execute-only one read in %d\n", suid, xo);
		_exit(suid || xo ? 1 : 0);
	}
	int st;
	CHECK(waitpid(w, &st, 0) == w && WIFEXITED(st));
	CHECK(WEXITSTATUS(st) != 2);	/* could not become uid 65534 */
	CHECK(WEXITSTATUS(st) == 0);
	unlink("/tmp/pme_suid");
	unlink("/tmp/pme_xo");
	return check_done();
}
