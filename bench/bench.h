/*
 * bench.h: what bench.c's driver shares with the whole-workload rows
 * (workloads.c). A row's function runs n operations and returns the
 * seconds they took, or < 0 after fail(); a "value" row returns its value.
 */
#ifndef BENCH_H
#define BENCH_H

extern int quick;		/* --quick: small sizes, one loop */
extern const char *dir;		/* the ext2 directory (--dir) */
extern const char *note;	/* printed with the result */

double now(void);
void fail(const char *what);

/* whole workloads (busybox from /bin, the same binary on both kernels) */
double w_configure(long n);	/* a configure-like script: 2000 programs */
double w_tar_sha_rm(long n);	/* tar xzf, sha256sum of every file, rm -rf */
double w_parallel_build(long n);	/* 2 jobs x 500 sed "compiles" */
/* value rows */
double w_boot_free_mib(long n);	/* MemFree when bench started */
double w_idle_process_kb(long n);	/* MemFree spent per sleeping process */
void w_note_boot_memory(void);	/* first thing in main */

#endif
