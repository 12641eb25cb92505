//! Column profiles: counts, distinct values, range, mean and spread, the
//! most frequent values and a histogram, per column.
//!
//! Distinct counts are exact for every column kind (values are compared by
//! code: dictionary keys, integer and time values, float bits with -0 = 0 and
//! one NaN, and interned text).

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use hashbrown::HashMap;
use serde::Serialize;
use serde_json::Value;

use super::bucket;
use super::domain::{self, Kind};
use super::filter::column;
use super::group::RowSet;
use super::sort::order_codes;
use super::spec::{NullsOrder, ProfileSpec, SortKey, TimeUnit};
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
    let tally = tally(array, rows);
    let value = |row: Option<u32>| match row {
        Some(row) => serde_json::to_value(cell(array.as_ref(), row as usize)).unwrap_or(Value::Null),
        None => Value::Null,
    };
    let top: Vec<ValueCount> = tally
        .top(spec.top_k)
        .into_iter()
        .map(|(count, row)| ValueCount { value: value(Some(row)), count })
        .collect();
    let (mean, stddev) = match kind {
        Kind::Integer | Kind::Float => moments(array, rows),
        _ => (None, None),
    };
    let histogram = match kind {
        _ if tally.non_null == 0 => Histogram::Empty,
        Kind::Integer | Kind::Float => numeric_histogram(array, rows, spec.bins.max(1)),
        Kind::Time => temporal_histogram(array, rows),
        Kind::Text | Kind::Boolean => Histogram::Categorical { values: top.clone() },
    };
    Ok(ColumnProfile {
        name: name.to_string(),
        kind: kind_of(array.data_type()),
        count: rows.len(),
        null_count: rows.len() - tally.non_null,
        distinct_count: tally.distinct(),
        min: value(tally.min_row),
        max: value(tally.max_row),
        mean,
        stddev,
        top,
        histogram,
    })
}

/// Counts per distinct value (with the first row holding it), and the rows
/// of the smallest and largest values: one pass over the column.
struct Tally {
    non_null: usize,
    /// (count, first row) per distinct value.
    counts: Vec<(usize, u32)>,
    min_row: Option<u32>,
    max_row: Option<u32>,
}

impl Tally {
    fn distinct(&self) -> usize {
        self.counts.iter().filter(|c| c.0 > 0).count()
    }

