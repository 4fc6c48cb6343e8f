/* Linux ABI: capability numbers (<linux/capability.h>), those the kernel
 * tests by name. */
#ifndef UAPI_CAPABILITY_H
#define UAPI_CAPABILITY_H

#define CAP_DAC_READ_SEARCH 2
#define CAP_FSETID 4
#define CAP_SETUID 7
#define CAP_LINUX_IMMUTABLE 9
#define CAP_SYS_RAWIO 17
#define CAP_SYS_CHROOT 18
#define CAP_SYS_PTRACE 19
#define CAP_SYS_PACCT 20
#define CAP_SYS_ADMIN 21
#define CAP_SYS_TIME 25
#define CAP_SYS_TTY_CONFIG 26

#endif
