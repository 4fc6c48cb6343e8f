/*
 * Core dumps: a process killed by a signal whose default action dumps
 * core (SIGQUIT, SIGILL, SIGABRT, SIGSEGV...) writes an ELF core file,
 * and only when it did does its wait status carry WCOREDUMP (0x80).
 *
 * The file: an ELF header (ET_CORE), one PT_NOTE with NT_PRSTATUS (the
 * signal, ids, times, the dumping thread's registers), NT_PRPSINFO,
 * NT_PRFPREG and NT_AUXV (exec's vector, kept in the mm), then a PT_LOAD per mapping, as /proc/<pid>/coredump_filter
 * chooses (Linux's bits; 0x33 by default: anonymous memory, the stack,
 * the heap and a file mapping's private written copy, a writable private
 * file mapping here, whole; of any other file mapping only a first page
 * that is an ELF header); nothing of the vvar page, nothing of a range
 * given MADV_DONTDUMP (the vDSO always). Pages never touched are
 * holes (not written, not counted). Memory is streamed a page at a time
 * through one page-sized buffer.
 *
 * When: RLIMIT_CORE at least a page (else no dump, as Linux's
 * min_coredump), the process dumpable (PR_SET_DUMPABLE, no set-ID), and
 * /proc/sys/kernel/core_pattern a file name (a leading '|' pipes to a
 * program in Linux; not here: no dump). The name is taken relative to
 * the dumping process's cwd, with %p %P %i %I %u %g %s %t %e %h %%
 * expanded; an existing file of that name is unlinked first and the new
 * one created O_EXCL | O_NOFOLLOW, mode 0600, so a symlink planted
 * there is never followed. RLIMIT_CORE cuts the file short (no piece
 * is written that would pass it); as on Linux a core whose header was
 * written counts as dumped, cut short or not. The other threads are ended first
 * (they are killed and waited for), so the memory holds still; each
 * leaves its registers as it goes (coredump_thread_exit): an NT_PRSTATUS
 * per thread after the dumping thread's notes, as Linux's.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/user.h>
#include <alloy/vfs.h>
#include <asm/elf.h>
#include <asm/trap.h>
#include <uapi/fcntl.h>

#define CORE_NAME_MAX 128

/* ---- /proc/sys/kernel/core_pattern ---- */

static char core_pattern[CORE_NAME_MAX] = "core";
static spinlock_t pattern_lock = SPINLOCK_INIT("core-pattern", LR_RANDOM - 1);

static int show_pattern(struct pbuf *b)
{
	char s[CORE_NAME_MAX];
	unsigned long fl = spin_lock_irqsave(&pattern_lock);

	memcpy(s, core_pattern, sizeof(s));
	spin_unlock_irqrestore(&pattern_lock, fl);
	return pbuf_printf(b, "%s\n", s);
}

/* As Linux's proc_dostring: up to a newline, at most 127 bytes. */
static int store_pattern(const char *buf, size_t len)
{
	long n = sysctl_string_len(buf, len, CORE_NAME_MAX);

	if (n < 0)
		return (int)n;
	unsigned long fl = spin_lock_irqsave(&pattern_lock);
	memcpy(core_pattern, buf, (size_t)n);
	memset(core_pattern + n, 0, CORE_NAME_MAX - (size_t)n);
	spin_unlock_irqrestore(&pattern_lock, fl);
	return 0;
}
SYSCTL(core_pattern, "kernel/core_pattern", 0644, show_pattern, store_pattern);

bool signal_dumps_core(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
	case SIGFPE: case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return true;
	default:
		return false;
	}
}

/* The file name for this dump; false if there is none (a pipe, or it
 * expands to nothing). */
