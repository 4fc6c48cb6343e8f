//! `xtask`: host-side test runner for the Alloy kernel. This file parses the
//! command line and dispatches to the `run`, `summary` and `tap-from-exit`
//! commands.

mod ktap;
mod qemu;
mod run;
mod serial;
mod summary;

use qemu::{Disk, Net, QemuConfig};
use run::RunOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage:
  xtask run --kernel PATH [options]   boot a kernel under QEMU and check it
  xtask summary DIR                   count ok/not ok lines of DIR/*.tap
  xtask tap-from-exit NAME STATUS FILE
                                      append a TAP line for an exit status

run options:
  --kernel PATH      multiboot image passed to QEMU -kernel (required)
  --smp N            CPUs (default 2)
  --mem SIZE         memory (default 512M)
  --append STR       kernel command line
  --module PATH      boot module, repeatable (QEMU -initrd a,b)
  --disk PATH        raw disk image as virtio-blk, repeatable (vda, vdb, ...)
  --disk-ro PATH     the same, read-only (counts in the same order)
  --timeout SECS     kill QEMU after SECS seconds (default 0 = never)
  --batch            no stdin, plain -serial stdio (default: mon:stdio)
  --gdb              start halted with a gdb stub on :1234 (-s -S)
  --elf PATH         ELF file named in the --gdb hint
  --log FILE         also write the serial output to FILE
  --ktap-out FILE    write a TAP file for `xtask summary`
  --name NAME        prefix of the test names in --ktap-out (default qemu)
  --mark STR         report when STR first appears (repeatable)
  --net              a virtio-net device on QEMU user networking, restrict=on
                     (the guest reaches only the forwards and slirp itself)
  --net-fwd H[:G]    with --net: forward TCP 127.0.0.1:H on the host to guest
                     port G (default 22); repeatable; implies --net
  --qemu-arg ARG     extra QEMU argument (repeatable)
  --expect-ktap      treat the run as a test run even without KTAP output

exit codes: 0 success; 1 test failures; 2 QEMU or usage error; 124 timeout;
for a run without KTAP output, the guest's exit code.
environment: QEMU overrides the QEMU binary (default qemu-system-x86_64).";

fn main() -> ExitCode {
    let code = match parse_args_and_run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xtask: {message}");
            eprintln!("run `xtask help` for usage");
            run::EXIT_QEMU_ERROR
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Dispatches on the command word; `Err` is a usage error.
fn parse_args_and_run() -> Result<i32, String> {
    let args = collect_args()?;
    let Some((command, rest)) = args.split_first() else {
        return Err("missing command".to_string());
    };
    match command.as_str() {
        "run" => Ok(run::run(&parse_run(rest)?)),
        "summary" => match rest {
            [dir] => Ok(summary::summary(Path::new(dir))),
            _ => Err("usage: xtask summary DIR".to_string()),
        },
        "tap-from-exit" => tap_from_exit(rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(0)
        }
        other => Err(format!("unknown command '{other}'")),
    }
}

fn collect_args() -> Result<Vec<String>, String> {
    std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string()
                .map_err(|a| format!("argument is not valid UTF-8: {}", a.to_string_lossy()))
        })
        .collect()
}

fn tap_from_exit(rest: &[String]) -> Result<i32, String> {
    let [name, status, file] = rest else {
        return Err("usage: xtask tap-from-exit NAME STATUS FILE".to_string());
    };
    let status: i64 = parse_number("STATUS", status)?;
    match summary::tap_from_exit(name, status, Path::new(file)) {
        Ok(()) => Ok(0),
        Err(e) => {
            eprintln!("xtask: cannot append to {file}: {e}");
            Ok(1)
        }
    }
}

/// Parses the options of `xtask run` (`--opt VALUE` or `--opt=VALUE`).
fn parse_run(args: &[String]) -> Result<RunOptions, String> {
    let mut opts = RunOptions {
        qemu: QemuConfig {
            binary: qemu_binary(),
            kernel: String::new(),
            smp: 2,
            mem: "512M".to_string(),
            append: String::new(),
            modules: Vec::new(),
            disks: Vec::new(),
            batch: false,
            gdb: false,
            net: None,
            extra: Vec::new(),
            timeout: None,
        },
        elf: None,
        log: None,
        ktap_out: None,
        name: "qemu".to_string(),
        marks: Vec::new(),
        expect_ktap: false,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let q = &mut opts.qemu;
        match flag {
            "--kernel" => q.kernel = value()?,
            "--smp" => q.smp = parse_number("--smp", &value()?)?,
            "--mem" => q.mem = value()?,
            "--append" => q.append = value()?,
            "--module" => q.modules.push(value()?),
            "--disk" | "--disk-ro" => q.disks.push(Disk {
                path: value()?,
                readonly: flag == "--disk-ro",
            }),
            "--timeout" => q.timeout = parse_timeout(&value()?)?,
            "--qemu-arg" => q.extra.push(value()?),
            "--net-fwd" => {
                let fwd = qemu::parse_forward(&value()?)?;
                q.net.get_or_insert_with(Net::default).forwards.push(fwd);
            }
            "--elf" => opts.elf = Some(value()?),
            "--log" => opts.log = Some(PathBuf::from(value()?)),
            "--ktap-out" => opts.ktap_out = Some(PathBuf::from(value()?)),
            "--name" => opts.name = value()?,
            "--mark" => opts.marks.push(value()?),
            "--batch" | "--gdb" | "--expect-ktap" | "--net" if inline.is_some() => {
                return Err(format!("{flag} takes no value"))
            }
            "--batch" => q.batch = true,
            "--gdb" => q.gdb = true,
            "--net" => {
                q.net.get_or_insert_with(Net::default);
            }
            "--expect-ktap" => opts.expect_ktap = true,
            _ => return Err(format!("unknown run option '{arg}'")),
        }
    }
    check_run(&opts)?;
    Ok(opts)
}

/// Checks that the files QEMU needs exist, so that a typo is reported as a
/// usage error rather than as a puzzling QEMU exit status.
fn check_run(opts: &RunOptions) -> Result<(), String> {
    let q = &opts.qemu;
    if q.kernel.is_empty() {
        return Err("run needs --kernel PATH".to_string());
    }
    if q.smp == 0 {
        return Err("--smp must be at least 1".to_string());
    }
    let disks = q.disks.iter().map(|d| &d.path);
    for file in std::iter::once(&q.kernel).chain(&q.modules).chain(disks) {
        if !Path::new(file).is_file() {
            return Err(format!("no such file: {file}"));
        }
    }
    if let Some(bad) = q.modules.iter().find(|m| m.contains(',')) {
        return Err(format!("module path may not contain ',': {bad}"));
    }
    if let Some(bad) = q.disks.iter().find(|d| d.path.contains(',')) {
        return Err(format!("disk path may not contain ',': {}", bad.path));
    }
    Ok(())
}

fn qemu_binary() -> String {
    std::env::var("QEMU")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| qemu::DEFAULT_BINARY.to_string())
}

fn parse_timeout(text: &str) -> Result<Option<Duration>, String> {
    let secs: u64 = parse_number("--timeout", text)?;
    Ok((secs > 0).then(|| Duration::from_secs(secs)))
}

fn parse_number<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{what}: '{text}' is not a valid number"))
}
