//! The logical plan: one chain of operators from a scan of the table, which
//! both front-ends lower into — Quiver's specs ([`crate::api`]) and Graphic
//! Walker's payloads (`crate::walker`, which lowers into it in a later
//! step of issue 12) — and one executor that
//! runs it ([`execute`]).
//!
//! ```text
//! scan → Filter → Derive → Aggregate → Filter → Sort{limit} → Slice
//!          └── a selection narrows ──┘   (rows are copied only when needed)
//! ```
//!
//! - [`Op`]: filter ([`predicate`]), derive a column ([`expr`]), select or keep
//!   columns, aggregate, sort (with a limit: top-k), slice, fold, and the two
//!   fused profiling operators the rewrites make;
//! - [`rewrite`]: what every plan gets — sort + slice into top-k, column
//!   pruning, the profiling fusions — each switchable off, so every query
//!   can run both ways and the answers compared (`tests/plan.rs`);
//! - [`execute`]: the executor over one table, with a lazy selection and the
//!   view cache ([`view`]) of row orders for paging;
//! - [`profile`]: column tallies (a profile's partial form);
//! - [`partition`]: the split of a plan into what each partition of a table
//!   runs and how the partial results merge (what the sharded engine runs).
//!
//! Names: plan operators refer to columns by name; the executor resolves
//! names to arrays and calls the kernels ([`crate::kernels`]), which never
//! see a name. Temporary columns are named by [`temporary_name`] only.
//! Column facts the rows carry with them (a Graphic Walker bin's minimum and
//! step; a hidden companion column) are field metadata ([`BIN`],
//! [`COMPANION`]), so they follow the column through every operator and
//! across partitions.
//!
//! What must change together: a new operator needs its execution
//! ([`execute`]), its columns read and made ([`rewrite::columns_read`]), its
//! partial form or its place as a breaker ([`partition`]), and a case in the
//! rewrites-on/off and partition tests.

pub mod execute;
pub mod expr;
pub mod fold;
pub mod partition;
pub mod predicate;
pub mod profile;
pub mod rewrite;
pub mod view;

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, FieldRef, Schema};
use serde::{Deserialize, Serialize};

pub use execute::{Executor, Output};
pub use expr::Expr;
pub use predicate::Predicate;
pub use rewrite::Rewrites;

use crate::kernels::accumulate::AggregateFn;
use crate::kernels::bins::Bin;
use crate::kernels::order::Collation;

/// A chain of operators, each working on the previous one's rows, starting
/// from the whole table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub ops: Vec<Op>,
}

impl Plan {
    pub fn new(ops: Vec<Op>) -> Plan {
        Plan { ops }
    }
}

/// One operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// Keep the rows for which the predicate is true.
    Filter(Predicate),
    /// Set column `name` to `expr`'s values: replacing a column of that name
    /// in place (and its companions), or appended; with `replace` false a
    /// column of that name is an error.
    Derive { name: String, expr: Expr, replace: bool },
    /// Only these columns (and their companions), in this order; an unknown
    /// name is an error.
    Select(Vec<String>),
    /// Only these columns where present (the pruning rewrite's projection).
    Keep(Vec<String>),
    Aggregate(Aggregate),
    /// Stable sort; with `limit`, only the first rows are kept (top-k).
    Sort { keys: Vec<SortKey>, limit: Option<usize> },
    Slice { offset: usize, limit: Option<usize> },
    /// Graphic Walker's `fold`: each row once per field of `fields`, a copy
    /// of the row with `key` set to the field's name and `value` to its
    /// value, the field itself absent from that copy.
    Fold { fields: Vec<String>, key: String, value: String },
    /// How many distinct values `key` has (null one of them) and how many
    /// rows there are: the rewrite of "group by `key` counting rows, then
    /// count the groups and sum the counts" ([`rewrite`]). Without rows:
    /// `empty` says whether there is an answer row (0 values, a null sum).
    DistinctCount { key: String, outputs: Vec<(String, DistinctOutput)>, empty: EmptyInput },
    /// The `limit` most (or least) frequent values of `key` with their
    /// counts, ties by first appearance: the rewrite of "group by `key`
    /// counting rows, sorted by the count, limited".
    TopValues { key: String, count: String, descending: bool, limit: usize },
}

/// The value a [`Op::DistinctCount`] output holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DistinctOutput {
    /// Distinct values (null counting as one).
    Values,
    /// Rows.
    Rows,
}

