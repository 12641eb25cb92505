//! The `Range` request header (RFC 9110 §14): one byte range, else the
//! whole file. Several ranges are answered with the whole file (allowed:
//! a server may ignore `Range`).

/// What to send for a `Range` header on a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Wanted {
    /// The whole file (no header, or one this server ignores).
    All,
    /// Bytes `start..end` (end exclusive), a 206.
    Part { start: u64, end: u64 },
    /// No byte of the range exists, a 416.
    Unsatisfiable,
}

pub fn parse(header: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Wanted::All };
    if spec.contains(',') {
        return Wanted::All;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Wanted::All };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), last.trim().is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match number(last) {
            Some(0) => Wanted::Unsatisfiable,
            Some(n) if size == 0 => {
                let _ = n;
                Wanted::Unsatisfiable
            }
            Some(n) => Wanted::Part { start: size.saturating_sub(n), end: size },
            None => Wanted::All,
        },
        // bytes=A-: from A to the end.
        (false, true) => match number(first) {
            Some(a) if a < size => Wanted::Part { start: a, end: size },
            Some(_) => Wanted::Unsatisfiable,
            None => Wanted::All,
        },
        // bytes=A-B: inclusive, B clamped to the end.
        (false, false) => match (number(first), number(last)) {
            (Some(a), Some(b)) if a > b => Wanted::All,
            (Some(a), Some(_)) if a >= size => Wanted::Unsatisfiable,
            (Some(a), Some(b)) => Wanted::Part { start: a, end: b.saturating_add(1).min(size) },
            _ => Wanted::All,
        },
        (true, true) => Wanted::All,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let p = |h: &str| parse(Some(h), 100);
        assert_eq!(parse(None, 100), Wanted::All);
        assert_eq!(p("bytes=0-0"), Wanted::Part { start: 0, end: 1 });
        assert_eq!(p("bytes=10-19"), Wanted::Part { start: 10, end: 20 });
        assert_eq!(p("bytes=90-500"), Wanted::Part { start: 90, end: 100 });
        assert_eq!(p("bytes=99-"), Wanted::Part { start: 99, end: 100 });
        assert_eq!(p("bytes=-5"), Wanted::Part { start: 95, end: 100 });
        assert_eq!(p("bytes=-500"), Wanted::Part { start: 0, end: 100 });
        assert_eq!(p("bytes=100-"), Wanted::Unsatisfiable);
        assert_eq!(p("bytes=100-200"), Wanted::Unsatisfiable);
        assert_eq!(p("bytes=-0"), Wanted::Unsatisfiable);
        assert_eq!(p("bytes=5-1"), Wanted::All);
        assert_eq!(p("bytes=0-1,5-6"), Wanted::All);
        assert_eq!(p("items=0-1"), Wanted::All);
        assert_eq!(p("bytes=x-1"), Wanted::All);
        assert_eq!(parse(Some("bytes=0-"), 0), Wanted::Unsatisfiable);
    }
}
