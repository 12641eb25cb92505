//! A plan over a table split into partitions (the sharded engine's shards,
//! issue 13): what each partition runs on its own rows, and how the partial
//! results merge into the answer the unsplit table gives.
//!
//! ```text
//! partition 1: row-local ops → breaker's partial ┐
//! partition 2: row-local ops → breaker's partial ├→ merge → the rest of the plan
//! partition n: row-local ops → breaker's partial ┘
//! ```
//!
//! The plan (after its rewrites, the counting fusions aside: they run after
//! the merge) is cut at its first *breaker*, the first operator whose answer
//! for a row depends on other rows. Before it, filters, row-local derives and
//! projections run in each partition ([`Split::local`]). The breaker's
//! partial form ([`Breaker`]):
//!
//! - an aggregate: each partition's groups (key values at their first row)
//!   and every call's partial state ([`crate::kernels::accumulate`]); the
//!   merge regroups the key values of all partitions in partition order (so
//!   groups keep their order of first appearance over the whole table) and
//!   merges the states;
//! - a sort with a limit (top-k): each partition's first k rows; the merge
//!   sorts their concatenation by the key *values* again (a stable sort, so
//!   ties keep partition order: the unsplit order) and keeps k;
//! - a slice: each partition's first `offset + limit` rows; the merge
//!   concatenates them in partition order and slices;
//! - anything else (a sort without a limit, a fold, an expression over all
//!   rows such as a bin by count, whose domain would need a first pass):
//!   the partitions' rows are concatenated and the rest runs on them.
//!
//! Every partial result is one plain Arrow record batch, so it can cross
//! between wasm instances as Arrow IPC: the rows that entered the breaker are
//! in its schema metadata ([`ROWS`]), and each state column says in its
//! field metadata ([`STATE`]) which call it belongs to and the kind of that
//! call's input. Profiles split likewise ([`profile_partial`],
//! [`profile_merge`]): per-column tallies.
//!
//! What must change together: a new operator decides here whether it is
//! row-local ([`row_local`]) or a breaker with a partial form, and gets a case
//! in `tests/partitions.rs` (every query over 1..8 random partitions against
//! the unsplit answer).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{ArrayRef, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, FieldRef, Schema};

use super::execute::{accumulator, run_ops, run_ops_counted, AggregateOutput, Counted, Frame, Output};
use super::expr::{evaluate, Evaluated};
use super::profile::Tally;
use super::rewrite::{self, Rewrites};
use super::{Aggregate, EmptyInput, Op, Plan, Predicate, SortKey};
use crate::error::{QuiverError, Result};
use crate::kernels::accumulate::Moments;
use crate::kernels::kind::{self, ColumnKind};
use crate::kernels::{group, select, Selection};

/// Schema metadata of a partial result: how many rows entered the breaker
/// in that partition.
pub const ROWS: &str = "quiver.rows";

/// Field metadata of an aggregate's state column: `<call index> <input
/// kind>` (kind `none` for a count of rows).
pub const STATE: &str = "quiver.state";

/// Field metadata of an aggregate's key column in a partial result: the
/// width of Quiver's numeric bin, for the key's upper end.
pub const STEP: &str = "quiver.step";

/// Where a plan breaks and how that operator's partial results merge.
#[derive(Clone, Debug, PartialEq)]
pub enum Breaker {
    /// No breaker: the partitions' rows are concatenated.
    None,
    Aggregate(Aggregate),
    TopK { keys: Vec<SortKey>, limit: usize },
    Slice { offset: usize, limit: Option<usize> },
    /// An operator without a partial form: it runs (first of [`Split::rest`])
    /// on the partitions' rows concatenated.
    Gather,
}

/// A plan cut at its first breaker.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// What each partition runs.
    pub local: Vec<Op>,
    pub breaker: Breaker,
    /// What runs after the merge.
    pub rest: Vec<Op>,
    rewrites: Rewrites,
}

/// Whether `op`'s answer for a row depends on that row alone.
pub fn row_local(op: &Op) -> bool {
    match op {
        Op::Filter(predicate) => predicate_row_local(predicate),
        Op::Derive { expr, .. } => expr.is_row_local(),
        Op::Select(_) | Op::Keep(_) => true,
        _ => false,
    }
}

fn predicate_row_local(predicate: &Predicate) -> bool {
    let mut local = true;
    let mut copy = predicate.clone();
    copy.exprs_mut(&mut |e| {
        local &= e.is_row_local();
        Ok(())
    })
    .expect("the visitor does not fail");
    local
}

