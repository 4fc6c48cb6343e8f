/*
 * /proc/net/dev in Linux's format: two header lines, then one line per
 * interface (lo first) of a right-aligned name and 16 counters in Linux's
 * column widths; read whole or a few bytes at a time, the text is the
 * same; /proc/net lists it.
 */
#define TEST_NAME "proc_net_dev"
#include "check.h"
#include <dirent.h>
#include <fcntl.h>

static const char head[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
	"packets errs drop fifo colls carrier compressed\n";

static size_t slurp(size_t chunk, char *buf, size_t cap)
{
	int fd = open("/proc/net/dev", O_RDONLY);
	size_t n = 0;
	ssize_t r;

	CHECK(fd >= 0);
	if (fd < 0)
		return 0;
	while (n + chunk < cap && (r = read(fd, buf + n, chunk)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	close(fd);
	return n;
}

/* One interface line; false if it is not in Linux's format. */
static bool check_line(const char *line, size_t len, char *name)
{
	unsigned long long v[16];
	char again[512];
	int used = 0;

	if (len < 8 || line[6] != ':' ||
	    sscanf(line, " %15[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
		   "%llu %llu %llu %llu %llu%n", name, &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11], &v[12], &v[13],
		   &v[14], &v[15], &used) != 17 || (size_t)used != len)
		return false;
	/* net/core/net-procfs.c's format: the widths, not just the numbers */
	snprintf(again, sizeof(again), "%6s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu "
		 "%8llu %7llu %4llu %4llu %4llu %5llu %7llu %10llu", name, v[0], v[1], v[2],
		 v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14],
		 v[15]);
	return strlen(again) == len && !memcmp(again, line, len);
}

int main(void)
{
	static char whole[65536], bytes[65536];
	size_t n = slurp(sizeof(whole) - 1, whole, sizeof(whole));
	size_t m = slurp(7, bytes, sizeof(bytes));

	CHECK(n > sizeof(head));
	CHECK(n == m && !memcmp(whole, bytes, n));
	CHECK(!strncmp(whole, head, sizeof(head) - 1));
	int lines = 0, bad = 0;
	bool lo_first = false;
	for (char *p = whole + sizeof(head) - 1, *nl; p < whole + n; p = nl + 1) {
		char name[16];
		nl = strchr(p, '\n');
		CHECK(nl);
		if (!nl)
			break;
		if (!check_line(p, (size_t)(nl - p), name)) {
			fprintf(stderr, TEST_NAME ": not Linux's format: '%.*s'\n",
				(int)(nl - p), p);
			bad++;
		} else if (lines == 0) {
			lo_first = !strcmp(name, "lo");
		}
		lines++;
	}
	CHECK(lines >= 1 && lo_first);
	CHECK(bad == 0);

	bool listed = false;
	DIR *d = opendir("/proc/net");
	struct dirent *e;
	CHECK(d);
	while (d && (e = readdir(d)))
		listed |= !strcmp(e->d_name, "dev");
	if (d)
		closedir(d);
	CHECK(listed);
	int fd = open("/proc/net/dev", O_WRONLY);
	if (fd >= 0) {		/* root may open it; nothing is written */
		CHECK(write(fd, "x", 1) < 0);
		close(fd);
	}
	printf("proc_net_dev: %d interfaces, %zu bytes\n", lines, n);
	return check_done();
}
