//! The `run` command: boots the kernel under QEMU, echoes (and optionally
//! logs) the serial output, then judges the run from the exit status, any
//! `KERNEL PANIC` and the KTAP results, writes the `--ktap-out` TAP file and
//! reports failures with the last serial lines.

use crate::ktap::Ktap;
use crate::qemu::{self, Exit, QemuConfig};
use crate::serial::{Console, Serial, Stream};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// xtask exit codes.
pub const EXIT_TEST_FAILED: i32 = 1;
pub const EXIT_QEMU_ERROR: i32 = 2;
pub const EXIT_TIMEOUT: i32 = 124;

/// Options of `xtask run` beyond those QEMU itself needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub qemu: QemuConfig,
    pub elf: Option<String>,
    pub log: Option<PathBuf>,
    pub ktap_out: Option<PathBuf>,
    pub name: String,
    pub marks: Vec<String>,
    pub expect_ktap: bool,
}

/// The outcome of a run, decided once QEMU has ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    pub exit_code: i32,
    pub test_run: bool,
    /// Why the run failed apart from `not ok` lines (None if it did not).
    pub run_failure: Option<String>,
}

impl Verdict {
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }
}

/// Runs the command; returns xtask's exit code.
pub fn run(opts: &RunOptions) -> i32 {
    if opts.qemu.gdb {
        let elf = opts.elf.as_deref().unwrap_or(&opts.qemu.kernel);
        eprintln!("xtask: QEMU halted; attach with: gdb {elf} -ex 'target remote localhost:1234'");
    }
    let mut log = match opts.log.as_ref().map(File::create).transpose() {
        Ok(log) => log,
        Err(e) => return usage_failure(opts, &format!("cannot create log file: {e}")),
    };
    let mut serial = Serial::new(&opts.marks);
    let mut echo = Echo::default();
    let mut console = Console::default();
    let started = std::time::Instant::now();
    let result = qemu::run(&opts.qemu, |chunk, elapsed| {
        let notes = serial.feed(chunk, elapsed);
        console.write(chunk, &notes, |stream, bytes| echo.emit(stream, bytes, &mut log));
    });
    // what follows is xtask's, on lines of its own
    for text in serial.finish(std::time::Duration::ZERO) {
        console.note(&text, |stream, bytes| echo.emit(stream, bytes, &mut log));
    }
    console.end_line(|stream, bytes| echo.emit(stream, bytes, &mut log));
    let exit = match result {
        Ok(exit) => fix_silent_exit(exit, serial.bytes, started.elapsed()),
        Err(e) => {
            let what = format!("cannot run QEMU '{}': {e}", opts.qemu.binary);
            return usage_failure(opts, &what);
        }
    };
    let timeout_secs = opts.qemu.timeout.map_or(0, |t| t.as_secs());
    let verdict = judge(
        exit,
        &serial.ktap,
        serial.panic.as_deref(),
        opts.expect_ktap,
        timeout_secs,
    );
    if let Some(path) = &opts.ktap_out {
        let lines = tap_lines(&verdict, &serial.ktap, &opts.name);
        if let Err(e) = write_lines(path, &lines) {
            eprintln!("xtask: cannot write {}: {e}", path.display());
        }
    }
    report(&verdict, exit, &serial, timeout_secs);
    verdict.exit_code
}

/// QEMU itself exits with status 1 when it cannot start (a bad option),
/// which looks like guest code 0. It does so at once, while a guest that
/// boots, runs a silent command (`make run CMD=true` prints nothing: the
/// console is quiet) and powers off takes far longer than QEMU_START_FAIL.
const QEMU_START_FAIL: std::time::Duration = std::time::Duration::from_millis(150);

fn fix_silent_exit(exit: Exit, serial_bytes: u64, ran: std::time::Duration) -> Exit {
    match exit {
        Exit::Guest(0) if serial_bytes == 0 && ran < QEMU_START_FAIL => Exit::QemuStatus(1),
        other => other,
    }
}

/// Reports an error that prevented the run, recording it in `--ktap-out`.
fn usage_failure(opts: &RunOptions, what: &str) -> i32 {
    eprintln!("xtask: {what}");
    if let Some(path) = &opts.ktap_out {
        let line = format!("not ok 1 {}: run # {}", opts.name, one_line(what));
        if let Err(e) = write_lines(path, &[line]) {
            eprintln!("xtask: cannot write {}: {e}", path.display());
        }
    }
    EXIT_QEMU_ERROR
}

/// Copies serial output to our stdout (flushed per chunk) and the log file.
#[derive(Default)]
struct Echo {
    stdout_broken: bool,
}

impl Echo {
    /// The console goes to stdout and the log, xtask's notes to stderr.
    fn emit(&mut self, stream: Stream, bytes: &[u8], log: &mut Option<File>) {
        match stream {
            Stream::Out => self.write(bytes, log),
            Stream::Err => {
                // stdout was flushed with the last console bytes
                let _ = io::stderr().write_all(bytes);
            }
        }
    }

