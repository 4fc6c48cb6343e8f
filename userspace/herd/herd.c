/*
 * herd: Alloy's service supervisor (docs/herd.md).
 *
 *   herd serve [--config DIR] [--run DIR] [--logdir DIR] [--policy=c]
 *   herd [--run DIR] status [NAME] | start NAME | stop NAME | restart NAME
 *                  | reload | info | logs NAME [-n N] [-f]
 *
 * The server is one event loop (epoll): a signalfd for SIGCHLD, SIGTERM,
 * SIGINT and SIGHUP, the control FIFO, the services' stdout and stderr
 * pipes and the reply FIFOs of clients whose replies did not fit at once;
 * epoll_wait's timeout is the nearest deadline (a restart after backoff, a
 * stop timeout). Nothing blocks: every fd is non-blocking. Decisions
 * (parsing service files, when to restart, when to rotate) are made by
 * the policy core behind ffi/herd.h (select.c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "herd.h"

#define MAX_SVC 64
#define MAX_CLIENTS 64
#define CHUNK 65536			/* one read from a service pipe */
#define PART_MAX 4096			/* a log line's text; longer ones are split */
#define REQ_MAX 4096			/* a request line (PIPE_BUF: written atomically) */
#define REPLY_MAX 32768
#define ID_MAX 48
#define MAGIC "HERD1 "

enum { ST_STOPPED, ST_RUNNING, ST_STOPPING, ST_BACKOFF, ST_FAILED, ST_EXITED, ST_BAD };
static const char *const state_names[] = {
	"stopped", "running", "stopping", "backoff", "failed", "exited", "bad",
};

struct stream {
	int fd;				/* pipe read end, -1 when closed */
	size_t n;			/* bytes in part */
	int cont;			/* part continues a split line */
	char part[PART_MAX];		/* the line being read */
};

struct svc {
	int used, loaded;		/* a slot; in the current config */
	char name[HERD_NAME_MAX];
	struct herd_service cfg;
	char bad[700];			/* ST_BAD: file:line: what */
	int state;
	pid_t pid;
	uint64_t started_ms, restart_at, stop_deadline;
	struct herd_decision last;
	uint32_t restarts;
	int last_how, last_code;	/* 0: none yet */
	int then_start;			/* start again once stopped (restart, reload) */
	int killed;			/* SIGKILL sent after the timeout */
	struct stream st[2];		/* 0 stdout, 1 stderr */
	int log_fd;
	uint64_t log_size;
	int order;
};

struct client {
	int fd;				/* reply FIFO, -1: free slot */
	uint64_t deadline;		/* a client that does not read: dropped */
	size_t off, len;
	char out[REPLY_MAX];
};

static struct svc svcs[MAX_SVC];
static struct client clients[MAX_CLIENTS];
static const char *config_dir = "/etc/herd", *run_dir = "/run/herd", *log_dir = "/var/log/herd";
static int epfd, sigfd, ctl_fd;
static int shutting_down;
static char ctl_buf[REQ_MAX + 64];
static size_t ctl_len;
static int ctl_skip;			/* discarding an oversized line */
static char chunk[CHUNK];
static char logbuf[CHUNK + PART_MAX + 128];
static size_t logbuf_len;
static uint32_t rng = 2463534242u;

/* epoll tags */
#define T_SIG 1
#define T_CTL 2
#define T_OUT 3
#define T_ERR 4
#define T_CLIENT 5
#define TAG(t, i) (((uint64_t)(t) << 32) | (uint32_t)(i))

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t xrand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void logmsg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "herd: ");

	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(buf);
	if (n < (int)sizeof(buf) - 1)
		buf[n++] = '\n';
	if (write(2, buf, (size_t)n) < 0)
		return;
}

static const char *str(const struct svc *s, uint16_t off)
{
	return s->cfg.strings + off;
}

/* ---- logs */

static void log_path(const struct svc *s, int k, char *buf, size_t len)
{
	if (k)
		snprintf(buf, len, "%s/%s.log.%d", log_dir, s->name, k);
	else
		snprintf(buf, len, "%s/%s.log", log_dir, s->name);
}

static void log_open(struct svc *s)
{
	char p[256];
	struct stat sb;

	if (s->log_fd >= 0)
		return;
	log_path(s, 0, p, sizeof(p));
	s->log_fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	s->log_size = s->log_fd >= 0 && !fstat(s->log_fd, &sb) ? (uint64_t)sb.st_size : 0;
	if (s->log_fd < 0)
		logmsg("%s: cannot open %s: %s", s->name, p, strerror(errno));
}

