/*
 * AF_UNIX sockets (docs/net.md): stream, datagram and seqpacket, with
 * filesystem names (an S_IFSOCK inode made through the VFS), abstract
 * names (leading NUL, in a global table), autobind, SCM_RIGHTS and
 * SCM_CREDENTIALS.
 *
 * Each socket has a receive queue of messages (struct umsg). A sender
 * copies its data into a new message with no lock held, then takes the
 * receiver's lock only to queue it: no two socket locks are ever held at
 * once. A message is charged to its sender (wmem, bounded by SO_SNDBUF)
 * until it is freed, and holds a reference on the sender so the charge
 * can be returned and the sender woken however late that is.
 *
 * Objects: a unix_sock is refcounted (struct socket); its file holds one
 * reference, its peer's `peer` pointer one, each of its queued messages
 * one, and the name table none (release takes it out first). A peer that
 * closes marks itself dead under its own lock; whoever holds a reference
 * to it sees that under the same lock. Locks: a socket's bindlock (held
 * across the VFS's mknod), then its lock (copies to user memory under
 * it), then the table; see docs/locking.md.
 *
 * Passed files (SCM_RIGHTS): Linux collects garbage cycles of sockets in
 * flight; Alloy refuses the sends that could make one (ETOOMANYREFS). A
 * listener and its unaccepted connections (whose files its accept queue
 * holds) count as one socket: a unix socket may not be passed while files
 * wait in its own queue or connections wait in its accept queue, and no
 * files may be sent to a socket that is itself in flight, or to an
 * unaccepted connection of a listener in flight. So a socket in flight
 * holds no files, none can reach itself, every queued file is freed when
 * its receiver closes, and freeing is at most three releases deep (the
 * receiver, a socket in flight, one of its unaccepted connections). Files
 * in flight are charged to the sender's real uid, at most RLIMIT_NOFILE
 * of them unless root (Linux's too_many_unix_fds).
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/list.h>
#include <alloy/lockrank.h>
#include <alloy/poll.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/socket.h>
#include <alloy/string.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include "../fs/procfs.h"
#include "inet/inet.h"

#define UNIX_PATH_MAX 108
#define SUN_OFF 2			/* offsetof(struct sockaddr_un, sun_path) */
#define CHUNK (32 * 1024)		/* data copied per message of a stream */
#define MSG_COST 256			/* what a message costs beyond its data */
#define MAX_DGRAM_QLEN 512		/* Linux's net.unix.max_dgram_qlen */
#define FIONREAD 0x541B
#define SIOCOUTQ 0x5411

enum { SS_UNCONN, SS_LISTEN, SS_CONNECTING, SS_CONNECTED };

struct unix_addr {
	atomic_t refcount;
	int len;			/* with the family; a path's counts its NUL */
	u8 name[SOCKADDR_MAX];		/* a struct sockaddr_un, NUL after a path */
};

struct umsg {
	struct list_head link;
	struct unix_sock *owner;	/* the sender, charged `charge` */
	size_t len, off, charge;
	struct scm *scm;
	struct unix_addr *from;		/* the sender's name then, or NULL */
	struct ucred_k creds;
	struct fuser *fu;		/* charged scm->nfiles files in flight */
	int fcharge;
	u8 data[];
};

/* Files in flight per real uid (Linux's user->unix_inflight). */
struct fuser {
	struct list_head link;		/* [table] */
	u32 uid;
	int files;			/* [table] */
};

struct unix_sock {
	struct socket sk;
	struct mutex lock;
	struct mutex bindlock;
	int state;			/* [lock] SS_* */
	int shutdown;			/* [lock] RCV_/SEND_SHUTDOWN */
	bool dead;			/* [lock] released */
	struct unix_sock *peer;		/* [lock] with a reference */
	struct list_head queue;		/* [lock] umsgs */
	struct list_head acceptq;	/* [lock] a listener's unaccepted connections */
	size_t qbytes;			/* [lock] unread bytes */
	int qlen, qfiles, backlog;	/* [lock] messages / those with files */
	atomic_t wmem;			/* bytes charged to us in others' queues */
	atomic_t inflight;		/* our file is in a message this often */
	struct unix_addr *addr;		/* [bindlock] set once; read after acquire */
	struct path path;		/* [bindlock] a filesystem name's */
	struct inode *inode;		/* [table] its inode, for lookups */
	struct ucred_k peercred;	/* [lock] */
	bool has_peercred;		/* [lock] */
	bool embryo;			/* [lock] on a listener's queue, not accepted */
	bool borrowed;			/* addr is the listener's: no name of its own */
	struct unix_sock *listener;	/* [lock] an embryo's, with a reference */
	struct list_head all;		/* [table] every unix socket */
	struct list_head accept_link;	/* [listener's lock] on its acceptq */
};

/* Names and the list of every socket. */
static struct mutex table_lock = {
	.wq = WAIT_QUEUE_INIT(table_lock.wq, "unix-table"),
	.dep = { "unix-table", LR_MUTEX_UNIX_TABLE },
};
static LIST_HEAD(unix_all);
static LIST_HEAD(fusers);		/* [table] */

static struct unix_sock *usk(struct socket *s) { return (struct unix_sock *)s; }

