//! The service-file parser: checks S2–S11 of `ffi/herd.h` in order.

use crate::abi::*;

/// A failed check and its line (0: the whole file).
pub type ParseError = HerdParseError;

const S2: u32 = 2;
const S3: u32 = 3;
const S4: u32 = 4;
const S5: u32 = 5;
const S6: u32 = 6;
const S7: u32 = 7;
const S8: u32 = 8;
const S9: u32 = 9;
const S10: u32 = 10;
const S11: u32 = 11;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Exec,
    Arg,
    Env,
    Cwd,
    Restart,
    BInit,
    BMax,
    BMult,
    BJit,
    Stable,
    GCount,
    GWin,
    LogMax,
    LogKeep,
    StopSig,
    StopTo,
    After,
}

const KEYS: [(&[u8], Key); 17] = [
    (b"exec", Key::Exec),
    (b"arg", Key::Arg),
    (b"env", Key::Env),
    (b"cwd", Key::Cwd),
    (b"restart", Key::Restart),
    (b"backoff_initial", Key::BInit),
    (b"backoff_max", Key::BMax),
    (b"backoff_multiplier", Key::BMult),
    (b"backoff_jitter", Key::BJit),
    (b"stable_after", Key::Stable),
    (b"giveup_count", Key::GCount),
    (b"giveup_window", Key::GWin),
    (b"log_max", Key::LogMax),
    (b"log_keep", Key::LogKeep),
    (b"stop_signal", Key::StopSig),
    (b"stop_timeout", Key::StopTo),
    (b"after", Key::After),
];

fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| !blank(c)).unwrap_or(s.len());
    let rest = s.get(start..).unwrap_or(&[]);
    let end = rest.iter().rposition(|&c| !blank(c)).map_or(0, |i| i.saturating_add(1));
    rest.get(..end).unwrap_or(&[])
}

/// 1..10 leading decimal digits: (value, digits used); digits 0 if none or
/// more than 10.
fn digits(s: &[u8]) -> (u64, usize) {
    let mut v: u64 = 0;
    let mut n: usize = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            break;
        }
        if n == 10 {
            return (v, 0);
        }
        // at most 10 digits: below 10^10, no overflow
        v = v.saturating_mul(10).saturating_add(u64::from(c.wrapping_sub(b'0')));
        n = n.saturating_add(1);
    }
    (v, n)
}

fn number(s: &[u8]) -> Option<u64> {
    let (v, d) = digits(s);
    (d != 0 && d == s.len()).then_some(v)
}

fn parse_time(s: &[u8]) -> Option<u32> {
    let (v, d) = digits(s);
    if d == 0 {
        return None;
    }
    let v = match s.get(d..).unwrap_or(&[]) {
        b"" | b"ms" => v,
        b"s" => v.checked_mul(1000)?,
        b"m" => v.checked_mul(60000)?,
        _ => return None,
    };
    u32::try_from(v).ok()
}

fn parse_size(s: &[u8]) -> Option<u64> {
    let (v, d) = digits(s);
    if d == 0 {
        return None;
    }
    let v = match s.get(d..).unwrap_or(&[]) {
        b"" => v,
        b"K" => v.checked_mul(1 << 10)?,
        b"M" => v.checked_mul(1 << 20)?,
        _ => return None,
    };
    (HERD_LOG_MIN..=HERD_LOG_MAX).contains(&v).then_some(v)
}

fn parse_mult(s: &[u8]) -> Option<u32> {
    let (whole, d) = digits(s);
    if d == 0 {
        return None;
    }
    let mut frac = 0;
    if d < s.len() {
        let rest = s.get(d..).unwrap_or(&[]);
        let (&dot, r) = rest.split_first()?;
        if dot != b'.' || r.is_empty() || r.len() > 2 {
            return None;
        }
        let (f, fd) = digits(r);
        if fd != r.len() {
            return None;
        }
        frac = if fd == 1 { f.checked_mul(10)? } else { f };
    }
    if whole > 10 {
        return None;
    }
    let pct = whole.checked_mul(100)?.checked_add(frac)?;
    if !(100..=1000).contains(&pct) {
        return None;
    }
    u32::try_from(pct).ok()
}

