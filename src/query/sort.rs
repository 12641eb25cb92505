//! Stable multi-key sorts to a row order (a permutation of row indices).
//!
//! The general path is arrow-row: each key column becomes byte-comparable
//! rows (direction and null placement included), and indices sort by those
//! bytes, ties broken by row index, which makes the sort stable.
//!
//! One key on a number, date or timestamp column takes a specialised path
//! (measured about 3× faster on 1M floats in Chromium than row bytes): each
//! value becomes a `u64` whose unsigned order is the value order, and
//! `(key, index)` pairs sort with `sort_unstable`, equal keys ordered by index.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_row::{RowConverter, SortField};
use arrow_schema::{DataType, SortOptions};

use super::domain::{self, Kind};
use super::filter::column;
use super::spec::{NullsOrder, SortKey};
use crate::error::Result;

/// `rows` (all rows when `None`) in the order `keys` give.
pub fn sort(batch: &RecordBatch, keys: &[SortKey], rows: Option<Vec<u32>>) -> Result<Vec<u32>> {
    let rows = rows.unwrap_or_else(|| (0..batch.num_rows() as u32).collect());
    if keys.is_empty() {
        return Ok(rows);
    }
    if let [key] = keys {
        let array = column(batch, &key.column)?;
        if let Some(order_keys) = order_keys(array) {
            return Ok(sort_by_u64(rows, array.as_ref(), &order_keys, key));
        }
    }
    sort_by_rows(batch, keys, rows)
}

/// Order-preserving u64 encodings of a number/time column's values.
fn order_keys(array: &ArrayRef) -> Option<Vec<u64>> {
    const SIGN: u64 = 1 << 63;
    Some(match Kind::of(array.data_type()) {
        Kind::Integer => domain::integers(array).values().iter().map(|&v| v as u64 ^ SIGN).collect(),
        Kind::Time => domain::micros(array).values().iter().map(|&v| v as u64 ^ SIGN).collect(),
        Kind::Float => domain::floats(array).values().iter().map(|&v| float_order(v)).collect(),
        Kind::Boolean | Kind::Text => return None,
    })
}

/// Floats in numeric order; -0 equals 0 and every NaN sorts above +∞ (as in
/// SQL engines).
pub(crate) fn float_order(v: f64) -> u64 {
    let v = if v == 0.0 { 0.0 } else if v.is_nan() { f64::NAN } else { v };
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn sort_by_u64(rows: Vec<u32>, array: &dyn Array, keys: &[u64], key: &SortKey) -> Vec<u32> {
    let (mut valid, nulls): (Vec<u32>, Vec<u32>) = rows.into_iter().partition(|&r| array.is_valid(r as usize));
    let flip = if key.descending { u64::MAX } else { 0 };
    let mut pairs: Vec<(u64, u32)> = valid.iter().map(|&r| (keys[r as usize] ^ flip, r)).collect();
    pairs.sort_unstable();
    valid.clear();
    valid.extend(pairs.into_iter().map(|(_, r)| r));
    match key.nulls {
        NullsOrder::First => nulls.into_iter().chain(valid).collect(),
        NullsOrder::Last => valid.into_iter().chain(nulls).collect(),
    }
}

fn sort_by_rows(batch: &RecordBatch, keys: &[SortKey], mut rows: Vec<u32>) -> Result<Vec<u32>> {
    let mut fields = Vec::with_capacity(keys.len());
    let mut columns = Vec::with_capacity(keys.len());
    for key in keys {
        let array = comparable(column(batch, &key.column)?, key.case_insensitive);
        let options = SortOptions { descending: key.descending, nulls_first: key.nulls == NullsOrder::First };
        fields.push(SortField::new_with_options(array.data_type().clone(), options));
        columns.push(array);
    }
    let converter = RowConverter::new(fields)?;
    let encoded = converter.convert_columns(&columns)?;
    rows.sort_unstable_by(|&a, &b| encoded.row(a as usize).cmp(&encoded.row(b as usize)).then(a.cmp(&b)));
    Ok(rows)
}

/// The column as it should compare: text lower-cased when case is ignored,
/// floats with -0 made 0 and NaNs made one NaN.
fn comparable(array: &ArrayRef, case_insensitive: bool) -> ArrayRef {
    match array.data_type() {
        DataType::Float64 => Arc::new(domain::floats(array).unary::<_, arrow_array::types::Float64Type>(|v| {
            if v == 0.0 {
                0.0
            } else if v.is_nan() {
                f64::NAN
            } else {
                v
            }
        })),
        DataType::Utf8 if case_insensitive => Arc::new(lowercase(array.as_string::<i32>())),
        DataType::Dictionary(_, _) if case_insensitive => {
            let dictionary = array.as_any_dictionary();
            let lowered: ArrayRef = Arc::new(lowercase(dictionary.values().as_string::<i32>()));
            dictionary.with_values(lowered)
        }
        _ => array.clone(),
    }
}

fn lowercase(values: &StringArray) -> StringArray {
    values.iter().map(|v| v.map(str::to_lowercase)).collect()
}

/// For tests: a dictionary column from strings.
#[cfg(test)]
pub(crate) fn dictionary(values: &[Option<&str>]) -> ArrayRef {
    let array: arrow_array::DictionaryArray<arrow_array::types::Int8Type> = values.iter().copied().collect();
    Arc::new(array)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int32Array};
    use arrow_schema::{Field, Schema};

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.into_iter().map(|(_, a)| a).collect()).unwrap()
    }

    fn key(column: &str, descending: bool, nulls: NullsOrder) -> SortKey {
        SortKey { column: column.into(), descending, nulls, case_insensitive: false }
    }

    #[test]
    fn floats_sort_numerically_with_nulls_and_nan_placed() {
        let b = batch(vec![("x", Arc::new(Float64Array::from(vec![Some(2.0), None, Some(f64::NAN), Some(-1.0), Some(-0.0), Some(0.0), Some(2.0)])))]);
        assert_eq!(sort(&b, &[key("x", false, NullsOrder::Last)], None).unwrap(), [3, 4, 5, 0, 6, 2, 1]);
        assert_eq!(sort(&b, &[key("x", true, NullsOrder::First)], None).unwrap(), [1, 2, 0, 6, 4, 5, 3]);
    }

    #[test]
    fn several_keys_and_stability() {
        let b = batch(vec![
            ("s", dictionary(&[Some("b"), Some("a"), Some("B"), None, Some("a")])),
            ("n", Arc::new(Int32Array::from(vec![1, 2, 3, 4, 1]))),
        ]);
        let by = |keys: &[SortKey]| sort(&b, keys, None).unwrap();
        assert_eq!(by(&[key("s", false, NullsOrder::Last)]), [2, 1, 4, 0, 3]);
        assert_eq!(by(&[key("s", false, NullsOrder::Last), key("n", false, NullsOrder::Last)]), [2, 4, 1, 0, 3]);
        let ci = SortKey { case_insensitive: true, ..key("s", false, NullsOrder::First) };
        assert_eq!(by(&[ci]), [3, 1, 4, 0, 2]);
        assert_eq!(by(&[key("n", true, NullsOrder::Last)]), [3, 2, 1, 0, 4]);
    }

    #[test]
    fn a_subset_of_rows_sorts_too() {
        let b = batch(vec![("n", Arc::new(Int32Array::from(vec![5, 4, 3, 2, 1])))]);
        assert_eq!(sort(&b, &[key("n", false, NullsOrder::Last)], Some(vec![0, 2, 4])).unwrap(), [4, 2, 0]);
    }
}
