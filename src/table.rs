//! The loaded table: a schema and record batches, with what callers ask of
//! it as a whole (size, memory, column descriptions, slices of rows).

use std::collections::HashSet;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Schema, SchemaRef};
use serde::Serialize;

use crate::error::{QuiverError, Result};
use crate::kernels::zones::ZoneMap;

/// An immutable table. Cloning is cheap (arrays are shared).
#[derive(Clone, Debug)]
pub struct Table {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    num_rows: usize,
    /// Zone maps the load built, each with the column array it describes
    /// (the engine takes those whose array is still one of its columns).
    zone_maps: Vec<(ArrayRef, Arc<ZoneMap>)>,
}

/// A column as callers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnInfo {
    pub name: String,
    /// `boolean`, `integer`, `float`, `date`, `timestamp` or `string`.
    pub kind: &'static str,
    /// The Arrow storage type, e.g. `Int16` or `Dictionary(Int8, Utf8)`.
    pub arrow_type: String,
    pub nullable: bool,
    /// How the file wrote the column's values when not the plain way:
    /// `decimal comma` (`1.000,75`), `thousands comma` (`1,234.5`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
}

impl Table {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        let num_rows = batches.iter().map(RecordBatch::num_rows).sum();
        Table { schema, batches, num_rows, zone_maps: Vec::new() }
    }

    /// The same table with zone maps of (some of) its columns.
    pub fn with_zone_maps(mut self, zone_maps: Vec<(ArrayRef, Arc<ZoneMap>)>) -> Self {
        self.zone_maps = zone_maps;
        self
    }

    /// The zone maps the load built, each with the array it describes.
    pub fn zone_maps(&self) -> &[(ArrayRef, Arc<ZoneMap>)] {
        &self.zone_maps
    }

    /// No columns, no rows.
    pub fn empty() -> Self {
        Table::new(Arc::new(Schema::empty()), Vec::new())
    }

    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    pub fn num_rows(&self) -> usize {
        self.num_rows
    }

    pub fn num_columns(&self) -> usize {
        self.schema.fields().len()
    }

    pub fn column_infos(&self) -> Vec<ColumnInfo> {
        self.schema
            .fields()
            .iter()
            .map(|f| ColumnInfo {
                name: f.name().clone(),
                kind: kind_of(f.data_type()),
                arrow_type: f.data_type().to_string(),
                nullable: f.is_nullable(),
                dialect: f.metadata().get(crate::ingest::column::DIALECT_KEY).cloned(),
            })
            .collect()
    }

    /// Bytes held by the table's buffers, each shared buffer counted once.
    pub fn memory_bytes(&self) -> usize {
        memory_bytes(self.batches.iter().flat_map(|b| b.columns().iter().cloned()))
    }

    /// The same table as one record batch: each column concatenated in turn,
    /// its chunks dropped as soon as it is done, so the extra memory is one
    /// column. A column's dictionary shared by all chunks stays shared.
    /// Queries work on single arrays; this is where they get them.
    pub fn compacted(self) -> Result<Table> {
        if self.batches.len() <= 1 {
            return Ok(self);
        }
        let Table { schema, batches, num_rows, .. } = self;
        let mut chunks: Vec<Vec<ArrayRef>> = vec![Vec::with_capacity(batches.len()); schema.fields().len()];
        for batch in batches {
            for (column, array) in batch.columns().iter().enumerate() {
                chunks[column].push(array.clone());
            }
        }
        let mut columns = Vec::with_capacity(chunks.len());
        for column_chunks in chunks.iter_mut() {
            let parts: Vec<&dyn Array> = column_chunks.iter().map(|a| a.as_ref()).collect();
            columns.push(crate::arrays::concat(&parts)?);
            column_chunks.clear();
        }
        let batch = RecordBatch::try_new_with_options(
            schema.clone(),
            columns,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(num_rows)),
        )?;
        Ok(Table::new(schema, vec![batch]))
    }

    /// The whole table as one batch (concatenating if it has several).
    pub fn single_batch(&self) -> Result<RecordBatch> {
        match self.batches.as_slice() {
            [only] => Ok(only.clone()),
            [] => Ok(RecordBatch::new_empty(self.schema.clone())),
            many => crate::arrays::concat_batches(&self.schema, many),
        }
    }

    /// Rows `offset .. offset + limit` (cut at the end of the table) as
    /// zero-copy slices of the batches.
    pub fn slice(&self, offset: usize, limit: usize) -> Result<Vec<RecordBatch>> {
        if offset > self.num_rows {
            return Err(QuiverError::RowsOutOfRange { offset, end: offset.saturating_add(limit), rows: self.num_rows });
        }
        let end = offset.saturating_add(limit).min(self.num_rows);
        let mut out = Vec::new();
        let mut start = 0;
        for batch in &self.batches {
            let batch_end = start + batch.num_rows();
            if batch_end > offset && start < end {
                let from = offset.max(start) - start;
                let to = end.min(batch_end) - start;
                out.push(batch.slice(from, to - from));
            }
            if batch_end >= end {
                break;
            }
            start = batch_end;
        }
        Ok(out)
    }
}

