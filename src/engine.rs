//! `QueryEngine`: one table's queries in both languages — Quiver's specs
//! ([`crate::api`]) and Graphic Walker's payloads — over one plan executor
//! ([`crate::plan::Executor`]), which keeps the view cache. What the
//! dataset lifecycle ([`crate::lifecycle`]) and the wasm binding hold.
//!
//! What must change together: a new kind of query needs its front-end
//! function, a method here, and its binding in `wasm/dataset.rs`.

use arrow_array::RecordBatch;

use crate::api::spec::{AggregateSpec, ExportSpec, PageSpec, PipelineSpec, ProfileSpec};
use crate::api::{self, Aggregated, ColumnProfile, Page};
use crate::error::Result;
use crate::export::Export;
use crate::plan::{Executor, Rewrites};
use crate::table::Table;

/// Queries over one table.
pub struct QueryEngine {
    executor: Executor,
}

impl QueryEngine {
    pub fn new(table: &Table) -> Result<Self> {
        Ok(QueryEngine { executor: Executor::new(table.single_batch()?).with_zone_maps(table.zone_maps()) })
    }

    /// An engine whose plans run with only `rewrites` (the cross-check tests
    /// compare answers with all rewrites and with none).
    pub fn with_rewrites(table: &Table, rewrites: Rewrites) -> Result<Self> {
        Ok(QueryEngine { executor: Executor::new(table.single_batch()?).with_zone_maps(table.zone_maps()).with_rewrites(rewrites) })
    }

    /// Graphic Walker's `computation(payload)`: the rows as JSON text (see
    /// [`crate::walker`]).
    pub fn walker(&self, payload: &crate::walker::payload::Payload, env: &crate::walker::Env) -> Result<String> {
        let env = crate::walker::Env { zones: Some(self.executor.zones()), ..env.clone() };
        crate::walker::query_json(self.executor.batch(), payload, &env)
    }

    /// Rows `offset .. offset + limit` of the view (filter, sort); the view's
    /// row order is cached, so the next page of it costs only its rows.
    pub fn page(&mut self, spec: &PageSpec) -> Result<Page> {
        api::page(&mut self.executor, spec)
    }

    pub fn aggregate(&self, spec: &AggregateSpec) -> Result<Aggregated> {
        api::aggregate(&self.executor, spec)
    }

    pub fn profile(&self, spec: &ProfileSpec) -> Result<Vec<ColumnProfile>> {
        api::profile(&self.executor, spec)
    }

    /// Runs `spec`'s steps one after another; the last step's rows.
    pub fn run(&self, spec: &PipelineSpec) -> Result<RecordBatch> {
        api::pipeline(&self.executor, spec)
    }

    /// A cursor over the view as CSV or Arrow IPC chunks.
    pub fn export(&mut self, spec: &ExportSpec) -> Result<Export> {
        api::export(&mut self.executor, spec)
    }

    /// The table queried.
    pub fn table(&self) -> Table {
        let batch = self.executor.batch().clone();
        Table::new(batch.schema(), vec![batch])
    }

    /// Bytes held by cached row orders.
    pub fn cache_bytes(&self) -> usize {
        self.executor.cache_bytes()
    }

    /// The executor (for front-ends beyond these methods).
    pub fn executor(&mut self) -> &mut Executor {
        &mut self.executor
    }
}
