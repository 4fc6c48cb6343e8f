/* Linux ABI: wait4/waitid options. */
#ifndef UAPI_WAIT_H
#define UAPI_WAIT_H

#define WNOHANG 1
#define WUNTRACED 2
#define WSTOPPED WUNTRACED
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000

#endif
