//! Tables out of the engine: Arrow IPC stream bytes (which apache-arrow JS
//! `tableFromIPC` and every other Arrow implementation read), and chunked
//! exports of a view as CSV or Arrow IPC, so exporting a large view never
//! holds more than one chunk of output.
//!
//! CSV is written to read back as the same table with the default ingest
//! options (same column names, types and values; the fuzz target `ingest`
//! and the tests below check it). What that takes, and what must change with
//! the ingest (`crate::ingest::infer`, `sniff`, the default null tokens):
//! - a null is an empty field, but `""` when it is the row's only field (an
//!   empty line would be skipped);
//! - floats always look like floats: `100.0`, not `100`, which would read
//!   back as an integer (shortest round-trip digits otherwise, `-0.0`, `NaN`,
//!   `inf`, `-inf`, `1e20`);
//! - fields holding a candidate delimiter (`,` `;` tab `|`), a quote or a line
//!   break are quoted, so delimiter detection finds `,` again;
//! - a timestamp of a zoned column whose UTC time falls outside the years
//!   0000–9999 (read from, say, `0000-01-01T00:00:00+01:00`) is written
//!   with that offset, in the range the ingest reads;
//! - the first column name is quoted when the file would otherwise start
//!   with a byte-order mark or a binary format's signature (`%PDF`, `PK…`).
//!
//! Exceptions (the import then differs): text equal to a null token of the
//! default options (`NA`, `null`, an empty string; only possible in a table
//! loaded with other `nullValues`) reads back as null; text that looks like
//! a number or date (`1.50`, ` 5`) in a text column may be re-inferred when
//! the export's rows are ordered or filtered so that it lands in an earlier
//! batch than the value that made the column text, and is then written in
//! canonical form (`1.5`, `5`); text with many control characters (more than
//! 1 in 100 bytes of the first 64 KB) reads back as a binary file.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::Schema;

use crate::error::Result;
use crate::ingest::sniff;
use crate::api::spec::ExportFormat;
use crate::plan::view::View;
use crate::rows::{cell, Cell};

/// `batches` (all of `schema`) as one Arrow IPC stream. A dictionary shared by
/// several batches is written once.
pub fn ipc_stream(schema: &Schema, batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let mut writer = StreamWriter::try_new(Vec::new(), schema)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.finish()?;
    Ok(writer.into_inner()?)
}

/// A view being exported, one chunk of rows at a time.
pub struct Export {
    batch: RecordBatch,
    view: Arc<View>,
    next_row: usize,
    chunk_rows: usize,
    format: ExportFormat,
    ipc: Option<StreamWriter<Vec<u8>>>,
    started: bool,
    done: bool,
}

impl Export {
    pub fn new(batch: RecordBatch, view: Arc<View>, format: ExportFormat, chunk_rows: usize) -> Result<Export> {
        Ok(Export { batch, view, next_row: 0, chunk_rows, format, ipc: None, started: false, done: false })
    }

    /// Rows in the export.
    pub fn total_rows(&self) -> usize {
        self.view.total
    }

    /// Rows written so far.
    pub fn rows_done(&self) -> usize {
        self.next_row
    }

    /// The next chunk of output bytes; `None` once everything was given.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let rows = self.view.slice(self.next_row, self.chunk_rows).take(&self.batch)?;
        self.next_row += rows.num_rows();
        let last = self.next_row >= self.view.total;
        let mut out = Vec::new();
        match self.format {
            ExportFormat::Csv => {
                if !self.started {
                    write_csv_header(&self.batch, &mut out);
                }
                write_csv_rows(&rows, &mut out);
            }
            ExportFormat::Arrow => {
                let writer = match &mut self.ipc {
                    Some(w) => w,
                    None => self.ipc.insert(StreamWriter::try_new(Vec::new(), self.batch.schema_ref())?),
                };
                if rows.num_rows() > 0 {
                    writer.write(&rows)?;
                }
                if last {
                    writer.finish()?;
                }
                out = std::mem::take(writer.get_mut());
            }
        }
        self.started = true;
        self.done = last;
        Ok(Some(out))
    }
}

