//! `Dataset`: the JS handle on one table, loaded from a `File`, a URL, a
//! stream or pushed chunks, and readable while it loads.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Blob, ReadableStream};

use super::source::{self, Stop};
use crate::error::QuiverError;
use arrow_array::RecordBatch;

use crate::export;
use crate::ingest::range::{self, ColumnSummary, Layout, RangeReport};
use crate::ingest::{IngestOptions, WarningLog};
use crate::lifecycle;
use crate::api::sharded;
use crate::api::spec::{AggregateSpec, ExportSpec, PageSpec, PipelineSpec, ProfileSpec};
use crate::rows::Rows;
use crate::table::Table;

/// Without a limit from the caller, stop before the 4 GB a wasm instance can
/// address: the table plus the batch being parsed and the copies a query makes.
const DEFAULT_MEMORY_LIMIT_BYTES: u64 = 3_000_000_000;
/// Progress is reported at most this often.
const PROGRESS_INTERVAL_MS: f64 = 50.0;

/// `onProgress` and `signal` from a `LoadControl` object.
struct Control {
    on_progress: Option<Function>,
    signal: Option<AbortSignal>,
}

impl Control {
    fn from_js(control: &JsValue) -> Control {
        let field = |name: &str| Reflect::get(control, &name.into()).ok().filter(|v| !v.is_undefined() && !v.is_null());
        Control {
            on_progress: field("onProgress").and_then(|f| f.dyn_into().ok()),
            signal: field("signal").and_then(|s| s.dyn_into().ok()),
        }
    }
}

/// A table loaded from CSV into Arrow memory. Create one per file; it can be
/// read (schema, rows, Arrow IPC) while it is still loading.
///
/// ```js
/// const ds = new Dataset({ delimiter: ";" });
/// await ds.loadFile(file, { onProgress: (p) => console.log(p.rows), signal });
/// ds.rows(0, 50);
/// ```
#[wasm_bindgen]
pub struct Dataset {
    /// Shared with the load in progress, which never holds a borrow across
    /// an `await`: the dataset stays readable while it loads.
    state: Rc<RefCell<lifecycle::Dataset>>,
    /// Fault injection for tests: trap once this many bytes were read.
    crash_after_bytes: Rc<Cell<Option<u64>>>,
}

