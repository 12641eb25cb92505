//! Expressions over columns, for derived columns: arithmetic, comparisons,
//! logic, CASE, and a few functions. A JSON tree:
//!
//! ```json
//! {"op": "*", "args": [{"column": "quantity"}, {"column": "unit_price"}]}
//! {"case": [{"when": {"op": ">", "args": [{"column": "qty"}, {"value": 10}]}, "then": {"value": "bulk"}}],
//!  "else": {"value": "retail"}}
//! ```
//!
//! Numbers are f64 (integer columns convert exactly up to 2^53); dates and
//! timestamps are epoch milliseconds, as in JavaScript; text compares by code
//! point. Nulls propagate through operators (as in SQL); division by zero is
//! null; `and`/`or` use three-valued logic.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::domain::{self, Kind};
use super::filter::column;
use crate::error::{QuiverError, Result};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Expr {
    Column {
        column: String,
    },
    Literal {
        value: Value,
    },
    Call {
        op: String,
        #[serde(default)]
        args: Vec<Expr>,
    },
    Case {
        case: Vec<When>,
        #[serde(default, rename = "else")]
        otherwise: Option<Box<Expr>>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub when: Expr,
    pub then: Expr,
}

/// An evaluated expression: numbers, booleans or text.
#[derive(Clone, Debug)]
pub enum Values {
    Number(Float64Array),
    Boolean(BooleanArray),
    Text(StringArray),
}

impl Values {
    pub fn into_array(self) -> ArrayRef {
        match self {
            Values::Number(a) => Arc::new(a),
            Values::Boolean(a) => Arc::new(a),
            Values::Text(a) => Arc::new(a),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Values::Number(_) => "number",
            Values::Boolean(_) => "boolean",
            Values::Text(_) => "text",
        }
    }
}

fn invalid(message: String) -> QuiverError {
    QuiverError::InvalidQuery(message)
}

/// Evaluates `expr` on every row of `batch`.
pub fn evaluate(expr: &Expr, batch: &RecordBatch) -> Result<Values> {
    let rows = batch.num_rows();
    Ok(match expr {
        Expr::Column { column: name } => {
            let array = column(batch, name)?;
            match Kind::of(array.data_type()) {
                Kind::Integer | Kind::Float => Values::Number(domain::floats(array)),
                Kind::Time => Values::Number(domain::micros(array).unary(|m| m as f64 / 1000.0)),
                Kind::Boolean => Values::Boolean(domain::booleans(array)),
                Kind::Text => Values::Text(match array.as_any_dictionary_opt() {
                    Some(_) => crate::arrays::decode_dictionary(array.as_ref())?.as_string::<i32>().clone(),
                    None => array.as_string::<i32>().clone(),
                }),
            }
        }
        Expr::Literal { value } => match value {
            Value::Number(n) => Values::Number(Float64Array::from(vec![n.as_f64().unwrap_or(f64::NAN); rows])),
            Value::Bool(b) => Values::Boolean(BooleanArray::from(vec![*b; rows])),
            Value::String(s) => Values::Text(StringArray::from(vec![s.as_str(); rows])),
            Value::Null => Values::Number(Float64Array::from(vec![None; rows])),
            other => return Err(invalid(format!("{other} is not a value an expression can use"))),
        },
        Expr::Call { op, args } => call(op, args, batch)?,
        Expr::Case { case, otherwise } => case_when(case, otherwise.as_deref(), batch)?,
    })
}

fn numbers(values: Values, op: &str) -> Result<Float64Array> {
    match values {
        Values::Number(a) => Ok(a),
        other => Err(invalid(format!("`{op}` needs numbers, not {}", other.kind()))),
    }
}

fn booleans(values: Values, op: &str) -> Result<BooleanArray> {
    match values {
        Values::Boolean(a) => Ok(a),
        other => Err(invalid(format!("`{op}` needs true/false values, not {}", other.kind()))),
    }
}

fn arity(op: &str, args: &[Expr], n: usize) -> Result<()> {
    if args.len() == n {
        Ok(())
    } else {
        Err(invalid(format!("`{op}` takes {n} argument{}, not {}", if n == 1 { "" } else { "s" }, args.len())))
    }
}

/// Element-wise over two number arrays, on their value buffers (nulls
/// propagate); `defined(y)` says where the result exists (division by zero).
fn binary(a: &Float64Array, b: &Float64Array, f: impl Fn(f64, f64) -> f64, defined: impl Fn(f64) -> bool) -> Float64Array {
    let values: Vec<f64> = a.values().iter().zip(b.values()).map(|(&x, &y)| f(x, y)).collect();
    let mut nulls = NullBuffer::union(a.nulls(), b.nulls());
    if b.values().iter().any(|&y| !defined(y)) {
        let valid = BooleanBuffer::collect_bool(values.len(), |i| {
            nulls.as_ref().is_none_or(|n| n.is_valid(i)) && defined(b.values()[i])
        });
        nulls = Some(NullBuffer::new(valid));
    }
    Float64Array::new(values.into(), nulls)
}

fn call(op: &str, args: &[Expr], batch: &RecordBatch) -> Result<Values> {
    let arg = |i: usize| evaluate(&args[i], batch);
    let math = |f: fn(f64) -> f64| -> Result<Values> {
        arity(op, args, 1)?;
        Ok(Values::Number(numbers(arg(0)?, op)?.iter().map(|v| v.map(f).filter(|v| !v.is_nan())).collect()))
    };
    match op {
        "+" | "-" | "*" | "/" | "%" => {
            arity(op, args, 2)?;
            let (a, b) = (numbers(arg(0)?, op)?, numbers(arg(1)?, op)?);
            let always = |_: f64| true;
            let nonzero = |y: f64| y != 0.0;
            Ok(Values::Number(match op {
                "+" => binary(&a, &b, |x, y| x + y, always),
                "-" => binary(&a, &b, |x, y| x - y, always),
                "*" => binary(&a, &b, |x, y| x * y, always),
                "/" => binary(&a, &b, |x, y| x / y, nonzero),
                _ => binary(&a, &b, |x, y| x % y, nonzero),
            }))
        }
        "=" | "!=" | "<" | "<=" | ">" | ">=" => {
            arity(op, args, 2)?;
            let test = |o: std::cmp::Ordering| match op {
                "=" => o.is_eq(),
                "!=" => o.is_ne(),
                "<" => o.is_lt(),
                "<=" => o.is_le(),
                ">" => o.is_gt(),
                _ => o.is_ge(),
            };
            Ok(Values::Boolean(match (arg(0)?, arg(1)?) {
                (Values::Number(a), Values::Number(b)) => {
                    a.iter().zip(b.iter()).map(|(x, y)| Some(test(x?.total_cmp(&y?)))).collect()
                }
                (Values::Text(a), Values::Text(b)) => a.iter().zip(b.iter()).map(|(x, y)| Some(test(x?.cmp(y?)))).collect(),
                (Values::Boolean(a), Values::Boolean(b)) => a.iter().zip(b.iter()).map(|(x, y)| Some(test(x?.cmp(&y?)))).collect(),
                (a, b) => return Err(invalid(format!("`{op}` compares {} with {}", a.kind(), b.kind()))),
            }))
        }
        "and" | "or" => {
            if args.is_empty() {
                return Err(invalid(format!("`{op}` needs arguments")));
            }
            let mut acc = booleans(arg(0)?, op)?;
            for i in 1..args.len() {
                let next = booleans(arg(i)?, op)?;
                acc = if op == "and" { arrow_arith::boolean::and_kleene(&acc, &next)? } else { arrow_arith::boolean::or_kleene(&acc, &next)? };
            }
            Ok(Values::Boolean(acc))
        }
        "not" => {
            arity(op, args, 1)?;
            Ok(Values::Boolean(arrow_arith::boolean::not(&booleans(arg(0)?, op)?)?))
        }
        "neg" => math(|v| -v),
        "abs" => math(f64::abs),
        "sqrt" => math(f64::sqrt),
        "exp" => math(f64::exp),
        "log" | "ln" => math(f64::ln),
        "log2" => math(f64::log2),
        "log10" => math(f64::log10),
        "floor" => math(f64::floor),
        "ceil" => math(f64::ceil),
        "round" => math(f64::round),
        "coalesce" => {
            let mut values: Vec<Values> = (0..args.len()).map(arg).collect::<Result<_>>()?;
            let Some(first) = values.first().cloned() else { return Err(invalid("`coalesce` needs arguments".into())) };
            let rows = batch.num_rows();
            let pick = |i: usize| values.iter().position(|v| v.clone().into_array().is_valid(i));
            let chosen: Vec<Option<usize>> = (0..rows).map(pick).collect();
            Ok(choose(first, &mut values, &chosen))
        }
        "isNull" => {
            arity(op, args, 1)?;
            let values = arg(0)?.into_array();
            Ok(Values::Boolean(BooleanArray::from_iter((0..values.len()).map(|i| Some(values.is_null(i))))))
        }
        "~" | "~*" | "!~" | "!~*" => {
            // PostgreSQL's regular-expression match: anywhere in the text.
            arity(op, args, 2)?;
            let (Values::Text(text), Values::Text(patterns)) = (arg(0)?, arg(1)?) else {
                return Err(invalid(format!("`{op}` matches text against a text pattern")));
            };
            let mut compiled: std::collections::HashMap<&str, regex::Regex> = std::collections::HashMap::new();
            let negate = op.starts_with('!');
            let mut out = Vec::with_capacity(text.len());
            for (t, p) in text.iter().zip(patterns.iter()) {
                let (Some(t), Some(p)) = (t, p) else {
                    out.push(None);
                    continue;
                };
                if !compiled.contains_key(p) {
                    let re = regex::RegexBuilder::new(p)
                        .case_insensitive(op.ends_with('*'))
                        .build()
                        .map_err(|e| invalid(format!("/{p}/ is not a regular expression this engine reads: {}", e.to_string().lines().last().unwrap_or("").trim())))?;
                    compiled.insert(p, re);
                }
                out.push(Some(compiled[p].is_match(t) != negate));
            }
            Ok(Values::Boolean(BooleanArray::from(out)))
        }
        "||" => {
            arity(op, args, 2)?;
            let (a, b) = (as_text(arg(0)?), as_text(arg(1)?));
            Ok(Values::Text(a.iter().zip(b.iter()).map(|(x, y)| Some(format!("{}{}", x?, y?))).collect()))
        }
        "if" => {
            arity(op, args, 3)?;
            case_when(&[When { when: args[0].clone(), then: args[1].clone() }], Some(&args[2]), batch)
        }
        other => Err(invalid(format!("unknown operator or function `{other}`"))),
    }
}

/// Values as text (numbers as JavaScript writes them).
fn as_text(values: Values) -> StringArray {
    match values {
        Values::Text(t) => t,
        Values::Number(n) => n
            .iter()
            .map(|v| {
                v.map(|v| {
                    let mut out = String::new();
                    crate::walker::json::write_number(v, &mut out);
                    out
                })
            })
            .collect(),
        Values::Boolean(b) => b.iter().map(|v| v.map(|v| v.to_string())).collect(),
    }
}

fn case_when(branches: &[When], otherwise: Option<&Expr>, batch: &RecordBatch) -> Result<Values> {
    let rows = batch.num_rows();
    let mut conditions = Vec::with_capacity(branches.len());
    let mut results = Vec::with_capacity(branches.len() + 1);
    for branch in branches {
        conditions.push(booleans(evaluate(&branch.when, batch)?, "case")?);
        results.push(evaluate(&branch.then, batch)?);
    }
    let fallback = match otherwise {
        Some(e) => evaluate(e, batch)?,
        None => results.first().map(|r| null_like(r, rows)).unwrap_or(Values::Number(Float64Array::from(vec![None; rows]))),
    };
    results.push(fallback);
    let first = results[0].clone();
    if results.iter().any(|r| std::mem::discriminant(r) != std::mem::discriminant(&first)) {
        return Err(invalid("the branches of a case give different kinds of values".into()));
    }
    let chosen: Vec<Option<usize>> = (0..rows)
        .map(|i| Some(conditions.iter().position(|c| c.is_valid(i) && c.value(i)).unwrap_or(branches.len())))
        .collect();
    Ok(choose(first, &mut results, &chosen))
}

fn null_like(values: &Values, rows: usize) -> Values {
    match values {
        Values::Number(_) => Values::Number(Float64Array::from(vec![None; rows])),
        Values::Boolean(_) => Values::Boolean(BooleanArray::from(vec![None; rows])),
        Values::Text(_) => Values::Text(StringArray::from(vec![None::<&str>; rows])),
    }
}

/// Row i from `sources[chosen[i]]` (null when `None`).
fn choose(like: Values, sources: &mut [Values], chosen: &[Option<usize>]) -> Values {
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

/// `batch` with one more column, `name`, holding `expr`'s values.
pub fn derive(batch: &RecordBatch, name: &str, expr: &Expr) -> Result<RecordBatch> {
    if batch.schema().column_with_name(name).is_some() {
        return Err(invalid(format!("a column named \"{name}\" exists already; derive another name")));
    }
    let values = evaluate(expr, batch)?.into_array();
    let mut fields: Vec<arrow_schema::FieldRef> = batch.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(arrow_schema::Field::new(name, values.data_type().clone(), true)));
    let mut columns = batch.columns().to_vec();
    columns.push(values);
    Ok(RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Int32Array;
    use serde_json::json;

    fn batch() -> RecordBatch {
        RecordBatch::try_from_iter([
            ("q", Arc::new(Int32Array::from(vec![Some(2), None, Some(5), Some(0)])) as ArrayRef),
            ("p", Arc::new(Float64Array::from(vec![1.5, 2.0, 3.0, 4.0])) as ArrayRef),
            ("s", Arc::new(StringArray::from(vec!["a", "b", "c", "d"])) as ArrayRef),
        ])
        .unwrap()
    }

    fn eval(json: serde_json::Value) -> Values {
        evaluate(&serde_json::from_value(json).unwrap(), &batch()).unwrap()
    }

    #[test]
    fn arithmetic_propagates_nulls_and_zero_division() {
        let Values::Number(v) = eval(json!({"op": "*", "args": [{"column": "q"}, {"column": "p"}]})) else { panic!() };
        assert_eq!(v.iter().collect::<Vec<_>>(), [Some(3.0), None, Some(15.0), Some(0.0)]);
        let Values::Number(v) = eval(json!({"op": "/", "args": [{"column": "p"}, {"column": "q"}]})) else { panic!() };
        assert_eq!(v.iter().collect::<Vec<_>>(), [Some(0.75), None, Some(0.6), None]);
    }

    #[test]
    fn case_and_comparisons() {
        let Values::Text(v) = eval(json!({"case": [
            {"when": {"op": ">", "args": [{"column": "q"}, {"value": 3}]}, "then": {"value": "big"}},
            {"when": {"op": "=", "args": [{"column": "s"}, {"value": "a"}]}, "then": {"value": "first"}}],
            "else": {"value": "other"}})) else { panic!() };
        assert_eq!(v.iter().collect::<Vec<_>>(), [Some("first"), Some("other"), Some("big"), Some("other")]);
    }

    #[test]
    fn mistakes_are_named() {
        let bad = |json: serde_json::Value| evaluate(&serde_json::from_value(json).unwrap(), &batch()).unwrap_err().to_string();
        assert!(bad(json!({"op": "*", "args": [{"column": "s"}, {"value": 2}]})).contains("`*` needs numbers, not text"));
        assert!(bad(json!({"op": "pow", "args": []})).contains("unknown operator or function `pow`"));
        assert!(bad(json!({"column": "nope"})).contains("no column named \"nope\""));
        assert!(bad(json!({"op": "abs", "args": []})).contains("`abs` takes 1 argument, not 0"));
    }
}
