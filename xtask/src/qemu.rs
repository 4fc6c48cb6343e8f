//! Running QEMU: builds the command line, spawns it with its stdout piped,
//! hands every chunk of serial output to a callback as soon as it arrives,
//! enforces the timeout (terminating and reaping QEMU), and decodes the exit
//! status written through the `isa-debug-exit` device.

use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread;
use std::time::{Duration, Instant};

/// Default QEMU binary; the `QEMU` environment variable overrides it.
pub const DEFAULT_BINARY: &str = "qemu-system-x86_64";

/// How long QEMU gets to exit after SIGTERM before it gets `SIGKILL`.
const TERM_GRACE: Duration = Duration::from_secs(2);
/// How long a timed-out guest gets to print its task dump.
const DUMP_WAIT: Duration = Duration::from_secs(3);

/// Everything needed to start QEMU.
#[derive(Debug, Clone)]
pub struct QemuConfig {
    pub binary: String,
    pub kernel: String,
    pub smp: u32,
    pub mem: String,
    pub append: String,
    pub modules: Vec<String>,
    /// Raw disk images, attached in order as virtio-blk (vda, vdb, ...).
    pub disks: Vec<Disk>,
    pub batch: bool,
    pub gdb: bool,
    /// A virtio-net device on QEMU user networking (`--net`), if any.
    pub net: Option<Net>,
    pub extra: Vec<String>,
    pub timeout: Option<Duration>,
}

/// QEMU user networking for the guest, always `restrict=on`: the guest
/// reaches only the host's forwards (and slirp's own 10.0.2.2/10.0.2.3),
/// never the outside world. Each forward is bound to the host's loopback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Net {
    /// (host port, guest port) TCP forwards, host side on 127.0.0.1.
    pub forwards: Vec<(u16, u16)>,
}

/// A raw disk image for a virtio-blk device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    pub path: String,
    pub readonly: bool,
}

/// How a QEMU run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Status 0: QEMU ended normally (e.g. Ctrl-A x).
    Normal,
    /// Odd status s: the guest wrote (s-1)/2 to the debug-exit port.
    Guest(i32),
    /// Any other status: a QEMU error.
    QemuStatus(i32),
    /// QEMU was killed by a signal we did not send.
    Signal(i32),
    /// Our timeout elapsed and we killed QEMU.
    TimedOut,
}

/// Decodes QEMU's exit code or terminating signal.
pub fn decode_status(code: Option<i32>, signal: Option<i32>) -> Exit {
    match (code, signal) {
        (Some(0), _) => Exit::Normal,
        (Some(s), _) if s % 2 == 1 => Exit::Guest((s - 1) / 2),
        (Some(s), _) => Exit::QemuStatus(s),
        (None, Some(sig)) => Exit::Signal(sig),
        (None, None) => Exit::QemuStatus(-1),
    }
}

fn decode(status: ExitStatus) -> Exit {
    decode_status(status.code(), status.signal())
}

/// QEMU's arguments (without the binary name).
pub fn args(cfg: &QemuConfig) -> Vec<String> {
    // Batch runs mux the monitor too: xtask's own stdin pipe can then send
    // the guest a break (Ctrl-A b) when it times out.
    let serial = "mon:stdio";
    let smp = cfg.smp.to_string();
    let initrd = cfg.modules.join(",");
    let mut args = vec![
        "-machine",
        "pc",
        "-cpu",
        "max",
        "-smp",
        &smp,
        "-m",
        &cfg.mem,
        "-display",
        "none",
        "-serial",
        serial,
        "-no-reboot",
        "-device",
        "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-kernel",
        &cfg.kernel,
        "-append",
        &cfg.append,
    ];
    if !cfg.modules.is_empty() {
        args.extend(["-initrd", &initrd]);
    }
    if cfg.gdb {
        args.extend(["-s", "-S"]);
    }
    let mut args: Vec<String> = args.into_iter().map(String::from).collect();
    args.extend(disk_args(&cfg.disks));
    if let Some(net) = &cfg.net {
        args.extend(net_args(net));
    }
    args.extend(cfg.extra.iter().cloned());
    args
}