static int unix_create(struct socket *s, int protocol)
{
	struct unix_sock *u = usk(s);

	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (s->type == 3)		/* SOCK_RAW: Linux makes it a datagram socket */
		s->type = SOCK_DGRAM;
	if (s->type != SOCK_STREAM && s->type != SOCK_DGRAM && s->type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	mutex_init(&u->lock, "unix-sock", LR_MUTEX_UNIX);
	mutex_init(&u->bindlock, "unix-bind", LR_MUTEX_UNIX_BIND);
	list_init(&u->queue);
	list_init(&u->acceptq);
	list_init(&u->accept_link);
	mutex_lock(&table_lock);
	list_add_tail(&u->all, &unix_all);
	mutex_unlock(&table_lock);
	return 0;
}

static bool connected_type(const struct socket *s)
{
	return s->type != SOCK_DGRAM;
}

/* ---- messages */

static void addr_put(struct unix_addr *a)
{
	if (a && atomic_dec_and_test(&a->refcount))
		kfree(a);
}

static struct unix_addr *addr_get(struct unix_addr *a)
{
	if (a)
		atomic_inc(&a->refcount);
	return a;
}

static struct unix_addr *read_addr(struct unix_sock *u)
{
	return __atomic_load_n(&u->addr, __ATOMIC_ACQUIRE);
}

static struct unix_sock *file_unix(struct file *f)
{
	struct socket *s = sock_from_file(f);

	return s && s->family == AF_UNIX ? usk(s) : NULL;
}

/* Returns m's files-in-flight charge to its user. */
static void files_uncharge(struct umsg *m)
{
	struct fuser *fu = m->fu;

	if (!fu)
		return;
	m->fu = NULL;
	mutex_lock(&table_lock);
	fu->files -= m->fcharge;
	if (!fu->files) {
		list_del(&fu->link);
		kfree(fu);
	}
	mutex_unlock(&table_lock);
}

/* Charges m's files to the caller's real uid: ETOOMANYREFS past its
 * RLIMIT_NOFILE (root is not limited), as Linux's too_many_unix_fds. */
static int files_charge(struct umsg *m)
{
	struct cred c;
	struct fuser *fu, *nfu = kmalloc(sizeof(*nfu), GFP_KERNEL);
	int n = m->scm->nfiles, rc = 0;

	if (!nfu)
		return -ENOBUFS;
	cred_current(&c);
	u64 limit = rlimit(RLIMIT_NOFILE);
	mutex_lock(&table_lock);
	list_for_each_entry(fu, &fusers, link)
		if (fu->uid == c.uid)
			goto found;
	fu = nfu;
	nfu = NULL;
	*fu = (struct fuser){ .uid = c.uid, .files = 0 };
	list_add(&fu->link, &fusers);
found:
	if (!cred_is_root(&c) && (u64)fu->files + (u64)n > limit) {
		rc = -ETOOMANYREFS;
		if (!fu->files) {
			list_del(&fu->link);
			kfree(fu);
		}
	} else {
		fu->files += n;
		m->fu = fu;
		m->fcharge = n;
	}
	mutex_unlock(&table_lock);
	kfree(nfu);
	return rc;
}

/* The files of scm leave (or never reach) a queue. */
static void inflight_drop(struct scm *scm)
{
	for (int i = 0; scm && i < scm->nfiles; i++) {
		struct unix_sock *x = file_unix(scm->files[i]);
		if (x)
			atomic_dec(&x->inflight);
	}
}

static void msg_free(struct umsg *m)
{
	struct unix_sock *o = m->owner;
	int cost = (int)m->charge;

	inflight_drop(m->scm);
	files_uncharge(m);
	scm_free(m->scm);
	addr_put(m->from);
	kfree(m);
	atomic_add_return(&o->wmem, -cost);
	wake_up_all(&o->sk.wq);		/* room for its writers */
	sock_put(&o->sk);
}

static void free_list(struct list_head *l)
{
	while (!list_empty(l)) {
		struct umsg *m = list_first_entry(l, struct umsg, link);
		list_del(&m->link);
		msg_free(m);
	}
}

/* Waits until our charge is under SO_SNDBUF, then takes `want` (at
 * least 1, at most what is left under it unless whole). */
static long charge(struct unix_sock *u, struct unix_sock *p, size_t want, bool whole, u64 *timeo,
		   size_t *got)
{
	for (;;) {
		int used = atomic_read(&u->wmem), buf = READ_ONCE(u->sk.sndbuf);
		if (used < buf) {
			size_t k = whole ? want : MIN(want, (size_t)(buf - used));
			if (atomic_cmpxchg(&u->wmem, used, used + (int)(k + MSG_COST))) {
				*got = k;
				return 0;
			}
			continue;
		}
		if (!*timeo)
			return -EAGAIN;
		if (READ_ONCE(u->shutdown) & SEND_SHUTDOWN)
			return -EPIPE;
#define ROOM (atomic_read(&u->wmem) < READ_ONCE(u->sk.sndbuf) || signal_pending() || \
	      READ_ONCE(p->dead) || READ_ONCE(u->sk.err))
		if (*timeo == SOCK_FOREVER)
			wait_event(u->sk.wq, ROOM);
		else if (!wait_event_timeout(u->sk.wq, ROOM, *timeo))
			*timeo = 0;
#undef ROOM
		if (atomic_read(&u->wmem) < READ_ONCE(u->sk.sndbuf))
			continue;
		if (signal_pending())
			return sock_intr(*timeo);
		if (READ_ONCE(p->dead))
			return -EPIPE;
	}
}

/* A message of n bytes from it, charged to u (which it references). */
static long msg_make(struct unix_sock *u, struct unix_sock *to, struct kmsg *km, size_t n,
		     bool whole, u64 *timeo, struct umsg **out)
{
	size_t k;
	long rc = charge(u, to, n, whole, timeo, &k);

	if (rc)
		return rc;
	struct umsg *m = kmalloc(sizeof(*m) + k, GFP_KERNEL);
	if (!m) {
		atomic_add_return(&u->wmem, -(int)(k + MSG_COST));
		return -ENOBUFS;
	}
	*m = (struct umsg){ .owner = usk(sock_get(&u->sk)), .len = k, .charge = k + MSG_COST,
			    .creds = km->creds, .from = addr_get(read_addr(u)) };
	if (iter_copy_in(&km->it, m->data, k)) {
		msg_free(m);
		return -EFAULT;
	}
	*out = m;
	return 0;
}

