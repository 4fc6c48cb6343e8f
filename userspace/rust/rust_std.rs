// A Rust std program (static, +crt-static: glibc, static-PIE) exercising
// what std needs from the kernel without threads: files and directories,
// environment, a child process, pipes to it, and graceful out-of-memory
// with Vec::try_reserve. Exits 0 when every check passed.
use std::fs;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

fn check(ok: bool, what: &str, failures: &mut u32) {
    if !ok {
        eprintln!("rust_std: FAIL {what}");
        *failures += 1;
    }
}

fn main() {
    let mut failures = 0;
    let dir = std::env::temp_dir().join(format!("rust_std.{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    check(fs::create_dir_all(dir.join("a/b")).is_ok(), "create_dir_all", &mut failures);
    let file = dir.join("a/b/data.txt");
    check(fs::write(&file, b"hello alloy\n").is_ok(), "write", &mut failures);
    check(
        fs::read_to_string(&file).map(|s| s == "hello alloy\n").unwrap_or(false),
        "read back",
        &mut failures,
    );
    let mut f = fs::OpenOptions::new().append(true).open(&file).expect("open append");
    check(f.write_all(b"more\n").is_ok(), "append", &mut failures);
    drop(f);
    check(
        fs::metadata(&file).map(|m| m.len() == 17 && m.is_file()).unwrap_or(false),
        "metadata",
        &mut failures,
    );
    let names: Vec<_> = fs::read_dir(dir.join("a"))
        .map(|it| it.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    check(names.len() == 1 && names[0] == "b", "read_dir", &mut failures);
    check(fs::rename(&file, dir.join("moved")).is_ok(), "rename", &mut failures);
    check(!file.exists() && dir.join("moved").exists(), "rename result", &mut failures);
    check(
        std::env::var("PATH").map(|p| p.contains("/bin")).unwrap_or(false),
        "environment",
        &mut failures,
    );

    // A child process with piped stdin/stdout (fork or posix_spawn + execve).
    match Command::new("/bin/cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn() {
        Ok(mut child) => {
            if let Some(mut input) = child.stdin.take() {
                check(input.write_all(b"through a pipe").is_ok(), "child stdin", &mut failures);
            }
            let mut out = String::new();
            if let Some(mut output) = child.stdout.take() {
                check(output.read_to_string(&mut out).is_ok(), "child stdout", &mut failures);
            }
            check(out == "through a pipe", "child echoed its input", &mut failures);
            check(child.wait().map(|s| s.success()).unwrap_or(false), "child status", &mut failures);
        }
        Err(e) => check(false, &format!("spawn /bin/cat: {e}"), &mut failures),
    }
    let status = Command::new("/bin/sh").args(["-c", "exit 7"]).status();
    check(status.map(|s| s.code() == Some(7)).unwrap_or(false), "exit code 7", &mut failures);

    // Asking for more memory than the machine has is an error, not a crash.
    let mut v: Vec<u8> = Vec::new();
    check(v.try_reserve(1 << 40).is_err(), "try_reserve(1 TiB) fails", &mut failures);
    check(v.try_reserve(1 << 20).is_ok(), "try_reserve(1 MiB) works", &mut failures);

    let _ = fs::remove_dir_all(&dir);
    if failures == 0 {
        println!("rust_std: ok");
    }
    std::process::exit(if failures == 0 { 0 } else { 1 });
}
