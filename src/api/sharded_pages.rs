//! Sorted pages of a table loaded in shards, by windows and merge cursors
//! (issue 13): a page at offset `O` of a sorted view asks each shard for a
//! *window* of its own sorted view — its rows at its own ranks
//! `[p, p + k)`, from the shard engine's view cache, so a shard sorts once
//! per view — and merges the windows by the sort keys' values.
//!
//! ```text
//! cursor (G rows of the view behind, shard i at rank p_i), G ≤ O:
//!   skip:  each shard's sort keys at [p_i, p_i + O − G) → merge, keep O − G → p_i += taken_i
//!   page:  each shard's rows at [p_i, p_i + limit)      → merge, keep limit → the page
//!   keep the cursor (O + limit, p_i + taken_i) for the next page
//! ```
//!
//! Why it gives the whole table's page: the view's order is the sort keys,
//! then file order (sorts are stable); a shard's view is its rows in that
//! order, and shards are in file order. So the view's next `k` rows are
//! among each shard's next `k`, and a stable sort of the shards' windows
//! concatenated in shard order puts them first, ties in file order. The
//! next page then costs each shard `limit` rows (its view is cached) and a
//! merge of `shards × limit` rows, instead of `offset + limit` rows of
//! every column from every shard; skipping sends only the sort keys.
//!
//! The client (`js/client.ts`, `#shardedPage`) runs the coordinator's part:
//! [`sharded_page`] is the same algorithm in process, the model the tests
//! check against the one-table engine (`tests/sharded.rs`).
//!
//! What must change together: [`WindowSpec`] and the client's window
//! requests; the merge's tie order and [`super::page`]'s (both stable).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use serde::{Deserialize, Serialize};

use super::sharded::{merge, partial_of, Kind, Merged, GATHER_LIMIT_BYTES};
use super::spec::{non_negative, PageSpec};
use super::{page, sort_keys, Page};
use crate::error::{QuiverError, Result};
use crate::kernels::{select, Selection};
use crate::plan::execute::{run_ops, Frame};
use crate::plan::partition::{rows_of, ROWS};
use crate::plan::{Executor, Op, Rewrites};

/// A window request (`Kind::Window`): for a shard, its rows at ranks
/// `page.offset .. page.offset + page.limit` of the view `page` describes;
/// for the merge, how many of the windows' rows to keep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WindowSpec {
    pub page: PageSpec,
    /// Only the sort keys' columns: a window to skip rows, not to show them.
    #[serde(default)]
    pub keys_only: bool,
    /// Rows the merge keeps.
    #[serde(default)]
    pub take: usize,
}

/// The merged windows: the rows kept, the view's total (all shards), and
/// how many of each shard's window were kept (in shard order).
#[derive(Debug)]
pub struct MergedWindow {
    pub batch: RecordBatch,
    pub total: usize,
    pub taken: Vec<usize>,
}

/// The columns a shard's window holds: the page's (all, by default) and
/// then the sort keys (which the merge compares); only the keys to skip.
fn window_columns(spec: &WindowSpec, schema: &Schema) -> Vec<String> {
    let keys = spec.page.sort.iter().map(|k| k.column.clone());
    if spec.keys_only {
        return keys.collect();
    }
    let shown = match &spec.page.columns {
        Some(names) => names.clone(),
        None => schema.fields().iter().map(|f| f.name().clone()).collect(),
    };
    shown.into_iter().chain(keys).collect()
}

/// One shard's window, through its engine's view cache; the view's total
/// rides in the batch's metadata.
pub fn window(executor: &mut Executor, spec: &WindowSpec) -> Result<RecordBatch> {
    let columns = window_columns(spec, &executor.batch().schema());
    let answer = page(executor, &PageSpec { columns: Some(columns), ..spec.page.clone() })?;
    let schema = answer.batch.schema();
    let mut metadata = schema.metadata().clone();
    metadata.insert(ROWS.to_string(), answer.total.to_string());
    let schema = Arc::new(Schema::new_with_metadata(schema.fields().clone(), metadata));
    Ok(answer.batch.with_schema(schema)?)
}

