//! Browser tests (wasm-bindgen-test in headless Chromium): the `Dataset`
//! binding driven the way JS drives it, with real `File`s, streams, progress,
//! cancellation and errors. Run by `npm test` (`wasm-pack test --headless --chrome`).
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use quiver::wasm::Dataset;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{AbortController, Blob, File};

wasm_bindgen_test_configure!(run_in_browser);

/// A real `File`, built in the browser from `bytes`.
fn file(name: &str, bytes: &[u8]) -> File {
    let parts = Array::of1(&Uint8Array::from(bytes));
    File::new_with_u8_array_sequence(&parts, name).unwrap()
}

/// `rows` rows of a mixed CSV; row i has id i.
fn csv(rows: usize) -> String {
    let mut text = String::from("id,city,amount,when,ok\n");
    for i in 0..rows {
        text.push_str(&format!(
            "{i},\"City {}, Inc\",{}.25,2024-01-{:02}T10:00:00Z,{}\n",
            i % 40,
            i % 1000,
            1 + i % 28,
            i % 2 == 0
        ));
    }
    text
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

fn control(on_progress: Option<&Function>, signal: Option<&web_sys::AbortSignal>) -> JsValue {
    let control = Object::new();
    if let Some(f) = on_progress {
        Reflect::set(&control, &"onProgress".into(), f).unwrap();
    }
    if let Some(s) = signal {
        Reflect::set(&control, &"signal".into(), s).unwrap();
    }
    control.into()
}

async fn load(ds: &Dataset, file: &File, control: JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(ds.load_file(file, control)).await
}

#[wasm_bindgen_test]
async fn a_file_streams_into_a_table() {
    let ds = Dataset::new(JsValue::UNDEFINED).unwrap();
    load(&ds, &file("sales.csv", csv(5_000).as_bytes()), JsValue::UNDEFINED).await.unwrap();
    assert_eq!(ds.state(), "ready");
    assert_eq!(ds.num_rows(), 5_000.0);
    let kinds: Vec<String> = Array::from(&ds.schema()).iter().map(|c| get(&c, "kind").as_string().unwrap()).collect();
    assert_eq!(kinds, ["integer", "string", "float", "timestamp", "boolean"]);
    let rows = Array::from(&ds.rows(4_998, 10).unwrap());
    assert_eq!(rows.length(), 2);
    let last = rows.get(1);
    assert_eq!(get(&last, "id").as_f64(), Some(4_999.0));
    assert_eq!(get(&last, "city").as_string().as_deref(), Some("City 39, Inc"));
    assert_eq!(get(&last, "when").as_string().as_deref(), Some("2024-01-16T10:00:00Z"));
    assert_eq!(get(&last, "ok").as_bool(), Some(false));
    assert!(ds.memory_bytes() > 0.0);
    assert_eq!(ds.delimiter().as_deref(), Some(","));
}

#[wasm_bindgen_test]
async fn progress_is_reported_up_to_the_whole_file() {
    let text = csv(200_000);
    let seen: Rc<RefCell<Vec<(f64, f64, f64)>>> = Rc::default();
    let on_progress = Closure::<dyn FnMut(JsValue)>::new({
        let seen = seen.clone();
        move |p: JsValue| {
            let total = get(&p, "totalBytes").as_f64().unwrap_or(-1.0);
            seen.borrow_mut().push((get(&p, "bytesRead").as_f64().unwrap(), total, get(&p, "rows").as_f64().unwrap()));
        }
    });
    let ds = Dataset::new(JsValue::UNDEFINED).unwrap();
    let f = file("big.csv", text.as_bytes());
    load(&ds, &f, control(Some(on_progress.as_ref().unchecked_ref()), None)).await.unwrap();
    let seen = seen.borrow();
    assert!(seen.len() >= 2, "{} reports", seen.len());
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].2 <= w[1].2), "{seen:?}");
    let last = seen.last().unwrap();
    assert_eq!(last.0, text.len() as f64);
    assert_eq!(last.1, text.len() as f64);
    assert_eq!(last.2, 200_000.0);
}

