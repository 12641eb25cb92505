//! Native ingest benchmark: loads CSV files the way the browser does (in 1 MB
//! chunks through `Ingest::push`) and prints MB/s, rows/s and the table's
//! memory as a share of the file. `npm run bench:ingest` generates the files
//! and runs this next to the in-browser measurement.
//!
//!   cargo run --release --example ingest_bench -- FILE [FILE ...]

use std::fs::File;
use std::io::Read;
use std::time::Instant;

use quiver::ingest::{Ingest, IngestOptions};

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: ingest_bench FILE [FILE ...]");
        std::process::exit(2);
    }
    println!("{:<28} {:>10} {:>10} {:>9} {:>12} {:>10} {:>8}", "file", "MB", "rows", "seconds", "MB/s", "rows/s", "table/csv");
    for path in files {
        let mut file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut chunk = vec![0u8; 1 << 20];
        let started = Instant::now();
        let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
        let mut bytes = 0usize;
        loop {
            let n = file.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            bytes += n;
            ingest.push(&chunk[..n]).unwrap();
        }
        let pushed = started.elapsed().as_secs_f64();
        let table = ingest.finish().unwrap();
        let seconds = started.elapsed().as_secs_f64();
        eprintln!("  (finishing, with compaction into one batch: {:.3} s)", seconds - pushed);
        let mb = bytes as f64 / 1e6;
        let name = std::path::Path::new(&path).file_name().unwrap().to_string_lossy().into_owned();
        println!(
            "{:<28} {:>10.1} {:>10} {:>9.3} {:>12.1} {:>10.0} {:>8.1}%",
            name,
            mb,
            table.num_rows(),
            seconds,
            mb / seconds,
            table.num_rows() as f64 / seconds,
            100.0 * table.memory_bytes() as f64 / bytes as f64
        );
        for info in table.column_infos() {
            eprintln!("  {:<12} {:<10} {}", info.name, info.kind, info.arrow_type);
        }
    }
}