static void log_flush(struct svc *s)
{
	size_t off = 0;

	while (off < logbuf_len && s->log_fd >= 0) {
		ssize_t n = write(s->log_fd, logbuf + off, logbuf_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			logmsg("%s: log write: %s", s->name, strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	logbuf_len = 0;
}

static void log_rotate(struct svc *s)
{
	char a[256], b[256];

	log_flush(s);
	if (s->log_fd >= 0)
		close(s->log_fd);
	s->log_fd = -1;
	if (s->cfg.log_keep == 0) {
		log_path(s, 0, a, sizeof(a));
		truncate(a, 0);
	} else {
		for (int k = (int)s->cfg.log_keep - 1; k >= 0; k--) {
			log_path(s, k, a, sizeof(a));
			log_path(s, k + 1, b, sizeof(b));
			rename(a, b);
		}
	}
	log_open(s);
	s->log_size = 0;
}

/* Appends one formatted line, rotating as the policy says. */
static void log_put(struct svc *s, const char *p, size_t len)
{
	struct herd_write w;

	while (len) {
		if (herd_decide_write(s->log_size, len, s->cfg.log_max, s->cfg.log_keep, &w)) {
			logmsg("%s: write decision refused", s->name);
			return;
		}
		if (w.action == HERD_W_ROTATE) {
			log_rotate(s);
			continue;
		}
		if (logbuf_len + w.n > sizeof(logbuf))
			log_flush(s);
		memcpy(logbuf + logbuf_len, p, w.n);
		logbuf_len += w.n;
		s->log_size += w.n;
		p += w.n;
		len -= w.n;
	}
}

static char stamp[96];

static void stamp_now(void)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, ts.tv_nsec / 1000000);
}

static void emit_line(struct svc *s, int which, int cont, const char *text, size_t n)
{
	char line[PART_MAX + 64];
	int h = snprintf(line, sizeof(line), "%s %s%s ", stamp, which ? "err" : "out",
			 cont ? "+" : "");

	memcpy(line + h, text, n);
	line[h + n] = '\n';
	log_put(s, line, (size_t)h + n + 1);
}

/* Splits a chunk into lines, keeping the unfinished one in st->part; a
 * line longer than PART_MAX goes out in pieces, the later ones marked
 * "out+"/"err+". */
static void take(struct svc *s, int which, const char *p, size_t n)
{
	struct stream *st = &s->st[which];

	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		if (st->n + k > PART_MAX) {
			size_t room = PART_MAX - st->n;
			memcpy(st->part + st->n, p, room);
			emit_line(s, which, st->cont, st->part, PART_MAX);
			st->n = 0;
			st->cont = 1;
			p += room;
			n -= room;
			continue;
		}
		memcpy(st->part + st->n, p, k);
		st->n += k;
		if (!nl)
			return;
		emit_line(s, which, st->cont, st->part, st->n);
		st->n = 0;
		st->cont = 0;
		p += k + 1;
		n -= k + 1;
	}
}

static void stream_close(struct svc *s, int which)
{
	struct stream *st = &s->st[which];

	if (st->fd < 0)
		return;
	if (st->n) {
		stamp_now();
		emit_line(s, which, st->cont, st->part, st->n);
		st->n = 0;
		st->cont = 0;
		log_flush(s);
	}
	epoll_ctl(epfd, EPOLL_CTL_DEL, st->fd, NULL);
	close(st->fd);
	st->fd = -1;
}

/* Reads what is there (at most `rounds` chunks; 0: until empty). */
static void drain(struct svc *s, int which, int rounds)
{
	struct stream *st = &s->st[which];
	int r = 0;

	while (st->fd >= 0 && (!rounds || r++ < rounds)) {
		ssize_t n = read(st->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;		/* EAGAIN */
		if (n == 0) {
			stream_close(s, which);
			break;
		}
		stamp_now();
		take(s, which, chunk, (size_t)n);
		log_flush(s);
	}
}

/* ---- services */

static void pidfile(const struct svc *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s/pids/%s", run_dir, s->name);
}

static void start(struct svc *s)
{
	int out[2], err[2];
	char p[256];
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0)
		goto fail;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		goto fail;
	}
	log_open(s);
	pid = fork();
	if (pid == 0) {
		char *argv[HERD_MAX_ARGS + 1], *envp[HERD_MAX_ENV + 3];
		sigset_t none;
		int null = open("/dev/null", O_RDONLY);
		uint32_t i, e = 0;

		setsid();
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < 32; sig++)
			signal(sig, SIG_DFL);
		if (null >= 0)
			dup2(null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		for (i = 0; i < s->cfg.argc; i++)
			argv[i] = (char *)str(s, s->cfg.argv[i]);
		argv[i] = NULL;
		envp[e++] = "PATH=/sbin:/bin:/usr/sbin:/usr/bin";
		envp[e++] = "HOME=/root";
		for (i = 0; i < s->cfg.envc; i++)
			envp[e++] = (char *)str(s, s->cfg.env[i]);
		envp[e] = NULL;
		if (s->cfg.cwd && chdir(str(s, s->cfg.cwd)) < 0) {
			dprintf(2, "herd: %s: cannot chdir to %s: %s\n", s->name,
				str(s, s->cfg.cwd), strerror(errno));
			_exit(126);
		}
		execve(argv[0], argv, envp);
		dprintf(2, "herd: %s: cannot run %s: %s\n", s->name, argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		close(out[0]);
		close(err[0]);
		goto fail;
	}
	s->pid = pid;
	s->state = ST_RUNNING;
	s->started_ms = now_ms();
	s->killed = 0;
	for (int w = 0; w < 2; w++) {
		struct epoll_event ev = { .events = EPOLLIN };
		int fd = w ? err[0] : out[0];
		stream_close(s, w);
		s->st[w].fd = fd;
		s->st[w].n = 0;
		s->st[w].cont = 0;
		fcntl(fd, F_SETFL, O_NONBLOCK);
		ev.data.u64 = TAG(w ? T_ERR : T_OUT, s - svcs);
		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	}
	pidfile(s, p, sizeof(p));
	FILE *f = fopen(p, "w");
	if (f) {
		fprintf(f, "%d\n", pid);
		fclose(f);
	}
	return;
fail:
	logmsg("%s: cannot start: %s", s->name, strerror(errno));
	s->state = ST_BACKOFF;
	s->restart_at = now_ms() + 1000;
}

