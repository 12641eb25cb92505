//! Columns and JSON values brought to a common domain so they can be
//! compared: integers as i64, floats as f64, dates and timestamps as UTC
//! microseconds, text as text (plain or dictionary), booleans as booleans.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, Int64Array};
use arrow_schema::DataType;
use serde_json::Value;

use crate::calendar::MICROS_PER_DAY;
use crate::error::{QuiverError, Result};
use crate::ingest::infer;
use crate::ingest::widen::as_int64;

/// What kind of values a column holds, for comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Float,
    Boolean,
    /// Dates and timestamps, compared as UTC microseconds.
    Time,
    Text,
}

impl Kind {
    pub fn of(data_type: &DataType) -> Kind {
        match data_type {
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => Kind::Integer,
            DataType::Float32 | DataType::Float64 => Kind::Float,
            DataType::Boolean => Kind::Boolean,
            DataType::Date32 | DataType::Timestamp(_, _) => Kind::Time,
            _ => Kind::Text,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Integer => "integer",
            Kind::Float => "float",
            Kind::Boolean => "boolean",
            Kind::Time => "date/timestamp",
            Kind::Text => "string",
        }
    }
}

/// A typed scalar read from JSON for a column.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Micros(i64),
    Text(String),
}

/// Reads `value` for a column of `kind` named `column`; `null` is `None`.
/// Numbers may come as numeric strings; times as ISO 8601 text (a date or a
/// date-time) or as epoch milliseconds (what JS `Date.getTime()` gives).
pub fn scalar(value: &Value, kind: Kind, column: &str) -> Result<Option<Scalar>> {
    let wrong = |expected: &str| {
        QuiverError::InvalidQuery(format!(
            "column \"{column}\" holds {} values; {value} is not {expected}",
            kind.name()
        ))
    };
    if value.is_null() {
        return Ok(None);
    }
    Ok(Some(match kind {
        Kind::Integer | Kind::Float => {
            let number = match value {
                Value::Number(n) => n.clone(),
                Value::String(s) => s.trim().parse::<serde_json::Number>().map_err(|_| wrong("a number"))?,
                _ => return Err(wrong("a number")),
            };
            match (kind, number.as_i64()) {
                (Kind::Integer, Some(i)) => Scalar::Integer(i),
                _ => Scalar::Float(number.as_f64().ok_or_else(|| wrong("a number"))?),
            }
        }
        Kind::Boolean => match value {
            Value::Bool(b) => Scalar::Boolean(*b),
            Value::String(s) if s == "true" || s == "false" => Scalar::Boolean(s == "true"),
            _ => return Err(wrong("true or false")),
        },
        Kind::Time => match value {
            Value::Number(n) => {
                let ms = n.as_f64().ok_or_else(|| wrong("a time"))?;
                Scalar::Micros((ms * 1000.0).round() as i64)
            }
            Value::String(s) => {
                let ts = infer::parse_timestamp(s.trim().as_bytes())
                    .ok_or_else(|| wrong("a date (YYYY-MM-DD), an ISO 8601 timestamp or epoch milliseconds"))?;
                Scalar::Micros(ts.micros)
            }
            _ => return Err(wrong("a date, a timestamp or epoch milliseconds")),
        },
        Kind::Text => match value {
            Value::String(s) => Scalar::Text(s.clone()),
            Value::Number(n) => Scalar::Text(n.to_string()),
            Value::Bool(b) => Scalar::Text(b.to_string()),
            _ => return Err(wrong("a string")),
        },
    }))
}

/// Integer column values as i64.
pub fn integers(column: &ArrayRef) -> Int64Array {
    as_int64(column.as_ref())
}

/// Numeric column values as f64.
pub fn floats(column: &ArrayRef) -> Float64Array {
    match column.data_type() {
        DataType::Float64 => column.as_primitive::<Float64Type>().clone(),
        _ => integers(column).unary(|v| v as f64),
    }
}

/// Date or timestamp column values as UTC microseconds.
pub fn micros(column: &ArrayRef) -> Int64Array {
    match column.data_type() {
        DataType::Date32 => column.as_primitive::<Date32Type>().unary(|d| d as i64 * MICROS_PER_DAY),
        DataType::Timestamp(_, _) => column.as_primitive::<TimestampMicrosecondType>().reinterpret_cast::<Int64Type>(),
        other => unreachable!("{other} is not a time type"),
    }
}

/// Booleans of a boolean column.
pub fn booleans(column: &ArrayRef) -> BooleanArray {
    column.as_boolean().clone()
}

/// Whether `column` is text (plain `Utf8` or a dictionary of it).
pub fn is_text(column: &dyn Array) -> bool {
    Kind::of(column.data_type()) == Kind::Text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_read_per_kind() {
        assert_eq!(scalar(&json!(3), Kind::Integer, "a").unwrap(), Some(Scalar::Integer(3)));
        assert_eq!(scalar(&json!(2.5), Kind::Integer, "a").unwrap(), Some(Scalar::Float(2.5)));
        assert_eq!(scalar(&json!("7"), Kind::Float, "a").unwrap(), Some(Scalar::Float(7.0)));
        assert_eq!(scalar(&json!(null), Kind::Float, "a").unwrap(), None);
        assert_eq!(scalar(&json!("2024-01-02"), Kind::Time, "a").unwrap(), Some(Scalar::Micros(19_724 * MICROS_PER_DAY)));
        assert_eq!(scalar(&json!(1000), Kind::Time, "a").unwrap(), Some(Scalar::Micros(1_000_000)));
        assert_eq!(scalar(&json!(5), Kind::Text, "a").unwrap(), Some(Scalar::Text("5".into())));
        let err = scalar(&json!("abc"), Kind::Integer, "qty").unwrap_err().to_string();
        assert_eq!(err, "Invalid query: column \"qty\" holds integer values; \"abc\" is not a number");
        assert!(scalar(&json!("soon"), Kind::Time, "at").is_err());
        assert!(scalar(&json!([1]), Kind::Text, "s").is_err());
    }
}
