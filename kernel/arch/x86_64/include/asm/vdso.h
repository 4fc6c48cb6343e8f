/*
 * The vDSO's data page ([vvar]), shared by the kernel (vdso.c, which
 * writes it) and the vDSO (vdso/vdso.c, which reads it in user mode).
 * Only plain C types: the vDSO is built without the kernel's headers.
 *
 * The kernel writes under a sequence count (odd while it writes); a
 * reader retries until it saw the same even count before and after.
 */
#ifndef ASM_VDSO_H
#define ASM_VDSO_H

#define VDSO_CLOCK_NONE 0	/* the vDSO asks the kernel (system call) */
#define VDSO_CLOCK_TSC 1	/* ns = (tsc - tsc_base) * tsc_mult >> 32, as ktime_ns() */

#define VDSO_GETCPU_SYSCALL 0
#define VDSO_GETCPU_RDTSCP 1	/* IA32_TSC_AUX = node << 12 | cpu on every CPU */
#define VDSO_GETCPU_RDPID 2

struct vdso_data {
	unsigned int seq;
	unsigned int clock_mode;	/* VDSO_CLOCK_* */
	unsigned int getcpu_mode;	/* VDSO_GETCPU_*, fixed at boot */
	unsigned int res_ns;		/* what clock_getres says of the TSC clocks */
	unsigned long long tsc_base, tsc_mult;
	unsigned long long realtime_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

#ifndef __VDSO__
/* The kernel's side (vdso.c, clock.c). */
struct user_mm;
void vdso_init(void);			/* once the TSC is calibrated */
void vdso_cpu_init(unsigned int id);	/* each CPU: IA32_TSC_AUX */
/* ktime_ns() = (rdtsc() - *base) * *mult >> 32; false if not on the TSC. */
_Bool clock_tsc_params(unsigned long long *base, unsigned long long *mult);
#endif

#endif
