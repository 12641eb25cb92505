//! The executor: runs a [`Plan`] over one table, and keeps the view cache.
//!
//! Execution carries a lazy selection: a filter narrows the [`Selection`] of
//! rows instead of copying them; derived columns are computed over the
//! batch; aggregates, sorts and slices read only the selected rows; rows are
//! copied only when a step needs them dense (a fold, a derive over few
//! selected rows) and once at the end. This is the "filter fused into the
//! aggregate" that Graphic Walker's charts needed, for every query.
//!
//! A plan runs after its rewrites ([`super::rewrite`]); with
//! [`Rewrites::NONE`] every step runs as written and a filter copies its
//! rows at once, which is the reference the rewritten plan must agree with.
//!
//! What must change together: an operator here, its analysis in
//! [`super::rewrite`] and its partial form in [`super::partition`].

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, UInt32Array};
use arrow_schema::{DataType, FieldRef};

use super::expr::{column, evaluate, Context, Evaluated, Expr};
use super::predicate::truth;
use super::rewrite::{self, Rewrites};
use super::view::{View, ViewCache};
use super::{Aggregate, Call, DistinctOutput, EmptyInput, Op, Plan, Predicate, SortKey};
use crate::error::{QuiverError, Result};
use crate::kernels::accumulate::{self, Accumulator};
use crate::kernels::order::{self, SortColumn};
use crate::kernels::kind::ColumnKind;
use crate::kernels::{group, kind, select, Selection};
use crate::kernels::zones::ZoneCache;

/// Row orders kept for paging, in bytes of row indices (4 per row), before
/// the least recently used view is dropped.
pub const DEFAULT_VIEW_CACHE_BYTES: usize = 256 << 20;

/// A sorted view orders only its first rows when a page near the start is
/// all that was asked for: twice the rows needed, and at least this many, so
/// the next pages come from it too.
const PREFIX_MIN: usize = 10_000;

/// What a plan gives: its rows, and how many rows there were before its
/// final slice (a page's or an aggregate's total).
pub struct Output {
    pub batch: RecordBatch,
    pub total: usize,
}

/// Queries over one table: runs plans, keeps the view cache.
pub struct Executor {
    batch: RecordBatch,
    views: ViewCache,
    rewrites: Rewrites,
    zones: Arc<ZoneCache>,
}

/// A step's rows: a batch and the selected rows of it, in order.
pub struct Frame {
    pub batch: RecordBatch,
    pub rows: Selection,
}

impl Frame {
    pub fn new(batch: RecordBatch) -> Frame {
        let rows = Selection::All(batch.num_rows());
        Frame { batch, rows }
    }

    /// The selected rows as a batch.
    pub fn materialise(&self) -> Result<RecordBatch> {
        select::take_selection(&self.batch, &self.rows)
    }

    /// The frame with its selected rows copied (all of them selected).
    fn dense(self) -> Result<Frame> {
        match self.rows {
            Selection::All(n) if n == self.batch.num_rows() => Ok(self),
            _ => Ok(Frame::new(self.materialise()?)),
        }
    }

    pub fn context(&self) -> Context<'_> {
        Context { batch: &self.batch, rows: &self.rows }
    }
}

impl Executor {
    pub fn new(batch: RecordBatch) -> Executor {
        let zones = Arc::new(ZoneCache::new(batch.columns()));
        Executor { batch, views: ViewCache::new(DEFAULT_VIEW_CACHE_BYTES), rewrites: Rewrites::ALL, zones }
    }

    /// The same executor with the zone maps a load built (see
    /// [`crate::table::Table::zone_maps`]) in its cache.
    pub fn with_zone_maps(mut self, known: &[(arrow_array::ArrayRef, Arc<crate::kernels::zones::ZoneMap>)]) -> Executor {
        self.zones = Arc::new(ZoneCache::with_maps(self.batch.columns(), known));
        self
    }

    /// The same executor with other rewrites (for the cross-check tests).
    pub fn with_rewrites(mut self, rewrites: Rewrites) -> Executor {
        self.rewrites = rewrites;
        self
    }

    /// The table queried.
    pub fn batch(&self) -> &RecordBatch {
        &self.batch
    }

    /// Zone maps of the table's columns, built as range tests ask.
    pub fn zones(&self) -> Arc<ZoneCache> {
        self.zones.clone()
    }

    pub fn rewrites(&self) -> Rewrites {
        self.rewrites
    }

