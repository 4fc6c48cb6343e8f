/* Linux ABI: resource limits, prctl, reboot, getrandom and file ioctls. */
#ifndef UAPI_MISC_H
#define UAPI_MISC_H

#define RLIM_INFINITY (~0ULL)
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIMIT_NLIMITS 16

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37

#define REBOOT_MAGIC1 0xfee1deadU
#define REBOOT_CMD_RESTART 0x01234567U
#define REBOOT_CMD_HALT 0xcdef0123U
#define REBOOT_CMD_POWER_OFF 0x4321fedcU
#define REBOOT_CMD_CAD_ON 0x89abcdefU
#define REBOOT_CMD_CAD_OFF 0U

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451

#endif
