//! Graphic Walker's computation protocol on a table: the answer to
//! `computation(payload)` when Quiver is Graphic Walker's data engine.
//!
//! A payload is a list of steps (filter, transform, view, sort) applied in
//! order to the whole table, then `offset` / `limit`; the result is rows as
//! JSON objects. Graphic Walker's `computation.md` and its built-in
//! computation (`getComputation`) define the meaning; this module follows
//! them on Arrow columns, with the deliberate differences listed in the
//! README ("Graphic Walker"): nulls follow SQL (ignored by aggregates other
//! than `count` and `distinctCount`, never inside a range), text sorts by a
//! locale-like collation, and non-finite numbers come out as `null`.
//!
//! - [`payload`]: the request, as serde types;
//! - [`filter`]: filter rules → row masks;
//! - [`transform`]: computed fields (bins, logs, date drills and features, SQL);
//! - [`sql`]: the SQL expression subset of computed fields;
//! - [`view`]: aggregate, raw, fold and bin views;
//! - [`order`]: the sort step;
//! - [`json`]: the rows out.

pub mod filter;
pub mod json;
pub mod order;
pub mod payload;
pub mod shards;
pub mod sql;
pub mod transform;
pub mod view;

pub use crate::kernels::bins::Bin;

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{Field, Schema};

use crate::error::{QuiverError, Result};
use payload::{Payload, Step};

/// What the host knows that the payload leaves out: the browser's zone
/// offset (`new Date().getTimezoneOffset()`), which Graphic Walker uses when
/// a step gives none.
#[derive(Clone, Debug)]
pub struct Env {
    pub local_offset: i32,
    /// The largest answer built (see [`json::MAX_ANSWER_BYTES`]).
    pub max_answer_bytes: usize,
    /// Zone maps of the table's columns (the engine's; none: every range
    /// test reads every row).
    pub zones: Option<std::sync::Arc<crate::kernels::zones::ZoneCache>>,
}

impl Default for Env {
    fn default() -> Self {
        Env { local_offset: 0, max_answer_bytes: json::MAX_ANSWER_BYTES, zones: None }
    }
}

/// The data between steps: a batch, and which of its columns are bins.
///
/// A field may have hidden companion columns ([`absent_name`],
/// [`json_name`]) in the same batch: they travel with the rows through
/// filters, sorts and folds like any column, are never shown, and change how
/// the field is written out.
#[derive(Clone, Debug)]
pub struct Frame {
    pub batch: RecordBatch,
    pub bins: HashMap<String, Bin>,
}

impl Frame {
    pub fn new(batch: RecordBatch) -> Self {
        Frame { batch, bins: HashMap::new() }
    }

    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column named `name` (a Graphic Walker `fid`).
    pub fn column(&self, name: &str) -> Result<&ArrayRef> {
        self.batch.column_by_name(name).ok_or_else(|| {
            let known: Vec<String> =
                self.batch.schema().fields().iter().map(|f| f.name().clone()).filter(|n| !is_hidden(n)).collect();
            QuiverError::InvalidQuery(format!(
                "there is no field \"{name}\" at this step (fields: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
        })
    }

    /// Sets column `name` (replacing one of that name in place, as Graphic
    /// Walker's `{...row, [as]: value}` does); `bin` marks it as bins.
    /// The field's companions go: the new values are on every row, as they are.
    pub fn set_column(&mut self, name: &str, values: ArrayRef, bin: Option<Bin>) -> Result<()> {
        let schema = self.batch.schema();
        let companions = [absent_name(name), json_name(name)];
        let (mut fields, mut columns): (Vec<Field>, Vec<ArrayRef>) = schema
            .fields()
            .iter()
            .zip(self.batch.columns())
            .filter(|(f, _)| !companions.contains(f.name()))
            .map(|(f, c)| (f.as_ref().clone(), c.clone()))
            .unzip();
        let field = Field::new(name, values.data_type().clone(), true);
        match fields.iter().position(|f| f.name() == name) {
            Some(i) => {
                fields[i] = field;
                columns[i] = values;
            }
            None => {
                fields.push(field);
                columns.push(values);
            }
        }
        self.batch = batch(fields, columns, self.batch.num_rows())?;
        match bin {
            Some(b) => self.bins.insert(name.to_string(), b),
            None => self.bins.remove(name),
        };
        Ok(())
    }

    /// Only the columns `names`, in that order (with their companions).
    pub fn select(&self, names: &[String]) -> Result<Frame> {
        let mut fields = Vec::with_capacity(names.len());
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let column = self.column(name)?;
            fields.push(Field::new(name, column.data_type().clone(), true));
            columns.push(column.clone());
            for companion in [absent_name(name), json_name(name)] {
                if let Some(column) = self.batch.column_by_name(&companion) {
                    fields.push(Field::new(&companion, column.data_type().clone(), true));
                    columns.push(column.clone());
                }
            }
        }
        let bins = self.bins.iter().filter(|(k, _)| names.contains(k)).map(|(k, v)| (k.clone(), *v)).collect();
        Ok(Frame { batch: batch(fields, columns, self.num_rows())?, bins })
    }
}

/// The hidden companion of `field` saying on which rows the field is absent
/// (Boolean, true = absent): Graphic Walker's `fold` deletes the folded
/// field from its own copies of a row, so the JSON leaves the key out there.
/// Later steps read an absent value as null.
pub fn absent_name(field: &str) -> String {
    format!("\u{1}absent\u{1}{field}")
}

/// The hidden companion of `field` holding each value as JSON text, written
/// instead of the column's own value: a fold of fields of differing types
/// keeps each value's own type in the answer (numbers stay numbers), while
/// the column itself holds their text for later steps.
pub fn json_name(field: &str) -> String {
    format!("\u{1}json\u{1}{field}")
}

/// Whether a column is a hidden companion (or working column), never shown.
pub fn is_hidden(name: &str) -> bool {
    name.starts_with('\u{1}')
}

/// A batch from fields and columns, with an explicit row count (so a batch
/// without columns keeps its rows).
pub(crate) fn batch(fields: Vec<Field>, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )?)
}

