//! `Dataset`: the JS handle on one table, loaded from a `File`, a URL, a
//! stream or pushed chunks, and readable while it loads.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Blob, ReadableStream};

use super::source::{self, Stop};
use super::{js_error, source_error};
use crate::error::QuiverError;
use arrow_array::RecordBatch;

use crate::export;
use crate::ingest::{Ingest, IngestOptions};
use crate::query::spec::{AggregateSpec, ExportSpec, PageSpec, PipelineSpec, ProfileSpec};
use crate::query::QueryEngine;
use crate::rows::Rows;
use crate::table::Table;

/// Without a limit from the caller, stop before the 4 GB a wasm instance can
/// address: the table plus the batch being parsed and the copies a query makes.
const DEFAULT_MEMORY_LIMIT_BYTES: u64 = 3_000_000_000;
/// Progress is reported at most this often.
const PROGRESS_INTERVAL_MS: f64 = 50.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Empty,
    Loading,
    Ready,
    Cancelled,
    Failed,
}

struct State {
    ingest: Ingest,
    /// The table as last read: the final one, or a snapshot while loading.
    table: Table,
    /// Batches the snapshot holds, to know when it is stale.
    snapshot_batches: usize,
    status: Status,
    total_bytes: Option<f64>,
    /// Queries over `table`; dropped whenever `table` changes.
    engine: Option<QueryEngine>,
}

impl State {
    fn table(&mut self) -> &Table {
        if self.status == Status::Loading && self.ingest.batches_built() != self.snapshot_batches {
            // A snapshot that cannot be built leaves the previous one.
            if let Ok(table) = self.ingest.snapshot() {
                self.set_table(table);
                self.snapshot_batches = self.ingest.batches_built();
            }
        }
        &self.table
    }

    fn set_table(&mut self, table: Table) {
        self.table = table;
        self.engine = None;
    }

    /// The query engine of the current table (while loading: of the rows
    /// loaded so far).
    fn engine(&mut self) -> Result<&mut QueryEngine, JsValue> {
        self.table();
        if self.engine.is_none() {
            self.engine = Some(QueryEngine::new(&self.table).map_err(|e| js_error(&e))?);
        }
        Ok(self.engine.as_mut().expect("just built"))
    }

    fn begin(&mut self, total_bytes: Option<f64>) -> Result<(), JsValue> {
        if self.status != Status::Empty {
            return Err(js_error(&QuiverError::AlreadyLoaded));
        }
        self.status = Status::Loading;
        self.total_bytes = total_bytes;
        if let Some(total) = total_bytes {
            self.ingest.set_expected_bytes(total as u64);
        }
        Ok(())
    }

    fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.ingest.push(chunk).map_err(|e| self.fail(e))
    }

    fn finish(&mut self) -> Result<(), JsValue> {
        match self.ingest.finish() {
            Ok(table) => {
                self.set_table(table);
                self.status = Status::Ready;
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Ends a load early: the whole batches loaded so far stay readable.
    fn stop(&mut self, status: Status) {
        let table = self.ingest.snapshot().unwrap_or_else(|_| Table::empty());
        self.set_table(table);
        self.status = status;
    }

    fn fail(&mut self, error: QuiverError) -> JsValue {
        self.stop(Status::Failed);
        js_error(&error)
    }

    fn cancel(&mut self) -> JsValue {
        self.stop(Status::Cancelled);
        js_error(&QuiverError::Cancelled { rows: self.table.num_rows() })
    }

    fn progress(&self) -> JsValue {
        let progress = Object::new();
        let _ = Reflect::set(&progress, &"bytesRead".into(), &(self.ingest.bytes_read() as f64).into());
        let total = self.total_bytes.map_or(JsValue::NULL, JsValue::from);
        let _ = Reflect::set(&progress, &"totalBytes".into(), &total);
        let _ = Reflect::set(&progress, &"rows".into(), &(self.ingest.rows_parsed() as f64).into());
        progress.into()
    }
}

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
    state: Rc<RefCell<State>>,
}

#[wasm_bindgen]
impl Dataset {
    /// Validates `options` (see `IngestOptions`); throws on a mistake.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_optional_param_type = "IngestOptions")] options: JsValue) -> Result<Dataset, JsValue> {
        // Through JSON text rather than serde-wasm-bindgen, which reads only
        // the fields it knows and so cannot report a misspelt one.
        let mut options = if options.is_undefined() || options.is_null() {
            IngestOptions::default()
        } else {
            let json = js_sys::JSON::stringify(&options).map(String::from).unwrap_or_default();
            IngestOptions::from_json(&json).map_err(|e| js_error(&e))?
        };
        options.memory_limit_bytes.get_or_insert(DEFAULT_MEMORY_LIMIT_BYTES);
        let ingest = Ingest::new(options).map_err(|e| js_error(&e))?;
        Ok(Dataset {
            state: Rc::new(RefCell::new(State {
                ingest,
                table: Table::empty(),
                snapshot_batches: 0,
                status: Status::Empty,
                total_bytes: None,
                engine: None,
            })),
        })
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
        wasm_bindgen_futures::future_to_promise(async move {
            if let Err(e) = state.borrow_mut().begin(None) {
                return Err(e);
            }
            match source::open_url(&url, control.signal.as_ref()).await {
                Ok((stream, total)) => {
                    state.borrow_mut().total_bytes = total;
                    if let Some(total) = total {
                        state.borrow_mut().ingest.set_expected_bytes(total as u64);
                    }
                    run_load(state, stream, control).await
                }
                Err(stop) => Err(settle(&state, stop)),
            }
        })
    }

    /// Feeds the next chunk of a file by hand (any size). Throws on bad input.
    pub fn push(&self, chunk: &[u8]) -> Result<(), JsValue> {
        let mut state = self.state.borrow_mut();
        if state.status == Status::Empty {
            state.begin(None)?;
        }
        if state.status != Status::Loading {
            return Err(js_error(&QuiverError::AlreadyLoaded));
        }
        state.push(chunk)
    }

    /// Ends a file fed with `push`.
    pub fn finish(&self) -> Result<(), JsValue> {
        let mut state = self.state.borrow_mut();
        if state.status == Status::Empty {
            state.begin(None)?;
        }
        if state.status != Status::Loading {
            return Err(js_error(&QuiverError::AlreadyLoaded));
        }
        state.finish()
    }

    /// `"empty"`, `"loading"`, `"ready"`, `"cancelled"` or `"failed"`.
    #[wasm_bindgen(getter, unchecked_return_type = "DatasetState")]
    pub fn state(&self) -> String {
        match self.state.borrow().status {
            Status::Empty => "empty",
            Status::Loading => "loading",
            Status::Ready => "ready",
            Status::Cancelled => "cancelled",
            Status::Failed => "failed",
        }
        .into()
    }

    /// The columns (while loading: as inferred so far).
    #[wasm_bindgen(getter, unchecked_return_type = "ColumnInfo[]")]
    pub fn schema(&self) -> JsValue {
        let mut state = self.state.borrow_mut();
        if state.status == Status::Loading {
            return to_js(&state.ingest.column_infos());
        }
        to_js(&state.table().column_infos())
    }

    /// Rows readable now (while loading: those in complete batches).
    #[wasm_bindgen(getter, js_name = numRows)]
    pub fn num_rows(&self) -> f64 {
        let state = self.state.borrow();
        // While loading, counted without building a snapshot (cheap enough
        // to ask on every progress report).
        if state.status == Status::Loading {
            return state.ingest.rows_readable() as f64;
        }
        state.table.num_rows() as f64
    }

    /// Bytes of Arrow memory the table holds.
    #[wasm_bindgen(getter, js_name = memoryBytes)]
    pub fn memory_bytes(&self) -> f64 {
        let state = self.state.borrow();
        if state.status == Status::Loading {
            return state.ingest.memory_bytes() as f64;
        }
        state.table.memory_bytes() as f64
    }

    /// Bytes of the file read so far.
    #[wasm_bindgen(getter, js_name = bytesRead)]
    pub fn bytes_read(&self) -> f64 {
        self.state.borrow().ingest.bytes_read() as f64
    }

    /// The delimiter in use (given or detected), once known.
    #[wasm_bindgen(getter)]
    pub fn delimiter(&self) -> Option<String> {
        self.state.borrow().ingest.delimiter().map(String::from)
    }

    #[wasm_bindgen(getter, unchecked_return_type = "IngestWarning[]")]
    pub fn warnings(&self) -> JsValue {
        to_js(&self.state.borrow().ingest.warnings())
    }

    /// Rows `offset .. offset + limit` as plain objects (see `Row`).
    #[wasm_bindgen(unchecked_return_type = "Row[]")]
    pub fn rows(&self, offset: usize, limit: usize) -> Result<JsValue, JsValue> {
        let mut state = self.state.borrow_mut();
        let batches = state.table().slice(offset, limit).map_err(|e| js_error(&e))?;
        Ok(to_js(&Rows::new(&batches)))
    }

    /// The table, or rows `offset .. offset + limit` of it, as Arrow IPC
    /// stream bytes (`tableFromIPC` in apache-arrow reads them).
    #[wasm_bindgen(js_name = toIPC)]
    pub fn to_ipc(&self, offset: Option<usize>, limit: Option<usize>) -> Result<Uint8Array, JsValue> {
        let mut state = self.state.borrow_mut();
        let table = state.table();
        let batches =
            table.slice(offset.unwrap_or(0), limit.unwrap_or(usize::MAX)).map_err(|e| js_error(&e))?;
        let bytes = export::ipc_stream(table.schema(), &batches).map_err(|e| js_error(&e))?;
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
        let page = self.state.borrow_mut().engine()?.page(&spec).map_err(|e| js_error(&e))?;
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
        let page = self.state.borrow_mut().engine()?.page(&spec).map_err(|e| js_error(&e))?;
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
        let result = self.state.borrow_mut().engine()?.aggregate(&spec).map_err(|e| js_error(&e))?;
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
        let result = self.state.borrow_mut().engine()?.aggregate(&spec).map_err(|e| js_error(&e))?;
        Ok(object(&[("ipc", ipc(&[result.batch])?.into()), ("totalGroups", (result.total_groups as f64).into())]))
    }

    /// Steps applied one after another (see `PipelineSpec`): filters,
    /// aggregates of aggregates, selections, sorts, slices.
    /// `{ rows, columns }`.
    #[wasm_bindgen(unchecked_return_type = "QueryResult")]
    pub fn query(&self, #[wasm_bindgen(unchecked_param_type = "PipelineSpec")] spec: JsValue) -> Result<JsValue, JsValue> {
        let spec: PipelineSpec = parse_spec("pipeline", &spec)?;
        let batch = self.state.borrow_mut().engine()?.run(&spec).map_err(|e| js_error(&e))?;
        let columns = Table::new(batch.schema(), vec![]).column_infos();
        Ok(object(&[("rows", to_js(&Rows::new(&[batch]))), ("columns", to_js(&columns))]))
    }

    /// The pipeline's result as Arrow IPC bytes.
    #[wasm_bindgen(js_name = queryIPC)]
    pub fn query_ipc(&self, #[wasm_bindgen(unchecked_param_type = "PipelineSpec")] spec: JsValue) -> Result<Uint8Array, JsValue> {
        let spec: PipelineSpec = parse_spec("pipeline", &spec)?;
        let batch = self.state.borrow_mut().engine()?.run(&spec).map_err(|e| js_error(&e))?;
        ipc(&[batch])
    }

    /// Graphic Walker's `computation(payload)` over this table (see the
    /// README, "Graphic Walker"): the result rows as JSON text, for
    /// `JSON.parse`. `payload` is the JSON of an `IDataQueryPayload`;
    /// `localOffset` is the browser's `new Date().getTimezoneOffset()`, the
    /// zone Graphic Walker assumes where a step names none.
    #[wasm_bindgen(js_name = walkerQuery)]
    pub fn walker_query(&self, payload: &str, #[wasm_bindgen(js_name = localOffset)] local_offset: i32) -> Result<String, JsValue> {
        let payload = crate::walker::parse_payload(payload).map_err(|e| js_error(&e))?;
        let env = crate::walker::Env { local_offset, ..Default::default() };
        self.state.borrow_mut().engine()?.walker(&payload, &env).map_err(|e| js_error(&e))
    }

    /// Column profiles (see `ProfileSpec`; `{}` profiles every column).
    #[wasm_bindgen(unchecked_return_type = "ColumnProfile[]")]
    pub fn profile(&self, #[wasm_bindgen(unchecked_optional_param_type = "ProfileSpec")] spec: JsValue) -> Result<JsValue, JsValue> {
        let spec: ProfileSpec = parse_spec("profile", &spec)?;
        let profiles = self.state.borrow_mut().engine()?.profile(&spec).map_err(|e| js_error(&e))?;
        Ok(to_js(&profiles))
    }

    /// Column profiles as Arrow IPC: one row per column; min, max, top and
    /// histogram as JSON text.
    #[wasm_bindgen(js_name = profileIPC)]
    pub fn profile_ipc(&self, #[wasm_bindgen(unchecked_optional_param_type = "ProfileSpec")] spec: JsValue) -> Result<Uint8Array, JsValue> {
        let spec: ProfileSpec = parse_spec("profile", &spec)?;
        let profiles = self.state.borrow_mut().engine()?.profile(&spec).map_err(|e| js_error(&e))?;
        ipc(&[crate::query::profile::profiles_batch(&profiles).map_err(|e| js_error(&e))?])
    }

    /// Starts an export of a filtered, sorted view as CSV or Arrow IPC (see
    /// `ExportSpec`); read it chunk by chunk with `next()`.
    pub fn export(&self, #[wasm_bindgen(unchecked_param_type = "ExportSpec")] spec: JsValue) -> Result<super::export::ExportStream, JsValue> {
        let spec: ExportSpec = parse_spec("export", &spec)?;
        let export = self.state.borrow_mut().engine()?.export(&spec).map_err(|e| js_error(&e))?;
        Ok(super::export::ExportStream::new(export))
    }

    /// Makes the wasm instance trap, as a bug or running out of memory would:
    /// for tests of the client's crash recovery only.
    #[wasm_bindgen(js_name = crashForTesting)]
    pub fn crash_for_testing(&self) {
        panic!("a crash requested by a test");
    }

    /// Bytes held by cached row orders of views (on top of `memoryBytes`).
    #[wasm_bindgen(getter, js_name = cacheBytes)]
    pub fn cache_bytes(&self) -> f64 {
        self.state.borrow().engine.as_ref().map_or(0.0, |e| e.cache_bytes() as f64)
    }
}

