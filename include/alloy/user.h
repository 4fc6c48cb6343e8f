/*
 * User programs: address spaces, loading an ELF image, and user tasks.
 * (The first slice of issue 4: one thread per process, no fork yet.)
 */
#ifndef ALLOY_USER_H
#define ALLOY_USER_H

#include <alloy/atomic.h>
#include <alloy/compiler.h>
#include <alloy/types.h>
#include <alloy/mutex.h>
#include <alloy/rwsem.h>
#include <asm/uvm.h>

struct task;
struct uffd_ctx;

/* A range of the address space with one set of permissions. */
/*
 * What a file-backed VMA maps, without mm/ knowing about files: the
 * object (an open file, referenced) hands out its cached pages
 * (kernel/fs/mmap.c implements it for files).
 */
struct page;

struct vm_object_ops {
	void (*get)(void *obj);
	void (*put)(void *obj);
	/* Page `index` of the object with a reference; -EFAULT past its end.
	 * shared_write: a shared mapping will write it (storage is reserved). */
	int (*page)(void *obj, u64 index, bool shared_write, struct page **out);
	/* A shared mapping may have written p: it must reach the storage. */
	void (*dirty)(void *obj, struct page *p);
	/* msync(MS_SYNC): write the object back now (no mm->lock held). */
	int (*sync)(void *obj);
	/* Who maps the object (truncate and write-back walk it); may be NULL. */
	struct vm_rmap *(*rmap)(void *obj);
	/* For /proc/<pid>/maps (may be NULL): the object's path, device and
	 * inode number. Called with no mm->lock held: naming takes the file
	 * system's namespace locks. */
	void (*describe)(void *obj, char *path, size_t cap, u32 *dev, u64 *ino);
	/* For mincore (may be NULL): page index of the object is in memory,
	 * mapped here or not. Called with mm->lock held: takes no lock above
	 * it and does no I/O. */
	bool (*resident)(void *obj, u64 index);
};

struct vma {
	u64 start, end;		/* [start, end), page-aligned */
	u32 prot;		/* UVM_READ | UVM_WRITE | UVM_EXEC */
	u32 kind;		/* VMA_* */
	const struct vm_object_ops *ops;	/* file-backed: the file's pages */
	void *obj;		/* holds a reference (ops->get) */
	u64 pgoff;		/* object page mapped at start */
	bool shared;		/* MAP_SHARED: writes go to the object */
	bool filled;		/* exec filled its pages (a segment's edges, its
				 * bss): faults get zeroed pages; the object
				 * only names it (/proc/<pid>/maps) */
	u32 may;		/* VMA_MAY_*: what mprotect may ever allow */
	u32 lock;		/* VMA_LOCKED (| VMA_LOCKONFAULT): mlock */
	u32 flags;		/* VMA_F_* */
	/* Registered with a userfaultfd (kernel/mm/userfaultfd.c): faults
	 * of uffd_mode's kinds (UFFD_VMA_*) go to it. Not a reference: the
	 * context clears every VMA pointing to it under mm->lock (write)
	 * before it can go, so it is valid while mm->lock is held. fork
	 * and mremap's move do not pass it on. */
	struct uffd_ctx *uffd;
	u32 uffd_mode;
};
/* An absent page of v reads as zeros: anonymous (or exec's zero-filled
 * edges), never touched or dropped, and no userfaultfd to ask. A remote
 * reader (/proc/<pid>/mem, process_vm_readv) copies zeros instead of
 * faulting a page in, as Linux reads its zero page. */
static inline bool vma_absent_reads_zero(const struct vma *v)
{
	return (!v->ops || v->filled) && !v->uffd && (v->prot & UVM_READ);
}

#define UFFD_VMA_MISSING (1u << 0)	/* a missing page: UFFDIO_REGISTER_MODE_MISSING */
#define UFFD_VMA_WP (1u << 1)		/* a write to a protected page: _MODE_WP */

/* VMA_F_NOREAD: the program asked for write or exec access without read
 * (PROT_WRITE alone); x86 page tables cannot refuse reads, so the pages
 * are readable, but /proc/<pid>/maps shows what was asked, as Linux.
 * VMA_F_GROWSDOWN: MAP_GROWSDOWN, a fault in the free range just below
 * grows the VMA down (kernel/mm/fault.c), keeping a guard gap above the
 * mapping under it.
 * VMA_F_WIPEONFORK: MADV_WIPEONFORK, a child gets the range empty (reads
 * as zeros). */
