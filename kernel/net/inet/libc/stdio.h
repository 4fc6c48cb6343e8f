/* lwIP includes <stdio.h>; nothing of it is used in the kernel. */
