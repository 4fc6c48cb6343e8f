/* Internal to ffi/: per-component selection. */
#ifndef FFI_SELECT_H
#define FFI_SELECT_H

#include <stdbool.h>

/* False if `rust=off` or `rust=off:<list naming component>` was given. */
bool ffi_rust_allowed(const char *component);

void elf_select_init(void);
const char *elf_impl_active(void);

void ext2_select_init(void);
const char *ext2_impl_active(void);

#endif
