//! Watches the guest's serial output: splits the byte stream into lines
//! (each capped at `MAX_LINE` bytes), keeps the last `RING_LINES` lines for
//! failure reports, reports `--mark` strings, spots `KERNEL PANIC`, and feeds
//! every line to the KTAP parser. Memory use is bounded whatever the output
//! size. `Console` echoes the output with xtask's own notes (a `--mark`
//! seen) between lines, never inside one.

use crate::ktap::{strip_line, Ktap};
use std::collections::VecDeque;
use std::time::Duration;

/// Lines kept for the "last serial lines" report.
pub const RING_LINES: usize = 80;
/// Longer lines are truncated (for parsing only; the stream is untouched).
pub const MAX_LINE: usize = 4096;

const PANIC_MARKER: &str = "KERNEL PANIC";

/// A message of xtask's own, due once `at` bytes of the chunk that produced
/// it are echoed (just after the line that triggered it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub at: usize,
    pub text: String,
}

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
    /// Notes for marks seen in the unterminated line, due at its end.
    pending: Vec<String>,
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
            pending: Vec::new(),
            bytes: 0,
            ktap: Ktap::default(),
            panic: None,
            panic_wants_reason: false,
        }
    }

    /// Feeds a chunk of output received `elapsed` after QEMU was spawned;
    /// returns the notes it gave rise to, for `Console::write`.
    pub fn feed(&mut self, chunk: &[u8], elapsed: Duration) -> Vec<Note> {
        let mut notes = Vec::new();
        self.bytes += chunk.len() as u64;
        for (i, &byte) in chunk.iter().enumerate() {
            if byte == b'\n' {
                let line = String::from_utf8_lossy(&self.partial).into_owned();
                self.partial.clear();
                let at = i + 1;
                notes.extend(self.pending.drain(..).map(|text| Note { at, text }));
                self.on_line(&line, elapsed, at, &mut notes);
            } else if self.partial.len() < MAX_LINE {
                self.partial.push(byte);
            }
        }
        // Marks may match a prompt that is not followed by a newline: timed
        // now, reported when the line ends (the rest of a line may simply
        // not have arrived yet).
        if !self.partial.is_empty() && self.marks.iter().any(|m| !m.seen) {
            let partial = String::from_utf8_lossy(&self.partial).into_owned();
            let mut seen = Vec::new();
            self.check_marks(&partial, elapsed, chunk.len(), &mut seen);
            self.pending.extend(seen.into_iter().map(|n| n.text));
        }
        notes
    }

    /// Treats an unterminated last line as a complete one (call at EOF);
    /// returns the notes still due, for `Console::note`.
    pub fn finish(&mut self, elapsed: Duration) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.partial.is_empty() {
            let line = String::from_utf8_lossy(&self.partial).into_owned();
            self.partial.clear();
            self.on_line(&line, elapsed, 0, &mut notes);
        }
        let mut due: Vec<String> = self.pending.drain(..).collect();
        due.extend(notes.into_iter().map(|n| n.text));
        due
    }

    /// The last complete lines, oldest first.
    pub fn last_lines(&self) -> impl Iterator<Item = &str> {
        self.ring.iter().map(String::as_str)
    }

    fn on_line(&mut self, line: &str, elapsed: Duration, at: usize, notes: &mut Vec<Note>) {
        let line = line.trim_end_matches('\r').to_string();
        self.check_marks(&line, elapsed, at, notes);
        self.check_panic(&line);
        self.ktap.feed_line(&line);
        if self.ring.len() == RING_LINES {
            self.ring.pop_front();
        }
        self.ring.push_back(line);
    }

    fn check_marks(&mut self, line: &str, elapsed: Duration, at: usize, notes: &mut Vec<Note>) {
        for mark in self.marks.iter_mut().filter(|m| !m.seen) {
            if line.contains(&mark.text) {
                mark.seen = true;
                let text = format!(
                    "xtask: \"{}\" seen after {:.3} s",
                    mark.text,
                    elapsed.as_secs_f64()
                );
                notes.push(Note { at, text });
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

/// Which of xtask's streams bytes go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The guest's console, echoed.
    Out,
    /// xtask's own messages.
    Err,
}

/// Interleaves the echoed console with xtask's notes so that each note
/// starts on a line of its own and no console line is split by one: a note
/// goes out just after the line that caused it; one printed while a line
/// is unterminated (at the end of the run) gets a newline first.
#[derive(Debug, Default)]
pub struct Console {
    mid_line: bool,
}

impl Console {
    /// Echoes `chunk` through `emit` with `notes` (from `Serial::feed` on
    /// the same chunk) at their places.
    pub fn write(&mut self, chunk: &[u8], notes: &[Note], mut emit: impl FnMut(Stream, &[u8])) {
        let mut pos = 0;
        for note in notes {
            let at = note.at.clamp(pos, chunk.len());
            self.echo(&chunk[pos..at], &mut emit);
            pos = at;
            self.note(&note.text, &mut emit);
        }
        self.echo(&chunk[pos..], &mut emit);
    }

    /// Prints a line of xtask's own, on a line of its own.
    pub fn note(&mut self, text: &str, mut emit: impl FnMut(Stream, &[u8])) {
        self.end_line(&mut emit);
        emit(Stream::Err, format!("{text}\n").as_bytes());
    }

    /// Ends an unterminated console line (before xtask reports).
    pub fn end_line(&mut self, mut emit: impl FnMut(Stream, &[u8])) {
        if self.mid_line {
            emit(Stream::Err, b"\n");
            self.mid_line = false;
        }
    }

    fn echo(&mut self, bytes: &[u8], emit: &mut impl FnMut(Stream, &[u8])) {
        if let Some(&last) = bytes.last() {
            self.mid_line = last != b'\n';
            emit(Stream::Out, bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::ZERO;

    /// What a terminal shows when both streams go to it.
    fn shown(console: &mut Console, serial: &mut Serial, chunks: &[&[u8]]) -> String {
        let mut screen = Vec::new();
        for chunk in chunks {
            let notes = serial.feed(chunk, Duration::from_millis(400));
            console.write(chunk, &notes, |_, bytes| screen.extend_from_slice(bytes));
        }
        String::from_utf8(screen).unwrap()
    }

    #[test]
    fn mark_note_does_not_split_a_console_line() {
        let marks = ["scheduler running on".to_string()];
        let want = "[ 0.4] scheduler running on 2 CPUs\r\n\
                    xtask: \"scheduler running on\" seen after 0.400 s\n\
                    [ 0.5] Alloy 0.1 banner\r\nalloy:/# ";
        // the mark's line and the next one's start in one chunk, the mark
        // across two chunks, and a chunk per byte
        let text = "[ 0.4] scheduler running on 2 CPUs\r\n[ 0.5] Alloy 0.1 banner\r\nalloy:/# ";
        let t = text.as_bytes();
        for chunks in [vec![t], vec![&t[..12], &t[12..48], &t[48..]], t.chunks(1).collect()] {
            let mut serial = Serial::new(&marks);
            let mut console = Console::default();
            assert_eq!(shown(&mut console, &mut serial, &chunks), want);
        }
    }

    #[test]
    fn mark_in_a_prompt_waits_for_its_line_end() {
        let mut serial = Serial::new(&["login: ".to_string()]);
        let mut console = Console::default();
        let screen = shown(&mut console, &mut serial, &[b"boot\nlogin: ", b"root\nok\n"]);
        assert_eq!(
            screen,
            "boot\nlogin: root\nxtask: \"login: \" seen after 0.400 s\nok\n"
        );
        assert!(serial.finish(T).is_empty());
    }

    #[test]
    fn notes_at_the_end_start_their_own_lines() {
        let mut serial = Serial::new(&["# ".to_string()]);
        let mut console = Console::default();
        let mut screen = shown(&mut console, &mut serial, &[b"boot\nalloy:/# "]);
        let mut tail = Vec::new();
        for text in serial.finish(T) {
            console.note(&text, |_, b| tail.extend_from_slice(b));
        }
        console.note("xtask: 1 passed", |_, b| tail.extend_from_slice(b));
        console.end_line(|_, b| tail.extend_from_slice(b));
        screen += std::str::from_utf8(&tail).unwrap();
        assert_eq!(
            screen,
            "boot\nalloy:/# \nxtask: \"# \" seen after 0.400 s\nxtask: 1 passed\n"
        );
    }

    #[test]
    fn notes_go_to_stderr_and_the_console_to_stdout() {
        let mut serial = Serial::new(&["mark".to_string()]);
        let mut console = Console::default();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let chunk = b"a mark\nrest";
        let notes = serial.feed(chunk, T);
        console.write(chunk, &notes, |s, b| match s {
            Stream::Out => out.extend_from_slice(b),
            Stream::Err => err.extend_from_slice(b),
        });
        assert_eq!(out, chunk);
        assert_eq!(err, b"xtask: \"mark\" seen after 0.000 s\n");
    }

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
        for i in 0..RING_LINES + 60 {
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
