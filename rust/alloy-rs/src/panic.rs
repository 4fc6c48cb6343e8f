//! The panic handler: the kernel's `panic()` with the Rust message.
//!
//! A panic that C can reach is a bug (the components return errors), so
//! this only has to report it well: "file:line:col: message" (the kernel
//! adds "rust: "), formatted without allocating into a stack buffer and
//! truncated if long.

use core::fmt::{self, Write};

/// Longest message handed to the kernel, in bytes.
const MSG_MAX: usize = 256;

/// A string in a fixed buffer that drops what does not fit, on a
/// character boundary so that it stays UTF-8.
struct StackStr {
    buf: [u8; MSG_MAX],
    len: usize,
}

impl StackStr {
    const fn new() -> Self {
        StackStr {
            buf: [0; MSG_MAX],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        let bytes = self.buf.get(..self.len).unwrap_or(&[]);
        core::str::from_utf8(bytes).unwrap_or("rust panic (message not UTF-8)")
    }
}

impl Write for StackStr {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut take = s.len().min(MSG_MAX.saturating_sub(self.len));
        while !s.is_char_boundary(take) {
            take = take.saturating_sub(1);
        }
        let end = self.len.checked_add(take).ok_or(fmt::Error)?;
        let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..end), s.as_bytes().get(..take))
        else {
            return Err(fmt::Error);
        };
        dst.copy_from_slice(src);
        self.len = end;
        // Stop formatting once the buffer is full.
        if take == s.len() {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

// A test harness has std's panic handler.
#[cfg(not(test))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut msg = StackStr::new();
    // A full buffer is the only error: the message is then truncated.
    let _ = match info.location() {
        Some(at) => write!(
            msg,
            "{}:{}:{}: {}",
            at.file(),
            at.line(),
            at.column(),
            info.message()
        ),
        None => write!(msg, "{}", info.message()),
    };
    kbind::fatal(msg.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits() {
        let mut s = StackStr::new();
        let (file, line) = ("a.rs", 7);
        assert!(write!(s, "{file}:{line}: boom").is_ok());
        assert_eq!(s.as_str(), "a.rs:7: boom");
    }

    #[test]
    fn truncates_at_a_char_boundary() {
        let mut s = StackStr::new();
        let long = "x".repeat(MSG_MAX - 1) + "é tail";
        assert!(write!(s, "{long}").is_err());
        assert_eq!(s.as_str(), "x".repeat(MSG_MAX - 1));
        let mut s = StackStr::new();
        assert!(s.write_str(&"y".repeat(MSG_MAX + 10)).is_err());
        assert_eq!(s.as_str(), "y".repeat(MSG_MAX));
        // Full: later writes add nothing.
        assert!(s.write_str("z").is_err());
        assert_eq!(s.as_str().len(), MSG_MAX);
    }
}
