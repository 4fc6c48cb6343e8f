/*
 * crashtest=...: deliberate kernel crashes, so tests can check that the
 * diagnostics (vector, registers, CR2, symbolized backtrace) come out.
 */
#include <alloy/cmdline.h>
#include <alloy/printk.h>
#include <alloy/slab.h>
#include <alloy/string.h>

void crashtest_run(void);

static __attribute__((noinline)) void crashtest_page_fault(void)
{
	*(volatile int *)0xdead000 = 1;
}

/* Each frame keeps 1 KiB live so recursion reaches the guard page fast. */
static __attribute__((noinline)) int crashtest_recurse(int depth)
{
	volatile char buf[1024];

	buf[depth % 1024] = (char)depth;
	if (depth > 1000000)	/* never: a 16 KiB stack ends long before */
		return 0;
	return crashtest_recurse(depth + 1) + buf[0];
}

void crashtest_run(void)
{
	const char *what = cmdline_get("crashtest");

	if (!what)
		return;
	pr_info("crashtest: %s\n", what);
	if (!strcmp(what, "pagefault"))
		crashtest_page_fault();
	else if (!strcmp(what, "panic"))
		panic("crashtest: deliberate panic");
	else if (!strcmp(what, "overflow"))
		crashtest_recurse(0);
	else if (!strcmp(what, "oom"))	/* more than any machine here has */
		kmalloc_nofail(1ULL << 40);
	pr_err("crashtest: unknown '%s'\n", what);
}
