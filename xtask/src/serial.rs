//! Watches the guest's serial output: splits the byte stream into lines
//! (each capped at `MAX_LINE` bytes), keeps the last `RING_LINES` lines for
//! failure reports, reports `--mark` strings, spots `KERNEL PANIC`, and feeds
//! every line to the KTAP parser. Memory use is bounded whatever the output
//! size.

use crate::ktap::{strip_line, Ktap};
use std::collections::VecDeque;
use std::time::Duration;

/// Lines kept for the "last serial lines" report.
pub const RING_LINES: usize = 40;
/// Longer lines are truncated (for parsing only; the stream is untouched).
pub const MAX_LINE: usize = 4096;

const PANIC_MARKER: &str = "KERNEL PANIC";

/// A `--mark` string and whether it has been reported yet.
struct Mark {
    text: String,
    seen: bool,
}

/// What has been learned from the serial output so far.
pub struct Serial {
    ring: VecDeque<String>,
    partial: Vec<u8>,
    marks: Vec<Mark>,
    /// Total bytes received.
    pub bytes: u64,
    pub ktap: Ktap,
    /// Reason recorded for the first `KERNEL PANIC` line.
    pub panic: Option<String>,
    /// The panic line was the last complete line; the next one is the reason.
    panic_wants_reason: bool,
}

impl Serial {
    pub fn new(marks: &[String]) -> Serial {
        Serial {
            ring: VecDeque::with_capacity(RING_LINES),
            partial: Vec::new(),
            marks: marks
                .iter()
                .map(|m| Mark {
                    text: m.clone(),
                    seen: false,
                })
                .collect(),
            bytes: 0,
            ktap: Ktap::default(),
            panic: None,
            panic_wants_reason: false,
        }
    }

    /// Feeds a chunk of output received `elapsed` after QEMU was spawned.
    pub fn feed(&mut self, chunk: &[u8], elapsed: Duration) {
        self.bytes += chunk.len() as u64;
        for &byte in chunk {
            if byte == b'\n' {
                let line = String::from_utf8_lossy(&self.partial).into_owned();
                self.partial.clear();
                self.on_line(&line, elapsed);
            } else if self.partial.len() < MAX_LINE {
                self.partial.push(byte);
            }
        }
        // Marks may match a prompt that is not followed by a newline.
        if !self.partial.is_empty() && self.marks.iter().any(|m| !m.seen) {
            let partial = String::from_utf8_lossy(&self.partial).into_owned();
            self.check_marks(&partial, elapsed);
        }
    }

    /// Treats an unterminated last line as a complete one (call at EOF).
    pub fn finish(&mut self, elapsed: Duration) {
        if !self.partial.is_empty() {
            let line = String::from_utf8_lossy(&self.partial).into_owned();
            self.partial.clear();
            self.on_line(&line, elapsed);
        }
    }

    /// The last complete lines, oldest first.
    pub fn last_lines(&self) -> impl Iterator<Item = &str> {
        self.ring.iter().map(String::as_str)
    }

    fn on_line(&mut self, line: &str, elapsed: Duration) {
        let line = line.trim_end_matches('\r').to_string();
        self.check_marks(&line, elapsed);
        self.check_panic(&line);
        self.ktap.feed_line(&line);
        if self.ring.len() == RING_LINES {
            self.ring.pop_front();
        }
        self.ring.push_back(line);
    }

    fn check_marks(&mut self, line: &str, elapsed: Duration) {
        for mark in self.marks.iter_mut().filter(|m| !m.seen) {
            if line.contains(&mark.text) {
                mark.seen = true;
                eprintln!(
                    "xtask: \"{}\" seen after {:.3} s",
                    mark.text,
                    elapsed.as_secs_f64()
                );
            }
        }
    }

    fn check_panic(&mut self, line: &str) {
        let text = strip_line(line).trim();
        if self.panic_wants_reason {
            self.panic_wants_reason = false;
            if !text.is_empty() {
                self.panic = Some(text.to_string());
            }
        } else if self.panic.is_none() && line.contains(PANIC_MARKER) {
            // Use the panic line itself unless a following line arrives.
            self.panic = Some(text.to_string());
            self.panic_wants_reason = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::ZERO;

    #[test]
    fn splits_lines_across_chunks() {
        let mut s = Serial::new(&[]);
        s.feed(b"hel", T);
        s.feed(b"lo\r\nwor", T);
        s.feed(b"ld\n", T);
        assert_eq!(s.last_lines().collect::<Vec<_>>(), ["hello", "world"]);
        assert_eq!(s.bytes, 13);
    }

    #[test]
    fn ring_is_bounded_and_lines_are_capped() {
        let mut s = Serial::new(&[]);
        for i in 0..100 {
            s.feed(format!("line {i}\n").as_bytes(), T);
        }
        s.feed(&vec![b'x'; MAX_LINE * 3], T);
        s.feed(b"\n", T);
        let lines: Vec<_> = s.last_lines().collect();
        assert_eq!(lines.len(), RING_LINES);
        assert_eq!(lines[0], "line 61");
        assert_eq!(lines[RING_LINES - 1].len(), MAX_LINE);
    }

    #[test]
    fn finish_flushes_partial_line() {
        let mut s = Serial::new(&[]);
        s.feed(b"KTAP version 1\n1..1\nok 1 a", T);
        assert!(s.ktap.results.is_empty());
        s.finish(T);
        assert_eq!(s.ktap.results.len(), 1);
    }

    #[test]
    fn panic_reason_is_following_line() {
        let mut s = Serial::new(&[]);
        s.feed(
            b"[ 1.0] KERNEL PANIC on cpu 1\n[ 1.1] page fault at 0xdead\n",
            T,
        );
        assert_eq!(s.panic.as_deref(), Some("page fault at 0xdead"));
        s.feed(b"KERNEL PANIC again\nother\n", T);
        assert_eq!(s.panic.as_deref(), Some("page fault at 0xdead"));
    }

    #[test]
    fn panic_without_following_line() {
        let mut s = Serial::new(&[]);
        s.feed(b"KERNEL PANIC: out of memory\n", T);
        assert_eq!(s.panic.as_deref(), Some("KERNEL PANIC: out of memory"));
    }
}
