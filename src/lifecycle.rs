//! A dataset's lifecycle: one file's load (empty → loading → ready, or
//! cancelled / failed), the table readable at every moment of it, and the
//! query engine over that table. Pure Rust and tested natively; the browser
//! binding (`crate::wasm`) only feeds it chunks from JS streams and converts
//! what it answers.
//!
//! What must change together: the states here are the `DatasetState` strings
//! of the JS API (`wasm/mod.rs`'s TypeScript section) and the client's
//! `DatasetInfo.state`; [`Dataset::table`] rebuilds the snapshot only when
//! the ingest built a new batch, and every change of the table drops the
//! query engine (and with it the cached views, which index the old table).

use serde::Serialize;

use crate::error::{QuiverError, Result};
use crate::ingest::range::{self, ColumnSummary, Layout, RangeReport};
use crate::ingest::{Ingest, IngestOptions, Warning, WarningLog};
use crate::QueryEngine;
use crate::table::{ColumnInfo, Table};

/// Where a dataset is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Created; no byte read yet.
    Empty,
    /// Reading: the rows of complete batches are readable.
    Loading,
    /// The whole file was read.
    Ready,
    /// Stopped by the user: every complete row read so far stays readable.
    Cancelled,
    /// Stopped by an error: the rows read before it stay readable.
    Failed,
}

impl Status {
    /// The JS API's name for it (`DatasetState`).
    pub fn name(self) -> &'static str {
        match self {
            Status::Empty => "empty",
            Status::Loading => "loading",
            Status::Ready => "ready",
            Status::Cancelled => "cancelled",
            Status::Failed => "failed",
        }
    }
}

/// How far a load is (`LoadProgress` in JS).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub bytes_read: u64,
    /// The file's size or `Content-Length`, when known.
    pub total_bytes: Option<u64>,
    /// Rows parsed so far (readable ones and those of the batch being built).
    pub rows: usize,
}

/// One file: its load and the table it gave.
pub struct Dataset {
    ingest: Ingest,
    /// The table as last read: the final one, or a snapshot while loading.
    table: Table,
    /// Batches the snapshot holds, to know when it is stale.
    snapshot_batches: usize,
    status: Status,
    total_bytes: Option<u64>,
    /// Queries over `table`; dropped whenever `table` changes.
    engine: Option<QueryEngine>,
}

impl Dataset {
    /// Validates `options`.
    pub fn new(options: IngestOptions) -> Result<Dataset> {
        Ok(Dataset {
            ingest: Ingest::new(options)?,
            table: Table::empty(),
            snapshot_batches: 0,
            status: Status::Empty,
            total_bytes: None,
            engine: None,
        })
    }

    /// A dataset of the byte range `[start, end)` of a file laid out as
    /// `layout`: one shard of a sharded load (see [`crate::ingest::range`]).
    /// Push the range's bytes (from `start - 1` unless it is the first
    /// range or `exact`) while [`Dataset::wants_more`], then
    /// [`Dataset::end_range`] (or [`Dataset::finish`] at the file's end).
    pub fn for_range(options: IngestOptions, layout: &Layout, start: u64, end: u64, exact: bool) -> Result<Dataset> {
        let mut dataset = Dataset::new(IngestOptions { memory_limit_bytes: None, ..options.clone() })?;
        dataset.ingest = Ingest::for_range(options, layout, start, end, exact)?;
        Ok(dataset)
    }

    /// A range still needs bytes: the record in progress at its end is
    /// not complete.
    pub fn wants_more(&self) -> bool {
        matches!(self.status, Status::Empty | Status::Loading) && self.ingest.wants_more()
    }

