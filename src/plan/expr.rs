//! Expressions over named columns, and their evaluation over a batch and the
//! rows a step selects.
//!
//! Quiver's expressions (`derive`) and Graphic Walker's computed fields
//! (SQL, bins, logs, drills and features) are one tree. The operators of the
//! expression language ([`Func`], [`Expr::Case`], [`Expr::Matches`]) work on
//! numbers (f64; dates and timestamps as epoch ms), booleans and text
//! ([`Values`]); the other nodes produce typed columns (time buckets keep
//! their type; drills give epoch ms as Int64; Graphic Walker's bins give bin
//! indices with their [`Bin`] in the field metadata).
//!
//! Nodes named `Js…` follow Graphic Walker's JavaScript where it differs
//! from SQL (text forms of numbers, logs of non-positive numbers, bins of
//! nulls). [`Expr::OverAll`] is an aggregate over every row the step sees,
//! evaluated first and used as a constant (`x / sum(x)`); a partitioned
//! plan computes it from all partitions before the rows are evaluated
//! ([`super::partition`]; today such a plan gathers the partitions' rows
//! first).
//!
//! What must change together: a new node needs its evaluation here, the
//! columns it reads ([`Expr::columns`]), and whether it is row-local
//! ([`Expr::is_row_local`], which decides where partitions split).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{new_null_array, Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{QuiverError, Result};
use crate::kernels::accumulate::{Accumulator, AggregateFn};
use crate::kernels::bins::{self, Bin};
use crate::kernels::expr::{self as values, Arithmetic, Values};
use crate::kernels::predicate::{Comparison, Dialect};
use crate::kernels::time::{self, Drill, Feature, Reading, TimeUnit};
use crate::kernels::{kind, ColumnKind, Selection};

/// An expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Expr {
    /// A column as it is.
    Column(String),
    /// A JSON literal as an expression value: a number (f64), text, a
    /// boolean or null.
    Literal(Value),
    /// A typed constant (what [`Expr::OverAll`] becomes once computed).
    Constant(Constant),
    Func { func: Func, args: Vec<Expr> },
    /// The first branch whose condition is true, else `otherwise` (null).
    Case { branches: Vec<(Expr, Expr)>, otherwise: Option<Box<Expr>> },
    /// A regular-expression match anywhere in the text (`~`), per row's
    /// pattern; null when either is.
    Matches { text: Box<Expr>, pattern: Box<Expr>, dialect: Dialect, ignore_case: bool, negated: bool },
    /// An aggregate over every row the step sees, on every row.
    OverAll { func: AggregateFn, arg: Option<Box<Expr>> },
    /// The start of each date or timestamp's UTC bucket, in its type.
    TimeBucket { arg: Box<Expr>, unit: TimeUnit },
    Bins { arg: Box<Expr>, rule: BinRule },
    /// Graphic Walker's reading of times: epoch ms (Int64) of dates,
    /// timestamps, numbers or text; with `readable_in`, null where the wall
    /// clock in that zone is beyond a JavaScript date.
    Instants { arg: Box<Expr>, reading: Reading, readable_in: Option<i32> },
    /// Graphic Walker's `dateTimeDrill` / `dateTimeFeature` of instants (epoch
    /// ms, Int64) on the `display` clock; null where the value read in the
    /// `parse` zone is beyond a JavaScript date.
    Calendar { arg: Box<Expr>, part: CalendarPart, display: i32, parse: i32 },
    /// Graphic Walker's numbers: integers and floats as f64, times as epoch
    /// ms; another kind is an error naming `op`.
    JsNumbers { arg: Box<Expr>, op: String },
    /// `ln(v) / ln(base)`, null where not finite (Graphic Walker's `log`).
    JsLog { arg: Box<Expr>, base: f64 },
    /// A bin column's lower bounds (Float64); any other column as it is.
    Lower(Box<Expr>),
    /// Each value's text as JavaScript writes it (a bin as `lo,hi`).
    JsText(Box<Expr>),
    /// For a range: numbers as they are, a bin's lower bound, times as
    /// instants in `reading`; another kind is an error.
    JsComparable { arg: Box<Expr>, reading: Reading },
}

