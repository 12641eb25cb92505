//! Column profiles: counts, distinct values, range, mean and spread, the
//! most frequent values and a histogram, per column.
//!
//! Distinct counts are exact for every column kind (values are compared by
//! code: dictionary keys, integer and time values, float bits with -0 = 0 and
//! one NaN, and interned text).

use std::collections::{BTreeMap, HashMap};

use arrow_array::{Array, ArrayRef, RecordBatch, UInt32Array};
use serde::Serialize;
use serde_json::Value;

use super::aggregate;
use super::bucket;
use super::domain::{self, Kind};
use super::filter::column;
use super::group::RowSet;
use super::spec::{Aggregate, AggregateOp, ProfileSpec, TimeUnit};
use crate::error::Result;
use crate::rows::cell;
use crate::table::kind_of;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnProfile {
    pub name: String,
    pub kind: &'static str,
    /// Rows profiled (after the filter).
    pub count: usize,
    pub null_count: usize,
    pub distinct_count: usize,
    pub min: Value,
    pub max: Value,
    /// Numbers only.
    pub mean: Option<f64>,
    /// Sample standard deviation (numbers only).
    pub stddev: Option<f64>,
    /// The most frequent non-null values, most frequent first (ties: first seen first).
    pub top: Vec<ValueCount>,
    pub histogram: Histogram,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueCount {
    pub value: Value,
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Histogram {
    /// Equal-width bins from min to max; the last bin includes max.
    Numeric { bins: Vec<NumericBin> },
    /// Counts per time unit (chosen so there are at most 200 buckets).
    Temporal { unit: TimeUnit, bins: Vec<TemporalBin> },
    /// Text and booleans: the top values (as in `top`).
    Categorical { values: Vec<ValueCount> },
    Empty,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NumericBin {
    pub start: f64,
    pub end: f64,
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TemporalBin {
    /// Bucket start, in the column's text form.
    pub start: Value,
    pub count: usize,
}

pub fn profile(batch: &RecordBatch, spec: &ProfileSpec) -> Result<Vec<ColumnProfile>> {
    let rows = RowSet::select(batch, spec.filter.as_ref())?;
    let names: Vec<String> = match &spec.columns {
        Some(names) => names.clone(),
        None => batch.schema().fields().iter().map(|f| f.name().clone()).collect(),
    };
    names.iter().map(|name| profile_column(batch, name, &rows, spec)).collect()
}

fn profile_column(batch: &RecordBatch, name: &str, rows: &RowSet, spec: &ProfileSpec) -> Result<ColumnProfile> {
    let array = column(batch, name)?;
    let kind = Kind::of(array.data_type());
    let ids = vec![0u32; rows.len()];
    let single = |op: AggregateOp| -> Result<ArrayRef> {
        aggregate::compute(&Aggregate { op, column: Some(name.to_string()), q: None, alias: None }, batch, rows, &ids, 1)
    };
    let number = |a: ArrayRef| domain::floats(&a).iter().next().flatten();
    let json = |a: ArrayRef| serde_json::to_value(cell(a.as_ref(), 0)).unwrap_or(Value::Null);
    let non_null = domain::integers(&single(AggregateOp::Count)?).value(0) as usize;
    let numeric = matches!(kind, Kind::Integer | Kind::Float);
    let top = top_values(array, rows, spec.top_k);
    let histogram = match kind {
        _ if non_null == 0 => Histogram::Empty,
        Kind::Integer | Kind::Float => numeric_histogram(array, rows, spec.bins.max(1)),
        Kind::Time => temporal_histogram(array, rows),
        Kind::Text | Kind::Boolean => Histogram::Categorical { values: top.clone() },
    };
    Ok(ColumnProfile {
        name: name.to_string(),
        kind: kind_of(array.data_type()),
        count: rows.len(),
        null_count: rows.len() - non_null,
        distinct_count: domain::integers(&single(AggregateOp::CountDistinct)?).value(0) as usize,
        min: json(single(AggregateOp::Min)?),
        max: json(single(AggregateOp::Max)?),
        mean: if numeric { number(single(AggregateOp::Mean)?) } else { None },
        stddev: if numeric { number(single(AggregateOp::StddevSamp)?) } else { None },
        top,
        histogram,
    })
}

/// The `k` most frequent non-null values with their counts.
fn top_values(array: &ArrayRef, rows: &RowSet, k: usize) -> Vec<ValueCount> {
    // (count, first row) per value code.
    let mut counts: HashMap<u64, (usize, u32)> = HashMap::new();
    let codes = aggregate::value_codes(array);
    rows.for_each(|row| {
        if let Some(code) = codes(row) {
            counts.entry(code).or_insert((0, row as u32)).0 += 1;
        }
    });
    let mut ranked: Vec<(usize, u32)> = counts.into_values().collect();
    ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.truncate(k);
    let indices = UInt32Array::from(ranked.iter().map(|r| r.1).collect::<Vec<_>>());
    let Ok(values) = crate::arrays::take(array.as_ref(), &indices) else { return Vec::new() };
    ranked
        .iter()
        .enumerate()
        .map(|(i, (count, _))| ValueCount {
            value: serde_json::to_value(cell(values.as_ref(), i)).unwrap_or(Value::Null),
            count: *count,
        })
        .collect()
}

fn numeric_histogram(array: &ArrayRef, rows: &RowSet, bins: u32) -> Histogram {
    let values = domain::floats(array);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    rows.for_each(|r| {
        if values.is_valid(r) && values.value(r).is_finite() {
            min = min.min(values.value(r));
            max = max.max(values.value(r));
        }
    });
    if min > max {
        return Histogram::Empty;
    }
    let bins = if max > min { bins as usize } else { 1 };
    let width = if max > min { (max - min) / bins as f64 } else { 1.0 };
    let mut counts = vec![0usize; bins];
    rows.for_each(|r| {
        let v = values.value(r);
        if values.is_valid(r) && v.is_finite() {
            counts[(((v - min) / width) as usize).min(bins - 1)] += 1;
        }
    });
    Histogram::Numeric {
        bins: counts
            .into_iter()
            .enumerate()
            .map(|(i, count)| NumericBin {
                start: min + i as f64 * width,
                end: if i + 1 == bins { max.max(min + width) } else { min + (i + 1) as f64 * width },
                count,
            })
            .collect(),
    }
}

/// The finest of minute … year giving at most 200 buckets over the range.
fn temporal_histogram(array: &ArrayRef, rows: &RowSet) -> Histogram {
    let micros = domain::micros(array);
    let (mut min, mut max) = (i64::MAX, i64::MIN);
    rows.for_each(|r| {
        if micros.is_valid(r) {
            min = min.min(micros.value(r));
            max = max.max(micros.value(r));
        }
    });
    let units = [
        TimeUnit::Minute,
        TimeUnit::Hour,
        TimeUnit::Day,
        TimeUnit::Week,
        TimeUnit::Month,
        TimeUnit::Quarter,
        TimeUnit::Year,
    ];
    let unit = units
        .into_iter()
        .find(|&u| (bucket::truncate(max, u) - bucket::truncate(min, u)) / typical_length(u) < 200)
        .unwrap_or(TimeUnit::Year);
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    rows.for_each(|r| {
        if micros.is_valid(r) {
            *counts.entry(bucket::truncate(micros.value(r), unit)).or_default() += 1;
        }
    });
    let zoned = matches!(array.data_type(), arrow_schema::DataType::Timestamp(_, Some(_)));
    let date = matches!(array.data_type(), arrow_schema::DataType::Date32);
    Histogram::Temporal {
        unit,
        bins: counts
            .into_iter()
            .map(|(start, count)| {
                let mut text = String::new();
                if date {
                    crate::format::format_date((start / crate::calendar::MICROS_PER_DAY) as i32, &mut text);
                } else {
                    crate::format::format_timestamp(start, zoned, &mut text);
                }
                TemporalBin { start: Value::String(text), count }
            })
            .collect(),
    }
}

fn typical_length(unit: TimeUnit) -> i64 {
    use crate::calendar::{MICROS_PER_DAY as D, MICROS_PER_HOUR as H, MICROS_PER_MINUTE as M};
    match unit {
        TimeUnit::Minute => M,
        TimeUnit::Hour => H,
        TimeUnit::Day => D,
        TimeUnit::Week => 7 * D,
        TimeUnit::Month => 28 * D,
        TimeUnit::Quarter => 90 * D,
        TimeUnit::Year => 365 * D,
    }
}

/// Profiles as a record batch, one row per column (for Arrow IPC): numbers as
/// numbers; min, max, top and histogram as JSON text.
pub fn profiles_batch(profiles: &[ColumnProfile]) -> Result<RecordBatch> {
    use std::sync::Arc;

    use arrow_array::{Float64Array, StringArray, UInt64Array};

    let text = |f: &dyn Fn(&ColumnProfile) -> String| -> ArrayRef {
        Arc::new(profiles.iter().map(|p| Some(f(p))).collect::<StringArray>())
    };
    let count = |f: &dyn Fn(&ColumnProfile) -> usize| -> ArrayRef {
        Arc::new(profiles.iter().map(|p| Some(f(p) as u64)).collect::<UInt64Array>())
    };
    let number = |f: &dyn Fn(&ColumnProfile) -> Option<f64>| -> ArrayRef {
        Arc::new(profiles.iter().map(f).collect::<Float64Array>())
    };
    Ok(RecordBatch::try_from_iter([
        ("name", text(&|p| p.name.clone())),
        ("kind", text(&|p| p.kind.to_string())),
        ("count", count(&|p| p.count)),
        ("nullCount", count(&|p| p.null_count)),
        ("distinctCount", count(&|p| p.distinct_count)),
        ("min", text(&|p| p.min.to_string())),
        ("max", text(&|p| p.max.to_string())),
        ("mean", number(&|p| p.mean)),
        ("stddev", number(&|p| p.stddev)),
        ("top", text(&|p| serde_json::to_string(&p.top).unwrap_or_default())),
        ("histogram", text(&|p| serde_json::to_string(&p.histogram).unwrap_or_default())),
    ])?)
}
