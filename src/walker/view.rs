//! View queries: `aggregate`, `raw`, `fold` and `bin`.
//!
//! - `aggregate`: one row per distinct combination of `groupBy` values, in
//!   order of first appearance (nulls are a group of their own), with the
//!   keys and one column per measure, named `asFieldKey` or
//!   `${field}_${agg}`. `count` counts rows (its field may be `*`),
//!   `distinctCount` counts distinct values with null as one of them,
//!   `variance` / `stdev` are of the population, `expr` is a SQL expression
//!   of aggregate calls ([`super::sql`]) per group; the others ignore nulls.
//!   A measure with a `format` is of a temporal field: its values are
//!   instants (epoch ms). No rows in, no rows out.
//! - `raw`: the listed fields (all for none or `*`).
//! - `fold`: each row once per folded field, a copy of the row with a key
//!   column (the field's name) and a value column, and without that field.
//! - `bin`: a bin column as the `bin` transform makes.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Int64Array, StringArray, UInt32Array};
use arrow_schema::{DataType, Field};

use super::payload::{Aggregator, Measure, Step, ViewQuery};
use super::sql;
use crate::kernels::time::Reading;
use super::transform::{aggregate_calls_on, resolver, sql_aggregate, temp_name};
use super::{Env, Frame};
use crate::error::{QuiverError, Result};
use crate::kernels::{kind, ColumnKind};
use crate::query::expr::{self, Expr};
use crate::query::spec::AggregateOp;

pub fn apply(frame: Frame, query: &ViewQuery, env: &Env) -> Result<Frame> {
    match query {
        ViewQuery::Aggregate { group_by, measures } => aggregate(frame, group_by, measures, env, None),
        ViewQuery::Raw { fields } if fields.is_empty() || fields.iter().any(|f| f == "*") => Ok(frame),
        ViewQuery::Raw { fields } => {
            let mut unique: Vec<String> = Vec::with_capacity(fields.len());
            for f in fields {
                if !unique.contains(f) {
                    unique.push(f.clone());
                }
            }
            frame.select(&unique)
        }
        ViewQuery::Fold { fold_by, new_fold_key_col, new_fold_value_col } => {
            fold(frame, fold_by, new_fold_key_col, new_fold_value_col)
        }
        ViewQuery::Bin { bin_by, new_bin_col, bin_size } => {
            let mut frame = frame;
            let values = match kind::kind(frame.column(bin_by)?.as_ref()) {
                ColumnKind::Integer | ColumnKind::Float => kind::floats(frame.column(bin_by)?.as_ref()),
                other => {
                    return Err(QuiverError::InvalidQuery(format!(
                        "a bin view needs numbers, but \"{bin_by}\" holds {} values",
                        other.name()
                    )))
                }
            };
            let (indices, bin) = super::transform::bins(&values, super::transform::bin_count(Some(*bin_size))?);
            frame.set_column(new_bin_col, Arc::new(indices), Some(bin))?;
            Ok(frame)
        }
    }
}

/// What one measure needs from the grouping: aggregate calls (indices into
/// the shared list) and how to make its column from their results.
enum Plan {
    /// The result of call `i`.
    Call(usize),
    /// `distinctCount`: distinct non-null values (call `distinct`), plus one
    /// when the group has a null (count of rows `rows` > count of values `values`).
    Distinct { distinct: usize, rows: usize, values: usize },
    /// A SQL expression over calls' results.
    Sql(Expr),
}

/// The aggregate view over `frame`, or over its rows `selected` only (a
/// filter fused into the aggregate, see [`super::compute`]).
pub fn aggregate(frame: Frame, group_by: &[String], measures: &[Measure], env: &Env, selected: Option<Vec<u32>>) -> Result<Frame> {
    let prepared = prepare(&frame, measures, env)?;
    let input_rows = selected.as_ref().map_or(frame.num_rows(), Vec::len);
    let rows_in = match selected {
        Some(rows) => crate::kernels::Selection::Rows(rows),
        None => crate::kernels::Selection::All(frame.num_rows()),
    };
    let grouped = aggregate_calls_on(&prepared.work, &prepared.calls, group_by, rows_in)?;
    finish(&frame, group_by, measures, &prepared, grouped, input_rows)
}