#[wasm_bindgen_test]
async fn cancelling_stops_the_load_and_keeps_what_was_read() {
    let text = csv(400_000);
    let f = file("big.csv", text.as_bytes());
    let controller = AbortController::new().unwrap();
    // Aborts at the first progress report, remembering how many rows had
    // been parsed then: a cancel keeps every one of them (also those of the
    // batch still being built), not only whole batches.
    let parsed = Rc::new(RefCell::new(0.0));
    let on_progress = Closure::<dyn FnMut(JsValue)>::new({
        let controller = controller.clone();
        let parsed = parsed.clone();
        move |p: JsValue| {
            *parsed.borrow_mut() = get(&p, "rows").as_f64().unwrap();
            controller.abort()
        }
    });
    let ds = Dataset::new(JsValue::UNDEFINED).unwrap();
    let error = load(&ds, &f, control(Some(on_progress.as_ref().unchecked_ref()), Some(&controller.signal())))
        .await
        .unwrap_err();
    let parsed = *parsed.borrow();
    assert_eq!(get(&error, "name").as_string().as_deref(), Some("AbortError"));
    assert_eq!(get(&error, "message").as_string().unwrap(), format!("Loading was cancelled after {parsed} rows."));
    assert_eq!(ds.state(), "cancelled");
    assert!(ds.bytes_read() < text.len() as f64, "stopped early: {} of {}", ds.bytes_read(), text.len());
    assert!(parsed > 0.0);
    // What was loaded stays readable, in order, and the engine loads the file again.
    let partial = ds.num_rows();
    assert_eq!(partial, parsed);
    let rows = Array::from(&ds.rows(0, partial as usize).unwrap());
    assert_eq!(rows.length() as f64, partial);
    assert_eq!(get(&rows.get(rows.length() - 1), "id").as_f64(), Some(partial - 1.0));
    let again = Dataset::new(JsValue::UNDEFINED).unwrap();
    load(&again, &f, JsValue::UNDEFINED).await.unwrap();
    assert_eq!(again.num_rows(), 400_000.0);
}

#[wasm_bindgen_test]
async fn a_multi_megabyte_file() {
    let text = csv(300_000);
    assert!(text.len() > 15_000_000, "{}", text.len());
    let ds = Dataset::new(JsValue::UNDEFINED).unwrap();
    load(&ds, &file("big.csv", text.as_bytes()), JsValue::UNDEFINED).await.unwrap();
    assert_eq!(ds.num_rows(), 300_000.0);
    assert!(ds.memory_bytes() < text.len() as f64 / 2.0, "{} of {}", ds.memory_bytes(), text.len());
    let row = Array::from(&ds.rows(299_999, 1).unwrap()).get(0);
    assert_eq!(get(&row, "id").as_f64(), Some(299_999.0));
}

