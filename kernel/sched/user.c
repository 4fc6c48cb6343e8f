/*
 * User tasks: a kernel thread that loads an address space and drops to
 * user mode, and the ways out of it (exit, or being killed by a fault).
 */
#include <alloy/arch.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/task.h>
#include <alloy/user.h>

struct spawn {
	struct user_mm *mm;
	u64 entry, sp;
};

static void user_start(void *arg)
{
	struct spawn *sp = arg;
	struct task *t = current_task();
	u64 entry = sp->entry, rsp = sp->sp;
	struct user_mm *sp_mm = sp->mm;

	kfree(sp);
	arch_fpu_init(t->fpu);
	arch_irq_disable();	/* mm, CR3 and the FPU change together */
	t->mm = sp_mm;
	arch_switch_user(&t->mm->vm, 0);
	arch_fpu_restore(t->fpu);
	arch_enter_user(entry, rsp);
}

struct task *user_spawn(const struct exec_source *src, const char *const argv[],
			const char *const envp[])
{
	struct spawn *sp = kzalloc(sizeof(*sp), GFP_KERNEL);
	struct task *t = NULL;
	int rc;

	if (!sp)
		return NULL;
	sp->mm = user_mm_create();
	if (!sp->mm)
		goto fail;
	rc = exec_load(sp->mm, src, argv, envp, &sp->entry, &sp->sp);
	if (rc) {
		pr_warn("exec: %s: cannot load (%d)\n", src->name, rc);
		goto fail;
	}
	t = kthread_create(user_start, sp, src->name);
	if (t)
		return t;
fail:
	user_mm_destroy(sp->mm);
	kfree(sp);
	return NULL;
}

int task_exit_status(const struct task *t)
{
	return READ_ONCE(t->exit_status);
}

void user_exit(int wait_status)
{
	struct task *t = current_task();
	struct user_mm *mm = t->mm;

	t->exit_status = wait_status;
	arch_irq_disable();
	t->mm = NULL;
	arch_switch_user(NULL, 0);	/* off its page tables before freeing them */
	arch_irq_enable();
	user_mm_destroy(mm);
	kthread_exit();
}

void user_fault(int signal, u64 addr, u64 ip, const char *what)
{
	struct task *t = current_task();

	pr_err("user: %s (tid %d) killed by signal %d: %s at %#llx, ip %#llx\n",
	       t->name, t->tid, signal, what, addr, ip);
	arch_irq_enable();
	user_exit(signal);
}
