/*
 * _ttyfault: what scripts/test-tty.py runs at the console to check that a
 * terminal read into a bad buffer loses no input. The first read(0) goes
 * to an unmapped address and must fail with EFAULT; the line typed for it
 * must still be there for the next read, which prints it as
 * "ttyfault: then [LINE]". (The script types a second line too, so the
 * program ends even when the first was lost.) Not a test by itself: the
 * runner skips names starting with '_'.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char buf[256];

	printf("ttyfault: ready\n");
	fflush(stdout);
	errno = 0;
	ssize_t r = read(0, (void *)16, 100);	/* the zero page: never mapped */
	printf("ttyfault: bad read %zd errno %d%s\n", r, errno,
	       r == -1 && errno == EFAULT ? " EFAULT" : "");
	r = read(0, buf, sizeof(buf) - 1);
	if (r < 0)
		r = 0;
	buf[r] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	printf("ttyfault: then [%s]\n", buf);
	return 0;
}