/// Scalar functions of the expression language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Func {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Compare(Comparison),
    And,
    Or,
    Not,
    Negate,
    Abs,
    Sqrt,
    Exp,
    Ln,
    Log2,
    Log10,
    Floor,
    Ceil,
    Round,
    Coalesce,
    IsNull,
    /// Text joined (`||`); numbers as JavaScript writes them.
    Concat,
    /// `if(condition, then, else)`.
    If,
    /// The argument as an expression value (a column read as numbers,
    /// booleans or text).
    Value,
}

/// How a bin rule turns numbers into bins ([`crate::kernels::bins`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BinRule {
    /// Quiver's: lower bounds at multiples of `step`.
    FixedStep { step: f64 },
    /// Quiver's: lower bounds of `count` equal bins over the domain (the
    /// minimum and maximum of the rows' finite values; found first when
    /// `None`).
    EqualWidth { count: usize, domain: Option<(f64, f64)> },
    /// Graphic Walker's `bin`: bin indices, nulls as 0.
    JsEqualWidth { count: usize, domain: Option<(f64, f64)> },
    /// Graphic Walker's `binCount`: equal-count bins by rank, nulls as 0.
    ByRank { count: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CalendarPart {
    Drill(Drill),
    Feature(Feature),
}

/// A typed constant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Constant {
    Null,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    Text(String),
    Date(i32),
    Timestamp { micros: i64, zone: Option<String> },
}

impl Constant {
    /// The value of a one-row array (or null when it has none).
    pub fn of(array: &ArrayRef) -> Constant {
        use crate::rows::{cell, Cell};
        if array.is_empty() {
            return Constant::Null;
        }
        match (cell(array.as_ref(), 0), array.data_type()) {
            (Cell::Null, _) => Constant::Null,
            (Cell::Boolean(b), _) => Constant::Boolean(b),
            (Cell::Integer(i), _) => Constant::Integer(i),
            (Cell::Float(f), _) => Constant::Float(f),
            (Cell::Text(t), _) => Constant::Text(t.to_string()),
            (Cell::Date(d), _) => Constant::Date(d),
            (Cell::Timestamp { micros, .. }, arrow_schema::DataType::Timestamp(_, zone)) => {
                Constant::Timestamp { micros, zone: zone.as_ref().map(|z| z.to_string()) }
            }
            (Cell::Timestamp { micros, .. }, _) => Constant::Timestamp { micros, zone: None },
        }
    }

    /// The constant on `rows` rows.
    pub fn array(&self, rows: usize) -> ArrayRef {
        match self {
            Constant::Null => new_null_array(&arrow_schema::DataType::Float64, rows),
            Constant::Boolean(b) => Arc::new(BooleanArray::from(vec![*b; rows])),
            Constant::Integer(i) => Arc::new(Int64Array::from(vec![*i; rows])),
            Constant::Float(f) => Arc::new(Float64Array::from(vec![*f; rows])),
            Constant::Text(t) => Arc::new(StringArray::from(vec![t.as_str(); rows])),
            Constant::Date(d) => Arc::new(arrow_array::Date32Array::from(vec![*d; rows])),
            Constant::Timestamp { micros, zone } => {
                Arc::new(arrow_array::TimestampMicrosecondArray::from(vec![*micros; rows]).with_timezone_opt(zone.clone()))
            }
        }
    }
}

/// What an expression is evaluated over: a batch and the rows the step
/// sees (aggregates over all rows and bin domains read only those).
pub struct Context<'a> {
    pub batch: &'a RecordBatch,
    pub rows: &'a Selection,
}

/// An evaluated expression: one value per row of the batch, and what the
/// rows' field should say about them.
pub struct Evaluated {
    pub array: ArrayRef,
    /// Graphic Walker bins: the field's bin metadata.
    pub bin: Option<Bin>,
    /// Quiver's bins: the bin width (for a key's `_end` column).
    pub step: Option<f64>,
}

