/* x86 port I/O and MMIO accessors. */
#ifndef ASM_IO_H
#define ASM_IO_H

#include <alloy/types.h>

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u16 inw(u16 port)
{
	u16 v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u8 mmio_read8(volatile void *a) { return *(volatile u8 *)a; }
static inline void mmio_write8(volatile void *a, u8 v) { *(volatile u8 *)a = v; }
static inline u16 mmio_read16(volatile void *a) { return *(volatile u16 *)a; }
static inline void mmio_write16(volatile void *a, u16 v) { *(volatile u16 *)a = v; }
static inline u32 mmio_read32(volatile void *a) { return *(volatile u32 *)a; }
static inline void mmio_write32(volatile void *a, u32 v) { *(volatile u32 *)a = v; }
static inline u64 mmio_read64(volatile void *a) { return *(volatile u64 *)a; }
static inline void mmio_write64(volatile void *a, u64 v) { *(volatile u64 *)a = v; }

#endif
