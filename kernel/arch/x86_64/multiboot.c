/*
 * Multiboot v1 information -> struct boot_info. Everything is copied and
 * bounded: the loader's structures live in memory we later hand out.
 */
#include <alloy/boot.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/string.h>

#define MB_LOADER_MAGIC 0x2badb002
#define MBI_MEM_MAP (1u << 6)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)

struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap_entry {
	u32 size;
	u64 addr, len;
	u32 type;
} __attribute__((packed));

struct mb_module {
	u32 start, end, string, reserved;
} __attribute__((packed));

struct boot_info boot_info;

static void add_region(u64 addr, u64 len, u32 mb_type)
{
	static const u32 types[] = { 0, MEM_USABLE, MEM_RESERVED, MEM_ACPI,
				     MEM_NVS, MEM_BAD };
	if (boot_info.nr_mem >= BOOT_MAX_REGIONS || !len || addr + len < addr)
		return;
	u32 t = mb_type < 6 ? types[mb_type] : MEM_RESERVED;
	boot_info.mem[boot_info.nr_mem++] =
		(struct mem_region){ addr, addr + len, t ? t : MEM_RESERVED };
	if (t == MEM_USABLE)
		boot_info.ram_bytes += len;
}

int multiboot_parse(u32 magic, u32 info_phys)
{
	if (magic != MB_LOADER_MAGIC)
		return -EINVAL;
	const struct mb_info *mbi = phys_to_virt(info_phys);

	if (mbi->flags & MBI_CMDLINE) {
		/* loaders put the kernel's path first: keep what follows it */
		const char *s = phys_to_virt(mbi->cmdline);
		const char *sp = strchr(s, ' ');
		strlcpy(boot_info.cmdline, sp ? sp + 1 : "", sizeof(boot_info.cmdline));
	}
	if (!(mbi->flags & MBI_MEM_MAP))
		return -EINVAL;
	for (u32 off = 0; off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length;) {
		const struct mb_mmap_entry *e = phys_to_virt(mbi->mmap_addr + off);
		add_region(e->addr, e->len, e->type);
		off += e->size + sizeof(e->size);
	}
	if (mbi->flags & MBI_MODS) {
		const struct mb_module *m = phys_to_virt(mbi->mods_addr);
		for (u32 i = 0; i < mbi->mods_count && i < BOOT_MAX_MODULES; i++) {
			struct boot_module *b = &boot_info.mods[boot_info.nr_mods++];
			b->start = m[i].start;
			b->end = m[i].end;
			if (m[i].string)
				strlcpy(b->name, phys_to_virt(m[i].string), sizeof(b->name));
		}
	}
	return 0;
}