#define VMA_F_NOREAD (1u << 0)
#define VMA_F_GROWSDOWN (1u << 1)
#define VMA_F_WIPEONFORK (1u << 2)
#define VMA_F_DONTDUMP (1u << 3)	/* MADV_DONTDUMP: not in a core dump */
/* A hugetlbfs file's mapping (MAP_HUGETLB, SHM_HUGETLB, MFD_HUGETLB):
 * starts, ends and is split only at 2 MiB boundaries (vma_huge_split_ok) */
#define VMA_F_HUGETLB (1u << 4)
/* Linux's stack_guard_gap: 256 pages kept free below a growing VMA */
#define VMA_GUARD_GAP (256ULL * 4096)

/* mlock (Linux's VM_LOCKED, VM_LOCKONFAULT): the pages stay resident
 * once faulted in (mapped pages are never reclaimed: the page cache
 * evicts only pages no mapping holds); LOCKONFAULT does not fault them
 * in first. fork does not pass them on. */
#define VMA_LOCKED (1u << 0)
#define VMA_LOCKONFAULT (1u << 1)

/* Rights fixed at mmap (Linux's VM_MAY*): a shared mapping of a file
 * opened read-only, or on a read-only mount, may never be made writable. */
#define VMA_MAY_READ (1u << 0)
#define VMA_MAY_WRITE (1u << 1)
#define VMA_MAY_EXEC (1u << 2)
#define VMA_MAY_SHARE (1u << 3)
#define VMA_MAY_ALL (VMA_MAY_READ | VMA_MAY_WRITE | VMA_MAY_EXEC)

#define VMA_ANON 0
#define VMA_IMAGE 1
#define VMA_STACK 2
#define VMA_HEAP 3
#define VMA_FILE 4
#define VMA_VDSO 5	/* arch_vdso_map: the vDSO's code */
#define VMA_VVAR 6	/* and its data page */

#define USER_STACK_MAX (8ULL << 20)	/* RLIMIT_STACK */
#define USER_STACK_GAP (1ULL << 20)	/* never mapped below the stack */
#define USER_MMAP_TOP (USER_TOP - USER_STACK_MAX - USER_STACK_GAP)
#define USER_MMAP_BOTTOM 0x10000ULL

struct user_mm {
	struct arch_vm vm;
	atomic_t users;		/* the task's, plus readers such as /proc */
	atomic_t refs;		/* the structure itself: 1 for all users, plus
				 * reverse-map walks (user_mm_grab) */
	/*
	 * lock: the VMAs, brk and the lower half's page tables. Page faults
	 * and lookups that change no VMA hold it for reading, so the threads
	 * of a process fault in parallel; anything that changes VMAs or
	 * removes or write-protects entries holds it for writing.
	 * pt_lock: with lock held for reading, page-table entries are added
	 * or replaced (fault, copy-on-write) and looked-up frames used
	 * (futex words, user_mm_read) only under it. Taken after lock.
	 */
	struct rwsem lock;
	struct mutex pt_lock;
	/* built by a set-ID exec, or from a program its runner may execute
	 * but not read; the new IDs (and undumpable) commit only after the
	 * address space is in place, so process_vm_* and /proc/<pid>/mem and
	 * auxv refuse it to non-root: a check made on the old IDs never
	 * reaches the privileged or unreadable image */
	bool setid;
	struct vma *vmas;	/* sorted by start, non-overlapping */
	int nr_vmas, cap;
	u64 brk_start, brk;	/* the program break, above the image */
	/* Set by exec, at random unless `norandmaps`: the stack's top (it
	 * grows down to stack_top - USER_STACK_MAX at most) and the top of
	 * the area mmap fills downwards (below the stack and its gap). */
	u64 stack_top, mmap_top;
	/* the program's own image, set by exec before it runs: [exe_start,
	 * exe_end) holds its segments, loaded at their ELF addresses plus
	 * exe_bias (0 for a fixed-address program); the profiler reads them
	 * from the interrupted task's own mm, without a lock */
	u64 exe_start, exe_end, exe_bias;
	u64 vdso_start, vdso_end;	/* the vDSO's text as exec mapped it, or 0 */
	u64 arg_start, arg_end;	/* argv strings on the stack, set by exec */
	u64 env_start, env_end;	/* envp strings */
	u32 def_lock;		/* mlockall(MCL_FUTURE): new VMAs' lock */
	/* protection keys allocated (pkey_alloc), bit n for key n; key 0
	 * from the start. Under lock (write); fork copies it, exec starts
	 * over. A key's rights are each thread's (PKRU), not the mm's. */
	u16 pkeys;
	/* the auxiliary vector exec gave the program (a core's NT_AUXV),
	 * as Linux's saved_auxv: kept here, not read back from the stack */
	u64 saved_auxv[48];
	u32 auxv_bytes;
};

