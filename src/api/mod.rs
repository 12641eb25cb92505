//! Quiver's own query language: the JSON specs ([`spec`]) of pages,
//! aggregates, profiles, pipelines and exports, lowered into the plan
//! ([`crate::plan`]) and run by its executor; the results as Quiver's API
//! gives them.
//!
//! ```
//! use quiver::api::spec;
//! use quiver::ingest::{Ingest, IngestOptions};
//! use quiver::QueryEngine;
//!
//! let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
//! ingest.push(b"city,temp\nOslo,-3.5\nLima,18\nOslo,1.5\n").unwrap();
//! let mut engine = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
//! let page = engine.page(&spec::from_json("page", r#"{"sort": [{"column": "temp"}], "limit": 2}"#).unwrap()).unwrap();
//! assert_eq!((page.total, page.batch.num_rows()), (3, 2));
//! let by_city = engine
//!     .aggregate(&spec::from_json("aggregate", r#"{"groupBy": ["city"], "aggregates": [{"op": "mean", "column": "temp"}]}"#).unwrap())
//!     .unwrap();
//! assert_eq!(by_city.total_groups, 2);
//! ```
//!
//! Lowering is a translation: a filter becomes a [`Predicate`] (values read
//! by the lenient rule, `in`/`notIn` with their null policies), an
//! aggregate spec the chain filter → aggregate → having → sort → slice,
//! a pipeline its steps one after another. Nothing here touches arrays.
//!
//! What must change together: the specs ([`spec`]), their lowering here, the
//! TypeScript types derived from the specs (README, "Types"), and the
//! DuckDB differential (`tests/differential/`).

pub mod profile;
pub mod sharded;
pub mod sharded_pages;
pub mod spec;

use arrow_array::RecordBatch;
use serde_json::Value;

use crate::error::{QuiverError, Result};
use crate::export::Export;
use crate::kernels::accumulate::AggregateFn;
use crate::kernels::order::Collation;
use crate::kernels::predicate::{Comparison, Dialect, TextPattern};
use crate::kernels::scalar::Coercion;
use crate::plan::expr::{BinRule, Func};
use crate::plan::{self, Call, EmptyInput, Executor, Expr, GroupKey, Op, Plan, Predicate};
pub use profile::ColumnProfile;
use spec::{non_negative, AggregateOp, AggregateSpec, ExportSpec, Filter, PageSpec, PipelineSpec, ProfileSpec, Step};

/// A page of rows and how many rows the view has in all.
pub struct Page {
    pub batch: RecordBatch,
    pub total: usize,
    pub offset: usize,
}

/// The result of an aggregate query.
pub struct Aggregated {
    pub batch: RecordBatch,
    /// Groups after `having`, before `offset`/`limit`.
    pub total_groups: usize,
}

/// Rows `offset .. offset + limit` of the view (filter, sort); the view's
/// row order is cached, so the next page of it costs only its rows.
pub fn page(executor: &mut Executor, spec: &PageSpec) -> Result<Page> {
    let offset = non_negative("offset", spec.offset)?;
    let limit = non_negative("limit", spec.limit)?;
    let projected = project(executor.batch(), spec.columns.as_deref())?;
    let filter = spec.filter.as_ref().map(predicate);
    let view = executor.view(filter.as_ref(), &sort_keys(&spec.sort), Some((offset, limit)))?;
    Ok(Page { batch: view.slice(offset, limit).take(&projected)?, total: view.total, offset })
}

/// A group-by.
pub fn aggregate(executor: &Executor, spec: &AggregateSpec) -> Result<Aggregated> {
    let output = executor.run(&Plan::new(aggregate_ops(spec)?))?;
    Ok(Aggregated { batch: output.batch, total_groups: output.total })
}