    /// The `k` most frequent values: (count, first row), ties by first row.
    fn top(&self, k: usize) -> Vec<(usize, u32)> {
        let mut seen: Vec<(usize, u32)> = self.counts.iter().copied().filter(|c| c.0 > 0).collect();
        let order = |a: &(usize, u32), b: &(usize, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if seen.len() > k && k > 0 {
            seen.select_nth_unstable_by(k - 1, order);
            seen.truncate(k);
        }
        seen.sort_unstable_by(order);
        seen.truncate(k);
        seen
    }
}

/// Values become codes (dictionary keys, small-range integers as offsets,
/// else order codes through a hash map), counted in a dense array or map.
fn tally(array: &ArrayRef, rows: &RowSet) -> Tally {
    let ascending = SortKey { column: String::new(), descending: false, nulls: NullsOrder::Last, case_insensitive: false };
    let mut tally = Tally { non_null: 0, counts: Vec::new(), min_row: None, max_row: None };
    let nulls = array.logical_nulls();
    let valid = |row: usize| nulls.as_ref().is_none_or(|n| n.is_valid(row));
    let extremes = |row: usize, tally: &mut Tally, less: &dyn Fn(usize, usize) -> bool| {
        if tally.min_row.is_none_or(|m| less(row, m as usize)) {
            tally.min_row = Some(row as u32);
        }
        if tally.max_row.is_none_or(|m| less(m as usize, row)) {
            tally.max_row = Some(row as u32);
        }
    };
    let count = |slot: &mut (usize, u32), row: usize| {
        if slot.0 == 0 {
            slot.1 = row as u32;
        }
        slot.0 += 1;
    };
    if let Some(dictionary) = array.as_any_dictionary_opt() {
        // Dictionary text: count by key, then compare only the values used.
        let keys = domain::integers(&dictionary.keys().slice(0, array.len()));
        tally.counts = vec![(0, 0); dictionary.values().len()];
        rows.for_each(|row| {
            if valid(row) {
                tally.non_null += 1;
                count(&mut tally.counts[keys.value(row) as usize], row);
            }
        });
        let values = dictionary.values().as_string::<i32>();
        let used = || tally.counts.iter().enumerate().filter(|(_, c)| c.0 > 0);
        tally.min_row = used().min_by(|a, b| values.value(a.0).cmp(values.value(b.0))).map(|(_, c)| c.1);
        tally.max_row = used().max_by(|a, b| values.value(a.0).cmp(values.value(b.0))).map(|(_, c)| c.1);
        return tally;
    }
    let codes = order_codes(array, &ascending);
    match codes {
        Some(codes) => {
            let (mut lo, mut hi) = (u64::MAX, 0u64);
            rows.for_each(|row| {
                if valid(row) {
                    lo = lo.min(codes.code(row));
                    hi = hi.max(codes.code(row));
                }
            });
            // Small ranges (booleans, quantities, dates) count in an array.
            let dense = lo <= hi && hi - lo < 1 << 20;
            if dense {
                tally.counts = vec![(0, 0); (hi - lo + 1) as usize];
            }
            let mut sparse: HashMap<u64, (usize, u32)> = HashMap::new();
            rows.for_each(|row| {
                if valid(row) {
                    tally.non_null += 1;
                    let code = codes.code(row);
                    let slot = if dense { &mut tally.counts[(code - lo) as usize] } else { sparse.entry(code).or_insert((0, 0)) };
                    count(slot, row);
                    if code == lo && tally.min_row.is_none() {
                        tally.min_row = Some(row as u32);
                    }
                    if code == hi && tally.max_row.is_none() {
                        tally.max_row = Some(row as u32);
                    }
                }
            });
            if !dense {
                tally.counts = sparse.into_values().collect();
            }
        }
        None => {
            // Plain text: a map from the string.
            let text = array.as_string::<i32>();
            let mut map: HashMap<&str, (usize, u32)> = HashMap::new();
            rows.for_each(|row| {
                if valid(row) {
                    tally.non_null += 1;
                    count(map.entry(text.value(row)).or_insert((0, 0)), row);
                    extremes(row, &mut tally, &|a, b| text.value(a) < text.value(b));
                }
            });
            tally.counts = map.into_values().collect();
        }
    }
    tally
}

/// Mean and sample standard deviation of a number column (Welford).
fn moments(array: &ArrayRef, rows: &RowSet) -> (Option<f64>, Option<f64>) {
    let values = domain::floats(array);
    let (mut n, mut mean, mut m2) = (0u64, 0.0f64, 0.0f64);
    rows.for_each(|row| {
        if values.is_valid(row) {
            let v = values.value(row);
            n += 1;
            let delta = v - mean;
            mean += delta / n as f64;
            m2 += delta * (v - mean);
        }
    });
    ((n > 0).then_some(mean), (n > 1).then(|| (m2 / (n - 1) as f64).sqrt()))
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
    // Count per fine step first (minutes or hours directly; for longer
    // units, per day), in a dense array, then roll steps up into buckets:
    // calendar arithmetic then runs once per step, not once per row.
    let step = match unit {
        TimeUnit::Minute => crate::calendar::MICROS_PER_MINUTE,
        TimeUnit::Hour => crate::calendar::MICROS_PER_HOUR,
        _ => crate::calendar::MICROS_PER_DAY,
    };
    let first = min.div_euclid(step);
    let span = (max.div_euclid(step) - first + 1) as usize;
    let mut per_step = vec![0usize; span];
    rows.for_each(|r| {
        if micros.is_valid(r) {
            per_step[(micros.value(r).div_euclid(step) - first) as usize] += 1;
        }
    });
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for (i, &n) in per_step.iter().enumerate() {
        if n > 0 {
            *counts.entry(bucket::truncate((first + i as i64) * step, unit)).or_default() += n;
        }
    }
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
