//! Filter rules → which rows stay. Every filter of a step must hold.
//!
//! - `range`: `lo <= x <= hi`, a `null` end open; numbers, times (epoch ms)
//!   or bins (their lower bound). A null value is never in a range.
//! - `temporal range`: the value's instant (see [`super::time`]) in
//!   `[lo, hi]` epoch ms; wall-clock values are read in the rule's `offset`
//!   zone, or as `new Date(text)` would without one (plain dates in UTC,
//!   date-times in the browser's zone).
//! - `one of` / `not in`: membership with JavaScript's `Set` equality (a
//!   number matches a number, text matches text); `null` listed matches
//!   nulls, so `not in` keeps nulls unless `null` is listed.
//! - `regexp`: JavaScript `RegExp.test` semantics (a match anywhere),
//!   case-insensitive unless `caseSensitive`; numbers and booleans are
//!   tested as their text. Patterns use the `regex` crate's syntax, which is
//!   JavaScript's without look-around and back-references.

use std::collections::HashSet;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, StringArray};
use arrow_buffer::BooleanBuffer;
use serde_json::Value;

use super::payload::{FilterRule, VisFilter};
use super::time::{self, Reading};
use super::{Env, Frame};
use crate::error::{QuiverError, Result};
use crate::query::domain::{self, Kind};
use crate::query::spec::Filter;

/// The rows of `frame` that pass every filter.
pub fn apply(frame: Frame, filters: &[VisFilter], env: &Env) -> Result<Frame> {
    let Some(keep) = mask(&frame, filters, env)? else { return Ok(frame) };
    let batch = crate::arrays::filter_record_batch(&frame.batch, &BooleanArray::new(keep, None))?;
    Ok(Frame { batch, bins: frame.bins })
}

/// One bit per row: whether it passes every filter (`None`: no filter set).
pub fn mask(frame: &Frame, filters: &[VisFilter], env: &Env) -> Result<Option<BooleanBuffer>> {
    let mut keep: Option<BooleanBuffer> = None;
    for filter in filters {
        let Some(rule) = &filter.rule else { continue };
        let mask = rule_mask(frame, &filter.fid, rule, env)?;
        keep = Some(match keep {
            None => mask,
            Some(k) => &k & &mask,
        });
    }
    Ok(keep)
}

/// One bit per row: whether it passes `rule` on column `fid`.
fn rule_mask(frame: &Frame, fid: &str, rule: &FilterRule, env: &Env) -> Result<BooleanBuffer> {
    let array = frame.column(fid)?;
    let bin = frame.bins.get(fid).copied();
    Ok(match rule {
        FilterRule::Range { value: (lo, hi) } if bin.is_none() && matches!(Kind::of(array.data_type()), Kind::Integer | Kind::Float) => {
            // The query engine's typed comparison (in the column's own type).
            let bound = |v: &Option<f64>| v.and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number);
            let between = Filter::Between { column: fid.to_string(), min: bound(lo), max: bound(hi) };
            let mask = crate::query::filter::matches(&between, &frame.batch)?;
            mask.values().clone()
        }
        FilterRule::Range { value: (lo, hi) } => {
            let lo = lo.unwrap_or(f64::NEG_INFINITY);
            let hi = hi.unwrap_or(f64::INFINITY);
            let values: Vec<Option<f64>> = match (bin, Kind::of(array.data_type())) {
                (Some(b), _) => domain::integers(array).iter().map(|i| i.map(|i| b.bounds(i).0)).collect(),
                (None, Kind::Integer | Kind::Float) => domain::floats(array).iter().collect(),
                (None, Kind::Time) => {
                    let reading = Reading { offset: env.local_offset, date_offset: 0 };
                    time::instants(array, fid, reading)?.iter().map(|v| v.map(|v| v as f64)).collect()
                }
                (None, kind) => {
                    return Err(QuiverError::InvalidQuery(format!(
                        "a range filter needs numbers, but \"{fid}\" holds {} values",
                        kind.name()
                    )))
                }
            };
            BooleanBuffer::from_iter(values.into_iter().map(|v| v.is_some_and(|v| lo <= v && v <= hi)))
        }
        FilterRule::TemporalRange { value: (lo, hi), offset } => {
            // Graphic Walker reads `offset: 0` as no offset.
            let reading = match offset.filter(|o| *o != 0) {
                Some(o) => Reading::in_zone(o),
                None => Reading { offset: env.local_offset, date_offset: 0 },
            };
            let lo = lo.unwrap_or(f64::NEG_INFINITY);
            let hi = hi.unwrap_or(f64::INFINITY);
            let instants = time::instants(array, fid, reading)?;
            BooleanBuffer::from_iter(instants.iter().map(|v| v.is_some_and(|v| lo <= v as f64 && v as f64 <= hi)))
        }
        FilterRule::OneOf { value } => membership(array, fid, bin, value, false)?,
        FilterRule::NotIn { value } => membership(array, fid, bin, value, true)?,
        FilterRule::Regexp { value, case_sensitive } => {
            let pattern = regex::RegexBuilder::new(value).case_insensitive(!case_sensitive).build().map_err(|e| {
                QuiverError::InvalidQuery(format!(
                    "the pattern /{value}/ for \"{fid}\" is not a regular expression this engine reads \
                     (look-around and back-references are not supported): {}",
                    first_line(&e.to_string())
                ))
            })?;
            on_text_forms(array, bin, |text| pattern.is_match(text), false)?
        }
    })
}

