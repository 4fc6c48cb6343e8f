/*
 * Message-signalled interrupts on x86: a device writes `data` (the IDT
 * vector, fixed delivery, edge) to 0xfee00000 | destination APIC ID << 12,
 * which the local APIC of that CPU receives like an IPI. Vectors come from
 * VEC_MSI_BASE up and are never freed (devices live as long as the kernel).
 */
#include <alloy/cpu.h>
#include <alloy/errno.h>
#include <alloy/pci.h>
#include <alloy/sched.h>
#include <asm/trap.h>

#define MSI_ADDR_BASE 0xfee00000ULL

static struct {
	void (*fn)(void *);
	void *arg;
} msi_handlers[VEC_MSI_END - VEC_MSI_BASE];
static int next_vector = VEC_MSI_BASE;

static void msi_irq(struct trap_frame *tf)
{
	typeof(msi_handlers[0]) *h = &msi_handlers[tf->vector - VEC_MSI_BASE];

	if (h->fn)
		h->fn(h->arg);
}

int arch_msi_alloc(void (*fn)(void *), void *arg, unsigned int cpu, struct msi_msg *msg)
{
	if (cpu >= nr_cpus)
		return -EINVAL;
	int v = __atomic_fetch_add(&next_vector, 1, __ATOMIC_RELAXED);
	if (v >= VEC_MSI_END)
		return -ENOSPC;
	msi_handlers[v - VEC_MSI_BASE].arg = arg;
	msi_handlers[v - VEC_MSI_BASE].fn = fn;
	irq_register((u8)v, msi_irq);
	msg->addr = MSI_ADDR_BASE | ((u64)cpus[cpu].apic_id << 12);
	msg->data = (u32)v;
	return 0;
}
