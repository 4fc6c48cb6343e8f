#!/bin/sh
# Emits the .ksyms table (assembly) for the kernel's text symbols.
# usage: ksyms.sh [kernel.elf]   (no argument: an empty table for pass 1)
set -e
if [ -n "$1" ]; then
	nm -n --defined-only "$1" | awk '$2 ~ /^[tT]$/ { print $1, $3 }'
fi | awk '
BEGIN { n = 0 }
{ addr[n] = $1; name[n] = $2; n++ }
END {
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	print "\t.globl ksyms_count, ksyms_addrs, ksyms_name_offs, ksyms_names"
	print "ksyms_count:\t.quad " n
	print "ksyms_addrs:"
	for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
	print "ksyms_name_offs:"
	off = 0
	for (i = 0; i < n; i++) { print "\t.long " off; off += length(name[i]) + 1 }
	print "ksyms_names:"
	for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
	print "\t.byte 0"
}'
