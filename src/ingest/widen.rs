//! Converting a column's earlier arrays when its type widens or its storage
//! changes: integers (and dictionary keys) to wider integers or to floats,
//! dates to timestamps, all-null placeholders to typed nulls, and any value
//! to its text.
//!
//! Written on arrow-array's `unary` kernel rather than with arrow-cast: these
//! few conversions are all the lattice needs, and arrow-cast's full cast
//! matrix (decimals, intervals, parsing) would add several hundred KB to the
//! wasm.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType,
};
use arrow_array::{new_null_array, Array, ArrayRef, Int64Array, StringArray};
use arrow_schema::DataType;

use super::options::ColumnKind;
use crate::calendar::MICROS_PER_DAY;
use crate::error::Result;
use crate::format;


/// Converts `chunk` to `storage`. Every value fits by construction: the
/// column chose `storage` knowing all of its values.
pub fn to_storage(chunk: &ArrayRef, storage: &DataType) -> Result<ArrayRef> {
    let from = chunk.data_type();
    Ok(match (from, storage) {
        _ if from == storage => chunk.clone(),
        (DataType::Null, _) => new_null_array(storage, chunk.len()),
        (DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64, _) => {
            from_int64(&as_int64(chunk.as_ref()), storage)
        }
        (DataType::Date32, DataType::Timestamp(_, zone)) => Arc::new(
            chunk
                .as_primitive::<Date32Type>()
                .unary::<_, TimestampMicrosecondType>(|days| days as i64 * MICROS_PER_DAY)
                .with_timezone_opt(zone.clone()),
        ),
        (DataType::Timestamp(_, _), DataType::Timestamp(_, zone)) => {
            Arc::new(chunk.as_primitive::<TimestampMicrosecondType>().clone().with_timezone_opt(zone.clone()))
        }
        _ => unreachable!("no conversion from {from} to {storage} in the type lattice"),
    })
}

/// Dates or timestamps with day and month swapped (see
/// [`super::infer::swap_day_month`]); nulls stay nulls.
pub fn swap_day_month(array: &ArrayRef) -> Result<ArrayRef> {
    use super::infer::swap_day_month as swap;
    Ok(match array.data_type() {
        DataType::Date32 => Arc::new(array.as_primitive::<Date32Type>().unary::<_, Date32Type>(swap)),
        DataType::Timestamp(_, zone) => Arc::new(
            array
                .as_primitive::<TimestampMicrosecondType>()
                .unary::<_, TimestampMicrosecondType>(|micros| {
                    let days = micros.div_euclid(MICROS_PER_DAY);
                    swap(days as i32) as i64 * MICROS_PER_DAY + micros.rem_euclid(MICROS_PER_DAY)
                })
                .with_timezone_opt(zone.clone()),
        ),
        _ => array.clone(),
    })
}

/// Any integer array as i64 values.
pub fn as_int64(array: &dyn Array) -> Int64Array {
    match array.data_type() {
        DataType::Int8 => array.as_primitive::<Int8Type>().unary(|v| v as i64),
        DataType::Int16 => array.as_primitive::<Int16Type>().unary(|v| v as i64),
        DataType::Int32 => array.as_primitive::<Int32Type>().unary(|v| v as i64),
        DataType::Int64 => array.as_primitive::<Int64Type>().clone(),
        other => unreachable!("{other} is not an integer type"),
    }
}

/// i64 values as `to` (an integer type they fit, or Float64).
fn from_int64(values: &Int64Array, to: &DataType) -> ArrayRef {
    match to {
        DataType::Int8 => Arc::new(values.unary::<_, Int8Type>(|v| v as i8)),
        DataType::Int16 => Arc::new(values.unary::<_, Int16Type>(|v| v as i16)),
        DataType::Int32 => Arc::new(values.unary::<_, Int32Type>(|v| v as i32)),
        DataType::Int64 => Arc::new(values.clone()),
        DataType::Float64 => Arc::new(values.unary::<_, Float64Type>(|v| v as f64)),
        other => unreachable!("integers do not widen to {other}"),
    }
}

/// The text of every value of `chunk` (of `kind`), as [`format`] writes it.
pub fn render_text(chunk: &ArrayRef, kind: ColumnKind, zoned: bool) -> StringArray {
    let integers = (kind == ColumnKind::Integer).then(|| as_int64(chunk.as_ref()));
    let mut text = String::new();
    (0..chunk.len())
        .map(|i| {
            if chunk.is_null(i) {
                return None;
            }
            text.clear();
            match kind {
                ColumnKind::Boolean => text.push_str(if chunk.as_boolean().value(i) { "true" } else { "false" }),
                ColumnKind::Integer => text.push_str(&integers.as_ref().map_or(0, |v| v.value(i)).to_string()),
                ColumnKind::Float => format::format_float(chunk.as_primitive::<Float64Type>().value(i), &mut text),
                ColumnKind::Date => format::format_date(chunk.as_primitive::<Date32Type>().value(i), &mut text),
                ColumnKind::Timestamp => format::format_timestamp(
                    chunk.as_primitive::<TimestampMicrosecondType>().value(i),
                    zoned,
                    &mut text,
                ),
                ColumnKind::String => unreachable!("text is not rendered again"),
            }
            Some(text.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Date32Array, Int16Array, Int8Array};
    use arrow_schema::TimeUnit;

    #[test]
    fn integers_widen_without_change() {
        let a: ArrayRef = Arc::new(Int8Array::from(vec![Some(-128), None, Some(127)]));
        let b = to_storage(&a, &DataType::Int32).unwrap();
        assert_eq!(b.as_primitive::<Int32Type>().iter().collect::<Vec<_>>(), [Some(-128), None, Some(127)]);
        let f = to_storage(&a, &DataType::Float64).unwrap();
        assert_eq!(f.as_primitive::<Float64Type>().iter().collect::<Vec<_>>(), [Some(-128.0), None, Some(127.0)]);
    }

    #[test]
    fn dates_become_midnight_timestamps() {
        let a: ArrayRef = Arc::new(Date32Array::from(vec![Some(1), None]));
        let t = to_storage(&a, &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))).unwrap();
        assert_eq!(t.as_primitive::<TimestampMicrosecondType>().value(0), MICROS_PER_DAY);
        assert!(t.is_null(1));
    }

    #[test]
    fn values_render_as_text() {
        let a: ArrayRef = Arc::new(Int16Array::from(vec![Some(-5), None]));
        let text = render_text(&a, ColumnKind::Integer, false);
        assert_eq!(text.iter().collect::<Vec<_>>(), [Some("-5"), None]);
    }
}
