/*
 * Wall-clock time at boot from the CMOS real-time clock (MC146818). Read
 * until two consecutive reads agree, so an update in progress cannot
 * tear the value; BCD and 12-hour modes are decoded. Seconds since 1970.
 */
#include <alloy/arch.h>
#include <asm/io.h>

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned int bcd(u8 v, bool is_bcd)
{
	return is_bcd ? (v & 15) + (v >> 4) * 10 : v;
}

static u64 days_from_civil(u64 y, unsigned int m, unsigned int d)
{
	/* days since 1970-01-01 for a Gregorian date (y >= 1970) */
	y -= m <= 2;
	u64 era = y / 400, yoe = y - era * 400;
	u64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	u64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

u64 arch_rtc_seconds(void)
{
	u8 a[7], b[7];

	do {
		while (cmos(0x0a) & 0x80)	/* update in progress */
			;
		for (int i = 0; i < 7; i++)
			a[i] = cmos((u8[]){ 0, 2, 4, 7, 8, 9, 0x32 }[i]);
		for (int i = 0; i < 7; i++)
			b[i] = cmos((u8[]){ 0, 2, 4, 7, 8, 9, 0x32 }[i]);
	} while (__builtin_memcmp(a, b, sizeof(a)));
	u8 status_b = cmos(0x0b);
	bool is_bcd = !(status_b & 4);
	unsigned int hour = bcd(a[2] & 0x7f, is_bcd);
	if (!(status_b & 2) && (a[2] & 0x80))	/* 12-hour clock, PM */
		hour = (hour % 12) + 12;
	u64 year = bcd(a[6], is_bcd) * 100 + bcd(a[5], is_bcd);
	if (year < 1970)
		year = 2000 + bcd(a[5], is_bcd);	/* no century register */
	u64 days = days_from_civil(year, bcd(a[4], is_bcd), bcd(a[3], is_bcd));
	return days * 86400 + hour * 3600 + bcd(a[1], is_bcd) * 60 + bcd(a[0], is_bcd);
}
