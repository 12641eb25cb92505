//! Computed fields (`transform` steps): each expression adds (or replaces)
//! the column named by its `as`, in order, so a later one may use an
//! earlier one. What each operator computes follows Graphic Walker's
//! `execExp.ts`:
//!
//! - `bin` (`num` bins, default 10): equal-width bins between the column's
//!   minimum and maximum, the top value in the last bin; the value is
//!   `[lo, hi]` (stored as a bin index, see [`super::Bin`]);
//! - `binCount` (`num` bins): equal-count bins by rank, numbered from 1;
//! - `log` (base `num`, default 10), `log2`, `log10`;
//! - `one`: the number 1 on every row;
//! - `dateTimeDrill` / `dateTimeFeature`: see [`super::time`]; a drilled
//!   value is the instant (epoch ms) starting the period;
//! - `expr`: a SQL expression ([`super::sql`]); aggregate calls in it are
//!   over all rows of the step;
//! - `paint` (a brushed selection painted onto a scatter plot) is not
//!   supported and says so.
//!
//! As in Graphic Walker (where `null` turns into 0 in arithmetic), a null
//! counts as 0 in `bin` and `binCount`, limits included, so every row has a
//! bin; the log of a null (or of 0) is null.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch};
use serde_json::Value;

use super::payload::{Expression, Param};
use super::sql;
use super::{Bin, Env, Frame};
use crate::error::{QuiverError, Result};
use crate::kernels::regexp::JsRegex;
use crate::kernels::time::{self, Drill, Feature, Reading};
use crate::kernels::{kind, ColumnKind, Selection};
use crate::query::expr::{self, Expr};
use crate::query::spec::{Aggregate, AggregateOp, AggregateSpec};

/// Adds the column `exp` computes (and those of nested expressions) to `frame`.
/// Whether `exp` computes each row from that row alone (date drills and
/// features, logs, `one`), so it can run on any part of the rows: a filter
/// fuses past it ([`super::compute`]) and shards run it ([`super::shards`]).
pub fn is_row_local(exp: &Expression) -> bool {
    matches!(exp.op.as_str(), "dateTimeDrill" | "dateTimeFeature" | "log" | "log2" | "log10" | "one")
        && exp.params.iter().all(|p| !matches!(p, super::payload::Param::Expression(_)))
}

pub fn apply(frame: &mut Frame, exp: &Expression, env: &Env) -> Result<()> {
    for param in &exp.params {
        if let Param::Expression(nested) = param {
            apply(frame, nested, env)?;
        }
    }
    let source = || -> Result<(&str, &ArrayRef)> {
        let name = exp
            .field()
            .ok_or_else(|| QuiverError::InvalidQuery(format!("the `{}` transform for \"{}\" names no field", exp.op, exp.name)))?;
        Ok((name, frame.column(name)?))
    };
    let rows = frame.num_rows();
    match exp.op.as_str() {
        "one" => frame.set_column(&exp.name, Arc::new(Int64Array::from(vec![1i64; rows])), None),
        "log" | "log2" | "log10" => {
            let base = match exp.op.as_str() {
                "log2" => 2.0,
                "log10" => 10.0,
                _ => exp.num.unwrap_or(10.0),
            };
            let (name, array) = source()?;
            let values = numbers(array, name, &exp.op)?;
            let logs: Float64Array = values.iter().map(|v| v.map(|v| v.ln() / base.ln()).filter(|v| v.is_finite())).collect();
            frame.set_column(&exp.name, Arc::new(logs), None)
        }
        "bin" => {
            let (name, array) = source()?;
            let (indices, bin) = bins(&numbers(array, name, "bin")?, bin_count(exp.num)?);
            frame.set_column(&exp.name, Arc::new(indices), Some(bin))
        }
        "binCount" => {
            let (name, array) = source()?;
            let ranked = bins_by_rank(&numbers(array, name, "binCount")?, bin_count(exp.num)?);
            frame.set_column(&exp.name, Arc::new(ranked), None)
        }
        "dateTimeDrill" | "dateTimeFeature" => {
            let (name, array) = source()?;
            let level = exp.value().and_then(Value::as_str).unwrap_or_default();
            let reading = Reading::in_zone(exp.offset().unwrap_or(env.local_offset));
            let display = exp.display_offset().unwrap_or(env.local_offset);
            let instants = super::instants(array, name, reading)?;
            let (of, by_day): (Box<dyn Fn(i64) -> Option<i64>>, bool) = if exp.op == "dateTimeDrill" {
                let drill = Drill::parse(level).ok_or_else(|| unknown_level("drill", level))?;
                (Box::new(move |v| drill.start(v, display)), !matches!(drill, Drill::Hour | Drill::Minute | Drill::Second))
            } else {
                let feature = Feature::parse(level).ok_or_else(|| unknown_level("feature", level))?;
                (Box::new(move |v| feature.of(v, display)), !matches!(feature, Feature::Hour | Feature::Minute | Feature::Second))
            };
            // Graphic Walker first reads each value in the `offset` zone: a
            // JavaScript date must hold that wall clock too.
            let parse_offset = reading.offset;
            let values = per_instant(&instants, display, by_day, move |v| time::wall_ms(v, parse_offset).and_then(|_| of(v)));
            frame.set_column(&exp.name, Arc::new(values), None)
        }
        "expr" => {
            let text = exp
                .sql()
                .ok_or_else(|| QuiverError::InvalidQuery(format!("the computed field \"{}\" has no SQL expression", exp.name)))?;
            let values = evaluate_sql(&frame.batch, text)?;
            frame.set_column(&exp.name, values, None)
        }
        "paint" => Err(QuiverError::InvalidQuery(format!(
            "\"{}\" is a painted field; painting is not supported by this engine yet",
            exp.name
        ))),
        other => Err(QuiverError::InvalidQuery(format!("unknown transform `{other}` for \"{}\"", exp.name))),
    }
}

