/*
 * What /proc/cpuinfo says about the processor: CPUID's vendor, brand
 * string, family/model/stepping and feature bits under the names Linux
 * prints (programs grep for "sse2", "avx", "lm" there). Only bits that
 * matter to user programs are named; the rest are left out.
 */
#include <alloy/arch.h>
#include <alloy/string.h>
#include <asm/arch_cpu.h>
#include <asm/cpu.h>

struct flag {
	u8 reg;			/* 0: leaf 1 EDX, 1: leaf 1 ECX, 2: leaf 7 EBX,
				 * 3: leaf 0x80000001 EDX, 4: its ECX, 5: leaf 7 ECX */
	u8 bit;
	const char *name;
};

static const struct flag flags[] = {
	{ 0, 0, "fpu" }, { 0, 1, "vme" }, { 0, 2, "de" }, { 0, 3, "pse" },
	{ 0, 4, "tsc" }, { 0, 5, "msr" }, { 0, 6, "pae" }, { 0, 7, "mce" },
	{ 0, 8, "cx8" }, { 0, 9, "apic" }, { 0, 11, "sep" }, { 0, 12, "mtrr" },
	{ 0, 13, "pge" }, { 0, 14, "mca" }, { 0, 15, "cmov" }, { 0, 16, "pat" },
	{ 0, 17, "pse36" }, { 0, 19, "clflush" }, { 0, 23, "mmx" }, { 0, 24, "fxsr" },
	{ 0, 25, "sse" }, { 0, 26, "sse2" }, { 0, 28, "ht" },
	{ 3, 11, "syscall" }, { 3, 20, "nx" }, { 3, 26, "pdpe1gb" }, { 3, 27, "rdtscp" },
	{ 3, 29, "lm" },
	{ 1, 0, "pni" }, { 1, 1, "pclmulqdq" }, { 1, 9, "ssse3" }, { 1, 12, "fma" },
	{ 1, 13, "cx16" }, { 1, 19, "sse4_1" }, { 1, 20, "sse4_2" }, { 1, 21, "x2apic" },
	{ 1, 22, "movbe" }, { 1, 23, "popcnt" }, { 1, 25, "aes" }, { 1, 26, "xsave" },
	{ 1, 28, "avx" }, { 1, 29, "f16c" }, { 1, 30, "rdrand" }, { 1, 31, "hypervisor" },
	{ 4, 0, "lahf_lm" }, { 4, 5, "abm" },
	{ 2, 0, "fsgsbase" }, { 2, 3, "bmi1" }, { 2, 5, "avx2" }, { 2, 7, "smep" },
	{ 2, 8, "bmi2" }, { 2, 9, "erms" }, { 2, 18, "rdseed" }, { 2, 19, "adx" },
	{ 2, 20, "smap" }, { 2, 23, "clflushopt" }, { 2, 29, "sha_ni" },
	{ 5, 3, "pku" }, { 5, 4, "ospke" },	/* leaf 7 ECX: protection keys */
};

static u32 max_leaf(u32 base)
{
	u32 a, b, c, d;

	cpuid(base, 0, &a, &b, &c, &d);
	return a;
}

void arch_cpu_describe(struct arch_cpu_desc *out)
{
	u32 a, b, c, d, regs[12];

	memset(out, 0, sizeof(*out));
	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(out->vendor, &b, 4);
	memcpy(out->vendor + 4, &d, 4);
	memcpy(out->vendor + 8, &c, 4);
	cpuid(1, 0, &a, &b, &c, &d);
	out->stepping = a & 0xf;
	out->model = ((a >> 4) & 0xf) | (((a >> 16) & 0xf) << 4);
	out->family = ((a >> 8) & 0xf) + (((a >> 8) & 0xf) == 0xf ? (a >> 20) & 0xff : 0);
	if (max_leaf(0x80000000) >= 0x80000004) {
		for (u32 i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2],
			      &regs[4 * i + 3]);
		memcpy(out->model_name, regs, 48);
	}
	if (!out->model_name[0])
		strlcpy(out->model_name, "unknown x86_64", sizeof(out->model_name));
	if (max_leaf(0x80000000) >= 0x80000006) {
		cpuid(0x80000006, 0, &a, &b, &c, &d);
		out->cache_kb = c >> 16;
	}
	out->khz = cpu_tsc_khz();
}

int arch_cpu_flags(char *buf, size_t len)
{
	u32 r[6] = { 0 }, a, b, d;
	size_t at = 0;

	cpuid(1, 0, &a, &b, &r[1], &r[0]);
	if (max_leaf(0) >= 7)
		cpuid(7, 0, &a, &r[2], &r[5], &d);
	if (max_leaf(0x80000000) >= 0x80000001)
		cpuid(0x80000001, 0, &a, &b, &r[4], &r[3]);
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		size_t n = strlen(flags[i].name);
		if (!(r[flags[i].reg] & (1u << flags[i].bit)) || at + n + 2 > len)
			continue;
		if (at)
			buf[at++] = ' ';
		memcpy(buf + at, flags[i].name, n + 1);
		at += n;
	}
	return (int)at;
}