/// Column profiles of the rows a filter keeps.
pub fn profile(executor: &Executor, spec: &ProfileSpec) -> Result<Vec<ColumnProfile>> {
    spec.validate()?;
    let ops = spec.filter.iter().map(|f| Op::Filter(predicate(f))).collect();
    let (frame, _) = executor.frame(&Plan::new(ops))?;
    let names: Vec<String> = match &spec.columns {
        Some(names) => names.clone(),
        None => frame.batch.schema().fields().iter().map(|f| f.name().clone()).collect(),
    };
    names
        .iter()
        .map(|name| {
            let array = plan::expr::column(&frame.batch, name)?;
            Ok(profile::finish(name, &plan::profile::tally(array, &frame.rows)?, spec))
        })
        .collect()
}

/// A page as a plan: filter, sort, slice, then the columns asked for (the
/// same rows and total as [`page`], without the view cache; what each
/// partition of a sharded table runs, [`plan::partition`]).
pub fn page_plan(spec: &PageSpec) -> Result<Plan> {
    let offset = non_negative("offset", spec.offset)?;
    let limit = non_negative("limit", spec.limit)?;
    let mut ops: Vec<Op> = spec.filter.iter().map(|f| Op::Filter(predicate(f))).collect();
    let keys = sort_keys(&spec.sort);
    if !keys.is_empty() {
        ops.push(Op::Sort { keys, limit: None });
    }
    ops.push(Op::Slice { offset, limit: Some(limit) });
    if let Some(columns) = &spec.columns {
        ops.push(Op::Select(columns.clone()));
    }
    Ok(Plan::new(ops))
}

/// The columns a profile describes, of a table with `schema`.
pub fn profile_columns(schema: &arrow_schema::Schema, spec: &ProfileSpec) -> Vec<String> {
    match &spec.columns {
        Some(names) => names.clone(),
        None => schema.fields().iter().map(|f| f.name().clone()).collect(),
    }
}

/// A profile's partial result over one partition of a table: per column
/// (`columns`, from [`profile_columns`]) one batch of its tally.
pub fn profile_partial(partition: &RecordBatch, spec: &ProfileSpec, columns: &[String], rewrites: plan::Rewrites) -> Result<Vec<RecordBatch>> {
    spec.validate()?;
    let filter = spec.filter.as_ref().map(predicate);
    plan::partition::profile_partial(partition, filter.as_ref(), columns, rewrites)
}

/// The profiles from every partition's partial result, in partition order.
pub fn profile_merge(partials: &[Vec<RecordBatch>], spec: &ProfileSpec, columns: &[String]) -> Result<Vec<ColumnProfile>> {
    let tallies = plan::partition::profile_merge(partials)?;
    Ok(columns.iter().zip(&tallies).map(|(name, tally)| profile::finish(name, tally, spec)).collect())
}

/// Runs a pipeline's steps one after another; the last step's rows.
pub fn pipeline(executor: &Executor, spec: &PipelineSpec) -> Result<RecordBatch> {
    Ok(executor.run(&pipeline_plan(spec)?)?.batch)
}

/// A cursor over the view (filter, sort) as CSV or Arrow IPC chunks.
pub fn export(executor: &mut Executor, spec: &ExportSpec) -> Result<Export> {
    let projected = project(executor.batch(), spec.columns.as_deref())?;
    let filter = spec.filter.as_ref().map(predicate);
    let view = executor.view(filter.as_ref(), &sort_keys(&spec.sort), None)?;
    Export::new(projected, view, spec.format, spec.chunk_rows.unwrap_or(65_536).max(1))
}

/// `batch` with only `columns` (all when `None`), in that order.
fn project(batch: &RecordBatch, columns: Option<&[String]>) -> Result<RecordBatch> {
    let Some(names) = columns else { return Ok(batch.clone()) };
    let schema = batch.schema();
    let indices = names
        .iter()
        .map(|n| schema.index_of(n).map_err(|_| QuiverError::UnknownColumn(n.clone())))
        .collect::<Result<Vec<_>>>()?;
    Ok(batch.project(&indices)?)
}

