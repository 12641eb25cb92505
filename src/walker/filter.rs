//! Filter rules → which rows stay. Every filter of a step must hold.
//!
//! - `range`: `lo <= x <= hi`, a `null` end open; numbers, times (epoch ms)
//!   or bins (their lower bound). A null value is never in a range, nor NaN
//!   (JavaScript's comparisons with NaN are false).
//! - `temporal range`: the value's instant (see [`super::time`]) in
//!   `[lo, hi]` epoch ms; wall-clock values are read in the rule's `offset`
//!   zone, or as `new Date(text)` would without one (plain dates in UTC,
//!   date-times in the browser's zone).
//! - `one of` / `not in`: membership with JavaScript's `Set` equality (a
//!   number matches a number, text matches text); `null` listed matches
//!   nulls, so `not in` keeps nulls unless `null` is listed.
//! - `regexp`: `new RegExp(value, caseSensitive ? '' : 'i').test(v)`, a
//!   JavaScript pattern ([`crate::kernels::regexp`]); numbers and booleans are tested
//!   as their text. A pattern JavaScript rejects keeps no rows (Graphic Walker
//!   catches the error); a valid one this engine cannot run (look-around,
//!   back references) is an error.

use std::collections::HashSet;

use arrow_array::{Array, ArrayRef, BooleanArray};
use arrow_buffer::BooleanBuffer;
use serde_json::Value;

use super::payload::{FilterRule, VisFilter};
use super::{Env, Frame};
use crate::error::{QuiverError, Result};
use crate::kernels::predicate::{self, TextMatcher};
use crate::kernels::regexp::{JsRegex, RegexError};
use crate::kernels::scalar::{Coercion, Scalar};
use crate::kernels::time::{self, Reading};
use crate::kernels::{kind, ColumnKind};
use crate::query::spec::Filter;

/// The rows of `frame` that pass every filter.
pub fn apply(frame: Frame, filters: &[VisFilter], env: &Env) -> Result<Frame> {
    let Some(keep) = mask(&frame, filters, env)? else { return Ok(frame) };
    let batch = crate::kernels::select::filter_record_batch(&frame.batch, &BooleanArray::new(keep, None))?;
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
        FilterRule::Range { value: (lo, hi) } if bin.is_none() && kind::kind(array.as_ref()).is_number() => {
            // The query engine's typed comparison (in the column's own type).
            let bound = |v: &Option<f64>| v.and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number);
            let between = Filter::Between { column: fid.to_string(), min: bound(lo), max: bound(hi) };
            let mask = crate::query::filter::matches(&between, &frame.batch)?;
            // The engine orders NaN above every number (as DuckDB); in
            // JavaScript every comparison with NaN is false: never in a range.
            let floats = (kind::kind(array.as_ref()) == ColumnKind::Float).then(|| kind::floats(array.as_ref()));
            match floats {
                Some(values) if values.values().iter().any(|v| v.is_nan()) => {
                    mask.values() & &BooleanBuffer::from_iter(values.values().iter().map(|v| !v.is_nan()))
                }
                _ => mask.values().clone(),
            }
        }
        FilterRule::Range { value: (lo, hi) } => {
            let lo = lo.unwrap_or(f64::NEG_INFINITY);
            let hi = hi.unwrap_or(f64::INFINITY);
            let values: Vec<Option<f64>> = match (bin, kind::kind(array.as_ref())) {
                (Some(b), _) => kind::integers(array.as_ref()).iter().map(|i| i.map(|i| b.bounds(i).0)).collect(),
                (None, ColumnKind::Integer | ColumnKind::Float) => kind::floats(array.as_ref()).iter().collect(),
                (None, ColumnKind::Date | ColumnKind::Timestamp) => {
                    let reading = Reading { offset: env.local_offset, date_offset: 0 };
                    super::instants(array, fid, reading)?.iter().map(|v| v.map(|v| v as f64)).collect()
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
            // With an offset, Graphic Walker reads each value in that zone
            // first (`newOffsetDate(offset)(v)`), a date that must exist too.
            let readable = |v: i64| offset.is_none_or(|o| o == 0 || time::wall_ms(v, o).is_some());
            let zones = env.zones.as_ref().and_then(|z| z.of(array));
            match time::instants_in_range(array, reading, lo, hi, offset.filter(|o| *o != 0), zones.as_deref()) {
                Some(mask) => mask,
                None => {
                    let instants = super::instants(array, fid, reading)?;
                    BooleanBuffer::from_iter(instants.iter().map(|v| v.is_some_and(|v| readable(v) && lo <= v as f64 && v as f64 <= hi)))
                }
            }
        }
        FilterRule::OneOf { value } => membership(array, bin, value, false)?,
        FilterRule::NotIn { value } => membership(array, bin, value, true)?,
        FilterRule::Regexp { value, case_sensitive } => match JsRegex::new(value, !case_sensitive) {
            Ok(pattern) => on_text_forms(array, bin, &TextMatcher::JavaScript(pattern))?,
            // Graphic Walker catches `new RegExp`'s SyntaxError and keeps no
            // rows: a pattern is often half typed (`(`).
            Err(RegexError::Invalid(_)) => BooleanBuffer::new_unset(array.len()),
            Err(e) => return Err(QuiverError::InvalidQuery(format!("the pattern for \"{fid}\": {e}"))),
        },
    })
}

/// `one of` (or, negated, `not in`) with JavaScript `Set` equality: a
/// value matches a listed value of its own JSON type; `null` listed matches
/// nulls (so `not in` keeps nulls unless `null` is listed).
fn membership(array: &ArrayRef, bin: Option<super::Bin>, listed: &[Value], negate: bool) -> Result<BooleanBuffer> {
    let null_listed = listed.iter().any(Value::is_null);
    let nulls = Some(null_listed != negate);
    if let Some(b) = bin {
        // Bins are listed as `[lo, hi]`.
        let wanted: HashSet<i64> = listed.iter().filter_map(|v| v.as_array()?.first()?.as_f64()).filter_map(|lo| b.index_of(lo)).collect();
        let indices = kind::integers(array.as_ref());
        let hits = BooleanBuffer::from_iter(indices.iter().map(|i| i.map_or(null_listed, |i| wanted.contains(&i))));
        return Ok(if negate { !&hits } else { hits });
    }
    let kind = kind::kind(array.as_ref());
    let mut scalars = Vec::with_capacity(listed.len());
    for value in listed {
        if let Some(scalar) = Scalar::from_json(value, kind, "", Coercion::Strict)? {
            scalars.push(scalar);
        }
    }
    Ok(predicate::truthy(&predicate::membership(array, &scalars, negate, nulls)?))
}

/// The text form of each value (numbers as JavaScript writes them, bins as
/// `lo,hi`) tested by `matcher`; nulls never match.
fn on_text_forms(array: &ArrayRef, bin: Option<super::Bin>, matcher: &TextMatcher) -> Result<BooleanBuffer> {
    if bin.is_none() && kind::is_text(array.as_ref()) {
        return Ok(predicate::truthy(&predicate::text_match(array, matcher)));
    }
    let mut text = String::new();
    Ok(BooleanBuffer::from_iter((0..array.len()).map(|row| {
        text.clear();
        crate::kernels::text::write_text(array.as_ref(), row, bin, &mut text) && matcher.test(&text)
    })))
}