static bool core_name(char *out, int sig)
{
	char pat[CORE_NAME_MAX];
	struct process *p = current_proc();
	size_t n = 0;

	unsigned long fl = spin_lock_irqsave(&pattern_lock);
	memcpy(pat, core_pattern, sizeof(pat));
	spin_unlock_irqrestore(&pattern_lock, fl);
	if (pat[0] == '|' || !pat[0])
		return false;
	for (const char *s = pat; *s && n < CORE_NAME_MAX - 1; s++) {
		char tmp[32] = "";
		if (*s != '%') {
			out[n++] = *s;
			continue;
		}
		switch (*++s) {
		case '\0': s--; break;
		case '%': snprintf(tmp, sizeof(tmp), "%%"); break;
		case 'p': case 'P': snprintf(tmp, sizeof(tmp), "%d", p->pid); break;
		case 'i': case 'I': snprintf(tmp, sizeof(tmp), "%d", current_task()->user_tid); break;
		case 'u': snprintf(tmp, sizeof(tmp), "%u", READ_ONCE(p->uid[0])); break;
		case 'g': snprintf(tmp, sizeof(tmp), "%u", READ_ONCE(p->gid[0])); break;
		case 's': snprintf(tmp, sizeof(tmp), "%d", sig); break;
		case 't': snprintf(tmp, sizeof(tmp), "%llu", wall_clock_ns() / 1000000000ULL); break;
		case 'h': snprintf(tmp, sizeof(tmp), "alloy"); break;
		case 'e': case 'E':
			memcpy(tmp, p->comm, sizeof(p->comm));
			tmp[sizeof(p->comm)] = '\0';
			for (char *c = tmp; *c; c++)
				if (*c == '/')
					*c = '!';	/* as Linux: never a directory */
			break;
		default: break;	/* Linux drops what it does not know */
		}
		for (const char *c = tmp; *c && n < CORE_NAME_MAX - 1; c++)
			out[n++] = *c;
	}
	out[n] = '\0';
	return n > 0;
}

/* ---- the ELF core format (x86-64 layouts, Linux's) ---- */

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

struct elf64_nhdr {
	u32 namesz, descsz, type;
};

struct core_timeval {
	s64 sec, usec;
};

struct elf_prstatus {
	s32 si_signo, si_code, si_errno;
	s16 cursig;
	u16 pad0;
	u64 sigpend, sighold;
	s32 pid, ppid, pgrp, sid;
	struct core_timeval utime, stime, cutime, cstime;
	u64 regs[ARCH_PTRACE_REGS_SIZE / 8];
	s32 fpvalid;
	u32 pad1;
};

struct elf_prpsinfo {
	char state, sname, zomb, nice;
	u32 pad0;
	u64 flag;
	u32 uid, gid;
	s32 pid, ppid, pgrp, sid;
	char fname[16];
	char psargs[80];
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr");
_Static_assert(sizeof(struct elf_prpsinfo) == 136, "elf_prpsinfo");
_Static_assert(sizeof(struct elf_prstatus) == 112 + ARCH_PTRACE_REGS_SIZE + 8, "elf_prstatus");

#define PT_LOAD 1
#define PT_NOTE 4
#define ET_CORE 4
#define NT_PRSTATUS 1
#define NT_PRFPREG 2
#define NT_PRPSINFO 3
#define NT_AUXV 6
#define PF_X 1
#define PF_W 2
#define PF_R 4

/* One mapping as the dump sees it: [start, end), the bytes written. */
struct core_vma {
	u64 start, end, dump;
	u32 flags;
};

/* Where the bytes go: a file, a position, what RLIMIT_CORE allows. */
struct core_out {
	struct file *f;
	u64 pos, written, limit;
	u64 end;		/* the file's size so far */
	bool failed;
};

static void emit(struct core_out *o, const void *buf, size_t n)
{
	if (o->failed || !n)
		return;
	if (o->written + n > o->limit) {
		o->failed = true;	/* RLIMIT_CORE: the file ends here */
		return;
	}
	struct iobuf b = { .addr = (u64)buf, .kernel = true };
	long rc = file_write_at(o->f, b, n, o->pos);
	if (rc != (long)n) {
		o->failed = true;
		return;
	}
	o->pos += n;
	o->written += n;
	o->end = o->pos;
}

static void emit_note(struct core_out *o, u32 type, const void *desc, u32 size)
{
	struct elf64_nhdr h = { .namesz = 5, .descsz = size, .type = type };
	static const char name[8] = "CORE";
	static const u8 zero[4];

	emit(o, &h, sizeof(h));
	emit(o, name, 8);	/* "CORE\0" padded to 4 */
	emit(o, desc, size);
	emit(o, zero, (4 - size % 4) % 4);
}

static u32 note_size(u32 desc)
{
	return (u32)sizeof(struct elf64_nhdr) + 8 + ALIGN_UP(desc, 4);
}

/* coredump_filter's bits (Linux's MMF_DUMP_*) */
#define DUMP_ANON_PRIVATE 0x1
#define DUMP_ANON_SHARED 0x2
#define DUMP_MAPPED_PRIVATE 0x4
#define DUMP_MAPPED_SHARED 0x8
#define DUMP_ELF_HEADERS 0x10

/* Linux's vma_dump_size, as far as Alloy's mappings tell it: how much of
 * v goes into the file, by the process's coredump_filter; MADV_DONTDUMP
 * leaves a mapping out whatever the filter says (not the vDSO, which
 * debuggers need, as Linux). */
static u64 dump_size(struct user_mm *mm, const struct vma *v, u32 filter)
{
	u64 len = v->end - v->start;

	if (v->kind == VMA_VVAR)
		return 0;
	if (v->kind == VMA_VDSO)
		return len;
	if (v->flags & VMA_F_DONTDUMP)
		return 0;
	if (!v->ops || v->filled || v->kind == VMA_ANON || v->kind == VMA_STACK ||
	    v->kind == VMA_HEAP)	/* anonymous memory */
		return filter & (v->shared ? DUMP_ANON_SHARED : DUMP_ANON_PRIVATE) ? len : 0;
	if (v->shared && (filter & DUMP_MAPPED_SHARED))
		return len;
	/* a private copy that is written to: Linux's anon_vma */
	if (!v->shared && (v->prot & UVM_WRITE) && (filter & DUMP_ANON_PRIVATE))
		return len;
	if (!v->shared && (filter & DUMP_MAPPED_PRIVATE))
		return len;
	if (!(filter & DUMP_ELF_HEADERS))
		return 0;
	u8 magic[4];
	if (v->pgoff == 0 && (v->prot & UVM_READ) &&
	    user_mm_read(mm, v->start, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4))
		return PAGE_SIZE;	/* the ELF header, for debuggers to find build ids */
	return 0;
}

static u32 phdr_flags(u32 prot)
{
	return (prot & UVM_READ ? PF_R : 0) | (prot & UVM_WRITE ? PF_W : 0) |
	       (prot & UVM_EXEC ? PF_X : 0);
}

static struct core_vma *snapshot_vmas(struct user_mm *mm, int *n)
{
	u32 filter = READ_ONCE(current_proc()->coredump_filter);

