//! KTAP parsing: picks the `KTAP version`, plan (`1..N`) and result
//! (`ok N name # directive` / `not ok N ...`) lines out of a serial log in
//! which they may be interleaved with ordinary kernel log lines, and checks
//! the collected results for structural problems (missing plan, wrong count,
//! numbering gaps).

/// One `ok` / `not ok` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub number: u64,
    pub ok: bool,
    /// Text after the number up to ` #` (may be empty).
    pub name: String,
    /// Text after ` #`, e.g. `SKIP no hpet` or a failure reason.
    pub directive: Option<String>,
}

impl TestResult {
    /// True for a `# SKIP` directive (case-insensitive, as in TAP).
    pub fn is_skip(&self) -> bool {
        self.directive
            .as_deref()
            .is_some_and(|d| d.to_ascii_uppercase().starts_with("SKIP"))
    }

    /// The name to show, never empty.
    pub fn display_name(&self) -> String {
        if self.name.is_empty() {
            format!("test {}", self.number)
        } else {
            self.name.clone()
        }
    }
}

/// Everything KTAP-related seen on the serial console so far.
#[derive(Debug, Default)]
pub struct Ktap {
    pub version_seen: bool,
    pub plan: Option<u64>,
    pub results: Vec<TestResult>,
}

impl Ktap {
    /// Feeds one serial line (without its `\n`); non-KTAP lines are ignored.
    pub fn feed_line(&mut self, raw: &str) {
        let line = strip_line(raw);
        if line.starts_with("KTAP version ") {
            self.version_seen = true;
        } else if let Some(n) = parse_plan(line) {
            // Only the first plan counts; a kernel restarting its test
            // sequence is reported through the numbering check instead.
            self.plan.get_or_insert(n);
        } else if let Some(result) = parse_result(line) {
            self.results.push(result);
        }
    }

    /// Results that are `not ok`.
    pub fn failures(&self) -> impl Iterator<Item = &TestResult> {
        self.results.iter().filter(|r| !r.ok)
    }

    /// Name of the last test that reported a result.
    pub fn last_test(&self) -> Option<String> {
        self.results.last().map(TestResult::display_name)
    }

    /// Structural problems: missing plan, result count differing from the
    /// plan, results not numbered 1, 2, 3, ... (one message per kind).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let count = self.results.len() as u64;
        match self.plan {
            None => problems.push(format!("no plan line (1..N), {count} results")),
            Some(n) if n != count => problems.push(format!("plan 1..{n} but {count} results")),
            Some(_) => {}
        }
        let misnumbered = self
            .results
            .iter()
            .zip(1u64..)
            .find(|(r, expected)| r.number != *expected);
        if let Some((r, expected)) = misnumbered {
            problems.push(format!(
                "result numbered {} where {} was expected",
                r.number, expected
            ));
        }
        problems
    }
}

/// Strips a trailing `\r` and a leading kernel timestamp `[    1.234567] `.
pub fn strip_line(raw: &str) -> &str {
    let line = raw.trim_end_matches('\r');
    let Some(inner_and_rest) = line.strip_prefix('[') else {
        return line;
    };
    let Some(close) = inner_and_rest.find(']') else {
        return line;
    };
    let stamp = &inner_and_rest[..close];
    let is_timestamp = stamp.bytes().any(|b| b.is_ascii_digit())
        && stamp
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b' ');
    if !is_timestamp {
        return line;
    }
    let rest = &inner_and_rest[close + 1..];
    rest.strip_prefix(' ').unwrap_or(rest)
}

/// Parses `1..N` (optionally followed by ` # comment`).
fn parse_plan(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("1..")?;
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let tail = &rest[digits_end..];
    if digits_end == 0 || !(tail.is_empty() || tail.starts_with(' ')) {
        return None;
    }
    rest[..digits_end].parse().ok()
}

