/* lwIP's <stdlib.h> inside the kernel: atoi (netif_find) only. */
#include <alloy/string.h>
static inline int atoi(const char *s) { return (int)strtoll(s, NULL, 10); }
