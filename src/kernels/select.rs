//! Selections of rows, and the kernels that move rows: take, filter, concat;
//! and the one way a batch gets a column replaced or appended
//! ([`with_column`]).
//!
//! A [`Selection`] is the rows a query works on, in order: all of them, or
//! row indices (what a filter keeps, or a sorted view's order). Kernels read
//! the selected rows of whole columns instead of copying them first.
//!
//! Take, filter and concat are written here for the column types Quiver
//! builds (integers, Float64, Boolean, Date32, Timestamp(µs), Utf8 and Utf8
//! dictionaries, and the partial states' Decimal128 and lists) rather than
//! taken from arrow-select, for shipped size. Measured on the 1M-row sales
//! file (`examples/kernels_bench.rs`, median CPU time natively; the wasm
//! built by `scripts/build-wasm.sh` with `-O3`, gzip -9):
//!
//! | | wasm, gzipped | take a permutation of all 12 columns | filter 50 % of rows |
//! |---|---|---|---|
//! | element loops (before issue 12) | 953,826 B | 101.8 ms (4.2× arrow's) | 15.5 ms (2.9×) |
//! | arrow-select take, filter and concat | 1,283,813 B (+330 KB) | 24.5 ms | 5.4 ms |
//! | arrow-select take alone | 1,190,996 B (+237 KB) | | |
//! | these typed gathers | no change (README, "Size budget") | 0.92–1.39× arrow's per column, 1.07× for the batch | 0.92× |
//!
//! arrow-select's kernels dispatch over every Arrow type, and the generic
//! paths Quiver never uses (run-end encoding pulls in `make_comparator`,
//! dictionary merging `interleave`) do not fit the 1 MB budget. The gathers
//! below are the loops arrow-select runs for these types (an exact-size
//! gather of values, a bitmap of the taken nulls). Concatenating dictionary
//! parts that do not share their values is 6–13× slower than arrow-select's
//! (which merges the dictionaries): they are decoded.
//!
//! Concat keeps a dictionary shared by its parts (one column's batches) and
//! decodes dictionaries that differ, so a dictionary's values stay distinct,
//! which grouping relies on ([`super::group`]).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, ArrowPrimitiveType, Date32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, UInt32Type, UInt64Type,
};
use arrow_array::{
    new_null_array, Array, ArrayRef, BooleanArray, DictionaryArray, PrimitiveArray, RecordBatch, RecordBatchOptions,
    StringArray, UInt32Array,
};
use arrow_buffer::{BooleanBuffer, BooleanBufferBuilder, NullBuffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef, Schema, SchemaRef};

use crate::error::{QuiverError, Result};

/// The rows a query works on, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Every row of `n`, in order.
    All(usize),
    /// These rows, in this order.
    Rows(Vec<u32>),
}

