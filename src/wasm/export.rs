//! `ExportStream`: the JS handle on a running export, read chunk by chunk.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use crate::export::Export;

/// An export in progress. Call `next()` until it returns `undefined`; each
/// chunk is CSV text (UTF-8) or a piece of one Arrow IPC stream.
///
/// ```js
/// const exp = ds.export({ format: "csv", sort: [{ column: "price" }] });
/// const parts = [];
/// for (let chunk; (chunk = exp.next()); ) parts.push(chunk);
/// const blob = new Blob(parts, { type: "text/csv" });
/// ```
#[wasm_bindgen]
pub struct ExportStream {
    export: Export,
}

impl ExportStream {
    pub(crate) fn new(export: Export) -> Self {
        ExportStream { export }
    }
}

#[wasm_bindgen]
impl ExportStream {
    /// The next chunk, or `undefined` when the export is complete.
    pub fn next(&mut self) -> Result<Option<Uint8Array>, JsValue> {
        let chunk = self.export.next_chunk()?;
        Ok(chunk.map(|bytes| Uint8Array::from(bytes.as_slice())))
    }

    /// Rows in the whole export.
    #[wasm_bindgen(getter, js_name = totalRows)]
    pub fn total_rows(&self) -> f64 {
        self.export.total_rows() as f64
    }

    /// Rows written so far (for progress).
    #[wasm_bindgen(getter, js_name = rowsDone)]
    pub fn rows_done(&self) -> f64 {
        self.export.rows_done() as f64
    }
}