    /// The range's records are all read (it needs no more bytes): its
    /// whole table becomes readable.
    pub fn end_range(&mut self) -> Result<()> {
        self.loading()?;
        self.set_table(Table::empty());
        self.snapshot_batches = 0;
        match self.ingest.stop().and_then(Table::compacted) {
            Ok(table) => {
                self.set_table(table);
                self.status = Status::Ready;
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// The range starts at a known record start (no line-start guess).
    pub fn range_starts_exactly(&self) -> bool {
        self.ingest.range_starts_exactly()
    }

    /// Where the range's records started and stopped.
    pub fn range_report(&self) -> RangeReport {
        self.ingest.range_report()
    }

    /// A range that holds no record after all (see `Resolution::Empty`):
    /// its rows go, its columns stay.
    pub fn clear_rows(&mut self) {
        let schema = self.table.schema().clone();
        self.set_table(Table::new(schema, Vec::new()));
    }

    /// What the table says about each column's type (see
    /// [`crate::ingest::range::unified_types`]).
    pub fn column_summary(&mut self) -> Result<Vec<ColumnSummary>> {
        range::summarize(self.table())
    }

    /// Brings the table to the types all ranges of the file take, given
    /// every range's [`Dataset::column_summary`].
    pub fn unify_columns(&mut self, summaries: &[Vec<ColumnSummary>]) -> Result<()> {
        let targets = range::unified_types(summaries);
        let dialects = range::unified_dialects(summaries);
        let table = range::convert_table(&self.table, &targets, &dialects)?;
        self.set_table(table);
        Ok(())
    }

    /// What was noted while loading, for merging with the other ranges'.
    pub fn warning_log(&self) -> &WarningLog {
        self.ingest.warning_log()
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// Starts the load; `total_bytes` (when known) drives progress and the
    /// early memory estimate. A dataset loads one file, once.
    pub fn begin(&mut self, total_bytes: Option<u64>) -> Result<()> {
        if self.status != Status::Empty {
            return Err(QuiverError::AlreadyLoaded);
        }
        self.status = Status::Loading;
        self.set_total_bytes(total_bytes);
        Ok(())
    }

    /// The size became known after the load began (a response's headers).
    pub fn set_total_bytes(&mut self, total_bytes: Option<u64>) {
        self.total_bytes = total_bytes;
        if let Some(total) = total_bytes {
            self.ingest.set_expected_bytes(total);
        }
    }

    /// The next bytes of the file. Begins the load if it has not begun; an
    /// error ends it ([`Status::Failed`]), keeping the rows read before it.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.loading()?;
        match self.ingest.push(chunk) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// The end of the file: the whole table becomes readable.
    pub fn finish(&mut self) -> Result<()> {
        self.loading()?;
        // The snapshot (and the engine's copy of it) go before the final
        // table is built: both at once would double the load's peak memory.
        self.set_table(Table::empty());
        self.snapshot_batches = 0;
        match self.ingest.finish() {
            Ok(table) => {
                self.set_table(table);
                self.status = Status::Ready;
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Stops the load at the user's request; the error to report
    /// ([`QuiverError::Cancelled`] with the rows kept).
    pub fn cancel(&mut self) -> QuiverError {
        self.stop(Status::Cancelled);
        QuiverError::Cancelled { rows: self.table.num_rows() }
    }

    /// Ends the load because of `error` (the reader's, or one from outside
    /// the core such as a network failure); returns it for reporting.
    pub fn fail(&mut self, error: QuiverError) -> QuiverError {
        self.stop(Status::Failed);
        error
    }

    /// The table as readable now: while loading, the rows of complete batches
    /// (rebuilt only when a batch was added since the last call).
    pub fn table(&mut self) -> &Table {
        if self.status == Status::Loading && self.ingest.batches_built() != self.snapshot_batches {
            // A snapshot that cannot be built leaves the previous one.
            if let Ok(table) = self.ingest.snapshot() {
                self.set_table(table);
                self.snapshot_batches = self.ingest.batches_built();
            }
        }
        &self.table
    }

    /// The query engine over [`Dataset::table`].
    pub fn engine(&mut self) -> Result<&mut QueryEngine> {
        self.table();
        if self.engine.is_none() {
            self.engine = Some(QueryEngine::new(&self.table)?);
        }
        Ok(self.engine.as_mut().expect("just built"))
    }

    /// The columns (while loading: as inferred so far, without building a
    /// snapshot; after a load that failed with no rows kept, such as a file
    /// too large for memory: the file's columns as read, so that a smaller
    /// load of some of them can be offered).
    pub fn schema(&mut self) -> Vec<ColumnInfo> {
        if self.status == Status::Loading {
            return self.ingest.column_infos();
        }
        let columns = self.table().column_infos();
        if columns.is_empty() && self.status == Status::Failed {
            return self.ingest.column_infos();
        }
        columns
    }

    /// Rows readable now (cheap while loading: no snapshot is built).
    pub fn num_rows(&self) -> usize {
        if self.status == Status::Loading {
            return self.ingest.rows_readable();
        }
        self.table.num_rows()
    }

    /// Bytes of Arrow memory the table holds (built so far, while loading).
    pub fn memory_bytes(&self) -> u64 {
        if self.status == Status::Loading {
            return self.ingest.memory_bytes();
        }
        self.table.memory_bytes() as u64
    }

    /// Bytes held by the query engine's cached row orders.
    pub fn cache_bytes(&self) -> usize {
        self.engine.as_ref().map_or(0, QueryEngine::cache_bytes)
    }

    pub fn bytes_read(&self) -> u64 {
        self.ingest.bytes_read()
    }

    pub fn delimiter(&self) -> Option<char> {
        self.ingest.delimiter()
    }

    /// The file's encoding, as the app names it (`EUC-KR (CP949, Korean)`),
    /// once known, and whether it was guessed.
    pub fn encoding(&self) -> Option<(String, bool)> {
        self.ingest.delimiter()?;
        let (encoding, guessed) = self.ingest.encoding();
        Some((crate::ingest::encoding::describe(encoding), guessed))
    }

    pub fn warnings(&self) -> Vec<Warning> {
        self.ingest.warnings()
    }

    pub fn progress(&self) -> Progress {
        Progress { bytes_read: self.ingest.bytes_read(), total_bytes: self.total_bytes, rows: self.ingest.rows_parsed() }
    }

    /// Begins the load when it has not begun (chunks pushed by hand); refuses
    /// input once it has ended.
    fn loading(&mut self) -> Result<()> {
        match self.status {
            Status::Empty => self.begin(None),
            Status::Loading => Ok(()),
            _ => Err(QuiverError::AlreadyLoaded),
        }
    }

    /// Ends a load early: every complete row read so far stays readable.
    fn stop(&mut self, status: Status) {
        if self.status == Status::Loading {
            self.set_table(Table::empty());
            let table = self.ingest.stop().or_else(|_| self.ingest.snapshot()).unwrap_or_else(|_| Table::empty());
            self.set_table(table);
        }
        self.status = status;
    }

    fn set_table(&mut self, table: Table) {
        self.table = table;
        self.engine = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rows` rows `i,i*2` under a header `a,b`.
    fn csv(rows: usize) -> Vec<u8> {
        let mut text = String::from("a,b\n");
        for i in 0..rows {
            text.push_str(&format!("{i},{}\n", i * 2));
        }
        text.into_bytes()
    }

    fn options(json: &str) -> IngestOptions {
        IngestOptions::from_json(json).unwrap()
    }

    #[test]
    fn a_load_goes_from_empty_to_ready() {
        let mut ds = Dataset::new(IngestOptions::default()).unwrap();
        assert_eq!(ds.status(), Status::Empty);
        ds.begin(Some(100)).unwrap();
        assert_eq!(ds.status(), Status::Loading);
        ds.push(&csv(10)).unwrap();
        ds.finish().unwrap();
        assert_eq!(ds.status(), Status::Ready);
        assert_eq!(ds.num_rows(), 10);
        assert_eq!(ds.progress(), Progress { bytes_read: csv(10).len() as u64, total_bytes: Some(100), rows: 10 });
        // One file per dataset.
        assert!(matches!(ds.begin(None), Err(QuiverError::AlreadyLoaded)));
        assert!(matches!(ds.push(b"1,2\n"), Err(QuiverError::AlreadyLoaded)));
        assert_eq!(ds.status(), Status::Ready, "a refused push does not fail a finished load");
    }

    #[test]
    fn cancelling_keeps_every_complete_row_read_so_far() {
        // 10,500 rows (past the 64 KB the sniffer holds back) in batches of
        // 1,024 (the first) and 4,000, then half a record: a cancel keeps all
        // 10,500 rows — including the 1,476 of the batch still being filled
        // — and drops only the cut record.
        let mut ds = Dataset::new(options(r#"{"batchRows": 4000}"#)).unwrap();
        let mut bytes = csv(10_500);
        bytes.extend_from_slice(b"10500,2");
        ds.push(&bytes).unwrap();
        assert_eq!(ds.num_rows(), 9_024, "while loading, whole batches are readable");
        let error = ds.cancel();
        assert!(matches!(error, QuiverError::Cancelled { rows: 10_500 }), "{error:?}");
        assert_eq!(ds.status(), Status::Cancelled);
        assert_eq!(ds.num_rows(), 10_500);
        let table = ds.table().single_batch().unwrap();
        let last_b = serde_json::to_string(&crate::rows::cell(table.column(1).as_ref(), 10_499)).unwrap();
        assert_eq!((table.num_rows(), last_b.as_str()), (10_500, "20998"));
        // The engine answers over the kept rows.
        let spec = crate::api::spec::from_json("aggregate", r#"{"aggregates": [{"op": "count"}]}"#).unwrap();
        let count = ds.engine().unwrap().aggregate(&spec).unwrap();
        assert_eq!(count.batch.num_rows(), 1);
        assert!(matches!(ds.push(b"1,2\n"), Err(QuiverError::AlreadyLoaded)));
    }

    #[test]
    fn cancelling_before_the_first_block_was_examined_keeps_its_rows() {
        // Under 64 KB: the ingest was still holding the bytes back to sniff them.
        let mut ds = Dataset::new(IngestOptions::default()).unwrap();
        ds.push(&csv(100)).unwrap();
        assert_eq!(ds.num_rows(), 0);
        ds.cancel();
        assert_eq!(ds.num_rows(), 100);
        let mut empty = Dataset::new(IngestOptions::default()).unwrap();
        empty.begin(None).unwrap();
        assert!(matches!(empty.cancel(), QuiverError::Cancelled { rows: 0 }));
    }

    #[test]
    fn an_error_keeps_the_rows_read_before_it() {
        // Strict mode: line 1,503 is ragged. The 1,500 rows before it stay.
        let mut ds = Dataset::new(options(r#"{"strict": true, "batchRows": 1000}"#)).unwrap();
        let mut bytes = csv(1_500);
        bytes.extend_from_slice(b"1,2,3\n4,5\n");
        let error = ds.push(&bytes).and_then(|_| ds.push(&csv(20_000)[4..])).and_then(|_| ds.finish());
        assert!(matches!(error, Err(QuiverError::RaggedRow { line: 1_502, .. })), "{error:?}");
        assert_eq!(ds.status(), Status::Failed);
        assert_eq!(ds.num_rows(), 1_500);
    }

    /// A file too large for memory fails at its end with no rows kept; its
    /// columns are still there, so that the app can offer to load some.
    #[test]
    fn a_load_over_the_memory_limit_keeps_the_files_columns() {
        let mut ds = Dataset::new(options(r#"{"memoryLimitBytes": 20000}"#)).unwrap();
        let error = ds.push(&csv(20_000)).and_then(|_| ds.finish());
        assert!(matches!(error, Err(QuiverError::MemoryLimit { .. })), "{error:?}");
        assert_eq!(ds.status(), Status::Failed);
        assert_eq!(ds.num_rows(), 0);
        let names: Vec<String> = ds.schema().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn the_table_follows_the_load_and_the_engine_follows_the_table() {
        let mut ds = Dataset::new(options(r#"{"batchRows": 100}"#)).unwrap();
        let count = crate::api::spec::from_json("aggregate", r#"{"aggregates": [{"op": "count"}]}"#).unwrap();
        let counted = |ds: &mut Dataset| {
            let result = ds.engine().unwrap().aggregate(&count).unwrap();
            serde_json::to_string(&crate::rows::cell(result.batch.column(0).as_ref(), 0)).unwrap()
        };
        // Past the 64 KB the sniffer holds back, batches become readable.
        let bytes = csv(12_000);
        ds.push(&bytes[..70_000]).unwrap();
        let readable = ds.num_rows();
        assert!(readable > 0 && readable % 100 == 0, "{readable}");
        assert_eq!(ds.table().num_rows(), readable);
        assert_eq!(counted(&mut ds), readable.to_string());
        ds.push(&bytes[70_000..]).unwrap();
        assert!(ds.num_rows() > readable);
        assert_eq!(counted(&mut ds), ds.num_rows().to_string(), "a new batch gives a new engine");
        ds.finish().unwrap();
        assert_eq!(counted(&mut ds), "12000");
    }

    #[test]
    fn status_names_are_the_js_api_states() {
        let names: Vec<_> =
            [Status::Empty, Status::Loading, Status::Ready, Status::Cancelled, Status::Failed].map(Status::name).into();
        assert_eq!(names, ["empty", "loading", "ready", "cancelled", "failed"]);
    }
}
