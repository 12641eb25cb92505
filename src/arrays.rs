//! `take` and `concat` for the column types Quiver builds (integers, Float64,
//! Boolean, Date32, Timestamp(µs), Utf8, and Utf8 dictionaries).
//!
//! Hand-written instead of arrow-select's `take` and `concat` for one
//! measured reason: those dispatch over every Arrow type, and the generic
//! paths we never use (run-end encoding pulls in `make_comparator`,
//! dictionary merging pulls in `interleave`) were about 700 KB of the wasm,
//! pushing it past its 1 MB gzip budget. The arrays here are built with
//! arrow-array's builders and constructors.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, ArrowPrimitiveType, Date32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, UInt32Type, UInt64Type,
};
use arrow_array::{
    new_null_array, Array, ArrayRef, BooleanArray, DictionaryArray, PrimitiveArray, RecordBatch, RecordBatchOptions,
    StringArray,
};
use arrow_buffer::{BooleanBufferBuilder, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, SchemaRef};

use crate::error::{QuiverError, Result};

/// Row positions from any integer array (null stays null).
fn positions(indices: &dyn Array) -> Vec<Option<usize>> {
    fn of<T: ArrowPrimitiveType>(a: &dyn Array) -> Vec<Option<usize>>
    where
        T::Native: TryInto<usize>,
    {
        a.as_primitive::<T>().iter().map(|v| v.and_then(|v| v.try_into().ok())).collect()
    }
    match indices.data_type() {
        DataType::UInt32 => of::<UInt32Type>(indices),
        DataType::UInt64 => of::<UInt64Type>(indices),
        DataType::Int8 => of::<Int8Type>(indices),
        DataType::Int16 => of::<Int16Type>(indices),
        DataType::Int32 => of::<Int32Type>(indices),
        DataType::Int64 => of::<Int64Type>(indices),
        other => unreachable!("{other} cannot index rows"),
    }
}

/// The values of `array` at `indices` (a null index gives a null).
pub fn take(array: &dyn Array, indices: &dyn Array) -> Result<ArrayRef> {
    take_at(array, &positions(indices))
}

fn take_at(array: &dyn Array, at: &[Option<usize>]) -> Result<ArrayRef> {
    fn primitive<T: ArrowPrimitiveType>(array: &dyn Array, at: &[Option<usize>]) -> ArrayRef {
        let values = array.as_primitive::<T>();
        let taken: PrimitiveArray<T> = at.iter().map(|i| i.filter(|&i| values.is_valid(i)).map(|i| values.value(i))).collect();
        Arc::new(taken.with_data_type(array.data_type().clone()))
    }
    fn dictionary<K: ArrowDictionaryKeyType>(array: &dyn Array, at: &[Option<usize>]) -> Result<ArrayRef> {
        let dictionary = array.as_dictionary::<K>();
        let keys = primitive::<K>(dictionary.keys(), at);
        Ok(Arc::new(DictionaryArray::<K>::try_new(keys.as_primitive::<K>().clone(), dictionary.values().clone())?))
    }
    Ok(match array.data_type() {
        DataType::Null => new_null_array(&DataType::Null, at.len()),
        DataType::Boolean => {
            let values = array.as_boolean();
            Arc::new(at.iter().map(|i| i.filter(|&i| values.is_valid(i)).map(|i| values.value(i))).collect::<BooleanArray>())
        }
        DataType::Int8 => primitive::<Int8Type>(array, at),
        DataType::Int16 => primitive::<Int16Type>(array, at),
        DataType::Int32 => primitive::<Int32Type>(array, at),
        DataType::Int64 => primitive::<Int64Type>(array, at),
        DataType::UInt32 => primitive::<UInt32Type>(array, at),
        DataType::UInt64 => primitive::<UInt64Type>(array, at),
        DataType::Float64 => primitive::<Float64Type>(array, at),
        DataType::Date32 => primitive::<Date32Type>(array, at),
        DataType::Timestamp(_, _) => primitive::<TimestampMicrosecondType>(array, at),
        DataType::Utf8 => {
            let values = array.as_string::<i32>();
            Arc::new(at.iter().map(|i| i.filter(|&i| values.is_valid(i)).map(|i| values.value(i))).collect::<StringArray>())
        }
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::Int8 => dictionary::<Int8Type>(array, at)?,
            DataType::Int16 => dictionary::<Int16Type>(array, at)?,
            DataType::Int32 => dictionary::<Int32Type>(array, at)?,
            other => return Err(unsupported(other)),
        },
        other => return Err(unsupported(other)),
    })
}

