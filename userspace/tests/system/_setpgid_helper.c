/*
 * _setpgid_helper FD: what setpgid_exec execs. Writes a byte to FD once
 * running, then sleeps until killed. Not a test by itself (the runner skips names starting with '_').
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int fd = atoi(argv[1]);
	if (write(fd, "r", 1) != 1)
		return 3;
	for (;;)
		pause();
}
