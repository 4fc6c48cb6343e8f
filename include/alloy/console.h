/* The kernel console: the first 16550 UART (COM1). */
#ifndef ALLOY_CONSOLE_H
#define ALLOY_CONSOLE_H

#include <alloy/types.h>

void serial_init(void);
void serial_write(const char *s, size_t n);
/* Program output: raw, under the console lock. */
void console_write(const char *s, size_t n);
/* The same without turning \n into \r\n: the terminal's output, which
 * its line discipline has already processed (ONLCR). */
void console_write_raw(const char *s, size_t n);
void serial_write_raw(const char *s, size_t n);
/* Lock-free output for panic paths; may interleave with other CPUs. */
void console_emergency_write(const char *s, size_t n);

#endif
