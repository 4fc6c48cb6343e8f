/*
 * User programs run from boot modules (the ktest runs pass the test
 * programs in userspace/tests/ as Multiboot modules).
 */
#include <alloy/boot.h>
#include <alloy/cmdline.h>
#include <alloy/compiler.h>
#include <alloy/ktest.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/user.h>

static const struct boot_module *find_module(const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < boot_info.nr_mods; i++) {
		const char *m = boot_info.mods[i].name;
		size_t len = strlen(m);
		if (len >= n && !strcmp(m + len - n, name) &&
		    (len == n || m[len - n - 1] == '/'))
			return &boot_info.mods[i];
	}
	return NULL;
}

static long module_read_at(void *ctx, void *buf, size_t len, u64 off)
{
	const struct boot_module *m = ctx;
	u64 size = m->end - m->start;

	if (off >= size)
		return 0;
	len = (size_t)MIN((u64)len, size - off);
	memcpy(buf, phys_to_virt(m->start + off), len);
	return (long)len;
}

/* Runs a module to completion; returns its wait status, -1 if absent. */
static int run(const char *name, const char *arg)
{
	const struct boot_module *m = find_module(name);
	const char *argv[] = { name, arg, NULL };
	const char *envp[] = { "HOME=/", "TERM=dumb", NULL };

	if (!m)
		return -1;
	struct exec_source src = { .ctx = (void *)m, .read_at = module_read_at,
				   .size = m->end - m->start, .name = name };
	struct task *t = user_spawn(&src, argv, envp);
	if (!t)
		return -2;
	task_join(t);
	int status = task_exit_status(t);
	task_put(t);
	return status;
}

KTEST(user_hello)
{
	int st = run("hello", "alloy");

	if (st == -1) {
		ktest_skip("no 'hello' boot module");
		return;
	}
	KT_ASSERT_EQ(st, 42 << 8);
}

KTEST(user_segv_kills_only_the_program)
{
	int st = run("segv", NULL);

	if (st == -1) {
		ktest_skip("no 'segv' boot module");
		return;
	}
	KT_ASSERT_EQ(st, 11);	/* killed by SIGSEGV */
}

KTEST(user_bad_syscalls)
{
	int st = run("badsys", NULL);

	if (st == -1) {
		ktest_skip("no 'badsys' boot module");
		return;
	}
	KT_ASSERT_EQ(st, 7 << 8);
}

KTEST(user_many_processes_free_their_memory)
{
	if (!find_module("hello")) {
		ktest_skip("no 'hello' boot module");
		return;
	}
	KT_ASSERT_EQ(run("hello", "alloy"), 42 << 8);	/* caches warm */
	u64 before = page_alloc_free_count();
	for (int i = 0; i < 50; i++)
		KT_ASSERT_EQ(run("hello", "alloy"), 42 << 8);
	u64 after = page_alloc_free_count();
	pr_info("user: 50 runs, free pages %llu -> %llu\n", before, after);
	KT_EXPECT(after + 16 >= before);	/* slab pages may stay cached */
}

KTEST(user_exec_refuses_dynamic)
{
	int st = run("true-dynamic", NULL);

	if (st == -1) {
		ktest_skip("no 'true-dynamic' boot module");
		return;
	}
	KT_EXPECT(st == -2);	/* refused: its PT_INTERP cannot be opened without files */
}

/* Copies of an SSE-heavy program on every CPU at once, each its own seed. */
struct fpu_run {
	char seed[8];
	int status;
};

static void fpu_runner(void *arg)
{
	struct fpu_run *r = arg;
	r->status = run("fpu", r->seed);
}

KTEST(user_fpu_state_is_per_process)
{
	struct fpu_run runs[8];
	struct task *t[8];
	unsigned int n = MIN(2 * nr_cpus, 8u);

	if (!find_module("fpu")) {
		ktest_skip("no 'fpu' boot module");
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		runs[i].seed[0] = (char)('1' + i);
		runs[i].seed[1] = '\0';
		t[i] = kthread_create(fpu_runner, &runs[i], "fpu-runner");
		KT_ASSERT(t[i]);
	}
	for (unsigned int i = 0; i < n; i++) {
		task_join(t[i]);
		task_put(t[i]);
		KT_EXPECT(runs[i].status == 42 << 8);
	}
}

/* Programs that encode their checks in their exit status. */
static const struct {
	const char *name;
	int status;		/* expected wait status */
} memory_programs[] = {
	{ "sysbasic", 42 << 8 },	/* time, uname, ids, umask, getrandom, limits */
	{ "mmap_anon", 42 << 8 },	/* mmap/munmap/MAP_FIXED/ENOMEM/malloc */
	{ "brk_grow", 42 << 8 },	/* sbrk up, down, refused far up */
	{ "stack_grow", 42 << 8 },	/* 4 MiB of stack on demand */
	{ "mprotect_ro", 11 },		/* write after PROT_READ: SIGSEGV */
	{ "munmap_touch", 11 },		/* read after munmap: SIGSEGV */
	{ "stack_overflow", 11 },	/* past RLIMIT_STACK: SIGSEGV */
	{ "nx_stack", 11 },		/* executing the stack: SIGSEGV */
};

KTEST(user_program_memory)
{
	int ran = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(memory_programs); i++) {
		int st = run(memory_programs[i].name, NULL);
		if (st == -1)
			continue;
		ran++;
		if (st != memory_programs[i].status)
			ktest_fail(__FILE__, __LINE__, "%s: wait status %#x, want %#x",
				   memory_programs[i].name, st, memory_programs[i].status);
	}
	if (!ran)
		ktest_skip("no program-memory boot modules");
}

/* A program that touches more memory than there is dies alone, and all
 * of its memory comes back (DESIGN §3: user OOM is not a kernel panic).
 * oom_rounds=N on the command line (make test-long: 100) repeats it. */
KTEST(user_oom_kills_only_the_program)
{
	int rounds = (int)cmdline_int("oom_rounds", 3);

	if (!find_module("oom")) {
		ktest_skip("no 'oom' boot module");
		return;
	}
	run("oom", NULL);	/* warm up: slab caches and tables grown once */
	u64 before = page_alloc_free_count();
	for (int i = 0; i < rounds; i++) {
		int st = run("oom", NULL);
		if (st != 9)	/* SIGKILL from the page-fault OOM path */
			ktest_fail(__FILE__, __LINE__, "oom: wait status %#x, want 9", st);
	}
	u64 after = page_alloc_free_count();
	pr_info("user: after %d OOM kills, free pages %llu -> %llu\n", rounds, before, after);
	KT_EXPECT(after + 16 >= before);
	KT_EXPECT(run("hello", "alloy") == 42 << 8 || !find_module("hello"));
}

/* exec streams: a >100 MiB program loads with a small, bounded heap. */
KTEST(user_big_exec_heap_bound)
{
	const struct boot_module *m = find_module("big");

	if (!m) {
		ktest_skip("no 'big' boot module");
		return;
	}
	size_t before = kmem_bytes_in_use();
	kmem_reset_high_water();
	u64 t0 = ktime_ns();
	int st = run("big", NULL);
	u64 ms = (ktime_ns() - t0) / 1000000;
	size_t peak = kmem_high_water() - before;
	pr_info("user: exec of a %llu MiB program: kernel heap peak +%zu bytes, %llu ms\n",
		(m->end - m->start) >> 20, peak, ms);
	KT_ASSERT_EQ(st, 42 << 8);
	KT_EXPECT(m->end - m->start > (100ULL << 20));
	KT_EXPECT(peak < 64 * 1024);
}
