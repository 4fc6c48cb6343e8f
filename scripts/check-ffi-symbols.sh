#!/usr/bin/env bash
# FFI=0 links no Rust at all; FFI=1 links the Rust components.
# usage: check-ffi-symbols.sh OUT.tap   (after both kernels are built)
set -u
out=$1
: > "$out"
# Rust symbols: v0 mangling (_R...), legacy mangling of core/alloc paths,
# the components' exports and the panic machinery.
rust_re=' (_R[A-Za-z0-9_]+|_ZN[0-9]+(core|alloc|compiler_builtins)[A-Za-z0-9_$.]*|rust_[a-z_]+|__rust[a-z_]*)$'
n0=$(nm build/ffi0/alloy.elf | grep -cE "$rust_re")
if [ "$n0" -eq 0 ]; then
	echo "ok 1 ffi-symbols: FFI=0 kernel has no Rust symbols" >> "$out"
else
	echo "not ok 1 ffi-symbols: FFI=0 kernel has $n0 Rust symbols, e.g. $(nm build/ffi0/alloy.elf | grep -E "$rust_re" | head -3 | tr '\n' ' ')" >> "$out"
fi
missing=""
for s in rust_elf_abi_version rust_elf_parse_header rust_elf_parse_phdrs rust_elf_check_interp; do
	nm build/ffi1/alloy.elf | grep -qE " T $s\$" || missing="$missing $s"
done
if [ -z "$missing" ]; then
	echo "ok 2 ffi-symbols: FFI=1 kernel links the Rust ELF parser" >> "$out"
else
	echo "not ok 2 ffi-symbols: FFI=1 kernel lacks$missing" >> "$out"
fi
missing=""
for s in rust_ext2_abi_version rust_ext2_parse_super rust_ext2_parse_group \
	rust_ext2_parse_inode rust_ext2_parse_dirent rust_ext2_bmap_path \
	rust_ext2_bmap_entry rust_ext2_check_data_block; do
	nm build/ffi1/alloy.elf | grep -qE " T $s\$" || missing="$missing $s"
done
if [ -z "$missing" ]; then
	echo "ok 3 ffi-symbols: FFI=1 kernel links the Rust ext2 parser" >> "$out"
else
	echo "not ok 3 ffi-symbols: FFI=1 kernel lacks$missing" >> "$out"
fi
grep '^not ok' "$out" || true
