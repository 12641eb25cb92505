//! Expression values and their operators: numbers (f64), booleans and text,
//! row by row. The expression tree and its evaluation over named columns are
//! the plan's ([`crate::plan::expr`]); these are the array operations.
//!
//! Numbers are f64 (integer columns convert exactly up to 2^53); dates and
//! timestamps are epoch milliseconds, as in JavaScript; text compares by code
//! point. Nulls propagate through operators (as in SQL); division by zero is
//! null; comparisons use SQL's order for floats (-0 = 0, NaN = NaN and above
//! every number, [`super::order::float_order`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, StringArray};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use serde_json::Value;

use super::kind::{self, ColumnKind};
use super::order::float_order;
use super::predicate::{Comparison, Dialect, TextMatcher};
use crate::error::{QuiverError, Result};

/// An evaluated expression: numbers, booleans or text.
#[derive(Clone, Debug)]
pub enum Values {
    Number(Float64Array),
    Boolean(BooleanArray),
    Text(StringArray),
}

fn invalid(message: String) -> QuiverError {
    QuiverError::InvalidQuery(message)
}

impl Values {
    /// A column's values as an expression reads them: numbers as f64, dates
    /// and timestamps as epoch milliseconds, text decoded.
    pub fn of(array: &ArrayRef) -> Result<Values> {
        Ok(match kind::kind(array.as_ref()) {
            ColumnKind::Integer | ColumnKind::Float => match array.as_primitive_opt::<arrow_array::types::Float64Type>() {
                Some(numbers) => Values::Number(numbers.clone()),
                None => Values::Number(kind::floats(array.as_ref())),
            },
            ColumnKind::Date | ColumnKind::Timestamp => Values::Number(kind::micros(array.as_ref()).unary(|m| m as f64 / 1000.0)),
            ColumnKind::Boolean => Values::Boolean(array.as_boolean().clone()),
            ColumnKind::String => Values::Text(kind::plain_text(array)?.as_string::<i32>().clone()),
        })
    }

    /// A literal on `rows` rows (`null` is a null number).
    pub fn constant(value: &Value, rows: usize) -> Result<Values> {
        Ok(match value {
            Value::Number(n) => Values::Number(Float64Array::from(vec![n.as_f64().unwrap_or(f64::NAN); rows])),
            Value::Bool(b) => Values::Boolean(BooleanArray::from(vec![*b; rows])),
            Value::String(s) => Values::Text(StringArray::from(vec![s.as_str(); rows])),
            Value::Null => Values::Number(Float64Array::from(vec![None; rows])),
            other => return Err(invalid(format!("{other} is not a value an expression can use"))),
        })
    }