/// `of(instant)` for every instant. When the answer depends only on the
/// display day (`by_day`), it is computed once per run of rows on the same
/// day: files are often in time order, and the calendar arithmetic is the
/// cost here (measured: a month drill of a million timestamps in time order
/// from 28 ms to a few).
/// A null instant stays null, and so does one whose answer is `None`.
fn per_instant(instants: &Int64Array, display: i32, by_day: bool, of: impl Fn(i64) -> Option<i64>) -> Int64Array {
    let (mut last_day, mut last) = (None, None);
    instants
        .iter()
        .map(|v| {
            let v = v?;
            if !by_day {
                return of(v);
            }
            // Days beyond a JavaScript date are never memoised (`of` says None).
            let day = time::wall_ms(v, display).map(|ms| ms.div_euclid(time::MS_PER_DAY));
            if day.is_none() || day != last_day {
                (last_day, last) = (day, of(v));
            }
            last
        })
        .collect()
}

fn unknown_level(what: &str, level: &str) -> QuiverError {
    QuiverError::InvalidQuery(format!("\"{level}\" is not a date/time {what} level"))
}

/// A bin count as Graphic Walker's `bin` transform and bin view send it
/// (10 when absent): 1 to 1,000,000 (more bins than that cannot be drawn,
/// and a count beyond 2^53 cannot even number its bins).
pub(crate) fn bin_count(num: Option<f64>) -> Result<usize> {
    let n = num.unwrap_or(10.0);
    if (1.0..=1e6).contains(&n) {
        Ok(n as usize)
    } else {
        Err(QuiverError::InvalidQuery(format!("a bin count must be between 1 and 1,000,000, not {n}")))
    }
}

/// A column's values as numbers (times as epoch ms).
fn numbers(array: &ArrayRef, name: &str, op: &str) -> Result<Float64Array> {
    match kind::kind(array.as_ref()) {
        ColumnKind::Integer | ColumnKind::Float => Ok(kind::floats(array.as_ref())),
        ColumnKind::Date | ColumnKind::Timestamp => Ok(kind::micros(array.as_ref()).unary(|m| (m / 1000) as f64)),
        other => Err(QuiverError::InvalidQuery(format!("`{op}` needs numbers, but \"{name}\" holds {} values", other.name()))),
    }
}

/// Graphic Walker's equal-width bins (a null counts as 0): (bin index per
/// value, the bins).
pub fn bins(values: &Float64Array, count: usize) -> (Int64Array, Bin) {
    let zeroed: Float64Array = values.iter().map(|v| Some(v.unwrap_or(0.0))).collect();
    let domain = crate::kernels::bins::finite_domain(&zeroed, &Selection::All(zeroed.len()));
    crate::kernels::bins::js_equal_width(&zeroed, count, domain)
}

/// Equal-count bins numbered 1..=count by each value's rank (ties in row order).
fn bins_by_rank(values: &Float64Array, count: usize) -> Int64Array {
    crate::kernels::bins::by_rank(values, &Selection::All(values.len()), count)
}

/// Names a SQL text refers to, matched to the batch's columns: exactly, else
/// ignoring case.
pub fn resolver(batch: &RecordBatch) -> impl Fn(&str) -> Option<String> + '_ {
    move |name: &str| {
        let schema = batch.schema();
        let fields = schema.fields();
        fields
            .iter()
            .find(|f| f.name() == name)
            .or_else(|| fields.iter().find(|f| f.name().eq_ignore_ascii_case(name)))
            .map(|f| f.name().clone())
    }
}

