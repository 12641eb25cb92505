//! Graphic Walker's computation over a table loaded in shards (issue 13):
//! what one shard answers for a payload, and how the shards' answers merge
//! into the rows the whole table gives.
//!
//! The workflows a chart sends are split: an optional filter, transforms
//! that compute each row from that row alone (date drills and features,
//! logs, `one`), one aggregate view, then optional sorts. Each shard filters,
//! transforms and prepares the aggregate's calls as [`super::compute`] does,
//! and hands over the aggregate's partial result (the plan's partial form,
//! [`crate::plan::partition`]: each group's key values and each call's
//! state), with an empty batch of its columns; the merge regroups the
//! partial states of every shard in shard order (groups keep their order of
//! first appearance over the whole file), finishes the measures as the view
//! does, then sorts and slices. Raw rows (the data tab: filter, row-local
//! transforms, a raw view, sorts) go the way of a page: each shard keeps
//! its first `offset + limit` rows in the workflow's order, the merge sorts
//! their concatenation again and slices. Every other workflow (folds, bins
//! over a domain, two aggregates) is an error that says to load the file in
//! one shard: it needs every row in one place.
//!
//! What must change together: a workflow shape that [`super::compute`]
//! answers differently (a new fusion, a new row-local transform) is checked
//! here as well; `tests/walker.rs` compares every generated chart workflow
//! over 1..4 random shards with the unsplit answer.

use arrow_array::RecordBatch;

use super::payload::{Measure, Payload, Step, VisFilter, ViewQuery};
use super::{filter, json, order, prune, transform, view, window, Env, Frame};
use crate::error::{QuiverError, Result};
use crate::kernels::{select, Selection};
use crate::plan::{partition, Rewrites};

/// A Graphic Walker query as the client sends it to the shards: the payload
/// and the browser's zone offset (`new Date().getTimezoneOffset()`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    pub payload: Payload,
    #[serde(default)]
    pub local_offset: i32,
}

impl Query {
    pub fn parse(text: &str) -> Result<Query> {
        serde_json::from_str(text).map_err(|e| QuiverError::InvalidQuery(format!("not a Graphic Walker query: {e}")))
    }

    pub fn env(&self) -> Env {
        Env { local_offset: self.local_offset, ..Env::default() }
    }
}

/// A workflow a sharded table answers: filter → row-local transforms → one
/// aggregate view → sorts.
struct Shape<'a> {
    filters: Option<&'a [VisFilter]>,
    transforms: &'a [Step],
    group_by: &'a [String],
    measures: &'a [Measure],
    after: &'a [Step],
}

/// Whether `payload` is raw rows: filter → row-local transforms → one raw
/// view → sorts (Graphic Walker's data tab). Every step before the sorts
/// keeps or drops a row by itself, so each shard runs the workflow and
/// keeps its first `offset + limit` rows; the merge sorts them again.
fn raw_shape(payload: &Payload) -> Option<&[Step]> {
    let steps = payload.workflow.as_slice();
    let view = steps.iter().position(|s| matches!(s, Step::View { .. }))?;
    let Step::View { query } = &steps[view] else { unreachable!("found above") };
    let raw = matches!(query.as_slice(), [ViewQuery::Raw { .. }]);
    let before = steps[..view].iter().enumerate().all(|(i, s)| match s {
        Step::Filter { .. } => i == 0,
        Step::Transform { transform } => transform.iter().all(|t| transform::is_row_local(&t.expression)),
        _ => false,
    });
    let after = &steps[view + 1..];
    (raw && before && after.iter().all(|s| matches!(s, Step::Sort { .. }))).then_some(after)
}

fn shape(payload: &Payload) -> Result<Shape<'_>> {
    let steps = payload.workflow.as_slice();
    let (filters, rest) = match steps.first() {
        Some(Step::Filter { filters }) => (Some(filters.as_slice()), &steps[1..]),
        _ => (None, steps),
    };
    let transforms_end = rest.iter().position(|s| !matches!(s, Step::Transform { .. })).unwrap_or(rest.len());
    let (transforms, rest) = rest.split_at(transforms_end);
    let row_local = transforms.iter().all(|s| match s {
        Step::Transform { transform } => transform.iter().all(|t| transform::is_row_local(&t.expression)),
        _ => false,
    });
    let not_split = || {
        QuiverError::NotSupportedInShards(
            "A Graphic Walker query that needs every row in one place (a fold, bins over the data's range, or steps after a second view)".into(),
        )
    };
    match rest.split_first() {
        Some((Step::View { query }, after)) if row_local && after.iter().all(|s| matches!(s, Step::Sort { .. })) => match query.as_slice() {
            [ViewQuery::Aggregate { group_by, measures }] => Ok(Shape { filters, transforms, group_by, measures, after }),
            _ => Err(not_split()),
        },
        _ => Err(not_split()),
    }
}