impl Evaluated {
    fn plain(array: ArrayRef) -> Evaluated {
        Evaluated { array, bin: None, step: None }
    }
}

fn invalid(message: String) -> QuiverError {
    QuiverError::InvalidQuery(message)
}

impl Expr {
    pub fn column(name: &str) -> Expr {
        Expr::Column(name.to_string())
    }

    pub fn func(func: Func, args: Vec<Expr>) -> Expr {
        Expr::Func { func, args }
    }

    /// The column an expression is about, for messages (the innermost
    /// column of a chain of one-argument nodes).
    pub fn name(&self) -> &str {
        match self {
            Expr::Column(name) => name,
            Expr::TimeBucket { arg, .. }
            | Expr::Bins { arg, .. }
            | Expr::Instants { arg, .. }
            | Expr::Calendar { arg, .. }
            | Expr::JsNumbers { arg, .. }
            | Expr::JsLog { arg, .. }
            | Expr::Lower(arg)
            | Expr::JsText(arg)
            | Expr::JsComparable { arg, .. } => arg.name(),
            _ => "",
        }
    }

    /// Every column the expression reads.
    pub fn columns<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Column(name) => out.push(name),
            Expr::Literal(_) | Expr::Constant(_) => {}
            Expr::Func { args, .. } => args.iter().for_each(|a| a.columns(out)),
            Expr::Case { branches, otherwise } => {
                for (when, then) in branches {
                    when.columns(out);
                    then.columns(out);
                }
                if let Some(o) = otherwise {
                    o.columns(out);
                }
            }
            Expr::Matches { text, pattern, .. } => {
                text.columns(out);
                pattern.columns(out);
            }
            Expr::OverAll { arg, .. } => {
                if let Some(a) = arg {
                    a.columns(out);
                }
            }
            Expr::TimeBucket { arg, .. }
            | Expr::Bins { arg, .. }
            | Expr::Instants { arg, .. }
            | Expr::Calendar { arg, .. }
            | Expr::JsNumbers { arg, .. }
            | Expr::JsLog { arg, .. }
            | Expr::Lower(arg)
            | Expr::JsText(arg)
            | Expr::JsComparable { arg, .. } => arg.columns(out),
        }
    }

    /// Whether each row's value depends on that row alone (no aggregate over
    /// all rows, no domain or ranks yet to be found).
    pub fn is_row_local(&self) -> bool {
        let mut local = true;
        self.visit(&mut |e| {
            local &= !matches!(
                e,
                Expr::OverAll { .. }
                    | Expr::Bins { rule: BinRule::EqualWidth { domain: None, .. } | BinRule::JsEqualWidth { domain: None, .. } | BinRule::ByRank { .. }, .. }
            );
        });
        local
    }

    /// Calls `f` on this node and every node below it.
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Column(_) | Expr::Literal(_) | Expr::Constant(_) => {}
            Expr::Func { args, .. } => args.iter().for_each(|a| a.visit(f)),
            Expr::Case { branches, otherwise } => {
                for (when, then) in branches {
                    when.visit(f);
                    then.visit(f);
                }
                if let Some(o) = otherwise {
                    o.visit(f);
                }
            }
            Expr::Matches { text, pattern, .. } => {
                text.visit(f);
                pattern.visit(f);
            }
            Expr::OverAll { arg, .. } => {
                if let Some(a) = arg {
                    a.visit(f);
                }
            }
            Expr::TimeBucket { arg, .. }
            | Expr::Bins { arg, .. }
            | Expr::Instants { arg, .. }
            | Expr::Calendar { arg, .. }
            | Expr::JsNumbers { arg, .. }
            | Expr::JsLog { arg, .. }
            | Expr::Lower(arg)
            | Expr::JsText(arg)
            | Expr::JsComparable { arg, .. } => arg.visit(f),
        }
    }

    /// Calls `f` on every node, children first, letting it replace the node.
    pub fn rewrite(&mut self, f: &mut dyn FnMut(&mut Expr) -> Result<()>) -> Result<()> {
        match self {
            Expr::Column(_) | Expr::Literal(_) | Expr::Constant(_) => {}
            Expr::Func { args, .. } => {
                for a in args {
                    a.rewrite(f)?;
                }
            }
            Expr::Case { branches, otherwise } => {
                for (when, then) in branches {
                    when.rewrite(f)?;
                    then.rewrite(f)?;
                }
                if let Some(o) = otherwise {
                    o.rewrite(f)?;
                }
            }
            Expr::Matches { text, pattern, .. } => {
                text.rewrite(f)?;
                pattern.rewrite(f)?;
            }
            Expr::OverAll { arg, .. } => {
                if let Some(a) = arg {
                    a.rewrite(f)?;
                }
            }
            Expr::TimeBucket { arg, .. }
            | Expr::Bins { arg, .. }
            | Expr::Instants { arg, .. }
            | Expr::Calendar { arg, .. }
            | Expr::JsNumbers { arg, .. }
            | Expr::JsLog { arg, .. }
            | Expr::Lower(arg)
            | Expr::JsText(arg)
            | Expr::JsComparable { arg, .. } => arg.rewrite(f)?,
        }
        f(self)
    }
}

