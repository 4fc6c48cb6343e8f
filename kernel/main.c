/*
 * kmain: bring-up order matters. GS (per-CPU data) first so locks work,
 * then the console, the boot information, ACPI (its tables may lie in
 * memory the direct map will not cover), memory, interrupts and clocks,
 * the scheduler, the other CPUs, and finally the first kernel thread.
 */
#include <alloy/arch.h>
#include <alloy/blkdev.h>
#include <alloy/boot.h>
#include <alloy/cmdline.h>
#include <alloy/ipc.h>
#include <alloy/console.h>
#include <alloy/cpu.h>
#include <alloy/ktest.h>
#include <alloy/mm.h>
#include <alloy/pci.h>
#include <alloy/virtio.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/socket.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/user.h>
#include <alloy/vfs.h>
#include <alloy/keys.h>
#include <asm/apic.h>
#include <ffi/ffi.h>
#include <asm/arch_cpu.h>
#include <asm/cpu.h>

#define ALLOY_VERSION "0.1"

unsigned int smp_boot(unsigned int max);
void sched_init_cpu_queues(void);
void sched_init_bsp(void);
void timers_init(void);
void tlb_init(void);
__noreturn void sched_bsp_idle(void);
void crashtest_run(void);

uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ULL;

__noreturn void __stack_chk_fail(void)
{
	panic("stack protector: a kernel stack was overwritten");
}

/*
 * Runs init (init=PATH, default /sbin/init, else /bin/sh) as pid 1 and
 * waits for it: when init exits the machine powers off, and QEMU's exit
 * code carries init's exit status (make run CMD=... relies on this).
 */
static void start_init(void)
{
	const char *path = cmdline_get("init");
	const char *envp[] = { "HOME=/", "TERM=linux", "PATH=/sbin:/bin:/usr/sbin:/usr/bin", NULL };
	static const char *const fallback[] = { "/sbin/init", "/bin/sh" };
	struct task *t = NULL;

	for (size_t i = 0; !t && i < ARRAY_SIZE(fallback) + 1; i++) {
		const char *p = i == 0 ? path : fallback[i - 1];
		const char *argv[] = { p, NULL };
		if (p)
			t = user_spawn_path(p, argv, envp);
	}
	if (!t) {
		pr_err("init: no /sbin/init or /bin/sh to run (boot with an initramfs; "
		       "see README). The kernel idles.\n");
		return;
	}
	task_join(t);
	int st = task_exit_status(t);
	task_put(t);
	int code = st & 0x7f ? 128 + (st & 0x7f) : (st >> 8) & 0xff;
	pr_info("init exited with status %d: powering off\n", code);
	arch_debug_exit((u32)code);
	arch_power_off();
}

static void kinit(void *arg)
{
	(void)arg;
	pr_info("scheduler running on %u CPUs\n", nr_cpus);
	crashtest_run();
	vfs_init();
	ipc_init();
	keys_init();	/* after vfs_init: shared memory lives on memfs */
	tty_init();
	pci_init();
	virtio_blk_init();	/* after vfs_init: disks get /dev nodes */
	loop_init();
	virtio_net_init();
	inet_init();	/* TCP/IP: after the network drivers */
	vfs_mount_root();	/* root=/dev/vdX */
	vfs_start_flusher();
	loadavg_start();
	if (cmdline_has("ktest")) {
		ktest_run_selected();	/* exits QEMU */
		return;
	}
	start_init();
}

static void setup_log_level(void)
{
	const char *l = cmdline_get("loglevel");
	if (l)
		printk_set_level((int)cmdline_int("loglevel", LOG_INFO));
	if (cmdline_has("quiet"))
		printk_set_level(LOG_WARN);
	/* what the user asked to see wins over quiet (make run CMD= adds it) */
	if (cmdline_has("strace") && printk_get_level() < LOG_INFO)
		printk_set_level(LOG_INFO);
	if (cmdline_has("debug"))
		printk_set_level(LOG_DEBUG);
}

__noreturn void kmain(u32 magic, u32 mb_info)
{
	cpu_init_this(&cpus[0], 0);
	idt_init();
	serial_init();
	if (multiboot_parse(magic, mb_info))
		panic("not started by a Multiboot loader (magic %#x)", magic);
	cmdline_init(boot_info.cmdline);
	setup_log_level();
	pr_info("Alloy %s: %llu MiB RAM, command line '%s'\n", ALLOY_VERSION,
		(unsigned long long)(boot_info.ram_bytes >> 20), cmdline_raw());

	if (acpi_init())
		panic("ACPI tables (MADT) are required");
	cpu_enable_features();
	mem_init();
	kmalloc_init();
	ffi_init();

	lapic_init();
	cpus[0].apic_id = lapic_id();
	lapic_init_this();
	ioapic_init();
	tlb_init();
	clock_init();
	time_init();
	timers_init();
	sched_init_cpu_queues();
	sched_init_bsp();
	lapic_timer_start();
	arch_irq_enable();

	long long want = cmdline_int("smp", MAX_CPUS);
	nr_cpus = smp_boot(want < 1 ? 1 : (unsigned int)want);

	if (!kthread_create(kinit, NULL, "kinit"))
		panic("cannot create the first kernel thread");
	sched_bsp_idle();
}
