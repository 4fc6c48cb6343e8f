/*
 * A sandboxed listener's fanotify event descriptors skip Landlock (review
 * of the Landlock merge, 25031ea). fanotify's event_fd opens the event's
 * file with vfs_open_inode, which no Landlock hook sees; Linux's
 * dentry_open runs security_file_open, so a reader whose domain may not
 * read the file gets no descriptor for it (the read fails, or FAN_NOFD).
 * A privileged service that sandboxed itself (fanotify_init needs
 * CAP_SYS_ADMIN; Landlock does not take capabilities away) marks a
 * directory it may not read and reads each file anyone opens there.
 */
#define _GNU_SOURCE
#define TEST_NAME "landlock_fanotify"
#include <fcntl.h>
#include <stdint.h>
#include <sys/fanotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "check.h"

#define NR_create 444
#define NR_add 445
#define NR_restrict 446
#define A_READ (1ULL << 2)
#define A_READDIR (1ULL << 3)

struct rattr { uint64_t handled; };
struct pattr { uint64_t allowed; int32_t fd; } __attribute__((packed));

int main(void)
{
	char base[64], allowed[96], denied[96], file[128], buf[4096];
	int go[2];

	snprintf(base, sizeof(base), "/tmp/llfan.XXXXXX");
	CHECK(mkdtemp(base) != NULL);
	snprintf(allowed, sizeof(allowed), "%s/allowed", base);
	snprintf(denied, sizeof(denied), "%s/denied", base);
	snprintf(file, sizeof(file), "%s/file", denied);
	CHECK(mkdir(allowed, 0755) == 0 && mkdir(denied, 0755) == 0);
	int fd = open(file, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0 && write(fd, "topsecret\n", 10) == 10);
	close(fd);
	CHECK(pipe(go) == 0);
	fflush(NULL);
	pid_t h = fork();
	if (h == 0) {	/* someone outside the sandbox opens the file */
		close(go[1]);
		read(go[0], buf, 1);
		int f = open(file, O_RDONLY);
		close(f);
		_exit(0);
	}
	close(go[0]);

	int rs = (int)syscall(NR_create, &(struct rattr){ A_READ | A_READDIR }, sizeof(struct rattr), 0);
	struct pattr p = { A_READ | A_READDIR, open(allowed, O_PATH) };
	CHECK(rs >= 0 && syscall(NR_add, rs, 1, &p, 0) == 0);
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(syscall(NR_restrict, rs, 0) == 0);
	CHECK(open(file, O_RDONLY) == -1 && errno == EACCES);

	int fan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);
	CHECK(fan >= 0);
	CHECK(fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN | FAN_EVENT_ON_CHILD, AT_FDCWD, denied) == 0);
	CHECK(write(go[1], "x", 1) == 1);
	waitpid(h, NULL, 0);
	ssize_t n = read(fan, buf, sizeof(buf));
	int leaked = 0;
	for (struct fanotify_event_metadata *m = (void *)buf; n > 0 && FAN_EVENT_OK(m, n);
	     m = FAN_EVENT_NEXT(m, n)) {
		if (m->fd < 0)
			continue;
		char c[32] = "";
		if (pread(m->fd, c, sizeof(c) - 1, 0) > 0 && !strncmp(c, "topsecret", 9))
			leaked = 1;
		close(m->fd);
	}
	if (leaked)
		fprintf(stderr, TEST_NAME ": read the denied file through a fanotify event\n");
	CHECK(!leaked);
	return check_done();
}
