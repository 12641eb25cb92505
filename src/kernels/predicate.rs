//! Predicates on arrays: comparisons with a typed value, membership, text
//! matches, null and NaN tests. Each returns SQL's three-valued answer, a
//! `BooleanArray` whose nulls are "unknown"; [`truthy`] keeps only the rows
//! that are true (what a filter selects). `and` / `or` / `not` combine with
//! arrow-arith's Kleene kernels, so `not` is SQL's.
//!
//! Null policy: a comparison or a text match with a null value is unknown;
//! membership takes the answer for null values as a parameter
//! ([`membership`]), since Quiver's `in`/`notIn` and Graphic Walker's
//! `one of`/`not in` differ there.
//!
//! Comparisons are loops in the column's own type (one per operator, so they
//! vectorise); text conditions on a dictionary run once per distinct value and
//! are spread over the rows by key. Written here rather than with arrow-ord's
//! `cmp` and arrow-string's kernels for the wasm's size budget, measured when
//! first written: arrow-ord's dictionary support links arrow-select's generic
//! `take` (about 450 KB before compression) and arrow-string's regex brings
//! every Unicode table (about 250 KB gzipped).
//!
//! Floats compare in SQL engines' order ([`super::order::canonical_float`]):
//! -0 equals 0 and NaN is one value above +∞, equal to itself.

use std::collections::HashSet;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int8Type};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, BooleanArray, Float64Array, PrimitiveArray, StringArray};
use arrow_buffer::{ArrowNativeType, BooleanBuffer, NullBuffer};
use arrow_schema::DataType;
use serde::{Deserialize, Serialize};

use super::kind::{self, ColumnKind};
use super::order::float_order;
use super::regexp::JsRegex;
use super::scalar::Scalar;
use crate::error::{QuiverError, Result};

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "!=")]
    NotEq,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    LtEq,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    GtEq,
}

impl Comparison {
    /// Whether an ordering satisfies the comparison.
    pub fn test(self, ordering: std::cmp::Ordering) -> bool {
        match self {
            Comparison::Eq => ordering.is_eq(),
            Comparison::NotEq => ordering.is_ne(),
            Comparison::Lt => ordering.is_lt(),
            Comparison::LtEq => ordering.is_le(),
            Comparison::Gt => ordering.is_gt(),
            Comparison::GtEq => ordering.is_ge(),
        }
    }
}

/// The rows that are true (unknown is not a match).
pub fn truthy(result: &BooleanArray) -> BooleanBuffer {
    match result.nulls() {
        Some(nulls) => result.values() & nulls.inner(),
        None => result.values().clone(),
    }
}

/// `array op value`, compared in the array's own type (`value` read for the
/// array's kind, see [`Scalar::from_json`]); nulls are unknown.
pub fn compare(array: &ArrayRef, op: Comparison, value: &Scalar) -> Result<BooleanArray> {
    Ok(match value {
        Scalar::Integer(v) => match array.data_type() {
            DataType::Int8 => integer_cmp(array.as_primitive::<Int8Type>(), op, *v),
            DataType::Int16 => integer_cmp(array.as_primitive::<Int16Type>(), op, *v),
            DataType::Int32 => integer_cmp(array.as_primitive::<Int32Type>(), op, *v),
            DataType::Int64 => integer_cmp(array.as_primitive::<arrow_array::types::Int64Type>(), op, *v),
            _ if kind::kind(array.as_ref()).is_number() => float_cmp(&kind::floats(array.as_ref()), op, *v as f64),
            _ => return Err(mismatch(array, "a number")),
        },
        Scalar::Micros(v) if kind::kind(array.as_ref()).is_time() => integer_cmp(&kind::micros(array.as_ref()), op, *v),
        Scalar::Float(v) if kind::kind(array.as_ref()).is_number() => float_cmp(&kind::floats(array.as_ref()), op, *v),
        Scalar::Boolean(v) if array.data_type() == &DataType::Boolean => {
            array.as_boolean().iter().map(|x| x.map(|x| op.test(x.cmp(v)))).collect()
        }
        Scalar::Text(v) if kind::is_text(array.as_ref()) => {
            per_text_value(array, |values| values.iter().map(|x| x.map(|x| op.test(x.cmp(v.as_str())))).collect())
        }
        other => return Err(mismatch(array, &format!("{other:?}"))),
    })
}

