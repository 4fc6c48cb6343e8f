/*
 * tmpfs_mount: tmpfs as a mountable type and remounting read-only, from
 * the attacker's side. mount -t tmpfs with size=, mode=, nr_inodes=,
 * uid=, gid= (the root's mode and owner, ENOSPC past the size and past
 * the inode count, statfs reporting both truly), hostile options, and
 * MS_REMOUNT: read-only is EBUSY while a file is open for writing (by
 * another process too) or mapped shared and writable after its fd was
 * closed; once read-only, opens for writing, creates and mkdir are EROFS
 * and statfs says ST_RDONLY; a writer process racing the remounts never
 * changes the filesystem while it is read-only; size= shrinks only to
 * what is in use. The same remounting on an ext2 disk.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "tmpfs_mount"
#include "check.h"

#define M "/mnt/tm"
#define TMPFS_MAGIC 0x01021994
#define ST_RDONLY 1

static int ro(const char *where)
{
	return mount("none", where, NULL, MS_REMOUNT | MS_RDONLY, NULL);
}

static int rw(const char *where)
{
	return mount("none", where, NULL, MS_REMOUNT, NULL);
}

static void options(void)
{
	struct stat st;
	struct statfs sf;
	static char buf[65536];

	CHECK(mount("none", M, "tmpfs", 0, "size=64k,mode=0710,nr_inodes=5,uid=1234,gid=567") == 0);
	CHECK(stat(M, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0710 &&
	      st.st_uid == 1234 && st.st_gid == 567);
	CHECK(statfs(M, &sf) == 0 && sf.f_type == TMPFS_MAGIC && sf.f_bsize == 4096 &&
	      sf.f_blocks == 16 && sf.f_bfree == 16 && sf.f_files == 5 && sf.f_ffree == 4 &&
	      !(sf.f_flags & ST_RDONLY));
	int fd = open(M "/a", O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	CHECK(write(fd, "x", 1) < 0 && errno == ENOSPC);
	CHECK(fstatfs(fd, &sf) == 0 && sf.f_bfree == 0 && sf.f_bavail == 0 && sf.f_ffree == 3);
	close(fd);
	CHECK(mknod(M "/b", S_IFREG | 0600, 0) == 0);
	CHECK(mkdir(M "/c", 0700) == 0);
	CHECK(symlink("a", M "/d") == 0);
	CHECK(mknod(M "/e", S_IFREG | 0600, 0) < 0 && errno == ENOSPC);	/* 5 inodes */
	CHECK(statfs(M, &sf) == 0 && sf.f_ffree == 0);
	CHECK(unlink(M "/b") == 0);
	CHECK(mknod(M "/e", S_IFREG | 0600, 0) == 0);	/* freed: room again */
	/* resizing: not below what is used */
	CHECK(mount("none", M, NULL, MS_REMOUNT, "size=32k") < 0 && errno == EINVAL);
	CHECK(mount("none", M, NULL, MS_REMOUNT, "nr_inodes=2") < 0 && errno == EINVAL);
	CHECK(mount("none", M, NULL, MS_REMOUNT, "size=128k,nr_inodes=10") == 0);
	CHECK(statfs(M, &sf) == 0 && sf.f_blocks == 32 && sf.f_bfree == 16 && sf.f_files == 10);
	CHECK(mount("none", M, NULL, MS_REMOUNT, "bogus=1") < 0 && errno == EINVAL);
	CHECK(mount("none", M "/c", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0 && errno == EINVAL);
	CHECK(umount(M) == 0);
	/* hostile options */
	CHECK(mount("none", M, "tmpfs", 0, "nr_inodes=abc") < 0 && errno == EINVAL);
	CHECK(mount("none", M, "tmpfs", 0, "size=99999999999999g") < 0 && errno == EINVAL);
	CHECK(mount("none", M, "tmpfs", 0, "uid=-1") < 0 && errno == EINVAL);
	CHECK(mount("none", M, "tmpfs", 0, "mode=99") < 0 && errno == EINVAL);
	/* a disk type: its source from the cwd, none, no type */
	CHECK(mknod("/tmp/tm_cdev", S_IFCHR | 0600, 0) == 0);
	CHECK(chdir("/tmp") == 0);
	CHECK(mount("tm_cdev", M, "ext2", 0, NULL) < 0 && errno == ENOTBLK);
	CHECK(chdir("/") == 0);
	CHECK(unlink("/tmp/tm_cdev") == 0);
	CHECK(mount(NULL, M, "ext2", 0, NULL) < 0 && errno == EINVAL);
	CHECK(mount("none", M, NULL, 0, NULL) < 0 && errno == EINVAL);
	CHECK(mount("none", M, "nosuchfs", 0, NULL) < 0 && errno == ENODEV);
}