#[wasm_bindgen]
impl Dataset {
    /// Validates `options` (see `IngestOptions`); throws on a mistake.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_optional_param_type = "IngestOptions")] options: JsValue) -> Result<Dataset, JsValue> {
        let options = ingest_options(&options)?;
        Ok(Dataset {
            state: Rc::new(RefCell::new(lifecycle::Dataset::new(options)?)),
            crash_after_bytes: Rc::new(Cell::new(None)),
        })
    }

    /// A dataset of the byte range `[start, end)` of a file laid out as
    /// `layout` (from `layoutOf`): one shard of a sharded load. Load it with
    /// `loadRange`. `exact`: `start` is a known record start (a range read
    /// again after `resolveRanges`).
    #[wasm_bindgen(js_name = forRange)]
    pub fn for_range(
        #[wasm_bindgen(unchecked_param_type = "IngestOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Layout")] layout: JsValue,
        start: f64,
        end: f64,
        exact: bool,
    ) -> Result<Dataset, JsValue> {
        let options = ingest_options(&options)?;
        let layout: Layout = serde_wasm_bindgen::from_value(layout)
            .map_err(|e| JsValue::from(QuiverError::InvalidOption { option: "layout".into(), reason: e.to_string() }))?;
        Ok(Dataset {
            state: Rc::new(RefCell::new(lifecycle::Dataset::for_range(options, &layout, start as u64, end as u64, exact)?)),
            crash_after_bytes: Rc::new(Cell::new(None)),
        })
    }

    /// Loads this range from the whole file `file`: its bytes from `start`
    /// (less one byte of look-behind) until the range's last record is
    /// complete. Resolves with the range's report (`RangeReport`).
    #[wasm_bindgen(js_name = loadRange, unchecked_return_type = "Promise<RangeReport>")]
    pub fn load_range(
        &self,
        file: &Blob,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadControl")] control: JsValue,
    ) -> Result<js_sys::Promise, JsValue> {
        let report = self.state.borrow().range_report();
        let exact_or_first = report.start == 0 || self.state.borrow().range_starts_exactly();
        let from = if exact_or_first { report.start } else { report.start - 1 };
        let piece = file.slice_with_f64(from as f64)?;
        let total = (file.size() - from as f64).min((report.end - from) as f64);
        let state = self.state.clone();
        let control = Control::from_js(&control);
        let crash_after_bytes = self.crash_after_bytes.get();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            state.borrow_mut().begin(Some(total as u64))?;
            run_load(state.clone(), piece.stream(), control, crash_after_bytes).await?;
            let report = state.borrow().range_report();
            Ok(to_js(&report))
        }))
    }

    /// Where this range's records started and stopped (`RangeReport`).
    #[wasm_bindgen(getter, js_name = rangeReport, unchecked_return_type = "RangeReport")]
    pub fn range_report(&self) -> JsValue {
        to_js(&self.state.borrow().range_report())
    }

    /// The range holds no record after all: its rows go, its columns stay.
    #[wasm_bindgen(js_name = clearRows)]
    pub fn clear_rows(&self) {
        self.state.borrow_mut().clear_rows();
    }

    /// What this range's table says about each column's type.
    #[wasm_bindgen(js_name = columnSummary, unchecked_return_type = "ColumnSummary[]")]
    pub fn column_summary(&self) -> Result<JsValue, JsValue> {
        Ok(to_js(&self.state.borrow_mut().column_summary()?))
    }

    /// Brings the table to the column types every range of the file takes,
    /// given every range's `columnSummary()` in file order.
    #[wasm_bindgen(js_name = unifyColumns)]
    pub fn unify_columns(&self, #[wasm_bindgen(unchecked_param_type = "ColumnSummary[][]")] summaries: JsValue) -> Result<(), JsValue> {
        let summaries: Vec<Vec<ColumnSummary>> = serde_wasm_bindgen::from_value(summaries)
            .map_err(|e| JsValue::from(QuiverError::InvalidQuery(format!("column summaries: {e}"))))?;
        Ok(self.state.borrow_mut().unify_columns(&summaries)?)
    }

    /// What was noted while loading (`WarningLog`), to merge with the other
    /// ranges' (see `mergeWarnings`).
    #[wasm_bindgen(getter, js_name = warningLog, unchecked_return_type = "WarningLog")]
    pub fn warning_log(&self) -> JsValue {
        to_js(self.state.borrow().warning_log())
    }

    /// Loads a `File` or `Blob`, reading its stream chunk by chunk.
    #[wasm_bindgen(js_name = loadFile, unchecked_return_type = "Promise<void>")]
    pub fn load_file(
        &self,
        file: &Blob,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadControl")] control: JsValue,
    ) -> js_sys::Promise {
        self.load(file.stream(), Some(file.size()), Control::from_js(&control))
    }

    /// Loads any `ReadableStream` of bytes; `totalBytes` (if known) drives
    /// progress and the early memory estimate.
    #[wasm_bindgen(js_name = loadStream, unchecked_return_type = "Promise<void>")]
    pub fn load_stream(
        &self,
        stream: ReadableStream,
        #[wasm_bindgen(js_name = totalBytes)] total_bytes: Option<f64>,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadControl")] control: JsValue,
    ) -> js_sys::Promise {
        self.load(stream, total_bytes, Control::from_js(&control))
    }

    /// Downloads and loads a URL (streamed; `Content-Length` gives progress).
    #[wasm_bindgen(js_name = loadUrl, unchecked_return_type = "Promise<void>")]
    pub fn load_url(
        &self,
        url: String,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadControl")] control: JsValue,
    ) -> js_sys::Promise {
        let state = self.state.clone();
        let control = Control::from_js(&control);
        let crash_after_bytes = self.crash_after_bytes.get();
        wasm_bindgen_futures::future_to_promise(async move {
            state.borrow_mut().begin(None)?;
            match source::open_url(&url, control.signal.as_ref()).await {
                Ok((stream, total)) => {
                    state.borrow_mut().set_total_bytes(total.map(|t| t as u64));
                    run_load(state, stream, control, crash_after_bytes).await
                }
                Err(stop) => Err(settle(&state, stop)),
            }
        })
    }

    /// Feeds the next chunk of a file by hand (any size). Throws on bad input.
    pub fn push(&self, chunk: &[u8]) -> Result<(), JsValue> {
        Ok(self.state.borrow_mut().push(chunk)?)
    }

    /// Ends a file fed with `push`.
    pub fn finish(&self) -> Result<(), JsValue> {
        Ok(self.state.borrow_mut().finish()?)
    }

    /// `"empty"`, `"loading"`, `"ready"`, `"cancelled"` or `"failed"`.
    #[wasm_bindgen(getter, unchecked_return_type = "DatasetState")]
    pub fn state(&self) -> String {
        self.state.borrow().status().name().into()
    }

    /// For tests of crash handling only: the next load traps (as a bug or
    /// running out of memory would) once `bytes` of the file were read.
    #[wasm_bindgen(js_name = crashWhileLoadingForTesting)]
    pub fn crash_while_loading_for_testing(&self, bytes: f64) {
        self.crash_after_bytes.set(Some(bytes as u64));
    }

    /// The columns (while loading: as inferred so far).
    #[wasm_bindgen(getter, unchecked_return_type = "ColumnInfo[]")]
    pub fn schema(&self) -> JsValue {
        to_js(&self.state.borrow_mut().schema())
    }

    /// Rows readable now (while loading: those in complete batches; cheap
    /// enough to ask on every progress report).
    #[wasm_bindgen(getter, js_name = numRows)]
    pub fn num_rows(&self) -> f64 {
        self.state.borrow().num_rows() as f64
    }

    /// Bytes of Arrow memory the table holds.
    #[wasm_bindgen(getter, js_name = memoryBytes)]
    pub fn memory_bytes(&self) -> f64 {
        self.state.borrow().memory_bytes() as f64
    }

    /// Bytes of the file read so far.
    #[wasm_bindgen(getter, js_name = bytesRead)]
    pub fn bytes_read(&self) -> f64 {
        self.state.borrow().bytes_read() as f64
    }

    /// The delimiter in use (given or detected), once known.
    #[wasm_bindgen(getter)]
    pub fn delimiter(&self) -> Option<String> {
        self.state.borrow().delimiter().map(String::from)
    }

    /// The file's encoding (`UTF-8`, `EUC-KR (CP949, Korean)` …), once known.
    #[wasm_bindgen(getter)]
    pub fn encoding(&self) -> Option<String> {
        self.state.borrow().encoding().map(|(name, _)| name)
    }

    /// The encoding was a guess (no byte order mark, not UTF-8).
    #[wasm_bindgen(getter, js_name = encodingGuessed)]
    pub fn encoding_guessed(&self) -> bool {
        self.state.borrow().encoding().is_some_and(|(_, guessed)| guessed)
    }

    #[wasm_bindgen(getter, unchecked_return_type = "IngestWarning[]")]
    pub fn warnings(&self) -> JsValue {
        to_js(&self.state.borrow().warnings())
    }

    /// Rows `offset .. offset + limit` as plain objects (see `Row`).
    #[wasm_bindgen(unchecked_return_type = "Row[]")]
    pub fn rows(&self, offset: usize, limit: usize) -> Result<JsValue, JsValue> {
        let mut state = self.state.borrow_mut();
        let batches = state.table().slice(offset, limit)?;
        Ok(to_js(&Rows::new(&batches)))
    }

    /// The table, or rows `offset .. offset + limit` of it, as Arrow IPC
    /// stream bytes (`tableFromIPC` in apache-arrow reads them).
    #[wasm_bindgen(js_name = toIPC)]
    pub fn to_ipc(&self, offset: Option<usize>, limit: Option<usize>) -> Result<Uint8Array, JsValue> {
        let mut state = self.state.borrow_mut();
        let table = state.table();
        let batches = table.slice(offset.unwrap_or(0), limit.unwrap_or(usize::MAX))?;
        let bytes = export::ipc_stream(table.schema(), &batches)?;
        Ok(Uint8Array::from(bytes.as_slice()))
    }
}