#[wasm_bindgen_test]
async fn rows_are_readable_while_loading() {
    let text = csv(300_000);
    let first_seen: Rc<RefCell<Option<(f64, JsValue)>>> = Rc::default();
    let ds = Rc::new(Dataset::new(JsValue::UNDEFINED).unwrap());
    let on_progress = Closure::<dyn FnMut(JsValue)>::new({
        let (ds, first_seen) = (ds.clone(), first_seen.clone());
        move |_p: JsValue| {
            if first_seen.borrow().is_none() && ds.num_rows() > 0.0 {
                *first_seen.borrow_mut() = Some((ds.num_rows(), ds.rows(0, 3).unwrap()));
            }
        }
    });
    load(&ds, &file("big.csv", text.as_bytes()), control(Some(on_progress.as_ref().unchecked_ref()), None)).await.unwrap();
    let (rows_then, first_rows) = first_seen.borrow().clone().expect("rows were readable during the load");
    assert!(rows_then < 300_000.0, "{rows_then}");
    assert_eq!(get(&Array::from(&first_rows).get(2), "id").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
async fn a_url_is_streamed_too() {
    let text = csv(1_000);
    let blob = Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(text.as_bytes()))).unwrap();
    let url = web_sys::Url::create_object_url_with_blob(&blob).unwrap();
    let ds = Dataset::new(JsValue::UNDEFINED).unwrap();
    JsFuture::from(ds.load_url(url, JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(ds.num_rows(), 1_000.0);

    let missing = Dataset::new(JsValue::UNDEFINED).unwrap();
    let error = JsFuture::from(missing.load_url("/no-such-file.csv".into(), JsValue::UNDEFINED)).await.unwrap_err();
    let message = get(&error, "message").as_string().unwrap();
    assert!(message.contains("could not download /no-such-file.csv: the server answered 404"), "{message}");
    assert_eq!(missing.state(), "failed");
}

#[wasm_bindgen_test]
async fn bad_files_are_errors_with_codes() {
    for (bytes, code, needle) in [
        (&b"PK\x03\x04\x14\x00\x06\x00"[..], "NotText", "ZIP archive"),
        (b"", "EmptyFile", "The file is empty"),
        (b"a,b\n1,2\n1,2,3\n", "RaggedRow", "Line 3 has 3 fields"),
    ] {
        let ds = Dataset::new(JsValue::from_serde_json(r#"{"strict": true}"#)).unwrap();
        let error = load(&ds, &file("bad.csv", bytes), JsValue::UNDEFINED).await.unwrap_err();
        assert!(error.is_instance_of::<js_sys::Error>());
        assert_eq!(get(&error, "code").as_string().as_deref(), Some(code));
        assert!(get(&error, "message").as_string().unwrap().contains(needle));
        assert_eq!(ds.state(), "failed");
        // The dataset is still usable: reading it is not an error.
        assert!(ds.rows(0, 10).is_ok());
    }
}

#[wasm_bindgen_test]
fn invalid_options_throw_a_clear_error() {
    let error = Dataset::new(JsValue::from_serde_json(r#"{"hasHeaders": false}"#)).err().unwrap();
    let message = get(&error, "message").as_string().unwrap();
    assert!(message.contains("unknown field `hasHeaders`"), "{message}");
    assert_eq!(get(&error, "code").as_string().as_deref(), Some("InvalidOption"));
}

#[wasm_bindgen_test]
fn chunks_can_be_pushed_by_hand() {
    let ds = Dataset::new(JsValue::UNDEFINED).unwrap();
    for chunk in [&b"a;b\n1;x\n"[..], b"2;", b"y\n"] {
        ds.push(chunk).unwrap();
    }
    ds.finish().unwrap();
    assert_eq!(ds.num_rows(), 2.0);
    assert_eq!(ds.delimiter().as_deref(), Some(";"));
    assert!(ds.push(b"3;z\n").is_err());
}

#[wasm_bindgen_test]
fn arrow_ipc_bytes_round_trip() {
    let ds = Dataset::new(JsValue::UNDEFINED).unwrap();
    ds.push(csv(3_000).as_bytes()).unwrap();
    ds.finish().unwrap();
    let bytes = ds.to_ipc(Some(10), Some(20)).unwrap().to_vec();
    let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
    let batches: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 20);
    assert_eq!(batches[0].num_columns(), 5);
}

trait FromJson {
    fn from_serde_json(json: &str) -> JsValue;
}

impl FromJson for JsValue {
    fn from_serde_json(json: &str) -> JsValue {
        js_sys::JSON::parse(json).unwrap()
    }
}

fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

fn loaded(rows: usize) -> Dataset {
    let ds = Dataset::new(JsValue::UNDEFINED).unwrap();
    ds.push(csv(rows).as_bytes()).unwrap();
    ds.finish().unwrap();
    ds
}

#[wasm_bindgen_test]
fn pages_are_filtered_sorted_and_counted() {
    let ds = loaded(10_000);
    let spec = r#"{"filter": {"op": "and", "filters": [{"op": "=", "column": "city", "value": "City 3, Inc"}, {"op": "=", "column": "ok", "value": false}]},
                   "sort": [{"column": "amount", "descending": true}, {"column": "id"}], "limit": 5}"#;
    let page = ds.page(js(spec)).unwrap();
    assert_eq!(get(&page, "total").as_f64(), Some(250.0));
    let rows = Array::from(&get(&page, "rows"));
    assert_eq!(rows.length(), 5);
    let first = rows.get(0);
    assert_eq!(get(&first, "city").as_string().as_deref(), Some("City 3, Inc"));
    assert_eq!(get(&first, "amount").as_f64(), Some(963.25));
    let next = ds.page(js(&spec.replace("\"limit\": 5", "\"limit\": 5, \"offset\": 5"))).unwrap();
    assert!(get(&Array::from(&get(&next, "rows")).get(0), "amount").as_f64().unwrap() <= 963.25);
    assert!(ds.cache_bytes() > 0.0, "the view is cached");
}

#[wasm_bindgen_test]
fn aggregates_profiles_and_exports() {
    let ds = loaded(4_000);
    let result = ds
        .aggregate(js(r#"{"groupBy": ["ok"], "aggregates": [{"op": "count"}, {"op": "sum", "column": "id", "as": "ids"}], "sort": [{"column": "ok"}]}"#))
        .unwrap();
    let rows = Array::from(&get(&result, "rows"));
    assert_eq!(get(&result, "totalGroups").as_f64(), Some(2.0));
    assert_eq!(get(&rows.get(0), "count").as_f64(), Some(2_000.0));
    assert_eq!(get(&rows.get(1), "ids").as_f64(), Some((0..4_000).step_by(2).sum::<u64>() as f64));
    let columns = Array::from(&get(&result, "columns"));
    assert_eq!(get(&columns.get(2), "kind").as_string().as_deref(), Some("integer"));

    let profiles = Array::from(&ds.profile(js(r#"{"columns": ["city"], "topK": 3}"#)).unwrap());
    assert_eq!(get(&profiles.get(0), "distinctCount").as_f64(), Some(40.0));
    assert_eq!(Array::from(&get(&profiles.get(0), "top")).length(), 3);

    let mut export = ds.export(js(r#"{"format": "csv", "columns": ["id"], "chunkRows": 1000}"#)).unwrap();
    let mut text = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = export.next().unwrap() {
        text.extend(chunk.to_vec());
        chunks += 1;
    }
    assert_eq!(chunks, 4);
    assert_eq!(String::from_utf8(text).unwrap().lines().count(), 4_001);
}

#[wasm_bindgen_test]
fn invalid_queries_are_errors_and_the_dataset_stays_usable() {
    let ds = loaded(100);
    for (spec, needle) in [
        (r#"{"filter": {"op": "=", "column": "nope", "value": 1}}"#, "no column named \"nope\""),
        (r#"{"filter": {"op": "regex", "column": "city", "pattern": "(["}}"#, "bad regular expression"),
        (r#"{"limit": -1}"#, "limit must be 0 or more"),
        (r#"{"sort": [{"column": "id", "direction": "up"}]}"#, "unknown field `direction`"),
    ] {
        let error = ds.page(js(spec)).unwrap_err();
        assert_eq!(get(&error, "code").as_string().as_deref(), Some(if needle.contains("no column") { "UnknownColumn" } else { "InvalidQuery" }));
        assert!(get(&error, "message").as_string().unwrap().contains(needle), "{spec}");
    }
    assert_eq!(get(&ds.page(js("{}")).unwrap(), "total").as_f64(), Some(100.0));
}
