//! Answering queries locally on the loaded Arrow table: filters, stable
//! multi-key sorts and cached views for pages, group-by aggregation with time
//! buckets and bins, column profiles, and chunked exports. Every query is a
//! JSON spec ([`spec`]).
//!
//! ```
//! use quiver::ingest::{Ingest, IngestOptions};
//! use quiver::query::{spec, QueryEngine};
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

pub mod aggregate;
pub mod bucket;
pub mod domain;
pub mod expr;
pub mod filter;
pub mod group;
pub mod profile;
pub mod sort;
pub mod spec;
pub mod view;

use std::sync::Arc;

use arrow_array::RecordBatch;

use crate::error::Result;
use crate::export::Export;
use crate::table::Table;
pub use group::Aggregated;
pub use profile::ColumnProfile;
use spec::{non_negative, AggregateSpec, ExportSpec, Filter, PageSpec, PipelineSpec, ProfileSpec, SortKey, Step};
use view::{View, ViewCache};

/// Row orders kept for paging, in bytes of row indices (4 per row), before
/// the least recently used view is dropped.
pub const DEFAULT_VIEW_CACHE_BYTES: usize = 256 << 20;

/// A page of rows and how many rows the view has in all.
pub struct Page {
    pub batch: RecordBatch,
    pub total: usize,
    pub offset: usize,
}

/// Queries over one table.
pub struct QueryEngine {
    batch: RecordBatch,
    views: ViewCache,
}

impl QueryEngine {
    pub fn new(table: &Table) -> Result<Self> {
        Ok(QueryEngine { batch: table.single_batch()?, views: ViewCache::new(DEFAULT_VIEW_CACHE_BYTES) })
    }

    /// Graphic Walker's `computation(payload)`: the rows as JSON text (see
    /// [`crate::walker`]).
    pub fn walker(&self, payload: &crate::walker::payload::Payload, env: &crate::walker::Env) -> Result<String> {
        crate::walker::query_json(&self.batch, payload, env)
    }

    /// Rows `offset .. offset + limit` of the view (filter, sort); the view's
    /// row order is cached, so the next page of it costs only its rows.
    pub fn page(&mut self, spec: &PageSpec) -> Result<Page> {
        let offset = non_negative("offset", spec.offset)?;
        let limit = non_negative("limit", spec.limit)?;
        let projected = project(&self.batch, spec.columns.as_deref())?;
        let view = self.view(spec.filter.as_ref(), &spec.sort, Some((offset, limit)))?;
        Ok(Page { batch: view.slice(offset, limit).take(&projected)?, total: view.total, offset })
    }

    pub fn aggregate(&self, spec: &AggregateSpec) -> Result<Aggregated> {
        group::aggregate_query(&self.batch, spec)
    }

    pub fn profile(&self, spec: &ProfileSpec) -> Result<Vec<ColumnProfile>> {
        profile::profile(&self.batch, spec)
    }

    /// Runs `spec`'s steps one after another; the last step's rows.
    pub fn run(&self, spec: &PipelineSpec) -> Result<RecordBatch> {
        let mut batch = self.batch.clone();
        for step in &spec.steps {
            batch = match step {
                Step::Filter(filter) => crate::arrays::filter_record_batch(&batch, &filter::matches(filter, &batch)?)?,
                Step::Aggregate(aggregate) => group::aggregate_query(&batch, aggregate)?.batch,
                Step::Select(columns) => project(&batch, Some(columns))?,
                Step::Derive(derive) => expr::derive(&batch, &derive.name, &derive.expr)?,
                Step::Sort(keys) => {
                    let order = arrow_array::UInt32Array::from(sort::sort(&batch, keys, None, None)?);
                    crate::arrays::take_record_batch(&batch, &order)?
                }
                Step::Slice(slice) => {
                    let offset = non_negative("offset", slice.offset)?.min(batch.num_rows());
                    let limit = slice.limit.map(|l| non_negative("limit", l)).transpose()?.unwrap_or(usize::MAX);
                    batch.slice(offset, limit.min(batch.num_rows() - offset))
                }
            };
        }
        Ok(batch)
    }

    /// A cursor over the view as CSV or Arrow IPC chunks.
    pub fn export(&mut self, spec: &ExportSpec) -> Result<Export> {
        let projected = project(&self.batch, spec.columns.as_deref())?;
        let view = self.view(spec.filter.as_ref(), &spec.sort, None)?;
        Export::new(projected, view, spec.format, spec.chunk_rows.unwrap_or(65_536).max(1))
    }

    /// The table queried.
    pub fn table(&self) -> Table {
        Table::new(self.batch.schema(), vec![self.batch.clone()])
    }

    /// Bytes held by cached row orders.
    pub fn cache_bytes(&self) -> usize {
        self.views.memory_bytes()
    }

    /// The view for (filter, sort), cached; `page` is the (offset, limit)
    /// about to be read, `None` for all of it. A cached view that orders only
    /// a prefix too short for the page is rebuilt in full.
    fn view(&mut self, filter: Option<&Filter>, sort: &[SortKey], page: Option<(usize, usize)>) -> Result<Arc<View>> {
        let key = serde_json::to_string(&(filter, sort)).expect("specs serialise");
        let batch = &self.batch;
        let needed = page.map(|(offset, limit)| offset.saturating_add(limit));
        let view = self.views.get_or_build(key.clone(), || View::build(batch, filter, sort, needed))?;
        let (offset, limit) = page.unwrap_or((0, usize::MAX));
        if view.covers(offset, limit) {
            return Ok(view);
        }
        Ok(self.views.insert(key, View::build(batch, filter, sort, None)?))
    }
}

/// `batch` with only `columns` (all when `None`), in that order.
fn project(batch: &RecordBatch, columns: Option<&[String]>) -> Result<RecordBatch> {
    let Some(names) = columns else { return Ok(batch.clone()) };
    let schema = batch.schema();
    let indices = names
        .iter()
        .map(|n| schema.index_of(n).map_err(|_| crate::QuiverError::UnknownColumn(n.clone())))
        .collect::<Result<Vec<_>>>()?;
    Ok(batch.project(&indices)?)
}