#[wasm_bindgen]
impl Dataset {
    /// A page of the filtered, sorted view (see `PageSpec`):
    /// `{ rows, total, offset }`. The view's row order is cached, so the next
    /// page of the same filter and sort costs only its rows.
    #[wasm_bindgen(unchecked_return_type = "PageResult")]
    pub fn page(&self, #[wasm_bindgen(unchecked_param_type = "PageSpec")] spec: JsValue) -> Result<JsValue, JsValue> {
        let spec: PageSpec = parse_spec("page", &spec)?;
        let page = self.state.borrow_mut().engine()?.page(&spec)?;
        Ok(object(&[
            ("rows", to_js(&Rows::new(&[page.batch]))),
            ("total", (page.total as f64).into()),
            ("offset", (page.offset as f64).into()),
        ]))
    }

    /// The same page as Arrow IPC bytes: `{ ipc, total, offset }`.
    #[wasm_bindgen(js_name = pageIPC, unchecked_return_type = "IpcPageResult")]
    pub fn page_ipc(&self, #[wasm_bindgen(unchecked_param_type = "PageSpec")] spec: JsValue) -> Result<JsValue, JsValue> {
        let spec: PageSpec = parse_spec("page", &spec)?;
        let page = self.state.borrow_mut().engine()?.page(&spec)?;
        Ok(object(&[
            ("ipc", ipc(&[page.batch])?.into()),
            ("total", (page.total as f64).into()),
            ("offset", (page.offset as f64).into()),
        ]))
    }

