/*
 * Symbol lookup for backtraces. The table is emitted into .ksyms by
 * scripts/ksyms.sh from `nm` of a first link; text addresses do not move
 * between that link and the final one because .ksyms follows .text.
 */
#include <alloy/ksyms.h>

extern const u64 ksyms_count;
extern const u64 ksyms_addrs[];
extern const u32 ksyms_name_offs[];
extern const char ksyms_names[];
extern const char _text_end[];

bool ksyms_lookup(u64 addr, const char **name, u64 *offset)
{
	u64 lo = 0, hi = ksyms_count;

	if (!ksyms_count || addr < ksyms_addrs[0] || addr >= (u64)_text_end)
		return false;
	while (hi - lo > 1) {	/* largest i with addrs[i] <= addr */
		u64 mid = lo + (hi - lo) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*name = &ksyms_names[ksyms_name_offs[lo]];
	*offset = addr - ksyms_addrs[lo];
	return true;
}
