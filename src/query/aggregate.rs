//! Aggregate functions over groups: one output value per group id.
//!
//! Written as loops over (row, group id) rather than with arrow-arith's
//! `sum`/`min`/`max`, which reduce a whole array to one value: grouped
//! aggregation needs one accumulator per group, filled in one pass.

use std::collections::HashSet;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int16Type, Int32Type, Int64Type, Int8Type};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, UInt32Array};
use arrow_schema::DataType;

use super::domain::{self, Kind};
use super::filter::column;
use super::group::{needs_numbers, RowSet};
use super::spec::{Aggregate, AggregateOp};
use crate::error::{QuiverError, Result};

/// The output column name: `as`, else `count` for count(*), else `op_column`.
pub fn output_name(agg: &Aggregate) -> String {
    if let Some(alias) = &agg.alias {
        return alias.clone();
    }
    let op = serde_json::to_value(agg.op).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    match &agg.column {
        None => op,
        Some(column) => format!("{op}_{column}"),
    }
}

/// One value per group (`groups` of them) of `agg` over `rows`, whose group
/// ids are `ids` (in `rows` order).
pub fn compute(agg: &Aggregate, batch: &RecordBatch, rows: &RowSet, ids: &[u32], groups: usize) -> Result<ArrayRef> {
    let Some(name) = &agg.column else {
        return match agg.op {
            AggregateOp::Count => Ok(Arc::new(Int64Array::from(counts(rows, ids, groups, |_| true)))),
            op => Err(QuiverError::InvalidQuery(format!("{op:?} needs a column").to_lowercase())),
        };
    };
    let array = column(batch, name)?;
    let kind = Kind::of(array.data_type());
    if needs_numbers(agg.op) && !matches!(kind, Kind::Integer | Kind::Float) {
        return Err(QuiverError::InvalidQuery(format!(
            "{} needs a number column; \"{name}\" holds {} values",
            output_name(&Aggregate { alias: None, column: None, ..agg.clone() }),
            kind.name()
        )));
    }
    Ok(match agg.op {
        AggregateOp::Count => Arc::new(Int64Array::from(counts(rows, ids, groups, |r| array.is_valid(r)))),
        AggregateOp::CountDistinct => Arc::new(Int64Array::from(count_distinct(array, rows, ids, groups))),
        AggregateOp::Sum if kind == Kind::Integer => integer_sums(array, rows, ids, groups),
        AggregateOp::Sum => float_fold(array, rows, ids, groups, Moments::add, |m| (m.n > 0).then_some(m.sum)),
        AggregateOp::Mean => float_fold(array, rows, ids, groups, Moments::add, |m| (m.n > 0).then(|| m.sum / m.n as f64)),
        AggregateOp::VariancePop => float_fold(array, rows, ids, groups, Moments::push, |m| m.variance(0)),
        AggregateOp::VarianceSamp => float_fold(array, rows, ids, groups, Moments::push, |m| m.variance(1)),
        AggregateOp::StddevPop => float_fold(array, rows, ids, groups, Moments::push, |m| m.variance(0).map(f64::sqrt)),
        AggregateOp::StddevSamp => float_fold(array, rows, ids, groups, Moments::push, |m| m.variance(1).map(f64::sqrt)),
        AggregateOp::Median => quantiles(array, rows, ids, groups, 0.5),
        AggregateOp::Quantile => {
            let q = agg.q.filter(|q| (0.0..=1.0).contains(q)).ok_or_else(|| {
                QuiverError::InvalidQuery(format!("quantile of \"{name}\" needs `q` between 0 and 1"))
            })?;
            quantiles(array, rows, ids, groups, q)
        }
        AggregateOp::Min => extreme(array, rows, ids, groups, std::cmp::Ordering::Less)?,
        AggregateOp::Max => extreme(array, rows, ids, groups, std::cmp::Ordering::Greater)?,
        AggregateOp::First => pick(array, rows, ids, groups, false)?,
        AggregateOp::Last => pick(array, rows, ids, groups, true)?,
    })
}

/// Rows per group for which `counted(row)` holds.
fn counts(rows: &RowSet, ids: &[u32], groups: usize, counted: impl Fn(usize) -> bool) -> Vec<i64> {
    let mut out = vec![0i64; groups];
    let mut i = 0;
    rows.for_each(|row| {
        out[ids[i] as usize] += counted(row) as i64;
        i += 1;
    });
    out
}

/// Count, mean and sum of squared deviations (Welford), plus a plain sum.
#[derive(Clone, Copy, Default)]
struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
    sum: f64,
}

impl Moments {
    /// For sums only: count and add.
    fn add(&mut self, v: f64) {
        self.n += 1;
        self.sum += v;
    }