    /// Bytes held by cached row orders.
    pub fn cache_bytes(&self) -> usize {
        self.views.memory_bytes()
    }

    /// Runs `plan` over the table.
    pub fn run(&self, plan: &Plan) -> Result<Output> {
        let (frame, total) = self.frame(plan)?;
        Ok(Output { batch: frame.materialise()?, total })
    }

    /// Runs `plan`, leaving its last rows selected, not copied; and the rows
    /// before its final slice.
    pub fn frame(&self, plan: &Plan) -> Result<(Frame, usize)> {
        let plan = rewrite::apply(plan.clone(), self.rewrites);
        run_ops(Frame::new(self.batch.clone()), &plan.ops, self.rewrites)
    }

    /// The rows of the view (`filter`, `keys`), cached; `page` is the
    /// (offset, limit) about to be read, `None` for all of it. A cached view
    /// that orders only a prefix too short for the page is rebuilt in full.
    pub fn view(&mut self, filter: Option<&Predicate>, keys: &[SortKey], page: Option<(usize, usize)>) -> Result<Arc<View>> {
        let key = serde_json::to_string(&(filter, keys)).expect("plans serialise");
        let needed = page.map(|(offset, limit)| offset.saturating_add(limit)).filter(|_| self.rewrites.top_k);
        let batch = &self.batch;
        let view = self.views.get_or_build(key.clone(), || build_view(batch, filter, keys, needed))?;
        let (offset, limit) = page.unwrap_or((0, usize::MAX));
        if view.covers(offset, limit) {
            return Ok(view);
        }
        Ok(self.views.insert(key, build_view(batch, filter, keys, None)?))
    }
}

/// The view of `batch` for `filter` and `keys`. With `needed` (the end of
/// the page asked for), a large sorted view orders only a prefix (a top-k
/// selection, O(n), instead of a full sort).
fn build_view(batch: &RecordBatch, filter: Option<&Predicate>, keys: &[SortKey], needed: Option<usize>) -> Result<View> {
    let all = Selection::All(batch.num_rows());
    let selected = match filter {
        None => None,
        Some(f) => Some(Selection::of_mask(&truth(f, &Context { batch, rows: &all })?)),
    };
    if selected.is_none() && keys.is_empty() {
        return Ok(View { rows: None, total: batch.num_rows(), complete: true });
    }
    let rows = selected.unwrap_or(all);
    let total = rows.len();
    let prefix = needed.map(|n| n.saturating_mul(2).max(PREFIX_MIN)).filter(|&k| !keys.is_empty() && k < total / 4);
    let order = sort_rows(&Frame { batch: batch.clone(), rows }, keys, prefix)?;
    Ok(View { total, rows: Some(UInt32Array::from(order)), complete: prefix.is_none() })
}

/// Runs `ops` over `frame`: the frame after them, and the rows before the
/// final slice (a sort with a limit just before it counts as the slice).
pub fn run_ops(frame: Frame, ops: &[Op], rewrites: Rewrites) -> Result<(Frame, usize)> {
    run_ops_counted(frame, ops, rewrites, Counted::default())
}

/// What was counted before a plan's remaining operators run: the rows
/// before a slice that has run (`total`), or the rows entering a sort with
/// a limit (`before_limit`). A merge of partitions starts the operators
/// after the merge with the counts over all partitions
/// ([`super::partition`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Counted {
    pub total: Option<usize>,
    pub before_limit: Option<usize>,
}

/// [`run_ops`] after `counted`.
pub fn run_ops_counted(mut frame: Frame, ops: &[Op], rewrites: Rewrites, counted: Counted) -> Result<(Frame, usize)> {
    let Counted { mut total, mut before_limit } = counted;
    for op in ops {
        let rows_in = frame.rows.len();
        frame = step(frame, op, rewrites, &mut before_limit)?;
        match op {
            Op::Slice { .. } => total = Some(before_limit.take().unwrap_or(rows_in)),
            Op::Sort { limit: Some(_), .. } | Op::TopValues { .. } => {}
            _ => before_limit = None,
        }
        // Only the rows change the count: a projection after the slice keeps it.
        if !matches!(op, Op::Slice { .. } | Op::Select(_) | Op::Keep(_)) && total.is_some() {
            total = None;
        }
    }
    let total = total.or(before_limit).unwrap_or(frame.rows.len());
    Ok((frame, total))
}

