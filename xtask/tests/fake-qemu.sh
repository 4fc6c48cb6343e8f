#!/bin/sh
# Stand-in for qemu-system-x86_64 used by tests/run.rs (via the QEMU
# environment variable). FAKE_QEMU_MODE selects the behaviour; remember
# QEMU's exit status for guest code v is (v << 1) | 1.
if [ -n "$FAKE_QEMU_ARGS" ]; then
    printf '%s\n' "$@" > "$FAKE_QEMU_ARGS"
fi
case "$FAKE_QEMU_MODE" in
pass)
    echo "[    0.000000] Alloy booting"
    printf '[    0.010000] KTAP version 1\r\n'
    echo "[    0.010001] 1..3"
    echo "[    0.020000] buddy: 1024 pages free"
    echo "[    0.030000] ok 1 buddy_basic"
    echo "sched: ok then"
    echo "[    0.040000] ok 2 sched_pingpong"
    echo "[    0.050000] ok 3 timer_accuracy # SKIP no hpet"
    printf 'login: '
    exit 1 ;;
fail)
    echo "KTAP version 1"
    echo "1..2"
    echo "ok 1 buddy_basic"
    echo "not ok 2 sched_pingpong # lost wakeup after 100 rounds"
    exit 1 ;;
panic)
    echo "KTAP version 1"
    echo "1..3"
    echo "ok 1 foo"
    echo "[    1.000000] KERNEL PANIC on cpu 1"
    echo "[    1.000001] page fault at 0xdead"
    echo "halting"
    exit 7 ;;
hang)
    echo "KTAP version 1"
    echo "1..2"
    echo "ok 1 first"
    exec sleep 1000 ;;
plain)
    echo "hello from a kernel without tests"
    exit 7 ;;
quit)
    echo "bye"
    exit 0 ;;
broken)
    echo "qemu-system-x86_64: something went wrong" >&2
    exit 1 ;;
*)
    echo "fake-qemu: unknown FAKE_QEMU_MODE '$FAKE_QEMU_MODE'" >&2
    exit 2 ;;
esac