/// The column `name` of `batch`, or an error naming it.
pub fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    batch.column_by_name(name).ok_or_else(|| QuiverError::UnknownColumn(name.to_string()))
}

/// Evaluates `expr` on every row of the context's batch.
pub fn evaluate(expr: &Expr, ctx: &Context) -> Result<Evaluated> {
    let rows = ctx.batch.num_rows();
    Ok(match expr {
        Expr::Column(name) => {
            let array = column(ctx.batch, name)?.clone();
            let field = ctx.batch.schema().field_with_name(name).ok().and_then(|f| super::bin_of(f));
            Evaluated { array, bin: field, step: None }
        }
        Expr::Literal(value) => Evaluated::plain(Values::constant(value, rows)?.into_array()),
        Expr::Constant(constant) => Evaluated::plain(constant.array(rows)),
        Expr::Func { func, args } => Evaluated::plain(call(*func, args, ctx)?.into_array()),
        Expr::Case { branches, otherwise } => Evaluated::plain(case_when(branches, otherwise.as_deref(), ctx)?.into_array()),
        Expr::Matches { text, pattern, dialect, ignore_case, negated } => {
            let op = match (negated, ignore_case) {
                (false, false) => "~",
                (false, true) => "~*",
                (true, false) => "!~",
                (true, true) => "!~*",
            };
            let (Values::Text(text), Values::Text(patterns)) = (values(text, ctx)?, values(pattern, ctx)?) else {
                return Err(invalid(format!("`{op}` matches text against a text pattern")));
            };
            let describe: &dyn Fn(&str, String) -> String = match dialect {
                Dialect::Rust => &|p: &str, e: String| format!("/{p}/ is not a regular expression this engine reads: {e}"),
                Dialect::JavaScript => &|p: &str, e: String| format!("in a SQL expression, /{p}/: {e}"),
            };
            Evaluated::plain(Arc::new(values::regex_matches(&text, &patterns, *dialect, *ignore_case, *negated, describe)?))
        }
        Expr::OverAll { func, arg } => {
            let value = over_all(*func, arg.as_deref(), ctx)?;
            Evaluated::plain(Constant::of(&value).array(rows))
        }
        Expr::TimeBucket { arg, unit } => {
            let source = evaluate(arg, ctx)?.array;
            let bucket = time::time_bucket(&source, *unit).ok_or_else(|| {
                invalid(format!(
                    "a time bucket needs a date or timestamp column; \"{}\" holds {} values",
                    arg.name(),
                    kind::kind(source.as_ref()).name()
                ))
            })?;
            Evaluated::plain(bucket)
        }
        Expr::Bins { arg, rule } => bin(arg, rule, ctx)?,
        Expr::Instants { arg, reading, readable_in } => {
            let source = evaluate(arg, ctx)?.array;
            let instants = time::instants(&source, *reading).ok_or_else(|| {
                invalid(format!("\"{}\" holds {} values, which are not times", arg.name(), source.data_type()))
            })?;
            let instants = match readable_in {
                // With an offset, Graphic Walker reads each value in that zone
                // first (`newOffsetDate(offset)(v)`), a date that must exist too.
                Some(o) if instants.iter().flatten().any(|v| time::wall_ms(v, *o).is_none()) => {
                    instants.iter().map(|v| v.filter(|&v| time::wall_ms(v, *o).is_some())).collect()
                }
                _ => instants,
            };
            Evaluated::plain(Arc::new(instants))
        }
        Expr::Calendar { arg, part, display, parse } => {
            let instants = evaluate(arg, ctx)?.array;
            let instants = instants.as_primitive::<arrow_array::types::Int64Type>();
            let (display, parse) = (*display, *parse);
            let values = match *part {
                CalendarPart::Drill(drill) => {
                    let by_day = !matches!(drill, Drill::Hour | Drill::Minute | Drill::Second);
                    per_instant(instants, display, by_day, move |v| time::wall_ms(v, parse).and_then(|_| drill.start(v, display)))
                }
                CalendarPart::Feature(feature) => {
                    let by_day = !matches!(feature, Feature::Hour | Feature::Minute | Feature::Second);
                    per_instant(instants, display, by_day, move |v| time::wall_ms(v, parse).and_then(|_| feature.of(v, display)))
                }
            };
            Evaluated::plain(Arc::new(values))
        }
        Expr::JsNumbers { arg, op } => {
            let source = evaluate(arg, ctx)?.array;
            let numbers: Float64Array = match kind::kind(source.as_ref()) {
                ColumnKind::Integer | ColumnKind::Float => kind::floats(source.as_ref()),
                ColumnKind::Date | ColumnKind::Timestamp => kind::micros(source.as_ref()).unary(|m| (m / 1000) as f64),
                other => {
                    return Err(invalid(format!("`{op}` needs numbers, but \"{}\" holds {} values", arg.name(), other.name())))
                }
            };
            Evaluated::plain(Arc::new(numbers))
        }
        Expr::JsLog { arg, base } => {
            let numbers = evaluate(arg, ctx)?.array;
            let logs: Float64Array =
                kind::floats(numbers.as_ref()).iter().map(|v| v.map(|v| v.ln() / base.ln()).filter(|v| v.is_finite())).collect();
            Evaluated::plain(Arc::new(logs))
        }
        Expr::Lower(arg) => {
            let source = evaluate(arg, ctx)?;
            match source.bin {
                Some(b) => {
                    let lows: Float64Array = kind::integers(source.array.as_ref()).iter().map(|i| i.map(|i| b.bounds(i).0)).collect();
                    Evaluated::plain(Arc::new(lows))
                }
                None => Evaluated::plain(source.array),
            }
        }
        Expr::JsText(arg) => {
            let source = evaluate(arg, ctx)?;
            if source.bin.is_none() && kind::is_text(source.array.as_ref()) {
                return Ok(Evaluated::plain(source.array));
            }
            let mut text = String::new();
            let texts: StringArray = (0..source.array.len())
                .map(|row| {
                    text.clear();
                    crate::kernels::text::write_text(source.array.as_ref(), row, source.bin, &mut text).then(|| text.clone())
                })
                .collect();
            Evaluated::plain(Arc::new(texts))
        }
        Expr::JsComparable { arg, reading } => {
            let source = evaluate(arg, ctx)?;
            let array = source.array;
            if let Some(b) = source.bin {
                let lows: Float64Array = kind::integers(array.as_ref()).iter().map(|i| i.map(|i| b.bounds(i).0)).collect();
                return Ok(Evaluated::plain(Arc::new(lows)));
            }
            match kind::kind(array.as_ref()) {
                k if k.is_number() => Evaluated::plain(array),
                k if k.is_time() => Evaluated::plain(Arc::new(time::instants(&array, *reading).expect("a time column has instants"))),
                other => {
                    return Err(invalid(format!("a range filter needs numbers, but \"{}\" holds {} values", arg.name(), other.name())))
                }
            }
        }
    })
}

