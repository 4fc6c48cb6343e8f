/*
 * /init of the benchmark initramfs on both kernels: prints the first
 * userspace line (boot time is measured to it) and runs /bench/init.sh.
 * A static program rather than the script itself because Alloy starts
 * pid 1 only from an ELF file (exec's #! handling is for execve).
 */
#include <unistd.h>

int main(void)
{
	static const char msg[] = "bench: userspace\n";
	char *argv[] = { "sh", "/bench/init.sh", NULL };

	if (write(1, msg, sizeof msg - 1) < 0)
		(void)0;
	execv("/bin/sh", argv);
	return 127;
}
