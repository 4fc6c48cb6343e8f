/*
 * Asynchronous I/O interfaces (kernel/aio/, docs/aio.md): Linux AIO
 * (io_setup and friends) and io_uring. Both share memory with the
 * program: rings of kernel pages that the program maps, which the kernel
 * reads and writes through its own mapping of the same pages.
 */
#ifndef ALLOY_AIO_H
#define ALLOY_AIO_H

#include <alloy/types.h>

struct page;
struct user_mm;

/* n kernel pages, zeroed, owned by one object (a context or a ring) that
 * frees them when its last reference goes; a program's mapping of them
 * holds a reference on that object (the VMA's vm_object_ops). */
struct ring_mem {
	struct page **pages;
	u32 n;
};

int ring_mem_alloc(struct ring_mem *rm, u64 bytes);
void ring_mem_free(struct ring_mem *rm);
/* The kernel's address of byte off, for an object of size bytes that does
 * not cross a page (the callers' layouts make sure); NULL past the end. */
void *ring_mem_at(const struct ring_mem *rm, u64 off, u64 size);
/* For vm_object_ops.page: page index with a reference, -EFAULT past the end. */
int ring_mem_page(const struct ring_mem *rm, u64 index, struct page **out);

/* The address space's AIO contexts go (kernel/mm/user_mm.c calls it when
 * its last user leaves, before the VMAs go): each is destroyed as
 * io_destroy would, waiting for its requests. */
void aio_exit_mm(struct user_mm *mm);

/* Copies len bytes to (write) or from another address space as its own
 * program could (the VMA's protection is obeyed); 0 or -EFAULT. */
int user_mm_copy(struct user_mm *mm, u64 va, void *buf, size_t len, bool write);

#endif