/// An expression's values (numbers, booleans or text).
pub fn values(expr: &Expr, ctx: &Context) -> Result<Values> {
    Values::of(&evaluate(expr, ctx)?.array)
}

/// An aggregate over the context's rows: a one-row array.
pub fn over_all(func: AggregateFn, arg: Option<&Expr>, ctx: &Context) -> Result<ArrayRef> {
    let input = arg.map(|a| evaluate(a, ctx)).transpose()?.map(|e| e.array);
    let mut accumulator = Accumulator::new(func, input.as_ref().map(|a| kind::kind(a.as_ref())), 1).map_err(|k| {
        invalid(format!(
            "{} needs a number column; \"{}\" holds {} values",
            crate::kernels::accumulate::name(func),
            arg.map_or("", |a| a.name()),
            k.name()
        ))
    })?;
    accumulator.update(input.as_ref(), ctx.rows, &vec![0; ctx.rows.len()])?;
    accumulator.finish()
}

fn bin(arg: &Expr, rule: &BinRule, ctx: &Context) -> Result<Evaluated> {
    let source = evaluate(arg, ctx)?.array;
    let source_kind = kind::kind(source.as_ref());
    if !source_kind.is_number() {
        return Err(invalid(format!("bins need a number column; \"{}\" holds {} values", arg.name(), source_kind.name())));
    }
    let numbers = kind::floats(source.as_ref());
    let zeroed = || -> Float64Array { numbers.iter().map(|v| Some(v.unwrap_or(0.0))).collect() };
    Ok(match *rule {
        BinRule::FixedStep { step } => Evaluated { array: Arc::new(bins::fixed_step(&numbers, step)), bin: None, step: Some(step) },
        BinRule::EqualWidth { count, domain } => {
            let domain = domain.or_else(|| bins::finite_domain(&numbers, ctx.rows));
            let (lower, step) = bins::equal_width(&numbers, count, domain);
            Evaluated { array: Arc::new(lower), bin: None, step: Some(step) }
        }
        BinRule::JsEqualWidth { count, domain } => {
            let zeroed = zeroed();
            let domain = domain.or_else(|| bins::finite_domain(&zeroed, ctx.rows));
            let (indices, bin) = bins::js_equal_width(&zeroed, count, domain);
            Evaluated { array: Arc::new(indices), bin: Some(bin), step: None }
        }
        BinRule::ByRank { count } => Evaluated::plain(Arc::new(bins::by_rank(&numbers, ctx.rows, count))),
    })
}

