/*
 * Memory bring-up. Before the buddy allocator exists, page tables and the
 * mem_map array come from a bump allocator over the first usable region
 * above the kernel image and boot modules. Then every usable page, except
 * the low 1 MiB (real-mode trampoline, BIOS data), the kernel image, the
 * boot modules and what the bump allocator used, goes to the buddy.
 */
#include <alloy/boot.h>
#include <alloy/compiler.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/string.h>

#define LOW_RESERVED 0x100000ULL
#define MAX_RESERVED (BOOT_MAX_MODULES + 4)

struct range {
	u64 start, end;
};

static struct range reserved[MAX_RESERVED];
static int nr_reserved;
static u64 bump_start, bump_cur, bump_end;
static bool buddy_ready;

static void reserve(u64 start, u64 end)
{
	if (nr_reserved == MAX_RESERVED)
		panic("memmap: too many reserved ranges");
	reserved[nr_reserved++] = (struct range){ ALIGN_DOWN(start, PAGE_SIZE),
						  ALIGN_UP(end, PAGE_SIZE) };
}

static bool overlaps_reserved(u64 s, u64 e)
{
	for (int i = 0; i < nr_reserved; i++)
		if (s < reserved[i].end && reserved[i].start < e)
			return true;
	return false;
}

/* The largest usable gap in region [s,e) clear of every reserved range. */
static void pick_bump_region(void)
{
	for (int i = 0; i < boot_info.nr_mem; i++) {
		struct mem_region *r = &boot_info.mem[i];
		if (r->type != MEM_USABLE)
			continue;
		u64 s = ALIGN_UP(MAX(r->start, (u64)LOW_RESERVED), PAGE_SIZE);
		u64 e = ALIGN_DOWN(r->end, PAGE_SIZE);
		for (int j = 0; j < nr_reserved; j++)	/* start after reserved */
			if (reserved[j].start < e && reserved[j].end > s)
				s = MAX(s, reserved[j].end);
		if (s < e && !overlaps_reserved(s, e) && e - s > bump_end - bump_start) {
			bump_start = bump_cur = s;
			bump_end = e;
		}
	}
	if (bump_end - bump_start < (4ULL << 20))
		panic("memmap: no usable memory above the kernel");
}

static phys_addr_t bump_alloc(u64 bytes)
{
	u64 p = bump_cur;

	bytes = ALIGN_UP(bytes, PAGE_SIZE);
	if (bump_end - bump_cur < bytes)
		panic("memmap: early allocator exhausted (%llu bytes wanted)",
		      (unsigned long long)bytes);
	bump_cur += bytes;
	memset(phys_to_virt(p), 0, bytes);
	return p;
}

phys_addr_t early_alloc_page(void)
{
	if (buddy_ready) {
		struct page *pg = alloc_page(GFP_ZERO);
		return pg ? page_to_phys(pg) : 0;
	}
	return bump_alloc(PAGE_SIZE);
}

/* Hands [s,e) minus the reserved ranges to the buddy allocator. */
static void free_range_except_reserved(u64 s, u64 e)
{
	while (s < e) {
		bool moved = true;
		while (moved) {		/* step over reserved ranges covering s */
			moved = false;
			for (int i = 0; i < nr_reserved; i++) {
				if (reserved[i].start <= s && s < reserved[i].end) {
					s = reserved[i].end;
					moved = true;
				}
			}
		}
		if (s >= e)
			break;
		u64 cut = e;
		for (int i = 0; i < nr_reserved; i++)
			if (reserved[i].start > s && reserved[i].start < cut)
				cut = reserved[i].start;
		page_alloc_free_range(s, cut);
		s = cut;
	}
}

void mem_init(void)
{
	u64 max_phys = 0;

	reserve(0, LOW_RESERVED);
	reserve(virt_to_phys(_kernel_start), virt_to_phys(_kernel_end));
	for (int i = 0; i < boot_info.nr_mods; i++)
		reserve(boot_info.mods[i].start, boot_info.mods[i].end);
	for (int i = 0; i < boot_info.nr_mem; i++)
		if (boot_info.mem[i].type == MEM_USABLE)
			max_phys = MAX(max_phys, boot_info.mem[i].end);
	max_phys = ALIGN_DOWN(max_phys, PAGE_SIZE);

	pick_bump_region();
	paging_init();
	u64 pt_bytes = bump_cur - bump_start;

	mem_map_pfns = max_phys >> PAGE_SHIFT;
	struct page *map = phys_to_virt(bump_alloc(mem_map_pfns * sizeof(struct page)));
	for (u64 i = 0; i < mem_map_pfns; i++) {
		map[i].flags = PG_RESERVED;
		list_init(&map[i].lru);
	}
	page_alloc_init(map, mem_map_pfns);

	/* the bump allocator's region stays reserved from here on */
	bump_end = bump_cur;
	reserve(bump_start, bump_cur);
	for (int i = 0; i < boot_info.nr_mem; i++) {
		struct mem_region *r = &boot_info.mem[i];
		if (r->type == MEM_USABLE)
			free_range_except_reserved(ALIGN_UP(r->start, PAGE_SIZE),
						   ALIGN_DOWN(r->end, PAGE_SIZE));
	}
	buddy_ready = true;
	pr_info("mem: %llu MiB usable, %llu pages free, mem_map %llu KiB, "
		"early page tables %llu KiB\n",
		(unsigned long long)(boot_info.ram_bytes >> 20),
		(unsigned long long)page_alloc_free_count(),
		(unsigned long long)(mem_map_pfns * sizeof(struct page) >> 10),
		(unsigned long long)(pt_bytes >> 10));
}

/*
 * A boot module the kernel is done with (the initramfs, once unpacked:
 * its files were copied out): its pages go to the page allocator, so the
 * archive does not hold its size in RAM twice for as long as the system
 * runs. Pages it shares with another reserved range stay reserved.
 */
void mem_release_module(struct boot_module *m)
{
	u64 s = ALIGN_DOWN(m->start, PAGE_SIZE), e = ALIGN_UP(m->end, PAGE_SIZE);
	u64 before = page_alloc_free_count();

	for (int i = 0; i < nr_reserved; i++)
		if (reserved[i].start == s && reserved[i].end == e)
			reserved[i].start = reserved[i].end = 0;
	free_range_except_reserved(s, e);
	pr_info("mem: %s released after unpacking: %llu KiB back\n", m->name,
		(unsigned long long)((page_alloc_free_count() - before) * PAGE_SIZE >> 10));
	m->end = m->start;	/* nobody may look at it now */
}
