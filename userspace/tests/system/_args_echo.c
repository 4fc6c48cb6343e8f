/* For exec_args: prints argc, envc, the bytes of all strings and an FNV
 * hash of them (with their NULs), so the caller can check every byte. */
#include <stdio.h>
#include <string.h>

extern char **environ;

static unsigned long long fnv(unsigned long long h, const char *s)
{
	do {
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	} while (*s++);
	return h;
}

int main(int argc, char **argv)
{
	unsigned long long h = 14695981039346656037ULL, bytes = 0;
	int envc = 0;
	for (int i = 0; i < argc; i++) {
		h = fnv(h, argv[i]);
		bytes += strlen(argv[i]) + 1;
	}
	for (char **e = environ; *e; e++, envc++) {
		h = fnv(h, *e);
		bytes += strlen(*e) + 1;
	}
	printf("%d %d %llu %llx\n", argc, envc, bytes, h);
	return 0;
}
