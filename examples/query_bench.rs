//! Native run of the query benchmark's workload (see `bench/query.html`),
//! for profiling the query paths with perf or callgrind.
//!
//!   cargo run --release --example query_bench -- bench-data/sales-1M.csv

use std::time::Instant;

use quiver::ingest::{Ingest, IngestOptions};
use quiver::api::spec;
use quiver::QueryEngine;

fn main() {
    let path = std::env::args().nth(1).expect("usage: query_bench FILE");
    let bytes = std::fs::read(&path).expect("readable file");
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    for chunk in bytes.chunks(1 << 20) {
        ingest.push(chunk).unwrap();
    }
    let mut engine = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
    let mut time = |name: &str, runs: usize, f: &mut dyn FnMut(&mut QueryEngine)| {
        let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..runs)
            .map(|_| {
                let (t, c) = (Instant::now(), cpu_ms());
                f(&mut engine);
                (t.elapsed().as_secs_f64() * 1000.0, cpu_ms() - c)
            })
            .unzip();
        wall.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        println!("{name:<40} {:>9.2} ms wall {:>9.2} ms cpu (median of {runs})", wall[runs / 2], cpu[runs / 2]);
    };
    let group = spec::from_json(
        "aggregate",
        r#"{"groupBy": ["region", "store"], "aggregates": [{"op": "count"}, {"op": "sum", "column": "unit_price"}, {"op": "mean", "column": "quantity"}]}"#,
    )
    .unwrap();
    let group_runs = std::env::var("GROUP_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(9);
    time("group-by two text keys", group_runs, &mut |e| {
        e.aggregate(&group).unwrap();
    });
    let pipeline = spec::from_json(
        "pipeline",
        r#"{"steps": [{"derive": {"as": "revenue", "expr": {"op": "*", "args": [{"column": "quantity"}, {"column": "unit_price"}]}}},
                      {"aggregate": {"groupBy": ["region", "store"], "aggregates": [{"op": "count"}, {"op": "sum", "column": "revenue"}, {"op": "mean", "column": "unit_price"}]}}]}"#,
    )
    .unwrap();
    time("derive + group-by (pipeline)", 9, &mut |e| {
        e.run(&pipeline).unwrap();
    });
    let mut offset = 50_000;
    time("sorted page (new view each run)", 3, &mut |e| {
        offset += 1;
        let json = format!(r#"{{"sort": [{{"column": "unit_price"}}, {{"column": "order_id", "descending": {}}}], "offset": 50000}}"#, offset % 2 == 0);
        e.page(&spec::from_json("page", &json).unwrap()).unwrap();
    });
    let mut q = 1;
    time("filtered sorted page", 7, &mut |e| {
        q += 1;
        let json = format!(
            r#"{{"filter": {{"op": "and", "filters": [{{"op": "=", "column": "region", "value": "North"}}, {{"op": ">", "column": "quantity", "value": {q}}}]}}, "sort": [{{"column": "ordered_at"}}]}}"#
        );
        e.page(&spec::from_json("page", &json).unwrap()).unwrap();
    });
    // Where the filtered page's time goes: the filter mask alone, then the
    // whole page (mask + selected row indices + top-k by time).
    let mask_only: spec::PageSpec = spec::from_json(
        "page",
        r#"{"filter": {"op": "and", "filters": [{"op": "=", "column": "region", "value": "North"}, {"op": ">", "column": "quantity", "value": 5}]}}"#,
    )
    .unwrap();
    let filter = mask_only.filter.clone().unwrap();
    time("  of which: filter mask", 7, &mut |e| {
        let batch = e.table().single_batch().unwrap(); // an Arc clone
        mask(&filter, &batch);
    });
    for (name, json) in [
        ("  region = North", r#"{"op": "=", "column": "region", "value": "North"}"#),
        ("  quantity > 5", r#"{"op": ">", "column": "quantity", "value": 5}"#),
    ] {
        let part: spec::Filter = serde_json::from_str(json).unwrap();
        time(name, std::env::var("FILTER_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(7), &mut |e| {
            let batch = e.table().single_batch().unwrap();
            mask(&part, &batch);
        });
    }
    time("  (taking the batch)", 7, &mut |e| {
        e.table().single_batch().unwrap();
    });
    time("  (column types)", 1, &mut |e| {
        let types: Vec<_> = e.table().schema().fields().iter().map(|f| format!("{} {}", f.name(), f.data_type())).collect();
        println!("{}", types.join(", "));
    });
    if std::env::var("PROFILE_COLUMNS").is_ok() {
        for name in ["order_id", "ordered_at", "ship_date", "region", "store", "product", "customer", "quantity", "unit_price", "discount", "returned", "note"] {
            let one = spec::from_json("profile", &format!(r#"{{"columns": ["{name}"]}}"#)).unwrap();
            time(&format!("  profile {name}"), 1, &mut |e| {
                e.profile(&one).unwrap();
            });
        }
    }
    let profile = spec::from_json("profile", "{}").unwrap();
    time("profile of every column", 1, &mut |e| {
        e.profile(&profile).unwrap();
    });
}

/// The rows a filter keeps (its predicate evaluated over the table).
fn mask(filter: &spec::Filter, batch: &arrow_array::RecordBatch) -> arrow_buffer::BooleanBuffer {
    let rows = quiver::kernels::Selection::All(batch.num_rows());
    let ctx = quiver::plan::expr::Context { batch, rows: &rows };
    quiver::plan::predicate::truth(&quiver::api::predicate(filter), &ctx).unwrap()
}

/// CPU time of this thread so far, in milliseconds: a busy shared machine
/// disturbs it much less than wall time.
fn cpu_ms() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6
}