/// A pipeline as a plan.
pub fn pipeline_plan(spec: &PipelineSpec) -> Result<Plan> {
    let mut ops = Vec::new();
    for step in &spec.steps {
        match step {
            Step::Filter(filter) => ops.push(Op::Filter(predicate(filter))),
            Step::Aggregate(aggregate) => ops.extend(aggregate_ops(aggregate)?),
            Step::Select(columns) => ops.push(Op::Select(columns.clone())),
            Step::Derive(derive) => {
                ops.push(Op::Derive { name: derive.name.clone(), expr: Expr::func(Func::Value, vec![expr(&derive.expr)?]), replace: false })
            }
            Step::Sort(keys) => ops.push(Op::Sort { keys: sort_keys(keys), limit: None }),
            Step::Slice(slice) => {
                let offset = non_negative("offset", slice.offset)?;
                let limit = slice.limit.map(|l| non_negative("limit", l)).transpose()?;
                ops.push(Op::Slice { offset, limit });
            }
        }
    }
    Ok(Plan::new(ops))
}

/// An aggregate spec as operators: filter, aggregate, having, sort, slice.
pub fn aggregate_ops(spec: &AggregateSpec) -> Result<Vec<Op>> {
    let offset = non_negative("offset", spec.offset)?;
    let limit = spec.limit.map(|l| non_negative("limit", l)).transpose()?;
    if spec.aggregates.is_empty() && spec.group_by.is_empty() {
        return Err(QuiverError::InvalidQuery("an aggregate needs group keys or aggregates".into()));
    }
    let mut keys = Vec::with_capacity(spec.group_by.len());
    for key in &spec.group_by {
        keys.push(match key {
            spec::GroupKey::Column(name) => GroupKey { name: name.clone(), expr: Expr::column(name), end: None },
            spec::GroupKey::Derived(derived) => {
                let name = derived.alias.clone().unwrap_or_else(|| derived.column.clone());
                let source = Box::new(Expr::column(&derived.column));
                match (derived.bucket, &derived.bins) {
                    (Some(unit), None) => GroupKey { name, expr: Expr::TimeBucket { arg: source, unit }, end: None },
                    (None, Some(bins)) => {
                        let rule = match (bins.count, bins.step) {
                            (None, Some(step)) if step > 0.0 && step.is_finite() => BinRule::FixedStep { step },
                            (Some(count), None) if count >= 1 => BinRule::EqualWidth { count: count as usize, domain: None },
                            _ => {
                                return Err(QuiverError::InvalidQuery(format!(
                                    "bins of \"{}\" need either a count of at least 1 or a positive step",
                                    derived.column
                                )))
                            }
                        };
                        GroupKey { end: Some(format!("{name}_end")), name, expr: Expr::Bins { arg: source, rule } }
                    }
                    _ => {
                        return Err(QuiverError::InvalidQuery(format!(
                            "group key on \"{}\" needs exactly one of `bucket` or `bins`",
                            derived.column
                        )))
                    }
                }
            }
        });
    }
    let calls = spec.aggregates.iter().map(call).collect::<Result<Vec<_>>>()?;
    let mut seen = std::collections::HashSet::new();
    let names = keys.iter().flat_map(|k| std::iter::once(&k.name).chain(k.end.as_ref())).chain(calls.iter().map(|c| &c.name));
    for name in names {
        if !seen.insert(name) {
            return Err(QuiverError::InvalidQuery(format!(
                "two outputs are named \"{name}\"; give one of them another name with `as`"
            )));
        }
    }
    let mut ops: Vec<Op> = spec.filter.iter().map(|f| Op::Filter(predicate(f))).collect();
    ops.push(Op::Aggregate(plan::Aggregate { keys, calls, empty: EmptyInput::OneRow }));
    if let Some(having) = &spec.having {
        ops.push(Op::Filter(predicate(having)));
    }
    if !spec.sort.is_empty() {
        ops.push(Op::Sort { keys: sort_keys(&spec.sort), limit: None });
    }
    if offset > 0 || limit.is_some() {
        ops.push(Op::Slice { offset, limit });
    }
    Ok(ops)
}

/// The output column name: `as`, else `count` for count(*), else `op_column`.
pub fn output_name(agg: &spec::Aggregate) -> String {
    if let Some(alias) = &agg.alias {
        return alias.clone();
    }
    let op = serde_json::to_value(agg.op).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    match &agg.column {
        None => op,
        Some(column) => format!("{op}_{column}"),
    }
}

