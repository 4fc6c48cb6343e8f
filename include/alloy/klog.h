/*
 * The kernel log: a bounded ring of the last KLOG_RECORDS lines printk
 * produced, at every level, whatever reached the console. Read through
 * syslog(2) (busybox dmesg) and /dev/kmsg. Oldest lines are overwritten.
 */
#ifndef ALLOY_KLOG_H
#define ALLOY_KLOG_H

#include <alloy/types.h>

#define KLOG_RECORDS 512
#define KLOG_TEXT 200		/* longer lines are cut in the log (not on the console) */

/* printk's side: text (n bytes, may hold several lines or part of one). */
void klog_store(int level, u64 ns, const char *text, size_t n);

/* One line rendered for a reader; false if seq is not in the ring (yet
 * or any more). *seq moves to the next line. */
struct klog_line {
	u64 seq, ns;
	int level;
	size_t len;
	char text[KLOG_TEXT];
};
bool klog_get(u64 *seq, struct klog_line *out);
/* The oldest sequence number still kept, and the next one to be written. */
void klog_bounds(u64 *first, u64 *next);

#endif
