/*
 * BSD sockets (kernel/net/socket.c; docs/net.md). A socket is a file of
 * socket_fops whose priv is a struct socket; each family supplies a
 * proto_ops table. The socket layer copies addresses, iovec arrays and
 * control messages in and out; families see kernel copies (struct kmsg)
 * and move data through the iterator. Lifetime: the file holds one
 * reference on its socket, and so may peers and in-flight messages.
 */
#ifndef ALLOY_SOCKET_H
#define ALLOY_SOCKET_H

#include <alloy/atomic.h>
#include <alloy/types.h>
#include <alloy/wait.h>

#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf

#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_WAITFORONE 0x10000
#define MSG_CMSG_CLOEXEC 0x40000000
#define MSG_CTRUNC 0x8

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2

/* Socket errnos (Linux's values), kept here beside their users. */
#define ENOTSOCK 88
#define EDESTADDRREQ 89
#define EMSGSIZE 90
#define EPROTOTYPE 91
#define ENOPROTOOPT 92
#define EPROTONOSUPPORT 93
#define ESOCKTNOSUPPORT 94
#define EAFNOSUPPORT 97
#define EADDRINUSE 98
#define ECONNRESET 104
#define ENOBUFS 105
#define EISCONN 106
#define ENOTCONN 107
#define ETOOMANYREFS 109
#define ECONNREFUSED 111
#define EALREADY 114
#define EINPROGRESS 115

#define SOCKADDR_MAX 128	/* struct sockaddr_storage */
#define SCM_MAX_FD 253		/* Linux's: more in one message is EINVAL */

struct file;
struct poll_table;
struct vm_object_ops;
struct socket;

struct ucred_k { s32 pid; u32 uid, gid; };

/* Files passed with a message (SCM_RIGHTS), each with a reference. */
struct scm {
	int nfiles;
	struct file *files[];
};

/* An iovec array copied in, walked as one byte stream: user memory, or
 * (kernel) kernel memory, as splice and sendfile pass a bounce buffer. */
struct msg_iter {
	const struct { u64 base, len; } *iov;
	int cnt, idx;
	u64 off;		/* into iov[idx] */
	size_t left;		/* bytes to the end of the array */
	bool kernel;
};
int iter_copy_in(struct msg_iter *it, void *dst, size_t n);
int iter_copy_out(struct msg_iter *it, const void *src, size_t n);

struct kmsg {
	u8 name[SOCKADDR_MAX];
	int namelen;		/* in: 0 if none; out: the source's length */
	struct msg_iter it;
	struct scm *scm;	/* in: sent with the data; out: received */
	struct ucred_k creds;	/* in: SCM_CREDENTIALS (or the sender's); out */
	bool has_creds;		/* in: given by the sender; out: creds is set */
	int flags;		/* out: MSG_TRUNC, MSG_CTRUNC */
};

struct proto_ops {
	int family;
	size_t obj_size;	/* the family's socket, struct socket first */
	int (*create)(struct socket *s, int protocol);
	void (*release)(struct socket *s);	/* the file is gone */
	void (*close_wait)(struct socket *s);	/* file_ops' close_wait (optional) */
	void (*destroy)(struct socket *s);	/* the last reference is gone */
	int (*bind)(struct socket *s, const u8 *addr, int len);
	int (*connect)(struct socket *s, const u8 *addr, int len, int flags);
	int (*pair)(struct socket *a, struct socket *b);
	int (*listen)(struct socket *s, int backlog);
	int (*accept)(struct socket *s, struct socket **out, int flags);
	int (*getname)(struct socket *s, u8 *addr, bool peer);	/* length */
	unsigned int (*poll)(struct socket *s, struct poll_table *pt);
	long (*sendmsg)(struct socket *s, struct kmsg *m, int flags);
	long (*recvmsg)(struct socket *s, struct kmsg *m, size_t len, int flags);
	int (*shutdown)(struct socket *s, int how);
	long (*ioctl)(struct socket *s, u32 cmd, u64 arg);
	bool (*peercred)(struct socket *s, struct ucred_k *out);
	/* accept's connection n goes back to the head of listener s's
	 * queue (no fd for it: EMFILE), with the caller's file reference;
	 * if s no longer listens, the reference is put (n is reset). */
	void (*unaccept)(struct socket *s, struct socket *n);
	/* Options of the family's own levels (optional; else EOPNOTSUPP).
	 * setsockopt is also told of SOL_SOCKET options the socket layer set. */
	int (*setsockopt)(struct socket *s, int level, int name, u64 uval, u64 len);
	int (*getsockopt)(struct socket *s, int level, int name, int *val);
	/* Optional, tried first: options that read their argument or answer
	 * more than an int; they copy to optval themselves and set *len
	 * (in: the caller's, >= 0). -ENOPROTOOPT: ask getsockopt. */
	int (*getsockopt_ext)(struct socket *s, int level, int name, u64 optval, int *len);
	/* Optional: mmap of the socket (file_ops.mmap_object); else ENODEV. */
	int (*mmap)(struct socket *s, u64 off, u64 len, const struct vm_object_ops **ops,
		    void **obj, u64 *pgoff);
};