static void stop(struct svc *s)
{
	if (s->state == ST_RUNNING) {
		kill(-s->pid, (int)s->cfg.stop_signal);
		kill(s->pid, (int)s->cfg.stop_signal);	/* if it left its group */
		s->state = ST_STOPPING;
		s->stop_deadline = now_ms() + s->cfg.stop_timeout_ms;
	} else if (s->state != ST_STOPPING && s->state != ST_BAD) {
		s->state = ST_STOPPED;
	}
}

static struct svc *by_pid(pid_t pid)
{
	for (int i = 0; i < MAX_SVC; i++)
		if (svcs[i].used && svcs[i].pid == pid &&
		    (svcs[i].state == ST_RUNNING || svcs[i].state == ST_STOPPING))
			return &svcs[i];
	return NULL;
}

static void exited(struct svc *s, int status)
{
	char p[256];
	struct herd_run r = { 0 };
	struct herd_decision d;
	int was = s->state;

	/* what it wrote before it exited is in the pipes: all of it to the
	 * log before anything else happens to the service */
	kill(-s->pid, SIGKILL);		/* what is left of its group */
	drain(s, 0, 0);
	drain(s, 1, 0);
	stream_close(s, 0);
	stream_close(s, 1);
	pidfile(s, p, sizeof(p));
	unlink(p);
	s->last_how = WIFSIGNALED(status) ? HERD_EXIT_SIGNAL : HERD_EXIT_CODE;
	s->last_code = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
	s->pid = 0;
	if (was == ST_STOPPING || shutting_down || !s->loaded) {
		s->state = ST_STOPPED;
		if (s->then_start && s->loaded && !shutting_down) {
			s->then_start = 0;
			s->last = (struct herd_decision){ 0 };
			start(s);
		}
		return;
	}
	r.now_ms = now_ms();
	r.started_ms = s->started_ms;
	r.window_start_ms = s->last.window_start_ms;
	r.consecutive = s->last.consecutive;
	r.window_count = s->last.window_count;
	r.how = (uint32_t)s->last_how;
	r.code = s->last_code;
	r.random = xrand();
	if (herd_decide_restart(&s->cfg, &r, &d)) {
		logmsg("%s: restart decision refused; leaving it stopped", s->name);
		s->state = ST_EXITED;
		return;
	}
	s->last = d;
	if (d.action == HERD_ACT_RESTART) {
		s->state = ST_BACKOFF;
		s->restart_at = d.at_ms;
	} else if (d.action == HERD_ACT_FAIL) {
		s->state = ST_FAILED;
		logmsg("%s: failed: %u restarts within %u ms", s->name, d.window_count - 1,
		       s->cfg.giveup_window_ms);
	} else {
		s->state = ST_EXITED;
	}
}

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct svc *s = by_pid(pid);
		if (s)
			exited(s, status);
	}
}

/* ---- configuration */

static int valid_name(const char *n, size_t len)
{
	if (len < 1 || len >= HERD_NAME_MAX || n[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)n[i]) && !strchr("_.-", n[i]))
			return 0;
	return 1;
}

static struct svc *find(const char *name)
{
	for (int i = 0; i < MAX_SVC; i++)
		if (svcs[i].used && !strcmp(svcs[i].name, name))
			return &svcs[i];
	return NULL;
}

static struct svc *slot(const char *name)
{
	for (int i = 0; i < MAX_SVC; i++)
		if (!svcs[i].used) {
			struct svc *s = &svcs[i];
			memset(s, 0, sizeof(*s));
			s->used = 1;
			snprintf(s->name, sizeof(s->name), "%s", name);
			s->st[0].fd = s->st[1].fd = s->log_fd = -1;
			return s;
		}
	return NULL;
}