/// `batch` with one more column (a working column for a step).
pub(crate) fn with_column(batch: &RecordBatch, name: &str, values: ArrayRef) -> Result<RecordBatch> {
    let mut fields: Vec<Field> = batch.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns = batch.columns().to_vec();
    fields.push(Field::new(name, values.data_type().clone(), true));
    columns.push(values);
    self::batch(fields, columns, batch.num_rows())
}

/// A text column as plain (not dictionary-encoded) strings.
pub(crate) fn plain_text(array: &ArrayRef) -> Result<ArrayRef> {
    crate::kernels::kind::plain_text(array)
}

/// The instants of a column (see [`crate::kernels::time::instants`]), or an
/// error naming it when it holds no times.
pub(crate) fn instants(array: &ArrayRef, name: &str, reading: crate::kernels::time::Reading) -> Result<arrow_array::Int64Array> {
    crate::kernels::time::instants(array, reading)
        .ok_or_else(|| QuiverError::InvalidQuery(format!("\"{name}\" holds {} values, which are not times", array.data_type())))
}

/// Runs every step of `payload` on `table`; the frame before `offset` /
/// `limit` (see [`json::rows`] for those).
pub fn compute(table: &RecordBatch, payload: &Payload, env: &Env) -> Result<Frame> {
    let mut frame = Frame::new(prune(table, payload));
    // A final sort before a limit only needs the first rows in order.
    let (offset, limit) = window(payload, usize::MAX);
    let top = (limit != usize::MAX - offset).then(|| offset.saturating_add(limit));
    let last = payload.workflow.len().saturating_sub(1);
    let mut skip_until = 0;
    for (i, step) in payload.workflow.iter().enumerate() {
        if i < skip_until {
            continue;
        }
        if let Some(next) = payload.workflow.get(i + 1) {
            let fused = match view::distinct_meta(&frame, step, next)? {
                None if i + 1 == last => top.map(|k| view::top_values(&frame, step, next, k)).transpose()?.flatten(),
                other => other,
            };
            if let Some(fused) = fused {
                frame = fused;
                skip_until = i + 2;
                continue;
            }
        }
        if let Some(end) = fusable_filter(&payload.workflow, i) {
            // Filter, row-local transforms, aggregate: the transforms run on
            // every row and the aggregate reads only the rows that pass,
            // instead of copying them first (the copy was most of the time).
            let Step::Filter { filters } = step else { unreachable!("checked") };
            let selected = filter::mask(&frame, filters, env)?.map(|m| m.set_indices().map(|r| r as u32).collect::<Vec<u32>>());
            for transforming in &payload.workflow[i + 1..end] {
                if let Step::Transform { transform } = transforming {
                    for field in transform {
                        transform::apply(&mut frame, &field.expression, env)?;
                    }
                }
            }
            let Step::View { query } = &payload.workflow[end] else { unreachable!("checked") };
            let [payload::ViewQuery::Aggregate { group_by, measures }] = query.as_slice() else { unreachable!("checked") };
            frame = view::aggregate(frame, group_by, measures, env, selected)?;
            skip_until = end + 1;
            continue;
        }
        frame = match step {
            Step::Filter { filters } => filter::apply(frame, filters, env)?,
            Step::Transform { transform } => {
                for field in transform {
                    transform::apply(&mut frame, &field.expression, env)?;
                }
                frame
            }
            Step::View { query } => {
                for q in query {
                    frame = view::apply(frame, q, env)?;
                }
                frame
            }
            Step::Sort { sort, by } => order::sort(frame, by, *sort, if i == last { top } else { None })?,
        };
    }
    Ok(frame)
}