	down_read(&mm->lock);
	int cnt = mm->nr_vmas;
	struct core_vma *cv = kmalloc(sizeof(*cv) * (size_t)(cnt ? cnt : 1), GFP_KERNEL);
	if (cv) {
		for (int i = 0; i < cnt; i++) {
			const struct vma *v = &mm->vmas[i];
			cv[i] = (struct core_vma){ .start = v->start, .end = v->end,
						   .flags = phdr_flags(v->prot) };
		}
	}
	/* dump_size reads a page: without mm->lock (user_mm_read takes it) */
	struct vma *copy = cv ? kmalloc(sizeof(*copy) * (size_t)(cnt ? cnt : 1), GFP_KERNEL) : NULL;
	if (copy)
		memcpy(copy, mm->vmas, sizeof(*copy) * (size_t)cnt);
	up_read(&mm->lock);
	if (!copy) {
		kfree(cv);
		return NULL;
	}
	for (int i = 0; i < cnt; i++)	/* the other threads are gone: nothing moves */
		cv[i].dump = dump_size(mm, &copy[i], filter);
	kfree(copy);
	*n = cnt;
	return cv;
}

static void fill_prstatus(struct elf_prstatus *s, int sig, const struct ksiginfo *si,
			  struct trap_frame *tf)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	struct proc_snapshot ps;
	u64 ut, st, cut, cst;

	memset(s, 0, sizeof(*s));
	s->si_signo = sig;
	s->si_code = si->code;
	s->cursig = (s16)sig;
	s->sigpend = READ_ONCE(t->pending) | READ_ONCE(p->shared_pending);
	s->sighold = READ_ONCE(t->blocked);
	s->pid = t->user_tid;
	if (!proc_snapshot(p, &ps)) {
		s->ppid = ps.ppid;
		s->pgrp = ps.pgid;
		s->sid = ps.sid;
	}
	ut = READ_ONCE(t->utime_ticks) * (1000000ULL / HZ);
	st = READ_ONCE(t->stime_ticks) * (1000000ULL / HZ);
	rusage_children(p, &cut, &cst, false);
	cut *= 1000000ULL / HZ;
	cst *= 1000000ULL / HZ;
	s->utime = (struct core_timeval){ (s64)(ut / 1000000), (s64)(ut % 1000000) };
	s->stime = (struct core_timeval){ (s64)(st / 1000000), (s64)(st % 1000000) };
	s->cutime = (struct core_timeval){ (s64)(cut / 1000000), (s64)(cut % 1000000) };
	s->cstime = (struct core_timeval){ (s64)(cst / 1000000), (s64)(cst % 1000000) };
	arch_core_regs(t, tf, s->regs);
	s->fpvalid = 1;
}

