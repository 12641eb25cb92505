//! Values as text the way JavaScript writes them (`String(v)`: numbers in
//! shortest round-trip form without `.0`, bins `lo,hi`), and as JSON
//! (integers beyond ±2^53 as decimal text, non-finite floats as `null`,
//! dates `YYYY-MM-DD`, timestamps ISO 8601 with `Z` for a zoned column, bins
//! `[lo, hi]`). Graphic Walker's answers, its regular expressions on numbers,
//! its folds of mixed types and `||` in expressions use them.

use std::fmt::Write;

use arrow_array::Array;

use super::bins::Bin;
use crate::rows::{cell, Cell};

/// Largest integer a JS number holds exactly.
pub const MAX_SAFE_JS_INTEGER: u64 = (1 << 53) - 1;

/// One value as JSON (bins as `[lo, hi]`) appended to `out`.
pub fn write_value(array: &dyn Array, row: usize, bin: Option<Bin>, out: &mut String) {
    match cell(array, row) {
        Cell::Null => out.push_str("null"),
        Cell::Integer(i) if bin.is_some() => {
            let (lo, hi) = bin.expect("checked").bounds(i);
            out.push('[');
            write_json_number(lo, out);
            out.push(',');
            write_json_number(hi, out);
            out.push(']');
        }
        Cell::Boolean(b) => out.push_str(if b { "true" } else { "false" }),
        Cell::Integer(i) if i.unsigned_abs() <= MAX_SAFE_JS_INTEGER => {
            let _ = write!(out, "{i}");
        }
        Cell::Integer(i) => {
            let _ = write!(out, "\"{i}\"");
        }
        Cell::Float(f) => write_json_number(f, out),
        Cell::Text(t) => write_quoted(t, out),
        Cell::Date(d) => {
            out.push('"');
            crate::format::format_date(d, out);
            out.push('"');
        }
        Cell::Timestamp { micros, zoned } => {
            out.push('"');
            crate::format::format_timestamp(micros, zoned, out);
            out.push('"');
        }
    }
}

/// The text form of a value (numbers as JavaScript writes them, bins as
/// `lo,hi` like `String([lo, hi])`) appended to `out`; false for a null.
pub fn write_text(array: &dyn Array, row: usize, bin: Option<Bin>, out: &mut String) -> bool {
    match (bin, cell(array, row)) {
        (_, Cell::Null) => return false,
        (Some(b), Cell::Integer(i)) => {
            let (lo, hi) = b.bounds(i);
            write_number(lo, out);
            out.push(',');
            write_number(hi, out);
        }
        (_, Cell::Integer(i)) => {
            let _ = write!(out, "{i}");
        }
        (_, Cell::Float(f)) => write_number(f, out),
        (_, Cell::Boolean(b)) => out.push_str(if b { "true" } else { "false" }),
        (_, Cell::Text(t)) => out.push_str(t),
        (_, Cell::Date(d)) => crate::format::format_date(d, out),
        (_, Cell::Timestamp { micros, zoned }) => crate::format::format_timestamp(micros, zoned, out),
    }
    true
}

/// A number as JSON (`null` when not finite).
pub fn write_json_number(v: f64, out: &mut String) {
    if v.is_finite() {
        write_number(v, out);
    } else {
        out.push_str("null");
    }
}

/// A number as JavaScript's `String(n)` writes it, near enough for matching
/// text: integral values without `.0`, shortest round-trip digits.
pub fn write_number(v: f64, out: &mut String) {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e21 {
        let _ = write!(out, "{}", v as i128);
    } else {
        crate::format::format_float(v, out);
    }
}

/// `text` as a JSON string literal.
pub fn write_quoted(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `text` as a JSON string literal, in a new string.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_quoted(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int64Array};

    #[test]
    fn numbers_and_bins_as_javascript_writes_them() {
        let numbers = Float64Array::from(vec![Some(1.5), Some(100.0), Some(f64::NAN), None, Some(1e21)]);
        let texts: Vec<String> = (0..5)
            .map(|row| {
                let mut out = String::new();
                write_text(&numbers, row, None, &mut out).then_some(out).unwrap_or_else(|| "<null>".into())
            })
            .collect();
        assert_eq!(texts, ["1.5", "100", "NaN", "<null>", "1e21"]);
        let mut json = String::new();
        write_value(&numbers, 2, None, &mut json);
        assert_eq!(json, "null");
        let bins = Int64Array::from(vec![2]);
        let (mut text, mut value) = (String::new(), String::new());
        write_text(&bins, 0, Some(Bin { min: 10.0, step: 0.5 }), &mut text);
        write_value(&bins, 0, Some(Bin { min: 10.0, step: 0.5 }), &mut value);
        assert_eq!((text.as_str(), value.as_str()), ("11,11.5", "[11,11.5]"));
        assert_eq!(quoted("a\"b\n\u{1}"), r#""a\"b\n\u0001""#);
    }
}
