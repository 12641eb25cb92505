//! Evaluating a [`Filter`] on a record batch for the Graphic Walker path,
//! until it lowers into the plan (issue 12, stage 3): a shim that lowers the
//! filter into the plan's [`crate::plan::Predicate`] ([`crate::api::predicate`])
//! and evaluates it there, so one evaluator serves both front-ends; a row
//! matches when the whole filter is true.

use arrow_array::{ArrayRef, BooleanArray, RecordBatch};
use arrow_buffer::BooleanBuffer;

use super::spec::Filter;
use crate::error::{QuiverError, Result};
use crate::kernels::Selection;
use crate::plan::expr::Context;

/// Which rows of `batch` match `filter`: a boolean array without nulls.
pub fn matches(filter: &Filter, batch: &RecordBatch) -> Result<BooleanArray> {
    Ok(BooleanArray::new(truth(filter, batch)?, None))
}

fn truth(filter: &Filter, batch: &RecordBatch) -> Result<BooleanBuffer> {
    let rows = Selection::All(batch.num_rows());
    crate::plan::predicate::truth(&crate::api::predicate(filter), &Context { batch, rows: &rows })
}

/// The column named `name`, or an error naming it.
pub fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    batch.column_by_name(name).ok_or_else(|| QuiverError::UnknownColumn(name.to_string()))
}

/// The rows of `batch` that `filter` selects (all when `None`).
pub fn select(batch: &RecordBatch, filter: Option<&Filter>) -> Result<Selection> {
    Ok(match filter {
        None => Selection::All(batch.num_rows()),
        Some(f) => Selection::of_mask(&truth(f, batch)?),
    })
}
