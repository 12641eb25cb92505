//! Column profiles as Quiver's API gives them: counts, distinct values,
//! range, mean and spread, the most frequent values and a histogram, per
//! column, finished from a column's tally ([`crate::plan::profile`]).
//!
//! Distinct counts are exact for every column kind (values are compared by
//! the order kernel's codes: -0 = 0, one NaN). Histograms are counted from
//! the tally's distinct values, so a profile finished from merged tallies
//! of partitions is the profile of the whole table.

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch};
use serde::Serialize;
use serde_json::Value;

use super::spec::{ProfileSpec, TimeUnit};
use crate::error::Result;
use crate::kernels::order::{self, OrderCodes};
use crate::kernels::{kind, time, ColumnKind, Selection};
use crate::plan::profile::Tally;
use crate::rows::{cell, Cell};

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnProfile {
    pub name: String,
    pub kind: &'static str,
    /// Rows profiled (after the filter).
    pub count: usize,
    pub null_count: usize,
    pub distinct_count: usize,
    /// `min`, `max` and `top` values are JSON, as rows' values are in
    /// `Rows::json_text`: a NaN or infinite float as the text `"NaN"`,
    /// `"Infinity"`, `"-Infinity"` (never `null`, which means no value).
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

/// The profile of column `name` from its tally.
pub fn finish(name: &str, tally: &Tally, spec: &ProfileSpec) -> ColumnProfile {
    let values = &tally.values;
    let kind = kind::kind(values.as_ref());
    let value = |index: Option<usize>| match index.map(|i| cell(values.as_ref(), i)) {
        // JSON has no NaN or infinities (serde_json would make them null, as
        // if the value were missing): their text, as in `Rows::json_text`.
        Some(Cell::Float(v)) if v.is_nan() => Value::String("NaN".into()),
        Some(Cell::Float(v)) if v.is_infinite() => Value::String(if v > 0.0 { "Infinity" } else { "-Infinity" }.into()),
        Some(cell) => serde_json::to_value(cell).unwrap_or(Value::Null),
        None => Value::Null,
    };
    // The most frequent values, ties by first appearance.
    let top_k: Vec<usize> = order::first_by((0..tally.counts.len()).collect(), Some(spec.top_k), |&a, &b| {
        tally.counts[b].cmp(&tally.counts[a]).then(a.cmp(&b))
    });
    let top: Vec<ValueCount> = top_k.iter().map(|&i| ValueCount { value: value(Some(i)), count: tally.counts[i] as usize }).collect();
    let (min, max) = extremes(values);
    let (mean, stddev) = match tally.moments {
        Some(m) => ((m.n > 0).then(|| m.sum / m.n as f64), m.variance(1).map(f64::sqrt)),
        None => (None, None),
    };
    let non_null: u64 = tally.counts.iter().sum();
    let histogram = match kind {
        _ if non_null == 0 => Histogram::Empty,
        ColumnKind::Integer | ColumnKind::Float => numeric_histogram(&kind::floats(values.as_ref()), &tally.counts, spec.bins),
        ColumnKind::Date | ColumnKind::Timestamp => temporal_histogram(values, &tally.counts),
        ColumnKind::String | ColumnKind::Boolean => Histogram::Categorical { values: top.clone() },
    };
    ColumnProfile {
        name: name.to_string(),
        kind: kind.name(),
        count: tally.rows as usize,
        null_count: tally.nulls as usize,
        distinct_count: values.len(),
        min: value(min),
        max: value(max),
        mean,
        stddev,
        top,
        histogram,
    }
}

/// The indices of the smallest and largest values (the first of equals).
fn extremes(values: &ArrayRef) -> (Option<usize>, Option<usize>) {
    let (mut min, mut max): (Option<usize>, Option<usize>) = (None, None);
    let mut keep = |less: &dyn Fn(usize, usize) -> bool| {
        for i in 0..values.len() {
            if min.is_none_or(|m| less(i, m)) {
                min = Some(i);
            }
            if max.is_none_or(|m| less(m, i)) {
                max = Some(i);
            }
        }
    };
    match OrderCodes::ascending(values) {
        Some(codes) => keep(&|a, b| codes.code(a) < codes.code(b)),
        None => {
            let text = values.as_string::<i32>();
            keep(&|a, b| text.value(a) < text.value(b));
        }
    }
    (min, max)
}

/// Equal-width bins from the minimum to the maximum finite value; the last
/// includes the maximum.
fn numeric_histogram(values: &Float64Array, counts: &[u64], bins: u32) -> Histogram {
    let Some((min, max)) = crate::kernels::bins::finite_domain(values, &Selection::All(values.len())) else {
        return Histogram::Empty;
    };
    let bins = if max > min { bins as usize } else { 1 };
    let width = if max > min { (max - min) / bins as f64 } else { 1.0 };
    let mut per_bin = vec![0usize; bins];
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            per_bin[(((v - min) / width) as usize).min(bins - 1)] += counts[i] as usize;
        }
    }
    Histogram::Numeric {
        bins: per_bin
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
fn temporal_histogram(values: &ArrayRef, counts: &[u64]) -> Histogram {
    let micros = kind::micros(values.as_ref());
    let (min, max) = micros.iter().flatten().fold((i64::MAX, i64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
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
        .find(|&u| (time::truncate(max, u) - time::truncate(min, u)) / typical_length(u) < 200)
        .unwrap_or(TimeUnit::Year);
    // Count per fine step first (minutes or hours directly; for longer
    // units, per day), in a dense array, then roll steps up into buckets:
    // calendar arithmetic then runs once per step, not once per value.
    let step = match unit {
        TimeUnit::Minute => crate::calendar::MICROS_PER_MINUTE,
        TimeUnit::Hour => crate::calendar::MICROS_PER_HOUR,
        _ => crate::calendar::MICROS_PER_DAY,
    };
    let first = min.div_euclid(step);
    let span = (max.div_euclid(step) - first + 1) as usize;
    let mut per_step = vec![0usize; span];
    for (i, v) in micros.iter().enumerate() {
        if let Some(v) = v {
            per_step[(v.div_euclid(step) - first) as usize] += counts[i] as usize;
        }
    }
    let mut by_bucket: BTreeMap<i64, usize> = BTreeMap::new();
    for (i, &n) in per_step.iter().enumerate() {
        if n > 0 {
            *by_bucket.entry(time::truncate((first + i as i64) * step, unit)).or_default() += n;
        }
    }
    let zoned = matches!(values.data_type(), arrow_schema::DataType::Timestamp(_, Some(_)));
    let date = matches!(values.data_type(), arrow_schema::DataType::Date32);
    Histogram::Temporal {
        unit,
        bins: by_bucket
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