/// An aggregate view made ready to group: the rows with the columns its
/// calls read (instants of temporal measures, bin bounds, validity flags,
/// regular-expression matches), the calls, and how each measure is made
/// from the calls' results.
pub struct Prepared {
    pub work: arrow_array::RecordBatch,
    pub calls: Vec<(AggregateOp, Expr)>,
    plans: Vec<Plan>,
    matches: super::transform::Matches,
}

/// Prepares the aggregate view of `measures` over `frame` (see [`Prepared`]).
pub fn prepare(frame: &Frame, measures: &[Measure], env: &Env) -> Result<Prepared> {
    let mut work = frame.batch.clone();
    let mut calls: Vec<(AggregateOp, Expr)> = Vec::new();
    // Regular-expression matches of `expr` measures (on the rows inside
    // aggregate calls, on the groups outside).
    let mut matches = super::transform::Matches::default();
    let mut plans = Vec::with_capacity(measures.len());
    let push = |calls: &mut Vec<(AggregateOp, Expr)>, op, column: &str| {
        calls.push((op, Expr::Column { column: column.to_string() }));
        calls.len() - 1
    };
    for (m, measure) in measures.iter().enumerate() {
        if measure.agg == Aggregator::Expr {
            let parsed = sql::parse(&measure.field)?;
            let resolve = resolver(&frame.batch);
            let tree = sql::to_expr(&parsed, &measure.field, &resolve, &mut sql::Hooks {
                aggregate: &mut |name, arg| {
                    let op = sql_aggregate(name).ok_or_else(|| QuiverError::InvalidQuery(format!("unknown aggregate {name}()")))?;
                    calls.push((op, arg));
                    Ok(Expr::Column { column: temp_name(calls.len() - 1) })
                },
                matches: &mut |m| Ok(matches.add(m)),
            })?;
            plans.push(Plan::Sql(tree));
            continue;
        }
        if measure.agg == Aggregator::Count {
            plans.push(Plan::Call(push(&mut calls, AggregateOp::Count, "*")));
            continue;
        }
        let mut column = measure.field.clone();
        let source = frame.column(&measure.field)?;
        if measure.format.is_some() && kind::kind(source.as_ref()) != ColumnKind::Integer {
            // A temporal measure aggregates instants.
            let reading = Reading::in_zone(measure.offset.unwrap_or(env.local_offset));
            let instants = super::instants(source, &measure.field, reading)?;
            column = format!("\u{1}time{m}");
            work = super::with_column(&work, &column, Arc::new(instants))?;
        } else if let Some(bin) = frame.bins.get(&measure.field) {
            // A bin measure aggregates lower bounds.
            let lows: arrow_array::Float64Array = kind::integers(source.as_ref()).iter().map(|i| i.map(|i| bin.bounds(i).0)).collect();
            column = format!("\u{1}bin{m}");
            work = super::with_column(&work, &column, Arc::new(lows))?;
        }
        let op = match measure.agg {
            Aggregator::Sum => AggregateOp::Sum,
            Aggregator::Max => AggregateOp::Max,
            Aggregator::Min => AggregateOp::Min,
            Aggregator::Mean => AggregateOp::Mean,
            Aggregator::Median => AggregateOp::Median,
            Aggregator::Variance => AggregateOp::VariancePop,
            Aggregator::Stdev => AggregateOp::StddevPop,
            Aggregator::DistinctCount => {
                let distinct = push(&mut calls, AggregateOp::CountDistinct, &column);
                let rows = push(&mut calls, AggregateOp::Count, "*");
                // A count of values: the count of a derived "is valid" column's non-nulls.
                let valid = format!("\u{1}valid{m}");
                let source = work.column_by_name(&column).expect("present").clone();
                let flags: Int64Array = (0..source.len()).map(|i| source.is_valid(i).then_some(1)).collect();
                work = super::with_column(&work, &valid, Arc::new(flags))?;
                let values = push(&mut calls, AggregateOp::Sum, &valid);
                plans.push(Plan::Distinct { distinct, rows, values });
                continue;
            }
            Aggregator::Count | Aggregator::Expr => unreachable!("handled above"),
        };
        plans.push(Plan::Call(push(&mut calls, op, &column)));
    }

    let work = matches.computed(&work, true)?;
    Ok(Prepared { work, calls, plans, matches })
}