/* Marks the unix sockets among m's files in flight, refusing one with
 * files waiting in its own queue or connections in its accept queue (see
 * the top of the file), and charges the files to the sender. */
static int inflight_take(struct umsg *m)
{
	struct scm *scm = m->scm;
	int rc;

	if (scm && (rc = files_charge(m)))
		return rc;
	for (int i = 0; scm && i < scm->nfiles; i++) {
		struct unix_sock *x = file_unix(scm->files[i]);
		if (!x)
			continue;
		mutex_lock(&x->lock);
		bool busy = x->qfiles > 0 || !list_empty(&x->acceptq);
		if (!busy)
			atomic_inc(&x->inflight);
		mutex_unlock(&x->lock);
		if (busy) {
			for (int j = 0; j < i; j++)
				if ((x = file_unix(scm->files[j])))
					atomic_dec(&x->inflight);
			files_uncharge(m);
			return -ETOOMANYREFS;
		}
	}
	return 0;
}

/* Queues m on r (locked). */
static int enqueue(struct unix_sock *r, struct umsg *m)
{
	if (m->scm && atomic_read(&r->inflight))
		return -ETOOMANYREFS;	/* r's file is in flight itself */
	if (m->scm && r->embryo && r->listener && atomic_read(&r->listener->inflight))
		return -ETOOMANYREFS;	/* so is the listener whose queue holds r */
	list_add_tail(&m->link, &r->queue);
	r->qbytes += m->len;
	r->qlen++;
	r->qfiles += m->scm != NULL;
	return 0;
}

/* The caller took the unread bytes off qbytes. */
static void dequeue(struct unix_sock *u, struct umsg *m)
{
	list_del(&m->link);
	u->qlen--;
	u->qfiles -= m->scm != NULL;
}

/* ---- names */

/* A sockaddr_un into a, as Linux's unix_mkname: a path ends at its first
 * NUL or at len (a full 108-byte path has none). 0 or -EINVAL. */
static int parse_addr(const u8 *addr, int len, struct unix_addr *a)
{
	if (len <= SUN_OFF || len > SUN_OFF + UNIX_PATH_MAX || *(const u16 *)addr != AF_UNIX)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	memcpy(a->name, addr, (size_t)len);
	a->len = len;
	if (a->name[SUN_OFF])
		a->len = (int)strlen((char *)a->name + SUN_OFF) + SUN_OFF + 1;
	atomic_set(&a->refcount, 1);
	return 0;
}

static bool abstract(const struct unix_addr *a) { return !a->name[SUN_OFF]; }

/* [table] the socket of type bound to a (or to inode), or NULL. */
static struct unix_sock *find_locked(const struct unix_addr *a, struct inode *inode, int type)
{
	struct unix_sock *u;

	list_for_each_entry(u, &unix_all, all) {
		struct unix_addr *b = read_addr(u);
		if (!b || u->sk.type != type || READ_ONCE(u->borrowed))
			continue;	/* an accepted connection shows its listener's name */
		if (inode ? u->inode == inode
			  : (abstract(b) && b->len == a->len && !memcmp(b->name, a->name, (size_t)a->len)))
			return u;
	}
	return NULL;
}

/* The socket bound to addr, with a reference (Linux's unix_find_other). */
static int find_other(const u8 *addr, int len, int type, struct unix_sock **out)
{
	struct unix_addr a;
	struct path p = { 0 };
	struct inode *inode = NULL;
	struct cred c;
	int rc;

	if ((rc = parse_addr(addr, len, &a)))
		return rc;
	if (!abstract(&a)) {
		struct path cwd;
		proc_cwd(&cwd);		/* a relative name is the caller's cwd's */
		rc = vfs_walk(&cwd, (char *)a.name + SUN_OFF, LOOKUP_FOLLOW, &p);
		path_put(&cwd);
		if (rc)
			return rc;
		inode = p.dentry->inode;
		cred_current(&c);
		if ((rc = inode_permission(&c, inode, MAY_WRITE)) || !S_ISTYPE(inode->mode, S_IFSOCK)) {
			path_put(&p);
			return rc ? rc : -ECONNREFUSED;
		}
	}
	mutex_lock(&table_lock);
	struct unix_sock *u = find_locked(&a, inode, type);
	if (!u) {	/* bound, but to another type? */
		static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
		for (int i = 0; i < 3; i++)
			if (types[i] != type && find_locked(&a, inode, types[i]))
				rc = -EPROTOTYPE;
	}
	if (u)
		sock_get(&u->sk);
	mutex_unlock(&table_lock);
	if (inode)
		path_put(&p);
	*out = u;
	return u ? 0 : rc ? rc : -ECONNREFUSED;
}

static void set_addr(struct unix_sock *u, struct unix_addr *a)
{
	__atomic_store_n(&u->addr, a, __ATOMIC_RELEASE);
}

/* [bindlock] an abstract name of five hex digits, as Linux's. */
static int autobind_locked(struct unix_sock *u)
{
	static u32 next;
	struct unix_addr *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return -ENOMEM;
	atomic_set(&a->refcount, 1);
	*(u16 *)a->name = AF_UNIX;
	a->len = SUN_OFF + 6;
	mutex_lock(&table_lock);
	for (u32 tries = 0; tries <= 0xfffff; tries++) {
		snprintf((char *)a->name + SUN_OFF + 1, 6, "%05x", next++ & 0xfffff);
		if (!find_locked(a, NULL, u->sk.type)) {
			set_addr(u, a);
			mutex_unlock(&table_lock);
			return 0;
		}
	}
	mutex_unlock(&table_lock);
	kfree(a);
	return -ENOSPC;
}

static int autobind(struct unix_sock *u)
{
	int rc = 0;

	if (read_addr(u))
		return 0;
	mutex_lock(&u->bindlock);
	if (!u->addr)
		rc = autobind_locked(u);
	mutex_unlock(&u->bindlock);
	return rc;
}

