/* x86-64 page-table entry bits and the kernel's virtual regions. */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <alloy/types.h>

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)
#define PTE_G (1ULL << 8)
/* software: a PROT_NONE user page, kept but not present (uvm.c) */
#define PTE_PROTNONE (1ULL << 9)
/* software: write-protected for a userfaultfd (UVM_UFFD_WP): never PTE_W */
#define PTE_UFFD_WP (1ULL << 10)
/* the page's protection key (CR4.PKE): 4 bits, checked against PKRU */
#define PTE_PKEY_SHIFT 59
#define PTE_PKEY_MASK (0xfULL << PTE_PKEY_SHIFT)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL
#define PAGE_SIZE_4K 4096ULL

#define PML4_INDEX(va) (((va) >> 39) & 511)
#define PDPT_INDEX(va) (((va) >> 30) & 511)
#define PD_INDEX(va) (((va) >> 21) & 511)
#define PT_INDEX(va) (((va) >> 12) & 511)

/* Kernel virtual regions, each with its own PML4 slot(s) made at boot. */
#define KSTACK_REGION 0xffffc00000000000ULL	/* stacks + guard pages */
#define KSTACK_REGION_SIZE (1ULL << 39)
#define IOREMAP_REGION 0xffffd00000000000ULL
#define IOREMAP_REGION_SIZE (1ULL << 39)

extern u64 boot_pml4[512];

#endif
