//! What the Graphic Walker path (`crate::walker`) still reads of the query
//! engine that preceded the plan: two shims, expression evaluation
//! ([`expr`]) and filters ([`filter`]), which lower Quiver's spec trees into
//! the plan's expressions and predicates and evaluate them there (one
//! evaluator for both front-ends). Quiver's specs run through [`crate::api`]
//! and the plan; Graphic Walker's aggregates run on the plan's executor
//! (`walker::transform::aggregate_calls_on`); this module goes when the
//! Graphic Walker path lowers into the plan (issue 12, stage 3).

pub mod expr;
pub mod filter;

pub use crate::api::spec;
