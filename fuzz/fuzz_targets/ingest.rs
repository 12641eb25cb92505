//! Random bytes as a CSV file, cut into random chunks (empty ones included),
//! with snapshots taken between chunks. Invariants:
//! - no panic, no hang (libFuzzer's timeout);
//! - every cut gives the same result as the file in one piece: the same
//!   table (schema, every value, bit for bit), the same warnings (kinds,
//!   counts, lines), the same delimiter, or the same error;
//! - snapshots are readable while loading, show the first rows of the final
//!   table (where a column's kind did not change since), and do not change it;
//! - the table's rows serialise and its Arrow IPC stream is written;
//! - CSV export → import gives the same table (names, types, values) with the
//!   default null tokens and no forced types, unless the exported text itself
//!   looks binary (`src/export.rs` lists that exception).
//!
//! The options include a sample of the rows and a choice of columns.
//!
//! Input layout (so that most of an input is the file and mutates as one):
//! byte 0 and 1 choose the options, byte 2 how much of the file start is
//! examined before parsing (0: the real 64 KB; else 1–64 bytes, so that
//! small files are parsed chunk by chunk), byte 3 the number of cut lengths
//! that follow (0–15), each `len | snapshot << 7`; the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiver::export::ipc_stream;
use quiver::ingest::sniff;
use quiver::ingest::{ColumnKind, IngestOptions};
use quiver::api::spec;
use quiver::QueryEngine;
use quiver_fuzz::{load, rows, Cuts};

struct Plan {
    options: IngestOptions,
    sniff_bytes: usize,
    cuts: Cuts,
    export_chunk_rows: usize,
}

fn plan(data: &[u8]) -> Option<(Plan, &[u8])> {
    let [f1, f2, sniff_byte, count, rest @ ..] = data else { return None };
    let count = (*count as usize) % 16;
    if rest.len() < count {
        return None;
    }
    let (cut_bytes, file) = rest.split_at(count);
    let mut options = IngestOptions {
        batch_rows: [1, 2, 3, 5, 16, 1024, 65_536, 7][(f1 & 7) as usize],
        has_header: f1 & 8 == 0,
        strict: (f1 >> 4) & 3 == 3,
        quote: [Some('"'), Some('"'), Some('\''), None][((f1 >> 6) & 3) as usize],
        delimiter: [None, None, None, Some(','), Some(';'), Some('\t'), Some('|'), Some(' ')][(f2 & 7) as usize],
        ..Default::default()
    };
    if options.quote == Some(' ') || options.delimiter == options.quote {
        options.quote = None;
    }
    match (f2 >> 3) & 3 {
        1 => options.null_values = vec!["-".into()],
        2 => options.null_values = vec![],
        3 => options.null_values = vec!["".into(), "x".into()],
        _ => {}
    }
    match (f2 >> 5) & 7 {
        // Half the rows (the same ones in every cut), or only column `a`.
        3 => options.sample_fraction = Some(0.5),
        4 => options.columns = Some(vec!["a".into()]),
        5 => {
            options.column_types.insert("a".into(), ColumnKind::Integer);
        }
        6 => {
            options.column_types.insert("a".into(), ColumnKind::String);
            options.column_types.insert("b".into(), ColumnKind::Date);
        }
        7 => {
            options.column_types.insert("column_1".into(), ColumnKind::Float);
        }
        _ => {}
    }
    // At least the 4 bytes a byte order mark can take: with fewer, the
    // encoding is decided before the mark is whole (the product examines
    // 64 KB; a 1-byte block kept a BOM that a whole file drops).
    let sniff_bytes = if *sniff_byte == 0 { sniff::SNIFF_BYTES } else { 4 + (*sniff_byte as usize % 61) };
    let cuts = Cuts {
        lengths: cut_bytes.iter().map(|b| (b & 0x7F) as usize).collect(),
        snapshots: cut_bytes.iter().map(|b| b & 0x80 != 0).collect(),
    };
    let export_chunk_rows = 1 + (*sniff_byte as usize % 5);
    Some((Plan { options, sniff_bytes, cuts, export_chunk_rows }, file))
}

