/*
 * User port I/O: ioperm(2) and iopl(2), through the TSS's I/O permission
 * bitmap (one bit per port, 65536 ports, a clear bit lets CPL 3 use
 * in/out on that port). Each CPU's TSS carries a bitmap; a thread that
 * never asked has none, and its CPU's TSS then points the bitmap past
 * the segment's limit, so every port faults (#GP, SIGSEGV).
 *
 * A thread's permissions (struct io_perm, task->io_perm) are its own:
 * only it changes them, with interrupts off, and loads them into its
 * CPU's TSS at once; the switch-in copies them (only when another set
 * was loaded there: each change gets a new, never reused generation).
 * fork and clone share the creator's (a reference), which a change
 * copies first; execve keeps them (Linux).
 *
 * iopl(3) is what Linux 5.5 made of it: every port through the bitmap,
 * not RFLAGS.IOPL (so cli/sti still fault); iopl 0-2 go back to the
 * ioperm bits. Raising either needs CAP_SYS_RAWIO.
 */
#include <alloy/atomic.h>
#include <alloy/cpu.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <asm/arch_cpu.h>
#include <asm/irqflags.h>
#include <uapi/capability.h>

struct io_perm {
	atomic_t refcount;	/* the threads sharing it (fork) */
	u8 iopl;		/* iopl(2)'s level; 3: every port */
	u32 bytes;		/* map bytes past this are all 0xff */
	u64 gen;		/* which contents these are (io_gen) */
	u8 map[IO_BITMAP_BYTES];	/* a set bit denies the port */
};

static atomic_long_t io_gen_counter;

static void io_put(struct io_perm *io)
{
	if (io && atomic_dec_and_test(&io->refcount))
		kfree(io);
}

void arch_task_io_inherit(struct task *t, const struct task *parent)
{
	struct io_perm *io = parent->io_perm;	/* parent is current: stable */

	if (io)
		atomic_inc(&io->refcount);
	t->io_perm = io;
}

void arch_task_io_free(struct task *t)
{
	io_put(t->io_perm);
	t->io_perm = NULL;
}

/* This CPU's TSS as t wants it (interrupts off). */
void arch_io_load(struct arch_cpu *a, const struct task *t)
{
	const struct io_perm *io = t->io_perm;

	if (!io) {
		a->tss.iomap_base = IOMAP_INVALID;
		return;
	}
	if (a->io_gen != io->gen) {
		if (io->iopl == 3) {
			memset(a->io_map, 0, IO_BITMAP_BYTES);
			a->io_dirty = IO_BITMAP_BYTES;
		} else {
			u32 n = io->bytes > a->io_dirty ? io->bytes : a->io_dirty;
			memcpy(a->io_map, io->map, n);
			a->io_dirty = io->bytes;
		}
		a->io_gen = io->gen;
	}
	a->tss.iomap_base = IOMAP_VALID;
}

/* current's permissions, its own to change: a fresh one (all denied) or
 * a copy of the one it shares. NULL: out of memory. */
static struct io_perm *own_io(struct task *t)
{
	struct io_perm *io = t->io_perm;

	if (io && atomic_read(&io->refcount) == 1)
		return io;
	struct io_perm *n = kmalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return NULL;
	atomic_set(&n->refcount, 1);
	if (io) {
		n->iopl = io->iopl;
		n->bytes = io->bytes;
		memcpy(n->map, io->map, IO_BITMAP_BYTES);
	} else {
		n->iopl = 0;
		n->bytes = 0;
		memset(n->map, 0xff, IO_BITMAP_BYTES);
	}
	n->gen = 0;
	return n;
}

/* The change is made: a new generation, into this CPU's TSS now. */
static void io_changed(struct task *t, struct io_perm *io)
{
	unsigned long flags = arch_irq_save();
	struct io_perm *old = t->io_perm;

	io->gen = (u64)atomic_long_add_return(&io_gen_counter, 1);
	t->io_perm = io;
	arch_io_load(this_cpu()->arch, t);
	arch_irq_restore(flags);
	if (old != io)
		io_put(old);
}

long sys_ioperm(u64 from, u64 num, u64 turn_on, u64 a3, u64 a4, u64 a5)
{
	struct task *t = current_task();
	bool on = (int)turn_on != 0;

	(void)a3; (void)a4; (void)a5;
	if (from + num <= from || from + num > IO_BITMAP_BITS)
		return -EINVAL;		/* num 0, a wrap, past port 0xffff */
	if (on && !cap_effective(CAP_SYS_RAWIO))
		return -EPERM;
	if (!on && !t->io_perm)
		return 0;		/* nothing was allowed */
	struct io_perm *io = own_io(t);
	if (!io)
		return -ENOMEM;
	for (u64 p = from; p < from + num; p++) {
		if (on)
			io->map[p / 8] &= (u8)~(1u << (p % 8));
		else
			io->map[p / 8] |= (u8)(1u << (p % 8));
	}
	/* bytes: past the last byte with a port allowed, all denied */
	u32 bytes = IO_BITMAP_BYTES;
	while (bytes && io->map[bytes - 1] == 0xff)
		bytes--;
	io->bytes = bytes;
	io_changed(t, io);
	return 0;
}

long sys_iopl(u64 level, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct task *t = current_task();
	u8 old = t->io_perm ? t->io_perm->iopl : 0;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	if ((u32)level > 3)	/* Linux: an unsigned int */
		return -EINVAL;
	if (level > old && !cap_effective(CAP_SYS_RAWIO))
		return -EPERM;
	if (level == old)
		return 0;
	struct io_perm *io = own_io(t);
	if (!io)
		return -ENOMEM;
	io->iopl = (u8)level;
	io_changed(t, io);
	return 0;
}
