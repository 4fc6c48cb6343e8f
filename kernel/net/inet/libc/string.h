/* lwIP's <string.h> inside the kernel: the kernel's own functions. */
#include <alloy/string.h>
