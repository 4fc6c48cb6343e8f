/*
 * The ktest runner: runs each test selected by `ktest=` (a comma list or
 * `all`) in its own kernel thread, with a time limit, prints KTAP, and
 * leaves QEMU with guest code 0 only if every test passed.
 */
#include <alloy/arch.h>
#include <alloy/atomic.h>
#include <alloy/cmdline.h>
#include <alloy/ktest.h>
#include <alloy/printf.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <stdarg.h>


#define TEST_TIMEOUT_NS (120ULL * 1000000000ULL)

extern const struct ktest __ktests_start[], __ktests_end[];

static atomic_t failures;
static const char *skip_reason;
static int skipped;

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	atomic_inc(&failures);
	pr_err("    # %s:%d: %s\n", file, line, msg);
}

void ktest_skip(const char *reason)
{
	skip_reason = reason;
}

static void run_one(void *arg)
{
	const struct ktest *t = arg;
	t->fn();
}

/* Is `name` in the comma list `ktest=` by name (not through `all`)? */
static bool named(const char *name)
{
	const char *v = cmdline_get("ktest");
	size_t n = strlen(name);

	for (const char *p = v; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !memcmp(p, name, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static bool selected(const struct ktest *t)
{
	if (!cmdline_list_has("ktest", t->name))
		return false;
	return !t->available || t->available() || named(t->name);
}

/* Returns false if the test did not finish in time. */
static bool run_test(int n, const struct ktest *t)
{
	atomic_set(&failures, 0);
	skip_reason = NULL;
	u64 t0 = ktime_ns();
	struct task *th = kthread_create(run_one, (void *)t, t->name);
	if (!th) {
		printk(LOG_ERR, "not ok %d %s # cannot create test thread\n", n, t->name);
		return true;
	}
	/* ktest_timeout=SECONDS for long soaks (make test-long) */
	u64 limit = (u64)cmdline_int("ktest_timeout", TEST_TIMEOUT_NS / 1000000000ULL) *
		    1000000000ULL;
	bool done = wait_event_timeout(th->exit_wq, READ_ONCE(th->exited), limit);
	u64 ms = (ktime_ns() - t0) / 1000000;
	if (!done) {
		sched_dump_tasks(true);	/* who is stuck, and where */
		printk(LOG_ERR, "not ok %d %s # timed out after %llu ms\n", n,
		       t->name, (unsigned long long)ms);
		return false;	/* the thread is stuck: stop here */
	}
	task_put(th);
	if (atomic_read(&failures))
		printk(LOG_ERR, "not ok %d %s # %d failures, %llu ms\n", n, t->name,
		       atomic_read(&failures), (unsigned long long)ms);
	else if (skip_reason) {
		skipped++;
		printk(LOG_ERR, "ok %d %s # SKIP %s\n", n, t->name, skip_reason);
	}
	else
		printk(LOG_ERR, "ok %d %s # %llu ms\n", n, t->name,
		       (unsigned long long)ms);
	return true;
}

void ktest_run_selected(void)
{
	int total = 0, n = 0, failed = 0;

	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		total += selected(t);
	if (!total) {
		pr_err("ktest: no test matches 'ktest=%s'\n", cmdline_get("ktest"));
		arch_debug_exit(1);
		return;
	}
	printk(LOG_ERR, "KTAP version 1\n");	/* one line a call: printk escapes */
	printk(LOG_ERR, "1..%d\n", total);
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
		if (!selected(t))
			continue;
		if (!run_test(++n, t)) {
			failed++;
			break;
		}
		failed += atomic_read(&failures) != 0;
	}
	printk(LOG_ERR, "# ktest: %d passed (%d skipped), %d failed, %d not run\n",
	       n - failed, skipped, failed, total - n);
	arch_debug_exit(failed || n != total ? 1 : 0);
	pr_err("ktest: isa-debug-exit is not present; halting\n");
}
