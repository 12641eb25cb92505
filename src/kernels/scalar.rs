//! Typed values for comparisons and membership, read from JSON for a column
//! of a given kind. Two reading rules, chosen by the front-end:
//!
//! - [`Coercion::Lenient`] (Quiver's specs): numbers may come as numeric
//!   text, text as numbers or booleans, booleans as `"true"`/`"false"`; times
//!   as ISO 8601 text or epoch milliseconds (rounded to µs); a value that
//!   cannot be read is an error naming the column.
//! - [`Coercion::Strict`] (Graphic Walker's `one of` / `not in`, JavaScript
//!   `Set` equality): a value matches only a column of its own JSON type
//!   (times: ISO text, or epoch milliseconds truncated to µs); others are
//!   skipped, never an error.
//!
//! `null` reads as `None` either way (the caller's null policy decides).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::kind::ColumnKind;
use crate::error::{QuiverError, Result};
use crate::ingest::infer;

/// A typed value.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Integer(i64),
    Float(f64),
    Boolean(bool),
    /// A date or timestamp as UTC microseconds.
    Micros(i64),
    Text(String),
}

/// How JSON values are read for a column (see the module's comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Coercion {
    Lenient,
    Strict,
}

impl Scalar {
    /// Reads `value` for a column of `kind` named `column`: `Ok(None)` for
    /// `null` (and, under [`Coercion::Strict`], for a value of another type).
    pub fn from_json(value: &Value, kind: ColumnKind, column: &str, coercion: Coercion) -> Result<Option<Scalar>> {
        if value.is_null() {
            return Ok(None);
        }
        match coercion {
            Coercion::Lenient => lenient(value, kind, column).map(Some),
            Coercion::Strict => Ok(strict(value, kind)),
        }
    }
}

fn lenient(value: &Value, kind: ColumnKind, column: &str) -> Result<Scalar> {
    let wrong = |expected: &str| {
        QuiverError::InvalidQuery(format!("column \"{column}\" holds {} values; {value} is not {expected}", kind.name()))
    };
    Ok(match kind {
        ColumnKind::Integer | ColumnKind::Float => {
            let number = match value {
                Value::Number(n) => n.clone(),
                Value::String(s) => s.trim().parse::<serde_json::Number>().map_err(|_| wrong("a number"))?,
                _ => return Err(wrong("a number")),
            };
            match (kind, number.as_i64()) {
                (ColumnKind::Integer, Some(i)) => Scalar::Integer(i),
                _ => Scalar::Float(number.as_f64().ok_or_else(|| wrong("a number"))?),
            }
        }
        ColumnKind::Boolean => match value {
            Value::Bool(b) => Scalar::Boolean(*b),
            Value::String(s) if s == "true" || s == "false" => Scalar::Boolean(s == "true"),
            _ => return Err(wrong("true or false")),
        },
        ColumnKind::Date | ColumnKind::Timestamp => match value {
            Value::Number(n) => {
                let ms = n.as_f64().ok_or_else(|| wrong("a time"))?;
                Scalar::Micros((ms * 1000.0).round() as i64)
            }
            Value::String(s) => Scalar::Micros(
                parse_time(s).ok_or_else(|| wrong("a date (YYYY-MM-DD), an ISO 8601 timestamp or epoch milliseconds"))?,
            ),
            _ => return Err(wrong("a date, a timestamp or epoch milliseconds")),
        },
        ColumnKind::String => match value {
            Value::String(s) => Scalar::Text(s.clone()),
            Value::Number(n) => Scalar::Text(n.to_string()),
            Value::Bool(b) => Scalar::Text(b.to_string()),
            _ => return Err(wrong("a string")),
        },
    })
}

fn strict(value: &Value, kind: ColumnKind) -> Option<Scalar> {
    Some(match (kind, value) {
        (ColumnKind::Integer | ColumnKind::Float, Value::Number(n)) => match n.as_i64() {
            Some(i) => Scalar::Integer(i),
            None => Scalar::Float(n.as_f64()?),
        },
        (ColumnKind::Boolean, Value::Bool(b)) => Scalar::Boolean(*b),
        (ColumnKind::String, Value::String(s)) => Scalar::Text(s.clone()),
        // Times are listed as the text rows show them, or as epoch ms.
        (ColumnKind::Date | ColumnKind::Timestamp, Value::String(s)) => Scalar::Micros(parse_time(s)?),
        (ColumnKind::Date | ColumnKind::Timestamp, Value::Number(n)) => Scalar::Micros((n.as_f64()? * 1000.0) as i64),
        _ => return None,
    })
}

/// A date or ISO 8601 timestamp as UTC microseconds.
fn parse_time(text: &str) -> Option<i64> {
    infer::parse_timestamp(text.trim().as_bytes()).map(|t| t.micros)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::MICROS_PER_DAY;
    use serde_json::json;

    fn read(value: Value, kind: ColumnKind) -> Option<Scalar> {
        Scalar::from_json(&value, kind, "a", Coercion::Lenient).unwrap()
    }

    #[test]
    fn values_read_per_kind() {
        assert_eq!(read(json!(3), ColumnKind::Integer), Some(Scalar::Integer(3)));
        assert_eq!(read(json!(2.5), ColumnKind::Integer), Some(Scalar::Float(2.5)));
        assert_eq!(read(json!("7"), ColumnKind::Float), Some(Scalar::Float(7.0)));
        assert_eq!(read(json!(null), ColumnKind::Float), None);
        assert_eq!(read(json!("2024-01-02"), ColumnKind::Date), Some(Scalar::Micros(19_724 * MICROS_PER_DAY)));
        assert_eq!(read(json!(1000), ColumnKind::Timestamp), Some(Scalar::Micros(1_000_000)));
        assert_eq!(read(json!(5), ColumnKind::String), Some(Scalar::Text("5".into())));
        let err = Scalar::from_json(&json!("abc"), ColumnKind::Integer, "qty", Coercion::Lenient).unwrap_err().to_string();
        assert_eq!(err, "Invalid query: column \"qty\" holds integer values; \"abc\" is not a number");
        assert!(Scalar::from_json(&json!("soon"), ColumnKind::Date, "at", Coercion::Lenient).is_err());
        assert!(Scalar::from_json(&json!([1]), ColumnKind::String, "s", Coercion::Lenient).is_err());
    }

    #[test]
    fn strict_reading_matches_only_a_values_own_type() {
        let strict = |value: Value, kind| Scalar::from_json(&value, kind, "a", Coercion::Strict).unwrap();
        assert_eq!(strict(json!("5"), ColumnKind::Integer), None);
        assert_eq!(strict(json!(5), ColumnKind::String), None);
        assert_eq!(strict(json!("true"), ColumnKind::Boolean), None);
        assert_eq!(strict(json!(1.5), ColumnKind::Float), Some(Scalar::Float(1.5)));
        assert_eq!(strict(json!(1.9), ColumnKind::Timestamp), Some(Scalar::Micros(1900)));
        assert_eq!(strict(json!("x"), ColumnKind::Date), None);
    }
}