fn first_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

/// `one of` (or, negated, `not in`) with JavaScript `Set` equality.
fn membership(array: &ArrayRef, fid: &str, bin: Option<super::Bin>, listed: &[Value], negate: bool) -> Result<BooleanBuffer> {
    let null_listed = listed.iter().any(Value::is_null);
    let hits = match (bin, Kind::of(array.data_type())) {
        (Some(b), _) => {
            // Bins are listed as `[lo, hi]`.
            let wanted: HashSet<i64> = listed
                .iter()
                .filter_map(|v| v.as_array()?.first()?.as_f64())
                .filter_map(|lo| b.index_of(lo))
                .collect();
            each_value(domain::integers(array).iter(), |i| wanted.contains(&i), null_listed)
        }
        (None, Kind::Text) => {
            let wanted: HashSet<&str> = listed.iter().filter_map(Value::as_str).collect();
            on_text(array, |s| wanted.contains(s), null_listed)?
        }
        (None, Kind::Integer | Kind::Float) => {
            let wanted: Vec<f64> = listed.iter().filter_map(Value::as_f64).collect();
            let exact: HashSet<u64> = wanted.iter().map(|v| if *v == 0.0 { 0 } else { v.to_bits() }).collect();
            each_value(domain::floats(array).iter(), |v| exact.contains(&if v == 0.0 { 0 } else { v.to_bits() }), null_listed)
        }
        (None, Kind::Boolean) => {
            let wanted: Vec<bool> = listed.iter().filter_map(Value::as_bool).collect();
            each_value(array.as_boolean().iter(), |v| wanted.contains(&v), null_listed)
        }
        (None, Kind::Time) => {
            // Times are listed as the text the rows show them as (or epoch ms).
            let mut wanted = HashSet::new();
            for v in listed {
                if v.is_string() {
                    if let Ok(Some(domain::Scalar::Micros(m))) = domain::scalar(v, Kind::Time, fid) {
                        wanted.insert(m);
                    }
                } else if let Some(ms) = v.as_f64() {
                    wanted.insert((ms * 1000.0) as i64);
                }
            }
            each_value(domain::micros(array).iter(), |m| wanted.contains(&m), null_listed)
        }
    };
    Ok(if negate { !&hits } else { hits })
}

/// `hit(value)` for each value; a null hits when `null_hit`.
fn each_value<T>(values: impl Iterator<Item = Option<T>>, hit: impl Fn(T) -> bool, null_hit: bool) -> BooleanBuffer {
    BooleanBuffer::from_iter(values.map(|v| v.map_or(null_hit, &hit)))
}

/// `hit` on each text value; for a dictionary, once per distinct value.
fn on_text(array: &ArrayRef, hit: impl Fn(&str) -> bool, null_hit: bool) -> Result<BooleanBuffer> {
    Ok(match array.as_any_dictionary_opt() {
        Some(dictionary) => {
            // Once per distinct value, then a table lookup per row on the raw keys.
            let values = dictionary.values().as_string::<i32>();
            let table: Vec<bool> = (0..values.len()).map(|i| values.is_valid(i) && hit(values.value(i))).collect();
            let keys = dictionary.keys();
            let nulls = array.logical_nulls();
            let looked_up = |key: usize| table.get(key).copied().unwrap_or(false);
            let valid = |row: usize| nulls.as_ref().is_none_or(|n| n.is_valid(row));
            let n = array.len();
            use arrow_array::types::{Int16Type, Int32Type, Int8Type};
            match keys.data_type() {
                arrow_schema::DataType::Int8 => {
                    let k = keys.as_primitive::<Int8Type>().values();
                    BooleanBuffer::collect_bool(n, |r| if valid(r) { looked_up(k[r] as usize) } else { null_hit })
                }
                arrow_schema::DataType::Int16 => {
                    let k = keys.as_primitive::<Int16Type>().values();
                    BooleanBuffer::collect_bool(n, |r| if valid(r) { looked_up(k[r] as usize) } else { null_hit })
                }
                arrow_schema::DataType::Int32 => {
                    let k = keys.as_primitive::<Int32Type>().values();
                    BooleanBuffer::collect_bool(n, |r| if valid(r) { looked_up(k[r] as usize) } else { null_hit })
                }
                _ => {
                    let k = domain::integers(&keys.slice(0, n));
                    each_value(k.iter(), |key| looked_up(key as usize), null_hit)
                }
            }
        }
        None => {
            let values: &StringArray = array.as_string::<i32>();
            each_value(values.iter(), hit, null_hit)
        }
    })
}

/// `hit` on the text form of each value (numbers as JavaScript writes
/// them); nulls hit when `null_hit`.
fn on_text_forms(array: &ArrayRef, bin: Option<super::Bin>, hit: impl Fn(&str) -> bool, null_hit: bool) -> Result<BooleanBuffer> {
    if bin.is_none() && Kind::of(array.data_type()) == Kind::Text {
        return on_text(array, hit, null_hit);
    }
    let mut text = String::new();
    Ok(BooleanBuffer::from_iter((0..array.len()).map(|row| {
        text.clear();
        if super::json::cell_text(array.as_ref(), row, bin, &mut text) {
            hit(&text)
        } else {
            null_hit
        }
    })))
}
