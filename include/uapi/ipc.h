/* Linux ABI: System V IPC (linux/ipc.h, shm.h, sem.h, msg.h and the
 * x86-64 ipcbuf/shmbuf/sembuf/msgbuf layouts: the 64-bit "IPC_64" ones). */
#ifndef UAPI_IPC_H
#define UAPI_IPC_H

#include <alloy/types.h>

#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000

#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_64 0x0100		/* ignored on x86-64: every layout is 64-bit */

struct ipc64_perm {
	s32 key;
	u32 uid, gid, cuid, cgid;
	u32 mode;
	u16 seq, __pad2;
	u64 __unused1, __unused2;
};

/* shared memory */
#define SHMMIN 1
#define SHMLBA 4096
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_HUGETLB 04000
#define SHM_NORESERVE 010000
#define SHM_HUGE_SHIFT 26	/* with SHM_HUGETLB: log2 of the page size (0: default) */
#define SHM_HUGE_MASK 0x3f
#define SHM_DEST 01000		/* in shm_perm.mode: removed, freed at last detach */
#define SHM_LOCKED 02000
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15

struct shmid64_ds {
	struct ipc64_perm shm_perm;
	u64 shm_segsz;
	s64 shm_atime, shm_dtime, shm_ctime;
	s32 shm_cpid, shm_lpid;
	u64 shm_nattch;
	u64 __unused4, __unused5;
};

struct shminfo64 {
	u64 shmmax, shmmin, shmmni, shmseg, shmall;
	u64 __pad[4];
};

struct shm_info {
	s32 used_ids;
	u64 shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

/* semaphores */
#define SEM_UNDO 0x1000
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20
#define SEMVMX 32767
#define SEMAEM SEMVMX

struct semid64_ds {
	struct ipc64_perm sem_perm;
	s64 sem_otime;
	u64 __unused1;
	s64 sem_ctime;
	u64 __unused2;
	u64 sem_nsems;
	u64 __unused3, __unused4;
};

struct sembuf {
	u16 sem_num;
	s16 sem_op;
	s16 sem_flg;
};

struct seminfo {
	s32 semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

/* message queues */
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13

struct msqid64_ds {
	struct ipc64_perm msg_perm;
	s64 msg_stime, msg_rtime, msg_ctime;
	u64 msg_cbytes, msg_qnum, msg_qbytes;
	s32 msg_lspid, msg_lrpid;
	u64 __unused4, __unused5;
};

struct msginfo {
	s32 msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	u16 msgseg;
};

#endif