    /// Group-by (see `AggregateSpec`): `{ rows, columns, totalGroups }`.
    #[wasm_bindgen(unchecked_return_type = "AggregateResult")]
    pub fn aggregate(&self, #[wasm_bindgen(unchecked_param_type = "AggregateSpec")] spec: JsValue) -> Result<JsValue, JsValue> {
        let spec: AggregateSpec = parse_spec("aggregate", &spec)?;
        let result = self.state.borrow_mut().engine()?.aggregate(&spec)?;
        let columns = Table::new(result.batch.schema(), vec![]).column_infos();
        Ok(object(&[
            ("rows", to_js(&Rows::new(&[result.batch]))),
            ("columns", to_js(&columns)),
            ("totalGroups", (result.total_groups as f64).into()),
        ]))
    }

    /// The group-by result as Arrow IPC bytes: `{ ipc, totalGroups }`.
    #[wasm_bindgen(js_name = aggregateIPC, unchecked_return_type = "IpcAggregateResult")]
    pub fn aggregate_ipc(&self, #[wasm_bindgen(unchecked_param_type = "AggregateSpec")] spec: JsValue) -> Result<JsValue, JsValue> {
        let spec: AggregateSpec = parse_spec("aggregate", &spec)?;
        let result = self.state.borrow_mut().engine()?.aggregate(&spec)?;
        Ok(object(&[("ipc", ipc(&[result.batch])?.into()), ("totalGroups", (result.total_groups as f64).into())]))
    }