fn parse_signal(s: &[u8]) -> Option<u32> {
    const NAMES: [(&[u8], u32); 7] = [
        (b"HUP", 1),
        (b"INT", 2),
        (b"QUIT", 3),
        (b"KILL", 9),
        (b"USR1", 10),
        (b"USR2", 12),
        (b"TERM", 15),
    ];
    if let Some(&(_, sig)) = NAMES.iter().find(|(n, _)| *n == s) {
        return Some(sig);
    }
    let v = number(s)?;
    if !(1..=64).contains(&v) {
        return None;
    }
    u32::try_from(v).ok()
}

fn valid_name(s: &[u8]) -> bool {
    !s.is_empty()
        && s.len() < HERD_NAME_MAX
        && s
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-')
}

fn valid_env(s: &[u8]) -> bool {
    let Some(eq) = s.iter().position(|&c| c == b'=') else {
        return false;
    };
    if eq == 0 {
        return false;
    }
    s.iter().take(eq).enumerate().all(|(i, &c)| {
        c.is_ascii_alphabetic() || c == b'_' || (i > 0 && c.is_ascii_digit())
    })
}

struct Builder {
    o: HerdService,
    seen: u32,
}

/// Stores `s` NUL-terminated; its offset, or `None` if it does not fit.
fn store(o: &mut HerdService, s: &[u8]) -> Option<u16> {
    let at = usize::from(o.strings_len);
    let end = at.checked_add(s.len())?; // where the NUL goes
    if end >= HERD_STR_MAX {
        return None;
    }
    o.strings.get_mut(at..end)?.copy_from_slice(s);
    *o.strings.get_mut(end)? = 0;
    o.strings_len = u16::try_from(end.checked_add(1)?).ok()?;
    u16::try_from(at).ok()
}

/// Appends `off` to `slots` (count in `*count`), at most `max`.
fn push(slots: &mut [u16], count: &mut u32, off: u16) -> Option<()> {
    let i = usize::try_from(*count).ok()?;
    *slots.get_mut(i)? = off;
    *count = count.checked_add(1)?;
    Some(())
}

fn full(count: u32, max: usize) -> bool {
    usize::try_from(count).map_or(true, |c| c >= max)
}

impl Builder {
    fn new() -> Self {
        let mut o = HerdService::zeroed();
        o.restart = RESTART_ALWAYS;
        o.backoff_initial_ms = 1000;
        o.backoff_max_ms = 60000;
        o.mult_pct = 200;
        o.jitter_pct = 10;
        o.stable_ms = 10000;
        o.giveup_count = 5;
        o.giveup_window_ms = 60000;
        o.log_max = 1 << 20;
        o.log_keep = 3;
        o.stop_signal = 15;
        o.stop_timeout_ms = 5000;
        o.strings_len = 1;
        Builder { o, seen: 0 }
    }

