/* First user program: raw write, stdio through writev, TLS, exit code. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static __thread int tls_counter = 40;	/* needs FS set through arch_prctl */

int main(int argc, char **argv)
{
	static const char msg[] = "hello from user space\n";

	if (write(1, msg, strlen(msg)) != (ssize_t)strlen(msg))
		return 1;
	if (argc != 2 || strcmp(argv[1], "alloy"))
		return 2;
	tls_counter += 2;
	printf("printf works: argv[1]=%s tls=%d\n", argv[1], tls_counter);
	return tls_counter;	/* 42 */
}