/// `-drive`/`-device` pairs: disk N is drive dN on its own virtio-blk-pci
/// device, so the guest finds them in order on the PCI bus.
fn disk_args(disks: &[Disk]) -> Vec<String> {
    let mut args = Vec::new();
    for (i, d) in disks.iter().enumerate() {
        let ro = if d.readonly { ",readonly=on" } else { "" };
        args.push("-drive".to_string());
        args.push(format!("file={},format=raw,if=none,id=d{i}{ro}", d.path));
        args.push("-device".to_string());
        args.push(format!("virtio-blk-pci,drive=d{i}"));
    }
    args
}

/// `-netdev user,...,restrict=on` and its virtio-net-pci device (no option
/// ROM: the guest is booted with -kernel and QEMU need not find one).
fn net_args(net: &Net) -> Vec<String> {
    let mut netdev = "user,id=n0,restrict=on".to_string();
    for (host, guest) in &net.forwards {
        netdev.push_str(&format!(",hostfwd=tcp:127.0.0.1:{host}-:{guest}"));
    }
    vec![
        "-netdev".to_string(),
        netdev,
        "-device".to_string(),
        "virtio-net-pci,netdev=n0,romfile=".to_string(),
    ]
}

/// Parses a `--net-fwd` value: `HOST` (guest port 22) or `HOST:GUEST`.
pub fn parse_forward(text: &str) -> Result<(u16, u16), String> {
    let (host, guest) = text.split_once(':').unwrap_or((text, "22"));
    let port = |p: &str| match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("--net-fwd: '{p}' is not a port (1-65535)")),
    };
    Ok((port(host)?, port(guest)?))
}

/// Runs QEMU to completion (or timeout), calling `on_output(chunk, elapsed)`
/// for each piece of serial output, `elapsed` counted from the spawn.
/// Returns how QEMU ended; `Err` only if it could not be started or waited for.
pub fn run(cfg: &QemuConfig, mut on_output: impl FnMut(&[u8], Duration)) -> io::Result<Exit> {
    let stdin = if cfg.batch {
        Stdio::piped()
    } else {
        Stdio::inherit()
    };
    let mut child = Command::new(&cfg.binary)
        .args(args(cfg))
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let start = Instant::now();
    let deadline = cfg.timeout.map(|t| start + t);
    let Some(stdout) = child.stdout.take() else {
        terminate(&mut child);
        return Err(io::Error::other("QEMU stdout was not captured"));
    };
    let chunks = spawn_reader(stdout);
    loop {
        let received = match deadline {
            None => chunks.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(d) => chunks.recv_timeout(d.saturating_duration_since(Instant::now())),
        };
        match received {
            Ok(chunk) => on_output(&chunk, start.elapsed()),
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                ask_for_task_dump(&mut child, &chunks, start, &mut on_output);
                terminate(&mut child);
                return Ok(Exit::TimedOut);
            }
        }
    }
    wait_until(&mut child, deadline)
}

/// A hung guest is asked, before it is stopped, where its tasks wait: a
/// break on the serial line (the monitor mux's Ctrl-A b) makes Alloy print
/// every task with the stack of each sleeping one. Its output is collected
/// for a short while like any other. Only batch runs own QEMU's stdin.
fn ask_for_task_dump(
    child: &mut Child,
    chunks: &Receiver<Vec<u8>>,
    start: Instant,
    on_output: &mut impl FnMut(&[u8], Duration),
) {
    let Some(mut input) = child.stdin.take() else {
        return;
    };
    if input.write_all(b"\x01b").and_then(|()| input.flush()).is_err() {
        return;
    }
    let until = Instant::now() + DUMP_WAIT;
    while let Ok(chunk) = chunks.recv_timeout(until.saturating_duration_since(Instant::now())) {
        on_output(&chunk, start.elapsed());
    }
}

/// Reads QEMU's stdout on a thread; the channel closes at EOF. The channel
/// is bounded so a slow consumer cannot make memory grow.
fn spawn_reader(mut stdout: ChildStdout) -> Receiver<Vec<u8>> {
    let (tx, rx): (SyncSender<Vec<u8>>, _) = mpsc::sync_channel(64);
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    eprintln!("xtask: reading QEMU output failed: {e}");
                    break;
                }
            }
        }
    });
    rx
}

