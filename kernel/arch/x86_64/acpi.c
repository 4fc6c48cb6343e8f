/*
 * ACPI discovery: RSDP -> RSDT/XSDT -> MADT (CPUs, IOAPICs, interrupt
 * source overrides) and HPET. Every table's length and checksum is checked
 * before it is read; a bad table is skipped with a warning.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/string.h>
#include <asm/apic.h>

struct acpi_info acpi;

struct rsdp {
	char sig[8];
	u8 checksum;
	char oem[6];
	u8 revision;
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 ext_checksum;
	u8 reserved[3];
} __attribute__((packed));

struct sdt_header {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __attribute__((packed));

#define MAX_TABLE_LEN (1u << 20)

static bool checksum_ok(const void *p, u32 len)
{
	u8 sum = 0;
	for (u32 i = 0; i < len; i++)
		sum += ((const u8 *)p)[i];
	return sum == 0;
}

static const struct rsdp *scan_rsdp(u64 start, u64 len)
{
	for (u64 a = start; a + sizeof(struct rsdp) <= start + len; a += 16) {
		const struct rsdp *r = phys_to_virt(a);
		if (!memcmp(r->sig, "RSD PTR ", 8) && checksum_ok(r, 20))
			return r;
	}
	return NULL;
}

static const struct rsdp *find_rsdp(void)
{
	u64 ebda = (u64)*(const u16 *)phys_to_virt(0x40e) << 4;
	const struct rsdp *r = NULL;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = scan_rsdp(ebda, 1024);
	return r ? r : scan_rsdp(0xe0000, 0x20000);
}

static const struct sdt_header *table_at(u64 phys)
{
	const struct sdt_header *h = phys_to_virt(phys);

	if (h->length < sizeof(*h) || h->length > MAX_TABLE_LEN ||
	    !checksum_ok(h, h->length)) {
		pr_warn("acpi: table at %#llx is corrupt; ignored\n",
			(unsigned long long)phys);
		return NULL;
	}
	return h;
}

static void parse_madt(const struct sdt_header *h)
{
	const u8 *p = (const u8 *)h + sizeof(*h);
	const u8 *end = (const u8 *)h + h->length;

	acpi.lapic_phys = *(const u32 *)p;
	for (p += 8; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		switch (p[0]) {
		case 0:		/* processor local APIC */
			if ((*(const u32 *)(p + 4) & 1) &&
			    acpi.nr_lapics < (int)ARRAY_SIZE(acpi.lapic_ids))
				acpi.lapic_ids[acpi.nr_lapics++] = p[3];
			break;
		case 1:		/* IOAPIC */
			if (acpi.nr_ioapics < MAX_IOAPICS) {
				int i = acpi.nr_ioapics++;
				acpi.ioapic[i].id = p[2];
				acpi.ioapic[i].phys = *(const u32 *)(p + 4);
				acpi.ioapic[i].gsi_base = *(const u32 *)(p + 8);
			}
			break;
		case 2:		/* interrupt source override */
			if (acpi.nr_iso < MAX_ISO) {
				int i = acpi.nr_iso++;
				acpi.iso[i].irq = p[3];
				acpi.iso[i].gsi = *(const u32 *)(p + 4);
				acpi.iso[i].flags = *(const u16 *)(p + 8);
			}
			break;
		}
	}
}

static void parse_table(const struct sdt_header *h)
{
	if (!memcmp(h->sig, "APIC", 4))
		parse_madt(h);
	else if (!memcmp(h->sig, "HPET", 4) && h->length >= 56)
		acpi.hpet_phys = *(const u64 *)((const u8 *)h + 44);
}

int acpi_init(void)
{
	const struct rsdp *r = find_rsdp();

	if (!r) {
		pr_warn("acpi: no RSDP found\n");
		return -ENODEV;
	}
	bool x = r->revision >= 2 && r->xsdt && checksum_ok(r, 36);
	const struct sdt_header *root = table_at(x ? r->xsdt : r->rsdt);
	if (!root)
		return -ENODEV;
	u32 entry = x ? 8 : 4;
	u32 n = (root->length - sizeof(*root)) / entry;
	const u8 *ents = (const u8 *)root + sizeof(*root);
	for (u32 i = 0; i < n; i++) {
		u64 phys = x ? *(const u64 *)(ents + i * 8) : *(const u32 *)(ents + i * 4);
		const struct sdt_header *h = table_at(phys);
		if (h)
			parse_table(h);
	}
	pr_info("acpi: %d CPUs, %d IOAPICs, %d overrides, HPET %s\n",
		acpi.nr_lapics, acpi.nr_ioapics, acpi.nr_iso,
		acpi.hpet_phys ? "yes" : "no");
	return acpi.nr_lapics ? 0 : -ENODEV;
}
