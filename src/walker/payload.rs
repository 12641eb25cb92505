//! Graphic Walker's query payload (`IDataQueryPayload`), as serde types.
//!
//! Field names and variants follow Graphic Walker's `interfaces.ts` and its
//! `computation.md`; unknown fields are ignored, as Graphic Walker adds
//! optional ones between releases (`tag`, `format`, `key` …).

use serde::Deserialize;
use serde_json::Value;

/// One computation request: steps in order, then `offset` / `limit`.
#[derive(Clone, Debug, Deserialize)]
pub struct Payload {
    pub workflow: Vec<Step>,
    #[serde(default)]
    pub offset: Option<f64>,
    #[serde(default)]
    pub limit: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type")]
pub enum Step {
    #[serde(rename = "filter")]
    Filter { filters: Vec<VisFilter> },
    #[serde(rename = "transform")]
    Transform { transform: Vec<FieldTransform> },
    #[serde(rename = "view")]
    View { query: Vec<ViewQuery> },
    #[serde(rename = "sort")]
    Sort { sort: SortDirection, by: Vec<String> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    Ascending,
    Descending,
}

#[derive(Clone, Debug, Deserialize)]
pub struct VisFilter {
    pub fid: String,
    /// Graphic Walker sends `null` for a filter the user has not set yet.
    pub rule: Option<FilterRule>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type")]
pub enum FilterRule {
    /// Inclusive; a `null` end is open.
    #[serde(rename = "range")]
    Range { value: (Option<f64>, Option<f64>) },
    /// Epoch milliseconds, inclusive; values are read in the `offset` zone.
    #[serde(rename = "temporal range")]
    TemporalRange {
        value: (Option<f64>, Option<f64>),
        #[serde(default)]
        offset: Option<i32>,
    },
    #[serde(rename = "one of")]
    OneOf { value: Vec<Value> },
    #[serde(rename = "not in")]
    NotIn { value: Vec<Value> },
    #[serde(rename = "regexp")]
    Regexp {
        value: String,
        #[serde(default, rename = "caseSensitive")]
        case_sensitive: bool,
    },
}

#[derive(Clone, Debug, Deserialize)]
pub struct FieldTransform {
    #[serde(default)]
    pub key: Option<String>,
    pub expression: Expression,
}

/// A computed field: `op` over `params`, named `as`.
#[derive(Clone, Debug, Deserialize)]
pub struct Expression {
    pub op: String,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(rename = "as")]
    pub name: String,
    #[serde(default)]
    pub num: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", content = "value")]
pub enum Param {
    #[serde(rename = "field")]
    Field(String),
    #[serde(rename = "value")]
    Value(Value),
    #[serde(rename = "expression")]
    Expression(Box<Expression>),
    #[serde(rename = "constant")]
    Constant(Value),
    #[serde(rename = "format")]
    Format(Value),
    #[serde(rename = "offset")]
    Offset(Option<i32>),
    #[serde(rename = "displayOffset")]
    DisplayOffset(Option<i32>),
    #[serde(rename = "sql")]
    Sql(String),
    #[serde(rename = "map")]
    Map(Value),
    #[serde(rename = "newmap")]
    NewMap(Value),
}

impl Expression {
    pub fn field(&self) -> Option<&str> {
        self.params.iter().find_map(|p| if let Param::Field(f) = p { Some(f.as_str()) } else { None })
    }

    pub fn value(&self) -> Option<&Value> {
        self.params.iter().find_map(|p| if let Param::Value(v) = p { Some(v) } else { None })
    }

    pub fn offset(&self) -> Option<i32> {
        self.params.iter().find_map(|p| if let Param::Offset(o) = p { *o } else { None })
    }

    pub fn display_offset(&self) -> Option<i32> {
        self.params.iter().find_map(|p| if let Param::DisplayOffset(o) = p { *o } else { None })
    }

    pub fn sql(&self) -> Option<&str> {
        self.params.iter().find_map(|p| if let Param::Sql(s) = p { Some(s.as_str()) } else { None })
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "op")]
pub enum ViewQuery {
    #[serde(rename = "aggregate", rename_all = "camelCase")]
    Aggregate { group_by: Vec<String>, measures: Vec<Measure> },
    #[serde(rename = "raw")]
    Raw {
        #[serde(default)]
        fields: Vec<String>,
    },
    #[serde(rename = "fold", rename_all = "camelCase")]
    Fold { fold_by: Vec<String>, new_fold_key_col: String, new_fold_value_col: String },
    #[serde(rename = "bin", rename_all = "camelCase")]
    Bin { bin_by: String, new_bin_col: String, bin_size: f64 },
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Measure {
    pub field: String,
    pub agg: Aggregator,
    #[serde(default)]
    pub as_field_key: Option<String>,
    /// Set for a temporal field: its values are read as times (epoch ms).
    #[serde(default)]
    pub format: Option<Value>,
    #[serde(default)]
    pub offset: Option<i32>,
}

impl Measure {
    /// The output column: `asFieldKey`, else `${field}_${agg}`.
    pub fn key(&self) -> String {
        match &self.as_field_key {
            Some(k) if !k.is_empty() => k.clone(),
            _ => format!("{}_{}", self.field, self.agg.name()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Aggregator {
    Sum,
    Count,
    Max,
    Min,
    Mean,
    Median,
    Variance,
    Stdev,
    DistinctCount,
    Expr,
}

impl Aggregator {
    pub fn name(self) -> &'static str {
        match self {
            Aggregator::Sum => "sum",
            Aggregator::Count => "count",
            Aggregator::Max => "max",
            Aggregator::Min => "min",
            Aggregator::Mean => "mean",
            Aggregator::Median => "median",
            Aggregator::Variance => "variance",
            Aggregator::Stdev => "stdev",
            Aggregator::DistinctCount => "distinctCount",
            Aggregator::Expr => "expr",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_payload_parses() {
        let payload: Payload = serde_json::from_str(
            r#"{"workflow": [
                {"type": "filter", "filters": [{"fid": "region", "rule": {"type": "one of", "value": ["North", null]}},
                                               {"fid": "t", "rule": {"type": "temporal range", "value": [0, null], "offset": -60}},
                                               {"fid": "x", "rule": null}]},
                {"type": "transform", "transform": [{"key": "b", "expression": {"op": "bin", "as": "b", "num": 5,
                    "params": [{"type": "field", "value": "price"}]}}]},
                {"type": "view", "query": [{"op": "aggregate", "groupBy": ["region"],
                    "measures": [{"field": "price", "agg": "sum", "asFieldKey": "price_sum"}, {"field": "*", "agg": "count", "asFieldKey": "n"}]}]},
                {"type": "sort", "sort": "descending", "by": ["price_sum"]}],
              "limit": 10, "tag": "chart"}"#,
        )
        .unwrap();
        assert_eq!(payload.workflow.len(), 4);
        assert_eq!(payload.limit, Some(10.0));
        let Step::View { query } = &payload.workflow[2] else { panic!() };
        let ViewQuery::Aggregate { measures, .. } = &query[0] else { panic!() };
        assert_eq!(measures[1].key(), "n");
    }
}