/// `plan` (rewritten by `rewrites`) cut at its first breaker.
pub fn split(plan: &Plan, rewrites: Rewrites) -> Split {
    // The counting fusions replace an aggregate by an operator without a
    // partial form: the aggregate merges first, the fusions apply after.
    let before = Rewrites { distinct_count: false, top_values: false, ..rewrites };
    let ops = rewrite::apply(plan.clone(), before).ops;
    let cut = ops.iter().position(|op| !row_local(op)).unwrap_or(ops.len());
    let local = ops[..cut].to_vec();
    let (breaker, rest) = match ops.get(cut) {
        None => (Breaker::None, Vec::new()),
        Some(Op::Aggregate(a)) if aggregate_row_local(a) => (Breaker::Aggregate(a.clone()), ops[cut + 1..].to_vec()),
        Some(Op::Sort { keys, limit: Some(limit) }) if keys.iter().all(|k| k.expr.is_row_local()) => {
            (Breaker::TopK { keys: keys.clone(), limit: *limit }, ops[cut + 1..].to_vec())
        }
        Some(Op::Slice { offset, limit }) => (Breaker::Slice { offset: *offset, limit: *limit }, ops[cut + 1..].to_vec()),
        Some(_) => (Breaker::Gather, ops[cut..].to_vec()),
    };
    Split { local, breaker, rest, rewrites }
}

fn aggregate_row_local(aggregate: &Aggregate) -> bool {
    aggregate.keys.iter().all(|k| k.expr.is_row_local()) && aggregate.calls.iter().all(|c| c.arg.as_ref().is_none_or(|a| a.is_row_local()))
}

impl Split {
    /// What one partition hands over: one plain Arrow record batch.
    pub fn partial(&self, partition: &RecordBatch) -> Result<RecordBatch> {
        let (frame, _) = run_ops(Frame::new(partition.clone()), &self.local, self.rewrites)?;
        let rows_in = frame.rows.len();
        let batch = match &self.breaker {
            Breaker::None | Breaker::Gather => frame.materialise()?,
            Breaker::Aggregate(aggregate) => aggregate_partial(&frame, aggregate)?,
            Breaker::TopK { keys, limit } => {
                let sorted = run_ops(frame, &[Op::Sort { keys: keys.clone(), limit: Some(*limit) }], self.rewrites)?.0;
                sorted.materialise()?
            }
            Breaker::Slice { offset, limit } => {
                let head = limit.map_or(usize::MAX, |l| offset.saturating_add(l));
                Frame { rows: frame.rows.slice(0, head), batch: frame.batch }.materialise()?
            }
        };
        with_rows(batch, rows_in)
    }

    /// The answer from the partitions' partial results, in partition order.
    pub fn merge(&self, partials: &[RecordBatch]) -> Result<Output> {
        let Some(first) = partials.first() else {
            return Err(QuiverError::InvalidQuery("a merge needs at least one partition".into()));
        };
        let rows_in = partials.iter().map(rows_of).sum::<Result<usize>>()?;
        // Partitions' columns may differ in type (a dictionary and plain
        // text, a state list of no values): the concatenation settles it.
        let schema = Arc::new(Schema::new(first.schema().fields().clone()));
        let merged = select::concat_batches(&schema, partials)?;
        let (frame, counted) = match &self.breaker {
            Breaker::None | Breaker::Gather => (Frame::new(merged), Counted::default()),
            Breaker::Aggregate(aggregate) => (Frame::new(aggregate_merge(&merged, aggregate, rows_in)?), Counted::default()),
            Breaker::TopK { keys, limit } => {
                let sorted = run_ops(Frame::new(merged), &[Op::Sort { keys: keys.clone(), limit: Some(*limit) }], self.rewrites)?.0;
                (sorted, Counted { total: None, before_limit: Some(rows_in) })
            }
            Breaker::Slice { offset, limit } => {
                let rows = Selection::All(merged.num_rows()).slice(*offset, limit.unwrap_or(usize::MAX));
                (Frame { batch: merged, rows }, Counted { total: Some(rows_in), before_limit: None })
            }
        };
        let rest = rewrite::apply(Plan::new(self.rest.clone()), self.rewrites);
        let (frame, total) = run_ops_counted(frame, &rest.ops, self.rewrites, counted)?;
        Ok(Output { batch: frame.materialise()?, total })
    }
}

/// `plan` over `partitions` (each a part of one table, in order): every
/// partition's partial result, then their merge.
pub fn run(plan: &Plan, partitions: &[RecordBatch], rewrites: Rewrites) -> Result<Output> {
    let split = split(plan, rewrites);
    let partials = partitions.iter().map(|p| split.partial(p)).collect::<Result<Vec<_>>>()?;
    split.merge(&partials)
}

