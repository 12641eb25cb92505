//! Rows as JSON-safe objects for JS: one object per row, keyed by column name
//! in column order, values as JSON can hold them.
//!
//! Representation (documented in the README):
//! - integers are numbers; outside ±2^53 (where a JS number is inexact) they
//!   are strings of their decimal digits;
//! - floats are numbers (`NaN`/`Infinity` stay JS numbers; `JSON.stringify`
//!   turns them into `null`, so [`Rows::json_text`] writes them as the
//!   strings `"NaN"`, `"Infinity"`, `"-Infinity"` instead);
//! - dates are `"YYYY-MM-DD"` strings, timestamps ISO 8601 strings (see
//!   [`crate::format`]), with `Z` when the column's values carried a zone;
//! - nulls are `null`.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::format;
/// Largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_JS_INTEGER: u64 = (1 << 53) - 1;

/// Serializes the rows of `batches` as a sequence of objects.
pub struct Rows<'a> {
    batches: &'a [RecordBatch],
    non_finite_as_text: bool,
}

impl<'a> Rows<'a> {
    /// For JS values: non-finite floats stay numbers.
    pub fn new(batches: &'a [RecordBatch]) -> Self {
        Rows { batches, non_finite_as_text: false }
    }

    /// For JSON text, which has no NaN or infinities: those become strings.
    pub fn json_text(batches: &'a [RecordBatch]) -> Self {
        Rows { batches, non_finite_as_text: true }
    }
}

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let count = self.batches.iter().map(RecordBatch::num_rows).sum();
        let mut seq = serializer.serialize_seq(Some(count))?;
        for batch in self.batches {
            for row in 0..batch.num_rows() {
                seq.serialize_element(&Row { batch, row, non_finite_as_text: self.non_finite_as_text })?;
            }
        }
        seq.end()
    }
}

struct Row<'a> {
    batch: &'a RecordBatch,
    row: usize,
    non_finite_as_text: bool,
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let schema = self.batch.schema_ref();
        let mut map = serializer.serialize_map(Some(schema.fields().len()))?;
        for (field, column) in schema.fields().iter().zip(self.batch.columns()) {
            match cell(column.as_ref(), self.row) {
                Cell::Float(v) if self.non_finite_as_text && !v.is_finite() => {
                    map.serialize_entry(field.name(), non_finite_text(v))?
                }
                value => map.serialize_entry(field.name(), &value)?,
            }
        }
        map.end()
    }
}

fn non_finite_text(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// One value, typed, as read from an array.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Null,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    Text(&'a str),
    Date(i32),
    Timestamp { micros: i64, zoned: bool },
}

/// The value at `row` of `array` (any type the ingest produces).
pub fn cell(array: &dyn Array, row: usize) -> Cell<'_> {
    if array.is_null(row) {
        return Cell::Null;
    }
    match array.data_type() {
        DataType::Boolean => Cell::Boolean(array.as_boolean().value(row)),
        DataType::Int8 => Cell::Integer(array.as_primitive::<Int8Type>().value(row) as i64),
        DataType::Int16 => Cell::Integer(array.as_primitive::<Int16Type>().value(row) as i64),
        DataType::Int32 => Cell::Integer(array.as_primitive::<Int32Type>().value(row) as i64),
        DataType::Int64 => Cell::Integer(array.as_primitive::<Int64Type>().value(row)),
        DataType::Float32 => Cell::Float(array.as_primitive::<Float32Type>().value(row) as f64),
        DataType::Float64 => Cell::Float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Date32 => Cell::Date(array.as_primitive::<Date32Type>().value(row)),
        DataType::Timestamp(_, zone) => Cell::Timestamp {
            micros: array.as_primitive::<TimestampMicrosecondType>().value(row),
            zoned: zone.is_some(),
        },
        DataType::Utf8 => Cell::Text(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Cell::Text(array.as_string::<i64>().value(row)),
        DataType::Dictionary(_, _) => {
            let dictionary = array.as_any_dictionary();
            let key = match cell(dictionary.keys(), row) {
                Cell::Integer(k) => k as usize,
                _ => return Cell::Null,
            };
            cell(dictionary.values().as_ref(), key)
        }
        _ => Cell::Null,
    }
}

impl Serialize for Cell<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Cell::Null => serializer.serialize_none(),
            Cell::Boolean(v) => serializer.serialize_bool(v),
            Cell::Integer(v) if v.unsigned_abs() <= MAX_SAFE_JS_INTEGER => serializer.serialize_i64(v),
            Cell::Integer(v) => serializer.collect_str(&v),
            Cell::Float(v) => serializer.serialize_f64(v),
            Cell::Text(v) => serializer.serialize_str(v),
            Cell::Date(days) => {
                let mut text = String::new();
                format::format_date(days, &mut text);
                serializer.serialize_str(&text)
            }
            Cell::Timestamp { micros, zoned } => {
                let mut text = String::new();
                format::format_timestamp(micros, zoned, &mut text);
                serializer.serialize_str(&text)
            }
        }
    }
}