/// `of(instant)` for every instant. When the answer depends only on the
/// display day (`by_day`), it is computed once per run of rows on the same
/// day: files are often in time order, and the calendar arithmetic is the
/// cost here (measured: a month drill of a million timestamps in time order
/// from 28 ms to a few). A null instant stays null, and so does one whose
/// answer is `None`.
fn per_instant(instants: &Int64Array, display: i32, by_day: bool, of: impl Fn(i64) -> Option<i64>) -> Int64Array {
    let (mut last_day, mut last) = (None, None);
    instants
        .iter()
        .map(|v| {
            let v = v?;
            if !by_day {
                return of(v);
            }
            // Days beyond a JavaScript date are never memoised (`of` says None).
            let day = time::wall_ms(v, display).map(|ms| ms.div_euclid(time::MS_PER_DAY));
            if day.is_none() || day != last_day {
                (last_day, last) = (day, of(v));
            }
            last
        })
        .collect()
}

fn arity(func: Func, args: &[Expr], n: usize) -> Result<()> {
    if args.len() == n {
        Ok(())
    } else {
        Err(invalid(format!("`{}` takes {n} argument{}, not {}", func_name(func), if n == 1 { "" } else { "s" }, args.len())))
    }
}

/// The function's name in Quiver's expressions (for messages).
pub fn func_name(func: Func) -> &'static str {
    match func {
        Func::Add => "+",
        Func::Subtract => "-",
        Func::Multiply => "*",
        Func::Divide => "/",
        Func::Remainder => "%",
        Func::Compare(Comparison::Eq) => "=",
        Func::Compare(Comparison::NotEq) => "!=",
        Func::Compare(Comparison::Lt) => "<",
        Func::Compare(Comparison::LtEq) => "<=",
        Func::Compare(Comparison::Gt) => ">",
        Func::Compare(Comparison::GtEq) => ">=",
        Func::And => "and",
        Func::Or => "or",
        Func::Not => "not",
        Func::Negate => "neg",
        Func::Abs => "abs",
        Func::Sqrt => "sqrt",
        Func::Exp => "exp",
        Func::Ln => "ln",
        Func::Log2 => "log2",
        Func::Log10 => "log10",
        Func::Floor => "floor",
        Func::Ceil => "ceil",
        Func::Round => "round",
        Func::Coalesce => "coalesce",
        Func::IsNull => "isNull",
        Func::Concat => "||",
        Func::If => "if",
        Func::Value => "value",
    }
}