static const char *check_text(uint32_t c)
{
	switch (c) {
	case HERD_S2_TOO_BIG: return "file larger than 16384 bytes";
	case HERD_S3_CONTROL: return "control character";
	case HERD_S4_LONG_LINE: return "line longer than 1024 bytes";
	case HERD_S5_NO_EQUALS: return "not KEY=VALUE";
	case HERD_S6_UNKNOWN_KEY: return "unknown key";
	case HERD_S7_DUPLICATE: return "key given twice";
	case HERD_S8_BAD_VALUE: return "bad value";
	case HERD_S9_LIMIT: return "too many arguments, environment entries or after= names, or arg= before exec=";
	case HERD_S10_NO_EXEC: return "no exec=";
	case HERD_S11_BACKOFF_ORDER: return "backoff_initial is larger than backoff_max";
	default: return "error";
	}
}

/* Orders the loaded services: after= first (a cycle or an unknown name
 * is logged and ignored), then by name. */
static void order_services(void)
{
	int done[MAX_SVC] = { 0 }, next = 0;

	for (int i = 0; i < MAX_SVC; i++)
		svcs[i].order = -1;
	for (;;) {
		int pick = -1, forced = 1;
		for (int pass = 0; pass < 2 && pick < 0; pass++) {
			for (int i = 0; i < MAX_SVC; i++) {
				struct svc *s = &svcs[i];
				int ready = 1;
				if (!s->used || !s->loaded || done[i])
					continue;
				for (uint32_t a = 0; pass == 0 && a < s->cfg.nafter; a++) {
					struct svc *d = find(str(s, s->cfg.after[a]));
					if (d && d->loaded && !done[d - svcs] && d != s)
						ready = 0;
				}
				if (ready && (pick < 0 || strcmp(s->name, svcs[pick].name) < 0))
					pick = i;
			}
			forced = pass;
		}
		if (pick < 0)
			break;
		if (forced)
			logmsg("%s: after= cycle; starting it anyway", svcs[pick].name);
		done[pick] = 1;
		svcs[pick].order = next++;
	}
}

/* Reads the config directory; with `apply`, starts, stops and restarts
 * what changed. Writes the errors to `report` (may be NULL). */
static void load(int apply, char *report, size_t rlen)
{
	static uint8_t buf[HERD_FILE_MAX + 1];
	static struct herd_service cfg;
	struct herd_parse_error perr;
	DIR *d = opendir(config_dir);
	struct dirent *de;
	size_t rused = 0;

	for (int i = 0; i < MAX_SVC; i++)
		svcs[i].loaded = 0;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[HERD_NAME_MAX], path[512], msg[700];
		struct svc *s;
		ssize_t n;
		int fd, rc;

		if (len < 9 || strcmp(de->d_name + len - 8, ".service"))
			continue;
		if (!valid_name(de->d_name, len - 8)) {
			logmsg("%s/%s: bad service name", config_dir, de->d_name);
			continue;
		}
		memcpy(name, de->d_name, len - 8);
		name[len - 8] = 0;
		snprintf(path, sizeof(path), "%s/%s", config_dir, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		if (fd >= 0)
			close(fd);
		if (n < 0)
			continue;
		s = find(name);
		rc = herd_parse_service(buf, (size_t)n, &cfg, &perr);
		if (rc) {
			snprintf(msg, sizeof(msg), "%s:%u: %s", path, perr.line, check_text(perr.check));
			logmsg("%s", msg);
			if (report && rused < rlen)
				rused += (size_t)snprintf(report + rused, rlen - rused, "%s\n", msg);
			if (s && s->state != ST_BAD) {
				s->loaded = 1;	/* keeps its running config */
				continue;
			}
			if (!s && !(s = slot(name)))
				continue;
			s->loaded = 1;
			s->state = ST_BAD;
			memcpy(s->bad, msg, sizeof(s->bad));
			continue;
		}
		if (!s) {
			if (!(s = slot(name))) {
				logmsg("%s: more than %d services", name, MAX_SVC);
				continue;
			}
			s->cfg = cfg;
			s->loaded = 1;
			s->state = ST_STOPPED;
			s->then_start = 1;	/* new: start it */
			continue;
		}
		s->loaded = 1;
		if (s->state == ST_BAD) {
			s->cfg = cfg;
			s->state = ST_STOPPED;
			s->then_start = 1;
		} else if (memcmp(&s->cfg, &cfg, sizeof(cfg))) {
			s->cfg = cfg;
			if (s->state == ST_RUNNING || s->state == ST_STOPPING) {
				s->then_start = 1;
				if (apply)
					stop(s);
			} else if (s->state == ST_BACKOFF || s->state == ST_FAILED) {
				s->then_start = 1;
				s->state = ST_STOPPED;
			}
		}
	}
	if (d)
		closedir(d);
	order_services();
	if (!apply)
		return;
	for (int i = 0; i < MAX_SVC; i++) {
		struct svc *s = &svcs[i];
		if (s->used && !s->loaded) {
			if (s->state == ST_RUNNING || s->state == ST_STOPPING) {
				s->then_start = 0;
				stop(s);
			} else {
				if (s->log_fd >= 0)
					close(s->log_fd);
				s->used = 0;
			}
		}
	}
	for (int o = 0; o < MAX_SVC; o++)
		for (int i = 0; i < MAX_SVC; i++) {
			struct svc *s = &svcs[i];
			if (s->used && s->loaded && s->order == o && s->then_start &&
			    s->state == ST_STOPPED) {
				s->then_start = 0;
				s->last = (struct herd_decision){ 0 };
				start(s);
			}
		}
}