/// Group-by: one output row per distinct combination of key values (in order
/// of first appearance; nulls are a group), with the keys and one column per
/// call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    pub keys: Vec<GroupKey>,
    pub calls: Vec<Call>,
    /// Without keys and without input rows: one row (SQL's) or none (Graphic
    /// Walker's "no rows in, no rows out").
    pub empty: EmptyInput,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EmptyInput {
    OneRow,
    NoRows,
}

/// A group key: its output name, its values, and for numeric bins the
/// output name of each bin's upper end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupKey {
    pub name: String,
    pub expr: Expr,
    #[serde(default)]
    pub end: Option<String>,
}

/// An aggregate call: its output name, function and input (`None`: count
/// rows).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub name: String,
    pub func: AggregateFn,
    pub arg: Option<Expr>,
}

/// One sort key: its values, direction, where nulls go and how text compares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SortKey {
    pub expr: Expr,
    pub descending: bool,
    pub nulls_first: bool,
    pub collation: Collation,
}

/// Field metadata: a Graphic Walker bin column's `min` and `step` (its
/// values are bin indices; [`Bin`]).
pub const BIN: &str = "quiver.bin";

/// Field metadata: a hidden companion column, `absent:<field>` (true where
/// the field is absent from a row, after a fold) or `json:<field>` (the
/// field's values as JSON text). Companions travel with their field and are
/// never shown.
pub const COMPANION: &str = "quiver.companion";

/// The bin a field's metadata describes.
pub fn bin_of(field: &Field) -> Option<Bin> {
    let text = field.metadata().get(BIN)?;
    let (min, step) = text.split_once(' ')?;
    Some(Bin { min: min.parse().ok()?, step: step.parse().ok()? })
}

/// A nullable field, with bin metadata when `bin` is given.
pub fn field(name: &str, data_type: &DataType, bin: Option<Bin>) -> FieldRef {
    let field = Field::new(name, data_type.clone(), true);
    Arc::new(match bin {
        // `{}` writes the shortest text that reads back as the same f64.
        Some(b) => field.with_metadata(HashMap::from([(BIN.to_string(), format!("{} {}", b.min, b.step))])),
        None => field,
    })
}

/// What a companion field is: (`absent` or `json`, the field it belongs to).
pub fn companion_of(field: &Field) -> Option<(&str, &str)> {
    field.metadata().get(COMPANION)?.split_once(':')
}

/// A companion field (`role` is `absent` or `json`) of `of`, named in
/// `schema` by [`temporary_name`].
pub fn companion(schema: &Schema, role: &str, of: &str, data_type: DataType) -> FieldRef {
    let name = temporary_name(schema, &format!("{role} {of}"));
    Arc::new(Field::new(name, data_type, true).with_metadata(HashMap::from([(COMPANION.to_string(), format!("{role}:{of}"))])))
}

/// The one place temporary column names are made: `hint` in brackets, made
/// unique against `schema` (a user's column may have any name).
pub fn temporary_name(schema: &Schema, hint: &str) -> String {
    let base = format!("[{hint}]");
    let mut name = base.clone();
    let mut n = 1;
    while schema.column_with_name(&name).is_some() {
        n += 1;
        name = format!("{base}#{n}");
    }
    name
}

/// Whether a field is shown in answers (companions are not).
pub fn is_shown(field: &Field) -> bool {
    companion_of(field).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_round_trip_through_field_metadata() {
        for bin in [Bin { min: 0.1, step: 1.0 / 3.0 }, Bin { min: -3.0, step: 0.0 }, Bin { min: 1e300, step: 5e-324 }] {
            assert_eq!(bin_of(&field("b", &DataType::Int64, Some(bin))), Some(bin));
        }
        assert_eq!(bin_of(&field("b", &DataType::Int64, None)), None);
    }

    #[test]
    fn temporary_names_avoid_the_tables_names() {
        let schema = Schema::new(vec![Field::new("[x]", DataType::Int8, true), Field::new("[x]#2", DataType::Int8, true)]);
        assert_eq!(temporary_name(&schema, "x"), "[x]#3");
        assert_eq!(temporary_name(&schema, "y"), "[y]");
        let c = companion(&schema, "absent", "a", DataType::Boolean);
        assert_eq!(companion_of(&c), Some(("absent", "a")));
        assert!(!is_shown(&c));
    }
}
