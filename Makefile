SHELL := /bin/bash
# Alloy: the user's entry point. `make help` lists targets and knobs.

FFI ?= 1
SMP ?= 4
MEM ?= 512M
APPEND ?=
DEBUG ?= 1
TIMEOUT ?= 0
DISK ?=

BUILD := build
# DEBUG=0 builds apart, so objects of the two flavours never mix
KDIR := $(BUILD)/ffi$(FFI)$(if $(filter 0,$(DEBUG)),-nodebug)
KELF := $(KDIR)/alloy.elf
KBIN := $(KDIR)/alloy.bin
# They are the build's outputs: given on the command line, make would
# write the new kernel over the file named. KERNEL=file boots another one.
ifneq ($(filter command line environment,$(origin KBIN) $(origin KELF)),)
$(error KBIN and KELF name the build's outputs; use make run KERNEL=file.bin to boot another kernel)
endif
RUN_KBIN := $(or $(KERNEL),$(KBIN))

CC := gcc
LD := ld
OBJCOPY := objcopy
HOSTCC := cc
CARGO := $(shell if [ -x /usr/bin/cargo ]; then echo /usr/bin/cargo; else echo cargo; fi)
XTASK := target/release/xtask

ARCH := kernel/arch/x86_64
KSRC := $(wildcard kernel/*.c kernel/lib/*.c kernel/mm/*.c kernel/sched/*.c \
	  kernel/drivers/*.c kernel/exec/*.c kernel/fs/*.c kernel/syscall/*.c \
	  kernel/fs/*/*.c kernel/aio/*.c kernel/test/*.c $(ARCH)/*.c) \
	  ffi/ffi.c $(wildcard ffi/*_select.c ffi/*_selftest.c)
ifeq ($(FFI),1)
KSRC += ffi/services.c
endif
# System V IPC
KSRC += $(wildcard kernel/ipc/*.c)
# Landlock (kernel/security/, docs/landlock.md)
KSRC += $(wildcard kernel/security/*.c)
# kernel key retention (kernel/keys/, docs/keys.md)
KSRC += $(wildcard kernel/keys/*.c)
# namespaces (kernel/ns/, docs/namespaces.md)
KSRC += $(wildcard kernel/ns/*.c)
# sockets (kernel/net/)
KSRC += $(wildcard kernel/net/*.c)
# netlink sockets (kernel/net/netlink/)
KSRC += $(wildcard kernel/net/netlink/*.c)
# packet sockets (kernel/net/packet/)
KSRC += $(wildcard kernel/net/packet/*.c)
KASM := $(wildcard $(ARCH)/*.S)
# TCP/IP (kernel/net/inet/, docs/net.md): lwIP's core, from Debian's
# source package (scripts/fetch-lwip.sh, once, into build/lwip), built
# with the kernel's flags and Alloy's port headers; warnings in lwIP's
# own files are not errors.
LWIP := build/lwip
LWIP_SRC := $(addprefix $(LWIP)/src/core/,def.c inet_chksum.c init.c ip.c mem.c memp.c \
	netif.c pbuf.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
	$(addprefix $(LWIP)/src/core/ipv4/,dhcp.c etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
	$(addprefix $(LWIP)/src/core/ipv6/,ethip6.c icmp6.c inet6.c ip6.c ip6_addr.c ip6_frag.c \
	mld6.c nd6.c) $(LWIP)/src/netif/ethernet.c
# raw and ping sockets (kernel/net/inet_raw.c) on lwIP's raw API
LWIP_SRC += $(LWIP)/src/core/raw.c
$(KDIR)/kernel/net/inet_raw.o: KCFLAGS += $(LWIP_INC)
$(KDIR)/kernel/net/inet_raw.o: | $(LWIP)/COPYING
KSRC += $(wildcard kernel/net/inet/*.c) $(LWIP_SRC)
LWIP_INC := -Ikernel/net/inet -Ikernel/net/inet/libc -I$(LWIP)/src/include
$(patsubst %.c,$(KDIR)/%.o,$(LWIP_SRC)): KCFLAGS += $(LWIP_INC) -Wno-error -w
$(patsubst %.c,$(KDIR)/%.o,$(wildcard kernel/net/inet/*.c) kernel/net/inet.c kernel/net/inet_proc.c): \
	KCFLAGS += $(LWIP_INC)
$(patsubst %.c,$(KDIR)/%.o,$(wildcard kernel/net/inet/*.c) kernel/net/inet.c): | $(LWIP)/COPYING
$(LWIP_SRC) $(LWIP)/COPYING &:
	@echo "  FETCH   lwip (Debian source package)"
	@scripts/fetch-lwip.sh $(LWIP)
KOBJ := $(patsubst %.c,$(KDIR)/%.o,$(KSRC)) $(patsubst %.S,$(KDIR)/%.o,$(KASM))

KCFLAGS := -std=gnu11 -ffreestanding -fno-pic -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-omit-frame-pointer -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -fstack-protector-strong \
	-mstack-protector-guard=global -O2 -g -Wall -Wextra -Werror \
	-I. -Iinclude -I$(ARCH)/include -DALLOY_FFI=$(FFI) -MMD -MP
ifeq ($(DEBUG),1)
KCFLAGS += -DCONFIG_DEBUG -DCONFIG_LOCKDEP
endif
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --gc-sections \
	-T $(ARCH)/linker.ld

HOST_CFLAGS := -std=gnu11 -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Wall -Wextra \
	-DALLOY_HOST -DCONFIG_DEBUG -Itests/host/shim -I. -Iinclude
HOST_TESTS := $(wildcard tests/host/test_*.c)

RESULTS := $(BUILD)/results
KTEST_TIMEOUT ?= 600

.PHONY: all kernel run debug profile bench test-bench-smoke test test-blk test-system test-docs test-long test-host test-xtask test-ktest test-nohpet test-ffi fuzz deps help clean
all: kernel

help:
	@echo 'Alloy targets:'
	@echo '  make run     build and boot in QEMU into busybox sh on this terminal'
	@echo '               (poweroff ends it; Ctrl-A x leaves QEMU at any time)'
	@echo "  make run CMD='ls -l /bin'  run one shell command line and power off"
	@echo '  make run DISK=file.img  attach a raw image as /dev/vda (DISK="a.img b.img": vda, vdb)'
	@echo '  make run ROOTFS_EXTRA=dir  copy a host tree into the root filesystem'
	@echo '  make run ROOTFS=debian  boot the Debian disk (make rootfs-debian; docs/debian.md)'
	@echo '  make run KERNEL=old.bin  boot that kernel image with this tree'"'"'s root filesystem'
	@echo '  make test    every test: host unit tests, xtask tests, in-kernel tests,'
	@echo '               the block layer, the system suite on fresh ext2 disks'
	@echo '               (FFI=0/1 x -smp 1/4) with e2fsck/debugfs afterwards, the'
	@echo '               console, CMD, root=/dev/vda, the parsers (vectors, fuzzing),'
	@echo '               a bench smoke run; ends with "N passed, N failed"'
	@echo '  make test-long  soak: all ktests SOAK=$(SOAK) times at -smp 2 and 4,'
	@echo '               then 100 OOM kills in a row'
	@echo '  make test-blk  block-layer/virtio-blk ktests on fresh disk images (FFI=$(FFI))'
	@echo '  make fuzz    differential fuzzing of the C and Rust parsers (FUZZ_SECONDS=$(FUZZ_SECONDS))'
	@echo '  make bench   Alloy and Linux (Debian'"'"'s kernel) side by side under the same QEMU:'
	@echo '               micro-benchmarks, ROUNDS=$(ROUNDS) boots of each, alternating (docs/bench.md)'
	@echo "  make profile CMD='...'  the command under the sampling profiler, then a report"
	@echo '  make debug   QEMU halted with a gdb stub; prints the gdb command'
	@echo '  make kernel  build $(BUILD)/ffi$$FFI/alloy.elf and alloy.bin'
	@echo '  make deps    install missing build tools (apt-get, as root)'
	@echo '  make clean'
	@echo 'Knobs (defaults): FFI=$(FFI) SMP=$(SMP) MEM=$(MEM) APPEND="$(APPEND)" DISK=$(DISK)'
	@echo '  DEBUG=$(DEBUG) (lock-order checks, slab poisoning) TIMEOUT=$(TIMEOUT) s (0: none)'
	@echo "  e.g. make run APPEND='ktest=all' runs the in-kernel tests and exits"
	@echo '  with their result; kernel options are listed in docs/cmdline.md'

deps:
	@scripts/deps.sh

kernel: deps $(KBIN)

$(KDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(KDIR)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@

# The vDSO (kernel/arch/x86_64/vdso/): a position-independent shared
# object with no relocations, embedded by vdso_image.S and mapped into
# every process. The build refuses an image that would need a loader.
VDSO_SO := $(KDIR)/$(ARCH)/vdso/vdso.so
VDSO_CFLAGS := -std=gnu11 -O2 -fPIC -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -mgeneral-regs-only \
	-fcf-protection=none -Wall -Wextra -Werror -D__VDSO__ -I$(ARCH)/include
VDSO_LDFLAGS := -shared -nostdlib -Wl,-T,$(ARCH)/vdso/vdso.lds -Wl,-soname=linux-vdso.so.1 \
	-Wl,--hash-style=both -Wl,-Bsymbolic -Wl,--no-undefined -Wl,--build-id=none \
	-Wl,-z,noexecstack -Wl,-z,max-page-size=4096
$(VDSO_SO): $(ARCH)/vdso/vdso.c $(ARCH)/vdso/vdso.lds $(ARCH)/include/asm/vdso.h
	@mkdir -p $(dir $@)
	@echo "  VDSO    $@"
	@$(CC) $(VDSO_CFLAGS) $(VDSO_LDFLAGS) -o $@.tmp $<
	@readelf -rW $@.tmp | grep -q 'There are no relocations' || \
		{ echo "vdso: the image has relocations"; exit 1; }
	@[ "$$(readelf -lW $@.tmp | grep -c ' LOAD ')" = 1 ] || \
		{ echo "vdso: the image must be one PT_LOAD"; exit 1; }
	@mv $@.tmp $@
$(KDIR)/$(ARCH)/vdso_image.o: $(VDSO_SO)
$(KDIR)/$(ARCH)/vdso_image.o: KCFLAGS += -DVDSO_IMAGE='"$(VDSO_SO)"'

# Rust components (FFI=1): one no_std staticlib for the kernel, with core
# built from Debian's rust-web-src offline (.cargo/config.toml). FFI=0
# compiles and links no Rust at all.
RUSTC_DEB := /usr/bin/rustc
CARGO_DEB := /usr/bin/cargo
RUST_TARGET := x86_64-unknown-none
RUST_LIB := target/$(RUST_TARGET)/release/liballoy_rs.a
RUST_SRC := $(shell find rust -name '*.rs' -o -name Cargo.toml 2>/dev/null)
ifeq ($(FFI),1)
KLINK_EXTRA := $(RUST_LIB)
endif

# whichever rust-web-src version is installed (.cargo/config.toml names 1.96)
RUST_VENDOR := $(firstword $(wildcard /usr/src/rustc-*/library/vendor))

