/*
 * Signal-handler tables, shared between processes by CLONE_SIGHAND
 * (<alloy/sighand.h> states owner, lifetime and locks).
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/process.h>
#include <alloy/sighand.h>
#include <alloy/slab.h>
#include <alloy/string.h>

struct sighand *sighand_new(struct sighand *from)
{
	struct sighand *sh = kzalloc(sizeof(*sh), GFP_KERNEL);

	if (!sh)
		return NULL;
	atomic_set(&sh->refcount, 1);
	spin_lock_init(&sh->lock, "sighand", LR_SIGACTION);
	if (from) {
		unsigned long flags = spin_lock_irqsave(&from->lock);
		memcpy(sh->sa, from->sa, sizeof(sh->sa));
		spin_unlock_irqrestore(&from->lock, flags);
	}
	return sh;
}

void sighand_get(struct sighand *sh)
{
	atomic_inc(&sh->refcount);
}

void sighand_put(struct sighand *sh)
{
	if (sh && atomic_dec_and_test(&sh->refcount))
		kfree(sh);
}

struct k_sigaction sighand_action_locked(struct process *p, int sig)
{
	struct sighand *sh = p->sighand;
	unsigned long flags = spin_lock_irqsave(&sh->lock);
	struct k_sigaction a = sh->sa[sig - 1];

	spin_unlock_irqrestore(&sh->lock, flags);
	return a;
}

struct k_sigaction sighand_action(struct process *p, int sig)
{
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	struct k_sigaction a = sighand_action_locked(p, sig);

	spin_unlock_irqrestore(&p->sig_lock, flags);
	return a;
}

void sighand_set_locked(struct process *p, int sig, const struct k_sigaction *act,
			struct k_sigaction *old)
{
	struct sighand *sh = p->sighand;
	unsigned long flags = spin_lock_irqsave(&sh->lock);

	if (old)
		*old = sh->sa[sig - 1];
	if (act)
		sh->sa[sig - 1] = *act;
	spin_unlock_irqrestore(&sh->lock, flags);
}

int sighand_unshare(struct process *p)
{
	struct sighand *old = p->sighand;	/* only we change our pointer */

	/* one reference: ours alone, and no one can take another (a clone
	 * sharing it would be made by us, and we are in execve) */
	if (atomic_read(&old->refcount) == 1)
		return 0;
	struct sighand *copy = sighand_new(old);
	if (!copy)
		return -ENOMEM;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	p->sighand = copy;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	sighand_put(old);
	return 0;
}

void sighand_exec_reset_locked(struct process *p)
{
	struct sighand *sh = p->sighand;
	unsigned long flags = spin_lock_irqsave(&sh->lock);

	for (int i = 0; i < NSIG; i++) {
		if (sh->sa[i].handler != SIG_IGN)
			sh->sa[i].handler = SIG_DFL;
		sh->sa[i].flags = 0;
		sh->sa[i].mask = 0;
		sh->sa[i].restorer = 0;
	}
	spin_unlock_irqrestore(&sh->lock, flags);
}
