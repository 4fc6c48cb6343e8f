/*
 * In-kernel tests. A test is a function registered with KTEST(name); the
 * runner (kernel/test/ktest.c) runs the tests selected by `ktest=` on the
 * command line in a kernel thread, prints KTAP on the console and exits
 * QEMU through isa-debug-exit with 0 only if every test passed.
 *
 * A failed KT_ASSERT returns from the test function; KT_EXPECT records the
 * failure and goes on. Helper threads a test spawns may call ktest_fail()
 * too: failures are counted for the test that is running.
 *
 * ktest_skip(reason) then return: a test that lacks what it needs (a boot
 * module make test-ktest passes but make run does not) is reported as
 * `ok N name # SKIP reason`, which the runner and xtask count as passed.
 * A failure recorded before or after still makes it `not ok`.
 */
#ifndef ALLOY_KTEST_H
#define ALLOY_KTEST_H

#include <alloy/compiler.h>
#include <alloy/types.h>

struct ktest {
	const char *name;
	void (*fn)(void);
	bool (*available)(void);	/* NULL: always */
};

#define KTEST(tname) KTEST_IF(tname, NULL)

/*
 * A test that needs something the machine may lack (a disk): `ktest=all`
 * runs it only if avail() says it can, but naming it runs it regardless,
 * so that it fails loudly instead of being skipped.
 */
#define KTEST_IF(tname, avail)                                             \
	static void ktest_fn_##tname(void);                                \
	static const struct ktest ktest_##tname __used                     \
		__attribute__((section(".ktests"), aligned(8))) = {         \
			.name = #tname,                                    \
			.fn = ktest_fn_##tname,                            \
			.available = (avail),                              \
		};                                                         \
	static void ktest_fn_##tname(void)

void ktest_fail(const char *file, int line, const char *fmt, ...)
	__printf(3, 4);
void ktest_skip(const char *reason);
void ktest_run_selected(void);

#define KT_EXPECT(c)                                                       \
	do {                                                               \
		if (!(c))                                                  \
			ktest_fail(__FILE__, __LINE__, "%s", #c);          \
	} while (0)

#define KT_ASSERT(c)                                                       \
	do {                                                               \
		if (!(c)) {                                                \
			ktest_fail(__FILE__, __LINE__, "%s", #c);          \
			return;                                            \
		}                                                          \
	} while (0)

#define KT_ASSERT_EQ(a, b)                                                 \
	do {                                                               \
		long long __a = (long long)(a), __b = (long long)(b);      \
		if (__a != __b) {                                          \
			ktest_fail(__FILE__, __LINE__,                     \
				   "%s == %s: %lld != %lld", #a, #b, __a,  \
				   __b);                                   \
			return;                                            \
		}                                                          \
	} while (0)

#endif