/* VMAs (kernel/mm/vma.c); callers hold mm->lock. */
/* Sets the lock flags of [start, end) (split off at its ends): -ENOMEM
 * if part of it is not mapped, before anything changes. */
int vma_set_lock(struct user_mm *mm, u64 start, u64 end, u32 lock);
/* Bytes in locked VMAs outside [start, end); bytes mapped at all. */
u64 vma_locked_bytes(struct user_mm *mm, u64 start, u64 end);
u64 vma_mapped_bytes(struct user_mm *mm);
struct vma *vma_find(struct user_mm *mm, u64 addr);
bool vma_range_free(struct user_mm *mm, u64 start, u64 end);
int vma_add(struct user_mm *mm, u64 start, u64 end, u32 prot, u32 kind);
/* A file-backed VMA (takes a new reference on obj); may: VMA_MAY_*. */
int vma_add_object(struct user_mm *mm, u64 start, u64 end, u32 prot,
		   const struct vm_object_ops *ops, void *obj, u64 pgoff, bool shared,
		   u32 may);
/* Pages of an executable's segment that exec fills itself, named after
 * the file (a reference on obj, private, pgoff as if mapped from it). */
int vma_add_filled(struct user_mm *mm, u64 start, u64 end, u32 prot,
		   const struct vm_object_ops *ops, void *obj, u64 pgoff);
/* Room for n more VMAs, so the changes that follow cannot fail for want
 * of a slot (MAP_FIXED, mremap); -ENOMEM at the limit. */
int vma_reserve(struct user_mm *mm, int n);
/* msync: pages written through shared mappings in [start, end) are
 * marked dirty in their objects; -ENOMEM for a hole. */
int vma_sync(struct user_mm *mm, u64 start, u64 end);
/* The first shared object VMA that ends above start and starts below end
 * (msync(MS_SYNC) writes each back with mm->lock dropped). */
const struct vma *vma_next_shared_object(struct user_mm *mm, u64 start, u64 end);
/* A VMA takes (or lets go of) its object: a reference and a place in the
 * object's reverse map. */
struct vm_rmap;
int vma_hold_object(struct user_mm *mm, const struct vma *v);
/* A place in obj's reverse map held ahead (MAP_FIXED: so that adding the
 * new VMA after the old ones went cannot fail), and let go after. */
int vma_pin_object(struct user_mm *mm, const struct vm_object_ops *ops, void *obj, bool shared);
void vma_unpin_object(struct user_mm *mm, const struct vm_object_ops *ops, void *obj,
		      bool shared);
void vma_release_object(struct user_mm *mm, const struct vma *v);
/* Reverse-map work on one address space (mm->lock held, <alloy/rmap.h>):
 * unmap object pages [from, to) / write-protect page index (frame p). */
void vma_unmap_object(struct user_mm *mm, struct vm_rmap *r, u64 from, u64 to);
void vma_wrprotect_object(struct user_mm *mm, struct vm_rmap *r, u64 index,
			  struct page **pages, unsigned int n);
/* Whether [start, end) cuts no VMA_F_HUGETLB VMA inside a huge page
 * (Linux's hugetlb_vm_op_split: munmap, mprotect, mremap, MAP_FIXED
 * over it are -EINVAL otherwise). */
bool vma_huge_split_ok(struct user_mm *mm, u64 start, u64 end);
/* Removes [start, end) from every VMA, freeing its pages. */
int vma_unmap(struct user_mm *mm, u64 start, u64 end);
/* Sets prot on [start, end) (flags: VMA_F_NOREAD or 0); -ENOMEM unless
 * VMAs cover all of it, -EACCES (nothing changed) if a VMA may not take it.
 * pkey: the protection key the VMAs get, or -1 to keep each one's. */
int vma_protect(struct user_mm *mm, u64 start, u64 end, u32 prot, u32 flags, int pkey);
/* Sets (set) and clears (clear) VMA_F_* flags on [start, end), split off
 * at its ends; -ENOMEM (nothing changed) unless VMAs cover all of it. */
int vma_set_flags(struct user_mm *mm, u64 start, u64 end, u32 set, u32 clear);
/* Sets the userfaultfd registration of every VMA in [start, end), split
 * off at its ends (holes are skipped); -ENOMEM if a split cannot be had. */