struct socket {
	atomic_t refcount;
	int family, type, protocol;
	const struct proto_ops *ops;
	struct file *file;	/* no reference: valid while it is open */
	u64 ino;
	struct wait_queue wq;	/* readiness: data, room, state changes */
	int sndbuf, rcvbuf;	/* SO_*BUF, as Linux reports them (doubled) */
	u64 sndtimeo, rcvtimeo;	/* ns; 0: forever */
	int err;		/* SO_ERROR, cleared when read */
	bool reuseaddr, keepalive, passcred, acceptconn;
	bool reuseport;		/* SO_REUSEPORT: stored and reported; no port is shared */
	bool oobinline;		/* SO_OOBINLINE: stored (no urgent data is kept apart) */
	bool no_check;		/* SO_NO_CHECK: UDP over IPv4 sends no checksum */
	int linger_on, linger_secs;
	struct net *net;	/* the network namespace it was made in, counted,
				 * for its whole life (fixed) */
};

struct socket *sock_get(struct socket *s);
void sock_put(struct socket *s);
/* A new socket of family/type with its file (flags: O_NONBLOCK). */
int sock_create_file(const struct proto_ops *ops, int type, int protocol, u32 flags,
		     struct socket **out);
/* The same in network namespace net (NULL: the caller's). */
int sock_create_file_net(const struct proto_ops *ops, int type, int protocol, u32 flags,
			 struct net *net, struct socket **out);
/* f's socket, or NULL if f is not one. */
struct socket *sock_from_file(struct file *f);
/* How long a send/receive may wait: 0 (non-blocking), SOCK_FOREVER or ns. */
#define SOCK_FOREVER (~0ULL)
u64 sock_timeo(const struct socket *s, bool send, int flags);
/* After a wait ended by a signal: restart unless a timeout was set. */
static inline int sock_intr(u64 timeo) { return timeo == SOCK_FOREVER ? -512 : -4; }
/* The caller's credentials as SCM_CREDENTIALS / SO_PEERCRED show them. */
void sock_cur_creds(struct ucred_k *out, bool effective);
/* Root with capability cap (CAP_NET_RAW, CAP_NET_ADMIN) in effect. */
bool sock_capable(int cap);
void scm_free(struct scm *scm);
/* SIGPIPE to the caller unless MSG_NOSIGNAL. */
void sock_sigpipe(int flags);

extern const struct proto_ops unix_ops;
extern const struct proto_ops inet_ops, inet6_ops;	/* kernel/net/inet.c */
/* The ops for an AF_INET/AF_INET6 socket of type/protocol: raw ICMP and
 * ping sockets have their own (kernel/net/inet_raw.c), others ops. */
const struct proto_ops *inet_pick_ops(const struct proto_ops *ops, int type, int protocol);
/* Brings up TCP/IP (kernel/net/inet/netd.c): once, after the drivers. */
void inet_init(void);
/* /proc/net/unix (kernel/net/unix.c). */
struct pbuf;
int unix_proc_show(struct pbuf *b);

#endif
