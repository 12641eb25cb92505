//! Runs query specs against CSV files and prints the answers, one JSON line
//! per request: the native side of the differential test against DuckDB
//! (`tests/differential/differential.py`).
//!
//! Input lines: `{"csv": PATH, "options": {...}, "kind": "page" | "aggregate" | "profile" | "describe", "spec": {...}}`.
//! `options` are the ingest options (`batchRows`, `nullValues`, …), used when
//! the file is first loaded; the file is then kept for the requests after it.
//! Output lines: `{"rows": [...], "total": N}`, `{"profiles": [...]}`,
//! `{"batches": N, "rows": N, "columns": [{"name", "type"}]}` (what the
//! ingest built: its record batches, which the queries read as one, and the Arrow types, so the test can check that it
//! made many batches, widened a column or kept text plain) or
//! `{"error": "..."}`; each with `ms`, the time it took (a first request
//! on a file includes loading it).
//!
//! `QUIVER_REWRITES=none` runs every plan without its rewrites (the plain
//! path); `QUIVER_CROSSCHECK=1` answers each request both ways and answers
//! an error when they differ, so the differential checks the rewrites too.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use quiver::ingest::{Ingest, IngestOptions};
use quiver::api::spec;
use quiver::plan::Rewrites;
use quiver::QueryEngine;
use quiver::rows::Rows;
use serde_json::{json, Value};

struct Loaded {
    engine: QueryEngine,
    /// With `QUIVER_CROSSCHECK`: the engine without rewrites.
    plain: Option<QueryEngine>,
    /// The `describe` answer.
    shape: Value,
}

/// The rewrites `QUIVER_REWRITES` asks for (all unless `none`).
fn rewrites() -> Rewrites {
    match std::env::var("QUIVER_REWRITES").as_deref() {
        Ok("none") => Rewrites::NONE,
        _ => Rewrites::ALL,
    }
}

fn load(path: &str, options: &Value) -> Result<Loaded, String> {
    let options = IngestOptions::from_json(&options.to_string()).map_err(|e| e.to_string())?;
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let mut ingest = Ingest::new(options).map_err(|e| e.to_string())?;
    for chunk in bytes.chunks(1 << 16) {
        ingest.push(chunk).map_err(|e| e.to_string())?;
    }
    // The record batches the ingest built (each column keeps them in one
    // region, so the table reads as one batch): the ones frozen while
    // pushing, and the last, partial one that `finish` freezes.
    let frozen = ingest.batches_built();
    let built = ingest.snapshot().map_err(|e| e.to_string())?;
    let table = ingest.finish().map_err(|e| e.to_string())?;
    let batches = frozen + usize::from(table.num_rows() > built.num_rows());
    let columns: Vec<Value> =
        table.schema().fields().iter().map(|f| json!({"name": f.name(), "type": f.data_type().to_string()})).collect();
    let shape = json!({"batches": batches, "rows": table.num_rows(), "columns": columns});
    let plain = std::env::var("QUIVER_CROSSCHECK")
        .is_ok()
        .then(|| QueryEngine::with_rewrites(&table, Rewrites::NONE))
        .transpose()
        .map_err(|e| e.to_string())?;
    Ok(Loaded { engine: QueryEngine::with_rewrites(&table, rewrites()).map_err(|e| e.to_string())?, plain, shape })
}

fn answer(loaded: &mut Loaded, kind: &str, spec_json: &str) -> Result<Value, String> {
    if kind == "describe" {
        return Ok(loaded.shape.clone());
    }
    let first = answer_with(&mut loaded.engine, kind, spec_json);
    if let Some(plain) = &mut loaded.plain {
        let second = answer_with(plain, kind, spec_json);
        if first != second {
            return Err(format!("the rewrites changed the answer: {first:?} against {second:?} without them"));
        }
    }
    first
}

fn answer_with(engine: &mut QueryEngine, kind: &str, spec_json: &str) -> Result<Value, String> {
    let rows = |batch| serde_json::to_value(Rows::json_text(&[batch])).expect("rows serialise");
    match kind {
        "page" => {
            let page = engine.page(&spec::from_json("page", spec_json).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
            Ok(json!({"rows": rows(page.batch), "total": page.total}))
        }
        "aggregate" => {
            let result = engine
                .aggregate(&spec::from_json("aggregate", spec_json).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
            Ok(json!({"rows": rows(result.batch), "total": result.total_groups}))
        }
        "profile" => {
            let profiles = engine.profile(&spec::from_json("profile", spec_json).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
            // serde_json writes a NaN or infinite mean as null (no value):
            // write their text instead, as rows do (the browser gets numbers).
            let profiles: Vec<Value> = profiles
                .iter()
                .map(|p| {
                    let mut json = serde_json::to_value(p).expect("profiles serialise");
                    json["mean"] = number(p.mean);
                    json["stddev"] = number(p.stddev);
                    json
                })
                .collect();
            Ok(json!({"profiles": profiles}))
        }
        other => Err(format!("unknown kind {other}")),
    }
}

fn number(v: Option<f64>) -> Value {
    match v {
        None => Value::Null,
        Some(v) if v.is_nan() => json!("NaN"),
        Some(v) if v.is_infinite() => json!(if v > 0.0 { "Infinity" } else { "-Infinity" }),
        Some(v) => json!(v),
    }
}

fn main() {
    let mut tables: HashMap<String, Loaded> = HashMap::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let request: Value = serde_json::from_str(&line).expect("a JSON request");
        let path = request["csv"].as_str().expect("csv path").to_string();
        let started = std::time::Instant::now();
        let result = (|| {
            if !tables.contains_key(&path) {
                tables.insert(path.clone(), load(&path, &request["options"])?);
            }
            let loaded = tables.get_mut(&path).expect("just loaded");
            answer(loaded, request["kind"].as_str().unwrap_or(""), &request["spec"].to_string())
        })();
        let mut response = result.unwrap_or_else(|e| json!({"error": e}));
        response["ms"] = json!(started.elapsed().as_secs_f64() * 1000.0);
        writeln!(out, "{response}").expect("stdout");
        // Answers stream as they come, so the caller can compare while
        // later requests run.
        out.flush().expect("stdout");
    }
}
