//! Text forms of typed values: used when a column widens to string and when
//! rows are handed to JS. One place, so both agree.
//!
//! - floats: shortest round-trip digits, integral values without `.0`
//!   (`100`, `1.5`), exponent form beyond 1e16 or below 1e-5 (`1e20`);
//! - dates: `YYYY-MM-DD`;
//! - timestamps: `YYYY-MM-DDTHH:MM:SS`, then `.fff` or `.ffffff` when there
//!   are fractional seconds, then `Z` for a column whose values carried a zone.

use std::fmt::Write;

use chrono::{DateTime, NaiveDate};

const UNIX_EPOCH_CE_DAYS: i32 = 719_163;

pub fn format_float(value: f64, out: &mut String) {
    let magnitude = value.abs();
    if value.is_finite() && magnitude != 0.0 && !(1e-5..1e16).contains(&magnitude) {
        let _ = write!(out, "{value:e}");
    } else {
        let _ = write!(out, "{value}");
    }
}

pub fn format_date(days: i32, out: &mut String) {
    match NaiveDate::from_num_days_from_ce_opt(days + UNIX_EPOCH_CE_DAYS) {
        Some(date) => {
            let _ = write!(out, "{}", date.format("%Y-%m-%d"));
        }
        None => {
            let _ = write!(out, "{days} days");
        }
    }
}

pub fn format_timestamp(micros: i64, zoned: bool, out: &mut String) {
    let Some(time) = DateTime::from_timestamp_micros(micros) else {
        let _ = write!(out, "{micros} µs");
        return;
    };
    let fraction = micros.rem_euclid(1_000_000);
    let pattern = if fraction == 0 {
        "%Y-%m-%dT%H:%M:%S"
    } else if fraction % 1000 == 0 {
        "%Y-%m-%dT%H:%M:%S%.3f"
    } else {
        "%Y-%m-%dT%H:%M:%S%.6f"
    };
    let _ = write!(out, "{}", time.naive_utc().format(pattern));
    if zoned {
        out.push('Z');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut String)) -> String {
        let mut s = String::new();
        f(&mut s);
        s
    }

    #[test]
    fn floats() {
        for (value, want) in [
            (100.0, "100"),
            (1.5, "1.5"),
            (-0.25, "-0.25"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e20, "1e20"),
            (1.5e-7, "1.5e-7"),
            (0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(text(|s| format_float(value, s)), want);
        }
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(text(|s| format_date(0, s)), "1970-01-01");
        assert_eq!(text(|s| format_date(-1, s)), "1969-12-31");
        assert_eq!(text(|s| format_timestamp(0, true, s)), "1970-01-01T00:00:00Z");
        assert_eq!(text(|s| format_timestamp(1_500_000, false, s)), "1970-01-01T00:00:01.500");
        assert_eq!(text(|s| format_timestamp(1_000_001, true, s)), "1970-01-01T00:00:01.000001Z");
        assert_eq!(text(|s| format_timestamp(-1, true, s)), "1969-12-31T23:59:59.999999Z");
    }
}