/// The logical kind behind an Arrow storage type.
pub fn kind_of(data_type: &DataType) -> &'static str {
    crate::ingest::ColumnKind::of(data_type).name()
}

/// Bytes held by the buffers of `arrays`, each buffer counted once even when
/// several arrays share it (a column's dictionary, slices).
pub fn memory_bytes(arrays: impl IntoIterator<Item = ArrayRef>) -> usize {
    let mut seen = HashSet::new();
    let mut total = 0;
    for array in arrays {
        add_buffers(&array.to_data(), &mut seen, &mut total);
    }
    total
}

fn add_buffers(data: &ArrayData, seen: &mut HashSet<*const u8>, total: &mut usize) {
    let nulls = data.nulls().map(|n| n.buffer());
    for buffer in data.buffers().iter().chain(nulls) {
        if seen.insert(buffer.data_ptr().as_ptr()) {
            *total += buffer.capacity();
        }
    }
    for child in data.child_data() {
        add_buffers(child, seen, total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Int32Array;
    use arrow_schema::Field;

    fn table(batch_sizes: &[usize]) -> Table {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, true)]));
        let mut next = 0;
        let batches = batch_sizes
            .iter()
            .map(|&n| {
                let values: Int32Array = (next..next + n as i32).collect();
                next += n as i32;
                RecordBatch::try_new(schema.clone(), vec![Arc::new(values)]).unwrap()
            })
            .collect();
        Table::new(schema, batches)
    }

    fn values(batches: &[RecordBatch]) -> Vec<i32> {
        batches
            .iter()
            .flat_map(|b| b.column(0).as_any().downcast_ref::<Int32Array>().unwrap().values().to_vec())
            .collect()
    }

    #[test]
    fn slices_cross_batches() {
        let t = table(&[3, 4, 5]);
        assert_eq!(t.num_rows(), 12);
        assert_eq!(values(&t.slice(2, 6).unwrap()), [2, 3, 4, 5, 6, 7]);
        assert_eq!(values(&t.slice(0, 100).unwrap()), (0..12).collect::<Vec<_>>());
        assert_eq!(values(&t.slice(12, 5).unwrap()), Vec::<i32>::new());
        assert_eq!(values(&t.slice(7, 0).unwrap()), Vec::<i32>::new());
        assert!(t.slice(13, 1).unwrap_err().to_string().contains("outside the table, which has 12 rows"));
    }

    #[test]
    fn compaction_keeps_rows_and_shared_dictionaries() {
        let t = table(&[3, 4, 5]);
        let compact = t.clone().compacted().unwrap();
        assert_eq!(compact.batches().len(), 1);
        assert_eq!(values(compact.batches()), (0..12).collect::<Vec<_>>());

        use arrow_array::{DictionaryArray, Int8Array, StringArray};
        let values: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
        let schema = Arc::new(Schema::new(vec![Field::new(
            "s",
            DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
            true,
        )]));
        let batch = |keys: Vec<i8>| {
            let d = DictionaryArray::new(Int8Array::from(keys), values.clone());
            RecordBatch::try_new(schema.clone(), vec![Arc::new(d)]).unwrap()
        };
        let t = Table::new(schema.clone(), vec![batch(vec![0, 1]), batch(vec![1, 1, 0])]);
        let compact = t.compacted().unwrap();
        let column = compact.batches()[0].column(0);
        use arrow_array::cast::AsArray;
        let dictionary = column.as_any_dictionary();
        assert_eq!(dictionary.values().len(), 2, "the shared dictionary is not duplicated");
        assert_eq!(column.len(), 5);
    }

    #[test]
    fn shared_buffers_count_once() {
        let t = table(&[1000]);
        let one = t.memory_bytes();
        assert!(one >= 4000, "{one}");
        let column = t.batches()[0].column(0).clone();
        assert_eq!(memory_bytes([column.clone(), column.slice(10, 10)]), one);
    }
}
