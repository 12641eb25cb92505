//! The `sort` step: rows ordered by several fields in one direction, stably.
//!
//! Numbers (and times) compare numerically; text compares the way
//! `String.prototype.localeCompare` does in the root locale, approximated by
//! [`crate::kernels::order::collation_key`]: letters ignoring case and accents first, then accents,
//! then lower case before upper case; spaces, then punctuation and symbols
//! (ASCII ones in ICU's order), before digits before letters. Bins compare as
//! Graphic Walker's comparator compares them, as the text `lo,hi`
//! (`String([lo, hi]).localeCompare`): `10,20` before `9,10`. Nulls come
//! first ascending and last descending.

use std::sync::Arc;

use arrow_array::{ArrayRef, UInt32Array};

use super::payload::SortDirection;
use super::Frame;
use crate::error::Result;
use crate::kernels::order::{self, Collation, SortColumn};

/// `frame` ordered by `by`; with `limit`, only its first `limit` rows.
pub fn sort(frame: Frame, by: &[String], direction: SortDirection, limit: Option<usize>) -> Result<Frame> {
    if by.is_empty() || frame.num_rows() < 2 {
        return Ok(frame);
    }
    let descending = direction == SortDirection::Descending;
    let mut keys = Vec::with_capacity(by.len());
    for name in by {
        let column = frame.column(name)?;
        let array: ArrayRef = match frame.bins.get(name) {
            // Graphic Walker's comparator reads a bin `[lo, hi]` (not a
            // number) as `String([lo, hi]).localeCompare`.
            Some(bin) => bin_texts(column, *bin),
            None => column.clone(),
        };
        keys.push(SortColumn { array, descending, nulls_first: !descending, collation: Collation::Locale });
    }
    let rows = (0..frame.num_rows() as u32).collect();
    let order = UInt32Array::from(order::sort(&keys, rows, limit)?);
    let batch = crate::kernels::select::take_record_batch(&frame.batch, &order)?;
    Ok(Frame { batch, bins: frame.bins })
}

/// Each bin's text, `lo,hi` (as JavaScript's `String([lo, hi])`).
fn bin_texts(column: &ArrayRef, bin: super::Bin) -> ArrayRef {
    let mut text = String::new();
    let texts: arrow_array::StringArray = (0..column.len())
        .map(|row| {
            text.clear();
            crate::kernels::text::write_text(column.as_ref(), row, Some(bin), &mut text).then(|| text.clone())
        })
        .collect();
    Arc::new(texts)
}

