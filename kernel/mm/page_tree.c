/*
 * Radix tree of pages (see <alloy/page_tree.h>). Each level resolves 9
 * bits of the index; the tree grows a level on top when an index does not
 * fit, and truncation frees nodes bottom-up as they empty.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/page_tree.h>

#define SLOTS 512
#define SHIFT 9

static void **node_alloc(void)
{
	struct page *p = alloc_page(GFP_ZERO);

	return p ? page_to_virt(p) : NULL;
}

static void node_free(void **n)
{
	free_page(virt_to_page(n));
}

static unsigned int slot(u64 index, unsigned int level)
{
	return (unsigned int)(index >> (SHIFT * level)) & (SLOTS - 1);
}

static bool fits(const struct page_tree *t, u64 index)
{
	return t->height && (t->height * SHIFT >= 64 || index >> (t->height * SHIFT) == 0);
}

struct page *page_tree_lookup(const struct page_tree *t, u64 index)
{
	void **n = t->root;

	if (!fits(t, index))
		return NULL;
	for (unsigned int lvl = t->height - 1; n && lvl > 0; lvl--)
		n = n[slot(index, lvl)];
	return n ? n[slot(index, 0)] : NULL;
}

int page_tree_insert(struct page_tree *t, u64 index, struct page *p)
{
	while (!fits(t, index)) {
		if (t->root) {
			void **top = node_alloc();
			if (!top)
				return -ENOMEM;
			top[0] = t->root;	/* the old tree covers index 0.. */
			t->root = top;
		}
		t->height++;
	}
	void ***where = &t->root;
	for (unsigned int lvl = t->height - 1;; lvl--) {
		if (!*where && !(*where = node_alloc()))
			return -ENOMEM;
		if (!lvl)
			break;
		where = (void ***)&(*where)[slot(index, lvl)];
	}
	void **leaf = *where;
	if (leaf[slot(index, 0)])
		return -EEXIST;
	leaf[slot(index, 0)] = p;
	t->nr_pages++;
	return 0;
}

/* Empties the part of node n (at level lvl, covering base..) at or above
 * from; returns true if the node is now empty and was freed. */
static bool trunc_node(struct page_tree *t, void **n, unsigned int lvl, u64 base,
		       u64 from, void (*put)(struct page *))
{
	bool empty = true;
	u64 span = lvl * SHIFT >= 64 ? ~0ULL : 1ULL << (lvl * SHIFT);

	for (unsigned int i = 0; i < SLOTS; i++) {
		u64 lo = base + i * span;
		if (!n[i])
			continue;
		if (lvl == 0 ? lo < from : lo + span <= from) {
			empty = false;
			continue;
		}
		if (lvl == 0) {
			put(n[i]);
			t->nr_pages--;
			n[i] = NULL;
		} else if (trunc_node(t, n[i], lvl - 1, lo, from, put)) {
			n[i] = NULL;
		} else {
			empty = false;
		}
	}
	if (empty)
		node_free(n);
	return empty;
}

void page_tree_truncate(struct page_tree *t, u64 from, void (*put)(struct page *))
{
	if (!t->root)
		return;
	if (trunc_node(t, t->root, t->height - 1, 0, from, put)) {
		t->root = NULL;
		t->height = 0;
	}
}

/* The first page at an index >= *index below node n (level lvl, covering
 * base..); *index is set to where it is. */
static struct page *next_in(void **n, unsigned int lvl, u64 base, u64 *index)
{
	u64 span = lvl * SHIFT >= 64 ? ~0ULL : 1ULL << (lvl * SHIFT);
	unsigned int i = *index > base ? slot(*index, lvl) : 0;

	for (; i < SLOTS; i++) {
		u64 lo = base + i * span;
		if (!n[i])
			continue;
		if (lvl == 0) {
			*index = lo;
			return n[i];
		}
		if (lo > *index)
			*index = lo;
		struct page *p = next_in(n[i], lvl - 1, lo, index);
		if (p)
			return p;
	}
	return NULL;
}

struct page *page_tree_next(const struct page_tree *t, u64 *index)
{
	if (!t->root || (t->height * SHIFT < 64 && *index >> (t->height * SHIFT)))
		return NULL;
	return next_in(t->root, t->height - 1, 0, index);
}

struct page *page_tree_remove(struct page_tree *t, u64 index)
{
	void **n = t->root;

	if (!fits(t, index))
		return NULL;
	for (unsigned int lvl = t->height - 1; n && lvl > 0; lvl--)
		n = n[slot(index, lvl)];
	if (!n || !n[slot(index, 0)])
		return NULL;
	struct page *p = n[slot(index, 0)];
	n[slot(index, 0)] = NULL;
	t->nr_pages--;
	return p;
}