/// The frame after the filter and the transforms (every row transformed),
/// the selected rows, and the aggregate prepared over it. `pruned`: the
/// table's columns the payload reads ([`prune`]).
fn prepared(pruned: RecordBatch, shape: &Shape<'_>, env: &Env) -> Result<(Frame, Option<Vec<u32>>, view::Prepared)> {
    let mut frame = Frame::new(pruned);
    let selected = match shape.filters {
        Some(filters) => filter::mask(&frame, filters, env)?.map(|m| m.set_indices().map(|r| r as u32).collect::<Vec<u32>>()),
        None => None,
    };
    for step in shape.transforms {
        if let Step::Transform { transform } = step {
            for field in transform {
                transform::apply(&mut frame, &field.expression, env)?;
            }
        }
    }
    let prepared = view::prepare(&frame, shape.measures, env)?;
    Ok((frame, selected, prepared))
}

/// One shard's answer to `payload`: the aggregate's partial result, and its
/// columns with no rows (the merge prepares the view again from them).
pub fn partial(shard: &RecordBatch, payload: &Payload, env: &Env) -> Result<Vec<RecordBatch>> {
    if raw_shape(payload).is_some() {
        // The workflow's rows in its order (its final sort keeps only the
        // first `offset + limit`), cut to those.
        let frame = super::compute(shard, payload, env)?;
        let (offset, limit) = window(payload, usize::MAX);
        let head = offset.saturating_add(limit).min(frame.num_rows());
        return Ok(vec![frame.batch.slice(0, head)]);
    }
    let shape = shape(payload)?;
    let pruned = prune(shard, payload);
    let columns = pruned.slice(0, 0);
    let (_, selected, prepared) = prepared(pruned, &shape, env)?;
    let (work, plan) = transform::aggregate_plan(&prepared.work, &prepared.calls, shape.group_by)?;
    let rows = match selected {
        Some(rows) => select::take_selection(&work, &Selection::Rows(rows))?,
        None => work,
    };
    let split = partition::split(&plan, Rewrites::ALL);
    Ok(vec![split.partial(&rows)?, columns])
}

/// The rows of `payload` from every shard's [`partial`] result, in the
/// shards' file order, as JSON text (as [`super::query_json`] answers).
pub fn merge(payload: &Payload, env: &Env, partials: &[Vec<RecordBatch>]) -> Result<String> {
    if let Some(sorts) = raw_shape(payload) {
        let heads = partials
            .iter()
            .map(|p| p.first().cloned().ok_or_else(|| QuiverError::InvalidQuery("a shard's Graphic Walker answer is incomplete".into())))
            .collect::<Result<Vec<_>>>()?;
        let schema = std::sync::Arc::new(arrow_schema::Schema::new(heads[0].schema().fields().clone()));
        return finish_sorted(payload, env, Frame::new(select::concat_batches(&schema, &heads)?), sorts);
    }
    let shape = shape(payload)?;
    let parts = |i: usize| -> Result<Vec<RecordBatch>> {
        partials
            .iter()
            .map(|p| p.get(i).cloned().ok_or_else(|| QuiverError::InvalidQuery("a shard's Graphic Walker answer is incomplete".into())))
            .collect()
    };
    let (states, columns) = (parts(0)?, parts(1)?);
    let (frame, _, prepared) = prepared(columns[0].clone(), &shape, env)?;
    let (_, plan) = transform::aggregate_plan(&prepared.work, &prepared.calls, shape.group_by)?;
    let input_rows = states.iter().map(partition::rows_of).sum::<Result<usize>>()?;
    let grouped = partition::split(&plan, Rewrites::ALL).merge(&states)?.batch;
    let frame = view::finish(&frame, shape.group_by, shape.measures, &prepared, grouped, input_rows)?;
    finish_sorted(payload, env, frame, shape.after)
}

/// The merged rows after the workflow's final sorts (stable, so rows that
/// tie stay in shard order: file order), sliced, as JSON text.
fn finish_sorted(payload: &Payload, env: &Env, mut frame: Frame, sorts: &[Step]) -> Result<String> {
    let (offset, limit) = window(payload, usize::MAX);
    let top = (limit != usize::MAX - offset).then(|| offset.saturating_add(limit));
    for (i, step) in sorts.iter().enumerate() {
        if let Step::Sort { sort, by } = step {
            frame = order::sort(frame, by, *sort, if i + 1 == sorts.len() { top } else { None })?;
        }
    }
    let (offset, len) = window(payload, frame.num_rows());
    json::rows_checked(&frame, offset, len, env.max_answer_bytes)
}
