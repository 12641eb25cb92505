//! Peak heap during a load, as a multiple of the final table: a counting
//! allocator around the system one records the most bytes live at once while
//! a file is pushed in 1 MB chunks through the dataset lifecycle, the way
//! the browser loads it (optionally with the query engine rebuilt on every
//! new batch, as a page re-running queries while rows arrive does). Wasm
//! memory never shrinks, so this peak is what a shard's wasm instance keeps.
//!
//!   cargo run --release --example ingest_memory -- FILE [--queries]

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

use quiver::ingest::IngestOptions;
use quiver::lifecycle::Dataset;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

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

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: ingest_memory FILE [--queries]");
        std::process::exit(2);
    };
    let queries = args.iter().any(|a| a == "--queries");
    let mut file = File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let size = file.metadata().unwrap().len();
    let mut chunk = vec![0u8; 1 << 20];
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut dataset = Dataset::new(IngestOptions::default()).unwrap();
    dataset.begin(Some(size)).unwrap();
    let mut seen_rows = 0;
    loop {
        let n = file.read(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        dataset.push(&chunk[..n]).unwrap();
        if queries && dataset.num_rows() != seen_rows {
            // What a page does while rows arrive: the engine over the rows so far.
            seen_rows = dataset.num_rows();
            dataset.engine().unwrap();
        }
    }
    let peak_loading = PEAK.load(Ordering::Relaxed) - baseline;
    dataset.finish().unwrap();
    let peak_finish = PEAK.load(Ordering::Relaxed) - baseline;
    dataset.engine().unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    let table = dataset.memory_bytes() as f64;
    let live = (LIVE.load(Ordering::Relaxed) - baseline) as f64;
    let mb = |b: f64| b / 1e6;
    println!("file {:.0} MB, table {:.0} MB ({:.0} % of the file), live after {:.0} MB", mb(size as f64), mb(table), 100.0 * table / size as f64, mb(live));
    println!(
        "peak while loading {:.0} MB ({:.2}× table), at finish {:.0} MB ({:.2}×), with the engine {:.0} MB ({:.2}×){}",
        mb(peak_loading as f64),
        peak_loading as f64 / table,
        mb(peak_finish as f64),
        peak_finish as f64 / table,
        mb(peak as f64),
        peak as f64 / table,
        if queries { " — engine rebuilt on every new batch" } else { "" }
    );
}
