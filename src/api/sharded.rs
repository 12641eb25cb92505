//! Quiver's specs over a table loaded in shards (issue 13; `js/shards.ts`
//! loads a file as byte ranges, one wasm instance each): what one shard
//! answers for a query — its partial result, as bytes ([`wire`]), the
//! form that crosses between wasm instances — and how the coordinator merges
//! the shards' partial results into the answer the whole table gives.
//!
//! The cut itself is the plan's ([`crate::plan::partition`]: row-local
//! operators per shard, the first breaker's partial form, the merge); this
//! module lowers a spec, runs a shard's part, and moves bytes
//! ([`crate::kernels::wire`]: Arrow arrays' own buffers, not Arrow IPC, whose
//! reader would cost a fifth of the wasm size budget). An operator
//! without a partial form (a sort without a limit, a fold …) needs every
//! matching row in one place, and a profile or group-by over millions of
//! distinct values has partials as large as those values: the merge refuses
//! more than `gather_limit` bytes of partial results, with an error that says
//! what to do, rather than exhaust the coordinating instance (the client
//! checks the same limit before it copies them there).
//!
//! Sorted pages go by windows of each shard's sorted view and merge cursors
//! instead ([`super::sharded_pages`]): the next page costs each shard its
//! page's rows, not `offset + limit` of them.
//!
//! What must change together: a query kind gets a case here, in the binding
//! (`Dataset.partial`, `mergePartials` in `src/wasm/dataset.rs`), in the
//! client (`js/shards.ts`) and in `tests/sharded.rs`.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::Schema;

use super::spec::{self, AggregateSpec, PageSpec, PipelineSpec, ProfileSpec};
use super::{aggregate_ops, page_plan, pipeline_plan, profile_columns, profile_merge, profile_partial, ColumnProfile};
use crate::error::{QuiverError, Result};
use crate::kernels::wire;
use crate::plan::partition;
use crate::plan::{Executor, Plan, Rewrites};
use super::sharded_pages::{self, MergedWindow, WindowSpec};
use crate::walker::shards as walker_shards;

/// The query kinds a sharded table answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Page,
    Aggregate,
    Pipeline,
    Profile,
    /// Graphic Walker's computation (the text is a [`crate::walker::shards::Query`]).
    Walker,
    /// A window of a shard's sorted view, for sorted pages by merge cursors
    /// (the text is a [`super::sharded_pages::WindowSpec`]).
    Window,
}

impl Kind {
    pub fn parse(name: &str) -> Result<Kind> {
        match name {
            "page" => Ok(Kind::Page),
            "aggregate" => Ok(Kind::Aggregate),
            "pipeline" => Ok(Kind::Pipeline),
            "profile" => Ok(Kind::Profile),
            "walker" => Ok(Kind::Walker),
            "window" => Ok(Kind::Window),
            other => Err(QuiverError::InvalidQuery(format!(
                "\"{other}\" is not a query a sharded dataset answers (page, aggregate, pipeline, profile, walker or window)"
            ))),
        }
    }
}

/// The answer merged from every shard's partial result, shaped as the
/// unsharded engine's.
pub enum Merged {
    Page { batch: RecordBatch, total: usize, offset: usize },
    Aggregate { batch: RecordBatch, total_groups: usize },
    Pipeline(RecordBatch),
    Profile(Vec<ColumnProfile>),
    /// Graphic Walker's rows, as JSON text.
    Walker(String),
    /// Merged windows of a sorted page.
    Window(MergedWindow),
}

/// Partial results past this many bytes in all are refused before they are
/// read (the coordinating instance holds a shard of its own): an operator
/// without a partial form (every matching row in one place), or a group-by
/// or profile over millions of distinct values, whose partials are as large
/// as their distinct values.
pub const GATHER_LIMIT_BYTES: usize = 256 << 20;

/// Field metadata naming the column a profile's tally describes.
const COLUMN: &str = "quiver.column";

fn plan_of(kind: Kind, text: &str) -> Result<Plan> {
    Ok(match kind {
        Kind::Page => page_plan(&spec::from_json::<PageSpec>("page", text)?)?,
        Kind::Aggregate => Plan::new(aggregate_ops(&spec::from_json::<AggregateSpec>("aggregate", text)?)?),
        Kind::Pipeline => pipeline_plan(&spec::from_json::<PipelineSpec>("pipeline", text)?)?,
        Kind::Profile | Kind::Walker | Kind::Window => unreachable!("profiles, Graphic Walker queries and windows split on their own"),
    })
}

/// One shard's partial result for the query `text` (a spec of `kind`) over
/// its rows, as bytes ([`wire`]; one batch, for a profile one per column).
pub fn partial(shard: &RecordBatch, kind: Kind, text: &str) -> Result<Vec<Vec<u8>>> {
    partial_of(&mut Executor::new(shard.clone()), kind, text)
}

