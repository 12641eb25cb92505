//! What kind of values a column holds, and a column's values read in a
//! common domain: integers as i64, numbers as f64, dates and timestamps as
//! UTC microseconds, text as plain strings.
//!
//! [`ColumnKind`] (defined with the ingest options, where the reader infers
//! it) is the one vocabulary: the ingest, table descriptions, profiles and
//! every kernel's type checks and messages name kinds with it. Comparisons
//! that treat dates and timestamps alike ask [`ColumnKind::is_time`].
//!
//! What must change together: a new Arrow type the ingest builds needs a
//! kind here and a read in each `fn` below.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array};
use arrow_schema::DataType;

use crate::calendar::MICROS_PER_DAY;
use crate::error::Result;
pub use crate::ingest::ColumnKind;
use crate::ingest::widen::as_int64;

impl ColumnKind {
    /// Integers and floats.
    pub fn is_number(self) -> bool {
        matches!(self, ColumnKind::Integer | ColumnKind::Float)
    }

    /// Dates and timestamps (compared as UTC microseconds).
    pub fn is_time(self) -> bool {
        matches!(self, ColumnKind::Date | ColumnKind::Timestamp)
    }
}

/// The kind of an array's values.
pub fn kind(array: &dyn Array) -> ColumnKind {
    ColumnKind::of(array.data_type())
}

/// Integer values as i64.
pub fn integers(array: &dyn Array) -> Int64Array {
    as_int64(array)
}

/// Number values as f64 (integers convert exactly up to 2^53).
pub fn floats(array: &dyn Array) -> Float64Array {
    match array.data_type() {
        DataType::Float64 => array.as_primitive::<Float64Type>().clone(),
        _ => integers(array).unary(|v| v as f64),
    }
}

/// Date or timestamp values as UTC microseconds.
pub fn micros(array: &dyn Array) -> Int64Array {
    match array.data_type() {
        DataType::Date32 => array.as_primitive::<Date32Type>().unary(|d| d as i64 * MICROS_PER_DAY),
        DataType::Timestamp(_, _) => array.as_primitive::<TimestampMicrosecondType>().reinterpret_cast::<Int64Type>(),
        other => unreachable!("{other} is not a time type"),
    }
}

/// Whether the array is text (plain `Utf8` or a dictionary of it).
pub fn is_text(array: &dyn Array) -> bool {
    kind(array) == ColumnKind::String
}

/// A text column as plain (not dictionary-encoded) strings.
pub fn plain_text(array: &ArrayRef) -> Result<ArrayRef> {
    match array.data_type() {
        DataType::Dictionary(_, _) => {
            let dictionary = array.as_any_dictionary();
            super::select::take(dictionary.values().as_ref(), dictionary.keys())
        }
        _ => Ok(array.clone()),
    }
}

/// A dictionary's keys as i64 (row by row; a null key's value is meaningless).
pub fn dictionary_keys(array: &dyn Array) -> Option<Int64Array> {
    let dictionary = array.as_any_dictionary_opt()?;
    Some(integers(dictionary.keys()))
}

/// Numbers as an `ArrayRef` of f64 (for results).
pub fn float_array(array: &dyn Array) -> ArrayRef {
    Arc::new(floats(array))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_the_types_the_ingest_builds() {
        let dictionary = DataType::Dictionary(Box::new(DataType::Int16), Box::new(DataType::Utf8));
        for (data_type, kind) in [
            (DataType::Int8, ColumnKind::Integer),
            (DataType::Float64, ColumnKind::Float),
            (DataType::Date32, ColumnKind::Date),
            (DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, Some("UTC".into())), ColumnKind::Timestamp),
            (DataType::Utf8, ColumnKind::String),
            (dictionary, ColumnKind::String),
            (DataType::Boolean, ColumnKind::Boolean),
        ] {
            assert_eq!(ColumnKind::of(&data_type), kind, "{data_type}");
        }
        assert!(ColumnKind::Date.is_time() && ColumnKind::Timestamp.is_time() && !ColumnKind::Integer.is_time());
        assert!(ColumnKind::Float.is_number() && !ColumnKind::String.is_number());
    }
}