/// Parses `ok N name # directive` or `not ok N name # directive`.
fn parse_result(line: &str) -> Option<TestResult> {
    let (ok, rest) = if let Some(rest) = line.strip_prefix("ok ") {
        (true, rest)
    } else {
        (false, line.strip_prefix("not ok ")?)
    };
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let number = rest[..digits_end].parse().ok()?;
    let after = &rest[digits_end..];
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let (name, directive) = match after.find(" #") {
        Some(i) => (&after[..i], Some(after[i + 2..].trim().to_string())),
        None => (after, None),
    };
    let name = name.trim();
    let name = name.strip_prefix("- ").unwrap_or(name).trim().to_string();
    Some(TestResult {
        number,
        ok,
        name,
        directive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Ktap {
        let mut k = Ktap::default();
        text.lines().for_each(|l| k.feed_line(l));
        k
    }

    #[test]
    fn strips_timestamps_and_cr() {
        assert_eq!(strip_line("[    1.234567] ok 1 a\r"), "ok 1 a");
        assert_eq!(strip_line("[1.5] 1..3"), "1..3");
        assert_eq!(
            strip_line("[ 12345.000001]KTAP version 1"),
            "KTAP version 1"
        );
        assert_eq!(strip_line("ok 1 a\r"), "ok 1 a");
        // Not timestamps: left alone.
        assert_eq!(strip_line("[cpu0] ok 1 a"), "[cpu0] ok 1 a");
        assert_eq!(strip_line("[  ] x"), "[  ] x");
        assert_eq!(strip_line("[ 1.0 no bracket"), "[ 1.0 no bracket");
    }

    #[test]
    fn parses_example_with_interleaved_logs() {
        let k = parse(
            "[    0.000000] Alloy booting\n\
             [    0.100000] KTAP version 1\r\n\
             [    0.100001] 1..3\n\
             [    0.200000] buddy: 1024 pages free\n\
             [    0.300000] ok 1 buddy_basic\n\
             sched: ok then, 5 threads\n\
             [    0.400000] not ok 2 sched_pingpong # lost wakeup after 100 rounds\n\
             [    0.500000] ok 3 timer_accuracy # SKIP no hpet\n",
        );
        assert!(k.version_seen);
        assert_eq!(k.plan, Some(3));
        assert_eq!(k.results.len(), 3);
        assert!(k.problems().is_empty());
        assert_eq!(k.results[0].name, "buddy_basic");
        assert!(k.results[0].ok && k.results[0].directive.is_none());
        let failed: Vec<_> = k.failures().collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].name, "sched_pingpong");
        assert_eq!(
            failed[0].directive.as_deref(),
            Some("lost wakeup after 100 rounds")
        );
        assert!(k.results[2].ok && k.results[2].is_skip());
        assert!(!k.results[1].is_skip());
        assert_eq!(k.last_test().as_deref(), Some("timer_accuracy"));
    }

    #[test]
    fn missing_plan_is_a_problem() {
        let k = parse("KTAP version 1\nok 1 a\nok 2 b\n");
        assert_eq!(k.plan, None);
        assert_eq!(k.problems(), vec!["no plan line (1..N), 2 results"]);
    }

    #[test]
    fn count_mismatch_is_a_problem() {
        let k = parse("KTAP version 1\n1..12\nok 1 a\nok 2 b\n");
        assert_eq!(k.problems(), vec!["plan 1..12 but 2 results"]);
    }

    #[test]
    fn numbering_gaps_are_a_problem() {
        let k = parse("1..3\nok 1 a\nok 3 c\nok 4 d\n");
        assert_eq!(k.problems(), vec!["result numbered 3 where 2 was expected"]);
        let k = parse("1..2\nok 1 a\nok 1 a\n");
        assert_eq!(k.problems(), vec!["result numbered 1 where 2 was expected"]);
    }

    #[test]
    fn odd_result_lines() {
        let k = parse("ok 1\nok 2 - dashed # TODO later\nnot ok 3 # SKIP nothing\nok 4 x#y\n");
        let names: Vec<_> = k.results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["", "dashed", "", "x#y"]);
        assert_eq!(k.results[0].display_name(), "test 1");
        assert_eq!(k.results[1].directive.as_deref(), Some("TODO later"));
        assert!(k.results[2].is_skip());
    }

    #[test]
    fn ignores_non_result_lines() {
        let k = parse(
            "ok\nok then\nok 12abc\nnot ok\n  ok 1 indented_subtest\n1..\n1..3x\nfoo ok 1 a\n",
        );
        assert!(k.results.is_empty());
        assert_eq!(k.plan, None);
        assert!(!k.version_seen);
    }

    #[test]
    fn plan_with_comment_and_zero_plan() {
        assert_eq!(parse_plan("1..5 # five"), Some(5));
        assert_eq!(parse_plan("1..0"), Some(0));
        let k = parse("KTAP version 1\n1..0\n");
        assert!(k.problems().is_empty());
    }
}
