//! Predicates: conditions on rows, SQL's three-valued logic (a comparison
//! with null is unknown; a filter keeps the rows that are true), evaluated
//! with the predicate kernels ([`crate::kernels::predicate`]).
//!
//! Values in a predicate are JSON, read for the column's kind when it is
//! known, by the front-end's rule ([`Coercion`]). Null policies are explicit:
//! a comparison or text match with null is unknown; [`Predicate::In`] says
//! what a null value gives.
//!
//! What must change together: a new predicate needs its evaluation and the
//! columns it reads ([`Predicate::columns`]).

use arrow_arith::boolean::{and_kleene, not, or_kleene};
use arrow_array::BooleanArray;
use arrow_buffer::BooleanBuffer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::expr::{evaluate, Context, Expr};
use crate::error::{QuiverError, Result};
use crate::kernels::predicate::{self, Comparison, TextMatcher, TextPattern};
use crate::kernels::scalar::{Coercion, Scalar};
use crate::kernels::kind;

/// A condition on rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Predicate {
    And(Vec<Predicate>),
    Or(Vec<Predicate>),
    Not(Box<Predicate>),
    Const(bool),
    /// `expr op value`, `value` read by the lenient rule; a null value is an
    /// error (compare with null through [`Predicate::IsNull`]).
    Compare { expr: Expr, op: Comparison, value: Value },
    /// Whether each value is one of `values` (their nulls aside): `nulls` is
    /// the answer for a null value (`None`: unknown).
    In { expr: Expr, values: Vec<Value>, coercion: Coercion, negated: bool, nulls: Option<bool> },
    IsNull(Expr),
    /// A float NaN (false for every other value).
    IsNan(Expr),
    /// A text condition on a text column (`op` names it in messages).
    Text { expr: Expr, pattern: TextPattern, case_insensitive: bool, op: String },
}

impl Predicate {
    /// Every column the predicate reads.
    pub fn columns<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Predicate::And(all) | Predicate::Or(all) => all.iter().for_each(|p| p.columns(out)),
            Predicate::Not(p) => p.columns(out),
            Predicate::Const(_) => {}
            Predicate::Compare { expr, .. }
            | Predicate::In { expr, .. }
            | Predicate::IsNull(expr)
            | Predicate::IsNan(expr)
            | Predicate::Text { expr, .. } => expr.columns(out),
        }
    }

    /// Every expression in the predicate, for rewriting.
    pub fn exprs_mut(&mut self, f: &mut dyn FnMut(&mut Expr) -> Result<()>) -> Result<()> {
        match self {
            Predicate::And(all) | Predicate::Or(all) => all.iter_mut().try_for_each(|p| p.exprs_mut(f)),
            Predicate::Not(p) => p.exprs_mut(f),
            Predicate::Const(_) => Ok(()),
            Predicate::Compare { expr, .. }
            | Predicate::In { expr, .. }
            | Predicate::IsNull(expr)
            | Predicate::IsNan(expr)
            | Predicate::Text { expr, .. } => f(expr),
        }
    }
}

/// The rows for which `predicate` is true, as a bitmap over the batch.
pub fn truth(predicate: &Predicate, ctx: &Context) -> Result<BooleanBuffer> {
    Ok(predicate::truthy(&evaluate_predicate(predicate, ctx)?))
}

/// Each row's answer (null: unknown).
pub fn evaluate_predicate(p: &Predicate, ctx: &Context) -> Result<BooleanArray> {
    let rows = ctx.batch.num_rows();
    Ok(match p {
        Predicate::And(all) => fold(all, ctx, true, |a, b| and_kleene(a, b))?,
        Predicate::Or(all) => fold(all, ctx, false, |a, b| or_kleene(a, b))?,
        Predicate::Not(inner) => not(&evaluate_predicate(inner, ctx)?)?,
        Predicate::Const(answer) => BooleanArray::new(
            if *answer { BooleanBuffer::new_set(rows) } else { BooleanBuffer::new_unset(rows) },
            None,
        ),
        Predicate::Compare { expr, op, value } => {
            let array = evaluate(expr, ctx)?.array;
            let Some(scalar) = Scalar::from_json(value, kind::kind(array.as_ref()), expr.name(), Coercion::Lenient)? else {
                return Err(QuiverError::InvalidQuery(format!(
                    "compare \"{}\" with a value, not null (use isNull / isNotNull for nulls)",
                    expr.name()
                )));
            };
            predicate::compare(&array, *op, &scalar)?
        }
        Predicate::In { expr, values, coercion, negated, nulls } => {
            let array = evaluate(expr, ctx)?.array;
            let kind = kind::kind(array.as_ref());
            let mut listed = Vec::with_capacity(values.len());
            for value in values {
                if let Some(scalar) = Scalar::from_json(value, kind, expr.name(), *coercion)? {
                    listed.push(scalar);
                }
            }
            predicate::membership(&array, &listed, *negated, *nulls)?
        }
        Predicate::IsNull(expr) => predicate::is_null(evaluate(expr, ctx)?.array.as_ref()),
        Predicate::IsNan(expr) => predicate::is_nan(evaluate(expr, ctx)?.array.as_ref()),
        Predicate::Text { expr, pattern, case_insensitive, op } => {
            let array = evaluate(expr, ctx)?.array;
            if !kind::is_text(array.as_ref()) {
                return Err(QuiverError::InvalidQuery(format!(
                    "{op} needs a string column; \"{}\" holds {} values",
                    expr.name(),
                    kind::kind(array.as_ref()).name()
                )));
            }
            predicate::text_match(&array, &TextMatcher::new(pattern, *case_insensitive)?)
        }
    })
}

fn fold(
    all: &[Predicate],
    ctx: &Context,
    identity: bool,
    combine: impl Fn(&BooleanArray, &BooleanArray) -> std::result::Result<BooleanArray, arrow_schema::ArrowError>,
) -> Result<BooleanArray> {
    let mut result: Option<BooleanArray> = None;
    for p in all {
        let next = evaluate_predicate(p, ctx)?;
        result = Some(match result {
            None => next,
            Some(acc) => combine(&acc, &next)?,
        });
    }
    Ok(result.unwrap_or_else(|| BooleanArray::from(vec![identity; ctx.batch.num_rows()])))
}
