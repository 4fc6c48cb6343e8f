/*
 * The BSD socket layer (docs/net.md): the socket syscalls, the socket
 * file type, socket options, and the copying of addresses, iovec arrays
 * and control messages between user memory and the kernel copies the
 * families see (struct kmsg in <alloy/socket.h>). Families (only AF_UNIX
 * today, kernel/net/unix.c) supply a proto_ops table.
 *
 * Lifetime: a socket is refcounted; its file holds one reference and
 * calls the family's release when it closes, peers and queued messages
 * hold others; the last sock_put calls destroy and frees it.
 */
#include <alloy/pid.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/netlink.h>
#include <alloy/packet.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/socket.h>
#include <alloy/net_ns.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include "../syscall/sysfs.h"

#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC
#define SOCK_MAX 11		/* types from here on are EINVAL */
#define AF_INET 2
#define AF_INET6 10
#define AF_MAX 46
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define UIO_MAXIOV 1024
#define OPTMEM_MAX 20480	/* Linux's net.core.optmem_max: control data */
#define SOMAXCONN 4096
#define WMEM_MAX 212992		/* net.core.wmem_max and the default */
#define SOCK_MIN_SNDBUF 4608
#define SOCK_MIN_RCVBUF 2304
#define FIONREAD 0x541B
#define MSG_CMSG_COMPAT 0x80000000u	/* the 32-bit ABI's, never a caller's */
#define CAP_NET_ADMIN 12

enum {
	SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_RCVBUF = 8,
	SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_NO_CHECK = 11, SO_LINGER = 13, SO_REUSEPORT = 15, SO_PASSCRED = 16,
	SO_PEERCRED = 17, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21, SO_ACCEPTCONN = 30,
	SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33,
	SO_PROTOCOL = 38, SO_DOMAIN = 39, SO_RCVTIMEO_NEW = 66, SO_SNDTIMEO_NEW = 67,
};

struct user_msghdr {
	u64 name;
	u32 namelen, pad0;
	u64 iov, iovlen, control, controllen;
	u32 flags, pad1;
};

struct user_mmsghdr {
	struct user_msghdr hdr;
	u32 len, pad;
};

struct cmsghdr_k {
	u64 len;
	s32 level, type;
};

#define CMSG_ALIGN(n) (((n) + 7) & ~(u64)7)
#define CMSG_HDR sizeof(struct cmsghdr_k)

/* ---- sockets and their files */

static struct super_block *sock_sb;
static const struct file_ops socket_fops;

struct socket *sock_get(struct socket *s)
{
	atomic_inc(&s->refcount);
	return s;
}

void sock_put(struct socket *s)
{
	if (!s || !atomic_dec_and_test(&s->refcount))
		return;
	if (s->ops->destroy)
		s->ops->destroy(s);
	net_put(s->net);
	kfree(s);
}

struct socket *sock_from_file(struct file *f)
{
	return f && f->fop == &socket_fops ? f->priv : NULL;
}

static long sock_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct socket *s = f->priv;
	struct { u64 base, len; } v = { b.addr, n };
	struct kmsg m = { .it = { (void *)&v, 1, 0, 0, n, b.kernel } };

	(void)pos;
	long rc = s->ops->recvmsg(s, &m, n, 0);
	scm_free(m.scm);	/* read(2) has no room for passed files: closed */
	return rc;
}

static long sock_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct socket *s = f->priv;
	struct { u64 base, len; } v = { b.addr, n };
	struct kmsg m = { .it = { (void *)&v, 1, 0, 0, n, b.kernel } };

	(void)pos;
	sock_cur_creds(&m.creds, false);
	return s->ops->sendmsg(s, &m, 0);
}

static unsigned int sock_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->priv;

	return s->ops->poll(s, pt);
}

static long sock_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct socket *s = f->priv;

	return s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
}

static void sock_release(struct file *f)
{
	struct socket *s = f->priv;

	s->ops->release(s);
	WRITE_ONCE(s->file, NULL);
	sock_put(s);
}

static void sock_close_wait(struct file *f)
{
	struct socket *s = f->priv;

	if (s->ops->close_wait)
		s->ops->close_wait(s);
}

static int sock_mmap_object(struct file *f, u64 off, u64 len, const struct vm_object_ops **ops,
			    void **obj, u64 *pgoff)
{
	struct socket *s = f->priv;

	return s->ops->mmap ? s->ops->mmap(s, off, len, ops, obj, pgoff) : -ENODEV;
}

static const struct file_ops socket_fops = {
	.mmap_object = sock_mmap_object,
	.read = sock_read,
	.write = sock_write,
	.poll = sock_poll,
	.ioctl = sock_ioctl,
	.release = sock_release,
	.close_wait = sock_close_wait,
};

int sock_create_file(const struct proto_ops *ops, int type, int protocol, u32 flags,
		     struct socket **out)
{
	return sock_create_file_net(ops, type, protocol, flags, NULL, out);
}

