//! Native run of Graphic Walker queries (see `bench/walker.mjs`), step by
//! step, for profiling the computation paths.
//!
//!   cargo run --release --example walker_bench -- bench-data/sales-1M.csv

use std::time::Instant;

use quiver::ingest::{Ingest, IngestOptions};
use quiver::QueryEngine;
use quiver::walker::{parse_payload, Env};

fn main() {
    let path = std::env::args().nth(1).expect("usage: walker_bench FILE");
    let bytes = std::fs::read(&path).expect("readable file");
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    for chunk in bytes.chunks(1 << 20) {
        ingest.push(chunk).unwrap();
    }
    let engine = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
    let payloads = [
        ("filter + group by region", r#"{"workflow": [{"type": "filter", "filters": [{"fid": "quantity", "rule": {"type": "range", "value": [3, null]}}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": ["region"], "measures": [{"field": "unit_price", "agg": "sum", "asFieldKey": "s"}, {"field": "*", "agg": "count", "asFieldKey": "count"}]}]}]}"#),
        ("group by region only", r#"{"workflow": [{"type": "view", "query": [{"op": "aggregate", "groupBy": ["region"], "measures": [{"field": "unit_price", "agg": "sum", "asFieldKey": "s"}, {"field": "*", "agg": "count", "asFieldKey": "count"}]}]}]}"#),
        ("range filter only", r#"{"workflow": [{"type": "filter", "filters": [{"fid": "quantity", "rule": {"type": "range", "value": [3, null]}}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": [], "measures": [{"field": "*", "agg": "count", "asFieldKey": "count"}]}]}]}"#),
        ("not in filter only", r#"{"workflow": [{"type": "filter", "filters": [{"fid": "region", "rule": {"type": "not in", "value": ["Nordics"]}}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": [], "measures": [{"field": "*", "agg": "count", "asFieldKey": "count"}]}]}]}"#),
        ("drill month only", r#"{"workflow": [{"type": "transform", "transform": [{"key": "month", "expression": {"op": "dateTimeDrill", "as": "month", "params": [{"type": "field", "value": "ordered_at"}, {"type": "value", "value": "month"}, {"type": "displayOffset", "value": 0}]}}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": [], "measures": [{"field": "*", "agg": "count", "asFieldKey": "count"}]}]}]}"#),
        ("drill month + group by month, region", r#"{"workflow": [{"type": "filter", "filters": [{"fid": "region", "rule": {"type": "not in", "value": ["Nordics"]}}]},
            {"type": "transform", "transform": [{"key": "month", "expression": {"op": "dateTimeDrill", "as": "month", "params": [{"type": "field", "value": "ordered_at"}, {"type": "value", "value": "month"}, {"type": "displayOffset", "value": 0}]}}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": ["month", "region"], "measures": [{"field": "quantity", "agg": "sum", "asFieldKey": "q"}]}]}]}"#),
        ("drill month + group, no filter", r#"{"workflow": [
            {"type": "transform", "transform": [{"key": "month", "expression": {"op": "dateTimeDrill", "as": "month", "params": [{"type": "field", "value": "ordered_at"}, {"type": "value", "value": "month"}, {"type": "displayOffset", "value": 0}]}}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": ["month", "region"], "measures": [{"field": "quantity", "agg": "sum", "asFieldKey": "q"}]}]}]}"#),
        ("bin histogram of unit_price", r#"{"workflow": [{"type": "transform", "transform": [{"key": "b", "expression": {"op": "bin", "as": "b", "params": [{"type": "field", "value": "unit_price"}], "num": 10}}, {"key": "one", "expression": {"op": "one", "params": [], "as": "one"}}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": ["b"], "measures": [{"field": "one", "agg": "sum", "asFieldKey": "n"}]}]}]}"#),
        ("distinct meta of customer", r#"{"workflow": [{"type": "view", "query": [{"op": "aggregate", "groupBy": ["customer"], "measures": [{"field": "*", "agg": "count", "asFieldKey": "c"}]}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": [], "measures": [{"field": "*", "agg": "count", "asFieldKey": "d"}, {"field": "c", "agg": "sum", "asFieldKey": "count"}]}]}]}"#),
        ("distinct meta of ordered_at", r#"{"workflow": [{"type": "view", "query": [{"op": "aggregate", "groupBy": ["ordered_at"], "measures": [{"field": "*", "agg": "count", "asFieldKey": "c"}]}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": [], "measures": [{"field": "*", "agg": "count", "asFieldKey": "d"}, {"field": "c", "agg": "sum", "asFieldKey": "count"}]}]}]}"#),
        ("top 2 values of order_id", r#"{"workflow": [{"type": "view", "query": [{"op": "aggregate", "groupBy": ["order_id"], "measures": [{"field": "*", "agg": "count", "asFieldKey": "c"}]}]},
            {"type": "sort", "by": ["c"], "sort": "descending"}], "limit": 2}"#),
        ("top 2 values of ordered_at", r#"{"workflow": [{"type": "view", "query": [{"op": "aggregate", "groupBy": ["ordered_at"], "measures": [{"field": "*", "agg": "count", "asFieldKey": "c"}]}]},
            {"type": "sort", "by": ["c"], "sort": "descending"}], "limit": 2}"#),
        ("top 2 values of customer", r#"{"workflow": [{"type": "view", "query": [{"op": "aggregate", "groupBy": ["customer"], "measures": [{"field": "*", "agg": "count", "asFieldKey": "c"}]}]},
            {"type": "sort", "by": ["c"], "sort": "descending"}], "limit": 2}"#),
    ];
    let env = Env::default();
    let only = std::env::var("ONLY").unwrap_or_default();
    let runs: usize = std::env::var("RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    for (name, text) in payloads.into_iter().filter(|(name, _)| name.contains(&only)) {
        let payload = parse_payload(text).unwrap();
        let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..runs)
            .map(|_| {
                let (t, c) = (Instant::now(), cpu_ms());
                engine.walker(&payload, &env).unwrap();
                (t.elapsed().as_secs_f64() * 1000.0, cpu_ms() - c)
            })
            .unzip();
        wall.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        println!("{name:<40} {:>9.2} ms wall {:>9.2} ms cpu", wall[runs / 2], cpu[runs / 2]);
    }
}

/// CPU time of this thread so far, in milliseconds: a busy shared machine
/// disturbs it much less than wall time.
fn cpu_ms() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6
}