/// The aggregate a SQL function name stands for (as Graphic Walker defines
/// them: `variance` and `stdev` are of the population).
pub fn sql_aggregate(name: &str) -> Option<AggregateOp> {
    Some(match name {
        "sum" => AggregateOp::Sum,
        "mean" | "avg" => AggregateOp::Mean,
        "median" => AggregateOp::Median,
        "stdev" => AggregateOp::StddevPop,
        "variance" => AggregateOp::VariancePop,
        "max" => AggregateOp::Max,
        "min" => AggregateOp::Min,
        "count" => AggregateOp::Count,
        "distinctcount" => AggregateOp::CountDistinct,
        _ => return None,
    })
}

/// A SQL expression's value on every row of `batch`; aggregate calls are
/// over all rows.
pub fn evaluate_sql(batch: &RecordBatch, text: &str) -> Result<ArrayRef> {
    let parsed = sql::parse(text)?;
    let resolve = resolver(batch);
    let mut calls: Vec<(AggregateOp, Expr)> = Vec::new();
    let mut matches = Matches::default();
    let tree = sql::to_expr(&parsed, text, &resolve, &mut sql::Hooks {
        aggregate: &mut |name, arg| {
            let op = sql_aggregate(name).ok_or_else(|| QuiverError::InvalidQuery(format!("unknown aggregate {name}()")))?;
            calls.push((op, arg));
            Ok(Expr::Column { column: temp_name(calls.len() - 1) })
        },
        matches: &mut |m| Ok(matches.add(m)),
    })?;
    // Matches inside aggregate calls are on the rows, before aggregating.
    let rows = matches.computed(batch, true)?;
    let mut work = rows.clone();
    if !calls.is_empty() {
        // Each aggregate over all rows, as a constant column.
        let scalars = aggregate_calls(&rows, &calls, &[])?;
        for (i, scalar) in scalars.columns().iter().enumerate() {
            let constant = if scalar.is_empty() {
                arrow_array::new_null_array(scalar.data_type(), batch.num_rows())
            } else {
                let zeros = arrow_array::UInt32Array::from(vec![0u32; batch.num_rows()]);
                crate::kernels::select::take(scalar.as_ref(), &zeros)?
            };
            work = super::with_column(&work, &temp_name(i), constant)?;
        }
    }
    let work = matches.computed(&work, false)?;
    Ok(expr::evaluate(&tree, &work)?.into_array())
}

/// The regular-expression matches of a SQL expression ([`sql::Match`]),
/// each read by the tree as a working column.
#[derive(Default)]
pub struct Matches {
    list: Vec<sql::Match>,
}

impl Matches {
    /// Keeps `m`; the expression reading its result.
    pub fn add(&mut self, m: sql::Match) -> Expr {
        self.list.push(m);
        Expr::Column { column: format!("\u{1}match{}", self.list.len() - 1) }
    }

    /// `batch` with the columns of the matches inside aggregate calls
    /// (`in_aggregate`) or of the others.
    pub fn computed(&self, batch: &RecordBatch, in_aggregate: bool) -> Result<RecordBatch> {
        let mut work = batch.clone();
        for (i, m) in self.list.iter().enumerate().filter(|(_, m)| m.in_aggregate == in_aggregate) {
            let values = match_column(&work, m)?;
            work = super::with_column(&work, &format!("\u{1}match{i}"), values)?;
        }
        Ok(work)
    }
}

/// `new RegExp(pattern[, 'i']).test(text)` on every row (text and pattern
/// as JavaScript writes them, numbers included); null when either is null.
/// A pattern JavaScript rejects is an error, as Graphic Walker's evaluator
/// throws.
pub fn match_column(batch: &RecordBatch, m: &sql::Match) -> Result<ArrayRef> {
    let texts = expr::evaluate(&m.text, batch)?.into_array();
    let patterns = expr::evaluate(&m.pattern, batch)?.into_array();
    let mut compiled: HashMap<String, JsRegex> = HashMap::new();
    let (mut text, mut pattern) = (String::new(), String::new());
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        text.clear();
        pattern.clear();
        if !super::json::cell_text(texts.as_ref(), row, None, &mut text) || !super::json::cell_text(patterns.as_ref(), row, None, &mut pattern) {
            out.push(None);
            continue;
        }
        if !compiled.contains_key(&pattern) {
            let regex = JsRegex::new(&pattern, m.ignore_case)
                .map_err(|e| QuiverError::InvalidQuery(format!("in a SQL expression, /{pattern}/: {e}")))?;
            compiled.insert(pattern.clone(), regex);
        }
        out.push(Some(compiled[&pattern].test(&text) != m.negated));
    }
    Ok(Arc::new(arrow_array::BooleanArray::from(out)))
}