fn unsupported(data_type: &DataType) -> QuiverError {
    QuiverError::InvalidQuery(format!("columns of type {data_type} are not supported here"))
}

/// Rows `indices` of every column of `batch`.
pub fn take_record_batch(batch: &RecordBatch, indices: &dyn Array) -> Result<RecordBatch> {
    let at = positions(indices);
    let columns = batch.columns().iter().map(|c| take_at(c.as_ref(), &at)).collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new_with_options(batch.schema(), columns, &RecordBatchOptions::new().with_row_count(Some(at.len())))?)
}

/// A dictionary column decoded to plain text.
pub fn decode_dictionary(array: &dyn Array) -> Result<ArrayRef> {
    let dictionary = array.as_any_dictionary();
    take(dictionary.values().as_ref(), dictionary.keys())
}

/// The arrays one after another (all of one type). Dictionaries sharing their
/// values (as one column's batches do) keep sharing them.
pub fn concat(arrays: &[&dyn Array]) -> Result<ArrayRef> {
    let Some(first) = arrays.first() else { return Err(QuiverError::InvalidQuery("nothing to concatenate".into())) };
    fn primitive<T: ArrowPrimitiveType>(arrays: &[&dyn Array]) -> ArrayRef {
        let total = arrays.iter().map(|a| a.len()).sum();
        let mut values = Vec::with_capacity(total);
        let mut nulls = NullBufferBuilder::new(total);
        for array in arrays {
            let typed = array.as_primitive::<T>();
            values.extend_from_slice(typed.values());
            match typed.nulls() {
                Some(n) => nulls.append_buffer(n),
                None => nulls.append_n_non_nulls(typed.len()),
            }
        }
        Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(values), nulls.finish()).with_data_type(arrays[0].data_type().clone()))
    }
    fn dictionary<K: ArrowDictionaryKeyType>(arrays: &[&dyn Array]) -> Result<ArrayRef> {
        let values = arrays[0].as_dictionary::<K>().values().clone();
        if arrays.iter().all(|a| Arc::ptr_eq(a.as_dictionary::<K>().values(), &values)) {
            let keys: Vec<&dyn Array> = arrays.iter().map(|a| a.as_dictionary::<K>().keys() as &dyn Array).collect();
            let keys = primitive::<K>(&keys);
            return Ok(Arc::new(DictionaryArray::<K>::try_new(keys.as_primitive::<K>().clone(), values)?));
        }
        let decoded = arrays.iter().map(|a| decode_dictionary(*a)).collect::<Result<Vec<_>>>()?;
        concat(&decoded.iter().map(|a| a.as_ref()).collect::<Vec<_>>())
    }
    Ok(match first.data_type() {
        DataType::Null => new_null_array(&DataType::Null, arrays.iter().map(|a| a.len()).sum()),
        DataType::Boolean => {
            let total = arrays.iter().map(|a| a.len()).sum();
            let mut values = BooleanBufferBuilder::new(total);
            let mut nulls = NullBufferBuilder::new(total);
            for array in arrays {
                let typed = array.as_boolean();
                values.append_buffer(typed.values());
                match typed.nulls() {
                    Some(n) => nulls.append_buffer(n),
                    None => nulls.append_n_non_nulls(typed.len()),
                }
            }
            Arc::new(BooleanArray::new(values.finish(), nulls.finish()))
        }
        DataType::Int8 => primitive::<Int8Type>(arrays),
        DataType::Int16 => primitive::<Int16Type>(arrays),
        DataType::Int32 => primitive::<Int32Type>(arrays),
        DataType::Int64 => primitive::<Int64Type>(arrays),
        DataType::Float64 => primitive::<Float64Type>(arrays),
        DataType::Date32 => primitive::<Date32Type>(arrays),
        DataType::Timestamp(_, _) => primitive::<TimestampMicrosecondType>(arrays),
        DataType::Utf8 => {
            let total = arrays.iter().map(|a| a.len()).sum();
            let mut offsets: Vec<i32> = Vec::with_capacity(total + 1);
            offsets.push(0);
            let mut bytes = Vec::new();
            let mut nulls = NullBufferBuilder::new(total);
            for array in arrays {
                let typed = array.as_string::<i32>();
                let (start, end) = (typed.value_offsets()[0], typed.value_offsets()[typed.len()]);
                let base = bytes.len() as i64 - start as i64;
                let shifted = typed.value_offsets()[1..].iter().map(|&o| i32::try_from(o as i64 + base));
                for offset in shifted {
                    offsets.push(offset.map_err(|_| QuiverError::InvalidQuery("a text column over 2 GB".into()))?);
                }
                bytes.extend_from_slice(&typed.value_data()[start as usize..end as usize]);
                match typed.nulls() {
                    Some(n) => nulls.append_buffer(n),
                    None => nulls.append_n_non_nulls(typed.len()),
                }
            }
            Arc::new(StringArray::try_new(OffsetBuffer::new(ScalarBuffer::from(offsets)), bytes.into(), nulls.finish())?)
        }
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::Int8 => dictionary::<Int8Type>(arrays)?,
            DataType::Int16 => dictionary::<Int16Type>(arrays)?,
            DataType::Int32 => dictionary::<Int32Type>(arrays)?,
            other => return Err(unsupported(other)),
        },
        other => return Err(unsupported(other)),
    })
}

