//! The restart decision (D2–D3 and the schedule) and the rotation
//! decision (W2), as `ffi/herd.h` states them.

use crate::abi::*;

/// The caller passed something out of range (`-EINVAL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid;

fn policy_ok(s: &HerdService) -> bool {
    s.restart <= RESTART_NEVER
        && (100..=1000).contains(&s.mult_pct)
        && s.jitter_pct <= 100
        && s.giveup_count <= 1_000_000
        && s.backoff_max_ms != 0
        && s.giveup_window_ms != 0
        && s.backoff_initial_ms <= s.backoff_max_ms
}

fn run_ok(r: &HerdRun) -> bool {
    if r.pad != 0 || r.started_ms > r.now_ms || r.window_start_ms > r.now_ms {
        return false;
    }
    match r.how {
        EXIT_CODE => (0..=255).contains(&r.code),
        EXIT_SIGNAL => (1..=64).contains(&r.code),
        _ => false,
    }
}

/// A run ended: restart, stay stopped, or give up (D2, D3, steps 1–4).
pub fn decide_restart(s: &HerdService, r: &HerdRun) -> Result<HerdDecision, Invalid> {
    if !policy_ok(s) || !run_ok(r) {
        return Err(Invalid);
    }
    let now = r.now_ms;
    let mut c = r.consecutive;
    let mut w = r.window_count;
    let mut ws = r.window_start_ms;
    // run_ok: started_ms <= now and window_start_ms <= now
    if now.saturating_sub(r.started_ms) >= u64::from(s.stable_ms) {
        c = 0;
        w = 0;
        ws = now;
    }
    let mut d = HerdDecision {
        at_ms: now,
        ..HerdDecision::default()
    };
    let clean = r.how == EXIT_CODE && r.code == 0;
    let wanted = match s.restart {
        RESTART_NEVER => false,
        RESTART_ON_FAILURE => !clean,
        _ => true,
    };
    if wanted {
        if w == 0 || now.saturating_sub(ws) >= u64::from(s.giveup_window_ms) {
            ws = now;
            w = 0;
        }
        w = w.saturating_add(1);
        if s.giveup_count != 0 && w > s.giveup_count {
            d.action = ACT_FAIL;
        } else {
            let max = u64::from(s.backoff_max_ms);
            let mut base = u64::from(s.backoff_initial_ms);
            let mut i = 0;
            while i < c && base < max {
                // base < 2^32, mult <= 1000: no overflow; a base that no
                // longer grows never will (c may be 2^32 - 1)
                let next = base.saturating_mul(u64::from(s.mult_pct)) / 100;
                if next <= base {
                    break;
                }
                base = next;
                i = i.saturating_add(1);
            }
            base = base.min(max);
            let spread = u64::from(s.jitter_pct)
                .saturating_mul(u64::from(r.random % 1001))
                .saturating_mul(base)
                / 100_000;
            d.delay_ms = base.saturating_add(spread);
            c = c.saturating_add(1);
            d.action = ACT_RESTART;
            d.at_ms = now.saturating_add(d.delay_ms);
        }
    } else {
        d.action = ACT_NONE;
    }
    d.consecutive = c;
    d.window_count = w;
    d.window_start_ms = ws;
    Ok(d)
}

/// `len` bytes are to be appended to a log of `size` bytes (W2, then the
/// rule).
pub fn decide_write(size: u64, len: u64, limit: u64, keep: u32) -> Result<HerdWrite, Invalid> {
    if !(HERD_LOG_MIN..=HERD_LOG_MAX).contains(&limit) || keep > HERD_KEEP_MAX {
        return Err(Invalid);
    }
    let mut w = HerdWrite::default();
    if size > limit {
        w.action = W_ROTATE;
    } else if len <= limit.saturating_sub(size) {
        w.action = W_APPEND;
        w.n = len;
    } else if size == 0 {
        w.action = W_APPEND;
        w.n = limit;
    } else {
        w.action = W_ROTATE;
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_service;

    fn svc(text: &str) -> HerdService {
        parse_service(text.as_bytes(), text.len()).unwrap()
    }

    fn run(now: u64, started: u64, prev: &HerdDecision) -> HerdRun {
        HerdRun {
            now_ms: now,
            started_ms: started,
            window_start_ms: prev.window_start_ms,
            consecutive: prev.consecutive,
            window_count: prev.window_count,
            how: EXIT_CODE,
            code: 1,
            random: 0,
            pad: 0,
        }
    }

    #[test]
    fn schedule_doubles_to_the_cap_then_fails() {
        let s = svc("exec=/x\nbackoff_initial=100\nbackoff_max=500\nbackoff_jitter=0\n\
                     giveup_count=5\ngiveup_window=1m\nstable_after=10s\n");
        let mut d = HerdDecision::default();
        let mut now = 1000;
        let mut delays = vec![];
        for _ in 0..6 {
            d = decide_restart(&s, &run(now, now, &d)).unwrap();
            delays.push((d.action, d.delay_ms));
            now = d.at_ms;
        }
        assert_eq!(
            delays,
            vec![(1, 100), (1, 200), (1, 400), (1, 500), (1, 500), (2, 0)]
        );
    }

    #[test]
    fn a_stable_run_resets() {
        let s = svc("exec=/x\nbackoff_initial=100\nbackoff_jitter=0\nstable_after=1s\n");
        let prev = HerdDecision {
            consecutive: 4,
            window_count: 4,
            ..HerdDecision::default()
        };
        let d = decide_restart(&s, &run(5000, 3000, &prev)).unwrap();
        assert_eq!((d.action, d.delay_ms, d.consecutive, d.window_count), (1, 100, 1, 1));
    }

    #[test]
    fn bad_inputs() {
        let mut s = svc("exec=/x\n");
        let d = HerdDecision::default();
        let mut r = run(10, 20, &d);
        assert_eq!(decide_restart(&s, &r), Err(Invalid));
        r.started_ms = 0;
        r.how = 3;
        assert_eq!(decide_restart(&s, &r), Err(Invalid));
        r.how = EXIT_CODE;
        s.mult_pct = 99;
        assert_eq!(decide_restart(&s, &r), Err(Invalid));
        assert_eq!(decide_write(0, 1, 4095, 0), Err(Invalid));
        assert_eq!(decide_write(0, 1, 4096, 17), Err(Invalid));
        assert_eq!(decide_write(4000, 200, 4096, 1).unwrap().action, W_ROTATE);
        assert_eq!(decide_write(0, 9000, 4096, 1).unwrap().n, 4096);
        assert_eq!(decide_write(5000, 1, 4096, 1).unwrap().action, W_ROTATE);
    }
}