fuzz_target!(|data: &[u8]| {
    let Some((plan, file)) = plan(data) else { return };
    let whole = load(file, &plan.options, plan.sniff_bytes, &Cuts::default());
    let mut others = vec![load(file, &plan.options, plan.sniff_bytes, &plan.cuts)];
    if file.len() <= 256 {
        // Byte by byte, an empty chunk after each, a snapshot every 16 bytes.
        let mut snapshots = vec![false; 32];
        snapshots[31] = true;
        let cuts = Cuts { lengths: vec![1, 0], snapshots };
        others.push(load(file, &plan.options, plan.sniff_bytes, &cuts));
    }
    for other in &others {
        match (&whole, other) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.table.schema(), b.table.schema(), "schema differs with the cuts");
                assert_eq!(a.table.batches(), b.table.batches(), "values differ with the cuts");
                assert_eq!(a.warnings, b.warnings, "warnings differ with the cuts");
                assert_eq!(a.delimiter, b.delimiter, "delimiter differs with the cuts");
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "errors differ with the cuts"),
            (a, b) => panic!("one load failed, the other did not: {a:?} vs {b:?}"),
        }
    }
    let Ok(whole) = whole else { return };
    let table = &whole.table;
    rows(table);
    ipc_stream(table.schema(), table.batches()).expect("the table is written as Arrow IPC");

    // Export → import.
    let defaults = IngestOptions::default();
    if plan.options.null_values != defaults.null_values || !plan.options.column_types.is_empty() {
        return;
    }
    let mut engine = QueryEngine::new(table).expect("a loaded table can be queried");
    let spec = spec::from_json("export", &format!(r#"{{"format": "csv", "chunkRows": {}}}"#, plan.export_chunk_rows)).unwrap();
    let mut export = engine.export(&spec).expect("the whole table exports");
    let mut csv = Vec::new();
    while let Some(chunk) = export.next_chunk().expect("export chunks") {
        csv.extend_from_slice(&chunk);
    }
    // A row may equal the header (the source had another header line or
    // none): the import keeps it, as the table did. The export is UTF-8 and
    // is read as such: text of ASCII and NULs alone is also valid UTF-16
    // (detection's documented ambiguity, which the app's "Read as" control
    // and the `encoding` option resolve).
    let options = IngestOptions {
        batch_rows: plan.options.batch_rows,
        keep_repeated_headers: true,
        encoding: Some("utf-8".into()),
        ..Default::default()
    };
    match load(&csv, &options, sniff::SNIFF_BYTES, &Cuts::default()) {
        Ok(again) => {
            let shown = String::from_utf8_lossy(&csv);
            // Text columns that were numbers for a while write those values
            // in canonical form once they widen (`-0` → `0`, README "Types
            // are inferred as the file streams"), and where a column widens
            // depends on the rows around it: numbers in text compare by
            // value.
            let canonical = |v: serde_json::Value| -> serde_json::Value {
                fn walk(v: serde_json::Value) -> serde_json::Value {
                    match v {
                        serde_json::Value::String(s) => match s.trim().parse::<f64>() {
                            Ok(x) if !s.trim().is_empty() => serde_json::Value::String(format!("{:?}", x + 0.0)),
                            _ => serde_json::Value::String(s),
                        },
                        serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(walk).collect()),
                        serde_json::Value::Object(o) => serde_json::Value::Object(o.into_iter().map(|(k, v)| (k, walk(v))).collect()),
                        other => other,
                    }
                }
                walk(v)
            };
            assert_eq!(canonical(rows(&again.table)), canonical(rows(table)), "export → import changes values:\n{shown}");
            // Names, types and nullability; not the field metadata: a
            // column's dialect (`quiver.dialect`: a decimal comma, day-first
            // dates) says how the source file wrote it, and the export
            // writes every file the same way.
            let plain = |schema: &arrow_schema::Schema| -> Vec<(String, arrow_schema::DataType, bool)> {
                schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable())).collect()
            };
            assert_eq!(plain(again.table.schema()), plain(table.schema()), "export → import changes the schema:\n{shown}");
        }
        Err(e) => {
            // The one accepted failure: the exported text itself looks binary.
            let start = &csv[..csv.len().min(sniff::SNIFF_BYTES)];
            assert!(sniff::check_text(start).is_err(), "export → import fails: {e}\n{}", String::from_utf8_lossy(&csv));
        }
    }
});