$(RUST_LIB): $(RUST_SRC) Cargo.toml .cargo/config.toml
	@echo "  CARGO   $@"
	@RUSTC=$(RUSTC_DEB) RUSTC_BOOTSTRAP=1 \
	 RUSTFLAGS="-C code-model=kernel -C relocation-model=static" \
	 $(CARGO_DEB) build --offline --release -q -p alloy-rs \
	 $(if $(RUST_VENDOR),--config 'source.vendored.directory="$(RUST_VENDOR)"') \
	 -Zbuild-std=core,compiler_builtins --target $(RUST_TARGET)

# Two links: the first gives the addresses for the symbol table that the
# second embeds (.ksyms follows .text, so text addresses do not move).
$(KELF): $(KOBJ) $(KLINK_EXTRA) $(ARCH)/linker.ld scripts/ksyms.sh
	@echo "  LD      $@"
	@scripts/ksyms.sh > $(KDIR)/ksyms0.S
	@$(CC) -c $(KDIR)/ksyms0.S -o $(KDIR)/ksyms0.o
	@$(LD) $(KLDFLAGS) -o $(KDIR)/alloy.pass1.elf $(KOBJ) $(KDIR)/ksyms0.o $(KLINK_EXTRA)
	@scripts/ksyms.sh $(KDIR)/alloy.pass1.elf > $(KDIR)/ksyms.S
	@$(CC) -c $(KDIR)/ksyms.S -o $(KDIR)/ksyms.o
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJ) $(KDIR)/ksyms.o $(KLINK_EXTRA)
	@scripts/ksyms.sh $@ | cmp -s - $(KDIR)/ksyms.S || \
		{ echo "ksyms: text moved between links"; rm -f $@; exit 1; }

$(KBIN): $(KELF)
	@$(OBJCOPY) -O binary $< $@

