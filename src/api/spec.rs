//! Query specs: plain JSON (camelCase), deserialised with serde. Every query
//! the engine answers (a page, an aggregate, a profile, an export) is one of
//! these, so the JS side builds objects and the engine checks them.
//!
//! ```json
//! {"filter": {"op": "and", "filters": [
//!     {"op": "=", "column": "region", "value": "North"},
//!     {"op": "between", "column": "price", "min": 10, "max": null}]},
//!  "sort": [{"column": "ordered_at", "descending": true}],
//!  "offset": 0, "limit": 100}
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{QuiverError, Result};

/// A row filter: a tree of conditions on columns.
///
/// Nulls: a comparison with a null value is not a match (as in SQL), so `!=`
/// does not match nulls; `in` matches nulls when `null` is listed; `notIn`
/// keeps nulls unless `null` is listed (Graphic Walker's "not in").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", deny_unknown_fields)]
pub enum Filter {
    #[serde(rename = "and")]
    And { filters: Vec<Filter> },
    #[serde(rename = "or")]
    Or { filters: Vec<Filter> },
    #[serde(rename = "not")]
    Not { filter: Box<Filter> },
    #[serde(rename = "=")]
    Eq { column: String, value: Value },
    #[serde(rename = "!=")]
    NotEq { column: String, value: Value },
    #[serde(rename = "<")]
    Lt { column: String, value: Value },
    #[serde(rename = "<=")]
    LtEq { column: String, value: Value },
    #[serde(rename = ">")]
    Gt { column: String, value: Value },
    #[serde(rename = ">=")]
    GtEq { column: String, value: Value },
    /// Inclusive at both ends; a missing or `null` end is open.
    #[serde(rename = "between")]
    Between {
        column: String,
        #[serde(default)]
        min: Value,
        #[serde(default)]
        max: Value,
    },
    #[serde(rename = "in")]
    In { column: String, values: Vec<Value> },
    #[serde(rename = "notIn")]
    NotIn { column: String, values: Vec<Value> },
    #[serde(rename = "isNull")]
    IsNull { column: String },
    #[serde(rename = "isNotNull")]
    IsNotNull { column: String },
    #[serde(rename = "contains", rename_all = "camelCase")]
    Contains {
        column: String,
        value: String,
        #[serde(default)]
        case_insensitive: bool,
    },
    #[serde(rename = "startsWith", rename_all = "camelCase")]
    StartsWith {
        column: String,
        value: String,
        #[serde(default)]
        case_insensitive: bool,
    },
    #[serde(rename = "endsWith", rename_all = "camelCase")]
    EndsWith {
        column: String,
        value: String,
        #[serde(default)]
        case_insensitive: bool,
    },
    /// A regular expression (Rust `regex` syntax) that must match somewhere
    /// in the value.
    #[serde(rename = "regex", rename_all = "camelCase")]
    Regex {
        column: String,
        pattern: String,
        #[serde(default)]
        case_insensitive: bool,
    },
}

/// Where nulls go in a sort.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NullsOrder {
    First,
    #[default]
    Last,
}

/// One sort key. Numbers sort numerically, text by Unicode code point
/// (optionally ignoring case), dates and timestamps in time order. Sorts are
/// stable: rows with equal keys keep their file order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SortKey {
    pub column: String,
    #[serde(default)]
    pub descending: bool,
    #[serde(default)]
    pub nulls: NullsOrder,
    #[serde(default)]
    pub case_insensitive: bool,
}

/// A page of rows: filtered, sorted, then `offset`/`limit`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PageSpec {
    #[serde(default)]
    pub filter: Option<Filter>,
    #[serde(default)]
    pub sort: Vec<SortKey>,
    #[serde(default)]
    pub offset: i64,
    #[serde(default = "default_limit")]
    pub limit: i64,
    /// Columns to return (default: all, in table order).
    #[serde(default)]
    pub columns: Option<Vec<String>>,
}

fn default_limit() -> i64 {
    100
}

pub use crate::kernels::time::TimeUnit;

/// Numeric bins: a number of equal bins between the minimum and maximum of
/// the (filtered) values, or a fixed step (bins start at multiples of it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bins {
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub step: Option<f64>,
}

