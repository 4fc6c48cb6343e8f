#define _GNU_SOURCE
/*
 * canonical: no program can make the kernel return to user mode at a
 * non-canonical address (iretq to one faults in ring 0, which would be a
 * kernel fault). The checks that keep every return RIP canonical are
 * listed in docs/architecture.md; this tries each edge from user space:
 *  - an executable whose segment is the last page below 2^47, with a
 *    syscall instruction in its last two bytes (the return address would
 *    be 2^47): exec refuses it, or the program dies of a signal;
 *  - an entry point at 2^47: the same;
 *  - mmap MAP_FIXED of the last page below 2^47: refused;
 *  - a signal handler at 2^47, and rt_sigreturn to a frame whose RIP is
 *    2^47: the program dies of SIGSEGV.
 * The machine must still be up afterwards (this test's own exit status).
 */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define TEST_NAME "canonical"
#include "check.h"

#define TOP (1ULL << 47)

static void write_elf(const char *path, uint64_t vaddr, uint64_t entry)
{
	static unsigned char img[4096];
	memset(img, 0, sizeof(img));
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = 0;
	ph->p_vaddr = ph->p_paddr = vaddr;
	ph->p_filesz = ph->p_memsz = sizeof(img);
	ph->p_align = 4096;
	img[4094] = 0x0f;	/* syscall, the page's last two bytes */
	img[4095] = 0x05;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	CHECK(fd >= 0 && write(fd, img, sizeof(img)) == (ssize_t)sizeof(img));
	close(fd);
}

/* Runs path; true if exec failed or the program died of a signal. */
static int run_refused(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)path, NULL };
		execve(path, argv, NULL);
		_exit(42);	/* refused: fine */
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("# %s: status %#x\n", path, st);
	return (WIFEXITED(st) && WEXITSTATUS(st) == 42) || WIFSIGNALED(st);
}

static void bad_return(int sig, siginfo_t *si, void *ctx)
{
	(void)sig; (void)si;
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP] = (greg_t)TOP;
}

static int child_dies_of(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

static void sigreturn_to_top(void)
{
	struct sigaction sa = { .sa_sigaction = bad_return, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

static void handler_at_top(void)
{
	struct sigaction sa = { .sa_handler = (void (*)(int))TOP };
	if (sigaction(SIGUSR1, &sa, NULL) == 0)
		raise(SIGUSR1);
	else
		_exit(43);	/* refused up front is fine too */
}

int main(void)
{
	write_elf("last_page", TOP - 4096, TOP - 2);
	CHECK(run_refused("./last_page"));
	write_elf("entry_top", 0x400000, TOP);
	CHECK(run_refused("./entry_top"));
	write_elf("entry_high", 0x400000, 0xffff800000000000ULL);
	CHECK(run_refused("./entry_high"));

	void *p = mmap((void *)(TOP - 4096), 4096, PROT_READ | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(p == MAP_FAILED);

	CHECK(child_dies_of(sigreturn_to_top) == SIGSEGV);
	int s = child_dies_of(handler_at_top);
	CHECK(s == SIGSEGV || s == -1);
	return check_done();
}
