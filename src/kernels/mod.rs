//! Kernels: array-level, name-free code. Arrays (and a [`Selection`] of their
//! rows) in, arrays, bitmaps or row orders out. No kernel knows a column's
//! name, a spec or a payload: the plan ([`crate::plan`]) resolves names to
//! arrays and calls these. One place per idea:
//!
//! - [`kind`]: what kind of values a column holds ([`ColumnKind::of`], the one
//!   vocabulary) and columns read in a common domain (i64, f64, µs, text);
//! - [`scalar`]: typed values read from JSON for a column of a kind;
//! - [`select`]: selections of rows, take / filter / concat, and the one way a
//!   batch gets a column replaced or appended;
//! - [`predicate`]: comparisons, ranges, membership, text matches, null tests,
//!   each with its null policy explicit; SQL's three-valued results;
//! - [`order`]: the one value → order code rule (equal codes are equal values),
//!   collations, stable sorts and top-k;
//! - [`group`]: group ids, distinct counts and value counts;
//! - [`accumulate`]: every aggregate function as an accumulator with a partial
//!   state and a merge;
//! - [`time`]: UTC truncation and JavaScript-style zoned instants, drills and
//!   features;
//! - [`bins`]: numeric bins (fixed step, equal width over a domain, by rank);
//! - [`expr`]: scalar expression values and their operators;
//! - [`text`]: values as JavaScript writes them and as JSON;
//! - [`regexp`]: ECMAScript regular expressions in the `regex` crate's syntax;
//! - [`zones`]: zone maps (each block's min and max) that let range tests
//!   skip or set whole blocks of a table's columns;
//! - [`wire`]: record batches as bytes between the wasm instances of a
//!   sharded dataset.
//!
//! What must change together: the equality every kernel uses is the order
//! codes' ([`order::canonical_float`]: -0 is 0, every NaN one value above
//! every number; nulls apart). Grouping, distinct counts, membership, min and
//! max, sorts and profiles all read it, so a change there changes all of them
//! (and the differential tests against DuckDB and Graphic Walker).

pub mod accumulate;
pub mod bins;
pub mod expr;
pub mod group;
pub mod kind;
pub mod order;
pub mod predicate;
pub mod regexp;
pub mod scalar;
pub mod select;
pub mod text;
pub mod time;
pub mod wire;
pub mod zones;

pub use crate::ingest::ColumnKind;
pub use scalar::Scalar;
pub use select::Selection;
