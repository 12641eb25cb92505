//! Native run of the chart queries of the Graphic Walker benchmark
//! (`bench/walker/charts.json`, the same payloads `bench/walker.mjs` sends
//! from the browser), for profiling where their time goes:
//!
//!   cargo build --profile profiling --example walker_charts
//!   target/profiling/examples/walker_charts bench-data/sales-1M.csv
//!   ONLY=median RUNS=20 perf record -g target/profiling/examples/walker_charts bench-data/sales-10M.csv
//!
//! Prints the wall-clock time of each query's first run (its cold run: what
//! the first query of a kind builds, it pays for), the median wall-clock time
//! of all runs (and the load's time) and the median CPU time (Linux: `/proc/thread-self/schedstat`), which a busy shared
//! machine disturbs much less.

use std::time::Instant;

use quiver::ingest::{Ingest, IngestOptions};
use quiver::QueryEngine;
use quiver::walker::{parse_payload, Env};

fn main() {
    let path = std::env::args().nth(1).expect("usage: walker_charts FILE");
    let charts: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string("bench/walker/charts.json").expect("run from the repository root")).unwrap();
    let start = Instant::now();
    let bytes = std::fs::read(&path).expect("readable file");
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    for chunk in bytes.chunks(1 << 20) {
        ingest.push(chunk).unwrap();
    }
    drop(bytes);
    let engine = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
    println!("{:<55} {:>9.0} ms", "load", start.elapsed().as_secs_f64() * 1000.0);
    let env = Env::default();
    let only = std::env::var("ONLY").unwrap_or_default();
    let runs: usize = std::env::var("RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    for (name, chart) in charts.iter().filter(|(name, _)| name.contains(&only)) {
        let payload = parse_payload(&chart["payload"].to_string()).unwrap();
        let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..runs)
            .map(|_| {
                let (t, c) = (Instant::now(), cpu_ms());
                std::hint::black_box(engine.walker(&payload, &env).unwrap());
                (t.elapsed().as_secs_f64() * 1000.0, cpu_ms() - c)
            })
            .unzip();
        let first = wall[0];
        wall.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        println!("{name:<55} {first:>9.2} ms first {:>9.2} ms wall {:>9.2} ms cpu", wall[runs / 2], cpu[runs / 2]);
    }
}

/// CPU time of this thread so far, in milliseconds (NaN where unavailable).
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|ns| ns.parse::<f64>().ok()))
        .map_or(f64::NAN, |ns| ns / 1e6)
}