/// One operator over `frame`. `before_limit` records the rows entering a
/// sort with a limit (or the groups of [`Op::TopValues`]).
fn step(frame: Frame, op: &Op, rewrites: Rewrites, before_limit: &mut Option<usize>) -> Result<Frame> {
    Ok(match op {
        Op::Filter(predicate) => {
            let mask = truth(predicate, &frame.context())?;
            let filtered = Frame { rows: frame.rows.narrow(&mask), batch: frame.batch };
            if rewrites.lazy { filtered } else { filtered.dense()? }
        }
        Op::Derive { name, expr, replace } => {
            if !replace && frame.batch.schema().column_with_name(name).is_some() {
                return Err(QuiverError::InvalidQuery(format!("a column named \"{name}\" exists already; derive another name")));
            }
            // Few rows selected, or values that may fail on rows not
            // selected (a pattern per row): compute on the selected rows only.
            let frame = if sparse(&frame) || has_row_patterns(expr) { frame.dense()? } else { frame };
            let evaluated = evaluate(expr, &frame.context())?;
            let batch = set_column(&frame.batch, name, evaluated)?;
            Frame { batch, rows: frame.rows }
        }
        Op::Select(names) => Frame { batch: project(&frame.batch, names, true)?, rows: frame.rows },
        Op::Keep(names) => Frame { batch: project(&frame.batch, names, false)?, rows: frame.rows },
        Op::Aggregate(aggregate) => Frame::new(aggregate_rows(&frame, aggregate)?),
        Op::Sort { keys, limit } => {
            if limit.is_some() {
                *before_limit = Some(frame.rows.len());
            }
            let order = sort_rows(&frame, keys, *limit)?;
            Frame { batch: frame.batch, rows: Selection::Rows(order) }
        }
        Op::Slice { offset, limit } => Frame { rows: frame.rows.slice(*offset, limit.unwrap_or(usize::MAX)), batch: frame.batch },
        Op::Fold { fields, key, value } => {
            let batch = frame.materialise()?;
            Frame::new(super::fold::fold(&batch, fields, key, value)?)
        }
        Op::DistinctCount { key, outputs, empty } => Frame::new(distinct_count(&frame, key, outputs, *empty)?),
        Op::TopValues { key, count, descending, limit } => {
            let (batch, groups) = top_values(&frame, key, count, *descending, *limit)?;
            *before_limit = Some(groups);
            Frame::new(batch)
        }
    })
}

/// Whether few of the batch's rows are selected (under half): a derived
/// column is then computed on a copy of those rows rather than on all.
fn sparse(frame: &Frame) -> bool {
    frame.rows.len() * 2 < frame.batch.num_rows()
}

/// Whether `expr` matches patterns that come from the rows (not literals).
fn has_row_patterns(expr: &Expr) -> bool {
    let mut found = false;
    expr.visit(&mut |e| {
        if let Expr::Matches { pattern, .. } = e {
            found |= !matches!(pattern.as_ref(), Expr::Literal(_) | Expr::Constant(_));
        }
    });
    found
}

/// `batch` with column `name` set to `evaluated` (replacing one of that
/// name in place, with its companions dropped: the new values are on every
/// row, as they are).
pub fn set_column(batch: &RecordBatch, name: &str, evaluated: Evaluated) -> Result<RecordBatch> {
    let schema = batch.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| super::companion_of(schema.field(i)).is_none_or(|(_, of)| of != name))
        .collect();
    let batch = if keep.len() < schema.fields().len() { batch.project(&keep)? } else { batch.clone() };
    let field = super::field(name, evaluated.array.data_type(), evaluated.bin);
    select::with_column(&batch, field, evaluated.array)
}

/// Only the columns `names` (and their companions), in that order; an
/// unknown name is an error when `strict`, else passed over.
fn project(batch: &RecordBatch, names: &[String], strict: bool) -> Result<RecordBatch> {
    let schema = batch.schema();
    let mut indices = Vec::with_capacity(names.len());
    for name in names {
        match schema.index_of(name) {
            Ok(i) => indices.push(i),
            Err(_) if strict => return Err(QuiverError::UnknownColumn(name.clone())),
            Err(_) => continue,
        }
        indices.extend((0..schema.fields().len()).filter(|&i| super::companion_of(schema.field(i)).is_some_and(|(_, of)| of == name)));
    }
    Ok(batch.project(&indices)?)
}