/// The aggregate view's rows from `grouped` (the calls' results by group,
/// over `input_rows` rows; none over no rows, as Graphic Walker answers).
pub fn finish(frame: &Frame, group_by: &[String], measures: &[Measure], prepared: &Prepared, grouped: arrow_array::RecordBatch, input_rows: usize) -> Result<Frame> {
    let (plans, matches) = (&prepared.plans, &prepared.matches);
    let rows = if input_rows == 0 { 0 } else { grouped.num_rows() };
    let grouped = matches.computed(&grouped.slice(0, rows), false)?;
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    let put = |name: &str, values: ArrayRef, fields: &mut Vec<Field>, columns: &mut Vec<ArrayRef>| {
        match fields.iter().position(|f| f.name() == name) {
            Some(i) => {
                fields[i] = Field::new(name, values.data_type().clone(), true);
                columns[i] = values;
            }
            None => {
                fields.push(Field::new(name, values.data_type().clone(), true));
                columns.push(values);
            }
        }
    };
    for key in group_by {
        let values = grouped.column_by_name(key).expect("a key column").clone();
        put(key, values, &mut fields, &mut columns);
    }
    for (measure, plan) in measures.iter().zip(plans) {
        let call = |i: usize| grouped.column_by_name(&temp_name(i)).expect("an aggregate column").clone();
        let values: ArrayRef = match plan {
            Plan::Call(i) => call(*i),
            Plan::Distinct { distinct, rows, values } => {
                let (d, r, v) = (kind::integers(call(*distinct).as_ref()), kind::integers(call(*rows).as_ref()), kind::integers(call(*values).as_ref()));
                let counts: Int64Array = (0..d.len())
                    .map(|g| Some(d.value(g) + i64::from(r.value(g) > if v.is_valid(g) { v.value(g) } else { 0 })))
                    .collect();
                Arc::new(counts)
            }
            Plan::Sql(tree) => expr::evaluate(tree, &grouped)?.into_array(),
        };
        put(&measure.key(), values, &mut fields, &mut columns);
    }
    let bins = frame.bins.iter().filter(|(k, _)| group_by.contains(k)).map(|(k, v)| (k.clone(), *v)).collect();
    Ok(Frame { batch: super::batch(fields, columns, rows)?, bins })
}

/// Graphic Walker's "how many distinct values" query, two steps: group by
/// one field counting rows as `C`, then over all groups count them and sum
/// `C`. Answered from the group ids alone (no per-group aggregates or group
/// rows), which matters for a field of a million distinct values. `None`
/// when `step` and `next` are not that pair.
pub fn distinct_meta(frame: &Frame, step: &Step, next: &Step) -> Result<Option<Frame>> {
    let (Step::View { query: first }, Step::View { query: second }) = (step, next) else { return Ok(None) };
    let ([ViewQuery::Aggregate { group_by: key, measures: per_group }], [ViewQuery::Aggregate { group_by: none, measures: totals }]) =
        (first.as_slice(), second.as_slice())
    else {
        return Ok(None);
    };
    let ([key], [counted]) = (key.as_slice(), per_group.as_slice()) else { return Ok(None) };
    if !none.is_empty() || counted.agg != Aggregator::Count || totals.is_empty() {
        return Ok(None);
    }
    let counted_key = counted.key();
    let is_count = |m: &Measure| m.agg == Aggregator::Count && m.field != counted_key;
    let is_sum_of_counts = |m: &Measure| m.agg == Aggregator::Sum && m.field == counted_key;
    if !totals.iter().all(|m| is_count(m) || is_sum_of_counts(m)) || frame.bins.contains_key(key) {
        return Ok(None);
    }
    let rows = frame.num_rows();
    let groups = if rows == 0 {
        0
    } else {
        distinct_values(frame.column(key)?)?
    };
    let out_rows = usize::from(rows > 0);
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for m in totals {
        let value = if is_count(m) { groups } else { rows } as i64;
        let name = m.key();
        if let Some(i) = fields.iter().position(|f: &Field| f.name() == &name) {
            fields.remove(i);
            columns.remove(i);
        }
        fields.push(Field::new(&name, DataType::Int64, true));
        columns.push(Arc::new(Int64Array::from(vec![value; out_rows])));
    }
    Ok(Some(Frame { batch: super::batch(fields, columns, out_rows)?, bins: Default::default() }))
}