static int bind_path(struct unix_sock *u, struct unix_addr *a)
{
	u32 mode = S_IFSOCK | (0777 & ~proc_umask());
	struct path cwd;

	proc_cwd(&cwd);
	int rc = vfs_mknod_path(&cwd, (char *)a->name + SUN_OFF, mode, &u->path);
	path_put(&cwd);

	if (rc)
		return rc == -EEXIST ? -EADDRINUSE : rc;
	mutex_lock(&table_lock);
	u->inode = u->path.dentry->inode;
	set_addr(u, a);
	mutex_unlock(&table_lock);
	return 0;
}

static int unix_bind(struct socket *s, const u8 *addr, int len)
{
	struct unix_sock *u = usk(s);
	struct unix_addr *a;
	int rc;

	if (len < SUN_OFF || *(const u16 *)addr != AF_UNIX)
		return -EINVAL;
	if (len == SUN_OFF) {
		mutex_lock(&u->bindlock);
		rc = u->addr ? -EINVAL : autobind_locked(u);
		mutex_unlock(&u->bindlock);
		return rc;
	}
	if (!(a = kmalloc(sizeof(*a), GFP_KERNEL)))
		return -ENOMEM;
	if ((rc = parse_addr(addr, len, a))) {
		kfree(a);
		return rc;
	}
	mutex_lock(&u->bindlock);
	if (u->addr) {
		rc = -EINVAL;
	} else if (!abstract(a)) {
		rc = bind_path(u, a);
	} else {
		mutex_lock(&table_lock);
		if (find_locked(a, NULL, s->type))
			rc = -EADDRINUSE;
		else
			set_addr(u, a);
		mutex_unlock(&table_lock);
	}
	mutex_unlock(&u->bindlock);
	if (rc)
		kfree(a);
	return rc;
}

static int unix_getname(struct socket *s, u8 *out, bool peer)
{
	struct unix_sock *u = usk(s), *p = NULL;

	if (peer) {
		mutex_lock(&u->lock);
		if ((p = u->peer))
			sock_get(&p->sk);
		mutex_unlock(&u->lock);
		if (!p)
			return -ENOTCONN;
		u = p;
	}
	struct unix_addr *a = read_addr(u);
	int len = SUN_OFF;
	*(u16 *)out = AF_UNIX;
	if (a) {
		len = a->len;
		memcpy(out, a->name, (size_t)MIN(len, SOCKADDR_MAX));
	}
	if (p)
		sock_put(&p->sk);
	return len;
}

/* ---- connections */

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = usk(s);
	int rc = 0;

	if (!connected_type(s))
		return -EOPNOTSUPP;
	if (!read_addr(u))
		return -EINVAL;		/* no listening on an unbound socket */
	mutex_lock(&u->lock);
	if (u->state != SS_UNCONN && u->state != SS_LISTEN) {
		rc = -EINVAL;
	} else {
		if (backlog > u->backlog || u->state != SS_LISTEN)
			wake_up_all(&s->wq);	/* connecters waiting for room */
		u->backlog = backlog;
		u->state = SS_LISTEN;
		WRITE_ONCE(s->acceptconn, true);
		sock_cur_creds(&u->peercred, true);
		u->has_peercred = true;
	}
	mutex_unlock(&u->lock);
	return rc;
}

static bool accept_ready(struct unix_sock *l)
{
	return !list_empty(&l->acceptq) || READ_ONCE(l->dead) || signal_pending();
}

static int unix_accept(struct socket *s, struct socket **out, int fflags)
{
	struct unix_sock *l = usk(s);
	u64 timeo = (fflags & O_NONBLOCK) ? 0 : sock_timeo(s, false, 0);

	if (!connected_type(s))
		return -EOPNOTSUPP;
	mutex_lock(&l->lock);
	for (;;) {
		if (l->state != SS_LISTEN) {
			mutex_unlock(&l->lock);
			return -EINVAL;
		}
		if (!list_empty(&l->acceptq))
			break;
		mutex_unlock(&l->lock);
		if (!timeo)
			return -EAGAIN;
		if (timeo == SOCK_FOREVER)
			wait_event(s->wq, accept_ready(l));
		else if (!wait_event_timeout(s->wq, accept_ready(l), timeo))
			timeo = 0;
		mutex_lock(&l->lock);
		if (list_empty(&l->acceptq) && signal_pending()) {
			mutex_unlock(&l->lock);
			return sock_intr(timeo);
		}
	}
	struct unix_sock *n = list_first_entry(&l->acceptq, struct unix_sock, accept_link);
	list_del_init(&n->accept_link);
	l->qlen--;
	mutex_unlock(&l->lock);
	mutex_lock(&n->lock);
	n->embryo = false;
	struct unix_sock *was = n->listener;
	n->listener = NULL;
	mutex_unlock(&n->lock);
	if (was)
		sock_put(&was->sk);
	wake_up_all(&s->wq);		/* room in the backlog */
	*out = &n->sk;			/* with the queue's file reference */
	return 0;
}

/* accept could not give n an fd: n goes back to the head of the queue,
 * as it was before unix_accept took it. Not if the listener went in
 * flight meanwhile (its queue was empty then): n may hold passed files,
 * and a listener in flight must hold none (the top of the file), so n is
 * reset as by a protocol without unaccept. Checked under l's lock: a
 * send of l that comes after sees n in the queue and is refused. */
static void unix_unaccept(struct socket *s, struct socket *ns)
{
	struct unix_sock *l = usk(s), *n = usk(ns);

	mutex_lock(&n->lock);
	n->embryo = true;
	n->listener = usk(sock_get(s));
	mutex_unlock(&n->lock);
	mutex_lock(&l->lock);
	bool listening = !l->dead && l->state == SS_LISTEN && !atomic_read(&l->inflight);
	if (listening) {
		list_add(&n->accept_link, &l->acceptq);
		l->qlen++;
	}
	mutex_unlock(&l->lock);
	if (listening) {
		wake_up_all(&s->wq);
		return;
	}
	mutex_lock(&n->lock);	/* l closed or in flight meanwhile: n is reset */
	n->embryo = false;
	n->listener = NULL;
	mutex_unlock(&n->lock);
	sock_put(s);
	file_put(ns->file);
}