impl Selection {
    pub fn len(&self) -> usize {
        match self {
            Selection::All(n) => *n,
            Selection::Rows(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` with each row index, in order.
    #[inline]
    pub fn for_each(&self, mut f: impl FnMut(usize)) {
        match self {
            Selection::All(n) => (0..*n).for_each(f),
            Selection::Rows(rows) => rows.iter().for_each(|&r| f(r as usize)),
        }
    }

    /// `f` of each row index, in order.
    #[inline]
    pub fn collect<T>(&self, f: impl FnMut(usize) -> T) -> Vec<T> {
        match self {
            Selection::All(n) => (0..*n).map(f).collect(),
            Selection::Rows(rows) => rows.iter().map(|&r| r as usize).map(f).collect(),
        }
    }

    /// The rows set in `mask`.
    pub fn of_mask(mask: &BooleanBuffer) -> Selection {
        Selection::Rows(mask.set_indices().map(|i| i as u32).collect())
    }

    /// The selected rows that are set in `mask` (a bitmap over all rows), in
    /// the selection's order.
    pub fn narrow(self, mask: &BooleanBuffer) -> Selection {
        match self {
            Selection::All(_) => Selection::of_mask(mask),
            Selection::Rows(mut rows) => {
                rows.retain(|&r| mask.value(r as usize));
                Selection::Rows(rows)
            }
        }
    }

    /// The row indices (all of them for [`Selection::All`]).
    pub fn into_rows(self) -> Vec<u32> {
        match self {
            Selection::All(n) => (0..n as u32).collect(),
            Selection::Rows(rows) => rows,
        }
    }

    /// Rows `offset .. offset + limit` of the selection.
    pub fn slice(self, offset: usize, limit: usize) -> Selection {
        let start = offset.min(self.len());
        let len = limit.min(self.len() - start);
        match self {
            Selection::All(_) => Selection::Rows((start as u32..(start + len) as u32).collect()),
            Selection::Rows(mut rows) => {
                rows.truncate(start + len);
                rows.drain(..start);
                Selection::Rows(rows)
            }
        }
    }
}

fn unsupported(data_type: &DataType) -> QuiverError {
    QuiverError::InvalidQuery(format!("columns of type {data_type} are not supported here"))
}

/// Row positions from any integer array, and which of them are null (a null
/// position reads row 0, masked by the nulls).
fn positions(indices: &dyn Array) -> (Vec<u32>, Option<NullBuffer>) {
    fn of<T: ArrowPrimitiveType>(a: &dyn Array) -> Vec<u32>
    where
        T::Native: TryInto<u32>,
    {
        let a = a.as_primitive::<T>();
        a.values().iter().enumerate().map(|(i, v)| if a.is_valid(i) { (*v).try_into().unwrap_or(u32::MAX) } else { 0 }).collect()
    }
    let rows = match indices.data_type() {
        DataType::UInt32 => of::<UInt32Type>(indices),
        DataType::UInt64 => of::<UInt64Type>(indices),
        DataType::Int8 => of::<Int8Type>(indices),
        DataType::Int16 => of::<Int16Type>(indices),
        DataType::Int32 => of::<Int32Type>(indices),
        DataType::Int64 => of::<Int64Type>(indices),
        other => unreachable!("{other} cannot index rows"),
    };
    (rows, indices.logical_nulls().filter(|n| n.null_count() > 0))
}

/// The values of `array` at `indices` (a null index gives a null).
pub fn take(array: &dyn Array, indices: &dyn Array) -> Result<ArrayRef> {
    if let (DataType::UInt32, 0) = (indices.data_type(), indices.null_count()) {
        return take_rows(array, indices.as_primitive::<UInt32Type>().values());
    }
    let (rows, nulls) = positions(indices);
    if array.is_empty() {
        // Only null indices can read an empty array.
        return Ok(new_null_array(array.data_type(), rows.len()));
    }
    take_at(array, &rows, nulls.as_ref())
}

/// The values of `array` at `rows`.
pub fn take_rows(array: &dyn Array, rows: &[u32]) -> Result<ArrayRef> {
    take_at(array, rows, None)
}

/// Gathers `rows` (null where `index_nulls` says so).
fn take_at(array: &dyn Array, rows: &[u32], index_nulls: Option<&NullBuffer>) -> Result<ArrayRef> {
    let nulls = taken_nulls(array.logical_nulls().as_ref(), rows, index_nulls);
    Ok(match array.data_type() {
        DataType::Null => new_null_array(&DataType::Null, rows.len()),
        DataType::Boolean => {
            let values = array.as_boolean().values();
            Arc::new(BooleanArray::new(BooleanBuffer::collect_bool(rows.len(), |i| values.value(rows[i] as usize)), nulls))
        }
        DataType::Int8 => primitive::<Int8Type>(array, rows, nulls),
        DataType::Int16 => primitive::<Int16Type>(array, rows, nulls),
        DataType::Int32 => primitive::<Int32Type>(array, rows, nulls),
        DataType::Int64 => primitive::<Int64Type>(array, rows, nulls),
        DataType::UInt32 => primitive::<UInt32Type>(array, rows, nulls),
        DataType::UInt64 => primitive::<UInt64Type>(array, rows, nulls),
        DataType::Float64 => primitive::<Float64Type>(array, rows, nulls),
        DataType::Date32 => primitive::<Date32Type>(array, rows, nulls),
        DataType::Timestamp(_, _) => primitive::<TimestampMicrosecondType>(array, rows, nulls),
        DataType::Utf8 => {
            let text = array.as_string::<i32>();
            let offsets = text.value_offsets();
            let data = text.value_data();
            let mut taken_offsets: Vec<i32> = Vec::with_capacity(rows.len() + 1);
            taken_offsets.push(0);
            let mut total: usize = 0;
            for &row in rows {
                let row = row as usize;
                total += (offsets[row + 1] - offsets[row]) as usize;
                taken_offsets.push(i32::try_from(total).map_err(|_| QuiverError::InvalidQuery("a text column over 2 GB".into()))?);
            }
            let mut bytes: Vec<u8> = Vec::with_capacity(total);
            for &row in rows {
                let row = row as usize;
                bytes.extend_from_slice(&data[offsets[row] as usize..offsets[row + 1] as usize]);
            }
            Arc::new(StringArray::try_new(OffsetBuffer::new(ScalarBuffer::from(taken_offsets)), bytes.into(), nulls)?)
        }
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::Int8 => dictionary::<Int8Type>(array, rows, nulls)?,
            DataType::Int16 => dictionary::<Int16Type>(array, rows, nulls)?,
            DataType::Int32 => dictionary::<Int32Type>(array, rows, nulls)?,
            other => return Err(unsupported(other)),
        },
        other => return Err(unsupported(other)),
    })
}

/// The nulls of the taken rows (and of null indices), `None` when none.
fn taken_nulls(nulls: Option<&NullBuffer>, rows: &[u32], index_nulls: Option<&NullBuffer>) -> Option<NullBuffer> {
    let taken = nulls
        .filter(|n| n.null_count() > 0)
        .map(|n| NullBuffer::new(BooleanBuffer::collect_bool(rows.len(), |i| n.is_valid(rows[i] as usize))));
    NullBuffer::union(taken.as_ref(), index_nulls).filter(|n| n.null_count() > 0)
}

/// The values at `rows`: collected into a `Vec` (an exact-size gather) and
/// handed to the array without a copy.
fn gather<T: Copy>(values: &[T], rows: &[u32]) -> ScalarBuffer<T>
where
    T: arrow_buffer::ArrowNativeType,
{
    let taken: Vec<T> = rows.iter().map(|&r| values[r as usize]).collect();
    ScalarBuffer::from(taken)
}

fn primitive<T: ArrowPrimitiveType>(array: &dyn Array, rows: &[u32], nulls: Option<NullBuffer>) -> ArrayRef {
    let taken = gather(array.as_primitive::<T>().values(), rows);
    Arc::new(PrimitiveArray::<T>::new(taken, nulls).with_data_type(array.data_type().clone()))
}

fn dictionary<K: ArrowDictionaryKeyType>(array: &dyn Array, rows: &[u32], nulls: Option<NullBuffer>) -> Result<ArrayRef> {
    let dictionary = array.as_dictionary::<K>();
    let keys = PrimitiveArray::<K>::new(gather(dictionary.keys().values(), rows), nulls);
    // SAFETY: every key was a key of `dictionary`, valid for its values
    // (`try_new` checks each key again: half the time of this take, measured).
    Ok(Arc::new(unsafe { DictionaryArray::<K>::new_unchecked(keys, dictionary.values().clone()) }))
}

/// Rows `indices` of every column of `batch`.
pub fn take_record_batch(batch: &RecordBatch, indices: &dyn Array) -> Result<RecordBatch> {
    let columns = batch.columns().iter().map(|c| take(c.as_ref(), indices)).collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new_with_options(batch.schema(), columns, &RecordBatchOptions::new().with_row_count(Some(indices.len())))?)
}

/// The selected rows of `batch`, as a new batch (a clone when all are).
pub fn take_selection(batch: &RecordBatch, rows: &Selection) -> Result<RecordBatch> {
    match rows {
        Selection::All(n) if *n == batch.num_rows() => Ok(batch.clone()),
        Selection::All(n) => Ok(batch.slice(0, *n)),
        Selection::Rows(rows) => {
            let columns = batch.columns().iter().map(|c| take_rows(c.as_ref(), rows)).collect::<Result<Vec<_>>>()?;
            Ok(RecordBatch::try_new_with_options(batch.schema(), columns, &RecordBatchOptions::new().with_row_count(Some(rows.len())))?)
        }
    }
}

/// The rows where `mask` is true.
pub fn filter_record_batch(batch: &RecordBatch, mask: &BooleanArray) -> Result<RecordBatch> {
    take_selection(batch, &Selection::of_mask(mask.values()))
}

/// A dictionary column decoded to plain text.
pub fn decode_dictionary(array: &dyn Array) -> Result<ArrayRef> {
    let dictionary = array.as_any_dictionary();
    take(dictionary.values().as_ref(), dictionary.keys())
}

/// The arrays one after another (all of one type). Dictionaries sharing their
/// values (as one column's batches do) keep sharing them; others are decoded.
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
    if arrays.iter().any(|a| a.data_type() != first.data_type()) {
        // Parts of one text column may be a dictionary and plain text (from
        // two partitions): plain text.
        if arrays.iter().all(|a| super::kind::is_text(*a)) {
            let plain = arrays
                .iter()
                .map(|a| if a.data_type() == &DataType::Utf8 { Ok(a.slice(0, a.len())) } else { decode_dictionary(*a) })
                .collect::<Result<Vec<_>>>()?;
            return concat(&plain.iter().map(|a| a.as_ref()).collect::<Vec<_>>());
        }
        // A part without values at all (type Null) takes the others' type.
        if let Some(typed) = arrays.iter().find(|a| a.data_type() != &DataType::Null) {
            let data_type = typed.data_type().clone();
            let parts: Vec<ArrayRef> = arrays
                .iter()
                .map(|a| if a.data_type() == &DataType::Null { new_null_array(&data_type, a.len()) } else { a.slice(0, a.len()) })
                .collect();
            if parts.iter().all(|p| p.data_type() == &data_type) {
                return concat(&parts.iter().map(|a| a.as_ref()).collect::<Vec<_>>());
            }
        }
        return Err(QuiverError::InvalidQuery(format!(
            "cannot concatenate {} and {}",
            first.data_type(),
            arrays.iter().find(|a| a.data_type() != first.data_type()).map_or(String::new(), |a| a.data_type().to_string())
        )));
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
        DataType::UInt32 => primitive::<UInt32Type>(arrays),
        DataType::UInt64 => primitive::<UInt64Type>(arrays),
        DataType::Float64 => primitive::<Float64Type>(arrays),
        DataType::Date32 => primitive::<Date32Type>(arrays),
        DataType::Timestamp(_, _) => primitive::<TimestampMicrosecondType>(arrays),
        DataType::Decimal128(_, _) => primitive::<arrow_array::types::Decimal128Type>(arrays),
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
        DataType::List(field) => {
            // Lists (partial states): offsets shifted, values concatenated.
            let lists: Vec<_> = arrays.iter().map(|a| a.as_list::<i32>()).collect();
            let mut lengths = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
            let mut values: Vec<ArrayRef> = Vec::with_capacity(lists.len());
            for list in &lists {
                let offsets = list.value_offsets();
                lengths.extend(offsets.windows(2).map(|w| (w[1] - w[0]) as usize));
                let (start, end) = (offsets[0] as usize, offsets[list.len()] as usize);
                values.push(list.values().slice(start, end - start));
            }
            let values = concat(&values.iter().map(|v| v.as_ref()).collect::<Vec<_>>())?;
            let field = Arc::new(Field::new(field.name(), values.data_type().clone(), true));
            Arc::new(arrow_array::ListArray::try_new(field, OffsetBuffer::from_lengths(lengths), values, None)?)
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
    // Parts may differ in types (a partition's dictionary, another's text):
    // the schema follows the concatenated columns.
    let fields: Vec<FieldRef> = schema
        .fields()
        .iter()
        .zip(&columns)
        .map(|(f, c)| {
            if f.data_type() == c.data_type() {
                f.clone()
            } else {
                Arc::new(f.as_ref().clone().with_data_type(c.data_type().clone()))
            }
        })
        .collect();
    batch(fields, columns, rows)
}

/// A batch from fields and columns, with an explicit row count (so a batch
/// without columns keeps its rows).
pub fn batch(fields: Vec<FieldRef>, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )?)
}

/// `batch` with the column `field` names set to `values`: the column of that
/// name replaced in place (as `{...row, [name]: value}` does), or appended.
/// The one place a column is replaced or appended.
pub fn with_column(batch: &RecordBatch, field: FieldRef, values: ArrayRef) -> Result<RecordBatch> {
    let schema = batch.schema();
    let mut fields: Vec<FieldRef> = schema.fields().iter().cloned().collect();
    let mut columns = batch.columns().to_vec();
    match fields.iter().position(|f| f.name() == field.name()) {
        Some(i) => {
            fields[i] = field;
            columns[i] = values;
        }
        None => {
            fields.push(field);
            columns.push(values);
        }
    }
    self::batch(fields, columns, batch.num_rows())
}

/// Row indices as an Arrow array (for IPC or `take`).
pub fn indices(rows: &[u32]) -> UInt32Array {
    UInt32Array::from(rows.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int16Array, TimestampMicrosecondArray};

    #[test]
    fn take_keeps_types_and_nulls() {
        let ts: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![Some(1), None, Some(3)]).with_timezone("UTC"));
        let taken = take(ts.as_ref(), &UInt32Array::from(vec![Some(2), None, Some(1), Some(0)])).unwrap();
        assert_eq!(taken.data_type(), ts.data_type());
        let values = taken.as_primitive::<TimestampMicrosecondType>();
        assert_eq!(values.iter().collect::<Vec<_>>(), [Some(3), None, None, Some(1)]);

        let dict: ArrayRef = super::super::order::dictionary(&[Some("a"), None, Some("b")]);
        let taken = take(dict.as_ref(), &Int16Array::from(vec![2, 0, 1])).unwrap();
        let decoded = decode_dictionary(taken.as_ref()).unwrap();
        assert_eq!(decoded.as_string::<i32>().iter().collect::<Vec<_>>(), [Some("b"), Some("a"), None]);

        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("x"), None, Some("yz")]));
        let taken = take_rows(text.as_ref(), &[2, 2, 1, 0]).unwrap();
        assert_eq!(taken.as_string::<i32>().iter().collect::<Vec<_>>(), [Some("yz"), Some("yz"), None, Some("x")]);
        // Only null indices can read an empty array.
        let empty: ArrayRef = Arc::new(Float64Array::from(Vec::<f64>::new()));
        assert_eq!(take(empty.as_ref(), &UInt32Array::from(vec![None, None])).unwrap().null_count(), 2);
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
        // A dictionary and plain text: plain text.
        let d = super::super::order::dictionary(&[Some("p")]);
        let joined = concat(&[a.as_ref(), d.as_ref()]).unwrap();
        assert_eq!(joined.as_string::<i32>().iter().collect::<Vec<_>>(), [Some("x"), None, Some("p")]);
    }

    #[test]
    fn selections_narrow_and_slice_in_order() {
        let mask = BooleanBuffer::from(vec![true, false, true, true]);
        assert_eq!(Selection::All(4).narrow(&mask), Selection::Rows(vec![0, 2, 3]));
        assert_eq!(Selection::Rows(vec![3, 1, 0]).narrow(&mask), Selection::Rows(vec![3, 0]));
        assert_eq!(Selection::Rows(vec![3, 1, 0, 2]).slice(1, 2), Selection::Rows(vec![1, 0]));
        assert_eq!(Selection::All(4).slice(3, 5), Selection::Rows(vec![3]));
    }
}
