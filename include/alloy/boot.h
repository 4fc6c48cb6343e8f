/*
 * What the boot loader told us, copied out of the loader's structures
 * before anything can overwrite them (kernel/arch/x86_64/multiboot.c).
 */
#ifndef ALLOY_BOOT_H
#define ALLOY_BOOT_H

#include <alloy/types.h>

#define MEM_USABLE 1
#define MEM_RESERVED 2
#define MEM_ACPI 3
#define MEM_NVS 4
#define MEM_BAD 5

#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 16

struct mem_region {
	u64 start, end;		/* [start, end) physical */
	u32 type;
};

struct boot_module {
	u64 start, end;
	char name[64];
};

struct boot_info {
	struct mem_region mem[BOOT_MAX_REGIONS];
	int nr_mem;
	struct boot_module mods[BOOT_MAX_MODULES];
	int nr_mods;
	char cmdline[1024];
	u64 ram_bytes;		/* usable RAM */
};

extern struct boot_info boot_info;

/* Parses the loader's information; returns 0 or -EINVAL. */
int multiboot_parse(u32 magic, u32 info_phys);

/* Memory bring-up: direct map, mem_map, page allocator (kernel/mm/memmap.c). */
void mem_init(void);
/* Gives a boot module's pages to the page allocator (kernel/mm/memmap.c). */
void mem_release_module(struct boot_module *m);
/* One zeroed page for page tables before and after the buddy is up. */
phys_addr_t early_alloc_page(void);

/* Kernel image bounds from the linker script. */
extern char _kernel_start[], _kernel_end[], _text_start[], _text_end[];
extern char _rodata_start[], _rodata_end[], _data_start[], _bss_end[];

/* Architecture paging setup, given the regions to direct-map. */
void paging_init(void);
void paging_drop_identity(void);

#endif
