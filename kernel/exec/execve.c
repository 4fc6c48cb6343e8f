/*
 * execve: replaces the calling process's image with a program from the
 * file system. The new image is built in a fresh address space while
 * the old one still runs, the arguments copied from the old one straight
 * into the new stack (Linux's limits: RLIMIT_STACK / 4 in all, 128 KiB a
 * string), and only when it is complete does the process switch over: a
 * failed execve returns to the old program.
 * "#!" scripts re-run the lookup with the interpreter, up to 4 deep.
 * The program needs execute permission (not read); a set-user-ID or
 * set-group-ID program (not on a nosuid filesystem) runs with its file's
 * owner or group as effective and saved ID, and AT_SECURE set.
 */
#include <alloy/arch.h>
#include <alloy/cred.h>
#include <alloy/landlock.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/ptimer.h>
#include <alloy/thread.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <alloy/vfs.h>
#include <alloy/keys.h>
#include <asm/irqflags.h>
#include <asm/trap.h>

#define SCRIPT_DEPTH 4
#define SHEBANG_MAX 256

static long file_source_read(void *ctx, void *buf, size_t len, u64 off)
{
	return file_read_at(ctx, (struct iobuf){ (u64)(uintptr_t)buf, true }, len, off);
}

/* "#!interp [arg]": fills interp/arg (pointers into line); 0, or -ENOEXEC. */
static int parse_shebang(char *line, size_t n, char **interp, char **arg)
{
	char *end = memchr(line, '\n', n);

	if (n < 2 || line[0] != '#' || line[1] != '!')
		return 1;	/* not a script */
	if (!end)
		return -ENOEXEC;
	*end = '\0';
	char *p = line + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return -ENOEXEC;
	*interp = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	*arg = NULL;
	if (*p) {
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		char *e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (*p)
			*arg = p;
	}
	return 0;
}

/* Opens path for execution: a regular file the caller may execute. A
 * relative path is base's (NULL: the process's cwd; the kernel's,
 * starting init: the root's). nofollow: a final symlink is ELOOP. */
static int open_exec_at(const struct path *base, const char *path, bool nofollow,
			struct file **out)
{
	struct path cwd;
	u32 flags = O_RDONLY | O_EXEC_KERNEL | (nofollow ? O_NOFOLLOW : 0);
	int rc;

	if (base || !current_proc()) {
		rc = vfs_open(base, path, flags, 0, out);
	} else {
		proc_cwd(&cwd);
		rc = vfs_open(&cwd, path, flags, 0, out);
		path_put(&cwd);
	}
	if (rc)
		return rc;
	u32 mode = (*out)->inode->mode;
	if (!S_ISREG(mode) || !(mode & 0111)) {
		file_put(*out);
		return -EACCES;
	}
	return 0;
}

static int open_exec(const char *path, struct file **out)
{
	return open_exec_at(NULL, path, false, out);
}

/* execveat's AT_EMPTY_PATH: the file at p itself, opened afresh (an
 * O_PATH descriptor reads nothing) if the caller may execute it; or a
 * file with no name (memfd: musl's fexecve) itself, if it reads. */
static int open_exec_path(const struct path *p, struct file *nameless, struct file **out)
{
	struct inode *i = nameless ? nameless->inode : p->dentry->inode;
	struct cred c;

	cred_current(&c);
	if (!S_ISREG(i->mode) || !(i->mode & 0111))
		return -EACCES;
	int rc = inode_permission(&c, i, MAY_EXEC);
	if (rc)
		return rc;
	if (!nameless && (rc = landlock_check_open(p, O_RDONLY | O_EXEC_KERNEL, i->mode)))
		return rc;	/* a sandbox's execveat(fd, "", AT_EMPTY_PATH) */
	if (!nameless)
		return vfs_open_inode(p, O_RDONLY | O_EXEC_KERNEL, out);
	if ((nameless->flags & O_ACCMODE) == O_WRONLY || (nameless->flags & O_PATH))
		return -EACCES;
	*out = file_get(nameless);
	return 0;
}

static int source_open(const char *path, struct exec_source *out);

static void source_close(struct exec_source *s)
{
	struct file *f = s->ctx;

	inode_allow_write(f->inode);
	file_put(f);
}

/* What exec_load reads an image from: the open file f (the source's
 * close puts it), whose pages it maps from the page cache where it can;
 * its PT_INTERP is opened the same way. */
static void source_of(struct file *f, const char *name, struct exec_source *s)
{
	*s = (struct exec_source){
		.ctx = f, .read_at = file_source_read, .size = f->inode->size, .name = name,
		.obj_ops = file_vm_object(f), .obj = f,
		.open = source_open, .close = source_close,
	};
}