/// `batch` as one CSV text: the header, then every row (what an export of
/// the whole view writes, in one piece).
pub fn csv(batch: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv_header(batch, &mut out);
    write_csv_rows(batch, &mut out);
    out
}

fn write_csv_header(batch: &RecordBatch, out: &mut Vec<u8>) {
    let mut names: Vec<String> = batch.schema().fields().iter().map(|f| quote_csv(f.name())).collect();
    let line = names.join(",");
    // The file must not look like a byte-order mark or a binary file.
    if line.starts_with('\u{FEFF}') || sniff::binary_signature(line.as_bytes()).is_some() {
        names[0] = format!("\"{}\"", batch.schema().field(0).name().replace('"', "\"\""));
    }
    out.extend_from_slice(names.join(",").as_bytes());
    out.push(b'\n');
}

/// RFC 4180 rows (see the module comment for the choices that make them
/// read back as the same table).
fn write_csv_rows(batch: &RecordBatch, out: &mut Vec<u8>) {
    let mut text = String::new();
    let only_field = batch.num_columns() == 1;
    for row in 0..batch.num_rows() {
        for (i, column) in batch.columns().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            text.clear();
            match cell(column.as_ref(), row) {
                Cell::Null if only_field => text.push_str("\"\""),
                Cell::Null => {}
                Cell::Boolean(v) => text.push_str(if v { "true" } else { "false" }),
                Cell::Integer(v) => text.push_str(&v.to_string()),
                Cell::Float(v) => write_float(v, &mut text),
                Cell::Text(v) => text.push_str(&quote_csv(v)),
                Cell::Date(days) => crate::format::format_date(days, &mut text),
                Cell::Timestamp { micros, zoned } => write_timestamp(micros, zoned, &mut text),
            }
            out.extend_from_slice(text.as_bytes());
        }
        out.push(b'\n');
    }
}

/// Shortest round-trip digits, with `.0` on integral values so that the
/// value reads back as a float, not an integer.
fn write_float(value: f64, out: &mut String) {
    let start = out.len();
    crate::format::format_float(value, out);
    if value.is_finite() && !out[start..].contains(['.', 'e']) {
        out.push_str(".0");
    }
}

/// The ingest reads timestamps of the years 0000–9999 with an offset of at
/// most ±23:59 (`crate::ingest::infer::parse_timestamp`).
const FIRST_READABLE_MICROS: i64 = -62_167_219_200_000_000; // 0000-01-01T00:00:00Z
const END_READABLE_MICROS: i64 = 253_402_300_800_000_000; // 10000-01-01T00:00:00Z
const LARGEST_OFFSET_MICROS: i64 = (23 * 3600 + 59 * 60) * 1_000_000;

/// As [`crate::format::format_timestamp`], except that a zoned time whose UTC
/// year is outside 0000–9999 is written as a local time with an offset.
fn write_timestamp(micros: i64, zoned: bool, out: &mut String) {
    let offset = match micros {
        _ if !zoned => 0,
        m if m < FIRST_READABLE_MICROS => LARGEST_OFFSET_MICROS,
        m if m >= END_READABLE_MICROS => -LARGEST_OFFSET_MICROS,
        _ => 0,
    };
    if offset == 0 {
        return crate::format::format_timestamp(micros, zoned, out);
    }
    crate::format::format_timestamp(micros.saturating_add(offset), false, out);
    out.push_str(if offset > 0 { "+23:59" } else { "-23:59" });
}