/// Waits for QEMU after its stdout closed, still honouring the deadline.
fn wait_until(child: &mut Child, deadline: Option<Instant>) -> io::Result<Exit> {
    let Some(deadline) = deadline else {
        return child.wait().map(decode);
    };
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(decode(status));
        }
        if Instant::now() >= deadline {
            terminate(child);
            return Ok(Exit::TimedOut);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Stops QEMU and reaps it: SIGTERM first (so QEMU restores the terminal
/// it put in raw mode), SIGKILL if it is still alive after a grace period.
fn terminate(child: &mut Child) {
    let sent_term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if sent_term {
        let give_up = Instant::now() + TERM_GRACE;
        while Instant::now() < give_up {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
    // Errors here mean it already exited; wait() then just reaps it.
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_exit_statuses() {
        assert_eq!(decode_status(Some(0), None), Exit::Normal);
        assert_eq!(decode_status(Some(1), None), Exit::Guest(0));
        assert_eq!(decode_status(Some(7), None), Exit::Guest(3));
        assert_eq!(decode_status(Some(255), None), Exit::Guest(127));
        assert_eq!(decode_status(Some(2), None), Exit::QemuStatus(2));
        assert_eq!(decode_status(None, Some(9)), Exit::Signal(9));
        assert_eq!(decode_status(None, None), Exit::QemuStatus(-1));
    }

    fn config() -> QemuConfig {
        QemuConfig {
            binary: DEFAULT_BINARY.to_string(),
            kernel: "k.bin".to_string(),
            smp: 2,
            mem: "512M".to_string(),
            append: String::new(),
            modules: Vec::new(),
            disks: Vec::new(),
            batch: true,
            gdb: false,
            net: None,
            extra: Vec::new(),
            timeout: None,
        }
    }

    #[test]
    fn builds_batch_command_line() {
        let expected = "-machine pc -cpu max -smp 2 -m 512M -display none -serial mon:stdio \
                        -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
                        -kernel k.bin -append ";
        assert_eq!(args(&config()).join(" "), expected);
    }

    #[test]
    fn builds_interactive_command_line_with_extras() {
        let cfg = QemuConfig {
            batch: false,
            gdb: true,
            modules: vec!["a.elf".into(), "b.tar".into()],
            extra: vec!["-d".into(), "int".into()],
            append: "test=all quiet".into(),
            ..config()
        };
        let args = args(&cfg);
        let joined = args.join(" ");
        assert!(joined.contains("-serial mon:stdio"));
        assert!(joined.ends_with("-initrd a.elf,b.tar -s -S -d int"));
        let append = args
            .iter()
            .position(|a| a == "-append")
            .map(|i| &args[i + 1]);
        assert_eq!(append.map(String::as_str), Some("test=all quiet"));
    }

    #[test]
    fn attaches_disks_in_order_before_extras() {
        let cfg = QemuConfig {
            disks: vec![
                Disk { path: "a.img".into(), readonly: false },
                Disk { path: "b.img".into(), readonly: true },
            ],
            extra: vec!["-d".into(), "int".into()],
            ..config()
        };
        let joined = args(&cfg).join(" ");
        assert!(joined.ends_with(
            "-drive file=a.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0 \
             -drive file=b.img,format=raw,if=none,id=d1,readonly=on \
             -device virtio-blk-pci,drive=d1 -d int"
        ));
    }

    #[test]
    fn user_net_is_restricted_and_forwards_bind_loopback() {
        let cfg = QemuConfig {
            net: Some(Net {
                forwards: vec![(2222, 22), (8080, 80)],
            }),
            extra: vec!["-d".into(), "int".into()],
            ..config()
        };
        let joined = args(&cfg).join(" ");
        assert!(joined.ends_with(
            "-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22,\
             hostfwd=tcp:127.0.0.1:8080-:80 -device virtio-net-pci,netdev=n0,romfile= -d int"
        ));
        assert!(!args(&config()).join(" ").contains("netdev"));
    }

    #[test]
    fn parses_forwards() {
        assert_eq!(parse_forward("2222"), Ok((2222, 22)));
        assert_eq!(parse_forward("8080:80"), Ok((8080, 80)));
        assert!(parse_forward("0").is_err());
        assert!(parse_forward("70000").is_err());
        assert!(parse_forward("22:x").is_err());
    }
}
