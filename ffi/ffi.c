/*
 * Component selection at boot. Build time decides whether Rust exists at
 * all (FFI=0 links none); the command line can switch it off for every
 * component (`rust=off`) or some (`rust=off:elf,ext2`); each component's
 * own init then checks the ABI version and runs a self-test.
 */
#include <alloy/cmdline.h>
#include <alloy/string.h>
#include <ffi/ffi.h>
#include <ffi/select.h>

bool ffi_rust_allowed(const char *component)
{
	const char *v = cmdline_get("rust");
	size_t n = strlen(component);

	if (!v || strncmp(v, "off", 3))
		return true;
	if (v[3] == '\0')
		return false;		/* rust=off: everything */
	if (v[3] != ':')
		return true;
	for (const char *p = v + 4; *p;) {	/* rust=off:a,b,c */
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, component, n))
			return false;
		if (!end)
			break;
		p = end + 1;
	}
	return true;
}

void ffi_init(void)
{
	elf_select_init();
	ext2_select_init();
}

const char *ffi_impl(const char *component)
{
	if (!strcmp(component, "elf"))
		return elf_impl_active();
	if (!strcmp(component, "ext2"))
		return ext2_impl_active();
	return NULL;
}