    /// Steps applied one after another (see `PipelineSpec`): filters,
    /// aggregates of aggregates, selections, sorts, slices.
    /// `{ rows, columns }`.
    #[wasm_bindgen(unchecked_return_type = "QueryResult")]
    pub fn query(&self, #[wasm_bindgen(unchecked_param_type = "PipelineSpec")] spec: JsValue) -> Result<JsValue, JsValue> {
        let spec: PipelineSpec = parse_spec("pipeline", &spec)?;
        let batch = self.state.borrow_mut().engine()?.run(&spec)?;
        let columns = Table::new(batch.schema(), vec![]).column_infos();
        Ok(object(&[("rows", to_js(&Rows::new(&[batch]))), ("columns", to_js(&columns))]))
    }

    /// The pipeline's result as Arrow IPC bytes.
    #[wasm_bindgen(js_name = queryIPC)]
    pub fn query_ipc(&self, #[wasm_bindgen(unchecked_param_type = "PipelineSpec")] spec: JsValue) -> Result<Uint8Array, JsValue> {
        let spec: PipelineSpec = parse_spec("pipeline", &spec)?;
        let batch = self.state.borrow_mut().engine()?.run(&spec)?;
        ipc(&[batch])
    }

    /// Graphic Walker's `computation(payload)` over this table (see the
    /// README, "Graphic Walker"): the result rows as JSON text, for
    /// `JSON.parse`. `payload` is the JSON of an `IDataQueryPayload`;
    /// `localOffset` is the browser's `new Date().getTimezoneOffset()`, the
    /// zone Graphic Walker assumes where a step names none.
    #[wasm_bindgen(js_name = walkerQuery)]
    pub fn walker_query(&self, payload: &str, #[wasm_bindgen(js_name = localOffset)] local_offset: i32) -> Result<String, JsValue> {
        let payload = crate::walker::parse_payload(payload)?;
        let env = crate::walker::Env { local_offset, ..Default::default() };
        Ok(self.state.borrow_mut().engine()?.walker(&payload, &env)?)
    }

    /// Column profiles (see `ProfileSpec`; `{}` profiles every column).
    #[wasm_bindgen(unchecked_return_type = "ColumnProfile[]")]
    pub fn profile(&self, #[wasm_bindgen(unchecked_optional_param_type = "ProfileSpec")] spec: JsValue) -> Result<JsValue, JsValue> {
        let spec: ProfileSpec = parse_spec("profile", &spec)?;
        let profiles = self.state.borrow_mut().engine()?.profile(&spec)?;
        Ok(to_js(&profiles))
    }

    /// Column profiles as Arrow IPC: one row per column; min, max, top and
    /// histogram as JSON text.
    #[wasm_bindgen(js_name = profileIPC)]
    pub fn profile_ipc(&self, #[wasm_bindgen(unchecked_optional_param_type = "ProfileSpec")] spec: JsValue) -> Result<Uint8Array, JsValue> {
        let spec: ProfileSpec = parse_spec("profile", &spec)?;
        let profiles = self.state.borrow_mut().engine()?.profile(&spec)?;
        ipc(&[crate::api::profile::profiles_batch(&profiles)?])
    }

    /// This shard's partial result for a query over a file loaded in
    /// shards (`kind`: "page", "aggregate", "pipeline", "profile", "walker"
    /// or "window"; `spec`: the spec's JSON text): bytes to hand to
    /// `mergePartials`. A window reads the engine's cached sorted view.
    #[wasm_bindgen(js_name = partialQuery)]
    pub fn partial_query(&self, kind: &str, spec: &str) -> Result<js_sys::Array, JsValue> {
        let kind = sharded::Kind::parse(kind)?;
        let mut state = self.state.borrow_mut();
        let streams = sharded::partial_of(state.engine()?.executor(), kind, spec)?;
        Ok(streams.iter().map(|bytes| JsValue::from(Uint8Array::from(bytes.as_slice()))).collect())
    }

