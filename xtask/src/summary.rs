//! Aggregate results: `summary DIR` counts the `ok` / `not ok` lines of every
//! `*.tap` file in a directory, and `tap-from-exit` appends one result line
//! for a program that does not print TAP itself.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Result counts for one or more TAP files.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: Vec<String>,
    pub skipped: Vec<String>,
}

impl Counts {
    /// Adds the results found in `text`; `label` prefixes listed lines.
    pub fn add_text(&mut self, label: &str, text: &str) {
        for line in text.lines().map(|l| l.trim_end_matches('\r')) {
            if line.starts_with("ok ") {
                self.passed += 1;
                if is_skip(line) {
                    self.skipped.push(format!("{label}: {line}"));
                }
            } else if line.starts_with("not ok ") {
                self.failed.push(format!("{label}: {line}"));
            }
        }
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed.len()
    }
}

/// True for a TAP `# SKIP` directive (case-insensitive).
fn is_skip(line: &str) -> bool {
    line.find(" #").is_some_and(|i| {
        line[i + 2..]
            .trim_start()
            .to_ascii_uppercase()
            .starts_with("SKIP")
    })
}

/// The `*.tap` files in `dir`, sorted by name.
fn tap_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "tap") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Runs `summary DIR`; returns the exit code. The last line printed is
/// always `N passed, N failed`.
pub fn summary(dir: &Path) -> i32 {
    let mut counts = Counts::default();
    let mut errors = 0;
    match tap_files(dir) {
        Ok(files) => {
            for path in files {
                let label = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                match fs::read(&path) {
                    Ok(bytes) => counts.add_text(&label, &String::from_utf8_lossy(&bytes)),
                    Err(e) => {
                        eprintln!("xtask: cannot read {}: {e}", path.display());
                        errors += 1;
                    }
                }
            }
        }
        Err(e) => eprintln!("xtask: cannot read directory {}: {e}", dir.display()),
    }
    if counts.total() == 0 && errors == 0 {
        eprintln!("xtask: error: no test results found in {}", dir.display());
        errors = 1;
    }
    print_summary(&counts, errors)
}

fn print_summary(counts: &Counts, errors: usize) -> i32 {
    if !counts.skipped.is_empty() {
        println!("skipped:");
        counts.skipped.iter().for_each(|l| println!("  {l}"));
    }
    if !counts.failed.is_empty() {
        println!("failed:");
        counts.failed.iter().for_each(|l| println!("  {l}"));
    }
    let failed = counts.failed.len() + errors;
    println!("{} passed, {failed} failed", counts.passed);
    i32::from(failed > 0)
}

/// The line `tap-from-exit` appends as result number `number`.
pub fn exit_line(number: usize, name: &str, status: i64) -> String {
    if status == 0 {
        format!("ok {number} {name}")
    } else {
        format!("not ok {number} {name} # exit status {status}")
    }
}

/// Appends a result line to `file`, numbered after the results already
/// in it (the file is created if missing).
pub fn tap_from_exit(name: &str, status: i64, file: &Path) -> io::Result<()> {
    let existing = match fs::read(file) {
        Ok(bytes) => {
            let mut counts = Counts::default();
            counts.add_text("", &String::from_utf8_lossy(&bytes));
            counts.total()
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e),
    };
    let mut out = OpenOptions::new().create(true).append(true).open(file)?;
    writeln!(out, "{}", exit_line(existing + 1, name, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_results() {
        let mut c = Counts::default();
        c.add_text(
            "a.tap",
            "TAP version 13\n1..4\nok 1 x\nnot ok 2 y # boom\r\nok 3 z # SKIP no hpet\n\
             # comment ok 9\n  ok 1 indented\nok 4 w # skip lower\nokay\n",
        );
        c.add_text("b.tap", "not ok 1 run # timeout after 5 s\n");
        assert_eq!(c.passed, 3);
        assert_eq!(
            c.failed,
            [
                "a.tap: not ok 2 y # boom",
                "b.tap: not ok 1 run # timeout after 5 s"
            ]
        );
        assert_eq!(
            c.skipped,
            ["a.tap: ok 3 z # SKIP no hpet", "a.tap: ok 4 w # skip lower"]
        );
        assert_eq!(c.total(), 5);
    }

    #[test]
    fn summary_exit_codes() {
        let mut c = Counts::default();
        assert_eq!(print_summary(&c, 1), 1);
        c.passed = 3;
        assert_eq!(print_summary(&c, 0), 0);
        c.failed.push("x: not ok 1 y".into());
        assert_eq!(print_summary(&c, 0), 1);
    }

    #[test]
    fn exit_lines() {
        assert_eq!(exit_line(1, "host_tests", 0), "ok 1 host_tests");
        assert_eq!(exit_line(3, "fmt", 2), "not ok 3 fmt # exit status 2");
    }
}