/* A herd that was killed left its services running: kill their groups
 * (the pid files say which; only a process that still leads its own
 * session, as herd made it, is taken for one). */
static void adopt(void)
{
	char dir[256];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/pids", run_dir);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char p[512], stat[512];
		long pid = 0;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if ((f = fopen(p, "r"))) {
			if (fscanf(f, "%ld", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		unlink(p);
		if (pid <= 1)
			continue;
		snprintf(p, sizeof(p), "/proc/%ld/stat", pid);
		if ((f = fopen(p, "r"))) {
			long sid = -1;
			char *c;
			if (fgets(stat, sizeof(stat), f) && (c = strrchr(stat, ')')) &&
			    sscanf(c + 1, " %*c %*d %*d %ld", &sid) == 1 && sid == pid) {
				logmsg("%s: killing process group %ld left by an earlier herd",
				       de->d_name, pid);
				kill((pid_t)-pid, SIGKILL);
			}
			fclose(f);
		}
	}
	closedir(d);
}

/* ---- control */

static void reply_flush(struct client *c)
{
	while (c->off < c->len) {
		ssize_t n = write(c->fd, c->out + c->off, c->len - c->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;		/* EPOLLOUT brings us back */
		if (n <= 0)
			break;		/* the client went away */
		c->off += (size_t)n;
	}
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static void reply(const char *id, const char *text)
{
	char p[256];
	struct client *c = NULL;
	int fd;

	snprintf(p, sizeof(p), "%s/clients/%s", run_dir, id);
	fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;		/* no such client, or it is gone */
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd < 0) {
			c = &clients[i];
			break;
		}
	if (!c) {
		const char *busy = "err busy\n.\n";
		if (write(fd, busy, strlen(busy)) < 0)
			;
		close(fd);
		return;
	}
	c->fd = fd;
	c->deadline = now_ms() + 5000;
	c->off = 0;
	c->len = strlen(text);
	if (c->len > sizeof(c->out))
		c->len = sizeof(c->out);
	memcpy(c->out, text, c->len);
	reply_flush(c);
	if (c->fd >= 0) {
		struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = TAG(T_CLIENT, c - clients) };
		epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
	}
}

static int status_line(struct svc *s, char *b, size_t len)
{
	uint64_t now = now_ms();
	char last[32] = "-", next[32] = "-", up[32] = "-";

	if (s->last_how == HERD_EXIT_CODE)
		snprintf(last, sizeof(last), "exit:%d", s->last_code);
	else if (s->last_how == HERD_EXIT_SIGNAL)
		snprintf(last, sizeof(last), "signal:%d", s->last_code);
	if (s->state == ST_BACKOFF)
		snprintf(next, sizeof(next), "%llums",
			 (unsigned long long)(s->restart_at > now ? s->restart_at - now : 0));
	if (s->state == ST_RUNNING || s->state == ST_STOPPING)
		snprintf(up, sizeof(up), "%llums", (unsigned long long)(now - s->started_ms));
	if (s->state == ST_BAD)
		return snprintf(b, len, "%s bad pid=0 restarts=0 uptime=- last=- next=- error=%s\n",
				s->name, s->bad);
	return snprintf(b, len, "%s %s pid=%d restarts=%u uptime=%s last=%s next=%s\n", s->name,
			state_names[s->state], (int)s->pid, s->restarts, up, last, next);
}

static void handle(const char *id, char *req)
{
	static char out[REPLY_MAX];
	char *argv[4] = { 0 }, *save = NULL, *w;
	int argc = 0;
	size_t o = 0;
	struct svc *s = NULL;

	for (w = strtok_r(req, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (argc == 4) {
			reply(id, "err too many words\n.\n");
			return;
		}
		argv[argc++] = w;
	}
	if (!argc) {
		reply(id, "err empty request\n.\n");
		return;
	}
#define NEED(n) do { if (argc != (n)) { reply(id, "err wrong number of arguments\n.\n"); return; } } while (0)
#define SVC() do { NEED(2); if (!(s = find(argv[1])) || !s->loaded) { reply(id, "err no such service\n.\n"); return; } } while (0)
	if (!strcmp(argv[0], "status")) {
		if (argc > 2) {
			reply(id, "err wrong number of arguments\n.\n");
			return;
		}
		if (argc == 2)
			SVC();
		o += (size_t)snprintf(out + o, sizeof(out) - o, "ok\n");
		for (int ord = -1; ord < MAX_SVC; ord++)
			for (int i = 0; i < MAX_SVC; i++) {
				struct svc *t = &svcs[i];
				if (!t->used || !t->loaded || t->order != ord || (s && s != t))
					continue;
				if (o < sizeof(out) - 256)
					o += (size_t)status_line(t, out + o, sizeof(out) - o);
			}
		snprintf(out + o, sizeof(out) - o, ".\n");
		reply(id, out);
	} else if (!strcmp(argv[0], "start")) {
		SVC();
		if (s->state == ST_BAD) {
			reply(id, "err service file has an error\n.\n");
			return;
		}
		if (s->state == ST_STOPPING)
			s->then_start = 1;
		else if (s->state != ST_RUNNING) {
			s->last = (struct herd_decision){ 0 };
			start(s);
		}
		reply(id, "ok\n.\n");
	} else if (!strcmp(argv[0], "stop")) {
		SVC();
		s->then_start = 0;
		stop(s);
		reply(id, "ok\n.\n");
	} else if (!strcmp(argv[0], "restart")) {
		SVC();
		if (s->state == ST_BAD) {
			reply(id, "err service file has an error\n.\n");
			return;
		}
		s->last = (struct herd_decision){ 0 };
		if (s->state == ST_RUNNING || s->state == ST_STOPPING) {
			s->then_start = 1;
			stop(s);
		} else {
			start(s);
		}
		reply(id, "ok\n.\n");
	} else if (!strcmp(argv[0], "logs")) {
		char p[256];
		SVC();
		log_path(s, 0, p, sizeof(p));
		snprintf(out, sizeof(out), "ok\n%s\n.\n", p);
		reply(id, out);
	} else if (!strcmp(argv[0], "reload")) {
		char rep[2048] = "";
		NEED(1);
		load(1, rep, sizeof(rep));
		snprintf(out, sizeof(out), "ok\n%s.\n", rep);
		reply(id, out);
	} else if (!strcmp(argv[0], "info")) {
		NEED(1);
		snprintf(out, sizeof(out), "ok\npid=%d policy=%s\n.\n", (int)getpid(),
			 herd_policy_name());
		reply(id, out);
	} else {
		reply(id, "err unknown command\n.\n");
	}
}

static int valid_id(const char *id, size_t n)
{
	if (n < 1 || n > ID_MAX || id[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("_.-", id[i]))
			return 0;
	return 1;
}

/* One line from the control FIFO: "HERD1 ID COMMAND ARGS". Anything else
 * is dropped (there is no one to answer). */
static void ctl_line(char *line, size_t n, int too_long)
{
	char id[ID_MAX + 1], *sp;
	size_t idn;

	if (n < sizeof(MAGIC) - 1 || memcmp(line, MAGIC, sizeof(MAGIC) - 1))
		return;
	line += sizeof(MAGIC) - 1;
	n -= sizeof(MAGIC) - 1;
	sp = memchr(line, ' ', n);
	idn = sp ? (size_t)(sp - line) : n;
	if (!valid_id(line, idn))
		return;
	memcpy(id, line, idn);
	id[idn] = 0;
	if (too_long) {
		reply(id, "err request too long\n.\n");
		return;
	}
	line[n] = 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) {
			reply(id, "err control character in request\n.\n");
			return;
		}
	handle(id, sp ? sp + 1 : line + n);
}

static void ctl_read(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(ctl_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];
			if (c == '\n') {
				ctl_line(ctl_buf, ctl_len, ctl_skip);
				ctl_len = 0;
				ctl_skip = 0;
			} else if (ctl_len < REQ_MAX) {
				ctl_buf[ctl_len++] = c;
			} else {
				ctl_skip = 1;	/* keep its start: the id */
			}
		}
	}
}

/* ---- the loop */

static void shutdown_step(void)
{
	int last = -1;

	for (int i = 0; i < MAX_SVC; i++) {
		struct svc *s = &svcs[i];
		if (!s->used)
			continue;
		if (s->state == ST_STOPPING)
			return;		/* one at a time, in reverse order */
		if (s->state == ST_RUNNING && (last < 0 || s->order > svcs[last].order))
			last = i;
	}
	if (last >= 0) {
		logmsg("stopping %s", svcs[last].name);
		stop(&svcs[last]);
		return;
	}
	for (int i = 0; i < MAX_SVC; i++)
		if (svcs[i].used && svcs[i].log_fd >= 0)
			fsync(svcs[i].log_fd);
	logmsg("all services stopped, logs flushed");
	exit(0);
}

static int timers(void)
{
	uint64_t now = now_ms(), next = UINT64_MAX;

	for (int i = 0; i < MAX_SVC; i++) {
		struct svc *s = &svcs[i];
		if (!s->used)
			continue;
		if (s->state == ST_BACKOFF && !shutting_down) {
			if (s->restart_at <= now) {
				s->restarts++;
				start(s);
			} else if (s->restart_at < next) {
				next = s->restart_at;
			}
		}
		if (s->state == ST_STOPPING && !s->killed) {
			if (s->stop_deadline <= now) {
				logmsg("%s: still running %u ms after signal %u; SIGKILL", s->name,
				       s->cfg.stop_timeout_ms, s->cfg.stop_signal);
				kill(-s->pid, SIGKILL);
				kill(s->pid, SIGKILL);
				s->killed = 1;
			} else if (s->stop_deadline < next) {
				next = s->stop_deadline;
			}
		}
	}
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &clients[i];
		if (c->fd < 0)
			continue;
		if (c->deadline <= now) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->fd = -1;
		} else if (c->deadline < next) {
			next = c->deadline;
		}
	}
	if (next == UINT64_MAX)
		return -1;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

