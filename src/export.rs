//! Tables out of the engine: Arrow IPC stream bytes (which apache-arrow JS
//! `tableFromIPC` and every other Arrow implementation read), and chunked
//! exports of a view as CSV or Arrow IPC, so exporting a large view never
//! holds more than one chunk of output.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::Schema;

use crate::error::Result;
use crate::query::spec::ExportFormat;
use crate::query::view::View;
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

fn write_csv_header(batch: &RecordBatch, out: &mut Vec<u8>) {
    let names: Vec<String> = batch.schema().fields().iter().map(|f| quote_csv(f.name())).collect();
    out.extend_from_slice(names.join(",").as_bytes());
    out.push(b'\n');
}

/// RFC 4180 rows: fields with a comma, quote or line break are quoted;
/// nulls are empty; values in their text forms (see `crate::format`).
fn write_csv_rows(batch: &RecordBatch, out: &mut Vec<u8>) {
    let mut text = String::new();
    for row in 0..batch.num_rows() {
        for (i, column) in batch.columns().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            text.clear();
            match cell(column.as_ref(), row) {
                Cell::Null => {}
                Cell::Boolean(v) => text.push_str(if v { "true" } else { "false" }),
                Cell::Integer(v) => text.push_str(&v.to_string()),
                Cell::Float(v) => crate::format::format_float(v, &mut text),
                Cell::Text(v) => text.push_str(&quote_csv(v)),
                Cell::Date(days) => crate::format::format_date(days, &mut text),
                Cell::Timestamp { micros, zoned } => crate::format::format_timestamp(micros, zoned, &mut text),
            }
            out.extend_from_slice(text.as_bytes());
        }
        out.push(b'\n');
    }
}

fn quote_csv(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
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
    use crate::query::{spec, QueryEngine};
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
