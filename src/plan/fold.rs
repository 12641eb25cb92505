//! Graphic Walker's `fold` ([`super::Op::Fold`]): each row once per folded
//! field `k` (row by row), a copy of the whole row with the key column set
//! to `k`, the value column to the row's value of `k`, and `k` itself
//! deleted from that copy, so the other folded fields stay.
//!
//! Deleted fields are an `absent` companion column (true where the field is
//! absent from the row: the answer leaves its key out, later steps read
//! null). Values keep their own type: fields of one type give a column of
//! that type, numbers of differing types numbers; otherwise the value
//! column holds the values' text (what later steps compare) and a `json`
//! companion their JSON (a number stays a number in the answer).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::{DataType, FieldRef};

use super::expr::column;
use crate::error::Result;
use crate::kernels::bins::Bin;
use crate::kernels::{kind, select, text, ColumnKind};

/// Folds `fields` of `batch` into `key` and `value`.
pub fn fold(batch: &RecordBatch, fields: &[String], key: &str, value: &str) -> Result<RecordBatch> {
    if fields.is_empty() {
        return Ok(batch.slice(0, 0));
    }
    let schema = batch.schema();
    let sources: Vec<(ArrayRef, Option<Bin>)> = fields
        .iter()
        .map(|f| {
            let bin = schema.field_with_name(f).ok().and_then(|f| super::bin_of(f));
            Ok((column(batch, f)?.clone(), bin))
        })
        .collect::<Result<_>>()?;
    let n = batch.num_rows();
    let k = fields.len();
    let repeated: Vec<u32> = (0..n as u32).flat_map(|r| std::iter::repeat_n(r, k)).collect();
    // Every column of the row is copied (companions too), except the two the
    // fold writes and their old companions, which no longer apply.
    let written = |f: &FieldRef| {
        f.name() == key || f.name() == value || super::companion_of(f).is_some_and(|(_, of)| of == key || of == value)
    };
    let mut out_fields: Vec<FieldRef> = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        if written(field) {
            continue;
        }
        out_fields.push(field.clone());
        columns.push(select::take_rows(array.as_ref(), &repeated)?);
    }
    let keys: StringArray = (0..n * k).map(|i| Some(fields[i % k].as_str())).collect();
    let (values, json) = fold_values(&sources)?;
    // Row-major: output row i·k + j is field j of row i, which is row j·n + i
    // of the fields one after another. (Concat + take rather than arrow's
    // `interleave`, whose generic code for every type costs the wasm 250 KB.)
    let order: Vec<u32> = (0..n * k).map(|i| ((i % k) * n + i / k) as u32).collect();
    let row_major = |parts: &[ArrayRef]| -> Result<ArrayRef> {
        let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
        select::take_rows(select::concat(&refs)?.as_ref(), &order)
    };
    out_fields.push(super::field(key, &DataType::Utf8, None));
    columns.push(Arc::new(keys));
    let values = row_major(&values)?;
    out_fields.push(super::field(value, values.data_type(), None));
    columns.push(values);
    if let Some(json) = json {
        let partial = arrow_schema::Schema::new(out_fields.clone());
        out_fields.push(super::companion(&partial, "json", value, DataType::Utf8));
        columns.push(row_major(&json)?);
    }
    // `delete newRow[k]`: copy j of each row has no field `fields[j]` (and
    // keeps it absent where an earlier fold had deleted it).
    let mut deleted: Vec<&String> = Vec::new();
    for name in fields {
        if deleted.contains(&name) || !out_fields.iter().any(|f| f.name() == name) {
            continue;
        }
        deleted.push(name);
        let earlier = out_fields.iter().position(|f| super::companion_of(f) == Some(("absent", name.as_str())));
        let before = earlier.map(|i| columns[i].as_boolean().clone());
        let mask: BooleanArray =
            (0..n * k).map(|i| Some(fields[i % k] == *name || before.as_ref().is_some_and(|b| b.value(i)))).collect();
        match earlier {
            Some(i) => columns[i] = Arc::new(mask),
            None => {
                let partial = arrow_schema::Schema::new(out_fields.clone());
                out_fields.push(super::companion(&partial, "absent", name, DataType::Boolean));
                columns.push(Arc::new(mask));
            }
        }
    }
    select::batch(out_fields, columns, n * k)
}

/// The folded values of each source, in one type: (values, JSON texts when
/// the values are held as text but are not all text).
fn fold_values(sources: &[(ArrayRef, Option<Bin>)]) -> Result<(Vec<ArrayRef>, Option<Vec<ArrayRef>>)> {
    let kinds: Vec<ColumnKind> = sources.iter().map(|(s, _)| kind::kind(s.as_ref())).collect();
    let no_bins = sources.iter().all(|(_, b)| b.is_none());
    let first = sources[0].0.data_type();
    if no_bins && kinds[0] != ColumnKind::String && sources.iter().all(|(s, _)| s.data_type() == first) {
        return Ok((sources.iter().map(|(s, _)| s.clone()).collect(), None));
    }
    if no_bins && kinds.iter().all(|k| k.is_number()) {
        return Ok((sources.iter().map(|(s, _)| Arc::new(kind::floats(s.as_ref())) as ArrayRef).collect(), None));
    }
    if no_bins && kinds.iter().all(|k| *k == ColumnKind::String) {
        return Ok((sources.iter().map(|(s, _)| kind::plain_text(s)).collect::<Result<_>>()?, None));
    }
    let each = |write: &dyn Fn(&dyn Array, usize, Option<Bin>, &mut String) -> bool| -> Vec<ArrayRef> {
        sources
            .iter()
            .map(|(s, bin)| {
                let mut out = String::new();
                let values: StringArray = (0..s.len())
                    .map(|row| {
                        out.clear();
                        write(s.as_ref(), row, *bin, &mut out).then(|| out.clone())
                    })
                    .collect();
                Arc::new(values) as ArrayRef
            })
            .collect()
    };
    let texts = each(&|a, row, bin, out| text::write_text(a, row, bin, out));
    let json = each(&|a, row, bin, out| {
        text::write_value(a, row, bin, out);
        true
    });
    Ok((texts, Some(json)))
}