    fn push(&mut self, v: f64) {
        self.n += 1;
        let delta = v - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (v - self.mean);
    }

    /// Variance with `ddof` degrees of freedom removed (0: population, 1: sample).
    fn variance(&self, ddof: u64) -> Option<f64> {
        (self.n > ddof).then(|| self.m2 / (self.n - ddof) as f64)
    }
}

/// Calls `$each(group, value as $to)` for every non-null value of a number
/// column over the row set, with one typed loop per storage type (no
/// conversion of the column, no per-row type dispatch).
macro_rules! each_number {
    ($array:expr, $rows:expr, $ids:expr, $to:ty, $each:expr) => {{
        let array: &ArrayRef = $array;
        match array.data_type() {
            DataType::Int8 => each_value!(array.as_primitive::<Int8Type>(), $rows, $ids, $to, $each),
            DataType::Int16 => each_value!(array.as_primitive::<Int16Type>(), $rows, $ids, $to, $each),
            DataType::Int32 => each_value!(array.as_primitive::<Int32Type>(), $rows, $ids, $to, $each),
            DataType::Int64 => each_value!(array.as_primitive::<Int64Type>(), $rows, $ids, $to, $each),
            _ => each_value!(array.as_primitive::<Float64Type>(), $rows, $ids, $to, $each),
        }
    }};
}

macro_rules! each_value {
    ($typed:expr, $rows:expr, $ids:expr, $to:ty, $each:expr) => {{
        let typed = $typed;
        let values = typed.values();
        let nulls = typed.nulls();
        let ids: &[u32] = $ids;
        let mut each = $each;
        match ($rows, nulls) {
            (RowSet::All(_), None) => {
                for (row, &v) in values.iter().enumerate() {
                    each(ids[row] as usize, v as $to);
                }
            }
            (RowSet::All(_), Some(nulls)) => {
                for (row, &v) in values.iter().enumerate() {
                    if nulls.is_valid(row) {
                        each(ids[row] as usize, v as $to);
                    }
                }
            }
            (RowSet::Some(selected), _) => {
                for (i, &row) in selected.iter().enumerate() {
                    let row = row as usize;
                    if nulls.is_none_or(|n| n.is_valid(row)) {
                        each(ids[i] as usize, values[row] as $to);
                    }
                }
            }
        }
    }};
}

fn float_fold(
    array: &ArrayRef,
    rows: &RowSet,
    ids: &[u32],
    groups: usize,
    step: impl Fn(&mut Moments, f64),
    finish: impl Fn(&Moments) -> Option<f64>,
) -> ArrayRef {
    let mut acc = vec![Moments::default(); groups];
    each_number!(array, rows, ids, f64, |g: usize, v: f64| step(&mut acc[g], v));
    Arc::new(acc.iter().map(finish).collect::<Float64Array>())
}

/// Integer sums, exact (i128); Int64 when every sum fits, else Float64.
fn integer_sums(array: &ArrayRef, rows: &RowSet, ids: &[u32], groups: usize) -> ArrayRef {
    let mut sums = vec![0i128; groups];
    let mut seen = vec![false; groups];
    each_number!(array, rows, ids, i128, |g: usize, v: i128| {
        sums[g] += v;
        seen[g] = true;
    });
    let sums: Vec<Option<i128>> = sums.into_iter().zip(seen).map(|(s, seen)| seen.then_some(s)).collect();
    if sums.iter().flatten().all(|&s| i64::try_from(s).is_ok()) {
        Arc::new(sums.into_iter().map(|s| s.map(|s| s as i64)).collect::<Int64Array>())
    } else {
        Arc::new(sums.into_iter().map(|s| s.map(|s| s as f64)).collect::<Float64Array>())
    }
}

/// Linear-interpolation quantile (`q` of each group's non-null values, NaN
/// sorting above every number), as SQL's `quantile_cont`.
fn quantiles(array: &ArrayRef, rows: &RowSet, ids: &[u32], groups: usize, q: f64) -> ArrayRef {
    let values = domain::floats(array);
    let mut pairs: Vec<(u32, f64)> = Vec::new();
    let mut i = 0;
    rows.for_each(|row| {
        if values.is_valid(row) {
            pairs.push((ids[i], values.value(row)));
        }
        i += 1;
    });
    pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut out: Vec<Option<f64>> = vec![None; groups];
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        let position = q * (run.len() - 1) as f64;
        let (lo, hi) = (position.floor() as usize, position.ceil() as usize);
        let (a, b) = (run[lo].1, run[hi].1);
        out[run[0].0 as usize] = Some(if lo == hi { a } else { a + (b - a) * (position - lo as f64) });
    }
    Arc::new(Float64Array::from(out))
}