/// Only the columns of `table` the workflow can read (filters then copy
/// only those): all of them unless a view narrows the fields (an aggregate,
/// or a raw view with a field list).
fn prune(table: &RecordBatch, payload: &Payload) -> RecordBatch {
    let mut names: Vec<String> = Vec::new();
    let mut narrowed = false;
    fn expression(exp: &payload::Expression, names: &mut Vec<String>) {
        for param in &exp.params {
            match param {
                payload::Param::Field(f) => names.push(f.clone()),
                payload::Param::Expression(e) => expression(e, names),
                payload::Param::Sql(text) => {
                    // A parse error is reported when the step runs.
                    if let Ok(parsed) = sql::parse(text) {
                        sql::references(&parsed, names);
                    }
                }
                _ => {}
            }
        }
    }
    for step in &payload.workflow {
        match step {
            Step::Filter { filters } => names.extend(filters.iter().map(|f| f.fid.clone())),
            Step::Transform { transform } => transform.iter().for_each(|t| expression(&t.expression, &mut names)),
            Step::Sort { by, .. } => names.extend(by.iter().cloned()),
            Step::View { query } => {
                for q in query {
                    match q {
                        payload::ViewQuery::Aggregate { group_by, measures } => {
                            narrowed = true;
                            names.extend(group_by.iter().cloned());
                            for m in measures {
                                match sql::parse(&m.field) {
                                    Ok(parsed) if m.agg == payload::Aggregator::Expr => sql::references(&parsed, &mut names),
                                    _ => names.push(m.field.clone()),
                                }
                            }
                        }
                        payload::ViewQuery::Raw { fields } if !fields.is_empty() && !fields.iter().any(|f| f == "*") => {
                            narrowed = true;
                            names.extend(fields.iter().cloned());
                        }
                        payload::ViewQuery::Raw { .. } => {}
                        payload::ViewQuery::Fold { fold_by, .. } => names.extend(fold_by.iter().cloned()),
                        payload::ViewQuery::Bin { bin_by, .. } => names.push(bin_by.clone()),
                    }
                }
            }
        }
    }
    if !narrowed {
        return table.clone();
    }
    let wanted: std::collections::HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let keep: Vec<usize> = (0..table.num_columns())
        .filter(|&i| wanted.contains(&table.schema().field(i).name().to_lowercase()))
        .collect();
    let schema = table.schema();
    let fields: Vec<Field> = keep.iter().map(|&i| schema.field(i).clone()).collect();
    let columns: Vec<ArrayRef> = keep.iter().map(|&i| table.column(i).clone()).collect();
    batch(fields, columns, table.num_rows()).unwrap_or_else(|_| table.clone())
}

/// When step `i` is a filter followed by transforms that compute each row
/// from that row alone (date drills and features, logs, `one`) and then by
/// one aggregate view: the index of that view.
fn fusable_filter(workflow: &[Step], i: usize) -> Option<usize> {
    let Step::Filter { .. } = workflow.get(i)? else { return None };
    let mut j = i + 1;
    while let Some(Step::Transform { transform }) = workflow.get(j) {
        if !transform.iter().all(|t| transform::is_row_local(&t.expression)) {
            return None;
        }
        j += 1;
    }
    match workflow.get(j)? {
        Step::View { query } if matches!(query.as_slice(), [payload::ViewQuery::Aggregate { .. }]) => Some(j),
        _ => None,
    }
}

/// The rows `offset .. offset + limit` (no limit unless `limit > 0`), as
/// Graphic Walker slices its result.
pub fn window(payload: &Payload, rows: usize) -> (usize, usize) {
    let offset = payload.offset.filter(|o| o.is_finite() && *o > 0.0).map_or(0, |o| o as usize).min(rows);
    let limit = payload.limit.filter(|l| l.is_finite() && *l > 0.0).map_or(usize::MAX, |l| l as usize);
    (offset, limit.min(rows - offset))
}

/// `compute`, sliced, as JSON text (an array of row objects).
pub fn query_json(table: &RecordBatch, payload: &Payload, env: &Env) -> Result<String> {
    let frame = compute(table, payload, env)?;
    let (offset, len) = window(payload, frame.num_rows());
    json::rows_checked(&frame, offset, len, env.max_answer_bytes)
}

/// Parses a payload, with a message naming what is wrong.
pub fn parse_payload(text: &str) -> Result<Payload> {
    serde_json::from_str(text).map_err(|e| QuiverError::InvalidQuery(format!("not a Graphic Walker query: {e}")))
}
