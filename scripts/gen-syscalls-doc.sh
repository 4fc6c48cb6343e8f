#!/bin/sh
# Writes docs/syscalls.md: every Linux x86-64 syscall
# (kernel/arch/x86_64/syscall_names.c) with its status, taken from the
# table (kernel/arch/x86_64/syscall_table.c) and the notes below for the
# ones that are only partly there.
set -e
out=${1:-docs/syscalls.md}
notes=$(mktemp)
cat > "$notes" <<'NOTES'
mount_setattr	partial	MOUNT_ATTR_RDONLY, NOSUID, NODEV, NOEXEC, atime ones, NOSYMFOLLOW, propagation (shared, slave, private, unbindable); no idmapped mounts (EINVAL)
fanotify_mark	partial	inode, mount and filesystem marks, ignore masks, permission events; no evictable marks
fanotify_init	partial	the three classes, REPORT_TID/PIDFD/FD_ERROR, queue limits; no FID report modes (EINVAL)
io_uring_register	partial	buffers (kept as addresses, not pinned), files, eventfd, probe
io_uring_enter	partial	submission in the submitter, GETEVENTS with a signal mask; NOP, READV/WRITEV, READ/WRITE(_FIXED), FSYNC, POLL_ADD/REMOVE, TIMEOUT(_REMOVE), OPENAT, CLOSE, STATX, SENDMSG, RECVMSG; no linked or multishot requests
io_uring_setup	partial	rings and SQEs mmap-ed at Linux offsets (FEAT_SINGLE_MMAP); no SQPOLL or IOPOLL; kernel/io_uring_disabled
setns	partial	UTS, IPC, time, mount, PID (the caller's or one below it), user, network and cgroup namespace files (and pidfds)
chroot	implemented	a per-process root that path lookup, ".." and absolute links honour; CAP_SYS_CHROOT; a cwd left outside reads "(unreachable)/..." from getcwd
unshare	partial	CLONE_FS, CLONE_FILES, CLONE_SYSVSEM, CLONE_NEWNS, NEWPID, NEWUTS, NEWIPC, NEWTIME, NEWUSER (an identity: identity ID maps only), NEWNET (a loopback of its own; the port space shared: docs/net.md), NEWCGROUP (docs/cgroup.md); NEWPID (for the children: docs/namespaces.md); EINVAL with other threads running, as Linux for most
kcmp	partial	KCMP_FILE, FILES, VM, FS, SIGHAND, SYSVSEM with ptrace read access to both; no KCMP_EPOLL_TFD (EOPNOTSUPP)
vhangup	partial	hangs up a controlling pty (CAP_SYS_TTY_CONFIG); the console is left alone
landlock_create_ruleset	implemented	ABI version 2 (every filesystem right through REFER); rulesets as O_CLOEXEC fds (docs/landlock.md)
landlock_add_rule	implemented	path-beneath rules on a directory or file (files: file rights only); rules hold inodes, not mounts
landlock_restrict_self	partial	up to 16 layers, no_new_privs or CAP_SYS_ADMIN; restricts the whole process, every thread (Alloy's threads share credentials), not the calling thread alone
seccomp	implemented	strict mode and classic-BPF filters (checked, stacked, inherited, kept across exec; TSYNC; every action, TRACE as ENOSYS without a tracer); no USER_NOTIF
sync_file_range	partial	syncs the whole file
remap_file_pages	partial	emulated with a new mapping of the same file, as Linux since 4.0
rt_sigqueueinfo	implemented	the full si_value; real-time signals are queued (each instance with its siginfo), bounded by RLIMIT_SIGPENDING (EAGAIN)
rt_tgsigqueueinfo	partial	as rt_sigqueueinfo
sysfs	implemented	the filesystem types mount accepts: tmpfs, ramfs, proc, devpts, ext2
ustat	implemented	from the filesystem's statfs
ioprio_set	implemented	kept per thread; the classes and levels Linux accepts
ioprio_get	implemented	as ioprio_set
syslog	implemented	the kernel log ring (512 lines): READ (waits, polling), READ_ALL, READ_CLEAR, CLEAR, CONSOLE_OFF/ON/LEVEL, SIZE_UNREAD, SIZE_BUFFER (all but READ_ALL and SIZE_BUFFER need euid 0, EPERM); /dev/kmsg too
read	implemented	files, pipes, FIFOs, devices, the terminal; at most 64 KiB per call into a file's ops, 0x7ffff000 bytes per call like Linux
write	implemented	O_APPEND writes at the end under the inode lock
readv	implemented	up to 1024 iovecs
writev	implemented	up to 1024 iovecs
pread64	implemented	seekable files only (-ESPIPE otherwise)
pwrite64	implemented	seekable files only (-ESPIPE otherwise)
open	partial	mode bits checked (docs/permissions.md); FIFOs wait for the other end; block devices (virtio-blk, loop) open for read, write, fsync and their ioctls; O_NOATIME for the owner or root (EPERM otherwise); O_TMPFILE; O_DIRECT accepted and ignored (file I/O goes through the page cache)
openat	partial	as open
creat	partial	as open
ioctl	partial	FIONBIO, FIOCLEX, FIONCLEX and FIONREAD on any fd; the interface ioctls SIOCGIF* and, for CAP_NET_ADMIN, SIOCSIFFLAGS/SIOCSIFADDR/SIOCSIFNETMASK; O_ASYNC by FIOASYNC; RNDGETENTCNT and the RND* ioctls of /dev/urandom; terminals and pseudo-terminals (TCGETS/TCSETS*, TCGETA/TCSETA*, TIOCGWINSZ/TIOCSWINSZ, TIOCGPGRP/TIOCSPGRP, TIOCSCTTY/TIOCNOTTY, TIOCGSID, TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER; docs/tty.md); -ENOTTY otherwise
poll	implemented	pipes, FIFOs, the terminal, eventfd, timerfd and epoll fds wait; files are always ready
ppoll	implemented	with the temporary signal mask
select	implemented	up to 1024 fds, through the poll loop
epoll_create	implemented	size must be positive
epoll_create1	implemented	EPOLL_CLOEXEC
epoll_ctl	implemented	ADD/MOD/DEL; EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE; EPERM for files without poll, ELOOP for cycles and chains over 4; ENOSPC past 4% of memory in items (for all users together); EPOLLWAKEUP accepted and ignored
epoll_wait	implemented	event-driven ready list; never restarted (EINTR)
epoll_pwait	implemented	with the temporary signal mask
epoll_pwait2	implemented	timespec timeout, with the temporary signal mask
eventfd	implemented	as eventfd2 with no flags
eventfd2	implemented	EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC
timerfd_create	implemented	CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME (the _ALARM ones as their plain clocks); tick resolution of the kernel timers
timerfd_settime	partial	TFD_TIMER_ABSTIME; TFD_TIMER_CANCEL_ON_SET accepted but never fires (the wall clock cannot be set)
timerfd_gettime	implemented	
pselect6	implemented	with the temporary signal mask
fcntl	partial	F_DUPFD(_CLOEXEC), F_GETFD/F_SETFD, F_GETFL/F_SETFL, seals; record locks F_GETLK/F_SETLK/F_SETLKW and F_OFD_* (docs/locks.md); F_GETPIPE_SZ/F_SETPIPE_SZ; F_SETOWN(_EX)/F_SETSIG stored but no SIGIO is sent; leases: F_GETLEASE F_UNLCK, F_SETLEASE EINVAL
socket	partial	AF_UNIX (stream, datagram, seqpacket), AF_INET and AF_INET6 (stream, datagram; lwIP; raw ICMP and ping), AF_NETLINK (NETLINK_ROUTE), AF_PACKET (raw and datagram, no rings) (docs/net.md)
socketpair	partial	AF_UNIX only
setsockopt	partial	unix: SO_RCVBUF and SO_LINGER are stored and reported but change nothing; inet: TCP_NODELAY, SO_KEEPALIVE, SO_LINGER (reset, or close waits for the acknowledgement), IPV6_V6ONLY; SO_REUSEPORT stored, no port shared; SO_RCVBUF/SO_SNDBUF do not resize TCP's fixed buffers
adjtimex	partial	reading, and ADJ_SETOFFSET for root; other modes validated and recorded only (docs/time.md)
clock_adjtime	partial	as adjtimex, CLOCK_REALTIME only
fallocate	partial	mode 0 and KEEP_SIZE (ext2: only below the size); PUNCH_HOLE on memory files only; other modes EOPNOTSUPP
preadv2	partial	RWF_NOWAIT is EOPNOTSUPP on ext2 files
pwritev2	partial	RWF_APPEND is not atomic against another appender
readahead	partial	checks its arguments; reads nothing ahead
fadvise64	partial	advice checked and ignored
mlockall	partial	MCL_FUTURE does not cover brk or stack growth, nor check RLIMIT_MEMLOCK on later mmaps
sendfile	implemented	copies through a 64 KiB kernel buffer (one copy more than Linux, no user buffer)
splice	implemented	copies through a 64 KiB kernel buffer
stat	partial	st_blocks counts memfs pages; search permission on the path
lstat	partial	as stat
fstat	partial	as stat
newfstatat	partial	as stat; AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH
statx	partial	basic fields, STATX_DIOALIGN for disks; no btime
getdents64	implemented	positions are per-directory cookies, stable across unlinks
mknod	partial	creates nodes (a device node: root only, EPERM); opening a block device gives -ENXIO (no disks yet)
mknodat	partial	as mknod
access	implemented	with the real IDs, the path walk too; root may execute only a file with an execute bit
faccessat	implemented	as access
faccessat2	implemented	as access; AT_EACCESS (effective IDs), AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH
chmod	implemented	the owner or root (EPERM); set-group-ID dropped for a non-member of the file's group
fchmod	implemented	as chmod
fchmodat	implemented	as chmod
chown	implemented	root, or the owner to a group it is in (EPERM); clears set-user-ID (and set-group-ID with group execute) of a non-directory
fchown	implemented	as chown
lchown	implemented	as chown
fchownat	implemented	as chown
utimensat	implemented	UTIME_NOW, UTIME_OMIT; now: the owner, root or a writer (EACCES), other times: owner or root (EPERM)
renameat2	partial	flags other than 0 (RENAME_NOREPLACE, RENAME_EXCHANGE) are -EINVAL
fdatasync	partial	the same as fsync (block maps are written too)
mount	partial	ext2, tmpfs and hugetlbfs (pagesize=2M, size=, nr_inodes=, mode=, uid=, gid=); MS_BIND (MS_REC), MS_MOVE, MS_REMOUNT, per-mount flags (ro, nosuid, nodev, noexec, atime ones); propagation (MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE: docs/vfs.md)
umount2	partial	MNT_DETACH (a busy mount leaves the tree at once and is freed when unused; not with mounts below it: EBUSY), MNT_EXPIRE; MNT_FORCE ignored
brk	implemented	heap VMA, pages on demand, up to 1 GiB; refused if it would collide or obviously overcommit
mmap	partial	anonymous and file mappings, MAP_PRIVATE (copy on write) and MAP_SHARED (written back), MAP_FIXED, hints; anonymous MAP_SHARED is an unlinked memory file (shared across fork, as Linux shmem); MAP_HUGETLB (2 MiB pages from the hugetlb pool, MAP_HUGE_2MB or default; other sizes EINVAL; lengths rounded up, reserved at mmap: ENOMEM, SIGBUS for MAP_NORESERVE pages the pool cannot give; docs/memory.md); mprotect checks the rights fixed at mmap (EACCES, as Linux's VM_MAY*)
munmap	implemented	splits VMAs and frees their pages; cutting a huge-page mapping inside a 2 MiB page is EINVAL
mremap	partial	file mappings only shrink; anonymous memory: shrink, grow in place, move (MREMAP_MAYMOVE) by moving page-table entries; no MREMAP_FIXED or MREMAP_DONTUNMAP; the range must lie in one VMA
msync	partial	MS_SYNC writes the files back; MS_ASYNC marks the pages dirty for the flusher; MS_INVALIDATE is ignored
madvise	partial	MADV_DONTNEED, MADV_FREE and MADV_REMOVE drop this mapping's pages: a private anonymous range reads as zeros again, a private file mapping reads the file again, a shared mapping keeps the data in its file (MADV_REMOVE punches no hole); MADV_DONTDUMP/DODUMP mark what a core dump leaves out; other advice is accepted and ignored
mprotect	implemented	splits VMAs (not inside a huge page: EINVAL); a hole in the range is -ENOMEM; shared (copy-on-write) pages stay read-only until written; each VMA keeps its protection key
pkey_mprotect	implemented	mprotect that also gives the VMAs a key (EINVAL unless allocated; -1 keeps each VMA's), carried into the page-table entries (docs/memory.md)
pkey_alloc	partial	keys 1-15 when the CPU has PKU (ENOSPC without, as Linux), rights PKEY_DISABLE_ACCESS and _WRITE set in the caller's PKRU; no execute-only key for PROT_EXEC-only mappings (docs/memory.md)
pkey_free	implemented	any allocated key (key 0 too, as Linux); VMAs keep a freed key
arch_prctl	partial	ARCH_SET_FS and ARCH_GET_FS only
sysinfo	partial	uptime, RAM, free RAM and process count; the loads are 0 (no load average yet), no swap, bufferram 0 (the page cache is Cached: in /proc/meminfo)
prctl	partial	PR_SET_NAME and PR_GET_NAME only
set_tid_address	implemented	the address is zeroed and woken (futex) when the thread ends; returns the tid
futex	partial	WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE (compared under the bucket lock, atomically with the move), WAKE_OP, LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI (ownership, FUTEX_WAITERS, handoff to the first waiter, an owner gone is taken over with FUTEX_OWNER_DIED; no priority boosting); private and shared (by object and offset) futexes, relative and absolute timeouts, FUTEX_CLOCK_REALTIME; WAIT_REQUEUE_PI and CMP_REQUEUE_PI are ENOSYS
exit	implemented	ends the calling thread; the last one ends the process (with the leader's status)
gettid	implemented	the thread's id, from the pid space (the leader's is the pid)
getpid	implemented	the thread group's id
exit_group	implemented	every thread ends; the process's status is the first group exit's
clone3	partial	as clone; struct sizes 64 to 4096 (E2BIG past it with unknown bytes set); CLONE_PIDFD; set_tid (Linux's checks); CLONE_INTO_CGROUP (docs/cgroup.md)
rt_sigtimedwait	implemented	the thread's own pending signals first, then the process's; kill() wakes a waiter whose set holds the signal
signalfd	implemented	as signalfd4 without flags
signalfd4	implemented	the reader's signals of the mask (thread first, then process), 128-byte records; poll and epoll; SFD_NONBLOCK, SFD_CLOEXEC
fork	implemented	copy-on-write through page refcounts
vfork	implemented	the child shares the address space; the caller waits (killably) for its exec or exit
clone	partial	threads and processes with CLONE_FS, FILES, SIGHAND, VM, VFORK, PARENT, PIDFD, SETTLS and the tid flags in any combination Linux allows; namespaces as unshare, with CLONE_NEWPID, CLONE_NEWNET and CLONE_NEWCGROUP
execve	partial	static ELF programs and #! scripts (4 deep); arguments and environment up to 64 KiB and 1024 strings; execute permission; set-user-ID and set-group-ID programs (not on MS_NOSUID mounts), AT_SECURE
wait4	partial	exits, kills, stops (WUNTRACED) and continues (WCONTINUED) of child processes (a thread group is one child); rusage: the reaped child's CPU time and its reaped children's (a stop or continue report gives the last reaped child's); no __WALL/__WCLONE
kill	partial	Linux's permission rule (EPERM; SIGCONT within a session); init (pid 1) only gets signals it handles; a group or -1 skips what it may not signal
tkill	implemented	one thread, by tid; as kill's permission
tgkill	implemented	one thread of a thread group; ESRCH if the tid is not in it; as kill's permission
rt_sigaction	implemented	SA_SIGINFO, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_ONSTACK; SA_RESTORER required (every libc sets it)
rt_sigprocmask	implemented	
rt_sigreturn	implemented	restores registers, mask and the FXSAVE state (MXCSR sanitised)
rt_sigpending	implemented	
rt_sigsuspend	implemented	
sigaltstack	implemented	
pause	implemented	
setpgid	implemented	
getpgid	implemented	
getpgrp	implemented	
setsid	implemented	
getsid	implemented	
reboot	partial	root only (EPERM); power off, halt (as power off) and restart; CAD on/off accepted
clock_gettime	partial	REALTIME (CMOS clock at boot + monotonic, or as set), MONOTONIC, BOOTTIME and their RAW/COARSE forms (all at TSC resolution, also in the vDSO); no CPU-time clocks
clock_getres	partial	clock_gettime's clocks: one TSC step rounded up to 1 ns (the COARSE ones too: they are not coarse); others -EINVAL
clock_settime	partial	CLOCK_REALTIME only, root only (-EPERM), not before the boot (-EINVAL, as Linux)
settimeofday	partial	as clock_settime; the time zone is accepted and ignored
getcpu	implemented	node always 0; the vDSO reads it with RDPID/RDTSCP
clock_nanosleep	partial	as clock_gettime's clocks, TIMER_ABSTIME; interrupted by signals (-EINTR, rem written for relative sleeps)
nanosleep	implemented	interrupted by signals with -EINTR and the remaining time
time	implemented	
uname	implemented	reports Linux 6.1.0-alloy on x86_64 (programs gate features on a Linux release)
getuid	implemented	real/effective/saved IDs per process (starting as root), enforced on files (docs/permissions.md)
getgid	implemented	as getuid
geteuid	implemented	as getuid
getegid	implemented	as getuid
setuid	implemented	Linux's rules for who may set what; per process, not per thread
setgid	implemented	as setuid
setreuid	implemented	as setuid
setregid	implemented	as setuid
setresuid	implemented	as setuid
setresgid	implemented	as setuid
getresuid	implemented	
getresgid	implemented	
getgroups	implemented	up to 64 supplementary groups (NGROUPS_MAX here)
setgroups	implemented	root only (EPERM); more than 64 groups is EINVAL
getppid	implemented	0 for processes the kernel started
getrandom	partial	not yet a CSPRNG (TSC-seeded xorshift)
getrlimit	implemented	per process, inherited by fork and exec; enforced: NOFILE (at most 1024, nr_open), STACK, AS, NPROC; the rest kept and reported
setrlimit	implemented	as prlimit64
prlimit64	implemented	any process (ESRCH, EPERM as Linux); soft > hard EINVAL, raising a hard limit needs euid 0, NOFILE above 1024 EPERM
getrusage	partial	SELF, THREAD, CHILDREN: utime/stime from timer ticks (4 ms), children summed when reaped; maxrss the peak resident size (of reaped descendants for CHILDREN); other fields 0
times	implemented	clock_t at 100 Hz from timer ticks
sched_getaffinity	implemented	the task's mask of online CPUs (8 bytes)
sched_setaffinity	implemented	honoured by the scheduler: the task moves off a CPU its new mask leaves out; EINVAL with no online CPU; inherited by fork
getcpu	implemented	the CPU, node 0
getpriority	implemented	nice per thread (PRIO_PROCESS names a thread, 0 the caller), weighting the fair class as Linux's nice weights; PRIO_PROCESS, PRIO_PGRP, PRIO_USER
setpriority	implemented	lowering nice needs euid 0 or the target's RLIMIT_NICE (EACCES); another owner's process EPERM
sched_setscheduler	implemented	SCHED_OTHER/BATCH/IDLE (fair, nice-weighted) and SCHED_FIFO/RR 1..99 (real-time, preempting, RT throttling) honoured by the scheduler; SCHED_RESET_ON_FORK; Linux's EINVAL/EPERM rules with RLIMIT_RTPRIO and RLIMIT_NICE; SCHED_DEADLINE EINVAL (no parameters)
sched_getscheduler	implemented	the policy, with SCHED_RESET_ON_FORK if set
sched_setparam	implemented	as sched_setscheduler, keeping the policy
sched_getparam	implemented	the real-time priority (0 for the fair policies)
sched_get_priority_max	implemented	99 for FIFO/RR, 0 for the others and SCHED_DEADLINE, EINVAL for no policy
sched_get_priority_min	implemented	1 for FIFO/RR, 0 for the others and SCHED_DEADLINE, EINVAL for no policy
sched_rr_get_interval	implemented	RR: kernel/sched_rr_timeslice_ms (100 ms); FIFO 0; fair: the 12 ms slice
sched_setattr	partial	as sched_setscheduler with nice, SCHED_DEADLINE (EDF, throttling, admission: docs/sched.md), SCHED_FLAG_RESET_ON_FORK/KEEP_POLICY/KEEP_PARAMS/DL_OVERRUN and Linux's size rules (E2BIG); SCHED_FLAG_RECLAIM accepted without effect, utilisation clamps EOPNOTSUPP
sched_getattr	implemented	policy, flags, priority or nice; the size asked for, at most 56
add_key	partial	keyring, user and logon keys (docs/keys.md); other types ENODEV
request_key	partial	finds keys; no /sbin/request-key upcall: a negative key and ENOENT, as Linux without the helper
keyctl	partial	the key and keyring operations; INSTANTIATE/NEGATE/REJECT EPERM (no key is ever under construction), DH_COMPUTE and PKEY_* EOPNOTSUPP, RESTRICT_KEYRING only "reject all"
userfaultfd	partial	MISSING and WP modes on private anonymous memory: COPY, ZEROPAGE, WAKE, WRITEPROTECT; no MINOR, MOVE, POISON or non-pagefault events (docs/memory.md)
membarrier	partial	QUERY, GLOBAL, GLOBAL_EXPEDITED (+REGISTER), PRIVATE_EXPEDITED (+REGISTER: an IPI to the CPUs that have the mm loaded); no SYNC_CORE or RSEQ commands
set_robust_list	implemented	walked at exit as Linux (list_op_pending, at most 2048 entries, each read checked): FUTEX_OWNER_DIED and one waiter woken
get_robust_list	partial	any process's list is readable (no ptrace-style permission check); a tid is a pid today
memfd_create	partial	MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_NOEXEC_SEAL (F_SEAL_EXEC stored, not enforced), MFD_EXEC; MFD_HUGETLB (+ MFD_HUGE_2MB; other sizes ENODEV) makes a hugetlbfs file; seals SEAL, SHRINK, GROW, WRITE (EBUSY while any shared mapping exists), FUTURE_WRITE
futex_waitv	implemented	up to 128 32-bit futexes, private or shared, absolute timeout on CLOCK_MONOTONIC or CLOCK_REALTIME
ptrace	partial	docs/ptrace.md: all requests but LISTEN, SYSEMU and NT_X86_XSTATE; debug registers stored, never loaded
mq_open	partial	docs/ipc.md: no mqueue filesystem (/dev/mqueue), no ENFILE
mq_notify	implemented	SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD (glibc's: the cookie to a netlink socket)
inotify_add_watch	implemented	events from the VFS on every filesystem (docs/inotify.md)
process_vm_readv	implemented	ptrace's rule: same IDs and dumpable, or CAP_SYS_PTRACE
process_vm_writev	implemented	as process_vm_readv
NOTES
impl=$(mktemp)
sed -n 's/^\t\[\([0-9]*\)\] = sys_.*/\1/p' kernel/arch/x86_64/syscall_table.c | sort -n > "$impl"
{
	echo "# Linux x86-64 system calls in Alloy"
	echo
	echo "Generated by \`scripts/gen-syscalls-doc.sh\` from the syscall table; every"
	echo "syscall not listed as implemented or partial returns \`-ENOSYS\` and is"
	echo "noted once by name in the kernel log (\`dmesg\`; on the console with \`APPEND=debug\`). Implemented: $(wc -l < "$impl") of $(grep -c '\] = "' kernel/arch/x86_64/syscall_names.c)."
	echo
	echo "| nr | name | status | notes |"
	echo "| --- | --- | --- | --- |"
	sed -n 's/^\t\[\([0-9]*\)\] = "\(.*\)",$/\1 \2/p' kernel/arch/x86_64/syscall_names.c |
	while read -r nr name; do
		if grep -qx "$nr" "$impl"; then
			line=$(awk -F'\t' -v n="$name" '$1 == n { print $2 " | " $3 }' "$notes")
			[ -n "$line" ] || line="implemented | "
		else
			line="absent | "
		fi
		echo "| $nr | $name | $line |"
	done
} > "$out"
rm -f "$notes" "$impl"