/// Fields with a candidate delimiter, a quote or a line break are quoted.
fn quote_csv(value: &str) -> String {
    let special = |c: char| c.is_ascii() && (matches!(c, '"' | '\n' | '\r') || sniff::CANDIDATE_DELIMITERS.contains(&(c as u8)));
    if value.contains(special) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// The number of rows in `batches`.
pub fn row_count(batches: &[RecordBatch]) -> usize {
    batches.iter().map(|b| b.num_rows()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Ingest, IngestOptions};
    use crate::api::spec;
    use crate::QueryEngine;
    use arrow_ipc::reader::StreamReader;

    fn table(text: &str, batch_rows: usize) -> crate::Table {
        let mut ingest = Ingest::new(IngestOptions { batch_rows, ..Default::default() }).unwrap();
        ingest.push(text.as_bytes()).unwrap();
        ingest.finish().unwrap()
    }

    #[test]
    fn round_trip_through_ipc() {
        let table = table("city,n,when\nOslo,1,2024-01-01\nLima,2,\nOslo,3,2024-03-01\n", 2);
        let bytes = ipc_stream(table.schema(), table.batches()).unwrap();
        let reader = StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
        let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        assert_eq!(row_count(&batches), 3);
        assert_eq!(batches[0].schema(), *table.schema());
        assert_eq!(batches, table.batches());
    }

    fn export_all(engine: &mut QueryEngine, json: &str) -> (Vec<Vec<u8>>, usize) {
        let mut export = engine.export(&spec::from_json("export", json).unwrap()).unwrap();
        let total = export.total_rows();
        let mut chunks = Vec::new();
        while let Some(chunk) = export.next_chunk().unwrap() {
            chunks.push(chunk);
        }
        (chunks, total)
    }

    #[test]
    fn csv_exports_come_in_chunks_of_the_view() {
        let mut engine = QueryEngine::new(&table("name,n\n\"a, b\",3\nc,1\n\"say \"\"x\"\"\",2\nd,\n", 65_536)).unwrap();
        let (chunks, total) = export_all(
            &mut engine,
            r#"{"format": "csv", "sort": [{"column": "n"}], "filter": {"op": "isNotNull", "column": "n"}, "chunkRows": 2}"#,
        );
        assert_eq!(total, 3);
        assert_eq!(chunks.len(), 2);
        let text = String::from_utf8(chunks.concat()).unwrap();
        assert_eq!(text, "name,n\nc,1\n\"say \"\"x\"\"\",2\n\"a, b\",3\n");
        // What we write, we read back the same.
        let again = table(&text, 65_536);
        assert_eq!(again.num_rows(), 3);
    }

    /// Loads `text`, exports the whole table as CSV (in chunks of 3 rows),
    /// loads that, and checks both tables are the same: names, types, values.
    fn round_trip(text: &[u8], batch_rows: usize) -> String {
        let load = |bytes: &[u8]| {
            let mut ingest = Ingest::new(IngestOptions { batch_rows, ..Default::default() }).unwrap();
            for piece in bytes.chunks(5) {
                ingest.push(piece).unwrap();
            }
            ingest.finish().unwrap()
        };
        let original = load(text);
        let mut engine = QueryEngine::new(&original).unwrap();
        let (chunks, _) = export_all(&mut engine, r#"{"format": "csv", "chunkRows": 3}"#);
        let exported = chunks.concat();
        assert_eq!(exported, csv(&original.single_batch().unwrap()), "chunks join into the whole");
        let again = load(&exported);
        let shown = String::from_utf8_lossy(&exported).into_owned();
        assert_eq!(again.schema(), original.schema(), "{shown}");
        assert_eq!(again.batches(), original.batches(), "{shown}");
        shown
    }

    /// Issue 11 (10): a null in a one-column table was exported as an empty
    /// line, which reads back as no row at all.
    #[test]
    fn a_null_alone_on_its_row_is_quoted() {
        assert_eq!(round_trip(b"v\n1\nNA\n2\n", 65_536), "v\n1\n\"\"\n2\n");
        assert_eq!(round_trip(b"v\nNA\nNA\n", 65_536), "v\n\"\"\n\"\"\n");
        assert_eq!(round_trip(b"a,b\n,\n1,\n", 65_536), "a,b\n,\n1,\n");
    }

    #[test]
    fn every_kind_of_value_reads_back_the_same() {
        let cases: &[&str] = &[
            // Floats: integral values stay floats; -0, NaN, infinities, extremes.
            "f\n1.0\n-0.0\n0.0\nNaN\ninf\n-inf\n1e300\n5e-324\n9007199254740994.0\n0.1\n1e16\n",
            "f\n1.0\n2.0\n",
            "f,g\n-0.0,1\n3,-0.0\n",
            // Integers at the edges of each width and of i64.
            "i\n-9223372036854775808\n9223372036854775807\n0\n",
            "i\n-128\n127\n",
            "i\n9007199254740993\n1\n",
            // Dates and timestamps, with and without zone, at the ends of the range.
            "d,t,z\n0000-01-01,0000-01-01T00:00:00,0000-01-01T00:00:00+01:00\n9999-12-31,9999-12-31T23:59:59.999999,9999-12-31T23:59:59-23:59\n2024-02-29,2024-02-29 12:30,2024-02-29T12:30:00.5Z\n",
            "t\n2024-01-01T00:00:00\n2024-01-01T00:00:01Z\n",
            // Text: spaces, delimiters of every kind, quotes, line breaks, unicode, U+FFFD.
            "s,n\n  padded  ,1\na;b,2\nc\td,3\ne|f,4\n\"say \"\"hi\"\"\",5\n\"two\nlines\",6\n\"cr\ronly\",7\nÄpfel 中文,8\n\u{FFFD},9\n \t ,10\n",
            "s\na;b\nc;d\n",
            "s\na\tb\n",
            // Text that looks like numbers, dates or booleans in a text column.
            "s\n 5\n1.50\n007\ntrue\n2024-01-01\nx\n",
            // Booleans and an all-null column.
            "b,e\ntrue,\nFALSE,NA\n,\n",
            // No rows.
            "a,b\n",
        ];
        for text in cases {
            for batch_rows in [1, 2, 65_536] {
                round_trip(text.as_bytes(), batch_rows);
            }
        }
    }

    #[test]
    fn widened_columns_read_back_the_same() {
        // Written in canonical form when they widened, so they read back alike.
        for text in ["v\n1\n2\n1.5\n", "v\n1\n2\nx\n", "v\n1.50\n2\nx\n", "v\n2024-01-01\n2024-01-02T10:00:00Z\n", "v\nNA\nNA\n7\n"] {
            for batch_rows in [1, 2, 65_536] {
                round_trip(text.as_bytes(), batch_rows);
            }
        }
    }

    /// Found by the `ingest` fuzz target (fuzz/regressions/ingest/
    /// header-tabs-in-quotes): a header-only table whose quoted names hold
    /// tabs read back split at the tabs (the tab gave more fields, and with
    /// one record every delimiter is equally consistent).
    #[test]
    fn tabs_inside_quoted_names_do_not_change_the_delimiter() {
        for text in ["a,\"b\tc\td\"\n", "x\ty,\"p\tq\",\"r;s;t\"\n", "a,\"b|c|d|e\"\n1,2\n"] {
            let options = IngestOptions { delimiter: Some(','), ..Default::default() };
            let mut ingest = Ingest::new(options).unwrap();
            ingest.push(text.as_bytes()).unwrap();
            let original = ingest.finish().unwrap();
            let exported = csv(&original.single_batch().unwrap());
            let again = table(std::str::from_utf8(&exported).unwrap(), 65_536);
            assert_eq!(again.schema(), original.schema(), "{text:?}");
            assert_eq!(again.batches(), original.batches(), "{text:?}");
        }
    }

    #[test]
    fn the_header_never_looks_like_a_binary_file_or_a_bom() {
        let shown = round_trip(b"\"%PDF\",b\n1,2\n", 65_536);
        assert!(shown.starts_with("\"%PDF\",b\n"), "{shown}");
        // A BOM opening the file is dropped (by the ingest, or by csv-core if
        // there are two); one inside quotes is part of the name.
        let shown = round_trip("\"\u{FEFF}a\",b\n1,2\n".as_bytes(), 65_536);
        assert!(shown.starts_with("\"\u{FEFF}a\",b\n"), "{shown}");
        round_trip(b"\"a,b\";c\n1;2\n", 65_536);
    }

    #[test]
    fn arrow_exports_are_one_ipc_stream() {
        let mut engine = QueryEngine::new(&table("a,b\n1,x\n2,y\n3,z\n", 65_536)).unwrap();
        let (chunks, _) = export_all(&mut engine, r#"{"format": "arrow", "columns": ["b"], "chunkRows": 1}"#);
        assert_eq!(chunks.len(), 3);
        let reader = StreamReader::try_new(std::io::Cursor::new(chunks.concat()), None).unwrap();
        let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        assert_eq!(row_count(&batches), 3);
        assert_eq!(batches[0].num_columns(), 1);
    }
}