static void mkdirs(const char *path)
{
	char p[256];

	snprintf(p, sizeof(p), "%s", path);
	for (char *c = p + 1; *c; c++)
		if (*c == '/') {
			*c = 0;
			mkdir(p, 0755);
			*c = '/';
		}
	mkdir(p, 0755);
}

static int serve(int want_c)
{
	char why[160], p[256];
	sigset_t mask;
	struct epoll_event ev;
	const char *brk = getenv("HERD_POLICY_BREAK");

	const char *pol = getenv("HERD_POLICY");
	if (pol && !strcmp(pol, "c"))
		want_c = 1;
	herd_policy_init(want_c, brk && !strcmp(brk, "abi"), why, sizeof(why));
	logmsg("policy: %s", why);
	rng ^= (uint32_t)getpid() * 2654435761u ^ (uint32_t)now_ms();

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sigfd < 0 || epfd < 0) {
		logmsg("signalfd/epoll: %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	mkdirs(log_dir);
	snprintf(p, sizeof(p), "%s/pids", run_dir);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/clients", run_dir);
	mkdirs(p);
	adopt();
	snprintf(p, sizeof(p), "%s/ctl", run_dir);
	unlink(p);
	if (mkfifo(p, 0600) < 0 || (ctl_fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		logmsg("%s: %s", p, strerror(errno));
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = TAG(T_SIG, 0);
	epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev);
	ev.data.u64 = TAG(T_CTL, 0);
	epoll_ctl(epfd, EPOLL_CTL_ADD, ctl_fd, &ev);
	load(1, NULL, 0);
	logmsg("running (pid %d, config %s)", (int)getpid(), config_dir);

	for (;;) {
		struct epoll_event evs[32];
		int n = epoll_wait(epfd, evs, 32, timers());

		for (int i = 0; i < n; i++) {
			uint32_t t = (uint32_t)(evs[i].data.u64 >> 32), idx = (uint32_t)evs[i].data.u64;
			if (t == T_SIG) {
				struct signalfd_siginfo si;
				while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						load(1, NULL, 0);
					else if (si.ssi_signo != SIGCHLD && !shutting_down) {
						logmsg("signal %u: stopping every service", si.ssi_signo);
						shutting_down = 1;
					}
				}
				reap();
			} else if (t == T_CTL) {
				ctl_read();
			} else if ((t == T_OUT || t == T_ERR) && idx < MAX_SVC) {
				drain(&svcs[idx], t == T_ERR, 4);
			} else if (t == T_CLIENT && idx < MAX_CLIENTS && clients[idx].fd >= 0) {
				reply_flush(&clients[idx]);
			}
		}
		if (shutting_down)
			shutdown_step();
	}
}

/* ---- the client */

static int client(int argc, char **argv)
{
	char id[64], fifo[256], ctl[256], req[REQ_MAX], buf[4096];
	static char rep[REPLY_MAX + 16];
	size_t rl = 0, o;
	int fd, cfd, lines = 10, follow = 0;
	uint64_t deadline;
	const char *cmd = argv[0];

	if (!strcmp(cmd, "logs")) {
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "-f"))
				follow = 1;
			else if (!strcmp(argv[i], "-n") && i + 1 < argc)
				lines = atoi(argv[++i]);
			else {
				fprintf(stderr, "usage: herd logs NAME [-n N] [-f]\n");
				return 2;
			}
		}
		argc = argc > 2 ? 2 : argc;
	}
	o = (size_t)snprintf(req, sizeof(req), "\n" MAGIC);
	snprintf(id, sizeof(id), "c%d-%llu", (int)getpid(), (unsigned long long)now_ms());
	o += (size_t)snprintf(req + o, sizeof(req) - o, "%s", id);
	for (int i = 0; i < argc && o < sizeof(req) - 2; i++)
		o += (size_t)snprintf(req + o, sizeof(req) - o, " %s", argv[i]);
	if (o >= sizeof(req) - 1) {
		fprintf(stderr, "herd: request too long\n");
		return 2;
	}
	req[o++] = '\n';
	snprintf(fifo, sizeof(fifo), "%s/clients/%s", run_dir, id);
	snprintf(ctl, sizeof(ctl), "%s/ctl", run_dir);
	if (mkfifo(fifo, 0600) < 0 || (fd = open(fifo, O_RDONLY | O_NONBLOCK)) < 0) {
		fprintf(stderr, "herd: %s: %s\n", fifo, strerror(errno));
		return 1;
	}
	/* herd may be starting (at boot): wait a little for its FIFO */
	deadline = now_ms() + 3000;
	while ((cfd = open(ctl, O_WRONLY | O_NONBLOCK)) < 0 &&
	       (errno == ENOENT || errno == ENXIO) && now_ms() < deadline)
		usleep(20000);
	/* one write of at most PIPE_BUF bytes: all of it or EAGAIN (full) */
	ssize_t wr = -1;
	while (cfd >= 0 && (wr = write(cfd, req, o)) < 0 && errno == EAGAIN &&
	       now_ms() < deadline + 7000)
		usleep(5000);
	if (cfd < 0 || wr != (ssize_t)o) {
		fprintf(stderr, "herd: %s: %s (is herd running?)\n", ctl, strerror(errno));
		unlink(fifo);
		return 1;
	}
	close(cfd);
	deadline = now_ms() + 10000;
	while (now_ms() < deadline) {
		ssize_t n = read(fd, rep + rl, sizeof(rep) - 1 - rl);
		if (n > 0) {
			rl += (size_t)n;
			rep[rl] = 0;
			if (rl >= 2 && !strcmp(rep + rl - 2, ".\n") &&
			    (rl == 2 || rep[rl - 3] == '\n'))
				break;
			if (rl == sizeof(rep) - 1)
				break;
			continue;
		}
		usleep(5000);
	}
	close(fd);
	unlink(fifo);
	rep[rl] = 0;
	if (rl < 4 || strcmp(rep + rl - 2, ".\n")) {
		fprintf(stderr, "herd: no reply\n");
		return 1;
	}
	rep[rl - 2] = 0;
	if (strncmp(rep, "ok\n", 3)) {
		fprintf(stderr, "herd: %s", rep[0] == 'e' && rep[1] == 'r' ? rep + 4 : rep);
		return 1;
	}
	if (strcmp(cmd, "logs")) {
		fputs(rep + 3, stdout);
		return 0;
	}
	/* logs: the server says where; read it here */
	char *path = rep + 3, *nl = strchr(path, '\n');
	if (nl)
		*nl = 0;
	fd = open(path, O_RDONLY);
	off_t size = fd >= 0 ? lseek(fd, 0, SEEK_END) : 0, pos = size;
	int have = 0;
	/* back from the end until `lines` newlines are behind us */
	while (fd >= 0 && pos > 0 && have <= lines) {
		size_t k = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		pos -= (off_t)k;
		if (pread(fd, buf, k, pos) != (ssize_t)k)
			break;
		for (size_t i = k; i-- > 0;)
			if (buf[i] == '\n' && ++have > lines) {
				pos += (off_t)i + 1;
				break;
			}
	}
	for (;;) {
		ssize_t n;
		struct stat a, b;
		while (fd >= 0 && (n = pread(fd, buf, sizeof(buf), pos)) > 0) {
			fwrite(buf, 1, (size_t)n, stdout);
			pos += n;
		}
		fflush(stdout);
		if (!follow)
			return 0;
		usleep(200000);
		/* rotated: the name now holds a new file; read the old one to
		 * its end (done above), then the new one from its start */
		if (stat(path, &a) == 0 && (fd < 0 || (fstat(fd, &b) == 0 &&
						     (a.st_ino != b.st_ino || a.st_size < pos)))) {
			if (fd >= 0) {
				while ((n = pread(fd, buf, sizeof(buf), pos)) > 0) {
					fwrite(buf, 1, (size_t)n, stdout);
					pos += n;
				}
				close(fd);
			}
			fd = open(path, O_RDONLY);
			pos = 0;
		}
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: herd serve [--config DIR] [--run DIR] [--logdir DIR] [--policy=c]\n"
		"       herd [--run DIR] status [NAME] | start NAME | stop NAME | restart NAME\n"
		"                      | reload | info | logs NAME [-n N] [-f]\n");
}

int main(int argc, char **argv)
{
	int want_c = 0, i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--policy=c"))
			want_c = 1;
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config_dir = argv[++i];
		else if (!strcmp(argv[i], "--run") && i + 1 < argc)
			run_dir = argv[++i];
		else if (!strcmp(argv[i], "--logdir") && i + 1 < argc)
			log_dir = argv[++i];
		else {
			usage();
			return 2;
		}
	}
	if (i == argc) {
		usage();
		return 2;
	}
	if (!strcmp(argv[i], "serve")) {
		for (i++; i < argc; i++) {
			if (!strcmp(argv[i], "--policy=c"))
				want_c = 1;
			else if (!strcmp(argv[i], "--config") && i + 1 < argc)
				config_dir = argv[++i];
			else if (!strcmp(argv[i], "--run") && i + 1 < argc)
				run_dir = argv[++i];
			else if (!strcmp(argv[i], "--logdir") && i + 1 < argc)
				log_dir = argv[++i];
			else {
				usage();
				return 2;
			}
		}
		return serve(want_c);
	}
	return client(argc - i, argv + i);
}