    /// Starts an export of a filtered, sorted view as CSV or Arrow IPC (see
    /// `ExportSpec`); read it chunk by chunk with `next()`.
    pub fn export(&self, #[wasm_bindgen(unchecked_param_type = "ExportSpec")] spec: JsValue) -> Result<super::export::ExportStream, JsValue> {
        let spec: ExportSpec = parse_spec("export", &spec)?;
        let export = self.state.borrow_mut().engine()?.export(&spec)?;
        Ok(super::export::ExportStream::new(export))
    }

    /// Makes the wasm instance trap, as a bug or running out of memory would:
    /// for tests of the client's crash recovery only.
    #[wasm_bindgen(js_name = crashForTesting)]
    pub fn crash_for_testing(&self) {
        panic!("a crash requested by a test");
    }

    /// Allocates until the wasm heap can grow no more, which traps exactly
    /// as a file or a query too large for the instance's 4 GB would: for
    /// tests of the client's out-of-memory recovery only.
    #[wasm_bindgen(js_name = exhaustMemoryForTesting)]
    pub fn exhaust_memory_for_testing(&self) {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            // Untouched pages: the test costs address space, not RAM.
            let block: Vec<u8> = Vec::with_capacity(64 << 20);
            hoard.push(std::hint::black_box(block));
        }
    }

    /// Bytes held by cached row orders of views (on top of `memoryBytes`).
    #[wasm_bindgen(getter, js_name = cacheBytes)]
    pub fn cache_bytes(&self) -> f64 {
        self.state.borrow().cache_bytes() as f64
    }
}

/// Ingest options from JS, through JSON text rather than
/// serde-wasm-bindgen, which reads only the fields it knows and so cannot
/// report a misspelt one; the memory limit defaults to what an instance holds.
fn ingest_options(options: &JsValue) -> Result<IngestOptions, JsValue> {
    let mut options = if options.is_undefined() || options.is_null() {
        IngestOptions::default()
    } else {
        let json = js_sys::JSON::stringify(options).map(String::from).unwrap_or_default();
        IngestOptions::from_json(&json)?
    };
    options.memory_limit_bytes.get_or_insert(DEFAULT_MEMORY_LIMIT_BYTES);
    Ok(options)
}

/// The layout of a file (delimiter, quote, column names) from its first
/// block (64 KB; `complete`: the block is the whole file), for the byte
/// ranges of a sharded load (`Dataset.forRange`).
#[wasm_bindgen(js_name = layoutOf, unchecked_return_type = "Layout")]
pub fn layout_of(
    first_block: &[u8],
    #[wasm_bindgen(unchecked_param_type = "IngestOptions | undefined")] options: JsValue,
    complete: bool,
) -> Result<JsValue, JsValue> {
    let options = ingest_options(&options)?;
    Ok(to_js(&Layout::of(first_block, &options, complete)?))
}

/// What to do with each range of a sharded load, given their reports in
/// file order (`Resolution[]`: keep with a line offset, empty, read again
/// from a byte, or wait).
#[wasm_bindgen(js_name = resolveRanges, unchecked_return_type = "Resolution[]")]
pub fn resolve_ranges(#[wasm_bindgen(unchecked_param_type = "RangeReport[]")] reports: JsValue) -> Result<JsValue, JsValue> {
    let reports: Vec<RangeReport> = serde_wasm_bindgen::from_value(reports)
        .map_err(|e| JsValue::from(QuiverError::InvalidQuery(format!("range reports: {e}"))))?;
    Ok(to_js(&range::resolve(&reports)))
}

/// One file's warnings from its ranges' logs (file order) and line offsets.
#[wasm_bindgen(js_name = mergeWarnings, unchecked_return_type = "IngestWarning[]")]
pub fn merge_warnings(
    #[wasm_bindgen(unchecked_param_type = "WarningLog[]")] logs: JsValue,
    #[wasm_bindgen(js_name = lineOffsets)] line_offsets: Vec<f64>,
    names: Vec<String>,
) -> Result<JsValue, JsValue> {
    let logs: Vec<WarningLog> = serde_wasm_bindgen::from_value(logs)
        .map_err(|e| JsValue::from(QuiverError::InvalidQuery(format!("warning logs: {e}"))))?;
    let mut merged = WarningLog::default();
    for (log, offset) in logs.into_iter().zip(line_offsets) {
        merged.merge(log, offset as u64);
    }
    Ok(to_js(&merged.warnings(&names, names.len())))
}