fn mismatch(array: &ArrayRef, what: &str) -> QuiverError {
    QuiverError::InvalidQuery(format!("{} values cannot be compared with {what}", kind::kind(array.as_ref()).name()))
}

/// `array op v` for an integer array, in its own type; an operand outside
/// that type's range gives the same answer for every value.
fn integer_cmp<T>(array: &PrimitiveArray<T>, op: Comparison, v: i64) -> BooleanArray
where
    T: ArrowPrimitiveType,
    T::Native: PartialOrd + TryFrom<i64>,
{
    let Ok(t) = T::Native::try_from(v) else {
        // Every value is below an operand above the range, and above one below it.
        let operand_above = v > 0;
        let answer = match op {
            Comparison::Eq => false,
            Comparison::NotEq => true,
            Comparison::Lt | Comparison::LtEq => operand_above,
            Comparison::Gt | Comparison::GtEq => !operand_above,
        };
        let values = if answer { BooleanBuffer::new_set(array.len()) } else { BooleanBuffer::new_unset(array.len()) };
        return BooleanArray::new(values, array.nulls().cloned());
    };
    match op {
        Comparison::Eq => each_bit(array, move |x| x == t),
        Comparison::NotEq => each_bit(array, move |x| x != t),
        Comparison::Lt => each_bit(array, move |x| x < t),
        Comparison::LtEq => each_bit(array, move |x| x <= t),
        Comparison::Gt => each_bit(array, move |x| x > t),
        Comparison::GtEq => each_bit(array, move |x| x >= t),
    }
}

/// `array op v` for floats, in SQL engines' order.
fn float_cmp(array: &Float64Array, op: Comparison, v: f64) -> BooleanArray {
    if v.is_nan() {
        return match op {
            Comparison::Eq | Comparison::GtEq => each_bit(array, |x| x.is_nan()),
            Comparison::NotEq | Comparison::Lt => each_bit(array, |x| !x.is_nan()),
            Comparison::LtEq => each_bit(array, |_| true),
            Comparison::Gt => each_bit(array, |_| false),
        };
    }
    match op {
        Comparison::Eq => each_bit(array, move |x| x == v),
        Comparison::NotEq => each_bit(array, move |x| x != v),
        Comparison::Lt => each_bit(array, move |x| x < v),
        Comparison::LtEq => each_bit(array, move |x| x <= v),
        Comparison::Gt => each_bit(array, move |x| x > v || x.is_nan()),
        Comparison::GtEq => each_bit(array, move |x| x >= v || x.is_nan()),
    }
}

/// `test` of every value (nulls stay null), straight into a bitmap.
fn each_bit<T: ArrowPrimitiveType>(array: &PrimitiveArray<T>, test: impl Fn(T::Native) -> bool) -> BooleanArray {
    BooleanArray::new(pack_bits(array.values(), test), array.nulls().cloned())
}

/// `test` of every value as a bitmap, 64 values to a word. Hand-written
/// rather than `BooleanBuffer::collect_bool` (which calls back with an index
/// into the slice) because iterating fixed-size chunks lets LLVM drop the
/// bounds checks and vectorise the comparisons: measured 5.3 → 1.4 ms for
/// `quantity > 5` on 8.8 million rows natively.
pub fn pack_bits<T: Copy>(values: &[T], test: impl Fn(T) -> bool) -> BooleanBuffer {
    let chunks = values.chunks_exact(64);
    let remainder = chunks.remainder();
    let mut words: Vec<u64> = Vec::with_capacity(values.len().div_ceil(64));
    for chunk in chunks {
        let mut word = 0u64;
        for (bit, &value) in chunk.iter().enumerate() {
            word |= (test(value) as u64) << bit;
        }
        words.push(word);
    }
    if !remainder.is_empty() {
        let mut word = 0u64;
        for (bit, &value) in remainder.iter().enumerate() {
            word |= (test(value) as u64) << bit;
        }
        words.push(word);
    }
    BooleanBuffer::new(arrow_buffer::Buffer::from_vec(words), 0, values.len())
}