/// Distinct non-null values per group, exact.
fn count_distinct(array: &ArrayRef, rows: &RowSet, ids: &[u32], groups: usize) -> Vec<i64> {
    let codes = value_codes(array);
    let mut seen: HashSet<(u32, u64)> = HashSet::new();
    let mut out = vec![0i64; groups];
    let mut i = 0;
    rows.for_each(|row| {
        if let Some(code) = codes(row) {
            if seen.insert((ids[i], code)) {
                out[ids[i] as usize] += 1;
            }
        }
        i += 1;
    });
    out
}

/// A code per value such that equal values (SQL equality) get equal codes.
pub(crate) fn value_codes(array: &ArrayRef) -> Box<dyn Fn(usize) -> Option<u64> + '_> {
    match Kind::of(array.data_type()) {
        Kind::Integer => {
            let v = domain::integers(array);
            Box::new(move |r| v.is_valid(r).then(|| v.value(r) as u64))
        }
        Kind::Time => {
            let v = domain::micros(array);
            Box::new(move |r| v.is_valid(r).then(|| v.value(r) as u64))
        }
        Kind::Float => {
            let v = domain::floats(array);
            Box::new(move |r| {
                v.is_valid(r).then(|| {
                    let x = v.value(r);
                    if x == 0.0 { 0 } else if x.is_nan() { f64::NAN.to_bits() } else { x.to_bits() }
                })
            })
        }
        Kind::Boolean => {
            let v = array.as_boolean().clone();
            Box::new(move |r| v.is_valid(r).then(|| v.value(r) as u64))
        }
        Kind::Text => match array.as_any_dictionary_opt() {
            // Dictionary values are distinct, so the key is the value.
            Some(dictionary) => {
                let keys = domain::integers(&dictionary.keys().slice(0, array.len()));
                Box::new(move |r| array.is_valid(r).then(|| keys.value(r) as u64))
            }
            None => {
                let strings = array.as_string::<i32>();
                let mut ids: hashbrown::HashMap<&str, u64> = hashbrown::HashMap::new();
                let codes: Vec<Option<u64>> = strings
                    .iter()
                    .map(|s| s.map(|s| {
                        let next = ids.len() as u64;
                        *ids.entry(s).or_insert(next)
                    }))
                    .collect();
                Box::new(move |r| codes[r])
            }
        },
    }
}

/// Minimum (`Less`) or maximum (`Greater`) non-null value per group, in the
/// column's type. Floats: NaN is above every number.
fn extreme(array: &ArrayRef, rows: &RowSet, ids: &[u32], groups: usize, want: std::cmp::Ordering) -> Result<ArrayRef> {
    let ascending = super::spec::SortKey {
        column: String::new(),
        descending: false,
        nulls: super::spec::NullsOrder::Last,
        case_insensitive: false,
    };
    let mut best: Vec<Option<u32>> = vec![None; groups];
    let mut keep_better = |better: &dyn Fn(usize, usize) -> bool| {
        let mut i = 0;
        rows.for_each(|row| {
            if array.is_valid(row) {
                let slot = &mut best[ids[i] as usize];
                if slot.is_none_or(|current| better(row, current as usize)) {
                    *slot = Some(row as u32);
                }
            }
            i += 1;
        });
    };
    match super::sort::order_codes(array, &ascending) {
        Some(codes) => keep_better(&|row, current| codes.code(row).cmp(&codes.code(current)) == want),
        None => {
            // Plain text: compare the strings themselves.
            let text = array.as_string::<i32>();
            keep_better(&|row, current| text.value(row).cmp(text.value(current)) == want)
        }
    }
    take_rows(array, best)
}

/// The first (or last) non-null value per group in file order.
fn pick(array: &ArrayRef, rows: &RowSet, ids: &[u32], groups: usize, last: bool) -> Result<ArrayRef> {
    let mut chosen: Vec<Option<u32>> = vec![None; groups];
    let mut i = 0;
    rows.for_each(|row| {
        if array.is_valid(row) {
            let slot = &mut chosen[ids[i] as usize];
            if last || slot.is_none() {
                *slot = Some(row as u32);
            }
        }
        i += 1;
    });
    take_rows(array, chosen)
}

/// The values at `rows` (null where `None`), as plain arrays (dictionaries
/// decoded so results stand alone).
fn take_rows(array: &ArrayRef, rows: Vec<Option<u32>>) -> Result<ArrayRef> {
    let indices = UInt32Array::from(rows);
    let taken = crate::arrays::take(array.as_ref(), &indices)?;
    Ok(match taken.data_type() {
        DataType::Dictionary(_, _) => {
            let dictionary = taken.as_any_dictionary();
            crate::arrays::take(dictionary.values().as_ref(), dictionary.keys())?
        }
        _ => taken,
    })
}
