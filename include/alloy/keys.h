/*
 * Kernel key retention (kernel/keys/, docs/keys.md): add_key, keyctl,
 * request_key. What the rest of the kernel calls: the hooks that give a
 * process and a thread their keyrings and take them away.
 *
 * A process's session and process keyrings (struct process key_session,
 * key_process) and a thread's keyring (struct task key_thread) are
 * counted references to keys, read and changed only under the keys
 * lock; each hook below takes it.
 */
#ifndef ALLOY_KEYS_H
#define ALLOY_KEYS_H

struct process;
struct task;
struct pbuf;

void keys_init(void);
/* fork: the child shares the parent's session keyring and request_key
 * default; it has no process keyring of its own yet. */
void keys_fork(struct process *child, struct process *parent);
/* execve: the thread and process keyrings go, the session keyring stays. */
void keys_exec(struct process *p, struct task *t);
/* A thread ends: its thread keyring goes. */
void keys_thread_exit(struct task *t);
/* The process ends (or a fork is undone): its keyrings go. */
void keys_proc_exit(struct process *p);

/* /proc/keys and /proc/key-users */
int keys_proc_show(struct pbuf *b);
int key_users_proc_show(struct pbuf *b);

#endif