/// Whether each value is one of `listed` (the non-null values listed, read
/// for the array's kind): `Some(found != negated)` for a value; `nulls` for a
/// null (`None`: unknown). Numbers compare by value (a whole float is that
/// integer; -0 is 0; NaN is NaN).
pub fn membership(array: &ArrayRef, listed: &[Scalar], negated: bool, nulls: Option<bool>) -> Result<BooleanArray> {
    let hit = |valid: bool, found: bool| -> Option<bool> {
        if valid {
            Some(found != negated)
        } else {
            nulls
        }
    };
    let kind = kind::kind(array.as_ref());
    Ok(match kind {
        ColumnKind::Integer => {
            // A whole float (`2.0`, `-0.0`) is that integer; others match no integer.
            let wanted: HashSet<i64> = listed
                .iter()
                .filter_map(|s| match s {
                    Scalar::Integer(v) => Some(*v),
                    Scalar::Float(v) if v.fract() == 0.0 && v.abs() < 9.2e18 => Some(*v as i64),
                    _ => None,
                })
                .collect();
            let values = kind::integers(array.as_ref());
            (0..values.len()).map(|i| hit(values.is_valid(i), wanted.contains(&values.value(i)))).collect()
        }
        ColumnKind::Float => {
            let wanted: HashSet<u64> = listed
                .iter()
                .filter_map(|s| match s {
                    Scalar::Integer(v) => Some(float_order(*v as f64)),
                    Scalar::Float(v) => Some(float_order(*v)),
                    _ => None,
                })
                .collect();
            let values = kind::floats(array.as_ref());
            (0..values.len()).map(|i| hit(values.is_valid(i), wanted.contains(&float_order(values.value(i))))).collect()
        }
        ColumnKind::Date | ColumnKind::Timestamp => {
            let wanted: HashSet<i64> = listed.iter().filter_map(|s| if let Scalar::Micros(v) = s { Some(*v) } else { None }).collect();
            let values = kind::micros(array.as_ref());
            (0..values.len()).map(|i| hit(values.is_valid(i), wanted.contains(&values.value(i)))).collect()
        }
        ColumnKind::Boolean => {
            let wanted: Vec<bool> = listed.iter().filter_map(|s| if let Scalar::Boolean(v) = s { Some(*v) } else { None }).collect();
            let values = array.as_boolean();
            (0..values.len()).map(|i| hit(values.is_valid(i), wanted.contains(&values.value(i)))).collect()
        }
        ColumnKind::String => {
            let wanted: HashSet<&str> = listed.iter().filter_map(|s| if let Scalar::Text(v) = s { Some(v.as_str()) } else { None }).collect();
            // Per distinct value, then spread; a null row then takes the policy.
            let found = per_text_value(array, |values| values.iter().map(|v| v.map(|v| wanted.contains(v) != negated)).collect());
            match nulls {
                // Rows that are null are already null (unknown).
                None => found,
                Some(answer) => {
                    let values = match array.logical_nulls() {
                        None => found.values().clone(),
                        Some(valid) => {
                            let null_answer = if answer { !valid.inner() } else { BooleanBuffer::new_unset(array.len()) };
                            &(found.values() & valid.inner()) | &null_answer
                        }
                    };
                    BooleanArray::new(values, None)
                }
            }
        }
    })
}

/// Whether each value is null (never unknown).
pub fn is_null(array: &dyn Array) -> BooleanArray {
    match array.logical_nulls() {
        None => BooleanArray::new(BooleanBuffer::new_unset(array.len()), None),
        Some(valid) => BooleanArray::new(!valid.inner(), None),
    }
}

/// Whether each value is a float NaN (false for nulls and other kinds).
pub fn is_nan(array: &dyn Array) -> BooleanArray {
    if array.data_type() != &DataType::Float64 {
        return BooleanArray::new(BooleanBuffer::new_unset(array.len()), None);
    }
    let values = array.as_primitive::<arrow_array::types::Float64Type>();
    let nan = pack_bits(values.values(), f64::is_nan);
    BooleanArray::new(
        match values.nulls() {
            Some(valid) => &nan & valid.inner(),
            None => nan,
        },
        None,
    )
}

