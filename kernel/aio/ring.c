/*
 * Kernel pages shared with a program (AIO's completion ring, io_uring's
 * rings): the kernel reaches them through the direct map, the program
 * through a shared mapping whose VMA takes its pages from here.
 */
#include <alloy/aio.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/slab.h>
#include <alloy/string.h>

int ring_mem_alloc(struct ring_mem *rm, u64 bytes)
{
	u64 n = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;

	rm->pages = NULL;
	rm->n = 0;
	if (!n || n > (1u << 20))
		return -ENOMEM;
	rm->pages = kzalloc(n * sizeof(*rm->pages), GFP_KERNEL);
	if (!rm->pages)
		return -ENOMEM;
	for (u64 i = 0; i < n; i++) {
		struct page *p = alloc_page(GFP_KERNEL);
		if (!p) {
			ring_mem_free(rm);
			return -ENOMEM;
		}
		memset(page_to_virt(p), 0, PAGE_SIZE);
		rm->pages[i] = p;
		rm->n = (u32)i + 1;
	}
	return 0;
}

void ring_mem_free(struct ring_mem *rm)
{
	for (u32 i = 0; i < rm->n; i++)
		page_put(rm->pages[i]);	/* a mapping still may hold its own */
	kfree(rm->pages);
	rm->pages = NULL;
	rm->n = 0;
}

void *ring_mem_at(const struct ring_mem *rm, u64 off, u64 size)
{
	u64 idx = off / PAGE_SIZE;

	if (idx >= rm->n || off % PAGE_SIZE + size > PAGE_SIZE)
		return NULL;
	return (u8 *)page_to_virt(rm->pages[idx]) + off % PAGE_SIZE;
}

int ring_mem_page(const struct ring_mem *rm, u64 index, struct page **out)
{
	if (index >= rm->n)
		return -EFAULT;
	page_get(rm->pages[index]);
	*out = rm->pages[index];
	return 0;
}
