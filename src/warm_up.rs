//! A synthetic workload that runs every hot path once: parsing each column
//! kind, then filters, sorts, group-by, derived columns and profiles. Browsers
//! first run wasm with a quick baseline compiler and optimise a function only
//! after it has run for a while; running this when the app is idle (the
//! client does it in a spare worker) makes the user's first file and first
//! queries run optimised code. Measured in the benchmark (docs/benchmarks.md).

use crate::ingest::{Ingest, IngestOptions};
use crate::query::{spec, QueryEngine};

/// Loads about 2 MB of generated rows, then queries them.
pub fn run() {
    let mut ingest = Ingest::new(IngestOptions::default()).expect("default options are valid");
    let mut text = String::with_capacity(1 << 20);
    text.push_str("id,when,day,city,name,qty,price,share,flag,note\n");
    for i in 0..20_000u32 {
        let h = i.wrapping_mul(2_654_435_761);
        text.push_str(&format!(
            "{i},2024-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z,2024-{:02}-{:02},City {},\"Name {}, {}\",{},{}.{:02},{},{},{}\n",
            1 + h % 12,
            1 + h % 28,
            h % 24,
            h % 60,
            (h >> 8) % 60,
            h % 1000,
            1 + (h >> 4) % 12,
            1 + (h >> 4) % 28,
            h % 50,
            h % 5000,
            h % 977,
            h % 20,
            h % 1000,
            h % 100,
            if h % 3 == 0 { String::new() } else { format!("0.{}", h % 97) },
            h % 2 == 0,
            if h % 10 == 0 { "checked" } else { "" },
        ));
        if text.len() >= 1 << 20 {
            let _ = ingest.push(text.as_bytes());
            text.clear();
        }
    }
    let _ = ingest.push(text.as_bytes());
    let Ok(table) = ingest.finish() else { return };
    let Ok(mut engine) = QueryEngine::new(&table) else { return };
    // Three rounds: optimisation starts after a function has run a while.
    for _ in 0..3 {
        queries(&mut engine);
    }
}

fn queries(engine: &mut QueryEngine) {
    // A fresh cache each round, so views are built again.
    *engine = match QueryEngine::new(&engine.table()) {
        Ok(e) => e,
        Err(_) => return,
    };
    for json in [
        r#"{"sort": [{"column": "price"}], "offset": 5000}"#,
        r#"{"sort": [{"column": "city"}, {"column": "when", "descending": true}], "offset": 100}"#,
        r#"{"filter": {"op": "and", "filters": [{"op": "=", "column": "city", "value": "City 7"}, {"op": ">", "column": "qty", "value": 5}]}, "sort": [{"column": "when"}]}"#,
        r#"{"filter": {"op": "contains", "column": "name", "value": "7", "caseInsensitive": true}}"#,
    ] {
        if let Ok(page) = spec::from_json("page", json) {
            let _ = engine.page(&page);
        }
    }
    if let Ok(pipeline) = spec::from_json(
        "pipeline",
        r#"{"steps": [{"derive": {"as": "total", "expr": {"op": "*", "args": [{"column": "qty"}, {"column": "price"}]}}},
                      {"aggregate": {"groupBy": ["city", "flag"], "aggregates": [{"op": "count"}, {"op": "sum", "column": "total"},
                                     {"op": "mean", "column": "price"}, {"op": "min", "column": "name"}, {"op": "countDistinct", "column": "note"}]}}]}"#,
    ) {
        let _ = engine.run(&pipeline);
    }
    if let Ok(aggregate) = spec::from_json(
        "aggregate",
        r#"{"groupBy": [{"column": "when", "bucket": "month"}, {"column": "price", "bins": {"count": 10}}], "aggregates": [{"op": "median", "column": "price"}]}"#,
    ) {
        let _ = engine.aggregate(&aggregate);
    }
    if let Ok(profile) = spec::from_json("profile", "{}") {
        let _ = engine.profile(&profile);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_warm_up_runs() {
        super::run();
    }
}
