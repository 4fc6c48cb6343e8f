/*
 * A radix tree from page index to struct page: the data pages of a memory
 * file (and later the page cache). Nodes are single pages of 512 slots, so
 * a 1 GiB file costs 513 pages of index and no large allocation. Callers
 * serialise changes (the inode's lock); lookups need the same lock.
 */
#ifndef ALLOY_PAGE_TREE_H
#define ALLOY_PAGE_TREE_H

#include <alloy/types.h>

struct page;

struct page_tree {
	void **root;		/* NULL when empty */
	unsigned int height;	/* levels; index < 512^height */
	u64 nr_pages;		/* pages stored */
};

struct page *page_tree_lookup(const struct page_tree *t, u64 index);
/* Stores p at index: 0, -EEXIST if occupied, -ENOMEM for index nodes. */
int page_tree_insert(struct page_tree *t, u64 index, struct page *p);
/* Removes every page at index >= from, passing each to put(); frees the
 * index nodes that become empty. from = 0 empties the tree. */
/* The first page at an index >= *index, which is updated; NULL if none. */
struct page *page_tree_next(const struct page_tree *t, u64 *index);
/* Takes the page at index out of the tree (index nodes stay until a
 * truncate); NULL if there was none. */
struct page *page_tree_remove(struct page_tree *t, u64 index);
void page_tree_truncate(struct page_tree *t, u64 from, void (*put)(struct page *));

#endif