/// A query spec from JS, through JSON text so unknown fields are reported.
fn parse_spec<T: for<'de> serde::Deserialize<'de>>(what: &str, spec: &JsValue) -> Result<T, JsValue> {
    let json = if spec.is_undefined() || spec.is_null() {
        "{}".to_string()
    } else {
        js_sys::JSON::stringify(spec).map(String::from).map_err(|_| {
            js_error(&QuiverError::InvalidQuery(format!("{what}: the spec is not plain JSON")))
        })?
    };
    crate::query::spec::from_json(what, &json).map_err(|e| js_error(&e))
}

fn ipc(batches: &[RecordBatch]) -> Result<Uint8Array, JsValue> {
    let schema = batches.first().map(|b| b.schema()).unwrap_or_else(|| std::sync::Arc::new(arrow_schema::Schema::empty()));
    let bytes = export::ipc_stream(&schema, batches).map_err(|e| js_error(&e))?;
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
        wasm_bindgen_futures::future_to_promise(async move {
            state.borrow_mut().begin(total_bytes)?;
            run_load(state, stream, control).await
        })
    }
}

/// Streams `stream` into the dataset; no borrow of the state is held across
/// an `await`, so the dataset stays readable (and its rows visible) meanwhile.
async fn run_load(state: Rc<RefCell<State>>, stream: ReadableStream, control: Control) -> Result<JsValue, JsValue> {
    let mut last_report = 0.0;
    // The state is never borrowed while JS runs: a progress callback may read
    // the dataset (its rows, its schema).
    let report = |state: &RefCell<State>| {
        if let Some(callback) = &control.on_progress {
            let progress = state.borrow().progress();
            let _ = callback.call1(&JsValue::NULL, &progress);
        }
    };
    let read = source::read_stream(stream, control.signal.as_ref(), |chunk| {
        state.borrow_mut().push(chunk)?;
        let now = js_sys::Date::now();
        if now - last_report >= PROGRESS_INTERVAL_MS {
            last_report = now;
            report(&state);
        }
        Ok(())
    })
    .await;
    match read {
        Ok(()) => {
            state.borrow_mut().finish()?;
            report(&state);
            Ok(JsValue::UNDEFINED)
        }
        Err(stop) => Err(settle(&state, stop)),
    }
}

/// Leaves the dataset readable after a load stopped early; the error to throw.
fn settle(state: &Rc<RefCell<State>>, stop: Stop) -> JsValue {
    let mut state = state.borrow_mut();
    match stop {
        Stop::Aborted => state.cancel(),
        Stop::Rejected(error) => error,
        Stop::Failed(error) => {
            state.stop(Status::Failed);
            if error.is_instance_of::<js_sys::Error>() {
                error
            } else {
                source_error(format!("{error:?}"))
            }
        }
    }
}

fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("core values are JSON-safe")
}
