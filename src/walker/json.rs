//! Rows out: a JSON array of objects keyed by field, the shape Graphic
//! Walker's computation returns. Numbers are JSON numbers (integers beyond
//! ±2^53 as decimal text, non-finite floats as `null`), dates `YYYY-MM-DD`,
//! timestamps ISO 8601 (with `Z` for a zoned column), bins `[lo, hi]`.
//!
//! Written by hand into one string rather than through serde: Graphic
//! Walker's raw views ask for whole pages of rows, and this is the one copy
//! they cost before `JSON.parse` on the JS side.

use arrow_array::Array;

use super::Frame;
use crate::rows::{cell, Cell};

/// Largest integer a JS number holds exactly.
const MAX_SAFE_JS_INTEGER: u64 = (1 << 53) - 1;

/// The largest answer built: a bigger one would be copied into a JS string
/// and parsed into objects on the page, which can exhaust the tab's memory
/// (Graphic Walker asks for every row of a file for a scatter plot).
pub const MAX_ANSWER_BYTES: usize = 256 << 20;

/// Rows `offset .. offset + len` of `frame` as JSON, or an error when they
/// would be larger than `max_bytes` (estimated from the first rows, before
/// the rest is written).
pub fn rows_checked(frame: &Frame, offset: usize, len: usize, max_bytes: usize) -> crate::error::Result<String> {
    const SAMPLE: usize = 2000;
    if len > SAMPLE {
        let sample = rows(frame, offset, SAMPLE).len();
        let estimate = sample as f64 / SAMPLE as f64 * len as f64;
        if estimate > max_bytes as f64 {
            return Err(crate::error::QuiverError::InvalidQuery(format!(
                "this view asks for {len} rows of raw data (about {} MB as JSON), more than a page can hold \
                 (the limit is {} MB): filter or aggregate the data first",
                (estimate / 1e6).round(),
                max_bytes >> 20
            )));
        }
    }
    Ok(rows(frame, offset, len))
}

/// Rows `offset .. offset + len` of `frame`.
pub fn rows(frame: &Frame, offset: usize, len: usize) -> String {
    let schema = frame.batch.schema();
    let keys: Vec<String> = schema.fields().iter().map(|f| quoted(f.name())).collect();
    let bins: Vec<Option<super::Bin>> = schema.fields().iter().map(|f| frame.bins.get(f.name()).copied()).collect();
    let columns = frame.batch.columns();
    let mut out = String::with_capacity(len * (keys.len() * 16 + 2) + 2);
    out.push('[');
    for row in offset..offset + len {
        if row > offset {
            out.push(',');
        }
        out.push('{');
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&keys[i]);
            out.push(':');
            write_value(column.as_ref(), row, bins[i], &mut out);
        }
        out.push('}');
    }
    out.push(']');
    out
}

fn write_value(array: &dyn Array, row: usize, bin: Option<super::Bin>, out: &mut String) {
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
        Cell::Integer(i) if i.unsigned_abs() <= MAX_SAFE_JS_INTEGER => out.push_str(&i.to_string()),
        Cell::Integer(i) => {
            out.push('"');
            out.push_str(&i.to_string());
            out.push('"');
        }
        Cell::Float(f) => write_json_number(f, out),
        Cell::Text(t) => out.push_str(&quoted(t)),
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
pub fn cell_text(array: &dyn Array, row: usize, bin: Option<super::Bin>, out: &mut String) -> bool {
    match (bin, cell(array, row)) {
        (_, Cell::Null) => return false,
        (Some(b), Cell::Integer(i)) => {
            let (lo, hi) = b.bounds(i);
            write_number(lo, out);
            out.push(',');
            write_number(hi, out);
        }
        (_, Cell::Integer(i)) => out.push_str(&i.to_string()),
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
        use std::fmt::Write;
        let _ = write!(out, "{}", v as i128);
    } else {
        crate::format::format_float(v, out);
    }
}

/// `text` as a JSON string literal.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn rows_are_json_graphic_walker_reads() {
        let batch = arrow_array::RecordBatch::try_from_iter([
            ("a \"b\"", Arc::new(arrow_array::StringArray::from(vec![Some("x\ny"), None])) as arrow_array::ArrayRef),
            ("n", Arc::new(arrow_array::Float64Array::from(vec![1.5, f64::NAN]))),
            ("bin", Arc::new(arrow_array::Int32Array::from(vec![Some(2), None]))),
            ("big", Arc::new(arrow_array::Int64Array::from(vec![1 << 60, -3]))),
        ])
        .unwrap();
        let mut frame = Frame::new(batch);
        frame.bins.insert("bin".into(), super::super::Bin { min: 10.0, step: 0.5 });
        let text = rows(&frame, 0, 2);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!([
                {"a \"b\"": "x\ny", "n": 1.5, "bin": [11, 11.5], "big": "1152921504606846976"},
                {"a \"b\"": null, "n": null, "bin": null, "big": -3}
            ])
        );
        assert_eq!(rows(&frame, 1, 0), "[]");
    }
}