/* remount read-only: the writers Linux counts */
static void remount(const char *where)
{
	char path[64], b[4];
	struct statfs sf;

	snprintf(path, sizeof(path), "%s/f", where);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "data", 4) == 4);
	CHECK(ro(where) < 0 && errno == EBUSY);
	close(fd);
	/* another process's writer */
	int p[2], q[2];		/* child to parent, parent to child */
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		int w = open(path, O_WRONLY | O_APPEND);
		char c = w >= 0 ? 'y' : 'n';
		write(p[1], &c, 1);
		read(q[0], &c, 1);
		_exit(0);
	}
	char c = 0;
	CHECK(read(p[0], &c, 1) == 1 && c == 'y');
	CHECK(ro(where) < 0 && errno == EBUSY);
	write(q[1], "g", 1);
	waitpid(pid, NULL, 0);
	close(p[0]); close(p[1]); close(q[0]); close(q[1]);
	/* a shared writable mapping whose fd is closed still writes */
	fd = open(path, O_RDWR);
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	close(fd);
	CHECK(ro(where) < 0 && errno == EBUSY);
	m[0] = 'D';
	munmap(m, 4096);
	/* a read-only one, or a private one, does not */
	fd = open(path, O_RDONLY);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(ro(where) == 0);
	CHECK(statfs(where, &sf) == 0 && (sf.f_flags & ST_RDONLY));
	CHECK(m[0] == 'D');
	munmap(m, 4096);
	CHECK(pread(fd, b, 4, 0) == 4 && !memcmp(b, "Data", 4));
	close(fd);
	CHECK(open(path, O_WRONLY) < 0 && errno == EROFS);
	CHECK(open(path, O_RDWR | O_TRUNC) < 0 && errno == EROFS);
	snprintf(path, sizeof(path), "%s/new", where);
	CHECK(open(path, O_RDWR | O_CREAT, 0644) < 0 && errno == EROFS);
	CHECK(mkdir(path, 0755) < 0 && errno == EROFS);
	snprintf(path, sizeof(path), "%s/f", where);
	CHECK(truncate(path, 0) < 0 && errno == EROFS);
	CHECK(unlink(path) < 0 && errno == EROFS);
	CHECK(ro(where) == 0);		/* again: nothing changes */
	CHECK(rw(where) == 0);
	CHECK(statfs(where, &sf) == 0 && !(sf.f_flags & ST_RDONLY));
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "more", 4) == 4);
	close(fd);
}

/* a writer races the remounts: nothing changes while it is read-only */
static void race(const char *where)
{
	char path[64];
	volatile long *count = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct stat st1, st2;

	snprintf(path, sizeof(path), "%s/race", where);
	close(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
	*count = 0;
	pid_t pid = fork();
	if (pid == 0) {
		for (;;) {
			int fd = open(path, O_WRONLY | O_APPEND);
			if (fd >= 0) {
				if (write(fd, "x", 1) == 1)
					__atomic_add_fetch(count, 1, __ATOMIC_SEQ_CST);
				close(fd);
			} else if (errno != EROFS) {
				_exit(2);
			}
		}
	}
	int ok = 0, busy = 0;
	for (int i = 0; i < 60; i++) {
		int r = ro(where);
		if (r == 0) {
			ok++;
			long c1 = *count;
			CHECK(stat(path, &st1) == 0);
			usleep(3000);
			CHECK(stat(path, &st2) == 0);
			CHECK(*count == c1 && st1.st_size == st2.st_size);
			CHECK(rw(where) == 0);
		} else {
			CHECK(errno == EBUSY);
			busy++;
		}
		usleep(500);
	}
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status));
	CHECK(ok > 0);
	printf("# %s: %d read-only remounts, %d EBUSY, %ld writes\n", where, ok, busy, *count);
	unlink(path);
}

int main(void)
{
	mkdir(M, 0755);
	options();
	CHECK(mount("none", M, "tmpfs", 0, "size=1m") == 0);
	remount(M);
	race(M);
	CHECK(umount(M) == 0);
	if (access("/dev/vda", F_OK) == 0) {
		mkdir("/mnt/tm_ext2", 0755);
		CHECK(mount("/dev/vda", "/mnt/tm_ext2", "ext2", 0, NULL) == 0);
		remount("/mnt/tm_ext2");
		race("/mnt/tm_ext2");
		unlink("/mnt/tm_ext2/f");
		CHECK(umount("/mnt/tm_ext2") == 0);
	}
	return check_done();
}