/// Graphic Walker's "most (or least) frequent values" query: group by one
/// field counting rows, sorted by the count, with a limit — for a field of
/// many distinct numbers or times. Sorting (value, row) pairs finds each
/// value's count and first row without a hash table of a million groups
/// (and is nearly free when the file is in that field's order); then only
/// the first `top` groups by (count, first appearance) are built. `None`
/// when the steps are not that pair or the field is not primitive.
pub fn top_values(frame: &Frame, step: &Step, next: &Step, top: usize) -> Result<Option<Frame>> {
    let (Step::View { query }, Step::Sort { sort, by }) = (step, next) else { return Ok(None) };
    let [ViewQuery::Aggregate { group_by, measures }] = query.as_slice() else { return Ok(None) };
    let ([key], [counted], [sort_key]) = (group_by.as_slice(), measures.as_slice(), by.as_slice()) else { return Ok(None) };
    let count_key = counted.key();
    if counted.agg != Aggregator::Count || *sort_key != count_key || count_key == *key || frame.bins.contains_key(key) {
        return Ok(None);
    }
    let column = frame.column(key)?;
    if crate::kernels::order::primitive_codes(column.as_ref()).is_none() {
        return Ok(None);
    }
    let counts = crate::kernels::group::value_counts(column, &crate::kernels::Selection::All(column.len()));
    let mut groups: Vec<(u64, u32)> = counts.values;
    groups.extend(counts.nulls);
    let descending = *sort == super::payload::SortDirection::Descending;
    let order = |a: &(u64, u32), b: &(u64, u32)| {
        let by_count = if descending { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) };
        by_count.then(a.1.cmp(&b.1))
    };
    let groups = crate::kernels::order::first_by(groups, Some(top), order);
    let top = groups.len();
    let first_rows = UInt32Array::from_iter_values(groups.iter().map(|g| g.1));
    let keys = crate::kernels::select::take(column.as_ref(), &first_rows)?;
    let counts = Int64Array::from_iter_values(groups.iter().map(|g| g.0 as i64));
    let fields = vec![Field::new(key, keys.data_type().clone(), true), Field::new(&count_key, DataType::Int64, true)];
    Ok(Some(Frame { batch: super::batch(fields, vec![keys, Arc::new(counts)], top)?, bins: Default::default() }))
}

/// How many distinct values `column` has, null counting as one.
fn distinct_values(column: &ArrayRef) -> Result<usize> {
    let (distinct, has_null) = crate::kernels::group::distinct_count(column, &crate::kernels::Selection::All(column.len()));
    Ok(distinct + has_null as usize)
}