/// The answer to a query over a file loaded in shards, from every shard's
/// `partialQuery` (in file order): shaped as `page`, `aggregate`, `query`
/// or `profile` answer it (`walker`: Graphic Walker's rows as JSON text;
/// `window`: a `MergedWindowResult`).
#[wasm_bindgen(js_name = mergePartials, unchecked_return_type = "PageResult | AggregateResult | QueryResult | ColumnProfile[] | string | MergedWindowResult")]
pub fn merge_partials(
    kind: &str,
    spec: &str,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array[][]")] partials: js_sys::Array,
) -> Result<JsValue, JsValue> {
    let kind = sharded::Kind::parse(kind)?;
    let partials: Vec<Vec<Vec<u8>>> = partials
        .iter()
        .map(|shard| js_sys::Array::from(&shard).iter().map(|bytes| Uint8Array::new(&bytes).to_vec()).collect())
        .collect();
    Ok(match sharded::merge(kind, spec, &partials, sharded::GATHER_LIMIT_BYTES)? {
        sharded::Merged::Page { batch, total, offset } => object(&[
            ("rows", to_js(&Rows::new(&[batch]))),
            ("total", (total as f64).into()),
            ("offset", (offset as f64).into()),
        ]),
        sharded::Merged::Aggregate { batch, total_groups } => {
            let columns = Table::new(batch.schema(), vec![]).column_infos();
            object(&[
                ("rows", to_js(&Rows::new(&[batch]))),
                ("columns", to_js(&columns)),
                ("totalGroups", (total_groups as f64).into()),
            ])
        }
        sharded::Merged::Pipeline(batch) => {
            let columns = Table::new(batch.schema(), vec![]).column_infos();
            object(&[("rows", to_js(&Rows::new(&[batch]))), ("columns", to_js(&columns))])
        }
        sharded::Merged::Profile(profiles) => to_js(&profiles),
        sharded::Merged::Walker(rows) => JsValue::from_str(&rows),
        sharded::Merged::Window(window) => object(&[
            ("rows", to_js(&Rows::new(&[window.batch]))),
            ("total", (window.total as f64).into()),
            ("taken", to_js(&window.taken)),
        ]),
    })
}

/// A query spec from JS, through JSON text so unknown fields are reported.
fn parse_spec<T: for<'de> serde::Deserialize<'de>>(what: &str, spec: &JsValue) -> Result<T, JsValue> {
    let json = if spec.is_undefined() || spec.is_null() {
        "{}".to_string()
    } else {
        js_sys::JSON::stringify(spec).map(String::from).map_err(|_| {
            JsValue::from(QuiverError::InvalidQuery(format!("{what}: the spec is not plain JSON")))
        })?
    };
    Ok(crate::api::spec::from_json(what, &json)?)
}

fn ipc(batches: &[RecordBatch]) -> Result<Uint8Array, JsValue> {
    let schema = batches.first().map(|b| b.schema()).unwrap_or_else(|| std::sync::Arc::new(arrow_schema::Schema::empty()));
    let bytes = export::ipc_stream(&schema, batches)?;
    Ok(Uint8Array::from(bytes.as_slice()))
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&object, &(*name).into(), value);
    }
    object.into()
}

impl Dataset {
    fn load(&self, stream: ReadableStream, total_bytes: Option<f64>, control: Control) -> js_sys::Promise {
        let state = self.state.clone();
        let crash_after_bytes = self.crash_after_bytes.get();
        wasm_bindgen_futures::future_to_promise(async move {
            state.borrow_mut().begin(total_bytes.map(|t| t as u64))?;
            run_load(state, stream, control, crash_after_bytes).await
        })
    }
}