/// A group key: a column, a time bucket of one, or numeric bins of one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GroupKey {
    Column(String),
    Derived(DerivedKey),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DerivedKey {
    pub column: String,
    #[serde(default)]
    pub bucket: Option<TimeUnit>,
    #[serde(default)]
    pub bins: Option<Bins>,
    /// Output name (default: the column name).
    #[serde(default, rename = "as")]
    pub alias: Option<String>,
}

/// Aggregate functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AggregateOp {
    /// Rows (no column) or non-null values of a column.
    Count,
    CountDistinct,
    Sum,
    Mean,
    Min,
    Max,
    Median,
    /// The `q` quantile, interpolating linearly between values.
    Quantile,
    VariancePop,
    VarianceSamp,
    StddevPop,
    StddevSamp,
    /// The first and last non-null values in file order.
    First,
    Last,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Aggregate {
    pub op: AggregateOp,
    #[serde(default)]
    pub column: Option<String>,
    /// For `quantile`: between 0 and 1.
    #[serde(default)]
    pub q: Option<f64>,
    /// Output name (default: `op` or `op_column`).
    #[serde(default, rename = "as")]
    pub alias: Option<String>,
}

/// Group-by: a filter on rows, keys, aggregates, then a filter on groups
/// (`having`, on output names), their sort and a slice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AggregateSpec {
    #[serde(default)]
    pub filter: Option<Filter>,
    #[serde(default)]
    pub group_by: Vec<GroupKey>,
    pub aggregates: Vec<Aggregate>,
    #[serde(default)]
    pub having: Option<Filter>,
    #[serde(default)]
    pub sort: Vec<SortKey>,
    #[serde(default)]
    pub offset: i64,
    /// No limit when absent.
    #[serde(default)]
    pub limit: Option<i64>,
}

/// Column profiles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileSpec {
    /// Columns to profile (default: all).
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    #[serde(default)]
    pub filter: Option<Filter>,
    /// How many most frequent values to list.
    #[serde(default = "default_top_k")]
    pub top_k: usize,
    /// Bins of numeric histograms.
    #[serde(default = "default_bins")]
    pub bins: u32,
}

fn default_top_k() -> usize {
    10
}

/// The most histogram bins (and most frequent values) a profile lists: more
/// than a screen can show, and few enough that a mistyped size cannot make
/// the engine allocate without bound.
pub const MAX_PROFILE_BINS: u32 = 10_000;
pub const MAX_PROFILE_TOP_K: usize = 10_000;

impl ProfileSpec {
    /// Sizes a profile can honour (`bins` 1..=10,000, `topK` 0..=10,000).
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_PROFILE_BINS).contains(&self.bins) {
            return Err(QuiverError::InvalidQuery(format!(
                "profile: `bins` must be between 1 and {MAX_PROFILE_BINS}, not {}",
                self.bins
            )));
        }
        if self.top_k > MAX_PROFILE_TOP_K {
            return Err(QuiverError::InvalidQuery(format!(
                "profile: `topK` must be at most {MAX_PROFILE_TOP_K}, not {}",
                self.top_k
            )));
        }
        Ok(())
    }
}

fn default_bins() -> u32 {
    20
}

/// Export of a filtered, sorted view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Arrow,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportSpec {
    #[serde(default)]
    pub filter: Option<Filter>,
    #[serde(default)]
    pub sort: Vec<SortKey>,
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    pub format: ExportFormat,
    /// Rows per chunk handed out (default 65,536).
    #[serde(default)]
    pub chunk_rows: Option<usize>,
}

/// One step of a pipeline; each works on the previous step's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Step {
    /// Keep the rows matching a filter.
    Filter(Filter),
    /// Group and aggregate (or aggregate everything into one row).
    Aggregate(AggregateSpec),
    /// Keep these columns, in this order (a raw view with a field list).
    Select(Vec<String>),
    /// Add a column computed from others.
    Derive(Derive),
    Sort(Vec<SortKey>),
    Slice(Slice),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derive {
    #[serde(rename = "as")]
    pub name: String,
    pub expr: Expr,
}

