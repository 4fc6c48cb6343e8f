/* User address spaces: one PML4 per process sharing the kernel half. */
#ifndef ASM_UVM_H
#define ASM_UVM_H

#include <alloy/atomic.h>
#include <alloy/types.h>

struct page;

/*
 * The top of user space: nothing a program maps, and no address the
 * kernel accepts from it, reaches this (Linux's TASK_SIZE). It is the
 * last page below 2^47, not 2^47 itself, so that no instruction can end
 * exactly at the non-canonical boundary (docs/architecture.md).
 */
#define USER_TOP 0x00007ffffffff000ULL

struct arch_vm {
	u64 *pml4;		/* direct-map address */
	phys_addr_t pml4_phys;
	u64 cpus;		/* CPUs that have it loaded (TLB shootdowns) */
	/* Leaves in use (mapped, PROT_NONE too): kept by every change of
	 * a leaf below, so reading it costs nothing (RSS); hiwater is its
	 * peak (fork starts it at what the child got), ru_maxrss's. */
	atomic_long_t resident, hiwater;
};

#define UVM_READ (1u << 0)
#define UVM_WRITE (1u << 1)
#define UVM_EXEC (1u << 2)
/* A userfaultfd's write protection (UFFDIO_WRITEPROTECT): the page stays
 * read-only and a write fault goes to the userfaultfd. Kept by mprotect
 * (uvm_protect, uvm_protect_range); uvm_make_private drops it. */
#define UVM_UFFD_WP (1u << 3)
/* The memory protection key (pkey_mprotect) in bits 4-7: a VMA's prot
 * carries it, and every page-table entry made from that prot gets it
 * (bits 59-62 of the entry); uvm_lookup gives it back. 0: the default
 * key. Only meaningful when the CPU has PKU (arch_pkeys_max() > 1). */
#define UVM_PKEY_SHIFT 4
#define UVM_PKEY_MASK (0xfu << UVM_PKEY_SHIFT)
#define UVM_PKEY(k) (((unsigned int)(k) << UVM_PKEY_SHIFT) & UVM_PKEY_MASK)
#define uvm_pkey_of(prot) (((prot) & UVM_PKEY_MASK) >> UVM_PKEY_SHIFT)

int uvm_create(struct arch_vm *vm);
/* Map one user page; -EEXIST if mapped, -ENOMEM, -EINVAL outside user space. */
int uvm_map(struct arch_vm *vm, u64 va, phys_addr_t pa, unsigned int prot);
phys_addr_t uvm_lookup(struct arch_vm *vm, u64 va, unsigned int *prot);
/* Leaf pages mapped in the lower half; page-table pages of the lower
 * half and the PML4. Both cost the tables, not the address space. */
u64 uvm_count_present(struct arch_vm *vm);
u64 uvm_resident_peak(struct arch_vm *vm);
/* For the tests: the leaves counted by walking the tables, and how many
 * address spaces ended with a count that had drifted from them. */
u64 uvm_count_walk(struct arch_vm *vm);
extern long uvm_drift;
u64 uvm_count_tables(struct arch_vm *vm);
/* Remove one mapping (flushing it if vm is loaded here); the old frame or 0. */
phys_addr_t uvm_unmap(struct arch_vm *vm, u64 va);
/* Change a mapped page's permissions; -ENOENT if not mapped. */
int uvm_protect(struct arch_vm *vm, u64 va, unsigned int prot);
/*
 * Range operations: their cost follows the pages mapped, not the range's
 * size (absent subtrees are skipped). fn gets each page's frame and the
 * permissions it had; for unmap, only once no CPU's TLB can reach it, and
 * fn then owns the mapping's page reference.
 */
typedef void (*uvm_page_fn)(void *ctx, u64 va, phys_addr_t pa, unsigned int prot);
/* Unmaps every page of [start, end); with free_tables, frees the page
 * tables it empties (only when nothing else can be mapping into vm at
 * the same time: munmap and exit, under mm->lock). */
void uvm_unmap_range(struct arch_vm *vm, u64 start, u64 end, bool free_tables,
		     uvm_page_fn fn, void *ctx);
/* Sets prot on every mapped page of [start, end) (a page with other users
 * stays read-only: copy-on-write). */
void uvm_protect_range(struct arch_vm *vm, u64 start, u64 end, unsigned int prot);
/* Calls fn for every mapped page of [start, end); changes nothing. */
void uvm_visit_range(struct arch_vm *vm, u64 start, u64 end, uvm_page_fn fn, void *ctx);
/* Moves the entries of [from, from+len) to [to, to+len), where nothing is
 * mapped: all, or none and -ENOMEM (no memory for a page table). */
int uvm_move_range(struct arch_vm *vm, u64 from, u64 to, u64 len);
/* Sets (protect) or clears the userfaultfd write protection of every
 * mapped page of [start, end); a cleared page stays read-only until its
 * next write fault makes it writable again. */
void uvm_uffd_wp_range(struct arch_vm *vm, u64 start, u64 end, bool protect);
/* If va maps pa writable, makes it read-only (on every CPU): true if so. */
void uvm_wrprotect(struct arch_vm *vm, u64 va, struct page **pages, unsigned int n);
/* Unmaps and frees every user page and page table, then the PML4. */
void uvm_destroy(struct arch_vm *vm);
/* fork: dst (fresh) shares every page of src's lower half read-only. */
int uvm_fork(struct arch_vm *dst, struct arch_vm *src);
/* A write fault on a shared page: gives va its own copy (if still shared)
 * and sets prot. -ENOENT if nothing is mapped, -ENOMEM. */
int uvm_make_private(struct arch_vm *vm, u64 va, unsigned int prot);
/* Load vm's page tables on this CPU (NULL: the kernel's own). */
void uvm_activate(struct arch_vm *vm);

/* Enter user mode at rip with stack rsp; never returns. */
__attribute__((noreturn)) void arch_enter_user(u64 rip, u64 rsp);
void syscall_init_this_cpu(void);

#endif
