//! Runs query specs against CSV files and prints the answers, one JSON line
//! per request: the native side of the differential test against DuckDB
//! (`tests/differential/differential.py`).
//!
//! Input lines: `{"csv": PATH, "options": {...}, "kind": "page" | "aggregate" | "profile", "spec": {...}}`.
//! Output lines: `{"rows": [...], "total": N}` or `{"error": "..."}`.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use quiver::ingest::{Ingest, IngestOptions};
use quiver::query::{spec, QueryEngine};
use quiver::rows::Rows;
use serde_json::{json, Value};

fn load(path: &str, options: &Value) -> Result<QueryEngine, String> {
    let options = IngestOptions::from_json(&options.to_string()).map_err(|e| e.to_string())?;
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let mut ingest = Ingest::new(options).map_err(|e| e.to_string())?;
    for chunk in bytes.chunks(1 << 16) {
        ingest.push(chunk).map_err(|e| e.to_string())?;
    }
    QueryEngine::new(&ingest.finish().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

fn answer(engine: &mut QueryEngine, kind: &str, spec_json: &str) -> Result<Value, String> {
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
            Ok(json!({"profiles": profiles}))
        }
        other => Err(format!("unknown kind {other}")),
    }
}

fn main() {
    let mut engines: HashMap<String, QueryEngine> = HashMap::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let request: Value = serde_json::from_str(&line).expect("a JSON request");
        let path = request["csv"].as_str().expect("csv path").to_string();
        let result = (|| {
            if !engines.contains_key(&path) {
                engines.insert(path.clone(), load(&path, &request["options"])?);
            }
            let engine = engines.get_mut(&path).expect("just loaded");
            answer(engine, request["kind"].as_str().unwrap_or(""), &request["spec"].to_string())
        })();
        let response = result.unwrap_or_else(|e| json!({"error": e}));
        writeln!(out, "{response}").expect("stdout");
    }
}
