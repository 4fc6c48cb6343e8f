/* A static musl C program: an ELF parser test vector (tests/vectors/elf). */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from %s (%d args)\n", argc > 0 ? argv[0] : "?", argc);
	return 0;
}