/* The interpreter: not writable while it loads (ETXTBSY either way). */
static int source_open(const char *path, struct exec_source *out)
{
	struct file *f;
	int rc = open_exec(path, &f);

	if (!rc && (rc = inode_deny_write(f->inode)))
		file_put(f);
	if (!rc)
		source_of(f, path, out);
	return rc;
}

/* Switches the process to the new image: nothing can fail after this. */
static void commit(struct user_mm *mm, const char *path, u64 entry, u64 sp)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	struct user_mm *old = t->mm;
	struct trap_frame *tf = current_user_frame();

	thread_mm_release(t, true);	/* into the old image: pthread_join's wake */
	arch_irq_disable();
	task_set_mm(t, mm);
	t->fs_base = 0;
	arch_switch_user(&mm->vm, 0);
	arch_fpu_init(t->fpu);
	arch_fpu_restore(t->fpu);
	arch_irq_enable();
	rusage_mm_done(p, old);	/* ru_maxrss: the old image's peak stays */
	user_mm_put(old);

	fdt_close_on_exec(p->files);
	keys_exec(p, t);	/* thread and process keyrings go */
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	sighand_exec_reset_locked(p);	/* our own table: see execve_at */
	t->altstack_sp = t->altstack_size = 0;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	const char *base = strrchr(path, '/');
	strlcpy(p->comm, base ? base + 1 : path, sizeof(p->comm));
	WRITE_ONCE(p->acct_fork, false);
	strlcpy(t->name, p->comm, sizeof(t->name));

	frame_init_user(tf, entry, sp);
	proc_vfork_release(p);
}

/*
 * A script's argv is its interpreter line, its own path, then the
 * caller's argv without argv[0]: interp [arg] path argv[1..]. The
 * interpreter may be a script again (up to SCRIPT_DEPTH): its line goes
 * in front the same way. lines holds each level's line (the prefix
 * strings point into it).
 */
static int add_script_args(struct exec_args *a, char *interp, char *arg, const char *name,
			   bool user_argv0)
{
	const char *rest[EXEC_PREFIX_MAX];
	int nrest = 0;

	if (a->nprefix) {	/* the old prefix without its first string */
		for (int i = 1; i < a->nprefix; i++)
			rest[nrest++] = a->prefix[i];
	} else if (user_argv0) {
		a->skip = 1;	/* the caller's argv[0] goes */
	}
	int n = 0;
	a->prefix[n++] = interp;
	if (arg)
		a->prefix[n++] = arg;
	a->prefix[n++] = name;
	if (n + nrest > EXEC_PREFIX_MAX)
		return -E2BIG;
	for (int i = 0; i < nrest; i++)
		a->prefix[n++] = rest[i];
	a->nprefix = n;
	return 0;
}

/* The first program's lookup: execve's, or execveat's (dirfd's base,
 * or with AT_EMPTY_PATH its file itself). */
struct exec_at {
	const struct path *base;	/* NULL: the cwd */
	const char *path;		/* what to look up there */
	struct file *file;		/* empty, with no name: the file */
	bool empty;			/* base is the file to run */
	bool nofollow;			/* AT_SYMLINK_NOFOLLOW */
};