    fn write(&mut self, chunk: &[u8], log: &mut Option<File>) {
        if !self.stdout_broken {
            let mut out = io::stdout().lock();
            // A closed stdout must not stop the run: the verdict still matters.
            self.stdout_broken = out.write_all(chunk).and_then(|()| out.flush()).is_err();
        }
        if let Some(file) = log {
            if let Err(e) = file.write_all(chunk) {
                eprintln!("xtask: writing the log file failed ({e}); logging stopped");
                *log = None;
            }
        }
    }
}

/// Decides the verdict. Pure, so it can be unit tested.
pub fn judge(
    exit: Exit,
    ktap: &Ktap,
    panic: Option<&str>,
    expect_ktap: bool,
    timeout_secs: u64,
) -> Verdict {
    let test_run = expect_ktap || ktap.version_seen;
    let mut problems = Vec::new();
    match exit {
        Exit::Guest(0) => {}
        Exit::Guest(code) => problems.push(format!("exited with guest code {code}")),
        Exit::Normal if test_run => problems.push("QEMU quit before the guest exited".to_string()),
        Exit::Normal => {}
        Exit::QemuStatus(s) => problems.push(format!("qemu status {s}")),
        Exit::Signal(sig) => problems.push(format!("qemu killed by signal {sig}")),
        Exit::TimedOut => problems.push(format!("timeout after {timeout_secs} s")),
    }
    if let Some(reason) = panic {
        problems.push(format!("kernel panic: {reason}"));
    }
    if test_run {
        problems.extend(ktap.problems());
    }
    let run_failure = (!problems.is_empty()).then(|| {
        let mut reason = problems.join("; ");
        if test_run {
            let last = ktap.last_test();
            let at = last.map_or(" before any test result".to_string(), |name| {
                format!(" after test '{name}'")
            });
            reason.push_str(&at);
        }
        reason
    });
    let exit_code = match exit {
        Exit::TimedOut => EXIT_TIMEOUT,
        Exit::QemuStatus(_) | Exit::Signal(_) => EXIT_QEMU_ERROR,
        _ if test_run => {
            let failed = run_failure.is_some() || ktap.failures().next().is_some();
            if failed {
                EXIT_TEST_FAILED
            } else {
                0
            }
        }
        Exit::Guest(code) if code != 0 => code,
        _ if panic.is_some() => EXIT_TEST_FAILED,
        _ => 0,
    };
    Verdict {
        exit_code,
        test_run,
        run_failure,
    }
}

/// The `--ktap-out` lines: each result renumbered and prefixed with `name`,
/// plus a `run` line if the run itself failed (or as the only line for a
/// run without KTAP).
pub fn tap_lines(verdict: &Verdict, ktap: &Ktap, name: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if verdict.test_run {
        for (k, r) in ktap.results.iter().enumerate() {
            let status = if r.ok { "ok" } else { "not ok" };
            let directive = r.directive.as_deref().map(one_line);
            let directive = directive.map(|d| format!(" # {d}")).unwrap_or_default();
            let test = r.display_name();
            lines.push(format!("{status} {} {name}: {test}{directive}", k + 1));
        }
    }
    let k = lines.len() + 1;
    match &verdict.run_failure {
        Some(reason) => lines.push(format!("not ok {k} {name}: run # {}", one_line(reason))),
        None if !verdict.test_run && !verdict.success() => lines.push(format!(
            "not ok {k} {name}: run # exit code {}",
            verdict.exit_code
        )),
        None if !verdict.test_run => lines.push(format!("ok {k} {name}: run")),
        None => {}
    }
    lines
}

/// TAP needs one line per result: replace any control characters.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) -> io::Result<()> {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text)
}