static void fill_prpsinfo(struct elf_prpsinfo *ps)
{
	struct process *p = current_proc();
	struct proc_snapshot snap;

	memset(ps, 0, sizeof(*ps));
	ps->state = 0;
	ps->sname = 'R';
	ps->nice = (char)READ_ONCE(current_task()->nice);
	ps->uid = READ_ONCE(p->uid[0]);
	ps->gid = READ_ONCE(p->gid[0]);
	ps->pid = p->pid;
	if (!proc_snapshot(p, &snap)) {
		ps->ppid = snap.ppid;
		ps->pgrp = snap.pgid;
		ps->sid = snap.sid;
	}
	memcpy(ps->fname, p->comm, sizeof(ps->fname));
	memcpy(ps->psargs, p->comm, sizeof(p->comm));	/* the command line is not kept */
}

/* Another thread's NT_PRSTATUS, kept from when it was ended. */
struct core_thread {
	struct core_thread *next;
	struct elf_prstatus st;
};

void coredump_thread_exit(void)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	bool want = p->core_task && p->core_task != t;

	spin_unlock_irqrestore(&p->sig_lock, fl);
	if (!want)
		return;
	struct core_thread *c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return;		/* the core just lacks this thread */
	struct ksiginfo si = { .signo = SIGKILL };
	fill_prstatus(&c->st, SIGKILL, &si, current_user_frame());
	c->st.si_signo = c->st.cursig = 0;	/* it was stopped, not signalled */
	c->st.fpvalid = 0;
	fl = spin_lock_irqsave(&p->sig_lock);
	c->next = p->core_threads;	/* before this thread leaves the group, */
	p->core_threads = c;		/* which is what the dumper waits for */
	spin_unlock_irqrestore(&p->sig_lock, fl);
}

void coredump_done(void)
{
	struct process *p = current_proc();
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	struct core_thread *c = p->core_threads;

	p->core_threads = NULL;
	p->core_task = NULL;
	spin_unlock_irqrestore(&p->sig_lock, fl);
	while (c) {
		struct core_thread *n = c->next;
		kfree(c);
		c = n;
	}
}

/* The other threads' records; the dumper reads them without the lock:
 * every other thread has left, none adds one now. */
static struct core_thread *other_threads(int *n)
{
	struct process *p = current_proc();
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	struct core_thread *c = p->core_threads;

	spin_unlock_irqrestore(&p->sig_lock, fl);
	*n = 0;
	for (struct core_thread *k = c; k; k = k->next)
		(*n)++;
	return c;
}

/* Opens the core file: an old one of that name is unlinked, the new one
 * made exclusively without following a symlink. */
static struct file *core_open(const char *name)
{
	struct file *f = NULL;
	u32 mode = 0600 & ~proc_umask();
	struct path cwd;

	proc_cwd(&cwd);	/* a relative name is the dumping process's */
	vfs_unlink(&cwd, name);	/* none there is fine; a directory stays and fails below */
	int rc = vfs_open(&cwd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, mode, &f);
	path_put(&cwd);
	if (rc)
		return NULL;
	if (!S_ISREG(f->inode->mode)) {
		file_put(f);
		return NULL;
	}
	return f;
}

