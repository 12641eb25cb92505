//! Quiver's take / filter / concat (`kernels::select`) against arrow-select's,
//! natively, on the sales file's columns.
//!
//!   cargo run --release --example kernels_bench -- bench-data/sales-1M.csv
//!
//! Prints each kernel's median CPU time (the thread's, which a busy shared
//! machine disturbs much less than wall time) and the ratio of the two.
//! The results are in `kernels::select`'s doc comment.

use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, UInt32Array};
use quiver::ingest::{Ingest, IngestOptions};

/// CPU time of this thread so far, in milliseconds.
fn cpu_ms() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6
}

fn time(name: &str, runs: usize, mut f: impl FnMut()) -> f64 {
    let mut cpu: Vec<f64> = (0..runs)
        .map(|_| {
            let c = cpu_ms();
            f();
            cpu_ms() - c
        })
        .collect();
    cpu.sort_by(f64::total_cmp);
    println!("{name:<50} {:>8.2} ms cpu", cpu[runs / 2]);
    cpu[runs / 2]
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: kernels_bench FILE");
    let bytes = std::fs::read(&path).unwrap();
    let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
    for chunk in bytes.chunks(1 << 20) {
        ingest.push(chunk).unwrap();
    }
    let snapshot = ingest.snapshot().unwrap();
    let table = ingest.finish().unwrap();
    let batch: RecordBatch = table.single_batch().unwrap();
    let n = batch.num_rows();
    let runs = 7;
    // A permutation (a sorted view) and a 10% sample of rows, in order.
    let mut h: u64 = 0x9E3779B97F4A7C15;
    let mut next = || {
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
        h
    };
    let mut perm: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        perm.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    let perm = UInt32Array::from(perm);
    let tenth: Vec<bool> = (0..n).map(|_| next() % 10 == 0).collect();
    let half: Vec<bool> = (0..n).map(|_| next() % 2 == 0).collect();
    let page = UInt32Array::from((0..100u32).map(|i| i * 9973 % n as u32).collect::<Vec<_>>());
    for (c, field) in batch.schema().fields().iter().enumerate() {
        let column: &ArrayRef = batch.column(c);
        println!("-- {} {}", field.name(), field.data_type());
        let a = time("  take permutation: quiver       ", runs, || {
            std::hint::black_box(quiver::kernels::select::take(column.as_ref(), &perm).unwrap());
        });
        let b = time("  take permutation: arrow-select", runs, || {
            std::hint::black_box(arrow_select::take::take(column.as_ref(), &perm, None).unwrap());
        });
        println!("  ratio {:.2}", a / b);
        let _ = time("  take 100 rows: quiver        (µs ×1000)", runs, || {
            for _ in 0..1000 {
                std::hint::black_box(quiver::kernels::select::take(column.as_ref(), &page).unwrap());
            }
        });
        let _ = time("  take 100 rows: arrow-select (µs ×1000)", runs, || {
            for _ in 0..1000 {
                std::hint::black_box(arrow_select::take::take(column.as_ref(), &page, None).unwrap());
            }
        });
    }
    for (name, mask) in [("10%", &tenth), ("50%", &half)] {
        let mask = BooleanArray::from(mask.clone());
        let a = time(&format!("filter batch {name}: quiver       "), runs, || {
            std::hint::black_box(quiver::kernels::select::filter_record_batch(&batch, &mask).unwrap());
        });
        let b = time(&format!("filter batch {name}: arrow-select"), runs, || {
            std::hint::black_box(arrow_select::filter::filter_record_batch(&batch, &mask).unwrap());
        });
        println!("  ratio {:.2}", a / b);
    }
    let a = time("take batch permutation: quiver       ", 3, || {
        std::hint::black_box(quiver::kernels::select::take_record_batch(&batch, &perm).unwrap());
    });
    let b = time("take batch permutation: arrow-select", 3, || {
        std::hint::black_box(arrow_select::take::take_record_batch(&batch, &perm).unwrap());
    });
    println!("  ratio {:.2}", a / b);
    let batches = snapshot.batches();
    println!("-- concat of {} batches", batches.len());
    for c in 0..batch.num_columns() {
        let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(c).as_ref()).collect();
        let name = batch.schema().field(c).name().clone();
        let a = time(&format!("  concat {name}: quiver       "), runs, || {
            std::hint::black_box(quiver::kernels::select::concat(&parts).unwrap());
        });
        let b = time(&format!("  concat {name}: arrow-select"), runs, || {
            std::hint::black_box(arrow_select::concat::concat(&parts).unwrap());
        });
        println!("  ratio {:.2}", a / b);
    }
}
