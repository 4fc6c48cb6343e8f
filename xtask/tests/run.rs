//! End-to-end tests of the xtask binary, with `tests/fake-qemu.sh` standing
//! in for QEMU (selected through the `QEMU` environment variable).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// A fresh scratch directory containing a dummy kernel image.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    fs::write(dir.join("kernel.bin"), b"not really a kernel").expect("write kernel");
    dir
}

/// The fake QEMU script, made executable in case a checkout lost the bit.
fn fake_qemu() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-qemu.sh");
    let mut perms = fs::metadata(&path).expect("fake-qemu.sh").permissions();
    if perms.mode() & 0o111 != 0o111 {
        perms.set_mode(0o755);
        fs::set_permissions(&path, perms).expect("chmod fake-qemu.sh");
    }
    path
}

fn run_fake(mode: &str, dir: &Path, extra: &[&str]) -> Output {
    let kernel = dir.join("kernel.bin");
    let ktap_out = dir.join("out.tap");
    Command::new(XTASK)
        .arg("run")
        .arg("--batch")
        .arg("--kernel")
        .arg(&kernel)
        .arg("--ktap-out")
        .arg(&ktap_out)
        .args(extra)
        .env("QEMU", fake_qemu())
        .env("FAKE_QEMU_MODE", mode)
        .env("FAKE_QEMU_ARGS", dir.join("args.txt"))
        .output()
        .expect("run xtask")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn tap(dir: &Path) -> String {
    fs::read_to_string(dir.join("out.tap")).expect("read out.tap")
}

#[test]
fn passing_run_streams_output_and_writes_tap() {
    let dir = scratch("pass");
    let log = dir.join("serial.log");
    let log_arg = log.to_str().expect("utf-8 path");
    let out = run_fake(
        "pass",
        &dir,
        &["--name", "smp2", "--log", log_arg, "--mark", "login:"],
    );
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(stdout.contains("buddy: 1024 pages free") && stdout.ends_with("login: "));
    assert_eq!(fs::read_to_string(&log).expect("log"), stdout);
    assert!(
        stderr.contains("xtask: \"login:\" seen after "),
        "stderr: {stderr}"
    );
    assert!(!stderr.contains("last serial lines"));
    assert_eq!(
        tap(&dir),
        "ok 1 smp2: buddy_basic\nok 2 smp2: sched_pingpong\n\
         ok 3 smp2: timer_accuracy # SKIP no hpet\n"
    );
}

#[test]
fn passes_the_expected_qemu_arguments() {
    let dir = scratch("args");
    let module = dir.join("kernel.bin");
    let module = module.to_str().expect("utf-8 path");
    let extra = [
        "--smp",
        "4",
        "--mem",
        "1G",
        "--append",
        "test=all",
        "--module",
        module,
        "--module",
        module,
        "--qemu-arg",
        "-d",
        "--qemu-arg",
        "int",
    ];
    let out = run_fake("pass", &dir, &extra);
    assert_eq!(out.status.code(), Some(0));
    let args = fs::read_to_string(dir.join("args.txt")).expect("args.txt");
    let args: Vec<&str> = args.lines().collect();
    let kernel = dir.join("kernel.bin");
    let kernel = kernel.to_str().expect("utf-8 path");
    let initrd = format!("{module},{module}");
    let expected = [
        "-machine",
        "pc",
        "-cpu",
        "max",
        "-smp",
        "4",
        "-m",
        "1G",
        "-display",
        "none",
        "-serial",
        "mon:stdio",
        "-no-reboot",
        "-device",
        "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-kernel",
        kernel,
        "-append",
        "test=all",
        "-initrd",
        &initrd,
        "-d",
        "int",
    ];
    assert_eq!(args, expected);
}

#[test]
fn not_ok_fails_the_run() {
    let dir = scratch("fail");
    let out = run_fake("fail", &dir, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("1 passed, 1 failed"), "stderr: {stderr}");
    assert!(stderr.contains("last serial lines:\n  | KTAP version 1\n"));
    assert_eq!(
        tap(&dir),
        "ok 1 qemu: buddy_basic\n\
         not ok 2 qemu: sched_pingpong # lost wakeup after 100 rounds\n"
    );
}

#[test]
fn panic_and_crash_are_recorded() {
    let dir = scratch("panic");
    let out = run_fake("panic", &dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).ends_with("halting\n"),
        "kept streaming after the panic"
    );
    assert_eq!(
        tap(&dir),
        "ok 1 qemu: foo\n\
         not ok 2 qemu: run # exited with guest code 3; kernel panic: page fault at 0xdead; \
         plan 1..3 but 1 results after test 'foo'\n"
    );
}

