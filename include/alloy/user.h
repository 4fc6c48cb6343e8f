/*
 * User programs: address spaces, loading an ELF image, and user tasks.
 * (The first slice of issue 4: one thread per process, no fork yet.)
 */
#ifndef ALLOY_USER_H
#define ALLOY_USER_H

#include <alloy/compiler.h>
#include <alloy/types.h>
#include <asm/uvm.h>

struct task;

struct user_mm {
	struct arch_vm vm;
	u64 brk_start, brk;	/* the program break, above the image */
};

/* Where an executable's bytes come from: read_at, bounded by size. */
struct exec_source {
	void *ctx;
	long (*read_at)(void *ctx, void *buf, size_t len, u64 off);
	u64 size;
	const char *name;
};

struct user_mm *user_mm_create(void);
void user_mm_destroy(struct user_mm *mm);
/* Maps fresh zeroed pages over [va, va+len) where nothing is mapped yet. */
int user_mm_map_zero(struct user_mm *mm, u64 va, u64 len, unsigned int prot);
/* Copies into mapped user pages through the kernel's own mapping. */
int user_mm_write(struct user_mm *mm, u64 va, const void *src, size_t len);

/* Maps the image and builds the initial stack (SysV ABI). */
int exec_load(struct user_mm *mm, const struct exec_source *src,
	      const char *const argv[], const char *const envp[], u64 *entry,
	      u64 *sp);

/* Starts a user task running src; NULL if it cannot. Caller holds a ref. */
struct task *user_spawn(const struct exec_source *src, const char *const argv[],
			const char *const envp[]);
/* Linux wait status of an exited user task: code << 8, or the signal. */
int task_exit_status(const struct task *t);
__noreturn void user_exit(int wait_status);
/* A fault in user mode: kill the task with `signal`, saying why. */
__noreturn void user_fault(int signal, u64 addr, u64 ip, const char *what);

#endif