fn with_rows(batch: RecordBatch, rows: usize) -> Result<RecordBatch> {
    let schema = batch.schema();
    let mut metadata = schema.metadata().clone();
    metadata.insert(ROWS.to_string(), rows.to_string());
    let schema = Arc::new(Schema::new_with_metadata(schema.fields().clone(), metadata));
    Ok(batch.with_schema(schema)?)
}

pub fn rows_of(partial: &RecordBatch) -> Result<usize> {
    partial
        .schema()
        .metadata()
        .get(ROWS)
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| QuiverError::InvalidQuery(format!("a partial result without its {ROWS} metadata")))
}

/// An aggregate's partial result: the key values at each group's first row
/// (in order of first appearance), then each call's state columns.
fn aggregate_partial(frame: &Frame, aggregate: &Aggregate) -> Result<RecordBatch> {
    let ctx = frame.context();
    let keys: Vec<Evaluated> = aggregate.keys.iter().map(|k| evaluate(&k.expr, &ctx)).collect::<Result<_>>()?;
    let key_arrays: Vec<ArrayRef> = keys.iter().map(|k| k.array.clone()).collect();
    let mut groups = group::group(&key_arrays, &frame.rows)?;
    if frame.rows.is_empty() {
        // No rows, no groups: whether the answer has a row is the merge's
        // question (over all partitions).
        groups.first_rows.clear();
    }
    let count = groups.len();
    let first_rows = arrow_array::UInt32Array::from(groups.first_rows.clone());
    let mut fields: Vec<FieldRef> = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (key, evaluated) in aggregate.keys.iter().zip(&keys) {
        let values = select::take(evaluated.array.as_ref(), &first_rows)?;
        let mut field = super::field(&key.name, values.data_type(), evaluated.bin).as_ref().clone();
        if let Some(step) = evaluated.step {
            let mut metadata = field.metadata().clone();
            metadata.insert(STEP.to_string(), step.to_string());
            field = field.with_metadata(metadata);
        }
        fields.push(Arc::new(field));
        columns.push(values);
    }
    for (i, call) in aggregate.calls.iter().enumerate() {
        let input = call.arg.as_ref().map(|a| evaluate(a, &ctx)).transpose()?.map(|e| e.array);
        let kind = input.as_ref().map(|a| kind::kind(a.as_ref()));
        let mut accumulator = accumulator(call, kind, count)?;
        accumulator.update(input.as_ref(), &frame.rows, &groups.ids)?;
        for (j, state) in accumulator.state()?.into_iter().enumerate() {
            let name = format!("{} state {j}", call.name);
            let role = format!("{i} {}", kind.map_or("none", ColumnKind::name));
            fields.push(Arc::new(Field::new(name, state.data_type().clone(), true).with_metadata(HashMap::from([(STATE.to_string(), role)]))));
            columns.push(state);
        }
    }
    select::batch(fields, columns, count)
}

/// The aggregate's answer from the partitions' partial results concatenated
/// (`rows_in`: the rows that entered it in all partitions).
fn aggregate_merge(merged: &RecordBatch, aggregate: &Aggregate, rows_in: usize) -> Result<RecordBatch> {
    let schema = merged.schema();
    let key_count = aggregate.keys.len();
    let key_arrays: Vec<ArrayRef> = merged.columns()[..key_count].to_vec();
    let mut groups = group::group(&key_arrays, &Selection::All(merged.num_rows()))?;
    if rows_in == 0 && (aggregate.empty == EmptyInput::NoRows || key_count > 0) {
        groups.first_rows.clear();
    }
    let count = groups.len();
    let keys: Vec<Evaluated> = (0..key_count)
        .map(|k| {
            let field = schema.field(k);
            Evaluated {
                array: merged.column(k).clone(),
                bin: super::bin_of(field),
                step: field.metadata().get(STEP).and_then(|s| s.parse().ok()),
            }
        })
        .collect();
    let mut output = AggregateOutput::default();
    output.keys(aggregate, &keys, &groups.first_rows)?;
    for (i, call) in aggregate.calls.iter().enumerate() {
        let mut kind = None;
        let mut states = Vec::new();
        for (field, column) in schema.fields().iter().zip(merged.columns()).skip(key_count) {
            let Some((index, input)) = field.metadata().get(STATE).and_then(|r| r.split_once(' ')) else { continue };
            if index.parse::<usize>().ok() == Some(i) {
                kind = kind_named(input);
                states.push(column.clone());
            }
        }
        let mut accumulator = accumulator(call, kind, count)?;
        accumulator.merge(&states, &groups.ids)?;
        output.push(super::field(&call.name, &DataType::Null, None), accumulator.finish()?);
    }
    output.finish(count)
}

