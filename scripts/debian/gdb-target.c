/*
 * gdb's target on the Debian test root (scripts/debian/programs.sh, case
 * gdb): built with -g -O0 by scripts/debian/build.sh. gdb stops at main,
 * steps over two lines and prints x (42), then lets it finish.
 */
#include <stdio.h>

int main(void)
{
	int x = 41;
	x++;
	printf("x=%d\n", x);
	return 0;
}
