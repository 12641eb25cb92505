//! The warm-up (`src/warm_up.rs`) leaves nothing behind and changes no
//! answer: every byte it allocates is freed when it returns (counted by a
//! global allocator), and a table loaded after it is answered exactly as
//! computed by hand. One test function, so no other test allocates meanwhile.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use quiver::ingest::{Ingest, IngestOptions};
use quiver::api::spec;
use quiver::QueryEngine;
use quiver::rows::Rows;
use quiver::walker::{parse_payload, Env};

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size() as isize, Ordering::SeqCst) + layout.size() as isize;
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::SeqCst);
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            let now = LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::SeqCst) + new_size as isize - layout.size() as isize;
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn the_warm_up_frees_everything_and_later_answers_are_right() {
    // Round 0 may leave the one-time state of the standard library and its
    // dependencies (a thread's handle, a regex cache pool: under a few KB);
    // from round 1 on, a warm-up must leave exactly nothing.
    for round in 0..3 {
        let before = LIVE.load(Ordering::SeqCst);
        PEAK.store(before, Ordering::SeqCst);
        let done = quiver::warm_up::run().expect("every warm-up query succeeds");
        let after = LIVE.load(Ordering::SeqCst);
        let peak = PEAK.load(Ordering::SeqCst);
        assert_eq!(done.rows, quiver::warm_up::ROWS as usize);
        assert!(peak - before > 4 << 20, "round {round}: the warm-up allocated only {} bytes; is it doing its work?", peak - before);
        if round == 0 {
            assert!(after - before < 16 << 10, "round 0: the warm-up left {} bytes allocated", after - before);
        } else {
            assert_eq!(after, before, "round {round}: the warm-up left {} bytes allocated", after - before);
        }
    }

    // A table loaded after it: sums, a time-ordered page and a Graphic Walker
    // answer, against values computed by hand. Floats include -0.0, 0.0, NaN
    // and a blank, so group keys that a warm-up could disturb are covered.
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    ingest
        .push(b"k,v,t\nb,-0.0,2024-03-01T10:00:00Z\na,2.5,2024-01-01T00:00:00Z\nb,,2024-02-29T23:59:59Z\na,0.0,2023-12-31T23:59:59Z\nc,NaN,2024-01-15T12:00:00Z\n")
        .unwrap();
    let mut engine = QueryEngine::new(&ingest.finish().unwrap()).unwrap();
    let json = |batch: &arrow_array::RecordBatch| -> serde_json::Value { serde_json::to_value(Rows::new(std::slice::from_ref(batch))).unwrap() };
    let by_k = engine
        .aggregate(&spec::from_json("aggregate", r#"{"groupBy": ["k"], "aggregates": [{"op": "count", "as": "n"}, {"op": "count", "column": "v", "as": "values"}], "sort": [{"column": "k"}]}"#).unwrap())
        .unwrap();
    assert_eq!(
        json(&by_k.batch),
        serde_json::json!([{"k": "a", "n": 2, "values": 2}, {"k": "b", "n": 2, "values": 1}, {"k": "c", "n": 1, "values": 1}])
    );
    let page = engine.page(&spec::from_json("page", r#"{"sort": [{"column": "t"}], "columns": ["k"]}"#).unwrap()).unwrap();
    assert_eq!(json(&page.batch), serde_json::json!([{"k": "a"}, {"k": "a"}, {"k": "c"}, {"k": "b"}, {"k": "b"}]));

    let month = parse_payload(
        r#"{"workflow": [{"type": "transform", "transform": [{"key": "m", "expression": {"op": "dateTimeDrill", "as": "m", "params": [{"type": "field", "value": "t"}, {"type": "value", "value": "month"}, {"type": "displayOffset", "value": 0}]}}]},
            {"type": "view", "query": [{"op": "aggregate", "groupBy": ["m"], "measures": [{"field": "*", "agg": "count", "asFieldKey": "n"}]}]},
            {"type": "sort", "by": ["m"], "sort": "ascending"}]}"#,
    )
    .unwrap();
    let rows: serde_json::Value = serde_json::from_str(&engine.walker(&month, &Env::default()).unwrap()).unwrap();
    let counts: Vec<i64> = rows.as_array().unwrap().iter().map(|r| r["n"].as_i64().unwrap()).collect();
    assert_eq!(counts, [1, 2, 1, 1], "months 2023-12, 2024-01, 2024-02, 2024-03: {rows}");
}