/// Graphic Walker's `fold`: each row once per field `k` of `fold_by` (row by
/// row), a copy of the whole row with `key_col` set to `k`, `value_col` to
/// the row's value of `k`, and `k` itself deleted from that copy (its
/// [`super::absent_name`] companion), so the other folded fields stay.
/// Values keep their own type: fields of one type give a column of that
/// type, numbers of differing types numbers; otherwise the column holds the
/// values' text and a [`super::json_name`] companion their JSON (a number
/// stays a number in the answer).
fn fold(frame: Frame, fold_by: &[String], key_col: &str, value_col: &str) -> Result<Frame> {
    if fold_by.is_empty() {
        return Ok(Frame { batch: frame.batch.slice(0, 0), bins: frame.bins });
    }
    let sources: Vec<(ArrayRef, Option<super::Bin>)> =
        fold_by.iter().map(|f| Ok((frame.column(f)?.clone(), frame.bins.get(f).copied()))).collect::<Result<_>>()?;
    let n = frame.num_rows();
    let k = fold_by.len();
    let repeated = UInt32Array::from_iter_values((0..n as u32).flat_map(|r| std::iter::repeat_n(r, k)));
    // Every column of the row is copied (companions too), except the two the
    // fold writes, whose old companions no longer apply.
    let replaced = [key_col, value_col].map(|c| [c.to_string(), super::absent_name(c), super::json_name(c)]);
    let schema = frame.batch.schema();
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in schema.fields().iter().zip(frame.batch.columns()) {
        if replaced.iter().flatten().any(|r| r == field.name()) {
            continue;
        }
        fields.push(field.as_ref().clone());
        columns.push(crate::kernels::select::take(column.as_ref(), &repeated)?);
    }
    let keys: StringArray = (0..n * k).map(|i| Some(fold_by[i % k].as_str())).collect();
    let (values, json) = fold_values(&sources)?;
    // Row-major: output row i·k + j is field j of row i, which is row j·n + i
    // of the fields one after another. (Concat + take rather than arrow's
    // `interleave`, whose generic code for every type costs the wasm 250 KB.)
    let order = UInt32Array::from_iter_values((0..n * k).map(|i| ((i % k) * n + i / k) as u32));
    let row_major = |parts: &[ArrayRef]| -> Result<ArrayRef> {
        let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
        crate::kernels::select::take(crate::kernels::select::concat(&refs)?.as_ref(), &order)
    };
    fields.push(Field::new(key_col, DataType::Utf8, true));
    columns.push(Arc::new(keys) as ArrayRef);
    let values = row_major(&values)?;
    fields.push(Field::new(value_col, values.data_type().clone(), true));
    columns.push(values);
    if let Some(json) = json {
        fields.push(Field::new(super::json_name(value_col), DataType::Utf8, true));
        columns.push(row_major(&json)?);
    }
    // `delete newRow[k]`: copy j of each row has no field `fold_by[j]` (and
    // keeps it absent where an earlier fold had deleted it).
    let mut deleted: Vec<&String> = Vec::new();
    for name in fold_by {
        if deleted.contains(&name) || !fields.iter().any(|f| f.name() == name) {
            continue;
        }
        deleted.push(name);
        let absent = super::absent_name(name);
        let earlier = fields.iter().position(|f| f.name() == &absent);
        let before = earlier.map(|i| columns[i].as_boolean().clone());
        let mask: arrow_array::BooleanArray = (0..n * k)
            .map(|i| Some(fold_by[i % k] == *name || before.as_ref().is_some_and(|b| b.value(i))))
            .collect();
        match earlier {
            Some(i) => columns[i] = Arc::new(mask),
            None => {
                fields.push(Field::new(&absent, DataType::Boolean, true));
                columns.push(Arc::new(mask));
            }
        }
    }
    let bins = frame
        .bins
        .iter()
        .filter(|(name, _)| *name != key_col && *name != value_col && fields.iter().any(|f| f.name() == *name))
        .map(|(a, b)| (a.clone(), *b))
        .collect();
    Ok(Frame { batch: super::batch(fields, columns, n * k)?, bins })
}

/// The folded values of each source, in one type: (values, JSON texts when
/// the values are held as text but are not all text).
fn fold_values(sources: &[(ArrayRef, Option<super::Bin>)]) -> Result<(Vec<ArrayRef>, Option<Vec<ArrayRef>>)> {
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
        return Ok((sources.iter().map(|(s, _)| super::plain_text(s)).collect::<Result<_>>()?, None));
    }
    let texts = sources.iter().map(|(s, bin)| as_text(s, *bin)).collect();
    let json = sources
        .iter()
        .map(|(s, bin)| {
            let mut out = String::new();
            let values: StringArray = (0..s.len())
                .map(|row| {
                    out.clear();
                    super::json::write_value(s.as_ref(), row, *bin, &mut out);
                    Some(out.clone())
                })
                .collect();
            Arc::new(values) as ArrayRef
        })
        .collect();
    Ok((texts, Some(json)))
}

/// Any column as text, the way rows show it (bins as `lo,hi`).
fn as_text(array: &ArrayRef, bin: Option<super::Bin>) -> ArrayRef {
    let mut text = String::new();
    let values: StringArray = (0..array.len())
        .map(|row| {
            text.clear();
            super::json::cell_text(array.as_ref(), row, bin, &mut text).then(|| text.clone())
        })
        .collect();
    Arc::new(values)
}
