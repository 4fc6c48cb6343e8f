/* Pieces of panic() for other fatal paths (exceptions, OOM reports). */
#ifndef ALLOY_PANIC_H
#define ALLOY_PANIC_H

#include <alloy/compiler.h>
#include <alloy/types.h>

void panic_begin(void);
__noreturn void panic_end(void);
bool in_panic(void);
void emergency_printf(const char *fmt, ...) __printf(1, 2);

#endif