    /// S8 then S9 for one KEY=VALUE.
    fn apply(&mut self, k: Key, v: &[u8]) -> Result<(), u32> {
        let o = &mut self.o;
        let bad = |ok: bool| if ok { Ok(()) } else { Err(S8) };
        match k {
            Key::Exec => {
                bad(v.first() == Some(&b'/'))?;
                for w in v.split(|&c| blank(c)).filter(|w| !w.is_empty()) {
                    if full(o.argc, HERD_MAX_ARGS) {
                        return Err(S9);
                    }
                    let off = store(o, w).ok_or(S9)?;
                    push(&mut o.argv, &mut o.argc, off).ok_or(S9)?;
                }
                Ok(())
            }
            Key::Arg => {
                if o.argc == 0 || full(o.argc, HERD_MAX_ARGS) {
                    return Err(S9);
                }
                let off = store(o, v).ok_or(S9)?;
                push(&mut o.argv, &mut o.argc, off).ok_or(S9)
            }
            Key::Env => {
                bad(valid_env(v))?;
                if full(o.envc, HERD_MAX_ENV) {
                    return Err(S9);
                }
                let off = store(o, v).ok_or(S9)?;
                push(&mut o.env, &mut o.envc, off).ok_or(S9)
            }
            Key::Cwd => {
                bad(v.first() == Some(&b'/'))?;
                o.cwd = store(o, v).ok_or(S9)?;
                Ok(())
            }
            Key::After => {
                bad(valid_name(v))?;
                if full(o.nafter, HERD_MAX_AFTER) {
                    return Err(S9);
                }
                let off = store(o, v).ok_or(S9)?;
                push(&mut o.after, &mut o.nafter, off).ok_or(S9)
            }
            Key::Restart => {
                o.restart = match v {
                    b"always" => RESTART_ALWAYS,
                    b"on-failure" => RESTART_ON_FAILURE,
                    b"never" => RESTART_NEVER,
                    _ => return Err(S8),
                };
                Ok(())
            }
            Key::BInit => {
                o.backoff_initial_ms = parse_time(v).ok_or(S8)?;
                Ok(())
            }
            Key::BMax => {
                o.backoff_max_ms = parse_time(v).filter(|&t| t != 0).ok_or(S8)?;
                Ok(())
            }
            Key::Stable => {
                o.stable_ms = parse_time(v).ok_or(S8)?;
                Ok(())
            }
            Key::GWin => {
                o.giveup_window_ms = parse_time(v).filter(|&t| t != 0).ok_or(S8)?;
                Ok(())
            }
            Key::StopTo => {
                o.stop_timeout_ms = parse_time(v).ok_or(S8)?;
                Ok(())
            }
            Key::BMult => {
                o.mult_pct = parse_mult(v).ok_or(S8)?;
                Ok(())
            }
            Key::BJit => {
                let n = number(v).filter(|&n| n <= 100).ok_or(S8)?;
                o.jitter_pct = u32::try_from(n).map_err(|_| S8)?;
                Ok(())
            }
            Key::GCount => {
                let n = number(v).filter(|&n| n <= 1_000_000).ok_or(S8)?;
                o.giveup_count = u32::try_from(n).map_err(|_| S8)?;
                Ok(())
            }
            Key::LogMax => {
                o.log_max = parse_size(v).ok_or(S8)?;
                Ok(())
            }
            Key::LogKeep => {
                let n = number(v)
                    .filter(|&n| n <= u64::from(HERD_KEEP_MAX))
                    .ok_or(S8)?;
                o.log_keep = u32::try_from(n).map_err(|_| S8)?;
                Ok(())
            }
            Key::StopSig => {
                o.stop_signal = parse_signal(v).ok_or(S8)?;
                Ok(())
            }
        }
    }

    /// S3–S9 for one line, without its newline.
    fn line(&mut self, line: &[u8]) -> Result<(), u32> {
        if line.iter().any(|&c| (c < 0x20 && c != b'\t') || c == 0x7f) {
            return Err(S3);
        }
        if line.len() > HERD_LINE_MAX {
            return Err(S4);
        }
        let t = trim(line);
        if t.is_empty() || t.first() == Some(&b'#') {
            return Ok(());
        }
        let eq = t.iter().position(|&c| c == b'=').ok_or(S5)?;
        let key = trim(t.get(..eq).unwrap_or(&[]));
        let val = trim(t.get(eq.saturating_add(1)..).unwrap_or(&[]));
        let (index, k) = KEYS
            .iter()
            .enumerate()
            .find(|(_, (name, _))| *name == key)
            .map(|(i, (_, k))| (i, *k))
            .ok_or(S6)?;
        let bit = 1u32.checked_shl(u32::try_from(index).map_err(|_| S6)?).ok_or(S6)?;
        let repeats = matches!(k, Key::Arg | Key::Env | Key::After);
        if !repeats && self.seen & bit != 0 {
            return Err(S7);
        }
        self.seen |= bit;
        self.apply(k, val)
    }
}

