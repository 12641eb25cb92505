//! Memory discipline of a load, measured with a counting allocator (this test
//! binary's global allocator): the most bytes live at once while a file loads,
//! and what stays once it has, as multiples of the final table. Wasm memory
//! never shrinks, so a load's peak is what a browser tab keeps.
//!
//! What must change with it: the limits below are the README's ("Limits")
//! and issue 13's targets; the ingest (`Ingest::finish` releasing the column
//! builders before compacting) and the lifecycle (dropping the snapshot
//! before the final table is built) are what keep them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use quiver::ingest::IngestOptions;
use quiver::lifecycle::Dataset;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// The tests of this file measure one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A sales-like file of `rows` rows: ids, a timestamp, low- and
/// high-cardinality text, floats with blanks, integers, booleans.
fn sales(rows: usize) -> Vec<u8> {
    let mut text = String::from("order_id,ordered_at,region,customer,unit_price,quantity,returned\n");
    let mut seed = 12345u64;
    for i in 0..rows {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let r = (seed >> 33) as usize;
        text.push_str(&format!(
            "{},2023-{:02}-{:02}T{:02}:{:02}:00Z,{},Customer {},{},{},{}\n",
            1_000_000 + i,
            1 + r % 12,
            1 + r % 28,
            r % 24,
            r % 60,
            ["North", "South", "East", "West"][r % 4],
            r % 50_000,
            if r % 3 == 0 { String::new() } else { format!("{}.{:02}", r % 500, r % 100) },
            r % 20,
            r % 2 == 0
        ));
    }
    text.into_bytes()
}

struct Measured {
    table: usize,
    peak: usize,
    live_after: usize,
}

/// Loads `bytes` in 1 MB chunks; with `queries`, the engine is rebuilt over
/// the rows so far after every new batch (a page re-running its queries).
fn measure(bytes: &[u8], queries: bool) -> Measured {
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut dataset = Dataset::new(IngestOptions::from_json(r#"{"batchRows": 8192}"#).unwrap()).unwrap();
    dataset.begin(Some(bytes.len() as u64)).unwrap();
    let mut readable = 0;
    for chunk in bytes.chunks(1 << 20) {
        dataset.push(chunk).unwrap();
        if queries && dataset.num_rows() != readable {
            readable = dataset.num_rows();
            dataset.engine().unwrap();
        }
    }
    dataset.finish().unwrap();
    dataset.engine().unwrap();
    let measured = Measured {
        table: dataset.memory_bytes() as usize,
        peak: PEAK.load(Ordering::Relaxed) - baseline,
        live_after: LIVE.load(Ordering::Relaxed) - baseline,
    };
    drop(dataset);
    measured
}

#[test]
fn a_load_peaks_near_its_table_and_keeps_only_the_table() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = sales(400_000);
    let m = measure(&bytes, false);
    let ratio = m.peak as f64 / m.table as f64;
    eprintln!("{} MB file: table {} MB, peak {:.2}× the table", bytes.len() >> 20, m.table >> 20, ratio);
    assert!(m.table < bytes.len() / 2, "the table is {} of {} bytes", m.table, bytes.len());
    // Before the builders let go of their arrays at the end of a load, the
    // column chunks stayed alive beside the compacted table: 2× for good.
    // (A column's storage is sized for the expected rows plus 1/16.)
    assert!(m.live_after < m.table * 110 / 100, "{} bytes live after the load for a {}-byte table", m.live_after, m.table);
    // Was 2.4× (the compaction copied every column while all chunks lived);
    // what is left above the table is the batch of text being parsed.
    assert!(ratio < 1.4, "peak {:.2}× the table", ratio);
}

#[test]
fn queries_while_loading_do_not_keep_a_second_table() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = sales(400_000);
    let m = measure(&bytes, true);
    let ratio = m.peak as f64 / m.table as f64;
    eprintln!("with queries while loading: peak {:.2}× the table", ratio);
    assert!(m.live_after < m.table * 110 / 100, "{} bytes live after the load for a {}-byte table", m.live_after, m.table);
    // Was 3.4× (a snapshot copy, every batch's arrays and the final
    // compaction all at once), then 2.2×: snapshots now view the columns'
    // storage instead of copying it.
    assert!(ratio < 1.5, "peak {:.2}× the table", ratio);
}

#[test]
fn a_file_announced_far_too_large_stops_with_memory_limit_not_a_huge_reservation() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // The first rows of a "1 TB" file, with a 64 MB limit: the columns do
    // not reserve storage for a terabyte's rows (that would abort the
    // process here and trap a wasm instance); the limit stops the load once
    // its estimate is trusted (8 MB read).
    let bytes = sales(200_000);
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut dataset = Dataset::new(IngestOptions::from_json(r#"{"memoryLimitBytes": 64000000}"#).unwrap()).unwrap();
    dataset.begin(Some(1 << 40)).unwrap();
    let outcome = bytes.chunks(1 << 20).try_for_each(|chunk| dataset.push(chunk));
    let error = outcome.expect_err("a terabyte does not fit 64 MB");
    assert_eq!(error.code(), "MemoryLimit", "{error}");
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    assert!(peak < 200 << 20, "peak {peak} bytes");
    // The rows read stay readable.
    assert!(dataset.num_rows() > 0);
}
