//! Evaluation of [`crate::api::spec::Expr`] for the Graphic Walker path's
//! SQL until it lowers into the plan (issue 12, stage 3): a shim that lowers
//! the tree into the plan's expressions and evaluates them there. A JSON
//! tree:
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

use arrow_array::RecordBatch;

pub use crate::api::spec::{Expr, When};
use crate::error::Result;
pub use crate::kernels::expr::Values;
use crate::kernels::Selection;
use crate::plan::expr::Context;

/// Evaluates `expr` on every row of `batch`: lowered into the plan's
/// expressions ([`crate::api::expr`]) and evaluated there, so one evaluator
/// serves both front-ends.
pub fn evaluate(expr: &Expr, batch: &RecordBatch) -> Result<Values> {
    let lowered = crate::api::expr(expr)?;
    let rows = Selection::All(batch.num_rows());
    crate::plan::expr::values(&lowered, &Context { batch, rows: &rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use arrow_array::{ArrayRef, Float64Array, Int32Array, StringArray};
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
    fn number_comparisons_treat_zeros_and_nans_as_sql_does() {
        // -0 = 0; a NaN with its sign bit set (what `inf - inf` gives on
        // x86) is the same NaN, above every number. `total_cmp` got both wrong.
        let negative_nan = f64::from_bits(f64::NAN.to_bits() | 1 << 63);
        let b = RecordBatch::try_from_iter([
            ("x", Arc::new(Float64Array::from(vec![Some(-0.0), Some(0.0), Some(negative_nan), Some(f64::NAN), None])) as ArrayRef),
        ])
        .unwrap();
        let test = |op: &str, value: serde_json::Value| -> Vec<Option<bool>> {
            let expr = serde_json::from_value(json!({"op": op, "args": [{"column": "x"}, value]})).unwrap();
            let Values::Boolean(v) = evaluate(&expr, &b).unwrap() else { panic!() };
            v.iter().collect()
        };
        assert_eq!(test("=", json!({"value": 0})), [Some(true), Some(true), Some(false), Some(false), None]);
        assert_eq!(test("<", json!({"value": 0})), [Some(false), Some(false), Some(false), Some(false), None]);
        assert_eq!(test(">", json!({"value": 1e300})), [Some(false), Some(false), Some(true), Some(true), None]);
        let nan_eq = serde_json::from_value(json!({"op": "=", "args": [{"column": "x"}, {"op": "-", "args": [
            {"op": "exp", "args": [{"value": 1000}]}, {"op": "exp", "args": [{"value": 1000}]}]}]})).unwrap();
        let Values::Boolean(v) = evaluate(&nan_eq, &b).unwrap() else { panic!() };
        assert_eq!(v.iter().collect::<Vec<_>>(), [Some(false), Some(false), Some(true), Some(true), None]);
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