fn call(func: Func, args: &[Expr], ctx: &Context) -> Result<Values> {
    let op = func_name(func);
    let arg = |i: usize| values(&args[i], ctx);
    let math = |f: fn(f64) -> f64| -> Result<Values> {
        arity(func, args, 1)?;
        Ok(Values::Number(values::math(&arg(0)?.numbers(op)?, f)))
    };
    let arithmetic = |operator: Arithmetic| -> Result<Values> {
        arity(func, args, 2)?;
        let (a, b) = (arg(0)?.numbers(op)?, arg(1)?.numbers(op)?);
        Ok(Values::Number(values::arithmetic(operator, &a, &b)))
    };
    match func {
        Func::Add => arithmetic(Arithmetic::Add),
        Func::Subtract => arithmetic(Arithmetic::Subtract),
        Func::Multiply => arithmetic(Arithmetic::Multiply),
        Func::Divide => arithmetic(Arithmetic::Divide),
        Func::Remainder => arithmetic(Arithmetic::Remainder),
        Func::Compare(comparison) => {
            arity(func, args, 2)?;
            Ok(Values::Boolean(values::compare(comparison, &arg(0)?, &arg(1)?, op)?))
        }
        Func::And | Func::Or => {
            if args.is_empty() {
                return Err(invalid(format!("`{op}` needs arguments")));
            }
            let mut acc = arg(0)?.booleans(op)?;
            for i in 1..args.len() {
                let next = arg(i)?.booleans(op)?;
                acc = if func == Func::And { arrow_arith::boolean::and_kleene(&acc, &next)? } else { arrow_arith::boolean::or_kleene(&acc, &next)? };
            }
            Ok(Values::Boolean(acc))
        }
        Func::Not => {
            arity(func, args, 1)?;
            Ok(Values::Boolean(arrow_arith::boolean::not(&arg(0)?.booleans(op)?)?))
        }
        Func::Negate => math(|v| -v),
        Func::Abs => math(f64::abs),
        Func::Sqrt => math(f64::sqrt),
        Func::Exp => math(f64::exp),
        Func::Ln => math(f64::ln),
        Func::Log2 => math(f64::log2),
        Func::Log10 => math(f64::log10),
        Func::Floor => math(f64::floor),
        Func::Ceil => math(f64::ceil),
        Func::Round => math(f64::round),
        Func::Coalesce => {
            let all: Vec<Values> = (0..args.len()).map(arg).collect::<Result<_>>()?;
            let Some(first) = all.first() else { return Err(invalid("`coalesce` needs arguments".into())) };
            let chosen: Vec<Option<usize>> = (0..ctx.batch.num_rows()).map(|i| all.iter().position(|v| v.is_valid(i))).collect();
            Ok(values::choose(first, &all, &chosen))
        }
        Func::IsNull => {
            arity(func, args, 1)?;
            Ok(Values::Boolean(values::is_null(&arg(0)?)))
        }
        Func::Concat => {
            arity(func, args, 2)?;
            Ok(Values::Text(values::concat_text(&arg(0)?.into_text(), &arg(1)?.into_text())))
        }
        Func::If => {
            arity(func, args, 3)?;
            case_when(&[(args[0].clone(), args[1].clone())], Some(&args[2]), ctx)
        }
        Func::Value => {
            arity(func, args, 1)?;
            arg(0)
        }
    }
}

