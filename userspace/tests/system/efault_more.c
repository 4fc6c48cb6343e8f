/*
 * A bad user pointer to the rest of the implemented syscalls that take
 * one (efault.c has the first set): each must fail with EFAULT, and the
 * kernel must not panic. Both an unmapped low address and a kernel
 * address are tried, through raw syscall(2) so libc touches nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static int failures;

static void expect_efault(const char *what, long rc)
{
	if (rc == -1 && errno == EFAULT)
		return;
	fprintf(stderr, "efault_more: %s: returned %ld, errno %d (%s); expected EFAULT\n", what, rc,
		errno, strerror(errno));
	failures++;
}

#define T(what, call) do { errno = 0; expect_efault(what, (call)); } while (0)

int main(void)
{
	const char *bads[] = { (const char *)1, (const char *)0xffff800000000000UL };
	int fd = open("f", O_CREAT | O_RDWR, 0644);
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	int p[2];

	if (fd < 0 || dir < 0 || pipe(p)) {
		perror("efault_more: setup");
		return 1;
	}
	mkdir("d", 0755);
	for (int i = 0; i < 2; i++) {
		const char *b = bads[i];
		T("creat", syscall(SYS_creat, b, 0644));
		T("mkdirat", syscall(SYS_mkdirat, AT_FDCWD, b, 0755));
		T("mknod", syscall(SYS_mknod, b, S_IFREG | 0644, 0));
		T("mknodat", syscall(SYS_mknodat, AT_FDCWD, b, S_IFREG | 0644, 0));
		T("unlinkat", syscall(SYS_unlinkat, AT_FDCWD, b, 0));
		T("renameat old", syscall(SYS_renameat, AT_FDCWD, b, AT_FDCWD, "x"));
		T("renameat new", syscall(SYS_renameat, AT_FDCWD, "f", AT_FDCWD, b));
		T("renameat2", syscall(SYS_renameat2, AT_FDCWD, b, AT_FDCWD, "x", 0));
		T("linkat old", syscall(SYS_linkat, AT_FDCWD, b, AT_FDCWD, "x", 0));
		T("linkat new", syscall(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, b, 0));
		T("symlinkat target", syscall(SYS_symlinkat, b, AT_FDCWD, "x"));
		T("symlinkat path", syscall(SYS_symlinkat, "f", AT_FDCWD, b));
		T("readlinkat path", syscall(SYS_readlinkat, AT_FDCWD, b, (char[8]){ 0 }, 8));
		T("chmod", syscall(SYS_chmod, b, 0644));
		T("fchmodat", syscall(SYS_fchmodat, AT_FDCWD, b, 0644));
		T("chown", syscall(SYS_chown, b, 0, 0));
		T("lchown", syscall(SYS_lchown, b, 0, 0));
		T("fchownat", syscall(SYS_fchownat, AT_FDCWD, b, 0, 0, 0));
		T("utimensat path", syscall(SYS_utimensat, AT_FDCWD, b, NULL, 0));
		T("utimensat times", syscall(SYS_utimensat, AT_FDCWD, "f", b, 0));
		T("truncate", syscall(SYS_truncate, b, 0));
		T("faccessat2", syscall(SYS_faccessat2, AT_FDCWD, b, F_OK, 0));
		T("ppoll fds", syscall(SYS_ppoll, b, 1, NULL, NULL, 8));
		T("ppoll timeout", syscall(SYS_ppoll, NULL, 0, b, NULL, 8));
		T("pselect6 fds", syscall(SYS_pselect6, 1, b, NULL, NULL, NULL, NULL));
		T("rt_sigpending", syscall(SYS_rt_sigpending, b, 8));
		T("rt_sigsuspend", syscall(SYS_rt_sigsuspend, b, 8));
		if (isatty(0))	/* the console in the guest */
			T("ioctl TCGETS", syscall(SYS_ioctl, 0, TCGETS, b));
		T("ioctl FIONBIO", syscall(SYS_ioctl, p[0], FIONBIO, b));
		T("ioctl FIONREAD", syscall(SYS_ioctl, p[0], FIONREAD, b));
		T("arch_prctl GET_FS", syscall(SYS_arch_prctl, 0x1003, b));
		T("time", syscall(SYS_time, b));
		T("prctl PR_SET_NAME", syscall(SYS_prctl, PR_SET_NAME, b, 0, 0, 0));
		T("prctl PR_GET_NAME", syscall(SYS_prctl, PR_GET_NAME, b, 0, 0, 0));
		T("getresuid", syscall(SYS_getresuid, b, b, b));
		T("getresgid", syscall(SYS_getresgid, b, b, b));
	}
	if (failures) {
		fprintf(stderr, "efault_more: %d check(s) failed\n", failures);
		return 1;
	}
	fprintf(stderr, "efault_more: ok\n");
	return 0;
}
