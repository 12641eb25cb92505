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
//! - `fold`: each row once per folded field, that field replaced by a key
//!   column (its name) and a value column.
//! - `bin`: a bin column as the `bin` transform makes.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Int64Array, StringArray, UInt32Array};
use arrow_schema::{DataType, Field};

use super::payload::{Aggregator, Measure, Step, ViewQuery};
use super::sql;
use super::time::{self, Reading};
use super::transform::{aggregate_calls_on, resolver, sql_aggregate, temp_name};
use super::{Env, Frame};
use crate::error::{QuiverError, Result};
use crate::query::domain::{self, Kind};
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
            let values = match Kind::of(frame.column(bin_by)?.data_type()) {
                Kind::Integer | Kind::Float => domain::floats(frame.column(bin_by)?),
                kind => {
                    return Err(QuiverError::InvalidQuery(format!(
                        "a bin view needs numbers, but \"{bin_by}\" holds {} values",
                        kind.name()
                    )))
                }
            };
            if !(bin_size.is_finite() && *bin_size >= 1.0) {
                return Err(QuiverError::InvalidQuery(format!("a bin count must be 1 or more, not {bin_size}")));
            }
            let (indices, bin) = super::transform::bins(&values, *bin_size as usize);
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
    let mut work = frame.batch.clone();
    let mut calls: Vec<(AggregateOp, Expr)> = Vec::new();
    let mut plans = Vec::with_capacity(measures.len());
    let push = |calls: &mut Vec<(AggregateOp, Expr)>, op, column: &str| {
        calls.push((op, Expr::Column { column: column.to_string() }));
        calls.len() - 1
    };
    for (m, measure) in measures.iter().enumerate() {
        if measure.agg == Aggregator::Expr {
            let parsed = sql::parse(&measure.field)?;
            let resolve = resolver(&frame.batch);
            let tree = sql::to_expr(&parsed, &measure.field, &resolve, &mut |name, arg| {
                let op = sql_aggregate(name).ok_or_else(|| QuiverError::InvalidQuery(format!("unknown aggregate {name}()")))?;
                calls.push((op, arg));
                Ok(Expr::Column { column: temp_name(calls.len() - 1) })
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
        if measure.format.is_some() && Kind::of(source.data_type()) != Kind::Integer {
            // A temporal measure aggregates instants.
            let reading = Reading::in_zone(measure.offset.unwrap_or(env.local_offset));
            let instants = time::instants(source, &measure.field, reading)?;
            column = format!("\u{1}time{m}");
            work = super::with_column(&work, &column, Arc::new(instants))?;
        } else if let Some(bin) = frame.bins.get(&measure.field) {
            // A bin measure aggregates lower bounds.
            let lows: arrow_array::Float64Array = domain::integers(source).iter().map(|i| i.map(|i| bin.bounds(i).0)).collect();
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

    let input_rows = selected.as_ref().map_or(frame.num_rows(), Vec::len);
    let rows_in = match selected {
        Some(rows) => crate::query::group::RowSet::Some(rows),
        None => crate::query::group::RowSet::All(frame.num_rows()),
    };
    let grouped = aggregate_calls_on(&work, &calls, group_by, rows_in)?;
    let rows = if input_rows == 0 { 0 } else { grouped.num_rows() };
    let grouped = grouped.slice(0, rows);
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
    for (measure, plan) in measures.iter().zip(&plans) {
        let call = |i: usize| grouped.column_by_name(&temp_name(i)).expect("an aggregate column").clone();
        let values: ArrayRef = match plan {
            Plan::Call(i) => call(*i),
            Plan::Distinct { distinct, rows, values } => {
                let (d, r, v) = (domain::integers(&call(*distinct)), domain::integers(&call(*rows)), domain::integers(&call(*values)));
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
    let Some(bits) = crate::query::group::primitive_bits(column.as_ref()) else { return Ok(None) };
    let nulls = column.logical_nulls();
    let valid = |row: usize| nulls.as_ref().is_none_or(|n| n.is_valid(row));
    let mut pairs: Vec<(u64, u32)> = (0..bits.len()).filter(|&r| valid(r)).map(|r| (bits[r], r as u32)).collect();
    pairs.sort_unstable();
    // (count, first row) of each distinct value, and of the nulls.
    let mut groups: Vec<(u64, u32)> = Vec::new();
    let mut start = 0;
    while start < pairs.len() {
        let mut end = start + 1;
        while end < pairs.len() && pairs[end].0 == pairs[start].0 {
            end += 1;
        }
        groups.push(((end - start) as u64, pairs[start].1));
        start = end;
    }
    if let Some(first_null) = (0..bits.len()).find(|&r| !valid(r)) {
        groups.push((column.logical_null_count() as u64, first_null as u32));
    }
    let descending = *sort == super::payload::SortDirection::Descending;
    let order = |a: &(u64, u32), b: &(u64, u32)| {
        let by_count = if descending { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) };
        by_count.then(a.1.cmp(&b.1))
    };
    let top = top.min(groups.len());
    if top < groups.len() && top > 0 {
        groups.select_nth_unstable_by(top - 1, order);
    }
    groups.truncate(top);
    groups.sort_unstable_by(order);
    let first_rows = UInt32Array::from_iter_values(groups.iter().map(|g| g.1));
    let keys = crate::arrays::take(column.as_ref(), &first_rows)?;
    let counts = Int64Array::from_iter_values(groups.iter().map(|g| g.0 as i64));
    let fields = vec![Field::new(key, keys.data_type().clone(), true), Field::new(&count_key, DataType::Int64, true)];
    Ok(Some(Frame { batch: super::batch(fields, vec![keys, Arc::new(counts)], top)?, bins: Default::default() }))
}

/// How many distinct values `column` has, null counting as one.
fn distinct_values(column: &ArrayRef) -> Result<usize> {
    let null = usize::from(column.logical_null_count() > 0);
    if let Some(dictionary) = column.as_any_dictionary_opt() {
        let keys = domain::integers(&dictionary.keys().slice(0, column.len()));
        let mut used = vec![false; dictionary.values().len()];
        keys.iter().flatten().for_each(|k| used[k as usize] = true);
        return Ok(used.into_iter().filter(|u| *u).count() + null);
    }
    if let Some(mut bits) = crate::query::group::primitive_bits(column.as_ref()) {
        // Sorting and counting runs beats hashing a million distinct values.
        if let Some(nulls) = column.logical_nulls() {
            bits = bits.into_iter().zip(nulls.iter()).filter_map(|(b, valid)| valid.then_some(b)).collect();
        }
        bits.sort_unstable();
        bits.dedup();
        return Ok(bits.len() + null);
    }
    let all = crate::query::group::RowSet::All(column.len());
    Ok(crate::query::group::group(std::slice::from_ref(column), &all)?.len())
}

/// Each row once per field of `fold_by` (row by row), with the field's name
/// in `key_col` and its value in `value_col`; the folded fields are dropped.
fn fold(frame: Frame, fold_by: &[String], key_col: &str, value_col: &str) -> Result<Frame> {
    if fold_by.is_empty() {
        return Ok(Frame { batch: frame.batch.slice(0, 0), bins: frame.bins });
    }
    let sources: Vec<ArrayRef> = fold_by.iter().map(|f| frame.column(f).cloned()).collect::<Result<_>>()?;
    let n = frame.num_rows();
    let k = fold_by.len();
    let repeated = UInt32Array::from_iter_values((0..n as u32).flat_map(|r| std::iter::repeat_n(r, k)));
    let schema = frame.batch.schema();
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in schema.fields().iter().zip(frame.batch.columns()) {
        if fold_by.contains(field.name()) || field.name() == key_col || field.name() == value_col {
            continue;
        }
        fields.push(field.as_ref().clone());
        columns.push(crate::arrays::take(column.as_ref(), &repeated)?);
    }
    let keys: StringArray = (0..n * k).map(|i| Some(fold_by[i % k].as_str())).collect();
    // The values of differing columns share one type: numbers when all are
    // numbers, else text.
    let numeric = sources.iter().all(|s| matches!(Kind::of(s.data_type()), Kind::Integer | Kind::Float));
    let unified: Vec<ArrayRef> = sources
        .iter()
        .map(|s| -> Result<ArrayRef> {
            Ok(if numeric {
                Arc::new(domain::floats(s))
            } else if Kind::of(s.data_type()) == Kind::Text {
                super::plain_text(s)?
            } else {
                arrow_cast_to_text(s)
            })
        })
        .collect::<Result<_>>()?;
    // Row-major: output row i·k + j is field j of row i, which is row j·n + i
    // of the fields one after another. (Concat + take rather than arrow's
    // `interleave`, whose generic code for every type costs the wasm 250 KB.)
    let refs: Vec<&dyn Array> = unified.iter().map(|a| a.as_ref()).collect();
    let stacked = crate::arrays::concat(&refs)?;
    let order = UInt32Array::from_iter_values((0..n * k).map(|i| ((i % k) * n + i / k) as u32));
    let values = crate::arrays::take(stacked.as_ref(), &order)?;
    fields.push(Field::new(key_col, DataType::Utf8, true));
    columns.push(Arc::new(keys) as ArrayRef);
    fields.push(Field::new(value_col, values.data_type().clone(), true));
    columns.push(values);
    let bins = frame.bins.iter().filter(|(name, _)| fields.iter().any(|f| f.name() == *name)).map(|(a, b)| (a.clone(), *b)).collect();
    Ok(Frame { batch: super::batch(fields, columns, n * k)?, bins })
}

/// Any column as text, the way rows show it.
fn arrow_cast_to_text(array: &ArrayRef) -> ArrayRef {
    let mut text = String::new();
    let values: StringArray = (0..array.len())
        .map(|row| {
            text.clear();
            super::json::cell_text(array.as_ref(), row, None, &mut text).then(|| text.clone())
        })
        .collect();
    Arc::new(values)
}