/// An expression over columns, for derived columns: arithmetic, comparisons,
/// logic, CASE, and a few functions. A JSON tree:
///
/// ```json
/// {"op": "*", "args": [{"column": "quantity"}, {"column": "unit_price"}]}
/// {"case": [{"when": {"op": ">", "args": [{"column": "qty"}, {"value": 10}]}, "then": {"value": "bulk"}}],
///  "else": {"value": "retail"}}
/// ```
///
/// Numbers are f64 (integer columns convert exactly up to 2^53); dates and
/// timestamps are epoch milliseconds, as in JavaScript; text compares by code
/// point. Nulls propagate through operators (as in SQL); division by zero is
/// null; `and`/`or` use three-valued logic.
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


#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Slice {
    #[serde(default)]
    pub offset: i64,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// Steps applied one after another, starting from the whole table:
/// `{"steps": [{"filter": …}, {"aggregate": …}, {"filter": …}, {"sort": […]}, {"slice": {"limit": 10}}]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PipelineSpec {
    pub steps: Vec<Step>,
}

/// Parses a spec from JSON text, naming the problem on failure.
pub fn from_json<T: for<'de> Deserialize<'de>>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| QuiverError::InvalidQuery(format!("{what}: {e}")))
}

/// A negative offset or limit is an error, not a silent zero.
pub fn non_negative(name: &str, value: i64) -> Result<usize> {
    usize::try_from(value).map_err(|_| QuiverError::InvalidQuery(format!("{name} must be 0 or more, not {value}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_spec_reads_from_json() {
        let spec: PageSpec = from_json(
            "page",
            r#"{"filter": {"op": "and", "filters": [
                    {"op": "=", "column": "region", "value": "North"},
                    {"op": "between", "column": "price", "min": 10},
                    {"op": "contains", "column": "name", "value": "ab", "caseInsensitive": true}]},
                "sort": [{"column": "at", "descending": true, "nulls": "first"}],
                "offset": 5}"#,
        )
        .unwrap();
        assert_eq!(spec.limit, 100);
        assert_eq!(spec.sort[0].nulls, NullsOrder::First);
        let Some(Filter::And { filters }) = &spec.filter else { panic!() };
        assert_eq!(filters[1], Filter::Between { column: "price".into(), min: 10.into(), max: Value::Null });
        assert!(matches!(filters[2], Filter::Contains { case_insensitive: true, .. }));
    }

    #[test]
    fn aggregate_keys_are_columns_or_derived() {
        let spec: AggregateSpec = from_json(
            "aggregate",
            r#"{"groupBy": ["region", {"column": "at", "bucket": "month", "as": "month"},
                            {"column": "price", "bins": {"count": 10}}],
                "aggregates": [{"op": "count"}, {"op": "quantile", "column": "price", "q": 0.9, "as": "p90"}]}"#,
        )
        .unwrap();
        assert_eq!(spec.group_by[0], GroupKey::Column("region".into()));
        assert!(matches!(&spec.group_by[1], GroupKey::Derived(d) if d.bucket == Some(TimeUnit::Month)));
        assert_eq!(spec.aggregates[1].op, AggregateOp::Quantile);
    }

    #[test]
    fn mistakes_are_named() {
        for (json, needle) in [
            (r#"{"filter": {"op": "~", "column": "a"}}"#, "unknown variant `~`"),
            (r#"{"filter": {"op": "=", "column": "a"}}"#, "missing field `value`"),
            (r#"{"filter": {"op": "=", "column": "a", "value": 1, "extra": 2}}"#, "unknown field `extra`"),
            (r#"{"sort": [{"column": "a", "direction": "desc"}]}"#, "unknown field `direction`"),
            (r#"{"limit": "ten"}"#, "invalid type"),
            ("{", "EOF"),
        ] {
            let err = from_json::<PageSpec>("page", json).unwrap_err().to_string();
            assert!(err.contains(needle), "{json}: {err}");
        }
        assert_eq!(non_negative("limit", -1).unwrap_err().to_string(), "Invalid query: limit must be 0 or more, not -1");
    }
}