/// [`partial`] through the shard's engine (whose view cache windows use).
pub fn partial_of(executor: &mut Executor, kind: Kind, text: &str) -> Result<Vec<Vec<u8>>> {
    let shard = &executor.batch().clone();
    let batches = if kind == Kind::Window {
        vec![sharded_pages::window(executor, &spec::from_json::<WindowSpec>("window", text)?)?]
    } else if kind == Kind::Walker {
        let query = walker_shards::Query::parse(text)?;
        walker_shards::partial(shard, &query.payload, &query.env())?
    } else if kind == Kind::Profile {
        let spec: ProfileSpec = spec::from_json("profile", text)?;
        let columns = profile_columns(&shard.schema(), &spec);
        let tallies = profile_partial(shard, &spec, &columns, Rewrites::ALL)?;
        tallies.into_iter().zip(&columns).map(|(tally, name)| named(tally, name)).collect::<Result<Vec<_>>>()?
    } else {
        let split = partition::split(&plan_of(kind, text)?, Rewrites::ALL);
        vec![split.partial(shard)?]
    };
    batches.iter().map(wire::encode).collect()
}

/// The answer to the query `text` from every shard's partial result, in
/// the shards' file order.
pub fn merge(kind: Kind, text: &str, partials: &[Vec<Vec<u8>>], gather_limit: usize) -> Result<Merged> {
    if partials.is_empty() {
        return Err(QuiverError::InvalidQuery("a merge needs the partial result of at least one shard".into()));
    }
    let bytes: usize = partials.iter().flatten().map(Vec::len).sum();
    if bytes > gather_limit {
        return Err(too_large_to_merge(bytes, partials.len(), gather_limit));
    }
    let decoded = partials.iter().map(|p| p.iter().map(|bytes| wire::decode(bytes)).collect::<Result<Vec<_>>>()).collect::<Result<Vec<_>>>()?;
    if kind == Kind::Walker {
        let query = walker_shards::Query::parse(text)?;
        return Ok(Merged::Walker(walker_shards::merge(&query.payload, &query.env(), &decoded)?));
    }
    if kind == Kind::Window {
        let spec: WindowSpec = spec::from_json("window", text)?;
        let windows = decoded.into_iter().map(|p| p.into_iter().next()).collect::<Option<Vec<_>>>();
        let windows = windows.ok_or_else(|| QuiverError::InvalidQuery("a shard's window is empty".into()))?;
        return Ok(Merged::Window(sharded_pages::merge_windows(&spec, &windows)?));
    }
    if kind == Kind::Profile {
        let spec: ProfileSpec = spec::from_json("profile", text)?;
        let columns: Vec<String> = decoded[0]
            .iter()
            .map(|b| b.schema().metadata().get(COLUMN).cloned().unwrap_or_default())
            .collect();
        if decoded.iter().any(|p| p.len() != columns.len()) {
            return Err(QuiverError::InvalidQuery("the shards profiled different columns".into()));
        }
        return Ok(Merged::Profile(profile_merge(&decoded, &spec, &columns)?));
    }
    let split = partition::split(&plan_of(kind, text)?, Rewrites::ALL);
    let one = |p: &Vec<RecordBatch>| -> Result<RecordBatch> {
        p.first().cloned().ok_or_else(|| QuiverError::InvalidQuery("a shard's partial result is empty".into()))
    };
    let batches = decoded.iter().map(one).collect::<Result<Vec<_>>>()?;
    let output = split.merge(&batches)?;
    Ok(match kind {
        Kind::Page => {
            let spec: PageSpec = spec::from_json("page", text)?;
            Merged::Page { batch: output.batch, total: output.total, offset: spec::non_negative("offset", spec.offset)? }
        }
        Kind::Aggregate => Merged::Aggregate { batch: output.batch, total_groups: output.total },
        Kind::Pipeline => Merged::Pipeline(output.batch),
        Kind::Profile | Kind::Walker | Kind::Window => unreachable!(),
    })
}

/// The error for partial results too large to merge in one instance.
pub fn too_large_to_merge(bytes: usize, shards: usize, limit: usize) -> QuiverError {
    QuiverError::InvalidQuery(format!(
        "this query's partial results from the {shards} shards are {} MB, more than the {} MB that can be combined in one place \
         (a sort without a limit, a group-by or profile over a column with millions of distinct values); \
         filter, aggregate or limit it first, or profile fewer columns",
        bytes >> 20,
        limit >> 20
    ))
}

fn named(batch: RecordBatch, column: &str) -> Result<RecordBatch> {
    let schema = batch.schema();
    let mut metadata = schema.metadata().clone();
    metadata.insert(COLUMN.to_string(), column.to_string());
    let schema = Arc::new(Schema::new_with_metadata(schema.fields().clone(), metadata));
    batch.with_schema(schema).map_err(QuiverError::from)
}
