/* The kernel's own symbol table, generated at build time (scripts/ksyms.sh). */
#ifndef ALLOY_KSYMS_H
#define ALLOY_KSYMS_H

#include <alloy/types.h>

/* Finds the function containing addr; false if none. */
bool ksyms_lookup(u64 addr, const char **name, u64 *offset);

#endif
