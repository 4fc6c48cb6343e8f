/*
 * The kernel log for programs: syslog(2) (busybox dmesg, klogctl); the
 * /dev/kmsg device is in kernel/fs/devices.c. Both read the ring of
 * <alloy/klog.h>; neither can wake on a new line (printk runs where
 * nothing may be woken), so a reader waiting for one polls every 50 ms.
 */
#include <alloy/errno.h>
#include <alloy/klog.h>
#include <alloy/printf.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/sysctl.h>
#include <alloy/uaccess.h>

#define SYSLOG_ACTION_CLOSE 0
#define SYSLOG_ACTION_OPEN 1
#define SYSLOG_ACTION_READ 2
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_READ_CLEAR 4
#define SYSLOG_ACTION_CLEAR 5
#define SYSLOG_ACTION_CONSOLE_OFF 6
#define SYSLOG_ACTION_CONSOLE_ON 7
#define SYSLOG_ACTION_CONSOLE_LEVEL 8
#define SYSLOG_ACTION_SIZE_UNREAD 9
#define SYSLOG_ACTION_SIZE_BUFFER 10

#define POLL_MS 50

static u64 read_seq;	/* SYSLOG_ACTION_READ consumed up to here */
static u64 clear_seq;	/* READ_ALL starts here (CLEAR moves it) */
static int saved_level;	/* console level before CONSOLE_OFF (0: on) */

/* "<6>[    1.234567] text\n", as syslog(2) gives it; its length. */
static size_t render_syslog(const struct klog_line *l, char *out, size_t cap)
{
	int n = snprintf(out, cap, "<%d>[%5llu.%06llu] %.*s\n", l->level,
			 l->ns / 1000000000ULL, l->ns / 1000ULL % 1000000ULL, (int)l->len, l->text);
	return n < 0 ? 0 : MIN((size_t)n, cap - 1);
}

static u64 clamp_first(u64 seq)
{
	u64 first, next;
	klog_bounds(&first, &next);
	return MAX(seq, first);
}

/* Copies lines from *seq on while they fit; bytes copied or -EFAULT. */
static long copy_lines(u64 *seq, char *ubuf, size_t len)
{
	struct klog_line l;
	char line[KLOG_TEXT + 40];
	size_t done = 0;
	u64 s = clamp_first(*seq);

	for (u64 t = s; klog_get(&t, &l);) {
		size_t n = render_syslog(&l, line, sizeof(line));
		if (done + n > len)
			break;
		if (copy_to_user(ubuf + done, line, n))
			return -EFAULT;
		done += n;
		s = t;
	}
	*seq = s;
	return (long)done;
}

static u64 unread_bytes(u64 from)
{
	struct klog_line l;
	char line[KLOG_TEXT + 40];
	u64 n = 0;

	for (u64 t = clamp_first(from); klog_get(&t, &l);)
		n += render_syslog(&l, line, sizeof(line));
	return n;
}

/* READ_ALL: the newest lines since clear_seq that fit in len. */
static long read_all(char *ubuf, size_t len)
{
	u64 first, next;
	struct klog_line l;
	char line[KLOG_TEXT + 40];

	klog_bounds(&first, &next);
	u64 start = MAX(clear_seq, first), total = 0;
	for (u64 t = start; klog_get(&t, &l);)
		total += render_syslog(&l, line, sizeof(line));
	for (u64 t = start; total > len && klog_get(&t, &l);) {
		total -= render_syslog(&l, line, sizeof(line));
		start = t;	/* drop the oldest until the rest fits */
	}
	return copy_lines(&start, ubuf, len);
}

long sys_syslog(u64 type, u64 buf, u64 len, u64 a3, u64 a4, u64 a5)
{
	(void)a3; (void)a4; (void)a5;
	/* as Linux with dmesg_restrict=0: anyone may read the whole log and
	 * ask its size; the rest (reading it away, clearing it, the console
	 * level) needs CAP_SYSLOG, which here is euid 0 */
	if (type != SYSLOG_ACTION_READ_ALL && type != SYSLOG_ACTION_SIZE_BUFFER &&
	    current_proc()->uid[1] != 0)
		return -EPERM;
	bool reads = type == SYSLOG_ACTION_READ || type == SYSLOG_ACTION_READ_ALL ||
		     type == SYSLOG_ACTION_READ_CLEAR;
	if (reads) {
		if (!buf || (s32)len < 0)
			return -EINVAL;	/* Linux's length is an int */
		len = (u32)len;
		if (!len)
			return 0;
		len = MIN(len, (u64)1 << 20);
	}
	switch (type) {
	case SYSLOG_ACTION_CLOSE:
	case SYSLOG_ACTION_OPEN:
		return 0;
	case SYSLOG_ACTION_READ: {
		u64 first, next;
		for (;;) {
			klog_bounds(&first, &next);
			if (clamp_first(read_seq) < next)
				break;
			if (signal_pending())
				return -ERESTARTSYS;
			sleep_ms(POLL_MS);
		}
		return copy_lines(&read_seq, (char *)buf, len);
	}
	case SYSLOG_ACTION_READ_ALL:
		return read_all((char *)buf, len);
	case SYSLOG_ACTION_READ_CLEAR: {
		long rc = read_all((char *)buf, len);
		if (rc >= 0) {
			u64 first;
			klog_bounds(&first, &clear_seq);
		}
		return rc;
	}
	case SYSLOG_ACTION_CLEAR: {
		u64 first;
		klog_bounds(&first, &clear_seq);
		return 0;
	}
	case SYSLOG_ACTION_CONSOLE_OFF:
		if (!saved_level)
			saved_level = printk_get_level();
		printk_set_level(LOG_ERR - 2);	/* only emergencies, as Linux */
		return 0;
	case SYSLOG_ACTION_CONSOLE_ON:
		if (saved_level)
			printk_set_level(saved_level);
		saved_level = 0;
		return 0;
	case SYSLOG_ACTION_CONSOLE_LEVEL:
		if ((s32)len < 1 || (s32)len > 8)
			return -EINVAL;
		printk_set_level((int)len);
		saved_level = 0;
		return 0;
	case SYSLOG_ACTION_SIZE_UNREAD:
		return (long)unread_bytes(read_seq);
	case SYSLOG_ACTION_SIZE_BUFFER:
		return KLOG_RECORDS * (KLOG_TEXT + 20);
	default:
		return -EINVAL;
	}
}

/* /proc/sys/kernel/printk: the console level, then Linux's defaults for
 * the default message, minimum and boot-time levels. */
static int show_printk(struct pbuf *b)
{
	return pbuf_printf(b, "%d\t4\t1\t7\n", printk_get_level());
}
SYSCTL(printk, "kernel/printk", 0444, show_printk, NULL);