$(XTASK): $(wildcard xtask/src/*.rs) xtask/Cargo.toml Cargo.toml
	@echo "  CARGO   xtask"
	@$(CARGO) build --offline --release -q -p xtask

# ---- the root filesystem: an initramfs with busybox, init, the test
# runner and the system tests (scripts/mkrootfs.sh). CMD='...' makes init
# run that shell command line and power off with its exit status;
# ROOTFS_EXTRA=dir copies a host tree into the root.
EYRA_DIR ?= $(firstword $(wildcard ../shared/eyra /work/shared/eyra))
# (named after whether the sources are there, so their arrival rebuilds)
EYRA_STAMP := $(BUILD)/eyra/stamp-$(if $(EYRA_DIR),sources,nosources)
SYSTESTS := $(patsubst userspace/tests/system/%.c,$(BUILD)/systest/%,$(wildcard userspace/tests/system/*.c)) \
	$(patsubst userspace/tests/system/%.sh,$(BUILD)/systest/%.sh,$(wildcard userspace/tests/system/*.sh)) \
	$(patsubst userspace/rust/%.rs,$(BUILD)/systest/%,$(wildcard userspace/rust/*.rs)) \
	$(patsubst userspace/glibc/%.c,$(BUILD)/systest/%,$(wildcard userspace/glibc/*.c)) \
	$(BUILD)/systest/_true-dynamic $(EYRA_STAMP) \
	$(BUILD)/systest/_dyn_probe_musl $(BUILD)/systest/_dyn_probe_glibc
ROOTBIN := $(BUILD)/rootbin/init $(BUILD)/rootbin/runner
ROOTFS := $(BUILD)/rootfs.cpio

# ---- herd, the service supervisor (docs/herd.md): a static musl program in
# the root filesystem as /sbin/herd (scripts/mkrootfs.sh takes it from
# ALLOY_HERD_BIN) with an example service in /etc/herd. FFI=1 links its
# Rust policy (rust/herd: a no_std staticlib for the host target, the only
# Rust std target installed; it uses only core, so musl links it); FFI=0
# links none, which test-herd-ffi checks. test-herd-ffi: cargo test and
# clippy of alloy-herd, bindings drift, the shared vectors through both
# implementations, a bounded differential fuzz run (make fuzz runs it too).
HERD_SRC := userspace/herd/herd.c userspace/herd/select.c userspace/herd/policy.c
HERD_DEPS := $(HERD_SRC) userspace/herd/herd.h ffi/herd.h
HERD_RUST_LIB := target/release/liballoy_herd.a
HERD_BIN := $(BUILD)/rootbin/herd-ffi$(FFI)
export ALLOY_HERD_BIN = $(abspath $(HERD_BIN))
ROOTBIN += $(HERD_BIN)
$(HERD_RUST_LIB): $(shell find rust/herd -name '*.rs' -o -name Cargo.toml 2>/dev/null) Cargo.toml
	@echo "  CARGO   $@ (herd's policy)"
	@RUSTC=$(RUSTC_DEB) $(CARGO_DEB) build --offline --release -q -p alloy-herd
$(BUILD)/rootbin/herd-ffi1: $(HERD_DEPS) $(HERD_RUST_LIB)
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	@musl-gcc -static -O2 -Wall -Werror -DHERD_FFI=1 -o $@ $(HERD_SRC) $(HERD_RUST_LIB) -Wl,--gc-sections
$(BUILD)/rootbin/herd-ffi0: $(HERD_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	@musl-gcc -static -O2 -Wall -Werror -DHERD_FFI=0 -o $@ $(HERD_SRC)
.PHONY: test-herd-ffi herd-long bench-debian test-debian test-debian-linux test-debian-suite
test-herd-ffi: $(BUILD)/rootbin/herd-ffi0 $(BUILD)/rootbin/herd-ffi1
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@scripts/test-herd-ffi.sh $(FUZZ_SECONDS) $(RESULTS)/herd-ffi.tap
	@scripts/test-herd-poweroff.sh 0 $(RESULTS)/herd-poweroff-ffi0.tap
	@scripts/test-herd-poweroff.sh 1 $(RESULTS)/herd-poweroff-ffi1.tap
# the log test with 200 MB to stdout and 200 MB to stderr (make test: 4 + 4)
herd-long:
	@$(MAKE) --no-print-directory run SMP=2 TIMEOUT=7200 CMD='/tests/herd big'
test-ffi: test-herd-ffi
fuzz: fuzz-herd
.PHONY: fuzz-herd
fuzz-herd: $(HERD_RUST_LIB)
	@mkdir -p $(BUILD)
	@scripts/fuzz-herd.sh $(FUZZ_SECONDS) $(BUILD)/fuzz-herd.tap; cat $(BUILD)/fuzz-herd.tap

$(BUILD)/systest/%: userspace/tests/system/%.c $(wildcard userspace/tests/system/*.h)
	@mkdir -p $(dir $@)
	@echo "  MUSL    $<"
	@musl-gcc -static -O2 -Wall -Werror -o $@ $<
# Rust std programs: static (glibc, static-PIE) with Debian's rustc
$(BUILD)/systest/%: userspace/rust/%.rs
	@mkdir -p $(dir $@)
	@echo "  RUSTC   $<"
	@$(RUSTC_DEB) -O -C target-feature=+crt-static -C strip=debuginfo -o $@ $<
# glibc programs: static, with Debian's libc6-dev (threads: clone3, rseq)
$(BUILD)/systest/%: userspace/glibc/%.c userspace/tests/system/check.h userspace/tests/system/threads.h
	@mkdir -p $(dir $@)
	@echo "  GLIBC   $<"
	@gcc -static -O2 -Wall -Werror -pthread -o $@ $<
# Eyra programs (Rust std, no libc) from the pinned sources in ../shared/eyra,
# offline: rust_threads.rs as /tests/_eyra_threads and _eyra_threads_pie,
# run by eyra.sh. The first build takes a few minutes and is kept in
# $(BUILD)/eyra; without the sources eyra.sh reports itself skipped.
$(EYRA_STAMP): userspace/rust/rust_threads.rs scripts/build-eyra.sh
	@mkdir -p $(dir $@) $(BUILD)/systest
	@rm -f $(BUILD)/eyra/stamp*
	@scripts/build-eyra.sh '$(EYRA_DIR)' $(BUILD)/systest $(BUILD)/eyra eyra_threads $<
	@echo '$(EYRA_DIR)' > $@
$(BUILD)/systest/%.sh: userspace/tests/system/%.sh
	@mkdir -p $(dir $@)
	@install -m 755 $< $@
# a dynamically linked program from the ELF vectors
$(BUILD)/systest/_true-dynamic: tests/vectors/elf/true-dynamic
	@mkdir -p $(dir $@)
	@install -m 755 $< $@
# dynamically linked programs (PIE) against musl's and glibc's loaders,
# which mkrootfs.sh copies from the host (dyn_run, exec_dynamic)
$(BUILD)/systest/_dyn_probe_musl: userspace/dynamic/dyn_probe.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $< (dynamic)"
	@musl-gcc -O2 -Wall -Werror -pthread -o $@ $<
$(BUILD)/systest/_dyn_probe_glibc: userspace/dynamic/dyn_probe.c
	@mkdir -p $(dir $@)
	@echo "  GLIBC   $< (dynamic)"
	@gcc -O2 -Wall -Werror -pthread -o $@ $<
$(BUILD)/rootbin/init: userspace/init/init.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $<"
	@musl-gcc -static -O2 -Wall -Werror -o $@ $<
$(BUILD)/rootbin/runner: userspace/runner/runner.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $<"
	@musl-gcc -static -O2 -Wall -Werror -o $@ $<

# CMD must reach the guest's shell byte for byte, so make never expands it
# ($x, $? and $(...) are the shell's): $(value CMD) is its text as given,
# and it travels in the environment (ALLOY_CMD), never through a recipe's
# quoting.
HAVE_CMD := $(if $(value CMD),1)
export ALLOY_CMD = $(value CMD)

.PHONY: rootfs
rootfs: deps $(SYSTESTS) $(ROOTBIN)
	@scripts/mkrootfs.sh $(ROOTFS) $(BUILD)/rootfs-stage \
		--init $(BUILD)/rootbin/init --runner $(BUILD)/rootbin/runner \
		--tests $(BUILD)/systest $(SSH_ROOTFS) $(if $(ROOTFS_EXTRA),--extra '$(ROOTFS_EXTRA)') \
		$(if $(HAVE_CMD),--cmd "$$ALLOY_CMD")

# GNU make can only exit 0 or 2, so with CMD the command's own status is
# printed last ("alloy: command exited with status N"); xtask exits with it.
# The test image adds the 100 MiB program for bigexec.sh (not in make run's).
ROOTFS_TEST := $(BUILD)/rootfs-test.cpio
.PHONY: rootfs-test
rootfs-test: deps $(SYSTESTS) $(ROOTBIN) $(BUILD)/user/big
	@mkdir -p $(BUILD)/rootfs-big/tests && cp $(BUILD)/user/big $(BUILD)/rootfs-big/tests/_big
	@scripts/mkext2-small.sh $(BUILD)/rootfs-big/tests/_ext2_small.img
	@scripts/mkrootfs.sh $(ROOTFS_TEST) $(BUILD)/rootfs-test-stage \
		--init $(BUILD)/rootbin/init --runner $(BUILD)/rootbin/runner \
		--tests $(BUILD)/systest --extra $(BUILD)/rootfs-big

# ---- the Debian root disk (docs/debian.md): `make rootfs-debian` builds
# build/debian/root.img (scripts/debian/, from the host's apt sources and
# npm), rebuilt when scripts/debian/packages.txt or build.sh changes.
# `make run ROOTFS=debian` boots it as root=/dev/vda with Alloy's init and
# no initramfs, under QEMU's -snapshot (the guest's writes are dropped);
# CMD='...' goes on a 4 KiB command disk, vdb, that init reads.
# ROOTFS=debian on the command line only picks the root: the name ROOTFS
# (the initramfs) is taken back here.
ROOTFS_KIND := $(if $(filter debian,$(ROOTFS)),debian)
override ROOTFS := $(BUILD)/rootfs.cpio
DEB := $(BUILD)/debian
DEB_IMG := $(DEB)/root.img
$(DEB)/stage.stamp: scripts/debian/packages.txt scripts/debian/build.sh scripts/debian/gdb-target.c
	@echo "  DEBIAN  $(DEB)/stage (mmdebstrap, npm: minutes)"
	@scripts/debian/build.sh stage $(DEB)/stage scripts/debian/packages.txt $(DEB)/cache
	@touch $@
$(DEB_IMG): $(DEB)/stage.stamp $(BUILD)/rootbin/init scripts/debian/mkimage.sh
	@echo "  MKE2FS  $@"
	@scripts/debian/mkimage.sh $(DEB)/stage $(BUILD)/rootbin/init $@
.PHONY: rootfs-debian debian-cmd test-debian test-debian-linux
rootfs-debian:
	@scripts/deps.sh debian
	@$(MAKE) --no-print-directory $(DEB_IMG)
debian-cmd:
	@mkdir -p $(DEB) && scripts/debian/cmd-disk.sh $(DEB)/cmd.img "$$ALLOY_CMD"
space := $(subst ,, )
ifeq ($(ROOTFS_KIND),debian)
RUN_ROOT = rootfs-debian $(if $(HAVE_CMD),debian-cmd)
RUN_BOOT = --disk $(DEB_IMG) $(if $(HAVE_CMD),--disk $(DEB)/cmd.img) --qemu-arg -snapshot
RUN_APPEND := root=/dev/vda init=/sbin/alloy-init$(space)
else
RUN_ROOT = rootfs
RUN_BOOT = --module $(ROOTFS)
endif
# The programs of issue 15 on the Debian disk (scripts/test-debian.sh);
# not in `make test` until the kernel runs dynamically linked programs.
test-debian: kernel $(XTASK) rootfs-debian
	@mkdir -p $(RESULTS)
	@scripts/test-debian.sh alloy $(XTASK) $(KBIN) $(KELF) $(DEB_IMG) $(DEB)/stage \
		$(RESULTS)/debian-ffi$(FFI).tap debian-ffi$(FFI)
# start-up times of the Debian disk's programs on both kernels (DEBUG=0 build)
bench-debian: deps $(XTASK) rootfs-debian
	@$(MAKE) --no-print-directory kernel DEBUG=0
	@scripts/bench-linux-kernel.sh $(BENCH_DIR)/linux
	@scripts/bench-debian.sh $(XTASK) $(BUILD)/ffi$(FFI)-nodebug/alloy.bin \
		$(BUILD)/ffi$(FFI)-nodebug/alloy.elf $(BENCH_DIR)/linux $(DEB_IMG) \
		$(BENCH_DIR)/debian.txt $(or $(BOOTS),2)
# make test: the Debian disk is built first (minutes, once: cached); a disk
# that cannot be built is a failure of its own, not the end of make test
DEB_BG := $(BUILD)/logs/debian-stage
test-debian-suite:
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@# started by make test in the background: wait for it (at most 40 min)
	@if [ -f $(DEB_BG).log ] && [ ! -f $(DEB_BG).rc ]; then \
		echo "debian: waiting for the Debian tree ($(DEB_BG).log)"; \
		for i in $$(seq 2400); do [ -f $(DEB_BG).rc ] && break; sleep 1; done; fi
	@if $(MAKE) --no-print-directory rootfs-debian > $(BUILD)/logs/rootfs-debian.log 2>&1; then \
		$(MAKE) --no-print-directory test-debian FFI=$(FFI); \
	else tail -5 $(BUILD)/logs/rootfs-debian.log; \
		echo "not ok 1 debian-ffi$(FFI): the Debian disk could not be built (log $(BUILD)/logs/rootfs-debian.log)" \
			> $(RESULTS)/debian-ffi$(FFI).tap; fi
# the same script on Debian's Linux kernel, which proves the test itself
test-debian-linux: rootfs-debian
	@mkdir -p $(RESULTS)
	@scripts/bench-linux-kernel.sh $(BENCH_DIR)/linux
	@scripts/test-debian.sh linux $(BENCH_DIR)/linux $(DEB_IMG) $(DEB)/stage \
		$(RESULTS)/debian-linux.tap debian-linux

run: kernel $(XTASK) $(RUN_ROOT)
	@st=0; $(XTASK) run --kernel $(RUN_KBIN) --elf $(KELF) --smp $(SMP) --mem $(MEM) \
		$(RUN_BOOT) $(if $(HAVE_CMD),--batch) $(foreach d,$(DISK),--disk $(d)) $(RUN_NET) \
		--append "$(RUN_APPEND)$(if $(HAVE_CMD),quiet panic_exit )$(APPEND)" --timeout $(TIMEOUT) \
		--mark 'scheduler running on' || st=$$?; \
	$(if $(HAVE_CMD),echo "alloy: command exited with status $$st" >&2;) exit $$st

# make profile CMD='...' [HZ=1000]: the command under the sampling
# profiler, then a report (docs/profiling.md); other make run variables
# (FFI, SMP, DISK, ROOTFS, DEBUG) pass through
profile: kernel
	@PROFILE_ROOTS="$(BUILD)/rootfs-stage $(BUILD)/rootfs-test-stage $(if $(ROOTFS_KIND),$(DEB)/stage)" \
		PROFILE_VDSO=$(VDSO_SO) scripts/profile.sh "$(MAKE)" $(or $(HZ),1000) $(KELF) $(BUILD)/profile

debug: kernel $(XTASK)
	@$(XTASK) run --gdb --kernel $(KBIN) --elf $(KELF) --smp $(SMP) \
		--mem $(MEM) --append "$(APPEND)"

# ---- tests: every suite writes $(RESULTS)/<suite>.tap; failures are
# recorded there, not fatal, so one broken suite does not hide the others.
# make test fuzzes each parser and herd's policy for 20 s (make fuzz: as long as asked)
TEST_FUZZ_SECONDS ?= 20
test: deps
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS) $(BUILD)/logs
	@date +%s > $(BUILD)/logs/test-start
	@# the Debian tree downloads (apt, npm: minutes, network-bound) while
	@# the kernel tests use the CPUs; test-debian-suite waits for it
	@rm -f $(DEB_BG).rc; ( scripts/deps.sh debian && $(MAKE) --no-print-directory \
		$(DEB)/stage.stamp; echo $$? > $(DEB_BG).rc ) > $(DEB_BG).log 2>&1 &
	@# so do the LTP list's programs, at the lowest priority: the system
	@# suites' guests leave part of a core idle (test-ltp waits for it)
	@rm -f $(LTP_BG).rc; [ -z "$(LTP_SRC)" ] || ( nice -n 19 scripts/ltp/build.sh $(LTP_SRC) \
		$(LTP_DIR) $(LTP_DIR)/install-test $(LTP_LIST); echo $$? > $(LTP_BG).rc ) \
		> $(LTP_BG).log 2>&1 &
	@$(MAKE) --no-print-directory test-host test-xtask test-docs
	@scripts/test-mkrootfs.sh $(RESULTS)/mkrootfs.tap
	@$(MAKE) --no-print-directory test-ktest FFI=0
	@$(MAKE) --no-print-directory test-ktest FFI=1
	@$(MAKE) --no-print-directory test-blk FFI=0
	@$(MAKE) --no-print-directory test-blk FFI=1
	@$(MAKE) --no-print-directory test-net FFI=0
	@$(MAKE) --no-print-directory test-net FFI=1
	@$(MAKE) --no-print-directory test-system FFI=0
	@$(MAKE) --no-print-directory test-system FFI=1
	@$(MAKE) --no-print-directory test-nohpet FFI=0
	@$(MAKE) --no-print-directory test-ffi FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	@$(MAKE) --no-print-directory test-bench-smoke
	@$(MAKE) --no-print-directory fuzz-syscalls FFI=0 SMP=4 FUZZ_CALLS=100000 FUZZ_SEED=1 || true
	@# the LTP list at FFI=0 and FFI=1 at once (a -smp 2 guest running
	@# one test at a time keeps about one core busy), each flavour half of
	@# it, every other line (make test-ltp runs all of it at either); the
	@# programs are built first, by the FFI=0 kernel's build (one writer
	@# per tree)
	@$(MAKE) --no-print-directory kernel FFI=1 > /dev/null
	@if [ -f $(LTP_BG).log ] && [ ! -f $(LTP_BG).rc ]; then \
		echo "ltp: waiting for the background build ($(LTP_BG).log)"; \
		for i in $$(seq 3600); do [ -f $(LTP_BG).rc ] && break; sleep 1; done; fi
	@$(MAKE) --no-print-directory test-ltp FFI=0 LTP_BUILD_ONLY=1
	@grep -vxF -f tests/ltp/slow.txt $(LTP_LIST) > $(BUILD)/ltp-quick.txt
	@for f in 0 1; do \
		awk -v f=$$f 'NR % 2 == (1 - f)' $(BUILD)/ltp-quick.txt > $(BUILD)/ltp-quick-ffi$$f.txt; \
		$(MAKE) --no-print-directory test-ltp FFI=$$f LTP_RUN_LIST=$(BUILD)/ltp-quick-ffi$$f.txt \
			> $(BUILD)/logs/test-ltp-ffi$$f.out 2>&1 & \
	done; wait; cat $(BUILD)/logs/test-ltp-ffi0.out $(BUILD)/logs/test-ltp-ffi1.out
	@$(MAKE) --no-print-directory test-debian-suite FFI=1
	@# a failed system test's own words, where CI's short excerpt shows them
	@grep -H "check failed" $(BUILD)/logs/system-*.log 2>/dev/null | \
		sed 's|^$(BUILD)/logs/||' | head -20 | sed '1i checks that failed in the system suites:' || true
	@# when each result file was written (minutes into make test), near
	@# the end where CI's excerpt shows it; the summary stays the last line
	@stat -c '%Y %n' $(RESULTS)/* | sort -n | awk -v t0=$$(cat $(BUILD)/logs/test-start) \
		'{ n = $$2; sub(".*/", "", n); sub("[.]tap$$", "", n); \
		   printf "%s %.1f\n", n, ($$1 - t0) / 60 }' | paste -sd' ' | fold -s -w 96 | \
		sed 's/^/  /;1i minutes into make test when each result was written:'
	@$(XTASK) summary $(RESULTS)

test-host:
	@mkdir -p $(RESULTS) $(BUILD)/host
	@for t in $(HOST_TESTS); do \
		n=$$(basename $$t .c); \
		srcs=$$(sed -n '1s|^// SOURCES:||p' $$t); \
		out=$(RESULTS)/host-$$n.tap; \
		echo "host: $$n"; \
		if ! $(HOSTCC) $(HOST_CFLAGS) -o $(BUILD)/host/$$n $$t $$srcs \
			2> $(BUILD)/host/$$n.build.log; then \
			cat $(BUILD)/host/$$n.build.log; \
			echo "not ok 1 host-$$n: build" > $$out; continue; \
		fi; \
		$(BUILD)/host/$$n 2> $(BUILD)/host/$$n.log | \
			sed -n 's/^\(not ok\|ok\) [0-9]* *-* */\1 1 host-'$$n': /p' > $$out; \
		st=$${PIPESTATUS[0]}; \
		if [ $$st -ne 0 ]; then tail -20 $(BUILD)/host/$$n.log; \
			echo "not ok 1 host-$$n: exit status $$st" >> $$out; fi; \
		grep '^not ok' $$out || true; \
	done

# docs/syscalls.md must say what the syscall table says.
test-docs:
	@mkdir -p $(RESULTS) $(BUILD)
	@scripts/gen-syscalls-doc.sh $(BUILD)/syscalls.md
	@if cmp -s $(BUILD)/syscalls.md docs/syscalls.md; \
	then echo "ok 1 docs: syscalls.md matches the syscall table"; \
	else echo "not ok 1 docs: syscalls.md is stale (run scripts/gen-syscalls-doc.sh)"; \
	fi > $(RESULTS)/docs.tap

test-xtask: $(XTASK)
	@mkdir -p $(RESULTS)
	@if $(CARGO) test --offline -q -p xtask > $(BUILD)/logs/xtask-test.log 2>&1; \
	then echo "ok 1 xtask: cargo test" > $(RESULTS)/xtask.tap; \
	else tail -30 $(BUILD)/logs/xtask-test.log; \
		echo "not ok 1 xtask: cargo test" > $(RESULTS)/xtask.tap; fi

# User test programs (static musl), passed to the ktest runs as modules.
USER_TESTS := $(patsubst userspace/tests/%.c,$(BUILD)/user/%,$(wildcard userspace/tests/*.c))
$(BUILD)/user/%: userspace/tests/%.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $<"
	@musl-gcc -static -O2 -Wall -Werror -o $@ $<
# A static program over 100 MiB, generated here: exec must stream it.
USER_TESTS += $(BUILD)/user/big
$(BUILD)/user/big: userspace/big/big.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $< (100 MiB of data)"
	@musl-gcc -static -O2 -Wall -Werror -o $@ $<
USER_MODULES := $(foreach u,$(USER_TESTS),--module $(u)) \
	--module tests/vectors/elf/true-dynamic

# A boot module the memmap ktests check is never handed out or overwritten.
KTEST_MODULE := $(BUILD)/ktest-module.bin
$(KTEST_MODULE):
	@mkdir -p $(dir $@)
	@{ printf alloy-test-module; head -c 200000 /dev/zero; \
	   printf alloy-test-module; } > $@

test-ktest: kernel $(XTASK) $(KTEST_MODULE) $(USER_TESTS)
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@for s in 1 4; do \
		echo "ktest: FFI=$(FFI) -smp $$s"; \
		$(XTASK) run --batch --kernel $(KBIN) --elf $(KELF) --smp $$s \
			--module $(KTEST_MODULE) $(USER_MODULES) \
			--mem $(MEM) --append 'ktest=all' --timeout $(KTEST_TIMEOUT) \
			--name ffi$(FFI)-smp$$s --mark 'scheduler running on' \
			--ktap-out $(RESULTS)/ktest-ffi$(FFI)-smp$$s.tap \
			--log $(BUILD)/logs/ktest-ffi$(FFI)-smp$$s.log > /dev/null || true; \
		grep -h '^\(ok\|not ok\)' $(RESULTS)/ktest-ffi$(FFI)-smp$$s.tap | \
			sed 's/^/  /'; \
		echo "crash diagnostics: FFI=$(FFI) -smp $$s"; \
		scripts/crashtest.sh $(XTASK) $(KBIN) $$s \
			$(RESULTS)/crash-ffi$(FFI)-smp$$s.tap $(BUILD)/logs; \
	done

# Block layer and virtio-blk: the blk_* ktests need disks, so they run
# here rather than in test-ktest: vda a fresh 64 MiB image (overwritten),
# vdb read-only, vdc read-only and throttled by QEMU to 200 requests/s
# (blk_waiter_sleeps needs reads slower than the path to sleep).
BLK_TESTS := blk_rw_patterns,blk_concurrent_inflight,blk_bad_requests_einval
BLK_TESTS := $(BLK_TESTS),blk_flush_reaches_device,blk_readonly_rejects_writes,blk_stats_count
BLK_TESTS := $(BLK_TESTS),blk_waiter_sleeps,blk_devfile,blk_seq_read_speed
BLK_DIR := $(BUILD)/blk
test-blk: kernel $(XTASK)
	@mkdir -p $(RESULTS) $(BUILD)/logs $(BLK_DIR)
	@for s in 1 4; do \
		echo "blk: FFI=$(FFI) -smp $$s"; \
		rm -f $(BLK_DIR)/rw.img $(BLK_DIR)/ro.img $(BLK_DIR)/slow.img; \
		dd if=/dev/zero of=$(BLK_DIR)/rw.img bs=1M count=64 status=none; \
		truncate -s 8M $(BLK_DIR)/ro.img; truncate -s 1M $(BLK_DIR)/slow.img; \
		$(XTASK) run --batch --kernel $(KBIN) --elf $(KELF) --smp $$s --mem $(MEM) \
			--disk $(BLK_DIR)/rw.img --disk-ro $(BLK_DIR)/ro.img \
			--qemu-arg -drive --qemu-arg \
			file=$(BLK_DIR)/slow.img,format=raw,if=none,id=slow,readonly=on,throttling.iops-total=40 \
			--qemu-arg -device --qemu-arg virtio-blk-pci,drive=slow \
			--append 'ktest=$(BLK_TESTS)' --timeout $(KTEST_TIMEOUT) \
			--name blk-ffi$(FFI)-smp$$s --mark 'scheduler running on' \
			--ktap-out $(RESULTS)/blk-ffi$(FFI)-smp$$s.tap \
			--log $(BUILD)/logs/blk-ffi$(FFI)-smp$$s.log > /dev/null || true; \
		grep -h '^\(ok\|not ok\)' $(RESULTS)/blk-ffi$(FFI)-smp$$s.tap | sed 's/^/  /'; \
		grep -h 'blk_.*: ' $(BUILD)/logs/blk-ffi$(FFI)-smp$$s.log | sed 's/^/  /'; \
	done

# ---- networking (docs/net.md). `make run NET=1`: a virtio-net device on
# QEMU user networking, restrict=on (the guest reaches only slirp and the
# forward), host 127.0.0.1:2222 forwarded to guest port 22 (NET_FWD=H:G,
# several separated by spaces).
# test-net: the net_* ktests against slirp, named so that a missing device
# fails them; no forward, so parallel runs never fight over a port.
NET ?= 0
NET_FWD ?= 2222:22
RUN_NET = $(if $(filter 1,$(NET)),--net $(foreach f,$(NET_FWD),--net-fwd $(f)))
.PHONY: test-net
NET_TESTS := net_arp_reply,net_icmp_echo,net_rx_flood,net_proc_dev,net_virtio_hostile,net_virtio_rx_rearm
test-net: kernel $(XTASK)
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@for s in 1 4; do \
		echo "net: FFI=$(FFI) -smp $$s"; \
		$(XTASK) run --batch --kernel $(KBIN) --elf $(KELF) --smp $$s --mem $(MEM) \
			--net --append 'ip=off ktest=$(NET_TESTS)' --timeout $(KTEST_TIMEOUT) \
			--name net-ffi$(FFI)-smp$$s --mark 'scheduler running on' \
			--ktap-out $(RESULTS)/net-ffi$(FFI)-smp$$s.tap \
			--log $(BUILD)/logs/net-ffi$(FFI)-smp$$s.log > /dev/null || true; \
		grep -h '^\(ok\|not ok\)' $(RESULTS)/net-ffi$(FFI)-smp$$s.tap | sed 's/^/  /'; \
		grep -h 'net_.*: ' $(BUILD)/logs/net-ffi$(FFI)-smp$$s.log | sed 's/^/  /'; \
	done
	@for s in 1 4; do \
		echo "net from the host: FFI=$(FFI) -smp $$s"; \
		scripts/test-net-host.sh $(MAKE) $(FFI) $(RESULTS)/net-host-ffi$(FFI)-smp$$s.tap $$s; \
		sed 's/^/  /' $(RESULTS)/net-host-ffi$(FFI)-smp$$s.tap; \
		echo "ssh from the host: FFI=$(FFI) -smp $$s"; \
		scripts/test-ssh.sh $(MAKE) $(FFI) $(RESULTS)/ssh-ffi$(FFI)-smp$$s.tap 50 $$s; \
		sed 's/^/  /' $(RESULTS)/ssh-ffi$(FFI)-smp$$s.tap; \
	done

# ---- ssh (docs/net.md, "ssh"): with NET=1 make run's root has Debian's
# dropbear, run by herd on port 22 (scripts/fetch-dropbear.sh: the packages
# fetched once into build/ssh with the host's apt; a host key and a client
# key, build/ssh/id_ed25519, made once; SSH_KEYS=file.pub authorises more).
# test-net runs scripts/test-ssh.sh (login, pty, scp) after test-net-host,
# each at -smp 1 and 4: scp moves 10-16 MiB/s under TCG, 50 MiB each way.
SSH_DIR := $(BUILD)/ssh
SSH_ROOTFS = $(if $(filter 1,$(NET)),--ssh $(SSH_DIR)/tree)
.PHONY: ssh-tree
ssh-tree:
	@scripts/fetch-dropbear.sh $(SSH_DIR)
ifeq ($(NET),1)
rootfs: ssh-tree
endif

# The system suite: the runner (as init) runs every program and script in
# /tests of the initramfs and prints KTAP; then `make run CMD=...` itself.
# The whole suite's bound (each test has its own in the runner): the two
# boots share the host's cores, so each takes longer than it would alone
SYSTEM_TIMEOUT ?= 1200
# SYSTEM_SMP: the -smp levels test-system boots (make test: both, both
# flavours; SYSTEM_SMP=4 for a quicker look)
SYSTEM_SMP ?= 1 4
test-system: kernel $(XTASK) rootfs rootfs-test
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@# -smp 1 and -smp 4 boot at once, each on its own disks: the -smp 1
	@# guest is one host thread and would leave the second core idle
	@echo "system: FFI=$(FFI) -smp $(SYSTEM_SMP) (at once)"
	@for s in $(SYSTEM_SMP); do \
		disks=$(BUILD)/disks/sys-ffi$(FFI)-smp$$s; \
		{ scripts/mkdisks.sh $$disks && \
		$(XTASK) run --batch --kernel $(KBIN) --elf $(KELF) --smp $$s \
			--disk $$disks/vda.img --disk $$disks/vdb.img --disk $$disks/vdc.img \
			--qemu-arg -drive --qemu-arg \
			file=$$disks/vdd.img,format=raw,if=none,id=slow,readonly=on,throttling.iops-total=4 \
			--qemu-arg -device --qemu-arg virtio-blk-pci,drive=slow \
			--module $(ROOTFS_TEST) --mem $(MEM) --append 'init=/sbin/runner panic_exit' \
			--timeout $(SYSTEM_TIMEOUT) --name sys-ffi$(FFI)-smp$$s \
			--mark 'scheduler running on' \
			--ktap-out $(RESULTS)/system-ffi$(FFI)-smp$$s.tap \
			--log $(BUILD)/logs/system-ffi$(FFI)-smp$$s.log > /dev/null; } & \
	done; wait
	@for s in $(SYSTEM_SMP); do \
		echo "system: FFI=$(FFI) -smp $$s"; \
		disks=$(BUILD)/disks/sys-ffi$(FFI)-smp$$s; \
		grep -h '^\(ok\|not ok\)' $(RESULTS)/system-ffi$(FFI)-smp$$s.tap | \
			sed 's/^/  /'; \
		out=$(RESULTS)/ext2img-ffi$(FFI)-smp$$s.tap; : > $$out; \
		scripts/check-ext2-image.sh $$disks/vda.img ext2-vda-ffi$(FFI)-smp$$s $$out --keep; \
		scripts/check-ext2-image.sh $$disks/vdc.img ext2-vdc-ffi$(FFI)-smp$$s $$out; \
		rm -f $$disks/vda.img; \
	done
	@echo "tty: FFI=$(FFI)"
	@python3 scripts/test-tty.py $(XTASK) $(KBIN) $(KELF) $(ROOTFS) \
		$(RESULTS)/tty-ffi$(FFI).tap tty-ffi$(FFI) || true
	@echo "make run CMD=...: FFI=$(FFI)"
	@scripts/test-cmd.sh $(MAKE) $(FFI) $(RESULTS)/cmd-ffi$(FFI).tap
	@echo "root=/dev/vda: FFI=$(FFI)"
	@scripts/test-rootdisk.sh $(XTASK) $(KBIN) $(KELF) $(RESULTS)/rootdisk-ffi$(FFI).tap rootdisk-ffi$(FFI)

# The C/Rust boundary: both kernels' symbols, the Rust crates' own tests,
# generated bindings still matching their sources, the shared vectors
# through both parsers, a bounded differential fuzz run, and the FFI=1
# kernel with the Rust parser switched off on the command line.
FUZZ_SECONDS ?= 60
RUST_HOST_LIB := target/release/liballoy_rs.a

$(RUST_HOST_LIB): $(RUST_SRC) Cargo.toml
	@echo "  CARGO   $@ (host, for the fuzzer and vectors)"
	@RUSTC=$(RUSTC_DEB) $(CARGO_DEB) build --offline --release -q -p alloy-rs

test-ffi: $(XTASK) $(RUST_HOST_LIB)
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@$(MAKE) --no-print-directory kernel FFI=0 >/dev/null
	@$(MAKE) --no-print-directory kernel FFI=1 >/dev/null
	@echo "ffi: symbols, cargo test, bindings drift, vectors, fuzz ($(FUZZ_SECONDS) s)"
	@scripts/check-ffi-symbols.sh $(RESULTS)/ffi-symbols.tap
	@if RUSTC=$(RUSTC_DEB) $(CARGO_DEB) test --offline -q -p alloy-elf -p alloy-ext2 -p kbind \
		> $(BUILD)/logs/cargo-test-rust.log 2>&1; \
	then echo "ok 1 rust: cargo test (alloy-elf, alloy-ext2, kbind)" > $(RESULTS)/rust.tap; \
	else tail -30 $(BUILD)/logs/cargo-test-rust.log; \
		echo "not ok 1 rust: cargo test (alloy-elf, alloy-ext2, kbind)" > $(RESULTS)/rust.tap; fi
	@if ! cargo clippy --version >/dev/null 2>&1; then \
		echo "ok 1 rust: clippy (component rules) # SKIP clippy not installed"; \
	elif cargo clippy --offline -q -p alloy-elf -p alloy-ext2 -p kbind -p alloy-rs -- -D warnings \
		> $(BUILD)/logs/clippy.log 2>&1; \
	then echo "ok 1 rust: clippy (no unwrap, indexing, panic, unchecked arithmetic)"; \
	else cat $(BUILD)/logs/clippy.log >&2; \
		echo "not ok 1 rust: clippy found violations of the component rules"; \
	fi > $(RESULTS)/rust-clippy.tap
	@if scripts/gen-ffi.sh --check > $(BUILD)/logs/gen-ffi.log 2>&1; \
	then echo "ok 1 ffi: generated bindings match their sources" > $(RESULTS)/ffi-drift.tap; \
	else cat $(BUILD)/logs/gen-ffi.log; \
		echo "not ok 1 ffi: generated bindings drifted (scripts/gen-ffi.sh)" > $(RESULTS)/ffi-drift.tap; fi
	@scripts/test-ffi-elf.sh $(RESULTS)/ffi-elf.tap
	@# the two fuzzers at once, a core each for the same seconds (their
	@# instrumented Rust build is one cargo target that cargo locks)
	@scripts/fuzz-elf.sh $(FUZZ_SECONDS) $(RESULTS)/fuzz-elf.tap & \
		{ scripts/test-ffi-ext2.sh $(RESULTS)/ffi-ext2.tap; \
		  scripts/fuzz-ext2.sh $(FUZZ_SECONDS) $(RESULTS)/fuzz-ext2.tap; }; wait
	@$(XTASK) run --batch --kernel build/ffi1/alloy.bin --elf build/ffi1/alloy.elf \
		--smp 2 --mem $(MEM) --append 'rust=off:elf ktest=ffi_elf_selection,ffi_elf_implementations_agree' \
		--timeout $(KTEST_TIMEOUT) --name ffi1-rust-off \
		--ktap-out $(RESULTS)/ktest-ffi1-rust-off.tap \
		--log $(BUILD)/logs/ktest-ffi1-rust-off.log > /dev/null || true
	@$(XTASK) run --batch --kernel build/ffi1/alloy.bin --elf build/ffi1/alloy.elf \
		--smp 2 --mem $(MEM) --append 'rust=off:ext2 ktest=ffi_ext2_selection,ffi_ext2_implementations_agree' \
		--timeout $(KTEST_TIMEOUT) --name ffi1-rust-off-ext2 \
		--ktap-out $(RESULTS)/ktest-ffi1-rust-off-ext2.tap \
		--log $(BUILD)/logs/ktest-ffi1-rust-off-ext2.log > /dev/null || true
	@for b in abi selftest; do \
		log=$(BUILD)/logs/ktest-ffi1-break-$$b.log; \
		$(XTASK) run --batch --kernel build/ffi1/alloy.bin --smp 1 --mem $(MEM) \
			--append "ffi_break=$$b ktest=ffi_elf_selection" --timeout $(KTEST_TIMEOUT) \
			--name ffi1-break-$$b --ktap-out $(RESULTS)/ktest-ffi1-break-$$b.tap \
			--log $$log > /dev/null || true; \
		if grep -q 'ffi: elf: Rust parser .*; using the C fallback' $$log; \
		then echo "ok 1 ffi1-break-$$b: boot warns and falls back to C"; \
		else echo "not ok 1 ffi1-break-$$b: no fallback warning on the console"; \
		fi > $(RESULTS)/ffi-break-$$b.tap; \
	done
	@grep -h '^not ok' $(RESULTS)/ffi-*.tap $(RESULTS)/rust*.tap $(RESULTS)/fuzz-elf.tap \
		$(RESULTS)/fuzz-ext2.tap $(RESULTS)/ktest-ffi1-*.tap || true

# ---- make bench (docs/bench.md): bench/bench, one static program, on
# Alloy (a DEBUG=0 build: no lock-order checks or poisoning) and on
# Debian's Linux kernel (scripts/bench-linux-kernel.sh), booted alternately
# ROUNDS times each under the same QEMU flags; build/bench/results.json.
ROUNDS ?= 3
# RERUN=N: N more boots each for the rows whose spread is over 10 % (they
# are marked `!` either way)
RERUN ?= 0
BENCH_SMP ?= 2
BENCH_MEM ?= 512M
BENCH_DIR := $(BUILD)/bench
BENCH_BINS := $(BENCH_DIR)/bench $(BENCH_DIR)/bench-true $(BENCH_DIR)/bench-init
$(BENCH_DIR)/bench: bench/bench.c bench/workloads.c bench/bench.h
$(BENCH_DIR)/bench-true: bench/true.c
$(BENCH_DIR)/bench-init: bench/init.c
$(BENCH_BINS):
	@mkdir -p $(dir $@)
	@echo "  MUSL    $<"
	@musl-gcc -static -O2 -Wall -Werror -o $@ $(filter %.c,$^)

bench: deps $(BENCH_BINS) $(XTASK)
	@$(MAKE) --no-print-directory kernel DEBUG=0
	@scripts/bench-linux-kernel.sh $(BENCH_DIR)/linux
	@python3 scripts/bench.py run --alloy $(BUILD)/ffi$(FFI)-nodebug/alloy.bin \
		--linux $(BENCH_DIR)/linux --bench $(BENCH_DIR) --out $(BENCH_DIR) \
		--rounds $(ROUNDS) --rerun $(RERUN) --smp $(BENCH_SMP) --mem $(BENCH_MEM)

# In make test: one boot of Alloy with `bench --quick`; every benchmark
# must print a number (build/results/bench-smoke.tap).
test-bench-smoke: kernel $(BENCH_BINS)
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@echo "bench smoke: FFI=$(FFI) -smp $(BENCH_SMP), bench --quick"
	@python3 scripts/bench.py smoke --alloy $(KBIN) --bench $(BENCH_DIR) \
		--out $(BUILD)/bench-smoke --smp $(BENCH_SMP) --mem $(BENCH_MEM) --timeout 120 \
		--tap $(RESULTS)/bench-smoke.tap --log $(BUILD)/logs/bench-smoke.log || true

# ---- LTP (docs/ltp.md): the Linux Test Project's syscall tests, built
# static from the release tarball (scripts/ltp/build.sh, cached in
# build/ltp), on an ext2 disk, run by userspace/ltp/ltp-init.c as /init on
# Alloy and on Debian's Linux kernel under the same QEMU flags
# (scripts/ltp/ltp.py). make ltp: every test on both, build/ltp/results.tsv,
# the summary and docs/ltp.md's lists. make test-ltp (in make test): the
# tests of tests/ltp/pass.txt, which pass on Alloy today, must still pass.
LTP_SRC ?= $(firstword $(wildcard ../shared/ltp/ltp-20260529.tar.xz /work/shared/ltp/ltp-20260529.tar.xz))
LTP_DIR := $(BUILD)/ltp
LTP_INIT := $(LTP_DIR)/ltp-init
LTP_ARGS ?=
LTP_DOC ?= docs/ltp.md
.PHONY: ltp test-ltp
$(LTP_INIT): userspace/ltp/ltp-init.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $<"
	@musl-gcc -static -O2 -Wall -Werror -o $@ $<
ltp: kernel $(LTP_INIT)
	@[ -n "$(LTP_SRC)" ] || { echo "ltp: no LTP source (LTP_SRC=tarball or tree)"; exit 1; }
	@scripts/bench-linux-kernel.sh $(BENCH_DIR)/linux
	@scripts/ltp/linux-config.sh $(BENCH_DIR)/linux $(LTP_DIR)/kconfig
	@scripts/ltp/build.sh $(LTP_SRC) $(LTP_DIR) $(LTP_DIR)/install
	@python3 scripts/ltp/ltp.py run --root $(LTP_DIR)/install --out $(LTP_DIR) \
		--alloy $(KBIN) --linux $(BENCH_DIR)/linux --kconfig $(LTP_DIR)/kconfig \
		--init $(LTP_INIT) --parallel --doc $(LTP_DOC) $(LTP_ARGS)
# Alloy alone, one boot at -smp 2 per FFI flavour (make test runs both: each
# boot takes seconds, and the C and the Rust parsers each load every test
# program from the ext2 disk); only the listed tests are built.
# LTP_LIST=file runs another list the same way (one test name per line);
# LTP_BUILD_ONLY=1 builds the list's programs and stops (make test builds
# once, then runs both flavours at once)
LTP_LIST ?= tests/ltp/pass.txt
# what runs (the programs of LTP_LIST are built): make test leaves out
# tests/ltp/slow.txt
LTP_RUN_LIST ?= $(LTP_LIST)
LTP_BG := $(BUILD)/logs/ltp-build-bg
test-ltp: kernel $(LTP_INIT)
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@echo "ltp: FFI=$(FFI) -smp 2, the tests of $(LTP_LIST)"
	@# Debian's kernel config, which tests that check an option read (as in make ltp)
	@[ -s $(LTP_DIR)/kconfig ] || { scripts/bench-linux-kernel.sh $(BENCH_DIR)/linux > /dev/null && \
		scripts/ltp/linux-config.sh $(BENCH_DIR)/linux $(LTP_DIR)/kconfig; } || \
		echo "ltp: no kernel config (tests that read one will warn)"
	@if [ -z "$(LTP_SRC)" ]; then \
		echo "ok 1 ltp-ffi$(FFI): # SKIP no LTP source (LTP_SRC)" > $(RESULTS)/ltp-ffi$(FFI).tap; \
	elif ! scripts/ltp/build.sh $(LTP_SRC) $(LTP_DIR) $(LTP_DIR)/install-test $(LTP_LIST) \
		> $(BUILD)/logs/ltp-build-ffi$(FFI).log 2>&1; then \
		tail -20 $(BUILD)/logs/ltp-build-ffi$(FFI).log; \
		echo "not ok 1 ltp-ffi$(FFI): build (log $(BUILD)/logs/ltp-build-ffi$(FFI).log)" > $(RESULTS)/ltp-ffi$(FFI).tap; \
	elif [ -n "$(LTP_BUILD_ONLY)" ]; then \
		tail -1 $(BUILD)/logs/ltp-build-ffi$(FFI).log; \
	else python3 scripts/ltp/ltp.py regress --root $(LTP_DIR)/install-test \
		--out $(BUILD)/ltp-test/ffi$(FFI) --alloy $(KBIN) --init $(LTP_INIT) \
		--kconfig $(LTP_DIR)/kconfig --list $(LTP_RUN_LIST) \
		--tap $(RESULTS)/ltp-ffi$(FFI).tap --name ltp-ffi$(FFI) --smp 2 || true; \
	fi

# Differential fuzzing for as long as asked: make fuzz FUZZ_SECONDS=3600
fuzz: $(RUST_HOST_LIB)
	@mkdir -p $(BUILD)
	@scripts/fuzz-elf.sh $(FUZZ_SECONDS) $(BUILD)/fuzz-elf.tap; cat $(BUILD)/fuzz-elf.tap
	@scripts/fuzz-ext2.sh $(FUZZ_SECONDS) $(BUILD)/fuzz-ext2.tap; cat $(BUILD)/fuzz-ext2.tap

# ---- make fuzz-syscalls (docs/fuzz.md): random system calls from
# 4 processes x 3 threads at -smp $(SMP), FUZZ_CALLS of them,
# seed FUZZ_SEED; panics, hangs and memory not given back fail the run.
FUZZ_CALLS ?= 100000
FUZZ_SEED ?= 1
FUZZ_TIMEOUT ?= 900
FUZZ_TAP ?= $(RESULTS)/fuzz-syscalls-ffi$(FFI).tap
FUZZ_BINS := $(BUILD)/fuzz/syscalls $(BUILD)/fuzz/true
$(BUILD)/fuzz/syscalls: userspace/fuzz/fuzz.c userspace/fuzz/arch.S
	@mkdir -p $(dir $@)
	@echo "  MUSL    $<"
	@musl-gcc -static -O2 -Wall -Werror -fno-stack-protector -o $@ $^
$(BUILD)/fuzz/true: userspace/fuzz/true.c
	@mkdir -p $(dir $@)
	@musl-gcc -static -O2 -Wall -Werror -o $@ $<
.PHONY: fuzz-syscalls
fuzz-syscalls: kernel $(XTASK) $(ROOTBIN) $(FUZZ_BINS)
	@scripts/fuzz-syscalls.sh --xtask $(XTASK) --kernel $(KBIN) --elf $(KELF) \
		--fuzz $(BUILD)/fuzz --calls $(FUZZ_CALLS) --seed $(FUZZ_SEED) --smp $(SMP) \
		--mem $(MEM) --timeout $(FUZZ_TIMEOUT) --tap $(FUZZ_TAP) \
		--name fuzz-syscalls-ffi$(FFI)-seed$(FUZZ_SEED) --out $(BUILD)/fuzz-syscalls-ffi$(FFI) \
		$(if $(FUZZ_ARGS),-- $(FUZZ_ARGS))

# Long soak, outside make test: the whole ktest suite SOAK times per CPU
# count, to shake out rare races.
SOAK ?= 20
test-long: kernel $(XTASK) $(KTEST_MODULE) $(USER_TESTS)
	@rm -rf $(RESULTS)-long && mkdir -p $(RESULTS)-long $(BUILD)/logs
	@for i in $$(seq 1 $(SOAK)); do for s in 2 4; do \
		echo "soak $$i/$(SOAK): FFI=$(FFI) -smp $$s"; \
		$(XTASK) run --batch --kernel $(KBIN) --elf $(KELF) --smp $$s \
			--module $(KTEST_MODULE) $(USER_MODULES) --mem $(MEM) --append 'ktest=all' \
			--timeout $(KTEST_TIMEOUT) --name soak$$i-smp$$s \
			--ktap-out $(RESULTS)-long/soak$$i-smp$$s.tap \
			--log $(BUILD)/logs/soak$$i-smp$$s.log > /dev/null || true; \
	done; done
	@echo "soak: 100 OOM kills in a row at 128 MiB, free memory back at its baseline"
	@$(XTASK) run --batch --kernel $(KBIN) --elf $(KELF) --smp 2 \
		--module $(BUILD)/user/oom --module $(BUILD)/user/hello --mem 128M \
		--append 'ktest=user_oom_kills_only_the_program oom_rounds=100 ktest_timeout=600' \
		--timeout $(KTEST_TIMEOUT) --name oom100 \
		--ktap-out $(RESULTS)-long/oom100.tap \
		--log $(BUILD)/logs/oom100.log > /dev/null || true
	@$(MAKE) --no-print-directory fuzz-syscalls SMP=4 FUZZ_CALLS=10000000 FUZZ_SEED=2 \
		FUZZ_TIMEOUT=36000 FUZZ_TAP=$(RESULTS)-long/fuzz-syscalls.tap || true
	@# the whole LTP list, the slow tests that make test leaves out included
	@$(MAKE) --no-print-directory test-ltp FFI=0 RESULTS=$(RESULTS)-long
	@$(XTASK) summary $(RESULTS)-long

# Without an HPET the kernel calibrates against the PIT: check time still works.
test-nohpet: kernel $(XTASK)
	@mkdir -p $(RESULTS) $(BUILD)/logs
	@echo "ktest: FFI=$(FFI) -smp 2, no HPET (PIT calibration)"
	@$(XTASK) run --batch --kernel $(KBIN) --elf $(KELF) --smp 2 --mem $(MEM) \
		--qemu-arg -machine --qemu-arg hpet=off \
		--append 'ktest=timer_fires_on_time,timer_accuracy,timer_order,sched_pingpong,ioapic_routes_pit_irq' \
		--timeout $(KTEST_TIMEOUT) --name ffi$(FFI)-nohpet \
		--ktap-out $(RESULTS)/ktest-ffi$(FFI)-nohpet.tap \
		--log $(BUILD)/logs/ktest-ffi$(FFI)-nohpet.log > /dev/null || true
	@grep -h '^\(ok\|not ok\)' $(RESULTS)/ktest-ffi$(FFI)-nohpet.tap | sed 's/^/  /'

clean:
	rm -rf $(BUILD) target

-include $(KOBJ:.o=.d)