/// The first `spec.take` rows of the shards' windows (in shard order) in
/// the view's order, shown as the page asks (the sort keys appended for
/// the merge are dropped).
pub fn merge_windows(spec: &WindowSpec, windows: &[RecordBatch]) -> Result<MergedWindow> {
    let Some(first) = windows.first() else {
        return Err(QuiverError::InvalidQuery("a merge needs the window of at least one shard".into()));
    };
    let total = windows.iter().map(rows_of).sum::<Result<usize>>()?;
    let schema = Arc::new(Schema::new(first.schema().fields().clone()));
    let merged = select::concat_batches(&schema, windows)?;
    let keys = sort_keys(&spec.page.sort);
    let sorted = run_ops(Frame::new(merged), &[Op::Sort { keys, limit: Some(spec.take) }], Rewrites::ALL)?.0;
    let mut taken = vec![0; windows.len()];
    let starts: Vec<usize> = windows.iter().scan(0, |at, w| Some(std::mem::replace(at, *at + w.num_rows()))).collect();
    let kept = match &sorted.rows {
        Selection::All(n) => (0..*n as u32).collect(),
        Selection::Rows(rows) => rows.clone(),
    };
    for &row in &kept {
        taken[starts.partition_point(|&s| s <= row as usize) - 1] += 1;
    }
    let batch = sorted.materialise()?;
    let shown = if spec.keys_only { 0 } else { batch.num_columns() - spec.page.sort.len() };
    let batch = batch.project(&(0..shown).collect::<Vec<_>>())?;
    Ok(MergedWindow { batch, total, taken })
}

/// Where a sorted view's pages left off: `global` rows of the view are
/// behind, and shard `i`'s next row is at its rank `positions[i]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub global: usize,
    pub positions: Vec<usize>,
}

/// The cursors kept per view (its filter and sort), as the client keeps
/// them: a page starts from the furthest one at or before its offset.
#[derive(Default)]
pub struct Cursors {
    by_view: HashMap<String, Vec<Cursor>>,
}

impl Cursors {
    /// Most cursors kept per view (the oldest go first).
    pub const PER_VIEW: usize = 16;

    fn start(&self, view: &str, offset: usize, shards: usize) -> Cursor {
        let kept = self.by_view.get(view).into_iter().flatten();
        kept.filter(|c| c.global <= offset && c.positions.len() == shards)
            .max_by_key(|c| c.global)
            .cloned()
            .unwrap_or(Cursor { global: 0, positions: vec![0; shards] })
    }

    fn keep(&mut self, view: String, cursor: Cursor) {
        let kept = self.by_view.entry(view).or_default();
        if !kept.contains(&cursor) {
            if kept.len() == Self::PER_VIEW {
                kept.remove(0);
            }
            kept.push(cursor);
        }
    }
}

fn text_of(spec: &WindowSpec) -> String {
    serde_json::to_string(spec).expect("specs serialise")
}

/// What identifies a view's order: its filter and sort (not its columns).
fn view_key(spec: &PageSpec) -> String {
    serde_json::to_string(&(&spec.filter, &spec.sort)).expect("specs serialise")
}

/// A page of a sorted view of a table in `shards` (in file order), by
/// windows and cursors: the coordinator's part, in process (see the
/// module's comment; the client runs the same steps across workers).
/// `spec` must sort; a page without a sort is the plan's slice.
pub fn sharded_page(shards: &mut [Executor], spec: &PageSpec, cursors: &mut Cursors) -> Result<Page> {
    let offset = non_negative("offset", spec.offset)?;
    let limit = non_negative("limit", spec.limit)?;
    if spec.sort.is_empty() {
        return Err(QuiverError::InvalidQuery("a page by windows needs a sort".into()));
    }
    let view = view_key(spec);
    let mut cursor = cursors.start(&view, offset, shards.len());
    // As the client does: specs as JSON text, windows as bytes.
    let mut run = |from: &[usize], count: usize, keys_only: bool| -> Result<MergedWindow> {
        let windows = shards
            .iter_mut()
            .zip(from)
            .map(|(shard, &at)| {
                let page = PageSpec { offset: at as i64, limit: count as i64, ..spec.clone() };
                partial_of(shard, Kind::Window, &text_of(&WindowSpec { page, keys_only, take: 0 }))
            })
            .collect::<Result<Vec<_>>>()?;
        let merge_spec = text_of(&WindowSpec { page: spec.clone(), keys_only, take: count });
        match merge(Kind::Window, &merge_spec, &windows, GATHER_LIMIT_BYTES)? {
            Merged::Window(merged) => Ok(merged),
            _ => unreachable!("windows merge into a window"),
        }
    };
    if cursor.global < offset {
        let skipped = run(&cursor.positions, offset - cursor.global, true)?;
        cursor.positions.iter_mut().zip(&skipped.taken).for_each(|(p, t)| *p += t);
        cursor.global = offset;
        cursors.keep(view.clone(), cursor.clone());
    }
    let shown = run(&cursor.positions, limit, false)?;
    let next = Cursor {
        global: offset + shown.batch.num_rows(),
        positions: cursor.positions.iter().zip(&shown.taken).map(|(p, t)| p + t).collect(),
    };
    cursors.keep(view, next);
    Ok(Page { batch: shown.batch, total: shown.total, offset })
}