/// The name of the temporary column holding aggregate call `i`.
pub fn temp_name(i: usize) -> String {
    format!("\u{1}agg{i}")
}

/// Aggregate calls (operator, argument) over `batch` grouped by `group_by`:
/// a batch of the keys, then one column per call named [`temp_name`].
pub fn aggregate_calls(batch: &RecordBatch, calls: &[(AggregateOp, Expr)], group_by: &[String]) -> Result<RecordBatch> {
    aggregate_calls_on(batch, calls, group_by, Selection::All(batch.num_rows()))
}

/// [`aggregate_calls`] over `rows` of `batch` only.
pub fn aggregate_calls_on(batch: &RecordBatch, calls: &[(AggregateOp, Expr)], group_by: &[String], rows: Selection) -> Result<RecordBatch> {
    let (work, plan) = aggregate_plan(batch, calls, group_by)?;
    let frame = crate::plan::execute::Frame { batch: work, rows };
    let (frame, _) = crate::plan::execute::run_ops(frame, &plan.ops, crate::plan::Rewrites::ALL)?;
    frame.materialise()
}

/// The plan of `calls` grouped by `group_by` over `batch`, and the batch
/// with the columns the plan reads (an argument that is an expression,
/// evaluated).
pub fn aggregate_plan(batch: &RecordBatch, calls: &[(AggregateOp, Expr)], group_by: &[String]) -> Result<(RecordBatch, crate::plan::Plan)> {
    let mut work = batch.clone();
    let mut aggregates = Vec::with_capacity(calls.len());
    for (i, (op, arg)) in calls.iter().enumerate() {
        let column = match (op, arg) {
            // count(x) counts x's non-null values; count(*) (an argument that is
            // not a field) counts rows, as the `count` measure does.
            (AggregateOp::Count, Expr::Column { column }) if column != "*" => Some(column.clone()),
            (AggregateOp::Count, _) => None,
            (_, Expr::Column { column }) => Some(column.clone()),
            (_, arg) => {
                let name = format!("\u{1}arg{i}");
                work = super::with_column(&work, &name, expr::evaluate(arg, &work)?.into_array())?;
                Some(name)
            }
        };
        aggregates.push(Aggregate { op: *op, column, q: None, alias: Some(temp_name(i)) });
    }
    let spec = AggregateSpec {
        filter: None,
        group_by: group_by.iter().map(|k| crate::query::spec::GroupKey::Column(k.clone())).collect(),
        aggregates,
        having: None,
        sort: Vec::new(),
        offset: 0,
        limit: None,
    };
    Ok((work, crate::plan::Plan::new(crate::api::aggregate_ops(&spec)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walker::payload::Expression;

    fn frame() -> Frame {
        let price: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), Some(5.0), None, Some(11.0), Some(3.0)]));
        Frame::new(super::super::batch(vec![arrow_schema::Field::new("price", price.data_type().clone(), true)], vec![price], 5).unwrap())
    }

    fn exp(json: &str) -> Expression {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn bins_and_ranks() {
        let mut f = frame();
        apply(&mut f, &exp(r#"{"op": "bin", "as": "b", "num": 5, "params": [{"type": "field", "value": "price"}]}"#), &Env::default())
            .unwrap();
        let bin = f.bins["b"];
        let idx = kind::integers(f.column("b").unwrap().as_ref());
        // The null counts as 0: bins of 2.2 from 0.
        assert_eq!((bin.min, bin.step), (0.0, 2.2));
        assert_eq!(idx.iter().collect::<Vec<_>>(), [Some(0), Some(2), Some(0), Some(4), Some(1)]);
        apply(&mut f, &exp(r#"{"op": "binCount", "as": "r", "num": 2, "params": [{"type": "field", "value": "price"}]}"#), &Env::default())
            .unwrap();
        let ranks = kind::integers(f.column("r").unwrap().as_ref());
        assert_eq!(ranks.iter().collect::<Vec<_>>(), [Some(1), Some(2), Some(1), Some(2), Some(1)]);
    }

    #[test]
    fn sql_with_an_aggregate_over_all_rows() {
        let mut f = frame();
        apply(
            &mut f,
            &exp(r#"{"op": "expr", "as": "share", "params": [{"type": "sql", "value": "price / sum(price)"}]}"#),
            &Env::default(),
        )
        .unwrap();
        let share = kind::floats(f.column("share").unwrap().as_ref());
        assert_eq!(share.value(1), 0.25);
        assert!(share.is_null(2));
        let err = apply(&mut f, &exp(r#"{"op": "paint", "as": "p", "params": []}"#), &Env::default()).unwrap_err();
        assert!(err.to_string().contains("painting is not supported"));
    }
}
