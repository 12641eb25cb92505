//! Reading bytes in chunks from a JS `ReadableStream` (a `File`/`Blob`'s
//! stream or a `fetch` body), feeding each chunk to a callback.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStream, ReadableStreamDefaultReader, RequestInit, Response};

use super::source_error;

/// Why reading stopped early.
pub enum Stop {
    Aborted,
    /// The callback refused a chunk (its error, already a JS value).
    Rejected(JsValue),
    /// The stream itself failed.
    Failed(JsValue),
}

/// What the reader does after a chunk.
pub enum Next {
    Continue,
    /// Enough was read (a byte range's last record is complete): stop
    /// reading and cancel the rest of the stream.
    Enough,
}

/// Reads `stream` to its end (or until `on_chunk` has had enough), handing
/// each chunk to `on_chunk` (in a buffer reused from chunk to chunk). Checks
/// `signal` between chunks; an abort while a read is pending cancels the
/// stream, which ends that read.
pub async fn read_stream(
    stream: ReadableStream,
    signal: Option<&AbortSignal>,
    mut on_chunk: impl FnMut(&[u8]) -> Result<Next, JsValue>,
) -> Result<(), Stop> {
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let on_abort = wasm_bindgen::closure::Closure::<dyn FnMut()>::new({
        let reader = reader.clone();
        move || {
            let _ = reader.cancel();
        }
    });
    if let Some(signal) = signal {
        signal.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
    }
    let mut buffer = Vec::new();
    let mut last_yield = js_sys::Date::now();
    // One read is always in flight: the browser fetches the next chunk (on
    // its own I/O thread) while this one is parsed.
    let mut pending = JsFuture::from(reader.read());
    let result = loop {
        if signal.is_some_and(AbortSignal::aborted) {
            let _ = reader.cancel();
            break Err(Stop::Aborted);
        }
        let step = match pending.await {
            Ok(step) => step,
            Err(e) => break Err(Stop::Failed(e)),
        };
        if signal.is_some_and(AbortSignal::aborted) {
            break Err(Stop::Aborted);
        }
        if Reflect::get(&step, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            break Ok(());
        }
        pending = JsFuture::from(reader.read());
        let Ok(chunk) = Reflect::get(&step, &"value".into()).and_then(|v| v.dyn_into::<Uint8Array>().map_err(JsValue::from)) else {
            break Err(Stop::Failed(source_error("the stream gave something other than bytes".into())));
        };
        buffer.resize(chunk.length() as usize, 0);
        chunk.copy_to(&mut buffer);
        match on_chunk(&buffer) {
            Ok(Next::Continue) => {}
            Ok(Next::Enough) => {
                let _ = reader.cancel();
                break Ok(());
            }
            Err(e) => {
                let _ = reader.cancel();
                break Err(Stop::Rejected(e));
            }
        }
        // Chunks that are already read resolve as microtasks, one after the
        // other, which would keep messages (queries on the rows loaded so
        // far, a cancel) waiting until the end: let them in now and then.
        if js_sys::Date::now() - last_yield > YIELD_EVERY_MS {
            next_task().await;
            last_yield = js_sys::Date::now();
        }
    };
    if let Some(signal) = signal {
        signal.set_onabort(None);
    }
    reader.release_lock();
    result
}

/// How long a load runs before it lets other tasks (messages, events) run.
const YIELD_EVERY_MS: f64 = 25.0;

/// Resolves on a later task (`setTimeout(0)`), after pending events ran.
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, 0);
    });
    let _ = JsFuture::from(promise).await;
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `setTimeout`, in a window and in a worker alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, timeout: i32) -> JsValue;

    /// The global `fetch`, in a window and in a worker alike.
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(input: &str, init: &RequestInit) -> js_sys::Promise;
}

/// Starts downloading `url`; returns its body and its size if announced.
pub async fn open_url(url: &str, signal: Option<&AbortSignal>) -> Result<(ReadableStream, Option<f64>), Stop> {
    let init = RequestInit::new();
    if let Some(signal) = signal {
        init.set_signal(Some(signal));
    }
    let response = match JsFuture::from(fetch_with_init(url, &init)).await {
        Ok(r) => r.unchecked_into::<Response>(),
        Err(_) if signal.is_some_and(AbortSignal::aborted) => return Err(Stop::Aborted),
        Err(e) => {
            let detail = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
            return Err(Stop::Failed(source_error(format!("could not download {url}: {detail}"))));
        }
    };
    if !response.ok() {
        return Err(Stop::Failed(source_error(format!(
            "could not download {url}: the server answered {} {}",
            response.status(),
            response.status_text()
        ))));
    }
    let total = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<f64>().ok());
    match response.body() {
        Some(body) => Ok((body, total)),
        None => Err(Stop::Failed(source_error(format!("could not download {url}: the response has no body")))),
    }
}