fn call(agg: &spec::Aggregate) -> Result<Call> {
    let name = output_name(agg);
    let func = match agg.op {
        AggregateOp::Count => AggregateFn::Count,
        AggregateOp::CountDistinct => AggregateFn::CountDistinct { nulls: false },
        AggregateOp::Sum => AggregateFn::Sum,
        AggregateOp::Mean => AggregateFn::Mean,
        AggregateOp::Min => AggregateFn::Min,
        AggregateOp::Max => AggregateFn::Max,
        AggregateOp::Median => AggregateFn::Median,
        AggregateOp::Quantile => AggregateFn::Quantile(agg.q.filter(|q| (0.0..=1.0).contains(q)).ok_or_else(|| {
            QuiverError::InvalidQuery(format!(
                "quantile of \"{}\" needs `q` between 0 and 1",
                agg.column.as_deref().unwrap_or_default()
            ))
        })?),
        AggregateOp::VariancePop => AggregateFn::VariancePop,
        AggregateOp::VarianceSamp => AggregateFn::VarianceSamp,
        AggregateOp::StddevPop => AggregateFn::StddevPop,
        AggregateOp::StddevSamp => AggregateFn::StddevSamp,
        AggregateOp::First => AggregateFn::First,
        AggregateOp::Last => AggregateFn::Last,
    };
    let arg = match &agg.column {
        None if agg.op == AggregateOp::Count => None,
        None => return Err(QuiverError::InvalidQuery(format!("{:?} needs a column", agg.op).to_lowercase())),
        Some(column) => Some(Expr::column(column)),
    };
    Ok(Call { name, func, arg })
}

/// A filter as a predicate.
pub fn predicate(filter: &Filter) -> Predicate {
    let compare = |column: &str, op: Comparison, value: &Value| Predicate::Compare { expr: Expr::column(column), op, value: value.clone() };
    let text = |column: &str, pattern: TextPattern, case_insensitive: bool, op: &str| Predicate::Text {
        expr: Expr::column(column),
        pattern,
        case_insensitive,
        op: op.to_string(),
    };
    match filter {
        Filter::And { filters } => Predicate::And(filters.iter().map(predicate).collect()),
        Filter::Or { filters } => Predicate::Or(filters.iter().map(predicate).collect()),
        Filter::Not { filter } => Predicate::Not(Box::new(predicate(filter))),
        Filter::Eq { column, value } => compare(column, Comparison::Eq, value),
        Filter::NotEq { column, value } => compare(column, Comparison::NotEq, value),
        Filter::Lt { column, value } => compare(column, Comparison::Lt, value),
        Filter::LtEq { column, value } => compare(column, Comparison::LtEq, value),
        Filter::Gt { column, value } => compare(column, Comparison::Gt, value),
        Filter::GtEq { column, value } => compare(column, Comparison::GtEq, value),
        Filter::Between { column, min, max } => match (min.is_null(), max.is_null()) {
            (false, false) => Predicate::And(vec![compare(column, Comparison::GtEq, min), compare(column, Comparison::LtEq, max)]),
            (false, true) => compare(column, Comparison::GtEq, min),
            (true, false) => compare(column, Comparison::LtEq, max),
            // Open at both ends: every non-null value.
            (true, true) => Predicate::Not(Box::new(Predicate::IsNull(Expr::column(column)))),
        },
        // `in`: a null value is in when `null` is listed, else unknown (SQL).
        // `notIn`: a null value is kept unless `null` is listed (Graphic
        // Walker's "not in").
        Filter::In { column, values } => Predicate::In {
            expr: Expr::column(column),
            values: values.clone(),
            coercion: Coercion::Lenient,
            negated: false,
            nulls: values.iter().any(Value::is_null).then_some(true),
        },
        Filter::NotIn { column, values } => Predicate::In {
            expr: Expr::column(column),
            values: values.clone(),
            coercion: Coercion::Lenient,
            negated: true,
            nulls: Some(!values.iter().any(Value::is_null)),
        },
        Filter::IsNull { column } => Predicate::IsNull(Expr::column(column)),
        Filter::IsNotNull { column } => Predicate::Not(Box::new(Predicate::IsNull(Expr::column(column)))),
        Filter::Contains { column, value, case_insensitive } => text(column, TextPattern::Contains(value.clone()), *case_insensitive, "contains"),
        Filter::StartsWith { column, value, case_insensitive } => {
            text(column, TextPattern::StartsWith(value.clone()), *case_insensitive, "startsWith")
        }
        Filter::EndsWith { column, value, case_insensitive } => text(column, TextPattern::EndsWith(value.clone()), *case_insensitive, "endsWith"),
        Filter::Regex { column, pattern, case_insensitive } => text(
            column,
            TextPattern::Regex { pattern: pattern.clone(), dialect: Dialect::Rust },
            *case_insensitive,
            "regex",
        ),
    }
}