static long do_execve(const char *path, const struct exec_at *at, struct exec_args *a)
{
	char *lines = kmalloc((SCRIPT_DEPTH + 1) * SHEBANG_MAX, GFP_KERNEL);
	const char *name = path;
	struct file *f = NULL;
	long rc = lines ? 0 : -ENOMEM;
	u64 argv0 = 0;

	if (!rc && a->uargv && copy_from_user(&argv0, (const void *)a->uargv, 8))
		rc = -EFAULT;
	for (int depth = 0; !rc; depth++) {
		if (depth == 0 && at && at->empty)
			rc = open_exec_path(at->base, at->file, &f);
		else if (depth == 0 && at)
			rc = open_exec_at(at->base, at->path, at->nofollow, &f);
		else
			rc = open_exec(name, &f);
		if (rc) {
			f = NULL;	/* open_exec may leave a put file there */
			break;
		}
		char *line = lines + (size_t)depth * SHEBANG_MAX;	/* depth <= SCRIPT_DEPTH */
		long n = file_read_at(f, (struct iobuf){ (u64)(uintptr_t)line, true },
				      SHEBANG_MAX - 1, 0);
		char *interp, *arg;
		rc = n < 0 ? n : parse_shebang(line, (size_t)n, &interp, &arg);
		if (rc <= 0 && depth == SCRIPT_DEPTH)
			rc = -ELOOP;
		if (rc == 1) {
			rc = 0;
			break;		/* a binary: load it */
		}
		file_put(f);
		f = NULL;
		if (!rc)
			rc = add_script_args(a, interp, arg, name, argv0 != 0);
		name = interp;
	}
	if (!rc)
		rc = exec_args_count(a);	/* E2BIG before anything is built */
	if (!rc)
		rc = inode_deny_write(f->inode);	/* ETXTBSY: open for writing */
	if (rc) {
		if (f)
			file_put(f);
		kfree(lines);
		return rc;
	}

	/* the IDs it will run with; the stack's auxv tells it */
	struct cred c, plain;
	bool plain_secure;
	cred_current(&c);
	/* a program its runner may execute but not read is not dumpable
	 * (Linux's would_dump): no tracer reads it */
	bool unreadable = inode_permission(&c, f->inode, MAY_READ) != 0;
	/* a traced program runs without its set-ID privilege (Linux); a
	 * tracer that attaches later is caught at the commit */
	cred_exec(&c, f->inode, true, &plain, &plain_secure);
	cred_exec(&c, f->inode, (f->inode->sb && (f->inode->sb->flags & SB_NOSUID)) ||
		  (f->path.mnt && (READ_ONCE(f->path.mnt->flags) & MNT_NOSUID)) ||
		  ptrace_exec_unprivileged() || READ_ONCE(current_proc()->no_new_privs),
		  &c, &a->secure);
	a->uid = c.uid, a->euid = c.euid, a->gid = c.gid, a->egid = c.egid;

	struct exec_source src;
	source_of(f, name, &src);
	struct user_mm *mm = user_mm_create();
	if (mm)		/* refused to non-root readers from the start (user.h) */
		mm->setid = c.euid != c.uid || c.egid != c.gid || unreadable;
	struct path exe = f->path;	/* for /proc/<pid>/exe */
	struct inode *ino = f->inode;	/* exe holds it */
	u64 entry, sp;
	rc = mm ? exec_load(mm, &src, a, &entry, &sp) : -ENOMEM;
	if (exe.dentry)		/* none for a memfd run by execveat */
		path_get(&exe);
	file_put(f);
	int old_tid = current_task()->user_tid;	/* PTRACE_EVENT_EXEC's message */
	if (!rc)
		rc = thread_group_exec();	/* the other threads go */
	if (!rc) {
		proc_adopt_thread_tables();	/* a thread's own: the process's now */
		rc = proc_unshare_files(current_proc());	/* CLONE_FILES: our own now */
	}
	if (!rc)	/* CLONE_SIGHAND: our own now, reset by commit */
		rc = sighand_unshare(current_proc());
	if (!rc) {
		commit(mm, name, entry, sp);
		ptrace_exec_commit(&c, &plain, unreadable);
		cap_exec(current_proc());	/* from the IDs it now has */
		proc_timers_exec(current_proc());	/* POSIX timers do not survive it */
		proc_set_exe(current_proc(), &exe);
		ptrace_exec(old_tid);	/* the exec stop, or SIGTRAP */
	} else {
		user_mm_put(mm);
	}
	/* the process's own denial holds now (a nameless file has none: a
	 * memfd stays writable while it runs) */
	inode_allow_write(ino);
	if (exe.dentry)
		path_put(&exe);
	kfree(lines);
	return rc;
}

long sys_execve(u64 upath, u64 uargv, u64 uenvp, u64 a3, u64 a4, u64 a5)
{
	char *path = kmalloc(PATH_MAX, GFP_KERNEL);
	struct exec_args a = { .uargv = uargv, .uenvp = uenvp };
	long rc = path ? 0 : -ENOMEM;

	(void)a3; (void)a4; (void)a5;
	if (!rc)
		rc = strncpy_from_user(path, (const char *)upath, PATH_MAX);
	if (rc >= 0)
		rc = rc == 0 ? -ENOENT : 0;
	if (!rc)
		rc = do_execve(path, NULL, &a);
	kfree(path);
	return rc;
}

long execve_at(const struct path *base, struct file *file, const char *path, const char *name,
	       int at_flags, u64 uargv, u64 uenvp)
{
	struct exec_args a = { .uargv = uargv, .uenvp = uenvp };
	struct exec_at at = { .base = base, .file = file, .path = path, .empty = !path[0],
			      .nofollow = at_flags & AT_SYMLINK_NOFOLLOW };

	return do_execve(name, &at, &a);
}

/* Kernel-started programs (init): exec_source over an open file. */
struct task *user_spawn_path(const char *path, const char *const argv[],
			     const char *const envp[])
{
	struct file *f;

	if (vfs_open(NULL, path, O_RDONLY, 0, &f))
		return NULL;
	struct exec_source src;
	source_of(f, path, &src);
	struct task *t = S_ISREG(f->inode->mode) ? user_spawn(&src, argv, envp) : NULL;
	file_put(f);
	return t;
}
