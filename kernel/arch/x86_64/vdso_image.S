/* The vDSO image (vdso/, built by the Makefile), copied into pages at
 * boot by vdso.c. */
	.section .rodata
	.balign 4096
	.globl vdso_image_start, vdso_image_end
vdso_image_start:
	.incbin VDSO_IMAGE
vdso_image_end:

	.section .note.GNU-stack, "", @progbits