/// The frame's selected rows in the order `keys` give (the first `limit`).
fn sort_rows(frame: &Frame, keys: &[SortKey], limit: Option<usize>) -> Result<Vec<u32>> {
    let ctx = frame.context();
    let columns = keys
        .iter()
        .map(|key| {
            Ok(SortColumn {
                array: evaluate(&key.expr, &ctx)?.array,
                descending: key.descending,
                nulls_first: key.nulls_first,
                collation: key.collation,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    order::sort(&columns, frame.rows.clone().into_rows(), limit)
}

/// One output row per group of the frame's selected rows.
fn aggregate_rows(frame: &Frame, aggregate: &Aggregate) -> Result<RecordBatch> {
    let ctx = frame.context();
    let keys: Vec<Evaluated> = aggregate.keys.iter().map(|k| evaluate(&k.expr, &ctx)).collect::<Result<_>>()?;
    let key_arrays: Vec<ArrayRef> = keys.iter().map(|k| k.array.clone()).collect();
    let mut groups = group::group(&key_arrays, &frame.rows)?;
    if aggregate.empty == EmptyInput::NoRows && frame.rows.is_empty() {
        groups.first_rows.clear();
    }
    let count = groups.len();
    let mut output = AggregateOutput::default();
    output.keys(aggregate, &keys, &groups.first_rows)?;
    for call in &aggregate.calls {
        let input = call.arg.as_ref().map(|a| evaluate(a, &ctx)).transpose()?.map(|e| e.array);
        let mut accumulator = accumulator(call, input.as_ref().map(|a| kind::kind(a.as_ref())), count)?;
        accumulator.update(input.as_ref(), &frame.rows, &groups.ids)?;
        output.push(super::field(&call.name, &DataType::Null, None), accumulator.finish()?);
    }
    output.finish(count)
}

/// An accumulator of `call` for `groups` groups over input of `kind`; a
/// kind the function cannot take is an error naming the column.
pub(super) fn accumulator(call: &Call, kind: Option<ColumnKind>, groups: usize) -> Result<Accumulator> {
    Accumulator::new(call.func, kind, groups).map_err(|k| {
        QuiverError::InvalidQuery(format!(
            "{} needs a number column; \"{}\" holds {} values",
            accumulate::name(call.func),
            call.arg.as_ref().map_or("", |a| a.name()),
            k.name()
        ))
    })
}

/// An aggregate's output columns as they are made (the unsplit aggregate
/// and the merge of partitions make them alike).
#[derive(Default)]
pub(super) struct AggregateOutput {
    fields: Vec<FieldRef>,
    columns: Vec<ArrayRef>,
}

impl AggregateOutput {
    /// The key columns: each key's values at its group's first row, and a
    /// bin's upper end where asked for.
    pub(super) fn keys(&mut self, aggregate: &Aggregate, keys: &[Evaluated], first_rows: &[u32]) -> Result<()> {
        let first_rows = UInt32Array::from(first_rows.to_vec());
        for (key, evaluated) in aggregate.keys.iter().zip(keys) {
            let values = select::take(evaluated.array.as_ref(), &first_rows)?;
            self.fields.push(super::field(&key.name, values.data_type(), evaluated.bin));
            if let (Some(end), Some(step)) = (&key.end, evaluated.step) {
                let ends: Float64Array = values.as_primitive::<Float64Type>().unary(|lower| lower + step);
                self.columns.push(values);
                self.fields.push(super::field(end, &DataType::Float64, None));
                self.columns.push(Arc::new(ends));
            } else {
                self.columns.push(values);
            }
        }
        Ok(())
    }

    /// A call's column (`field`'s type is set from `values`).
    pub(super) fn push(&mut self, field: FieldRef, values: ArrayRef) {
        self.fields.push(super::field(field.name(), values.data_type(), None));
        self.columns.push(values);
    }

    /// The batch of `groups` rows; two outputs of one name are an error.
    pub(super) fn finish(self, groups: usize) -> Result<RecordBatch> {
        let mut seen = std::collections::HashSet::new();
        if let Some(duplicate) = self.fields.iter().find(|f| !seen.insert(f.name().clone())) {
            return Err(QuiverError::InvalidQuery(format!(
                "two outputs are named \"{}\"; give one of them another name with `as`",
                duplicate.name()
            )));
        }
        select::batch(self.fields, self.columns, groups)
    }
}

/// [`Op::DistinctCount`]: one row of distinct values of `key` (null one of
/// them) and of rows; without input rows, no row or (SQL's) one row of 0
/// and a null sum.
fn distinct_count(frame: &Frame, key: &str, outputs: &[(String, DistinctOutput)], empty: EmptyInput) -> Result<RecordBatch> {
    let array = column(&frame.batch, key)?;
    let rows = frame.rows.len();
    let (distinct, has_null) = if rows == 0 { (0, false) } else { group::distinct_count(array, &frame.rows) };
    let out_rows = usize::from(rows > 0 || empty == EmptyInput::OneRow);
    let mut batch = select::batch(Vec::new(), Vec::new(), out_rows)?;
    for (name, output) in outputs {
        let value = match output {
            DistinctOutput::Values => Some((distinct + has_null as usize) as i64),
            // A sum over no groups is null.
            DistinctOutput::Rows => (rows > 0).then_some(rows as i64),
        };
        let values: ArrayRef = Arc::new(Int64Array::from(vec![value; out_rows]));
        batch = select::with_column(&batch, super::field(name, &DataType::Int64, None), values)?;
    }
    Ok(batch)
}

/// [`Op::TopValues`]: the `limit` most (or least) frequent values of `key`
/// and their counts, ties by first appearance; and how many groups there
/// were.
fn top_values(frame: &Frame, key: &str, count: &str, descending: bool, limit: usize) -> Result<(RecordBatch, usize)> {
    let array = column(&frame.batch, key)?;
    let counts = group::value_counts(array, &frame.rows);
    let mut groups = counts.values;
    groups.extend(counts.nulls);
    groups.sort_unstable_by_key(|g| g.1);
    let total = groups.len();
    let by_count = |a: &(u64, u32), b: &(u64, u32)| {
        let order = if descending { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) };
        order.then(a.1.cmp(&b.1))
    };
    let top = order::first_by(groups, Some(limit), by_count);
    let first_rows = UInt32Array::from_iter_values(top.iter().map(|g| g.1));
    let keys = select::take(array.as_ref(), &first_rows)?;
    let key_field = frame.batch.schema().field_with_name(key)?.clone();
    let counts: ArrayRef = Arc::new(Int64Array::from_iter_values(top.iter().map(|g| g.0 as i64)));
    let batch = select::batch(vec![Arc::new(key_field), super::field(count, &DataType::Int64, None)], vec![keys, counts], top.len())?;
    Ok((batch, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::order::Collation;
    use crate::plan::{Call, GroupKey};
    use arrow_array::{Int32Array, StringArray};

    fn batch() -> RecordBatch {
        RecordBatch::try_from_iter([
            ("k", Arc::new(StringArray::from(vec![Some("a"), Some("b"), None, Some("a"), Some("b")])) as ArrayRef),
            ("n", Arc::new(Int32Array::from(vec![5, 4, 3, 2, 1])) as ArrayRef),
        ])
        .unwrap()
    }

    fn rows_of(batch: &RecordBatch) -> Vec<String> {
        (0..batch.num_rows())
            .map(|r| batch.columns().iter().map(|c| format!("{:?}", crate::rows::cell(c.as_ref(), r))).collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn a_filter_narrows_then_an_aggregate_reads_the_selection() {
        let plan = Plan::new(vec![
            Op::Filter(Predicate::Compare { expr: Expr::column("n"), op: crate::kernels::predicate::Comparison::Gt, value: 1.into() }),
            Op::Aggregate(Aggregate {
                keys: vec![GroupKey { name: "k".into(), expr: Expr::column("k"), end: None }],
                calls: vec![Call { name: "c".into(), func: crate::kernels::accumulate::AggregateFn::Count, arg: None }],
                empty: EmptyInput::OneRow,
            }),
            Op::Sort {
                keys: vec![SortKey { expr: Expr::column("c"), descending: true, nulls_first: false, collation: Collation::CodePoint }],
                limit: None,
            },
            Op::Slice { offset: 0, limit: Some(2) },
        ]);
        for rewrites in [Rewrites::ALL, Rewrites::NONE] {
            let out = Executor::new(batch()).with_rewrites(rewrites).run(&plan).unwrap();
            assert_eq!(rows_of(&out.batch), ["Text(\"a\") Integer(2)", "Text(\"b\") Integer(1)"], "{rewrites:?}");
            assert_eq!(out.total, 3, "groups before the slice");
        }
    }
}