#[test]
fn timeout_kills_qemu() {
    let dir = scratch("hang");
    let started = Instant::now();
    let out = run_fake("hang", &dir, &["--timeout", "1"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(124), "stderr: {stderr}");
    assert!(stderr.contains(
        "xtask: TIMEOUT after 1 s (hang); last serial lines:\n  | KTAP version 1\n  | 1..2\n  | ok 1 first\n"
    ));
    assert_eq!(stderr.matches("last serial lines").count(), 1);
    assert_eq!(
        tap(&dir),
        "ok 1 qemu: first\nnot ok 2 qemu: run # timeout after 1 s; plan 1..2 but 1 results \
         after test 'first'\n"
    );
}

#[test]
fn non_test_runs_return_the_guest_code() {
    let dir = scratch("plain");
    let out = run_fake("plain", &dir, &[]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(tap(&dir), "not ok 1 qemu: run # exited with guest code 3\n");

    let dir = scratch("quit");
    let out = run_fake("quit", &dir, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(tap(&dir), "ok 1 qemu: run\n");

    let dir = scratch("expect");
    let out = run_fake("quit", &dir, &["--expect-ktap"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn qemu_errors_exit_2() {
    let dir = scratch("broken");
    let out = run_fake("broken", &dir, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(tap(&dir), "not ok 1 qemu: run # qemu status 1\n");

    let out = Command::new(XTASK)
        .args(["run", "--batch", "--kernel"])
        .arg(dir.join("kernel.bin"))
        .env("QEMU", dir.join("no-such-qemu"))
        .output()
        .expect("run xtask");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot run QEMU"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["run"][..],
        &["run", "--kernel", "/nonexistent/kernel.bin"],
        &["run", "--bogus"],
        &["frobnicate"],
        &["summary"],
    ] {
        let out = Command::new(XTASK).args(args).output().expect("run xtask");
        assert_eq!(out.status.code(), Some(2), "args {args:?}");
    }
}

#[test]
fn summary_and_tap_from_exit() {
    let dir = scratch("summary");
    let file = dir.join("b-host.tap");
    for status in ["0", "3"] {
        let out = Command::new(XTASK)
            .args(["tap-from-exit", "host_tests"])
            .arg(status)
            .arg(&file)
            .output()
            .expect("run xtask");
        assert_eq!(out.status.code(), Some(0));
    }
    assert_eq!(
        fs::read_to_string(&file).expect("read"),
        "ok 1 host_tests\nnot ok 2 host_tests # exit status 3\n"
    );
    fs::write(
        dir.join("a-qemu.tap"),
        "ok 1 q: a\nok 2 q: b # SKIP no hpet\n",
    )
    .expect("write");
    fs::write(dir.join("ignored.txt"), "not ok 1 x\n").expect("write");
    let out = Command::new(XTASK)
        .arg("summary")
        .arg(&dir)
        .output()
        .expect("run xtask");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("b-host.tap: not ok 2 host_tests # exit status 3"));
    assert!(stdout.contains("a-qemu.tap: ok 2 q: b # SKIP no hpet"));
    assert!(
        stdout.ends_with("\n3 passed, 1 failed\n"),
        "stdout: {stdout}"
    );

    fs::remove_file(&file).expect("remove");
    let out = Command::new(XTASK)
        .arg("summary")
        .arg(&dir)
        .output()
        .expect("run xtask");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).ends_with("2 passed, 0 failed\n"));

    let empty = scratch("summary-empty");
    let out = Command::new(XTASK)
        .arg("summary")
        .arg(&empty)
        .output()
        .expect("run xtask");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "0 passed, 1 failed\n");
    assert!(text(&out.stderr).contains("no test results"));
}