/// The batches as one (all of `schema`).
pub fn concat_batches(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<RecordBatch> {
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    let columns = (0..schema.fields().len())
        .map(|c| concat(&batches.iter().map(|b| b.column(c).as_ref()).collect::<Vec<_>>()))
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new_with_options(schema.clone(), columns, &RecordBatchOptions::new().with_row_count(Some(rows)))?)
}

/// The rows where `mask` is true.
pub fn filter_record_batch(batch: &RecordBatch, mask: &BooleanArray) -> Result<RecordBatch> {
    let indices: PrimitiveArray<UInt32Type> = mask.values().set_indices().map(|i| i as u32).collect();
    take_record_batch(batch, &indices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int16Array, TimestampMicrosecondArray, UInt32Array};

    #[test]
    fn take_keeps_types_and_nulls() {
        let ts: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![Some(1), None, Some(3)]).with_timezone("UTC"));
        let taken = take(ts.as_ref(), &UInt32Array::from(vec![Some(2), None, Some(1), Some(0)])).unwrap();
        assert_eq!(taken.data_type(), ts.data_type());
        let values = taken.as_primitive::<TimestampMicrosecondType>();
        assert_eq!(values.iter().collect::<Vec<_>>(), [Some(3), None, None, Some(1)]);

        let dict: ArrayRef = crate::query::sort::dictionary(&[Some("a"), None, Some("b")]);
        let taken = take(dict.as_ref(), &Int16Array::from(vec![2, 0, 1])).unwrap();
        let decoded = decode_dictionary(taken.as_ref()).unwrap();
        assert_eq!(decoded.as_string::<i32>().iter().collect::<Vec<_>>(), [Some("b"), Some("a"), None]);
    }

    #[test]
    fn concat_joins_values_offsets_and_nulls() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None]));
        let b: ArrayRef = Arc::new(StringArray::from(vec![Some("yz")]).slice(0, 1));
        let joined = concat(&[a.as_ref(), b.as_ref()]).unwrap();
        assert_eq!(joined.as_string::<i32>().iter().collect::<Vec<_>>(), [Some("x"), None, Some("yz")]);
        let f: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), None]));
        let g: ArrayRef = Arc::new(Float64Array::from(vec![2.0]));
        let joined = concat(&[f.as_ref(), g.as_ref()]).unwrap();
        assert_eq!(joined.as_primitive::<Float64Type>().iter().collect::<Vec<_>>(), [Some(1.0), None, Some(2.0)]);
    }
}