/// Sort keys as the plan's.
pub fn sort_keys(keys: &[spec::SortKey]) -> Vec<plan::SortKey> {
    keys.iter()
        .map(|key| plan::SortKey {
            expr: Expr::column(&key.column),
            descending: key.descending,
            nulls_first: key.nulls == spec::NullsOrder::First,
            collation: if key.case_insensitive { Collation::CaseInsensitive } else { Collation::CodePoint },
        })
        .collect()
}

/// An expression spec as the plan's expression.
pub fn expr(e: &spec::Expr) -> Result<Expr> {
    Ok(match e {
        spec::Expr::Column { column } => Expr::column(column),
        spec::Expr::Literal { value } => Expr::Literal(value.clone()),
        spec::Expr::Case { case, otherwise } => Expr::Case {
            branches: case.iter().map(|w| Ok((expr(&w.when)?, expr(&w.then)?))).collect::<Result<_>>()?,
            otherwise: otherwise.as_deref().map(expr).transpose()?.map(Box::new),
        },
        spec::Expr::Call { op, args } => {
            let args = args.iter().map(expr).collect::<Result<Vec<_>>>()?;
            let func = match op.as_str() {
                "+" => Func::Add,
                "-" => Func::Subtract,
                "*" => Func::Multiply,
                "/" => Func::Divide,
                "%" => Func::Remainder,
                "=" => Func::Compare(Comparison::Eq),
                "!=" => Func::Compare(Comparison::NotEq),
                "<" => Func::Compare(Comparison::Lt),
                "<=" => Func::Compare(Comparison::LtEq),
                ">" => Func::Compare(Comparison::Gt),
                ">=" => Func::Compare(Comparison::GtEq),
                "and" => Func::And,
                "or" => Func::Or,
                "not" => Func::Not,
                "neg" => Func::Negate,
                "abs" => Func::Abs,
                "sqrt" => Func::Sqrt,
                "exp" => Func::Exp,
                "log" | "ln" => Func::Ln,
                "log2" => Func::Log2,
                "log10" => Func::Log10,
                "floor" => Func::Floor,
                "ceil" => Func::Ceil,
                "round" => Func::Round,
                "coalesce" => Func::Coalesce,
                "isNull" => Func::IsNull,
                "||" => Func::Concat,
                "if" => Func::If,
                "~" | "~*" | "!~" | "!~*" => {
                    // PostgreSQL's regular-expression match: anywhere in the text.
                    let [text, pattern] = <[Expr; 2]>::try_from(args).map_err(|args| {
                        QuiverError::InvalidQuery(format!("`{op}` takes 2 arguments, not {}", args.len()))
                    })?;
                    return Ok(Expr::Matches {
                        text: Box::new(text),
                        pattern: Box::new(pattern),
                        dialect: Dialect::Rust,
                        ignore_case: op.ends_with('*'),
                        negated: op.starts_with('!'),
                    });
                }
                other => return Err(QuiverError::InvalidQuery(format!("unknown operator or function `{other}`"))),
            };
            Expr::Func { func, args }
        }
    })
}
