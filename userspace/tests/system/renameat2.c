/*
 * renameat2: RENAME_NOREPLACE (EEXIST, never a replace), RENAME_EXCHANGE
 * (two names swap at once: files, a file and a directory across
 * directories, the parents' link counts), the flag checks, bad pointers,
 * a directory exchanged below itself, and a thread exchanging two names
 * while others look both up: neither name may ever be missing.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "renameat2"
#include "check.h"

#define D "/tmp/renameat2_t"
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif

static long r2(int ofd, const char *o, int nfd, const char *n, unsigned flags)
{
	return syscall(SYS_renameat2, ofd, o, nfd, n, flags);
}

static void put(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static bool has(const char *path, const char *text)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n == (ssize_t)strlen(text) && !memcmp(buf, text, (size_t)n);
}

static atomic_int stop;
static atomic_long missing, looks;

static void *looker(void *arg)
{
	(void)arg;
	struct stat st;
	while (!atomic_load(&stop)) {
		if (stat(D "/x/a", &st) || stat(D "/y/b", &st))
			atomic_fetch_add(&missing, 1);
		atomic_fetch_add(&looks, 1);
	}
	return NULL;
}

int main(void)
{
	struct stat st, st2;

	mkdir("/tmp", 01777);
	mkdir(D, 0755);
	mkdir(D "/x", 0755);
	mkdir(D "/y", 0755);
	put(D "/x/a", "aaa");
	put(D "/y/b", "bb");
	int x = open(D "/x", O_DIRECTORY | O_RDONLY), y = open(D "/y", O_DIRECTORY | O_RDONLY);
	CHECK(x >= 0 && y >= 0);

	/* flags */
	CHECK(r2(x, "a", y, "b", 8) == -1 && errno == EINVAL);
	CHECK(r2(x, "a", y, "b", 1u << 31) == -1 && errno == EINVAL);
	CHECK(r2(x, "a", y, "b", RENAME_NOREPLACE | RENAME_EXCHANGE) == -1 && errno == EINVAL);
	CHECK(r2(x, "a", y, "b", RENAME_WHITEOUT | RENAME_EXCHANGE) == -1 && errno == EINVAL);
	CHECK(r2(x, NULL, y, "b", RENAME_EXCHANGE) == -1 && errno == EFAULT);
	CHECK(r2(x, "a", y, (char *)8, RENAME_NOREPLACE) == -1 && errno == EFAULT);
	CHECK(r2(-1, "a", y, "b", RENAME_EXCHANGE) == -1 && errno == EBADF);

	/* NOREPLACE */
	CHECK(r2(x, "a", y, "b", RENAME_NOREPLACE) == -1 && errno == EEXIST);
	CHECK(has(D "/x/a", "aaa") && has(D "/y/b", "bb"));
	CHECK(r2(x, "a", y, "new", RENAME_NOREPLACE) == 0);
	CHECK(has(D "/y/new", "aaa") && access(D "/x/a", F_OK) == -1);
	CHECK(r2(y, "new", x, "a", RENAME_NOREPLACE) == 0);
	CHECK(r2(x, "nosuch", y, "c", RENAME_NOREPLACE) == -1 && errno == ENOENT);

	/* EXCHANGE of two files in two directories */
	CHECK(r2(x, "a", y, "b", RENAME_EXCHANGE) == 0);
	CHECK(has(D "/x/a", "bb") && has(D "/y/b", "aaa"));
	CHECK(r2(x, "a", y, "b", RENAME_EXCHANGE) == 0);
	CHECK(has(D "/x/a", "aaa") && has(D "/y/b", "bb"));
	CHECK(r2(x, "a", y, "nosuch", RENAME_EXCHANGE) == -1 && errno == ENOENT);
	CHECK(has(D "/x/a", "aaa"));
	CHECK(r2(x, "a/", y, "b", RENAME_EXCHANGE) == -1 && errno == ENOTDIR);
	CHECK(r2(x, "a", y, "b/", RENAME_EXCHANGE) == -1 && errno == ENOTDIR);
	CHECK(r2(x, "a", x, "a", RENAME_EXCHANGE) == 0);	/* itself */

	/* a directory and a file swap parents: the link counts follow */
	CHECK(mkdir(D "/y/sub", 0755) == 0);
	put(D "/y/sub/in", "in");
	CHECK(stat(D "/x", &st) == 0 && stat(D "/y", &st2) == 0);
	nlink_t nx = st.st_nlink, ny = st2.st_nlink;
	CHECK(r2(x, "a", y, "sub", RENAME_EXCHANGE) == 0);
	CHECK(stat(D "/x/a", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(has(D "/x/a/in", "in") && has(D "/y/sub", "aaa"));
	CHECK(stat(D "/x", &st) == 0 && st.st_nlink == nx + 1);
	CHECK(stat(D "/y", &st) == 0 && st.st_nlink == ny - 1);
	CHECK(stat(D "/x/a/..", &st) == 0 && stat(D "/x", &st2) == 0 && st.st_ino == st2.st_ino);
	/* a directory exchanged with its own child: EINVAL both ways */
	CHECK(mkdir(D "/x/a/deep", 0755) == 0);
	CHECK(r2(x, "a", AT_FDCWD, D "/x/a/deep", RENAME_EXCHANGE) == -1 && errno == EINVAL);
	CHECK(r2(AT_FDCWD, D "/x/a/deep", x, "a", RENAME_EXCHANGE) == -1 && errno == EINVAL);
	/* a plain rename onto an ancestor */
	CHECK(r2(AT_FDCWD, D "/x/a/deep", x, "a", 0) == -1 &&
	      (errno == ENOTEMPTY || errno == EINVAL));
	CHECK(rmdir(D "/x/a/deep") == 0);
	CHECK(r2(x, "a", y, "sub", RENAME_EXCHANGE) == 0);
	CHECK(stat(D "/x", &st) == 0 && st.st_nlink == nx);
	CHECK(stat(D "/y", &st) == 0 && st.st_nlink == ny);
	CHECK(has(D "/x/a", "aaa") && has(D "/y/sub/in", "in"));

	/* not in the same mount: EXDEV */
	CHECK(r2(x, "a", AT_FDCWD, "/proc/self/comm", RENAME_EXCHANGE) == -1 &&
	      (errno == EXDEV || errno == EROFS || errno == EPERM));

	/* a thread swaps the names; both stay there all along */
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, looker, NULL);
	int swaps = 0;
	time_t end = time(NULL) + 2;
	while ((atomic_load(&looks) < 2000 || swaps < 2000) && time(NULL) < end) {
		CHECK(r2(x, "a", y, "b", RENAME_EXCHANGE) == 0);
		swaps++;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&missing) == 0);
	if (swaps % 2)
		CHECK(r2(x, "a", y, "b", RENAME_EXCHANGE) == 0);
	CHECK(has(D "/x/a", "aaa") && has(D "/y/b", "bb"));
	return check_done();
}
