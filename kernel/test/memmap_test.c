/*
 * Boot memory: the low 1 MiB, the kernel image and the boot modules are
 * never handed out. The test takes every free page and checks each one,
 * and checks that a boot module's contents survived.
 */
#include <alloy/boot.h>
#include <alloy/ktest.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/string.h>

#define MODULE_MAGIC "alloy-test-module"
#define MODULE_FILE "ktest-module.bin"

static bool forbidden(phys_addr_t pa)
{
	if (pa < 0x100000)
		return true;
	if (pa >= virt_to_phys(_kernel_start) && pa < virt_to_phys(_kernel_end))
		return true;
	for (int i = 0; i < boot_info.nr_mods; i++)
		if (pa + PAGE_SIZE > boot_info.mods[i].start && pa < boot_info.mods[i].end)
			return true;
	return false;
}

KTEST(memmap_reserved_never_allocated)
{
	void *head = NULL;
	u64 taken = 0, bad = 0, before = page_alloc_free_count();

	for (;;) {	/* chain every free page through its first word */
		struct page *pg = alloc_page(0);
		if (!pg)
			break;
		bad += forbidden(page_to_phys(pg));
		*(void **)page_to_virt(pg) = head;
		head = page_to_virt(pg);
		taken++;
	}
	while (head) {
		void *next = *(void **)head;
		free_page(virt_to_page(head));
		head = next;
	}
	pr_info("memmap: took %llu pages, %llu in reserved ranges, %d modules\n",
		taken, bad, boot_info.nr_mods);
	KT_EXPECT(taken + 64 >= before);	/* slab/stack users may hold a few */
	KT_EXPECT(bad == 0);
	KT_EXPECT(page_alloc_free_count() == before);
	for (u64 pa = virt_to_phys(_kernel_start); pa < virt_to_phys(_kernel_end);
	     pa += PAGE_SIZE)
		KT_EXPECT(pfn_to_page(pa >> PAGE_SHIFT)->flags & PG_RESERVED);
}

/*
 * The module make test-ktest passes (build/ktest-module.bin), found by its
 * name: `make run` passes the root filesystem as its only module, which is
 * no reason to fail, while a module of the right name whose bytes changed
 * must fail rather than be taken for an absent one.
 */
static const struct boot_module *test_module(void)
{
	size_t n = strlen(MODULE_FILE);

	for (int i = 0; i < boot_info.nr_mods; i++) {
		const char *name = boot_info.mods[i].name;
		size_t len = strlen(name);
		if (len >= n && !strcmp(name + len - n, MODULE_FILE) &&
		    (len == n || name[len - n - 1] == '/'))
			return &boot_info.mods[i];
	}
	return NULL;
}

KTEST(memmap_boot_module_intact)
{
	const struct boot_module *m = test_module();

	if (!m) {
		ktest_skip("no '" MODULE_FILE "' boot module");
		return;
	}
	const char *p = phys_to_virt(m->start);
	size_t len = strlen(MODULE_MAGIC);

	KT_ASSERT(m->end - m->start >= 2 * len);
	KT_EXPECT(!memcmp(p, MODULE_MAGIC, len));
	KT_EXPECT(!memcmp(p + (m->end - m->start) - len, MODULE_MAGIC, len));
}
