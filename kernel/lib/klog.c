/*
 * The kernel log ring (see <alloy/klog.h>). printk may run anywhere (an
 * interrupt, any lock held), so the ring has its own innermost spinlock
 * and nothing here sleeps or wakes anyone: readers that wait poll.
 * Each line of a message is a record of its own; a message without a
 * final newline still ends its record, since another CPU's message may
 * come next (appending to an open record let one message's text run
 * into an unrelated one's).
 */
#include <alloy/klog.h>
#include <alloy/lockrank.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>

struct record {
	u64 ns;
	u16 len;
	u8 level;
	char text[KLOG_TEXT];
};

static spinlock_t klog_lock = SPINLOCK_INIT("klog", LR_KLOG);
static struct record ring[KLOG_RECORDS];	/* [klog_lock] */
static u64 next_seq;				/* [klog_lock] */

static struct record *slot(u64 seq)
{
	return &ring[seq % KLOG_RECORDS];
}

void klog_store(int level, u64 ns, const char *text, size_t n)
{
	unsigned long fl = spin_lock_irqsave(&klog_lock);

	while (n) {
		size_t k = 0;
		while (k < n && text[k] != '\n')
			k++;
		struct record *r = slot(next_seq++);
		r->ns = ns;
		r->level = (u8)level;
		r->len = (u16)MIN(k, (size_t)KLOG_TEXT);
		memcpy(r->text, text, r->len);
		k += k < n;	/* the newline */
		text += k;
		n -= k;
	}
	spin_unlock_irqrestore(&klog_lock, fl);
}

void klog_bounds(u64 *first, u64 *next)
{
	unsigned long fl = spin_lock_irqsave(&klog_lock);
	*next = next_seq;
	*first = next_seq > KLOG_RECORDS ? next_seq - KLOG_RECORDS : 0;
	spin_unlock_irqrestore(&klog_lock, fl);
}

bool klog_get(u64 *seq, struct klog_line *out)
{
	unsigned long fl = spin_lock_irqsave(&klog_lock);
	u64 first = next_seq > KLOG_RECORDS ? next_seq - KLOG_RECORDS : 0;
	bool ok = *seq >= first && *seq < next_seq;

	if (ok) {
		const struct record *r = slot(*seq);
		out->seq = *seq;
		out->ns = r->ns;
		out->level = r->level;
		out->len = r->len;
		memcpy(out->text, r->text, r->len);
		++*seq;
	}
	spin_unlock_irqrestore(&klog_lock, fl);
	return ok;
}
