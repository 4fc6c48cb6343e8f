#define _GNU_SOURCE
/*
 * Review probe: a tracer's PTRACE_POKEDATA into a page the tracee
 * write-protected with UFFDIO_WRITEPROTECT. user_mm_access
 * (kernel/mm/user_mm.c access_page) makes a read-only present page
 * private (uvm_make_private) and memcpy()s into it: the write lands
 * although the page is protected, and the handler never hears of it (no
 * WP fault), which breaks uffd-wp's dirty tracking (CRIU, live migration).
 * Linux takes the write fault path (FOLL_FORCE|FOLL_WRITE), which for a
 * uffd-wp entry is the handler's: with a UFFD_USER_MODE_ONLY userfaultfd,
 * as here, the poke fails (EIO/EFAULT) and the page is unchanged.
 */
#define TEST_NAME "uffd_wp_ptrace"
#include "check.h"
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define UFFD_API 0xAAULL
#define UFFDIO_API 0xc018aa3f
#define UFFDIO_REGISTER 0xc020aa00
#define UFFDIO_WRITEPROTECT 0xc018aa06
#define UFFD_FEATURE_PAGEFAULT_FLAG_WP 1ULL
#define PG 4096UL
struct uffdio_api { uint64_t api, features, ioctls; };
struct uffdio_register { uint64_t start, len, mode, ioctls; };
struct uffdio_writeprotect { uint64_t start, len, mode; };

int main(void)
{
	volatile uint64_t *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	pid_t pid = fork();
	if (!pid) {
		*p = 0x4141414141414141ULL;
		int fd = (int)syscall(323, 1);	/* UFFD_USER_MODE_ONLY */
		struct uffdio_api api = { UFFD_API, UFFD_FEATURE_PAGEFAULT_FLAG_WP, 0 };
		if (fd < 0 || ioctl(fd, UFFDIO_API, &api))
			_exit(10);
		struct uffdio_register r = { (uintptr_t)p, PG, 2 /* WP */, 0 };
		if (ioctl(fd, UFFDIO_REGISTER, &r))
			_exit(11);
		struct uffdio_writeprotect w = { (uintptr_t)p, PG, 1 };
		if (ioctl(fd, UFFDIO_WRITEPROTECT, &w))
			_exit(12);
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(*p == 0x4141414141414141ULL ? 0 : 1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st));
	errno = 0;
	long rc = ptrace(PTRACE_POKEDATA, pid, (void *)p, (void *)0x4242424242424242ULL);
	int e = errno;
	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	fprintf(stderr, "POKEDATA into a uffd-write-protected page: rc %ld errno %d (%s); "
		"tracee's page %s\n", rc, e, errname(e),
		WEXITSTATUS(st) == 0 ? "unchanged" : WEXITSTATUS(st) == 1 ? "CHANGED" : "setup failed");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return check_done();
}