fn case_when(branches: &[(Expr, Expr)], otherwise: Option<&Expr>, ctx: &Context) -> Result<Values> {
    let rows = ctx.batch.num_rows();
    let mut conditions = Vec::with_capacity(branches.len());
    let mut results = Vec::with_capacity(branches.len() + 1);
    for (when, then) in branches {
        conditions.push(values(when, ctx)?.booleans("case")?);
        results.push(values(then, ctx)?);
    }
    let fallback = match otherwise {
        Some(e) => values(e, ctx)?,
        None => results.first().map(|r| r.nulls_like(rows)).unwrap_or(Values::Number(Float64Array::from(vec![None; rows]))),
    };
    results.push(fallback);
    let first = results[0].clone();
    if results.iter().any(|r| std::mem::discriminant(r) != std::mem::discriminant(&first)) {
        return Err(invalid("the branches of a case give different kinds of values".into()));
    }
    let chosen: Vec<Option<usize>> = (0..rows)
        .map(|i| Some(conditions.iter().position(|c| c.is_valid(i) && c.value(i)).unwrap_or(branches.len())))
        .collect();
    Ok(values::choose(&first, &results, &chosen))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Int32Array;

    fn batch() -> RecordBatch {
        RecordBatch::try_from_iter([
            ("q", Arc::new(Int32Array::from(vec![Some(2), None, Some(5), Some(0)])) as ArrayRef),
            ("p", Arc::new(Float64Array::from(vec![1.5, 2.0, 3.0, 4.0])) as ArrayRef),
            ("s", Arc::new(StringArray::from(vec!["a", "b", "c", "d"])) as ArrayRef),
        ])
        .unwrap()
    }

    fn eval(expr: &Expr) -> Result<Values> {
        let b = batch();
        values(expr, &Context { batch: &b, rows: &Selection::All(4) })
    }

    #[test]
    fn case_comparisons_and_a_sum_over_all_rows() {
        let q = || Expr::column("q");
        let big = Expr::func(Func::Compare(Comparison::Gt), vec![q(), Expr::Literal(3.into())]);
        let first = Expr::func(Func::Compare(Comparison::Eq), vec![Expr::column("s"), Expr::Literal("a".into())]);
        let case = Expr::Case {
            branches: vec![(big, Expr::Literal("big".into())), (first, Expr::Literal("first".into()))],
            otherwise: Some(Box::new(Expr::Literal("other".into()))),
        };
        let Values::Text(v) = eval(&case).unwrap() else { panic!() };
        assert_eq!(v.iter().collect::<Vec<_>>(), [Some("first"), Some("other"), Some("big"), Some("other")]);
        // p / sum(p): the sum over every row, on every row.
        let share = Expr::func(Func::Divide, vec![Expr::column("p"), Expr::OverAll { func: AggregateFn::Sum, arg: Some(Box::new(Expr::column("p"))) }]);
        let Values::Number(v) = eval(&share).unwrap() else { panic!() };
        assert_eq!(v.value(0), 1.5 / 10.5);
        assert!(!share.is_row_local());
        assert!(Expr::func(Func::Add, vec![q(), q()]).is_row_local());
    }

    #[test]
    fn mistakes_are_named() {
        let err = |e: Expr| eval(&e).err().unwrap().to_string();
        assert!(err(Expr::func(Func::Multiply, vec![Expr::column("s"), Expr::Literal(2.into())])).contains("`*` needs numbers, not text"));
        assert!(err(Expr::column("nope")).contains("no column named \"nope\""));
        assert!(err(Expr::func(Func::Abs, vec![])).contains("`abs` takes 1 argument, not 0"));
        let bucket = Expr::TimeBucket { arg: Box::new(Expr::column("q")), unit: TimeUnit::Month };
        assert!(err(bucket).contains("a time bucket needs a date or timestamp column; \"q\" holds integer values"));
    }
}
