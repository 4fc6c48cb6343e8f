/*
 * umount_race: umount against path walks crossing into the mount. One
 * process mounts and unmounts an ext2 disk in a loop (EBUSY is a fine
 * answer) while others stat, open and list paths through the mount
 * point. A walk used to read the mount after umount had freed it (a
 * window between seeing dentry->mounted and taking a reference on the
 * mount's root); with slab poisoning that is a kernel panic. Now the
 * walk takes its reference under the lock umount unhooks under. The
 * test passes if the machine survives, every umount either succeeded or
 * said EBUSY, and the disk is unmounted at the end.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "umount_race"
#include "check.h"

#define MNT "/mnt/race"

static void walker(void)
{
	struct stat st;
	for (;;) {
		stat(MNT "/lost+found", &st);
		int fd = open(MNT "/lost+found", O_RDONLY | O_DIRECTORY);
		if (fd >= 0)
			close(fd);
		DIR *d = opendir(MNT);
		if (d) {
			while (readdir(d))
				;
			closedir(d);
		}
	}
}

int main(void)
{
	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	pid_t w[3];
	for (int i = 0; i < 3; i++)
		if ((w[i] = fork()) == 0)
			walker();
	int mounts = 0, umounts = 0, busy = 0, bad = 0;
	/* 4 s, longer (up to 30) until three rounds have raced: at -smp 1
	 * the walkers may hold the disk through most of the 4 s (make test
	 * once saw a single round) */
	time_t start = time(NULL), end = start + 4, last = start + 30;
	while (time(NULL) < end || (mounts < 3 && time(NULL) < last)) {
		if (mount("/dev/vdc", MNT, "ext2", MS_RDONLY, NULL) == 0)
			mounts++;
		for (int tries = 0; tries < 1000; tries++) {
			if (umount(MNT) == 0) {
				umounts++;
				break;
			}
			if (errno == EBUSY) {
				busy++;
				sched_yield();	/* let a walker drop its reference */
			} else {
				bad++;
				break;
			}
		}
	}
	for (int i = 0; i < 3; i++) {
		kill(w[i], SIGKILL);
		waitpid(w[i], NULL, 0);
	}
	while (umount(MNT) == 0)
		umounts++;
	printf("# %d mounts, %d umounts, %d EBUSY\n", mounts, umounts, busy);
	/* how often umount finds the disk idle depends on the scheduler (at
	 * -smp 1 the walkers hold it most of the time): a few rounds are
	 * enough to have raced */
	CHECK(mounts >= 3 && umounts == mounts && bad == 0);
	return check_done();
}