/// Streams `stream` into the dataset; no borrow of the state is held across
/// an `await`, so the dataset stays readable (and its rows visible) meanwhile.
/// A byte range's dataset stops reading once its last record is complete.
async fn run_load(
    state: Rc<RefCell<lifecycle::Dataset>>,
    stream: ReadableStream,
    control: Control,
    crash_after_bytes: Option<u64>,
) -> Result<JsValue, JsValue> {
    let mut last_report = 0.0;
    // The state is never borrowed while JS runs: a progress callback may read
    // the dataset (its rows, its schema).
    let report = |state: &RefCell<lifecycle::Dataset>| {
        if let Some(callback) = &control.on_progress {
            let progress = to_js(&state.borrow().progress());
            let _ = callback.call1(&JsValue::NULL, &progress);
        }
    };
    let mut ranged_done = false;
    let read = source::read_stream(stream, control.signal.as_ref(), |chunk| {
        state.borrow_mut().push(chunk)?;
        check_wasm_memory(&state)?;
        if crash_after_bytes.is_some_and(|n| state.borrow().bytes_read() >= n) {
            panic!("a crash while loading, requested by a test");
        }
        let now = js_sys::Date::now();
        if now - last_report >= PROGRESS_INTERVAL_MS {
            last_report = now;
            report(&state);
        }
        if state.borrow().wants_more() {
            Ok(source::Next::Continue)
        } else {
            ranged_done = true;
            Ok(source::Next::Enough)
        }
    })
    .await;
    match read {
        Ok(()) => {
            if ranged_done {
                state.borrow_mut().end_range()?;
            } else {
                state.borrow_mut().finish()?;
            }
            report(&state);
            Ok(JsValue::UNDEFINED)
        }
        Err(stop) => Err(settle(&state, stop)),
    }
}

/// The wasm instance's memory now: it only grows, and a 32-bit instance
/// traps when it cannot grow past 4 GiB.
fn wasm_memory_bytes() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size(0) as u64 * 65_536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// Stops a load with `MemoryLimit` while the instance can still answer:
/// when its real memory (not only the table's Arrow bytes, which the ingest
/// checks against `memoryLimitBytes` from a projection) is past
/// [`WASM_MEMORY_CEILING`]. The rows loaded so far stay readable.
fn check_wasm_memory(state: &RefCell<lifecycle::Dataset>) -> Result<(), JsValue> {
    let used = wasm_memory_bytes();
    if used > WASM_MEMORY_CEILING {
        let progress = state.borrow().progress();
        let needed = match progress.total_bytes {
            Some(total) if progress.bytes_read > 0 => (used as f64 * total as f64 / progress.bytes_read as f64) as u64,
            _ => used,
        };
        let error = QuiverError::MemoryLimit { needed: needed.max(used), limit: WASM_MEMORY_CEILING };
        return Err(state.borrow_mut().fail(error).into());
    }
    Ok(())
}

/// Past this much real memory a load stops (4 GiB is where a wasm32
/// instance traps; the rest is room for the final table and first queries).
const WASM_MEMORY_CEILING: u64 = 3_400_000_000;

/// Leaves the dataset readable after a load stopped early; the error to throw.
fn settle(state: &RefCell<lifecycle::Dataset>, stop: Stop) -> JsValue {
    let mut state = state.borrow_mut();
    match stop {
        Stop::Aborted => state.cancel().into(),
        // The dataset already failed with it.
        Stop::Rejected(error) => error,
        Stop::Failed(error) => {
            let message = error
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| format!("{error:?}"));
            let failed = state.fail(QuiverError::Source(message));
            // Errors this layer made already carry their code.
            if error.is_instance_of::<js_sys::Error>() {
                error
            } else {
                failed.into()
            }
        }
    }
}

fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("core values are JSON-safe")
}