int vma_set_uffd(struct user_mm *mm, u64 start, u64 end, struct uffd_ctx *ctx, u32 mode);
/* Pages mapped now in [start, end) (takes mm->pt_lock). */
u64 vma_present_pages(struct user_mm *mm, u64 start, u64 end);
/* The index of the first VMA that ends above addr (nr_vmas if none). */
int vma_index_above(struct user_mm *mm, u64 addr);
/* After fork: the child's pages of its VMA_F_WIPEONFORK ranges go. */
void vma_wipe_on_fork(struct user_mm *mm);
/* Frees the pages of [start, end) but keeps the VMAs, so the range reads
 * as zeros again (MADV_DONTNEED); -ENOMEM unless VMAs cover all of it. */
int vma_zap(struct user_mm *mm, u64 start, u64 end);
/* Moves the mapped pages of [from, from+len) to [to, to+len), a fresh
 * range (mremap): all or nothing, -ENOMEM with nothing moved. */
int vma_move_pages(struct user_mm *mm, u64 from, u64 to, u64 len);
/* Highest free range of len bytes below mm->mmap_top, 0 if none. */
u64 vma_find_free(struct user_mm *mm, u64 len);
/* Replaces the u32 at user address uaddr by fn(arg, old) atomically
 * (faulting the page in writable first); *old gets the value it had.
 * -EFAULT if it cannot be written. */
int user_atomic_update(struct user_mm *mm, u64 uaddr, u32 (*fn)(u32 arg, u32 old), u32 arg,
		       u32 *old);

/* A page fault at addr in a user address space: 0 if it was resolved
 * (retry), else the signal to send (SIGSEGV; SIGKILL when out of memory). */
int user_page_fault(struct user_mm *mm, u64 addr, bool write, bool exec);
/* The same for a fault the CPU took in user mode (user) or in a uaccess
 * copy: a userfaultfd treats them differently (UFFD_USER_MODE_ONLY, and
 * a signal ends a kernel-mode wait with SIGBUS, so the copy fails). */
int user_page_fault_from(struct user_mm *mm, u64 addr, bool write, bool exec, bool user);
/* The protection key of the VMA at addr (0 if none): a fault the CPU
 * says a key denied (SEGV_PKUERR's si_pkey). */
int user_fault_pkey(struct user_mm *mm, u64 addr);
/* A reference on mm's address space unless its last user is gone. */
bool user_mm_tryget(struct user_mm *mm);

/* Where an executable's bytes come from: read_at, bounded by size. */
struct exec_source {
	void *ctx;
	long (*read_at)(void *ctx, void *buf, size_t len, u64 off);
	u64 size;
	const char *name;
	/* If set, whole pages of the segments are mapped from the object
	 * (the file's page cache) on demand instead of read in. */
	const struct vm_object_ops *obj_ops;
	void *obj;
	/* Opens a file the image names (its PT_INTERP) as another source,
	 * which close lets go of; -ENOENT if there is none. */
	int (*open)(const char *path, struct exec_source *out);
	void (*close)(struct exec_source *s);
};

struct user_mm *user_mm_create(void);
/* Drops a reference; the last one frees the address space. */
void user_mm_put(struct user_mm *mm);
/* Pins the structure (not the address space): a reverse-map walk may
 * lock it and finds it empty if its last user has gone meanwhile. */
void user_mm_grab(struct user_mm *mm);
void user_mm_drop(struct user_mm *mm);
/* The address space t runs in, with a reference; NULL if none (a kernel
 * thread, or exited). task->lock orders it against task_set_mm. */
struct user_mm *task_mm_get(struct task *t);
/* Replaces t->mm (under task->lock); returns the old one to destroy. */
struct user_mm *task_set_mm(struct task *t, struct user_mm *mm);
/* Copies out of mapped pages of another address space (mm->lock taken),
 * stopping at an unmapped page; returns the bytes copied. */