static bool backlog_room(struct unix_sock *l)
{
	return READ_ONCE(l->qlen) <= READ_ONCE(l->backlog) || READ_ONCE(l->dead) ||
	       READ_ONCE(l->state) != SS_LISTEN || signal_pending();
}

/* Queues the new server side n on listener l: -ECONNREFUSED if l does
 * not listen, waits (or -EAGAIN) while its backlog is full. */
static int queue_connection(struct unix_sock *l, struct unix_sock *n, u64 timeo)
{
	mutex_lock(&l->lock);
	for (;;) {
		if (l->dead || l->state != SS_LISTEN) {
			mutex_unlock(&l->lock);
			return -ECONNREFUSED;
		}
		if (l->qlen <= l->backlog)
			break;
		mutex_unlock(&l->lock);
		if (!timeo)
			return -EAGAIN;
		if (timeo == SOCK_FOREVER)
			wait_event(l->sk.wq, backlog_room(l));
		else if (!wait_event_timeout(l->sk.wq, backlog_room(l), timeo))
			timeo = 0;
		if (signal_pending())
			return sock_intr(timeo);
		mutex_lock(&l->lock);
	}
	WRITE_ONCE(n->borrowed, true);	/* before find_locked can see the name */
	set_addr(n, addr_get(read_addr(l)));
	n->embryo = true;		/* nobody else has n yet: no lock needed */
	n->listener = usk(sock_get(&l->sk));
	list_add_tail(&n->accept_link, &l->acceptq);
	l->qlen++;
	mutex_unlock(&l->lock);
	wake_up_all(&l->sk.wq);
	return 0;
}

static int stream_connect(struct unix_sock *u, const u8 *addr, int len, int fflags)
{
	struct unix_sock *l, *n;
	struct socket *ns;
	int rc;

	mutex_lock(&u->lock);
	rc = u->state == SS_CONNECTED ? -EISCONN : u->state == SS_CONNECTING ? -EALREADY
	   : u->state == SS_LISTEN ? -EINVAL : 0;
	if (!rc)
		u->state = SS_CONNECTING;
	mutex_unlock(&u->lock);
	if (rc)
		return rc;
	if (READ_ONCE(u->sk.passcred) && (rc = autobind(u)))
		goto undo;
	if ((rc = find_other(addr, len, u->sk.type, &l)))
		goto undo;
	if ((rc = sock_create_file(&unix_ops, u->sk.type, 0, 0, &ns))) {
		sock_put(&l->sk);
		goto undo;
	}
	n = usk(ns);
	n->peer = usk(sock_get(&u->sk));
	n->state = SS_CONNECTED;
	sock_cur_creds(&n->peercred, true);
	n->has_peercred = true;
	u64 timeo = (fflags & O_NONBLOCK) ? 0 : sock_timeo(&u->sk, true, 0);
	/* Once queued, n's file belongs to l's accept queue: a server that
	 * accepts and closes (or closes l) frees it. This reference keeps n
	 * for u->peer below. */
	sock_get(ns);
	if ((rc = queue_connection(l, n, timeo))) {
		n->peer = NULL;		/* n goes quietly: u is not reset */
		n->state = SS_UNCONN;
		sock_put(&u->sk);
		file_put(ns->file);
		sock_put(ns);
		sock_put(&l->sk);
		goto undo;
	}
	mutex_lock(&l->lock);
	struct ucred_k lc = l->peercred;
	mutex_unlock(&l->lock);
	sock_put(&l->sk);
	mutex_lock(&u->lock);
	u->peer = n;			/* with the reference taken above */
	u->state = SS_CONNECTED;
	u->peercred = lc;
	u->has_peercred = true;
	mutex_unlock(&u->lock);
	wake_up_all(&u->sk.wq);
	return 0;
undo:
	mutex_lock(&u->lock);
	u->state = SS_UNCONN;
	mutex_unlock(&u->lock);
	return rc;
}

static int dgram_connect(struct unix_sock *u, const u8 *addr, int len)
{
	struct unix_sock *p = NULL, *old;
	int rc;

	if (len >= 2 && *(const u16 *)addr == 0) {	/* AF_UNSPEC: disconnect */
		p = NULL;
	} else {
		if (READ_ONCE(u->sk.passcred) && (rc = autobind(u)))
			return rc;
		if ((rc = find_other(addr, len, u->sk.type, &p)))
			return rc;
	}
	mutex_lock(&u->lock);
	old = u->peer;
	u->peer = p;
	u->state = p ? SS_CONNECTED : SS_UNCONN;
	mutex_unlock(&u->lock);
	if (old)
		sock_put(&old->sk);
	return 0;
}

static int unix_connect(struct socket *s, const u8 *addr, int len, int fflags)
{
	if (len < SUN_OFF)
		return -EINVAL;
	if (!connected_type(s))
		return dgram_connect(usk(s), addr, len);
	if (*(const u16 *)addr != AF_UNIX)
		return -EINVAL;
	return stream_connect(usk(s), addr, len, fflags);
}