/* Writes the core; true if the whole of it went out. */
static bool write_core(struct core_out *o, int sig, const struct ksiginfo *si)
{
	struct task *t = current_task();
	struct user_mm *mm = t->mm;
	struct trap_frame *tf = current_user_frame();
	int nv = 0;

	if (!mm)
		return false;
	struct core_vma *cv = snapshot_vmas(mm, &nv);
	struct elf_prstatus *prs = kmalloc(sizeof(*prs), GFP_KERNEL);
	struct elf_prpsinfo *psi = kmalloc(sizeof(*psi), GFP_KERNEL);
	u8 *page = kmalloc(PAGE_SIZE, GFP_KERNEL);
	bool ok = false;
	if (!cv || !prs || !psi || !page)
		goto out;

	fill_prstatus(prs, sig, si, tf);
	fill_prpsinfo(psi);
	arch_irq_disable();	/* the live FPU registers are this thread's */
	arch_fpu_save(t->fpu);
	arch_irq_enable();

	u32 auxv = MIN(READ_ONCE(mm->auxv_bytes), (u32)sizeof(mm->saved_auxv));
	int nothers;
	struct core_thread *others = other_threads(&nothers);
	u64 notes = note_size(sizeof(*prs)) + note_size(sizeof(*psi)) + note_size(ARCH_FPU_SIZE) +
		    note_size(auxv) + (u64)nothers * note_size(sizeof(*prs));
	u64 hdrs = sizeof(struct elf64_ehdr) + sizeof(struct elf64_phdr) * (u64)(nv + 1);
	u64 data = ALIGN_UP(hdrs + notes, PAGE_SIZE);
	if (nv + 1 > 0xffff)
		goto out;	/* PN_XNUM: not built */

	struct elf64_ehdr eh = { .type = ET_CORE, .machine = ELF_ARCH_MACHINE, .version = 1,
				 .phoff = sizeof(eh), .ehsize = sizeof(eh),
				 .phentsize = sizeof(struct elf64_phdr), .phnum = (u16)(nv + 1) };
	memcpy(eh.ident, "\177ELF\2\1\1", 7);	/* 64-bit, little-endian, version 1 */
	emit(o, &eh, sizeof(eh));
	struct elf64_phdr ph = { .type = PT_NOTE, .offset = hdrs, .filesz = notes, .align = 4 };
	emit(o, &ph, sizeof(ph));
	u64 off = data;
	for (int i = 0; i < nv; i++) {
		ph = (struct elf64_phdr){ .type = PT_LOAD, .flags = cv[i].flags, .offset = off,
					  .vaddr = cv[i].start, .filesz = cv[i].dump,
					  .memsz = cv[i].end - cv[i].start, .align = PAGE_SIZE };
		emit(o, &ph, sizeof(ph));
		off += cv[i].dump;
	}
	emit_note(o, NT_PRSTATUS, prs, sizeof(*prs));
	emit_note(o, NT_PRPSINFO, psi, sizeof(*psi));
	emit_note(o, NT_PRFPREG, t->fpu, ARCH_FPU_SIZE);
	emit_note(o, NT_AUXV, mm->saved_auxv, auxv);	/* exec's, set before we ran */
	for (struct core_thread *c = others; c; c = c->next)	/* gdb's other threads */
		emit_note(o, NT_PRSTATUS, &c->st, sizeof(c->st));
	memset(page, 0, PAGE_SIZE);
	emit(o, page, data - o->pos);	/* to the first page boundary */

	/* the memory, a page at a time: one never touched is a hole */
	for (int i = 0; i < nv && !o->failed; i++) {
		for (u64 va = cv[i].start; va < cv[i].start + cv[i].dump && !o->failed;
		     va += PAGE_SIZE) {
			if (user_mm_read(mm, va, page, PAGE_SIZE) == PAGE_SIZE)
				emit(o, page, PAGE_SIZE);
			else
				o->pos += PAGE_SIZE;
		}
	}
	/* a hole at the end still has to be in the file's size */
	if (!o->failed && o->pos > o->end && vfs_truncate(o->f->inode, o->pos))
		o->failed = true;
	/* as Linux: a core begun (its header out) counts, even cut short by
	 * RLIMIT_CORE or a full disk; gdb calls such a file truncated */
	ok = o->written >= sizeof(eh);
out:
	kfree(cv);
	kfree(prs);
	kfree(psi);
	kfree(page);
	return ok;
}

bool coredump(int sig, const struct ksiginfo *si)
{
	struct process *p = current_proc();
	char name[CORE_NAME_MAX];
	u64 limit = rlimit(RLIMIT_CORE);

	if (limit < PAGE_SIZE || READ_ONCE(p->undumpable) || !core_name(name, sig))
		return false;
	struct core_out o = { .limit = limit, .f = core_open(name) };
	if (!o.f)
		return false;
	bool ok = write_core(&o, sig, si);
	file_put(o.f);
	return ok;
}