    pub fn into_array(self) -> ArrayRef {
        match self {
            Values::Number(a) => Arc::new(a),
            Values::Boolean(a) => Arc::new(a),
            Values::Text(a) => Arc::new(a),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Values::Number(a) => a.len(),
            Values::Boolean(a) => a.len(),
            Values::Text(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_valid(&self, row: usize) -> bool {
        match self {
            Values::Number(a) => a.is_valid(row),
            Values::Boolean(a) => a.is_valid(row),
            Values::Text(a) => a.is_valid(row),
        }
    }

    /// `number`, `boolean` or `text`, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Values::Number(_) => "number",
            Values::Boolean(_) => "boolean",
            Values::Text(_) => "text",
        }
    }

    /// The numbers, or an error naming `op`.
    pub fn numbers(self, op: &str) -> Result<Float64Array> {
        match self {
            Values::Number(a) => Ok(a),
            other => Err(invalid(format!("`{op}` needs numbers, not {}", other.kind()))),
        }
    }

    /// The booleans, or an error naming `op`.
    pub fn booleans(self, op: &str) -> Result<BooleanArray> {
        match self {
            Values::Boolean(a) => Ok(a),
            other => Err(invalid(format!("`{op}` needs true/false values, not {}", other.kind()))),
        }
    }

    /// Nulls of the same kind.
    pub fn nulls_like(&self, rows: usize) -> Values {
        match self {
            Values::Number(_) => Values::Number(Float64Array::from(vec![None; rows])),
            Values::Boolean(_) => Values::Boolean(BooleanArray::from(vec![None; rows])),
            Values::Text(_) => Values::Text(StringArray::from(vec![None::<&str>; rows])),
        }
    }

    /// As text (numbers as JavaScript writes them, booleans `true`/`false`).
    pub fn into_text(self) -> StringArray {
        match self {
            Values::Text(t) => t,
            Values::Number(n) => n
                .iter()
                .map(|v| {
                    v.map(|v| {
                        let mut out = String::new();
                        super::text::write_number(v, &mut out);
                        out
                    })
                })
                .collect(),
            Values::Boolean(b) => b.iter().map(|v| v.map(|v| v.to_string())).collect(),
        }
    }
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arithmetic {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

/// Element-wise arithmetic on the value buffers (nulls propagate); division
/// and remainder by zero are null.
pub fn arithmetic(op: Arithmetic, a: &Float64Array, b: &Float64Array) -> Float64Array {
    let always = |_: f64| true;
    let nonzero = |y: f64| y != 0.0;
    match op {
        Arithmetic::Add => binary(a, b, |x, y| x + y, always),
        Arithmetic::Subtract => binary(a, b, |x, y| x - y, always),
        Arithmetic::Multiply => binary(a, b, |x, y| x * y, always),
        Arithmetic::Divide => binary(a, b, |x, y| x / y, nonzero),
        Arithmetic::Remainder => binary(a, b, |x, y| x % y, nonzero),
    }
}

/// `f(x, y)` over two number arrays; `defined(y)` says where the result exists.
fn binary(a: &Float64Array, b: &Float64Array, f: impl Fn(f64, f64) -> f64, defined: impl Fn(f64) -> bool) -> Float64Array {
    let values: Vec<f64> = a.values().iter().zip(b.values()).map(|(&x, &y)| f(x, y)).collect();
    let mut nulls = NullBuffer::union(a.nulls(), b.nulls());
    if b.values().iter().any(|&y| !defined(y)) {
        let valid = BooleanBuffer::collect_bool(values.len(), |i| nulls.as_ref().is_none_or(|n| n.is_valid(i)) && defined(b.values()[i]));
        nulls = Some(NullBuffer::new(valid));
    }
    Float64Array::new(values.into(), nulls)
}

/// `f` of each number; a NaN result is null.
pub fn math(a: &Float64Array, f: fn(f64) -> f64) -> Float64Array {
    a.iter().map(|v| v.map(f).filter(|v| !v.is_nan())).collect()
}

/// `a op b` row by row (numbers in SQL's order, text by code point); an
/// error names the kinds when they cannot be compared.
pub fn compare(op: Comparison, a: &Values, b: &Values, name: &str) -> Result<BooleanArray> {
    Ok(match (a, b) {
        (Values::Number(a), Values::Number(b)) => a.iter().zip(b.iter()).map(|(x, y)| Some(op.test(float_order(x?).cmp(&float_order(y?))))).collect(),
        (Values::Text(a), Values::Text(b)) => a.iter().zip(b.iter()).map(|(x, y)| Some(op.test(x?.cmp(y?)))).collect(),
        (Values::Boolean(a), Values::Boolean(b)) => a.iter().zip(b.iter()).map(|(x, y)| Some(op.test(x?.cmp(&y?)))).collect(),
        (a, b) => return Err(invalid(format!("`{name}` compares {} with {}", a.kind(), b.kind()))),
    })
}

/// Whether each value is null.
pub fn is_null(values: &Values) -> BooleanArray {
    BooleanArray::from_iter((0..values.len()).map(|i| Some(!values.is_valid(i))))
}

/// Row `i` from `sources[chosen[i]]` (null when `None`), all of `like`'s kind.
pub fn choose(like: &Values, sources: &[Values], chosen: &[Option<usize>]) -> Values {
    match like {
        Values::Number(_) => Values::Number(
            chosen
                .iter()
                .enumerate()
                .map(|(i, c)| c.and_then(|c| if let Values::Number(a) = &sources[c] { a.is_valid(i).then(|| a.value(i)) } else { None }))
                .collect(),
        ),
        Values::Boolean(_) => Values::Boolean(
            chosen
                .iter()
                .enumerate()
                .map(|(i, c)| c.and_then(|c| if let Values::Boolean(a) = &sources[c] { a.is_valid(i).then(|| a.value(i)) } else { None }))
                .collect(),
        ),
        Values::Text(_) => Values::Text(
            chosen
                .iter()
                .enumerate()
                .map(|(i, c)| c.and_then(|c| if let Values::Text(a) = &sources[c] { a.is_valid(i).then(|| a.value(i).to_string()) } else { None }))
                .collect(),
        ),
    }
}

/// Text joined row by row (`||`); null when either is.
pub fn concat_text(a: &StringArray, b: &StringArray) -> StringArray {
    a.iter().zip(b.iter()).map(|(x, y)| Some(format!("{}{}", x?, y?))).collect()
}

/// Whether each text matches its row's pattern anywhere (`~`), compiling each
/// distinct pattern once; null when either is null. An invalid pattern is an
/// error (`describe` says where it came from).
pub fn regex_matches(
    text: &StringArray,
    patterns: &StringArray,
    dialect: Dialect,
    ignore_case: bool,
    negated: bool,
    describe: &dyn Fn(&str, String) -> String,
) -> Result<BooleanArray> {
    let mut compiled: HashMap<&str, TextMatcher> = HashMap::new();
    let mut out = Vec::with_capacity(text.len());
    for (t, p) in text.iter().zip(patterns.iter()) {
        let (Some(t), Some(p)) = (t, p) else {
            out.push(None);
            continue;
        };
        if !compiled.contains_key(p) {
            let matcher = match dialect {
                Dialect::Rust => regex::RegexBuilder::new(p)
                    .case_insensitive(ignore_case)
                    .build()
                    .map(TextMatcher::Regex)
                    .map_err(|e| invalid(describe(p, e.to_string().lines().last().unwrap_or("").trim().to_string())))?,
                Dialect::JavaScript => match super::regexp::JsRegex::new(p, ignore_case) {
                    Ok(regex) => TextMatcher::JavaScript(regex),
                    Err(e) => return Err(invalid(describe(p, e.to_string()))),
                },
            };
            compiled.insert(p, matcher);
        }
        out.push(Some(compiled[p].test(t) != negated));
    }
    Ok(BooleanArray::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_propagates_nulls_and_zero_division() {
        let q = Float64Array::from(vec![Some(2.0), None, Some(5.0), Some(0.0)]);
        let p = Float64Array::from(vec![1.5, 2.0, 3.0, 4.0]);
        assert_eq!(arithmetic(Arithmetic::Multiply, &q, &p).iter().collect::<Vec<_>>(), [Some(3.0), None, Some(15.0), Some(0.0)]);
        assert_eq!(arithmetic(Arithmetic::Divide, &p, &q).iter().collect::<Vec<_>>(), [Some(0.75), None, Some(0.6), None]);
    }

    #[test]
    fn number_comparisons_treat_zeros_and_nans_as_sql_does() {
        // -0 = 0; a NaN with its sign bit set (what `inf - inf` gives on
        // x86) is the same NaN, above every number. `total_cmp` got both wrong.
        let negative_nan = f64::from_bits(f64::NAN.to_bits() | 1 << 63);
        let x = Values::Number(Float64Array::from(vec![Some(-0.0), Some(0.0), Some(negative_nan), Some(f64::NAN), None]));
        let test = |op, v: f64| compare(op, &x, &Values::Number(Float64Array::from(vec![v; 5])), "t").unwrap().iter().collect::<Vec<_>>();
        assert_eq!(test(Comparison::Eq, 0.0), [Some(true), Some(true), Some(false), Some(false), None]);
        assert_eq!(test(Comparison::Lt, 0.0), [Some(false), Some(false), Some(false), Some(false), None]);
        assert_eq!(test(Comparison::Gt, 1e300), [Some(false), Some(false), Some(true), Some(true), None]);
        assert_eq!(test(Comparison::Eq, f64::NAN), [Some(false), Some(false), Some(true), Some(true), None]);
        assert!(compare(Comparison::Eq, &x, &Values::Text(StringArray::from(vec!["a"; 5])), "=").is_err());
    }

    #[test]
    fn matches_compile_each_pattern_once_and_name_bad_ones() {
        let text = StringArray::from(vec![Some("apple"), Some("Äpfel"), None]);
        let patterns = StringArray::from(vec!["^\\w+$"; 3]);
        let got = regex_matches(&text, &patterns, Dialect::JavaScript, false, false, &|p, e| format!("/{p}/: {e}")).unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), [Some(true), Some(false), None]);
        let bad = StringArray::from(vec!["("; 3]);
        let err = regex_matches(&text, &bad, Dialect::JavaScript, false, false, &|p, e| format!("/{p}/: {e}")).unwrap_err();
        assert!(err.to_string().contains("not a valid JavaScript regular expression"), "{err}");
    }
}