static int unix_pair(struct socket *a, struct socket *b)
{
	struct unix_sock *x = usk(a), *y = usk(b);
	struct ucred_k c;

	sock_cur_creds(&c, true);
	x->peer = usk(sock_get(b));
	y->peer = usk(sock_get(a));
	x->state = y->state = SS_CONNECTED;
	x->peercred = y->peercred = c;
	x->has_peercred = y->has_peercred = true;
	return 0;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = usk(s), *p;

	mutex_lock(&u->lock);
	u->shutdown |= how;
	p = u->peer && connected_type(s) ? usk(sock_get(&u->peer->sk)) : NULL;
	mutex_unlock(&u->lock);
	wake_up_all(&s->wq);
	if (p) {	/* the peer sees the mirror image */
		int mirror = ((how & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
			     ((how & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0);
		mutex_lock(&p->lock);
		p->shutdown |= mirror;
		mutex_unlock(&p->lock);
		wake_up_all(&p->sk.wq);
		sock_put(&p->sk);
	}
	return 0;
}

static void unix_release(struct socket *s)
{
	struct unix_sock *u = usk(s), *p, *n, *tmp;
	LIST_HEAD(msgs);
	LIST_HEAD(conns);

	mutex_lock(&u->lock);
	u->dead = true;
	u->shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
	bool unread = !list_empty(&u->queue) || u->embryo;
	list_splice_init(&u->acceptq, &conns);
	list_splice_init(&u->queue, &msgs);
	struct unix_sock *lst = u->listener;
	u->listener = NULL;
	u->qlen = u->qfiles = 0;
	u->qbytes = 0;
	p = u->peer;
	u->peer = NULL;
	bool conn = connected_type(s) && u->state == SS_CONNECTED;
	u->state = SS_UNCONN;
	mutex_unlock(&u->lock);
	wake_up_all(&s->wq);
	if (p) {
		if (conn) {
			mutex_lock(&p->lock);
			p->shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
			if (unread)
				WRITE_ONCE(p->sk.err, ECONNRESET);
			mutex_unlock(&p->lock);
			wake_up_all(&p->sk.wq);
		}
		sock_put(&p->sk);
	}
	mutex_lock(&table_lock);
	list_del(&u->all);
	u->inode = NULL;
	mutex_unlock(&table_lock);
	if (u->path.dentry)
		path_put(&u->path);
	free_list(&msgs);
	list_for_each_entry_safe(n, tmp, &conns, accept_link) {
		list_del_init(&n->accept_link);
		file_put(n->sk.file);	/* never accepted: its client sees a reset */
	}
	if (lst)
		sock_put(&lst->sk);
}

static void unix_destroy(struct socket *s)
{
	addr_put(usk(s)->addr);
}

/* ---- sending */

/* The peer of a connected socket, with a reference; or an error. */
static int get_peer(struct unix_sock *u, struct unix_sock **out, bool conn)
{
	int rc = 0;

	mutex_lock(&u->lock);
	if (u->shutdown & SEND_SHUTDOWN)
		rc = -EPIPE;
	else if (!u->peer)
		rc = conn && u->state != SS_CONNECTED && !u->dead ? -ENOTCONN
		   : conn ? -EPIPE : -ENOTCONN;
	else
		*out = usk(sock_get(&u->peer->sk));
	mutex_unlock(&u->lock);
	return rc;
}

static long stream_send(struct unix_sock *u, struct kmsg *km, int flags)
{
	struct unix_sock *p;
	size_t total = km->it.left, sent = 0;
	u64 timeo = sock_timeo(&u->sk, true, flags);
	bool seq = u->sk.type == SOCK_SEQPACKET;
	long rc;

	if (km->namelen)
		return READ_ONCE(u->state) == SS_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if ((rc = get_peer(u, &p, true))) {
		if (rc == -EPIPE)
			sock_sigpipe(flags);
		return rc;
	}
	if (seq && total + MSG_COST > (size_t)READ_ONCE(u->sk.sndbuf)) {
		sock_put(&p->sk);
		return -EMSGSIZE;
	}
	do {
		struct umsg *m;
		if ((rc = msg_make(u, p, km, seq ? total : MIN(total - sent, (size_t)CHUNK), seq,
				   &timeo, &m)))
			break;
		if (!sent && km->scm) {
			m->scm = km->scm;
			km->scm = NULL;
			if ((rc = inflight_take(m))) {
				km->scm = m->scm;
				m->scm = NULL;
				msg_free(m);
				break;
			}
		}
		size_t k = m->len;
		mutex_lock(&p->lock);
		if (p->dead || (p->shutdown & RCV_SHUTDOWN))
			rc = -EPIPE;
		else
			rc = enqueue(p, m);
		mutex_unlock(&p->lock);
		if (rc) {
			msg_free(m);
			break;
		}
		wake_up_all(&p->sk.wq);
		sent += k;
	} while (sent < total);
	sock_put(&p->sk);
	if (rc == -EPIPE && !sent)
		sock_sigpipe(flags);
	return sent ? (long)sent : rc;
}

static long dgram_send(struct unix_sock *u, struct kmsg *km, int flags)
{
	struct unix_sock *r;
	u64 timeo = sock_timeo(&u->sk, true, flags);
	struct umsg *m;
	long rc;

	if (READ_ONCE(u->shutdown) & SEND_SHUTDOWN) {
		sock_sigpipe(flags);
		return -EPIPE;
	}
	if (READ_ONCE(u->sk.passcred) && (rc = autobind(u)))
		return rc;
	if (km->namelen)
		rc = find_other(km->name, km->namelen, SOCK_DGRAM, &r);
	else
		rc = get_peer(u, &r, false);
	if (rc)
		return rc;
	size_t n = km->it.left;
	if (n + MSG_COST > (size_t)READ_ONCE(u->sk.sndbuf)) {
		sock_put(&r->sk);
		return -EMSGSIZE;
	}
	if ((rc = msg_make(u, r, km, n, true, &timeo, &m))) {
		sock_put(&r->sk);
		return rc;
	}
	m->scm = km->scm;
	km->scm = NULL;
	if (m->scm && (rc = inflight_take(m))) {
		km->scm = m->scm;
		m->scm = NULL;
		goto fail;
	}
	mutex_lock(&r->lock);
	for (;;) {
		if (r->dead) {
			rc = -ECONNREFUSED;
		} else if (r->peer && r->peer != u) {
			rc = -EPERM;	/* connected to somebody else */
		} else if (r->shutdown & RCV_SHUTDOWN) {
			rc = -EPIPE;
		} else if (r->qlen >= MAX_DGRAM_QLEN) {
			mutex_unlock(&r->lock);
			if (!timeo) {
				rc = -EAGAIN;
				goto fail;
			}
#define QROOM (READ_ONCE(r->qlen) < MAX_DGRAM_QLEN || READ_ONCE(r->dead) || signal_pending())
			if (timeo == SOCK_FOREVER)
				wait_event(r->sk.wq, QROOM);
			else if (!wait_event_timeout(r->sk.wq, QROOM, timeo))
				timeo = 0;
#undef QROOM
			if (signal_pending()) {
				rc = sock_intr(timeo);
				goto fail;
			}
			mutex_lock(&r->lock);
			continue;
		} else {
			rc = enqueue(r, m);
		}
		break;
	}
	mutex_unlock(&r->lock);
	if (rc)
		goto fail;
	wake_up_all(&r->sk.wq);
	sock_put(&r->sk);
	return (long)n;
fail:
	if (rc == -EPIPE)
		sock_sigpipe(flags);
	msg_free(m);
	sock_put(&r->sk);
	return rc;
}

static long unix_sendmsg(struct socket *s, struct kmsg *km, int flags)
{
	if (!connected_type(s))
		return dgram_send(usk(s), km, flags);
	if (!km->it.left && s->type == SOCK_STREAM)
		return READ_ONCE(usk(s)->state) == SS_CONNECTED ? 0 : -ENOTCONN;
	return stream_send(usk(s), km, flags);
}

/* ---- receiving */

static bool readable(struct unix_sock *u)
{
	return !list_empty(&u->queue) || (READ_ONCE(u->shutdown) & RCV_SHUTDOWN) ||
	       READ_ONCE(u->sk.err) || signal_pending();
}

/* [lock, dropped while asleep] waits for a message: 0, 1 at the end of
 * the stream, or an error. */
static int wait_data(struct unix_sock *u, u64 *timeo)
{
	while (list_empty(&u->queue)) {
		int err = __atomic_exchange_n(&u->sk.err, 0, __ATOMIC_RELAXED);
		if (err)
			return -err;
		if (u->shutdown & RCV_SHUTDOWN)
			return 1;
		if (connected_type(&u->sk) && u->state != SS_CONNECTED)
			return u->sk.type == SOCK_STREAM ? -EINVAL : -ENOTCONN;
		if (!*timeo)
			return -EAGAIN;
		mutex_unlock(&u->lock);
		if (*timeo == SOCK_FOREVER)
			wait_event(u->sk.wq, readable(u));
		else if (!wait_event_timeout(u->sk.wq, readable(u), *timeo))
			*timeo = 0;
		mutex_lock(&u->lock);
		if (list_empty(&u->queue) && signal_pending())
			return sock_intr(*timeo);
	}
	return 0;
}

/* [u's lock] The files of m (on u's queue) for the receiver: moved out
 * (they leave flight, and u's count of messages with files), or copied
 * for a peek. */
static struct scm *take_scm(struct unix_sock *u, struct umsg *m, bool peek)
{
	struct scm *s = m->scm;

	if (!s)
		return NULL;
	if (!peek) {
		inflight_drop(s);
		files_uncharge(m);
		m->scm = NULL;
		u->qfiles--;
		return s;
	}
	size_t sz = sizeof(*s) + (size_t)s->nfiles * sizeof(struct file *);
	struct scm *c = kmalloc(sz, GFP_KERNEL);
	if (c) {
		c->nfiles = s->nfiles;
		for (int i = 0; i < s->nfiles; i++)
			c->files[i] = file_get(s->files[i]);
	}
	return c;
}

static void set_from(struct kmsg *km, struct umsg *m)
{
	km->creds = m->creds;
	km->has_creds = true;
	if (m->from) {
		km->namelen = m->from->len;
		memcpy(km->name, m->from->name, (size_t)MIN(m->from->len, SOCKADDR_MAX));
	} else {
		km->namelen = 0;	/* an unbound sender: no name, as Linux */
	}
}

static long stream_recv(struct unix_sock *u, struct kmsg *km, size_t n, int flags)
{
	bool peek = flags & MSG_PEEK;
	size_t done = 0, target = (flags & MSG_WAITALL) ? n : 1;
	u64 timeo = sock_timeo(&u->sk, false, flags);
	LIST_HEAD(dead);
	long rc = 0;

	if (!n)
		return 0;
	mutex_lock(&u->lock);
	if (u->state == SS_LISTEN ||	/* as Linux: a listener has nothing to read */
	    (u->state != SS_CONNECTED && list_empty(&u->queue))) {
		mutex_unlock(&u->lock);
		return -EINVAL;
	}
	struct list_head *pos = &u->queue;
	while (done < n) {
		if (pos->next == &u->queue) {
			if (done >= target || (peek && done))
				break;
			if ((rc = wait_data(u, &timeo)))
				break;
			pos = &u->queue;
			continue;
		}
		struct umsg *m = list_entry(pos->next, struct umsg, link);
		if (done && m->scm)
			break;		/* passed files start a read of their own */
		if (!done)
			set_from(km, m);
		size_t k = MIN(m->len - m->off, n - done);
		if (iter_copy_out(&km->it, m->data + m->off, k)) {
			rc = -EFAULT;
			break;
		}
		done += k;
		struct scm *scm = take_scm(u, m, peek);
		km->scm = scm;
		if (peek) {
			pos = pos->next;
		} else {
			m->off += k;
			u->qbytes -= k;
			if (m->off == m->len) {
				dequeue(u, m);
				list_add_tail(&m->link, &dead);
			}
		}
		if (scm)
			break;
	}
	mutex_unlock(&u->lock);
	free_list(&dead);
	if (done)
		return (long)done;
	return rc == 1 ? 0 : rc;
}

static long dgram_recv(struct unix_sock *u, struct kmsg *km, size_t n, int flags)
{
	bool peek = flags & MSG_PEEK;
	u64 timeo = sock_timeo(&u->sk, false, flags);
	long rc;

	mutex_lock(&u->lock);
	if (u->state == SS_LISTEN)
		rc = -ENOTCONN;		/* seqpacket, as Linux */
	else
		rc = wait_data(u, &timeo);
	if (rc) {
		mutex_unlock(&u->lock);
		return rc == 1 ? 0 : rc;
	}
	struct umsg *m = list_first_entry(&u->queue, struct umsg, link);
	size_t k = MIN(m->len, n);
	if (iter_copy_out(&km->it, m->data, k)) {
		mutex_unlock(&u->lock);
		return -EFAULT;
	}
	set_from(km, m);
	km->scm = take_scm(u, m, peek);
	if (k < m->len)
		km->flags |= MSG_TRUNC;
	rc = (flags & MSG_TRUNC) ? (long)m->len : (long)k;
	if (!peek) {
		u->qbytes -= m->len;
		dequeue(u, m);
	}
	mutex_unlock(&u->lock);
	if (!peek) {
		wake_up_all(&u->sk.wq);	/* senders waiting for queue room */
		msg_free(m);
	}
	return rc;
}

static long unix_recvmsg(struct socket *s, struct kmsg *km, size_t n, int flags)
{
	if (s->type == SOCK_STREAM)
		return stream_recv(usk(s), km, n, flags);
	return dgram_recv(usk(s), km, n, flags);
}

/* ---- readiness, ioctl, credentials */

static unsigned int unix_poll(struct socket *s, struct poll_table *pt)
{
	struct unix_sock *u = usk(s);
	unsigned int mask = 0;
	int state = READ_ONCE(u->state), sh = READ_ONCE(u->shutdown);

	poll_wait(pt, &s->wq);
	if (READ_ONCE(s->err))
		mask |= POLLERR;
	if (sh == (RCV_SHUTDOWN | SEND_SHUTDOWN))
		mask |= POLLHUP;
	if (sh & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&u->queue) || !list_empty(&u->acceptq))
		mask |= POLLIN | POLLRDNORM;
	if (connected_type(s) && state == SS_UNCONN)
		mask |= POLLHUP;
	if (state != SS_LISTEN && atomic_read(&u->wmem) * 4 <= READ_ONCE(s->sndbuf))
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return mask;
}

static long unix_ioctl(struct socket *s, u32 cmd, u64 arg)
{
	struct unix_sock *u = usk(s);
	int v;

	switch (cmd) {
	case FIONREAD:
		mutex_lock(&u->lock);
		if (u->state == SS_LISTEN) {
			mutex_unlock(&u->lock);
			return -EINVAL;
		}
		if (s->type == SOCK_STREAM || list_empty(&u->queue))
			v = (int)MIN(u->qbytes, 0x7fffffffUL);
		else
			v = (int)list_first_entry(&u->queue, struct umsg, link)->len;
		mutex_unlock(&u->lock);
		break;
	case SIOCOUTQ:
		v = atomic_read(&u->wmem);
		break;
	default:
		/* as Linux's sock_do_ioctl: the interface ioctls (SIOCGIFINDEX...)
		 * work on any socket; glibc's if_nametoindex uses a unix one */
		return inet_dev_ioctl(s->net, cmd, arg);
	}
	return copy_to_user((void *)arg, &v, sizeof(v));
}

static bool unix_peercred(struct socket *s, struct ucred_k *out)
{
	struct unix_sock *u = usk(s);

	mutex_lock(&u->lock);
	bool ok = u->has_peercred;
	*out = u->peercred;
	mutex_unlock(&u->lock);
	return ok;
}

const struct proto_ops unix_ops = {
	.family = AF_UNIX,
	.obj_size = sizeof(struct unix_sock),
	.create = unix_create,
	.release = unix_release,
	.destroy = unix_destroy,
	.bind = unix_bind,
	.connect = unix_connect,
	.pair = unix_pair,
	.listen = unix_listen,
	.accept = unix_accept,
	.unaccept = unix_unaccept,
	.getname = unix_getname,
	.poll = unix_poll,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.ioctl = unix_ioctl,
	.peercred = unix_peercred,
};

/* ---- /proc/net/unix, as Linux's */

int unix_proc_show(struct pbuf *b)
{
	struct unix_sock *u;

	pbuf_puts(b, "Num       RefCount Protocol Flags    Type St Inode Path\n");
	mutex_lock(&table_lock);
	list_for_each_entry(u, &unix_all, all) {
		int st = READ_ONCE(u->state);
		/* Linux's St: 1 unconnected (and listening), 3 connected */
		/* Num is 0, as Linux shows unprivileged readers: no heap addresses */
		pbuf_printf(b, "%016lx: %08X %08X %08X %04X %02X %5lu",
			    0ul, (unsigned)atomic_read(&u->sk.refcount), 0u,
			    st == SS_LISTEN ? 0x10000u : 0u, (unsigned)u->sk.type,
			    st == SS_CONNECTED ? 3u : 1u, (unsigned long)u->sk.ino);
		struct unix_addr *a = read_addr(u);
		if (a) {
			char name[SOCKADDR_MAX + 2];
			int n = a->len - SUN_OFF;
			if (abstract(a)) {
				for (int i = 0; i < n; i++)
					name[i] = a->name[SUN_OFF + i] ? (char)a->name[SUN_OFF + i] : '@';
				name[n] = 0;
			} else {
				strlcpy(name, (char *)a->name + SUN_OFF, sizeof(name));
			}
			pbuf_printf(b, " %s", name);
		}
		pbuf_puts(b, "\n");
	}
	mutex_unlock(&table_lock);
	return 0;
}
