//! Rows out: a JSON array of objects keyed by field, the shape Graphic
//! Walker's computation returns. Numbers are JSON numbers (integers beyond
//! ±2^53 as decimal text, non-finite floats as `null`), dates `YYYY-MM-DD`,
//! timestamps ISO 8601 (with `Z` for a zoned column), bins `[lo, hi]`.
//!
//! Written by hand into one string rather than through serde: Graphic
//! Walker's raw views ask for whole pages of rows, and this is the one copy
//! they cost before `JSON.parse` on the JS side.

use arrow_array::cast::AsArray;
use arrow_array::{Array, BooleanArray, StringArray};

use super::Frame;

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

/// One shown field: its key, values, bins and companions.
struct Shown<'a> {
    key: String,
    column: &'a dyn Array,
    bin: Option<super::Bin>,
    /// Rows where the field is absent (its key left out).
    absent: Option<&'a BooleanArray>,
    /// The values as JSON text, written instead of `column`'s.
    json: Option<&'a StringArray>,
}

/// Rows `offset .. offset + len` of `frame`. Hidden columns are not shown;
/// a field's companions ([`super::absent_name`], [`super::json_name`]) leave
/// its key out or give its JSON.
pub fn rows(frame: &Frame, offset: usize, len: usize) -> String {
    let schema = frame.batch.schema();
    let companion = |name: String| frame.batch.column_by_name(&name);
    let shown: Vec<Shown> = schema
        .fields()
        .iter()
        .zip(frame.batch.columns())
        .filter(|(f, _)| !super::is_hidden(f.name()))
        .map(|(f, column)| Shown {
            key: quoted(f.name()),
            column: column.as_ref(),
            bin: frame.bins.get(f.name()).copied(),
            absent: companion(super::absent_name(f.name())).and_then(|c| c.as_boolean_opt()),
            json: companion(super::json_name(f.name())).and_then(|c| c.as_string_opt::<i32>()),
        })
        .collect();
    let mut out = String::with_capacity(len * (shown.len() * 16 + 2) + 2);
    out.push('[');
    for row in offset..offset + len {
        if row > offset {
            out.push(',');
        }
        out.push('{');
        let mut first = true;
        for field in &shown {
            if field.absent.is_some_and(|a| a.is_valid(row) && a.value(row)) {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&field.key);
            out.push(':');
            match field.json {
                Some(json) if json.is_valid(row) => out.push_str(json.value(row)),
                _ => write_value(field.column, row, field.bin, &mut out),
            }
        }
        out.push('}');
    }
    out.push(']');
    out
}

pub use crate::kernels::text::{quoted, write_json_number, write_number, write_value, write_text as cell_text};

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