/// Which regular-expression language a pattern is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Dialect {
    /// The `regex` crate's syntax (Quiver's specs).
    Rust,
    /// ECMAScript's, as `new RegExp(pattern[, 'i'])` reads it ([`super::regexp`]).
    JavaScript,
}

/// A text condition: a literal to find (contains / starts / ends) or a
/// regular expression found anywhere in the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TextPattern {
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    Regex { pattern: String, dialect: Dialect },
}

/// A compiled [`TextPattern`].
pub enum TextMatcher {
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    Regex(regex::Regex),
    JavaScript(JsRegex),
}

impl TextMatcher {
    /// Compiles `pattern`. Literal, case-sensitive conditions are plain
    /// `str` searches; others compile one regular expression (a literal
    /// ignoring case is escaped into one). Errors name the pattern.
    pub fn new(pattern: &TextPattern, case_insensitive: bool) -> Result<TextMatcher> {
        let regex = |source: String| -> Result<TextMatcher> {
            regex::RegexBuilder::new(&source)
                .case_insensitive(case_insensitive)
                .build()
                .map(TextMatcher::Regex)
                .map_err(|e| QuiverError::InvalidQuery(format!("bad regular expression {source:?}: {e}")))
        };
        Ok(match (pattern, case_insensitive) {
            (TextPattern::Contains(s), false) => TextMatcher::Contains(s.clone()),
            (TextPattern::StartsWith(s), false) => TextMatcher::StartsWith(s.clone()),
            (TextPattern::EndsWith(s), false) => TextMatcher::EndsWith(s.clone()),
            (TextPattern::Contains(s), true) => regex(regex::escape(s))?,
            (TextPattern::StartsWith(s), true) => regex(format!("^{}", regex::escape(s)))?,
            (TextPattern::EndsWith(s), true) => regex(format!("{}$", regex::escape(s)))?,
            (TextPattern::Regex { pattern, dialect: Dialect::Rust }, _) => regex(pattern.clone())?,
            (TextPattern::Regex { pattern, dialect: Dialect::JavaScript }, _) => TextMatcher::JavaScript(
                JsRegex::new(pattern, case_insensitive)
                    .map_err(|e| QuiverError::InvalidQuery(format!("the pattern /{pattern}/: {e}")))?,
            ),
        })
    }

    pub fn test(&self, text: &str) -> bool {
        match self {
            TextMatcher::Contains(needle) => text.contains(needle.as_str()),
            TextMatcher::StartsWith(needle) => text.starts_with(needle.as_str()),
            TextMatcher::EndsWith(needle) => text.ends_with(needle.as_str()),
            TextMatcher::Regex(regex) => regex.is_match(text),
            TextMatcher::JavaScript(regex) => regex.test(text),
        }
    }
}

/// Whether each text value matches; nulls are unknown. The array must be
/// text (the caller names the column in its error).
pub fn text_match(array: &ArrayRef, matcher: &TextMatcher) -> BooleanArray {
    per_text_value(array, |values| values.iter().map(|v| v.map(|v| matcher.test(v))).collect())
}

/// Applies an answer-per-value function to a text array; for a dictionary,
/// to its (distinct) values once, then spread over the rows by key (a null
/// key or a null answer is null).
pub fn per_text_value(array: &ArrayRef, answer: impl Fn(&StringArray) -> BooleanArray) -> BooleanArray {
    match array.as_any_dictionary_opt() {
        Some(dictionary) => {
            let per_value = answer(dictionary.values().as_string::<i32>());
            match dictionary.keys().data_type() {
                DataType::Int8 => spread(dictionary.keys().as_primitive::<Int8Type>(), &per_value),
                DataType::Int16 => spread(dictionary.keys().as_primitive::<Int16Type>(), &per_value),
                _ => spread(dictionary.keys().as_primitive::<Int32Type>(), &per_value),
            }
        }
        None => answer(array.as_string::<i32>()),
    }
}