int sock_create_file_net(const struct proto_ops *ops, int type, int protocol, u32 flags,
			 struct net *net, struct socket **out)
{
	struct super_block *sb = __atomic_load_n(&sock_sb, __ATOMIC_ACQUIRE), *none = NULL;

	if (!sb) {
		if (!(sb = sb_create("sockfs")))
			return -ENOMEM;
		if (!__atomic_compare_exchange_n(&sock_sb, &none, sb, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			sb = none;	/* another CPU's (ours stays: a few bytes once) */
	}
	struct socket *s = kzalloc(ops->obj_size, GFP_KERNEL);
	struct inode *i = s ? inode_alloc(sb, S_IFSOCK | 0777) : NULL;
	struct file *f = i ? file_alloc(i, NULL, O_RDWR | (flags & O_NONBLOCK)) : NULL;
	if (i)
		inode_put(i);	/* the file's reference keeps it */
	if (!f) {
		kfree(s);
		return -ENOMEM;
	}
	atomic_set(&s->refcount, 1);
	s->family = ops->family;
	s->type = type;
	s->protocol = protocol;
	s->ops = ops;
	s->ino = i->ino;
	s->sndbuf = s->rcvbuf = WMEM_MAX;
	s->net = net ? net_get(net) : net_current();
	wait_queue_init(&s->wq, "socket");
	inode_init_owner(i, NULL);
	int rc = ops->create(s, protocol);
	if (rc) {
		f->fop = NULL;
		file_put(f);
		net_put(s->net);
		kfree(s);
		return rc;
	}
	f->priv = s;
	s->file = f;
	f->fop = &socket_fops;	/* last: from here the file's release frees s */
	*out = s;
	return 0;
}

void sock_cur_creds(struct ucred_k *out, bool effective)
{
	struct cred c;

	cred_current(&c);
	out->pid = current_proc()->pid;	/* global: the receiver's number at recvmsg */
	out->uid = effective ? c.euid : c.uid;
	out->gid = effective ? c.egid : c.gid;
}

bool sock_capable(int cap)
{
	struct cred c;

	cred_current(&c);
	return cred_is_root(&c) && (READ_ONCE(current_proc()->caps[0]) >> cap & 1);
}

u64 sock_timeo(const struct socket *s, bool send, int flags)
{
	if ((flags & MSG_DONTWAIT) || (s->file && (READ_ONCE(s->file->flags) & O_NONBLOCK)))
		return 0;
	u64 t = send ? READ_ONCE(s->sndtimeo) : READ_ONCE(s->rcvtimeo);
	return t ? t : SOCK_FOREVER;
}

void sock_sigpipe(int flags)
{
	struct ksiginfo si = { .signo = SIGPIPE, .code = SI_USER };

	if (!(flags & MSG_NOSIGNAL))
		signal_send(current_proc(), &si);
}

void scm_free(struct scm *scm)
{
	if (!scm)
		return;
	for (int i = 0; i < scm->nfiles; i++)
		file_put(scm->files[i]);
	kfree(scm);
}

/* ---- moving data through a user iovec array */

typedef int (*seg_fn)(u64 user, void *kbuf, size_t n);

static int seg_in(u64 user, void *kbuf, size_t n) { return copy_from_user(kbuf, (void *)user, n); }
static int seg_out(u64 user, void *kbuf, size_t n) { return copy_to_user((void *)user, kbuf, n); }
static int kseg_in(u64 k, void *kbuf, size_t n) { memcpy(kbuf, (void *)k, n); return 0; }
static int kseg_out(u64 k, void *kbuf, size_t n) { memcpy((void *)k, kbuf, n); return 0; }

static int iter_move(struct msg_iter *it, void *buf, size_t n, seg_fn fn)
{
	u8 *p = buf;

	if (n > it->left)
		return -EFAULT;
	while (n) {
		u64 room = it->iov[it->idx].len - it->off;
		if (!room) {
			it->idx++;
			it->off = 0;
			continue;
		}
		size_t k = (size_t)MIN(room, (u64)n);
		if (fn(it->iov[it->idx].base + it->off, p, k))
			return -EFAULT;
		it->off += k;
		it->left -= k;
		p += k;
		n -= k;
	}
	return 0;
}

int iter_copy_in(struct msg_iter *it, void *dst, size_t n)
{
	return iter_move(it, dst, n, it->kernel ? kseg_in : seg_in);
}

int iter_copy_out(struct msg_iter *it, const void *src, size_t n)
{
	return iter_move(it, (void *)src, n, it->kernel ? kseg_out : seg_out);
}

/* A user iovec array into *out (kfree it): EMSGSIZE past UIO_MAXIOV,
 * EFAULT for a segment outside user space, EINVAL past SSIZE_MAX. */
static int iov_import(u64 uiov, u64 cnt, struct msg_iter *it, void **out)
{
	struct { u64 base, len; } *v;
	u64 total = 0, end;

	*out = NULL;
	if (cnt > UIO_MAXIOV)
		return -EMSGSIZE;
	if (!(v = kmalloc(cnt ? cnt * sizeof(*v) : 1, GFP_KERNEL)))
		return -ENOMEM;
	*out = v;
	if (cnt && copy_from_user(v, (void *)uiov, cnt * sizeof(*v)))
		return -EFAULT;
	for (u64 i = 0; i < cnt; i++) {
		if ((s64)v[i].len < 0 || __builtin_add_overflow(total, v[i].len, &total) ||
		    (s64)total < 0)
			return -EINVAL;
		if (v[i].len && (__builtin_add_overflow(v[i].base, v[i].len, &end) || end > USER_TOP))
			return -EFAULT;
	}
	*it = (struct msg_iter){ (void *)v, (int)cnt, 0, 0, (size_t)total, false };
	return 0;
}

/* ---- addresses */

static int addr_in(u64 uaddr, u64 len, u8 *k)
{
	if ((s64)(int)len != (s64)len || (int)len < 0 || len > SOCKADDR_MAX)
		return -EINVAL;
	if (len && copy_from_user(k, (void *)uaddr, len))
		return -EFAULT;
	return 0;
}

/* Linux's move_addr_to_user: at most *ulen bytes, then the true length. */
static int addr_out(const u8 *k, int klen, u64 uaddr, u64 ulenp)
{
	int ulen;

	if (!uaddr)
		return 0;
	if (copy_from_user(&ulen, (void *)ulenp, sizeof(ulen)))
		return -EFAULT;
	if (ulen < 0)
		return -EINVAL;
	if (MIN(ulen, klen) && copy_to_user((void *)uaddr, k, (size_t)MIN(ulen, klen)))
		return -EFAULT;
	return copy_to_user((void *)ulenp, &klen, sizeof(klen));
}

/* ---- syscalls */

static struct socket *sock_fget(u64 fd, struct file **fp, int *err)
{
	struct file *f = fget(fd);
	struct socket *s = sock_from_file(f);

	if (f && (f->flags & O_PATH)) {	/* Linux's fdget refuses O_PATH: EBADF */
		file_put(f);
		f = NULL;
		s = NULL;
	}
	*err = f ? -ENOTSOCK : -EBADF;
	if (!s)
		file_put(f);
	*fp = f;
	return s;
}

static const struct proto_ops *family_ops(u64 family, int *err)
{
	*err = -EAFNOSUPPORT;
	return family == AF_UNIX ? &unix_ops : family == AF_INET ? &inet_ops :
	       family == AF_INET6 ? &inet6_ops : family == AF_NETLINK ? &netlink_ops :
	       family == AF_PACKET ? &packet_ops : NULL;
}

static int check_type(u64 type, int *t)
{
	if (type & ~(u64)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	*t = (int)(type & SOCK_TYPE_MASK);
	return *t >= SOCK_MAX || *t == 0 ? -EINVAL : 0;
}

/* Gives the caller's file reference to a new fd: fd_install keeps it,
 * or drops it when it fails (EMFILE), so the caller never puts it. */
static long install(struct socket *s, u64 flags)
{
	return fd_install(cur_files(), s->file, 0, flags & SOCK_CLOEXEC);
}

long sys_socket(SYSARGS)
{
	const struct proto_ops *ops;
	struct socket *s;
	int t, rc;

	if ((rc = check_type(a1, &t)))
		return rc;
	if (a0 >= AF_MAX || !(ops = family_ops(a0, &rc)))
		return -EAFNOSUPPORT;
	if (ops == &inet_ops || ops == &inet6_ops)
		ops = inet_pick_ops(ops, t, (int)a2);	/* raw and ping sockets */
	if ((rc = sock_create_file(ops, t, (int)a2, (u32)a1, &s)))
		return rc;
	return install(s, a1);
}

long sys_socketpair(SYSARGS)
{
	const struct proto_ops *ops;
	struct socket *s[2] = { NULL, NULL };
	int t, rc, fds[2] = { -1, -1 };

	if ((rc = check_type(a1, &t)))
		return rc;
	if (a0 >= AF_MAX || !(ops = family_ops(a0, &rc)))
		return -EAFNOSUPPORT;
	if (ops == &inet_ops || ops == &inet6_ops)
		ops = inet_pick_ops(ops, t, (int)a2);
	/* As Linux: the sockets are made first, so a type or protocol the
	 * family refuses is its error (EPROTONOSUPPORT), and only then is a
	 * family without socketpair EOPNOTSUPP. */
	rc = 0;
	for (int i = 0; i < 2 && !rc; i++)
		rc = sock_create_file(ops, t, (int)a2, (u32)a1, &s[i]);
	if (!rc)
		rc = ops->pair ? ops->pair(s[0], s[1]) : -EOPNOTSUPP;
	if (rc) {
		for (int i = 0; i < 2; i++)
			if (s[i])
				file_put(s[i]->file);	/* the creation's reference */
		return rc;
	}
	/* As pipe2: each install takes over the creation's reference (and
	 * drops it on failure); a failed copy closes the two new fds, which
	 * only this call's threads could have seen in between. */
	struct file *f1 = s[1]->file;
	if ((fds[0] = (int)install(s[0], a1)) < 0) {
		file_put(f1);
		return fds[0];
	}
	if ((fds[1] = (int)install(s[1], a1)) < 0) {
		fd_close(cur_files(), fds[0]);
		return fds[1];
	}
	if (copy_to_user((void *)a3, fds, sizeof(fds))) {
		fd_close(cur_files(), fds[0]);
		fd_close(cur_files(), fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_bind(SYSARGS)
{
	u8 addr[SOCKADDR_MAX];
	struct file *f;
	int rc;
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	if (!(rc = addr_in(a1, a2, addr)))
		rc = s->ops->bind(s, addr, (int)a2);
	file_put(f);
	return rc;
}

long sys_connect(SYSARGS)
{
	u8 addr[SOCKADDR_MAX];
	struct file *f;
	int rc;
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	if (!(rc = addr_in(a1, a2, addr)))
		rc = s->ops->connect(s, addr, (int)a2, (int)f->flags);
	file_put(f);
	return rc;
}

long sys_listen(SYSARGS)
{
	struct file *f;
	int rc;
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	u32 backlog = (u32)a1;
	rc = s->ops->listen(s, (int)MIN(backlog, (u32)SOMAXCONN));
	file_put(f);
	return rc;
}

static long do_accept(u64 fd, u64 uaddr, u64 ulen, u64 flags)
{
	struct file *f;
	struct socket *s, *n;
	int rc;
	u8 addr[SOCKADDR_MAX];

	if (flags & ~(u64)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (!(s = sock_fget(fd, &f, &rc)))
		return rc;
	rc = s->ops->accept(s, &n, (int)f->flags);
	if (rc) {
		file_put(f);
		return rc;
	}
	/* n's file reference is ours */
	if (flags & SOCK_NONBLOCK)
		n->file->flags |= O_NONBLOCK;	/* nobody else has the file yet */
	int len = n->ops->getname(n, addr, true);
	if (uaddr && (rc = addr_out(addr, len, uaddr, ulen))) {
		file_put(n->file);
		file_put(f);
		return rc;
	}
	/* EMFILE: as Linux, the connection stays queued for the next
	 * accept (a protocol without unaccept resets it). */
	struct file *nf = file_get(n->file);
	long nfd = install(n, flags);
	if (nfd == -EMFILE && s->ops->unaccept) {
		nf->flags &= ~(u32)O_NONBLOCK;	/* still nobody else's */
		s->ops->unaccept(s, n);
	} else {
		file_put(nf);
	}
	file_put(f);
	return nfd;
}

long sys_accept(SYSARGS) { return do_accept(a0, a1, a2, 0); }
long sys_accept4(SYSARGS) { return do_accept(a0, a1, a2, a3); }

static long do_getname(u64 fd, u64 uaddr, u64 ulen, bool peer)
{
	struct file *f;
	int rc;
	u8 addr[SOCKADDR_MAX];
	struct socket *s = sock_fget(fd, &f, &rc);

	if (!s)
		return rc;
	int len = s->ops->getname(s, addr, peer);
	/* Linux copies the address out: a NULL buffer is EFAULT (accept's may be NULL) */
	rc = len < 0 ? len : !uaddr ? -EFAULT : addr_out(addr, len, uaddr, ulen);
	file_put(f);
	return rc;
}

long sys_getsockname(SYSARGS) { return do_getname(a0, a1, a2, false); }
long sys_getpeername(SYSARGS) { return do_getname(a0, a1, a2, true); }

long sys_shutdown(SYSARGS)
{
	struct file *f;
	int rc;
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	rc = a1 > SHUT_RDWR ? -EINVAL : s->ops->shutdown(s, (int)a1 + 1);
	file_put(f);
	return rc;
}

/* ---- control messages */

static int cmsg_creds(struct kmsg *m, const struct cmsghdr_k *h, u64 at)
{
	struct cred c;
	struct ucred_k u;

	if (h->len != CMSG_HDR + sizeof(u))
		return -EINVAL;
	if (copy_from_user(&u, (void *)(at + CMSG_HDR), sizeof(u)))
		return -EFAULT;
	cred_current(&c);
	bool root = cred_is_root(&c);
	/* Linux's scm_check_creds: one's own pid and IDs, unless privileged */
	if ((u.pid != current_proc()->vpid && !root) ||
	    (u.uid != c.uid && u.uid != c.euid && u.uid != c.suid && !root) ||
	    (u.gid != c.gid && u.gid != c.egid && u.gid != c.sgid && !root))
		return -EPERM;
	m->creds = u;
	m->creds.pid = pid_from_user(u.pid);	/* global (0: none) */
	m->has_creds = true;
	return 0;
}

static int cmsg_rights(struct kmsg *m, const struct cmsghdr_k *h, u64 at)
{
	int n = (int)((h->len - CMSG_HDR) / sizeof(int)), have = m->scm ? m->scm->nfiles : 0;
	int fds[SCM_MAX_FD];

	if (!n)
		return 0;
	if (n > SCM_MAX_FD || have + n > SCM_MAX_FD)
		return -EINVAL;
	if (copy_from_user(fds, (void *)(at + CMSG_HDR), (size_t)n * sizeof(int)))
		return -EFAULT;
	struct scm *scm = kmalloc(sizeof(*scm) + (size_t)(have + n) * sizeof(struct file *),
				  GFP_KERNEL);
	if (!scm)
		return -ENOMEM;
	scm->nfiles = have;
	if (have)
		memcpy(scm->files, m->scm->files, (size_t)have * sizeof(struct file *));
	kfree(m->scm);
	m->scm = scm;
	for (int i = 0; i < n; i++) {
		struct file *f = fds[i] < 0 ? NULL : fget((u64)fds[i]);
		if (!f)
			return -EBADF;
		scm->files[scm->nfiles++] = f;
	}
	return 0;
}

/* Parses SOL_SOCKET control messages at uctl (len bytes) into m. */
static int cmsg_parse(struct kmsg *m, u64 uctl, u64 len)
{
	struct cmsghdr_k h;
	u64 off = 0;
	int rc = 0;

	if (len > OPTMEM_MAX)
		return -ENOBUFS;
	while (!rc && len - off >= CMSG_HDR) {
		if (copy_from_user(&h, (void *)(uctl + off), sizeof(h)))
			return -EFAULT;
		if (h.len < CMSG_HDR || h.len > len - off)
			return -EINVAL;
		if (h.level == SOL_SOCKET) {
			if (h.type == SCM_RIGHTS)
				rc = cmsg_rights(m, &h, uctl + off);
			else if (h.type == SCM_CREDENTIALS)
				rc = cmsg_creds(m, &h, uctl + off);
			else
				rc = -EINVAL;
		}
		off += CMSG_ALIGN(h.len);
		if (off > len)
			break;
	}
	return rc;
}

struct cmsg_out {
	u64 uctl, len, used;
	int flags;
};

static int put_cmsg(struct cmsg_out *o, int type, const void *data, size_t n)
{
	struct cmsghdr_k h = { CMSG_HDR + n, SOL_SOCKET, type };
	u64 room = o->len - o->used;

	if (room < CMSG_HDR + n) {
		o->flags |= MSG_CTRUNC;
		return 0;
	}
	if (copy_to_user((void *)(o->uctl + o->used), &h, sizeof(h)) ||
	    copy_to_user((void *)(o->uctl + o->used + CMSG_HDR), data, n))
		return -EFAULT;
	o->used += MIN(room, CMSG_ALIGN(CMSG_HDR + n));
	return 0;
}

/* Installs the received files as fds, as many as the buffer takes (the
 * others are closed and MSG_CTRUNC set). Consumes scm. */
static int put_rights(struct cmsg_out *o, struct scm *scm, bool cloexec)
{
	int fds[SCM_MAX_FD], n = 0, rc = 0;
	u64 room = o->len - o->used;
	int max = room > CMSG_HDR ? (int)MIN((room - CMSG_HDR) / sizeof(int), (u64)SCM_MAX_FD) : 0;

	for (int i = 0; i < scm->nfiles; i++) {
		if (n < max) {
			/* fd_install keeps the reference, or drops it (EMFILE) */
			int fd = fd_install(cur_files(), scm->files[i], 0, cloexec);
			scm->files[i] = NULL;
			if (fd >= 0)
				fds[n++] = fd;
			else
				o->flags |= MSG_CTRUNC;
			continue;
		}
		o->flags |= MSG_CTRUNC;
		file_put(scm->files[i]);
		scm->files[i] = NULL;
	}
	kfree(scm);
	if (n)
		rc = put_cmsg(o, SCM_RIGHTS, fds, (size_t)n * sizeof(int));
	return rc;
}

/* ---- sendmsg and recvmsg */

static long send_one(struct socket *s, struct user_msghdr *h, int flags)
{
	struct kmsg m = { .namelen = 0 };
	void *iov;
	long rc;

	if (h->name && (int)h->namelen < 0)
		return -EINVAL;	/* as Linux's copy_msghdr_from_user */
	if (h->namelen) {
		if ((rc = addr_in(h->name, h->namelen, m.name)))
			return rc;
		m.namelen = (int)h->namelen;
	}
	if (!(rc = iov_import(h->iov, h->iovlen, &m.it, &iov))) {
		sock_cur_creds(&m.creds, false);
		if (h->controllen)
			rc = cmsg_parse(&m, h->control, h->controllen);
		if (!rc)
			rc = s->ops->sendmsg(s, &m, flags);
	}
	scm_free(m.scm);
	kfree(iov);
	return rc;
}

static long recv_one(struct socket *s, struct user_msghdr *h, int flags, u64 uh)
{
	struct kmsg m = { .namelen = 0 };
	struct cmsg_out o = { h->control, h->controllen, 0, 0 };
	void *iov;
	long rc;

	if (h->name && (int)h->namelen < 0)
		return -EINVAL;
	if ((rc = iov_import(h->iov, h->iovlen, &m.it, &iov))) {
		kfree(iov);
		return rc;
	}
	if ((s64)h->controllen < 0)
		o.len = 0;
	rc = s->ops->recvmsg(s, &m, m.it.left, flags);
	kfree(iov);
	if (rc < 0) {
		scm_free(m.scm);
		return rc;
	}
	int err = 0;
	if (m.has_creds && READ_ONCE(s->passcred)) {
		m.creds.pid = pid_to_user(m.creds.pid);	/* as the receiver numbers it */
		err = put_cmsg(&o, SCM_CREDENTIALS, &m.creds, sizeof(m.creds));
	}
	if (m.scm) {
		int e = put_rights(&o, m.scm, flags & MSG_CMSG_CLOEXEC);
		err = err ? err : e;
	}
	h->flags = (u32)(m.flags | o.flags);
	h->controllen = o.used;
	if (h->name) {
		h->namelen = (u32)MIN((int)h->namelen, m.namelen);
		if (h->namelen && copy_to_user((void *)h->name, m.name, h->namelen))
			err = -EFAULT;
		h->namelen = (u32)m.namelen;
	} else {
		h->namelen = 0;
	}
	if (!err && uh && (copy_to_user((void *)(uh + offsetof(struct user_msghdr, namelen)),
					&h->namelen, sizeof(u32)) ||
			   copy_to_user((void *)(uh + offsetof(struct user_msghdr, controllen)),
					&h->controllen, sizeof(u64)) ||
			   copy_to_user((void *)(uh + offsetof(struct user_msghdr, flags)),
					&h->flags, sizeof(u32))))
		err = -EFAULT;
	return err ? err : rc;
}

long sys_sendmsg(SYSARGS)
{
	struct user_msghdr h;
	struct file *f;
	int rc;
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	long r = a2 & MSG_CMSG_COMPAT ? -EINVAL :
		 copy_from_user(&h, (void *)a1, sizeof(h)) ? -EFAULT : send_one(s, &h, (int)a2);
	file_put(f);
	return r;
}

long sys_recvmsg(SYSARGS)
{
	struct user_msghdr h;
	struct file *f;
	int rc;
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	long r = a2 & MSG_CMSG_COMPAT ? -EINVAL :
		 copy_from_user(&h, (void *)a1, sizeof(h)) ? -EFAULT : recv_one(s, &h, (int)a2, a1);
	file_put(f);
	return r;
}

long sys_sendto(SYSARGS)
{
	struct user_msghdr h = { .name = a4, .namelen = (u32)a5, .iovlen = 1 };
	struct { u64 base, len; } v = { a1, a2 };
	struct file *f;
	int rc;
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	if (!a4)
		h.namelen = 0;
	struct kmsg m = { .namelen = 0 };
	long r = 0;
	u64 end;
	if (h.namelen && (r = addr_in(h.name, h.namelen, m.name)) == 0)
		m.namelen = (int)h.namelen;
	if (!r && a2 && (__builtin_add_overflow(a1, a2, &end) || end > USER_TOP))
		r = -EFAULT;
	if (!r && (s64)a2 < 0)
		r = -EINVAL;
	if (!r) {
		m.it = (struct msg_iter){ (void *)&v, 1, 0, 0, (size_t)a2, false };
		sock_cur_creds(&m.creds, false);
		r = s->ops->sendmsg(s, &m, (int)a3);
	}
	file_put(f);
	return r;
}

long sys_recvfrom(SYSARGS)
{
	struct { u64 base, len; } v = { a1, a2 };
	struct file *f;
	int rc;
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	struct kmsg m = { .namelen = 0 };
	long r = 0;
	u64 end;
	if (a2 && (__builtin_add_overflow(a1, a2, &end) || end > USER_TOP))
		r = -EFAULT;
	if (!r) {
		m.it = (struct msg_iter){ (void *)&v, 1, 0, 0, (size_t)MIN(a2, 0x7ffff000ULL), false };
		r = s->ops->recvmsg(s, &m, m.it.left, (int)a3);
		scm_free(m.scm);
	}
	if (r >= 0 && a4) {
		int e = addr_out(m.name, m.namelen, a4, a5);
		if (e)
			r = e;
	}
	file_put(f);
	return r;
}

long sys_sendmmsg(SYSARGS)
{
	struct user_mmsghdr mh;
	struct file *f;
	int rc;
	struct socket *s = sock_fget(a0, &f, &rc);
	long done = 0, r = 0;

	if (!s)
		return rc;
	u64 vlen = a3 & MSG_CMSG_COMPAT ? 0 : MIN(a2, (u64)UIO_MAXIOV);
	if (a3 & MSG_CMSG_COMPAT)
		r = -EINVAL;
	for (; (u64)done < vlen; done++) {
		u64 at = a1 + (u64)done * sizeof(mh);
		if (copy_from_user(&mh, (void *)at, sizeof(mh))) {
			r = -EFAULT;
			break;
		}
		r = send_one(s, &mh.hdr, (int)a3);
		if (r < 0)
			break;
		u32 len = (u32)r;
		if (copy_to_user((void *)(at + offsetof(struct user_mmsghdr, len)), &len, 4)) {
			r = -EFAULT;
			break;
		}
	}
	file_put(f);
	return done ? done : r;
}

long sys_recvmmsg(SYSARGS)
{
	struct user_mmsghdr mh;
	struct file *f;
	int rc;
	u32 flags = (u32)a3;
	struct socket *s = sock_fget(a0, &f, &rc);
	long done = 0, r = 0;
	struct { s64 sec, nsec; } ts;
	u64 deadline = 0;

	if (!s)
		return rc;
	if (flags & MSG_CMSG_COMPAT)
		r = -EINVAL;
	else if (a4) {
		if (copy_from_user(&ts, (void *)a4, sizeof(ts)))
			r = -EFAULT;
		else if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			r = -EINVAL;
		else
			deadline = ktime_ns() + (u64)ts.sec * 1000000000ULL + (u64)ts.nsec;
	}
	u64 vlen = MIN(a2, (u64)UIO_MAXIOV);
	for (; !r && (u64)done < vlen; done++) {
		u64 at = a1 + (u64)done * sizeof(mh);
		if (copy_from_user(&mh, (void *)at, sizeof(mh))) {
			r = -EFAULT;
			break;
		}
		r = recv_one(s, &mh.hdr, (int)flags, at);
		if (r < 0)
			break;
		u32 len = (u32)r;
		if (copy_to_user((void *)(at + offsetof(struct user_mmsghdr, len)), &len, 4)) {
			r = -EFAULT;
			break;
		}
		r = 0;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (a4 && ktime_ns() >= deadline) {
			done++;
			break;
		}
	}
	file_put(f);
	return done ? done : r;
}

/* ---- options */

static int opt_int(u64 uval, u64 len, int *v)
{
	if ((int)len < (int)sizeof(int))
		return -EINVAL;
	return copy_from_user(v, (void *)uval, sizeof(int));
}

static int set_timeo(u64 *t, u64 uval, u64 len)
{
	struct { s64 sec, usec; } tv;

	if ((int)len < (int)sizeof(tv))
		return -EINVAL;
	if (copy_from_user(&tv, (void *)uval, sizeof(tv)))
		return -EFAULT;
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	if (tv.sec < 0)
		tv.sec = tv.usec = 0;	/* Linux: no wait at all, logged */
	u64 ns;
	if (__builtin_mul_overflow((u64)tv.sec, 1000000000ULL, &ns) ||
	    __builtin_add_overflow(ns, (u64)tv.usec * 1000, &ns))
		ns = 0;			/* forever */
	WRITE_ONCE(*t, ns);
	return 0;
}

long sys_setsockopt(SYSARGS)
{
	struct file *f;
	int rc, v = 0;
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	if (a1 != SOL_SOCKET) {
		/* AF_UNIX has no options of its own */
		rc = s->ops->setsockopt ? s->ops->setsockopt(s, (int)a1, (int)a2, a3, a4) : -EOPNOTSUPP;
		file_put(f);
		return rc;
	}
	switch (a2) {
	case SO_RCVTIMEO:
	case SO_RCVTIMEO_NEW:
		rc = set_timeo(&s->rcvtimeo, a3, a4);
		break;
	case SO_SNDTIMEO:
	case SO_SNDTIMEO_NEW:
		rc = set_timeo(&s->sndtimeo, a3, a4);
		break;
	case SO_LINGER: {
		struct { int on, secs; } l;
		if ((int)a4 < (int)sizeof(l))
			rc = -EINVAL;
		else if (!(rc = copy_from_user(&l, (void *)a3, sizeof(l)))) {
			s->linger_on = !!l.on;
			s->linger_secs = l.secs;
		}
		break;
	}
	default:
		if ((rc = opt_int(a3, a4, &v)))
			break;
		switch (a2) {
		case SO_REUSEADDR: s->reuseaddr = !!v; break;
		case SO_REUSEPORT: s->reuseport = !!v; break;
		case SO_KEEPALIVE: s->keepalive = !!v; break;
		case SO_PASSCRED: WRITE_ONCE(s->passcred, !!v); break;
		case SO_SNDBUF:
			v = (int)MIN((u32)MAX(v, 0), (u32)WMEM_MAX);
			WRITE_ONCE(s->sndbuf, MAX(v * 2, SOCK_MIN_SNDBUF));
			wake_up_all(&s->wq);	/* more room for blocked writers */
			break;
		case SO_RCVBUF:
			v = (int)MIN((u32)MAX(v, 0), (u32)WMEM_MAX);
			WRITE_ONCE(s->rcvbuf, MAX(v * 2, SOCK_MIN_RCVBUF));
			break;
		case SO_SNDBUFFORCE:	/* past wmem_max, for CAP_NET_ADMIN */
		case SO_RCVBUFFORCE:
			if (!sock_capable(CAP_NET_ADMIN)) {
				rc = -EPERM;
				break;
			}
			v = (int)MIN((u32)MAX(v, 0), (u32)(0x7fffffff / 2));	/* doubled: stays positive */
			if (a2 == SO_SNDBUFFORCE) {
				WRITE_ONCE(s->sndbuf, MAX(v * 2, SOCK_MIN_SNDBUF));
				wake_up_all(&s->wq);
			} else {
				WRITE_ONCE(s->rcvbuf, MAX(v * 2, SOCK_MIN_RCVBUF));
			}
			break;
		case SO_OOBINLINE: WRITE_ONCE(s->oobinline, !!v); break;
		case SO_NO_CHECK: WRITE_ONCE(s->no_check, !!v); break;
		default:
			rc = -ENOPROTOOPT;
		}
	}
	if (!rc && s->ops->setsockopt)	/* the family applies what it uses */
		rc = s->ops->setsockopt(s, SOL_SOCKET, (int)a2, a3, a4);
	file_put(f);
	return rc;
}

static void timeo_tv(u64 ns, s64 out[2])
{
	out[0] = (s64)(ns / 1000000000ULL);
	out[1] = (s64)(ns % 1000000000ULL / 1000);
}

long sys_getsockopt(SYSARGS)
{
	struct file *f;
	int rc, len, v = 0;
	union { int i; s64 tv[2]; struct ucred_k cred; int linger[2]; } val;
	size_t n = sizeof(int);
	struct socket *s = sock_fget(a0, &f, &rc);

	if (!s)
		return rc;
	if (copy_from_user(&len, (void *)a4, sizeof(len))) {
		rc = -EFAULT;
		goto out;
	}
	if (len < 0) {
		rc = -EINVAL;
		goto out;
	}
	if (a1 != SOL_SOCKET && s->ops->getsockopt_ext &&
	    (rc = s->ops->getsockopt_ext(s, (int)a1, (int)a2, a3, &len)) != -ENOPROTOOPT) {
		if (!rc && copy_to_user((void *)a4, &len, sizeof(len)))
			rc = -EFAULT;
		goto out;
	}
	if (a1 != SOL_SOCKET) {
		rc = s->ops->getsockopt ? s->ops->getsockopt(s, (int)a1, (int)a2, &v) : -EOPNOTSUPP;
		if (rc)
			goto out;
		val.i = v;
		goto copy;
	}
	switch (a2) {
	case SO_TYPE: v = s->type; break;
	case SO_DOMAIN: v = s->family; break;
	case SO_PROTOCOL: v = s->protocol; break;
	case SO_REUSEADDR: v = s->reuseaddr; break;
	case SO_REUSEPORT: v = s->reuseport; break;
	case SO_KEEPALIVE: v = s->keepalive; break;
	case SO_OOBINLINE: v = READ_ONCE(s->oobinline); break;
	case SO_NO_CHECK: v = READ_ONCE(s->no_check); break;
	case SO_PASSCRED: v = READ_ONCE(s->passcred); break;
	case SO_SNDBUF: v = READ_ONCE(s->sndbuf); break;
	case SO_RCVBUF: v = READ_ONCE(s->rcvbuf); break;
	case SO_ACCEPTCONN: v = READ_ONCE(s->acceptconn); break;
	case SO_ERROR: v = -__atomic_exchange_n(&s->err, 0, __ATOMIC_RELAXED); break;
	case SO_LINGER:
		val.linger[0] = s->linger_on;
		val.linger[1] = s->linger_secs;
		n = sizeof(val.linger);
		break;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		timeo_tv(a2 == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo, val.tv);
		n = sizeof(val.tv);
		break;
	case SO_PEERCRED:
		if (!s->ops->peercred(s, &val.cred))
			val.cred = (struct ucred_k){ 0, 65534, 65534 }	/* overflowuid */;
		else
			val.cred.pid = pid_to_user(val.cred.pid);	/* the reader's number */
		n = sizeof(val.cred);
		break;
	default:
		rc = -ENOPROTOOPT;
		goto out;
	}
	if (n == sizeof(int))
		val.i = v;
copy:
	len = (int)MIN((size_t)len, n);
	rc = copy_to_user((void *)a3, &val, (size_t)len) ||
	     copy_to_user((void *)a4, &len, sizeof(len)) ? -EFAULT : 0;
out:
	file_put(f);
	return rc;
}
