/*
 * Out of memory (kernel/mm/oom.c): when a page fault finds no page even
 * after the shrinkers gave back what they could, a process is chosen by
 * the memory it holds and killed, and the faulting task waits for that
 * memory to come back (docs/architecture.md, "Out of memory").
 */
#ifndef ALLOY_OOM_H
#define ALLOY_OOM_H

#include <alloy/types.h>

struct process;

/* 0..1000: p's resident pages plus (estimated) page-table pages, as a
 * share of RAM; *rss_pages gets the resident pages. 0 for a process with
 * no address space (exited, a kernel thread). */
int oom_score(struct process *p, u64 *rss_pages);

/*
 * The faulting task found no memory (round: how many times it already
 * asked for this fault). Kills the process with the largest score (never
 * init) unless an earlier victim is still dying, then waits, bounded and
 * killably, for the victim's memory. True: try the fault again. False:
 * the faulting task is to die (it was the victim, there is nobody else,
 * or it is already being killed); the console was told.
 */
bool oom_wait_for_memory(int round, u64 addr);

#endif