/// The answer for each dictionary value, given to each row by its key.
fn spread<K: ArrowPrimitiveType>(keys: &PrimitiveArray<K>, per_value: &BooleanArray) -> BooleanArray {
    // A table of answers by key; a null key's slot holds no meaningful key,
    // but its bit is masked by the null buffer below.
    let table: Vec<bool> = (0..per_value.len()).map(|k| per_value.is_valid(k) && per_value.value(k)).collect();
    let mut hits = table.iter().enumerate().filter(|(_, hit)| **hit).map(|(k, _)| k);
    let values = match (hits.next(), hits.next()) {
        // One matching value (`=`, the usual case): compare keys directly,
        // which vectorises, rather than look each one up.
        (Some(only), None) => pack_bits(keys.values(), |key| key.as_usize() == only),
        (None, _) => BooleanBuffer::new_unset(keys.len()),
        _ => pack_bits(keys.values(), |key| table.get(key.as_usize()).copied().unwrap_or(false)),
    };
    let nulls = match per_value.null_count() {
        0 => keys.nulls().cloned(),
        _ => {
            let last = per_value.len().saturating_sub(1);
            Some(NullBuffer::from_iter(
                (0..keys.len()).map(|i| keys.is_valid(i) && per_value.is_valid(keys.values()[i].as_usize().min(last))),
            ))
        }
    };
    BooleanArray::new(values, nulls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn strings(values: &[Option<&str>]) -> ArrayRef {
        let array: arrow_array::DictionaryArray<Int8Type> = values.iter().copied().collect();
        Arc::new(array)
    }

    #[test]
    fn membership_takes_its_null_policy() {
        let text = strings(&[Some("a"), None, Some("b")]);
        let listed = [Scalar::Text("a".into())];
        let got = |negated, nulls| membership(&text, &listed, negated, nulls).unwrap().iter().collect::<Vec<_>>();
        assert_eq!(got(false, None), [Some(true), None, Some(false)]);
        assert_eq!(got(false, Some(true)), [Some(true), Some(true), Some(false)]);
        assert_eq!(got(true, Some(true)), [Some(false), Some(true), Some(true)]);
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![Some(-0.0), Some(f64::NAN), None, Some(2.0)]));
        let got = membership(&floats, &[Scalar::Integer(0), Scalar::Float(2.0)], false, Some(false)).unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), [Some(true), Some(false), Some(false), Some(true)]);
        let ints: ArrayRef = Arc::new(arrow_array::Int16Array::from(vec![Some(2), None, Some(3)]));
        let got = membership(&ints, &[Scalar::Float(2.0), Scalar::Float(3.5)], false, None).unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), [Some(true), None, Some(false)]);
    }

    #[test]
    fn comparisons_follow_sql_order_and_three_valued_nulls() {
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![Some(-0.0), Some(f64::NAN), None, Some(1.0)]));
        let got = |op, v| compare(&floats, op, &Scalar::Float(v)).unwrap().iter().collect::<Vec<_>>();
        assert_eq!(got(Comparison::Eq, 0.0), [Some(true), Some(false), None, Some(false)]);
        assert_eq!(got(Comparison::Gt, 0.5), [Some(false), Some(true), None, Some(true)]);
        let small: ArrayRef = Arc::new(arrow_array::Int8Array::from(vec![1, 100]));
        let got = compare(&small, Comparison::Lt, &Scalar::Integer(1000)).unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), [Some(true), Some(true)]);
        assert_eq!(is_nan(floats.as_ref()).iter().collect::<Vec<_>>(), [Some(false), Some(true), Some(false), Some(false)]);
    }

    #[test]
    fn text_matches_per_distinct_value() {
        let text = strings(&[Some("Oslo"), Some("lima"), None, Some("oslo")]);
        let m = TextMatcher::new(&TextPattern::StartsWith("os".into()), true).unwrap();
        assert_eq!(text_match(&text, &m).iter().collect::<Vec<_>>(), [Some(true), Some(false), None, Some(true)]);
        let js = TextMatcher::new(&TextPattern::Regex { pattern: "^[^]$".into(), dialect: Dialect::JavaScript }, false).unwrap();
        assert_eq!(text_match(&strings(&[Some("x"), Some("xy")]), &js).iter().collect::<Vec<_>>(), [Some(true), Some(false)]);
        assert!(TextMatcher::new(&TextPattern::Regex { pattern: "(".into(), dialect: Dialect::Rust }, false).is_err());
    }
}