/// Prints the test summary and, on failure, the reason and last serial lines.
fn report(verdict: &Verdict, exit: Exit, serial: &Serial, timeout_secs: u64) {
    let ktap = &serial.ktap;
    if verdict.test_run {
        let failed = ktap.failures().count();
        let skipped = ktap.results.iter().filter(|r| r.is_skip()).count();
        let passed = ktap.results.len() - failed;
        eprintln!("xtask: {passed} passed, {failed} failed ({skipped} skipped)");
        for r in ktap.failures() {
            let reason = r
                .directive
                .as_deref()
                .map(|d| format!(" # {d}"))
                .unwrap_or_default();
            eprintln!("xtask:   not ok {} {}{reason}", r.number, r.display_name());
        }
    }
    if verdict.success() {
        return;
    }
    if exit == Exit::TimedOut {
        eprintln!("xtask: TIMEOUT after {timeout_secs} s (hang); last serial lines:");
    } else {
        let reason = verdict.run_failure.as_deref().unwrap_or("test failures");
        eprintln!("xtask: FAILED ({reason}); last serial lines:");
    }
    let mut any = false;
    for line in serial.last_lines() {
        eprintln!("  | {line}");
        any = true;
    }
    if !any {
        eprintln!("  | (no serial output)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ktap(text: &str) -> Ktap {
        let mut k = Ktap::default();
        text.lines().for_each(|l| k.feed_line(l));
        k
    }

    const GOOD: &str = "KTAP version 1\n1..2\nok 1 a\nok 2 b # SKIP no hpet\n";

    #[test]
    fn passing_test_run() {
        let k = ktap(GOOD);
        let v = judge(Exit::Guest(0), &k, None, false, 0);
        assert_eq!(v.exit_code, 0);
        assert_eq!(
            tap_lines(&v, &k, "smp4"),
            ["ok 1 smp4: a", "ok 2 smp4: b # SKIP no hpet"]
        );
    }

    #[test]
    fn not_ok_fails_without_run_line() {
        let k = ktap("KTAP version 1\n1..2\nok 1 a\nnot ok 2 b # lost wakeup\n");
        let v = judge(Exit::Guest(0), &k, None, false, 0);
        assert_eq!(v.exit_code, EXIT_TEST_FAILED);
        assert_eq!(v.run_failure, None);
        assert_eq!(
            tap_lines(&v, &k, "q"),
            ["ok 1 q: a", "not ok 2 q: b # lost wakeup"]
        );
    }

    #[test]
    fn crash_after_a_test_adds_run_line() {
        let k = ktap("KTAP version 1\n1..3\nok 1 foo\n");
        let v = judge(Exit::Guest(3), &k, Some("page fault"), false, 0);
        assert_eq!(v.exit_code, EXIT_TEST_FAILED);
        let lines = tap_lines(&v, &k, "q");
        assert_eq!(
            lines[1],
            "not ok 2 q: run # exited with guest code 3; kernel panic: page fault; \
             plan 1..3 but 1 results after test 'foo'"
        );
    }

    #[test]
    fn timeout_and_qemu_errors() {
        let k = ktap(GOOD);
        let v = judge(Exit::TimedOut, &k, None, false, 120);
        assert_eq!(v.exit_code, EXIT_TIMEOUT);
        assert_eq!(
            v.run_failure.as_deref(),
            Some("timeout after 120 s after test 'b'")
        );
        let v = judge(Exit::QemuStatus(2), &Ktap::default(), None, false, 0);
        assert_eq!(v.exit_code, EXIT_QEMU_ERROR);
        assert_eq!(
            tap_lines(&v, &Ktap::default(), "q"),
            ["not ok 1 q: run # qemu status 2"]
        );
        let v = judge(Exit::Signal(9), &Ktap::default(), None, false, 0);
        assert_eq!(v.exit_code, EXIT_QEMU_ERROR);
    }

    #[test]
    fn expect_ktap_without_output_fails() {
        let k = Ktap::default();
        let v = judge(Exit::Guest(0), &k, None, true, 0);
        assert_eq!(v.exit_code, EXIT_TEST_FAILED);
        assert_eq!(
            tap_lines(&v, &k, "q"),
            ["not ok 1 q: run # no plan line (1..N), 0 results before any test result"]
        );
    }

    #[test]
    fn non_test_runs_return_guest_code() {
        let k = Ktap::default();
        let v = judge(Exit::Guest(0), &k, None, false, 0);
        assert_eq!(
            (v.exit_code, tap_lines(&v, &k, "q")),
            (0, vec!["ok 1 q: run".to_string()])
        );
        assert_eq!(judge(Exit::Normal, &k, None, false, 0).exit_code, 0);
        let v = judge(Exit::Guest(5), &k, None, false, 0);
        assert_eq!(v.exit_code, 5);
        assert_eq!(
            tap_lines(&v, &k, "q"),
            ["not ok 1 q: run # exited with guest code 5"]
        );
        let v = judge(Exit::Normal, &k, Some("oops"), false, 0);
        assert_eq!(v.exit_code, EXIT_TEST_FAILED);
        assert_eq!(
            tap_lines(&v, &k, "q"),
            ["not ok 1 q: run # kernel panic: oops"]
        );
    }

    #[test]
    fn user_quit_fails_a_test_run() {
        let k = ktap(GOOD);
        let v = judge(Exit::Normal, &k, None, false, 0);
        assert_eq!(v.exit_code, EXIT_TEST_FAILED);
    }

    #[test]
    fn silent_status_one_is_a_qemu_error() {
        let fast = std::time::Duration::from_millis(20);
        let booted = std::time::Duration::from_millis(400);
        assert_eq!(fix_silent_exit(Exit::Guest(0), 0, fast), Exit::QemuStatus(1));
        assert_eq!(fix_silent_exit(Exit::Guest(0), 0, booted), Exit::Guest(0));
        assert_eq!(fix_silent_exit(Exit::Guest(0), 10, fast), Exit::Guest(0));
        assert_eq!(fix_silent_exit(Exit::Guest(2), 0, fast), Exit::Guest(2));
    }
}