/// Parses a service file (checks S2–S11).
pub fn parse_service(buf: &[u8], len: usize) -> Result<HerdService, ParseError> {
    if len > HERD_FILE_MAX {
        return Err(HerdParseError { check: S2, line: 0 });
    }
    let mut b = Builder::new();
    let mut lineno: u32 = 0;
    let mut rest = buf;
    while !rest.is_empty() {
        let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
        lineno = lineno.saturating_add(1);
        b.line(rest.get(..end).unwrap_or(&[]))
            .map_err(|check| HerdParseError { check, line: lineno })?;
        rest = rest.get(end.saturating_add(1)..).unwrap_or(&[]);
    }
    let check = if b.o.argc == 0 {
        S10
    } else if b.o.backoff_initial_ms > b.o.backoff_max_ms {
        S11
    } else {
        return Ok(b.o);
    };
    Err(HerdParseError { check, line: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> (u32, u32) {
        match parse_service(text.as_bytes(), text.len()) {
            Ok(_) => (0, 0),
            Err(e) => (e.check, e.line),
        }
    }

    #[test]
    fn every_check_has_its_input() {
        assert_eq!(check("exec=/bin/true\n"), (0, 0));
        assert_eq!(check("exec=/bin/true\n\x01\n"), (3, 2));
        let long = format!("exec=/bin/true\n#{}\n", "x".repeat(1024));
        assert_eq!(check(&long), (4, 2));
        assert_eq!(check("exec=/bin/true\nrestart\n"), (5, 2));
        assert_eq!(check("exec=/bin/true\nbogus=1\n"), (6, 2));
        assert_eq!(check("exec=/bin/true\nexec=/bin/false\n"), (7, 2));
        assert_eq!(check("exec=/bin/true\nrestart=sometimes\n"), (8, 2));
        assert_eq!(check("arg=x\nexec=/bin/true\n"), (9, 1));
        assert_eq!(check("# nothing\n"), (10, 0));
        assert_eq!(check("exec=/x\nbackoff_initial=5s\nbackoff_max=1s\n"), (11, 0));
        let big = "#".repeat(HERD_FILE_MAX + 1);
        assert_eq!(check(&big), (2, 0));
    }

    #[test]
    fn values() {
        let t = "exec=/bin/sh -c  x\narg=a b\nenv=A_1=2\ncwd=/tmp\nrestart=on-failure\n\
                 backoff_initial=250ms\nbackoff_max=2s\nbackoff_multiplier=1.5\n\
                 backoff_jitter=0\nstable_after=1m\ngiveup_count=3\ngiveup_window=10s\n\
                 log_max=64K\nlog_keep=2\nstop_signal=INT\nstop_timeout=0\nafter=db\n";
        let s = parse_service(t.as_bytes(), t.len()).unwrap();
        assert_eq!(s.argc, 4);
        assert_eq!(s.envc, 1);
        assert_eq!(s.backoff_initial_ms, 250);
        assert_eq!(s.backoff_max_ms, 2000);
        assert_eq!(s.mult_pct, 150);
        assert_eq!(s.stable_ms, 60000);
        assert_eq!(s.log_max, 65536);
        assert_eq!(s.stop_signal, 2);
        assert_eq!(s.restart, RESTART_ON_FAILURE);
        assert_eq!(&s.strings[1..9], b"/bin/sh\0");
        assert_eq!(check("exec=/x\nbackoff_multiplier=10.01\n"), (8, 2));
        assert_eq!(check("exec=/x\nbackoff_multiplier=0.99\n"), (8, 2));
        assert_eq!(check("exec=/x\nlog_max=4095\n"), (8, 2));
        assert_eq!(check("exec=/x\nstop_timeout=4294967296\n"), (8, 2));
        assert_eq!(check("exec=/x\nenv=1A=b\n"), (8, 2));
    }
}