size_t user_mm_read(struct user_mm *mm, u64 va, void *dst, size_t len);
/* Pages mapped (resident), for /proc; mm->lock held. */
u64 user_mm_resident(struct user_mm *mm);
/* Its peak since it was made (a fork's: since then, from what it got). */
u64 user_mm_resident_peak(struct user_mm *mm);
/* Page-table pages; mm->lock held. */
u64 user_mm_tables(struct user_mm *mm);
/* fork: a copy sharing every page copy-on-write; NULL on OOM. */
struct user_mm *user_mm_fork(struct user_mm *src);
/* Maps fresh zeroed pages over [va, va+len) where nothing is mapped yet. */
int user_mm_map_zero(struct user_mm *mm, u64 va, u64 len, unsigned int prot);
/* Copies into mapped user pages through the kernel's own mapping. */
int user_mm_write(struct user_mm *mm, u64 va, const void *src, size_t len);
/* Reads or writes another address space, faulting pages in as its
 * program's own access would; the bytes done: short at a hole or a
 * refused page. force (ptrace's PEEK/POKE, /proc/<pid>/mem; Linux's
 * FOLL_FORCE): the mapping's protection is not asked, and a write to a
 * read-only private page (text) goes to a private copy, never to a shared
 * or cached page. Without it (process_vm, aio) the protection rules. */
size_t user_mm_access(struct user_mm *mm, u64 va, void *buf, size_t len, bool write,
		      bool force);

/*
 * A new program's argv and envp. A program's own strings stay in its
 * memory (uargv/uenvp) and are copied straight into the new stack, a
 * chunk at a time, so no kernel buffer grows with them; the kernel's own
 * (a script's interpreter line, the first program's vectors) are kernel
 * strings. argv is prefix[] followed by the vector from entry `skip` on.
 * Limits are Linux's: each string at most EXEC_STRING_MAX bytes, strings
 * and pointers together at most EXEC_ARGS_MAX (RLIMIT_STACK / 4).
 */
#define EXEC_PREFIX_MAX 9
#define EXEC_STRING_MAX (128 * 1024ULL)	/* MAX_ARG_STRLEN */
#define EXEC_ARGS_MAX (USER_STACK_MAX / 4)
struct exec_args {
	const char *prefix[EXEC_PREFIX_MAX];
	int nprefix;
	const char *const *kargv, *const *kenvp;	/* kernel vectors, or */
	u64 uargv, uenvp;				/* the caller's */
	u64 skip;
	u32 uid, euid, gid, egid;	/* for the auxv (execve: the new IDs) */
	bool secure;			/* AT_SECURE: set-ID program */
	/* exec_args_count fills these */
	u64 argc, envc, argbytes, envbytes;
};
/* Counts and measures the strings: 0, -E2BIG past the limits, -EFAULT. */
int exec_args_count(struct exec_args *a);

/* Maps the image and builds the initial stack (SysV ABI); a counted. */
int exec_load(struct user_mm *mm, const struct exec_source *src,
	      const struct exec_args *a, u64 *entry, u64 *sp);

/* execveat: the program at path under base (NULL: the cwd), or with ""
 * base's own file (file: an open file with no name, such as a memfd);
 * name is what the program is told it is. */
struct path;
struct file;
long execve_at(const struct path *base, struct file *file, const char *path, const char *name,
	       int at_flags, u64 uargv, u64 uenvp);

/* Starts a user task running src; NULL if it cannot. Caller holds a ref. */
struct task *user_spawn(const struct exec_source *src, const char *const argv[],
			const char *const envp[]);
/* The same for a program in the file system. */
struct task *user_spawn_path(const char *path, const char *const argv[],
			     const char *const envp[]);
/* Linux wait status of an exited user task: code << 8, or the signal. */
int task_exit_status(const struct task *t);
__noreturn void user_exit(int wait_status);
/* A fault in user mode: kill the task with `signal`, saying why. */
/* A fault in user mode: queues `signal` (forced) for the return to user
 * mode, where a handler may catch it or the default action kills. */
void user_fault(int signal, int code, u64 addr, u64 ip, const char *what);
/* SIGSEGV with SEGV_PKUERR: protection key pkey denied the access at addr. */
void user_fault_pkey_denied(u64 addr, u64 ip, int pkey);
/* Core dumps (kernel/exec/coredump.c): does sig's default action dump
 * core; and writing current's core for sig (the other threads gone):
 * true if a whole core file was written. */
bool signal_dumps_core(int sig);
struct ksiginfo;
bool coredump(int sig, const struct ksiginfo *si);
/* A thread ended by another's core dump (die_by, before it leaves the
 * group): its registers for the core. The dumper's end of it: the records
 * go (whether or not a core was written). */
void coredump_thread_exit(void);
void coredump_done(void);
/* /proc/<pid>/coredump_filter: Linux's bits, 0x33 at boot; only these
 * nine mean something (the rest are refused as Linux ignores them). */
#define COREDUMP_FILTER_DEFAULT 0x33u
#define COREDUMP_FILTER_MASK 0x1ffu

#endif