fn kind_named(name: &str) -> Option<ColumnKind> {
    [ColumnKind::Boolean, ColumnKind::Integer, ColumnKind::Float, ColumnKind::Date, ColumnKind::Timestamp, ColumnKind::String]
        .into_iter()
        .find(|k| k.name() == name)
}

/// A profile's partial result for one partition: the tally of each of
/// `columns` over the rows the `filter` keeps, each as one batch (the
/// distinct values and their counts; rows, nulls and moments in the schema
/// metadata).
pub fn profile_partial(partition: &RecordBatch, filter: Option<&Predicate>, columns: &[String], rewrites: Rewrites) -> Result<Vec<RecordBatch>> {
    let ops: Vec<Op> = filter.iter().map(|f| Op::Filter((*f).clone())).collect();
    let (frame, _) = run_ops(Frame::new(partition.clone()), &ops, rewrites)?;
    columns
        .iter()
        .map(|name| {
            let tally = super::profile::tally(super::expr::column(&frame.batch, name)?, &frame.rows)?;
            tally_batch(&tally)
        })
        .collect()
}

/// The tallies of each column over all partitions (`partials[p][c]`:
/// partition `p`'s batch for column `c`).
pub fn profile_merge(partials: &[Vec<RecordBatch>]) -> Result<Vec<Tally>> {
    let columns = partials.first().map_or(0, Vec::len);
    (0..columns)
        .map(|c| {
            let tallies = partials.iter().map(|p| batch_tally(&p[c])).collect::<Result<Vec<_>>>()?;
            super::profile::merge(&tallies)
        })
        .collect()
}

/// A tally as a batch: `value`, `count` (UInt64); `rows`, `nulls` and the
/// moments (`n sum mean m2`, floats in their shortest exact text) in the
/// schema metadata.
pub fn tally_batch(tally: &Tally) -> Result<RecordBatch> {
    let mut metadata = HashMap::from([(ROWS.to_string(), tally.rows.to_string()), ("quiver.nulls".to_string(), tally.nulls.to_string())]);
    if let Some(m) = tally.moments {
        metadata.insert("quiver.moments".to_string(), format!("{} {} {} {}", m.n, m.sum, m.mean, m.m2));
    }
    let schema = Schema::new_with_metadata(
        vec![Field::new("value", tally.values.data_type().clone(), true), Field::new("count", DataType::UInt64, false)],
        metadata,
    );
    Ok(RecordBatch::try_new(Arc::new(schema), vec![tally.values.clone(), Arc::new(UInt64Array::from(tally.counts.clone()))])?)
}

/// The tally a [`tally_batch`] holds.
pub fn batch_tally(batch: &RecordBatch) -> Result<Tally> {
    let schema = batch.schema();
    let metadata = schema.metadata();
    let bad = || QuiverError::InvalidQuery("a profile's partial result without its tally metadata".into());
    let number = |key: &str| metadata.get(key).and_then(|v| v.parse::<u64>().ok()).ok_or_else(bad);
    let moments = match metadata.get("quiver.moments") {
        None => None,
        Some(text) => {
            let parts: Vec<&str> = text.split(' ').collect();
            let float = |i: usize| parts.get(i).and_then(|p| p.parse::<f64>().ok()).ok_or_else(bad);
            let n = parts.first().and_then(|p| p.parse::<u64>().ok()).ok_or_else(bad)?;
            Some(Moments { n, sum: float(1)?, mean: float(2)?, m2: float(3)? })
        }
    };
    let counts = batch.column(1).as_primitive::<UInt64Type>().values().to_vec();
    Ok(Tally { values: batch.column(0).clone(), counts, rows: number(ROWS)?, nulls: number("quiver.nulls")?, moments })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Float64Array;

    #[test]
    fn tallies_round_trip_through_batches_exactly() {
        let values: ArrayRef = Arc::new(Float64Array::from(vec![0.1, f64::NAN, -0.0, f64::INFINITY]));
        let moments = Moments { n: 7, sum: 0.1 + 0.2, mean: 1.0 / 3.0, m2: f64::NEG_INFINITY };
        let tally = Tally { values, counts: vec![1, 2, 3, 1], rows: 9, nulls: 2, moments: Some(moments) };
        let back = batch_tally(&tally_batch(&tally).unwrap()).unwrap();
        assert_eq!((back.counts.clone(), back.rows, back.nulls), (tally.counts.clone(), 9, 2));
        assert_eq!(back.moments, Some(moments));
        let nan = Moments { n: 1, sum: f64::NAN, mean: f64::NAN, m2: 0.0 };
        let back = batch_tally(&tally_batch(&Tally { moments: Some(nan), ..tally }).unwrap()).unwrap();
        assert!(back.moments.unwrap().sum.is_nan());
    }
}
