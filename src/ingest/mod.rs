//! Bytes → Arrow: a CSV file pushed in chunks of any size becomes a
//! [`Table`] of record batches, with column types inferred on the way.
//!
//! ```
//! use quiver::ingest::{Ingest, IngestOptions};
//!
//! let mut ingest = Ingest::new(IngestOptions::default()).unwrap();
//! for chunk in [&b"city,temp\nOs"[..], &b"lo,-3.5\nLima,18\n"[..]] {
//!     ingest.push(chunk).unwrap();
//! }
//! let table = ingest.finish().unwrap();
//! assert_eq!(table.num_rows(), 2);
//! assert_eq!(table.column_infos()[1].kind, "float");
//! ```
//!
//! The pipeline: the first 64 KB are held back to check that the file is text
//! and to detect the delimiter ([`sniff`]); then csv-core parses records into
//! a bounded text buffer ([`records`]); every `batch_rows` rows (the first
//! batch sooner, so a first page shows quickly) each column's text becomes
//! one Arrow array ([`column`]). Nothing else is kept: the table's memory is
//! its arrays, plus one batch of text while loading.

pub mod column;
pub mod dictionary;
pub mod header;
pub mod infer;
pub mod options;
pub mod records;
pub mod sniff;
pub mod warnings;
pub mod widen;

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema};

pub use options::{ColumnKind, IngestOptions};
pub use warnings::{Warning, WarningKind};

use column::{ColumnBuilder, ColumnIssues, ColumnSlice, NullTokens};
use records::{RawBatch, RecordReader, Step};
use warnings::WarningLog;

use crate::error::{QuiverError, Result};
use crate::table::Table;

/// Rows in the first batch: small, so the first rows are readable at once.
const FIRST_BATCH_ROWS: usize = 1024;
/// A batch is also cut when its text reaches this size (wide or long rows).
const BATCH_TEXT_BYTES: usize = 16 << 20;
/// The memory estimate is trusted once this much of the file was read.
const ESTIMATE_AFTER_BYTES: u64 = 8 << 20;

/// A CSV file being loaded. Push chunks, then [`Ingest::finish`]; read
/// [`Ingest::snapshot`] at any time for the rows loaded so far.
///
/// An error from `push` or `finish` is final for this ingest: what was loaded
/// before it can still be read with `snapshot`.
pub struct Ingest {
    options: IngestOptions,
    nulls: NullTokens,
    phase: Phase,
    bytes_read: u64,
    expected_bytes: Option<u64>,
    log: WarningLog,
    finished: bool,
}

enum Phase {
    /// Holding back the first block until it can be examined.
    Sniffing(Vec<u8>),
    Parsing(Box<Parser>),
}

struct Parser {
    delimiter: u8,
    reader: RecordReader,
    batch: RawBatch,
    /// Empty until the first record (header or not) fixes the columns.
    columns: Vec<ColumnBuilder>,
    names: Vec<String>,
    rows_frozen: usize,
    batches_frozen: usize,
    memory_bytes: u64,
}

impl Ingest {
    pub fn new(options: IngestOptions) -> Result<Self> {
        options.validate()?;
        Ok(Ingest {
            nulls: NullTokens::new(&options.null_values),
            options,
            phase: Phase::Sniffing(Vec::new()),
            bytes_read: 0,
            expected_bytes: None,
            log: WarningLog::default(),
            finished: false,
        })
    }

    /// The file's size, if known: lets a memory limit stop a load early, from
    /// an estimate, instead of when the memory is already used.
    pub fn set_expected_bytes(&mut self, bytes: u64) {
        self.expected_bytes = Some(bytes);
    }

    /// Feeds the next bytes of the file (any size, including one byte).
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        if self.finished {
            return Err(QuiverError::AlreadyLoaded);
        }
        self.bytes_read += chunk.len() as u64;
        match &mut self.phase {
            Phase::Sniffing(block) => {
                block.extend_from_slice(chunk);
                if block.len() >= sniff::SNIFF_BYTES {
                    self.start_parsing(false)?;
                }
                Ok(())
            }
            Phase::Parsing(parser) => {
                parser.feed(chunk, &self.options, &self.nulls, &mut self.log)?;
                self.check_memory()
            }
        }
    }

    /// Ends the file: parses what is left and returns the whole table.
    pub fn finish(&mut self) -> Result<Table> {
        if self.finished {
            return Err(QuiverError::AlreadyLoaded);
        }
        self.finished = true;
        if let Phase::Sniffing(_) = self.phase {
            self.start_parsing(true)?;
        }
        let Phase::Parsing(parser) = &mut self.phase else { unreachable!("parsing has started") };
        parser.feed_end(&self.options, &self.nulls, &mut self.log)?;
        if parser.columns.is_empty() {
            return Err(QuiverError::EmptyFile);
        }
        if let Some(line) = parser.reader.unclosed_quote_line() {
            if self.options.strict {
                return Err(QuiverError::UnterminatedQuote { line });
            }
            self.log.unclosed_quote_line = Some(line);
        }
        let table = parser.table()?.compacted()?;
        self.check_memory_of(table.memory_bytes() as u64)?;
        Ok(table)
    }

    /// The rows loaded so far, as a table (whole batches only).
    pub fn snapshot(&mut self) -> Result<Table> {
        match &mut self.phase {
            Phase::Parsing(parser) => parser.table(),
            _ => Ok(Table::empty()),
        }
    }

    /// The columns as a snapshot would show them (cheap: no arrays built).
    pub fn column_infos(&self) -> Vec<crate::table::ColumnInfo> {
        let Phase::Parsing(parser) = &self.phase else { return Vec::new() };
        let fields: Vec<Field> = parser.columns.iter().map(|c| Field::new(c.name(), c.data_type(), true)).collect();
        Table::new(Arc::new(Schema::new(fields)), Vec::new()).column_infos()
    }

    /// Rows in whole batches: what a snapshot would hold (cheap).
    pub fn rows_readable(&self) -> usize {
        match &self.phase {
            Phase::Parsing(parser) => parser.rows_frozen,
            _ => 0,
        }
    }

    /// Bytes of Arrow memory built so far (cheap).
    pub fn memory_bytes(&self) -> u64 {
        match &self.phase {
            Phase::Parsing(parser) => parser.memory_bytes,
            _ => 0,
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Rows parsed so far, including those not yet in a batch.
    pub fn rows_parsed(&self) -> usize {
        match &self.phase {
            Phase::Parsing(parser) => parser.rows_frozen + parser.batch.rows(),
            _ => 0,
        }
    }

    /// Record batches built so far (a snapshot changes when this does).
    pub fn batches_built(&self) -> usize {
        match &self.phase {
            Phase::Parsing(parser) => parser.batches_frozen,
            _ => 0,
        }
    }

    /// The delimiter in use, once known.
    pub fn delimiter(&self) -> Option<char> {
        match &self.phase {
            Phase::Parsing(parser) => Some(parser.delimiter as char),
            _ => None,
        }
    }

    /// Whether `finish` was called (successfully or not).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn warnings(&self) -> Vec<Warning> {
        match &self.phase {
            Phase::Parsing(parser) => self.log.warnings(&parser.names, parser.names.len()),
            _ => Vec::new(),
        }
    }

    /// Examines the held-back first block, then parses it.
    fn start_parsing(&mut self, complete: bool) -> Result<()> {
        let Phase::Sniffing(block) = std::mem::replace(&mut self.phase, Phase::Sniffing(Vec::new())) else {
            return Ok(());
        };
        let text = block.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&block);
        if complete && text.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(QuiverError::EmptyFile);
        }
        sniff::check_text(text)?;
        let quote = self.options.quote_byte();
        let delimiter =
            self.options.delimiter_byte().unwrap_or_else(|| sniff::detect_delimiter(text, quote, complete));
        let mut parser = Box::new(Parser {
            delimiter,
            reader: RecordReader::new(delimiter, quote),
            batch: RawBatch::new(0),
            columns: Vec::new(),
            names: Vec::new(),
            rows_frozen: 0,
            batches_frozen: 0,
            memory_bytes: 0,
        });
        parser.feed(text, &self.options, &self.nulls, &mut self.log)?;
        self.phase = Phase::Parsing(parser);
        self.check_memory()
    }

    fn check_memory(&self) -> Result<()> {
        match &self.phase {
            Phase::Parsing(parser) => self.check_memory_of(parser.memory_bytes),
            _ => Ok(()),
        }
    }

    /// Stops when the table is over the limit, or is projected to be by the
    /// end of the file (from the memory per byte read so far).
    fn check_memory_of(&self, used: u64) -> Result<()> {
        let Some(limit) = self.options.memory_limit_bytes else { return Ok(()) };
        let projected = match self.expected_bytes {
            Some(total) if self.bytes_read >= ESTIMATE_AFTER_BYTES.min(total) && self.bytes_read > 0 => {
                (used as f64 * total as f64 / self.bytes_read as f64) as u64
            }
            _ => used,
        };
        if used > limit || projected > limit + limit / 10 {
            return Err(QuiverError::MemoryLimit { needed: projected.max(used), limit });
        }
        Ok(())
    }
}

impl Parser {
    fn feed(&mut self, mut input: &[u8], options: &IngestOptions, nulls: &NullTokens, log: &mut WarningLog) -> Result<()> {
        while let Step::Record = self.reader.next(&mut input, &mut self.batch) {
            self.take_record(options, nulls, log)?;
        }
        Ok(())
    }

    fn feed_end(&mut self, options: &IngestOptions, nulls: &NullTokens, log: &mut WarningLog) -> Result<()> {
        while let Step::Record = self.reader.finish(&mut self.batch) {
            self.take_record(options, nulls, log)?;
        }
        if self.batch.rows() > 0 {
            self.freeze(options, nulls, log)?;
        }
        Ok(())
    }

    fn take_record(&mut self, options: &IngestOptions, nulls: &NullTokens, log: &mut WarningLog) -> Result<()> {
        if self.columns.is_empty() {
            return self.take_first_record(options);
        }
        let record = self.reader.record(&self.batch);
        let (found, line) = (record.ends.len(), record.line);
        let expected = self.columns.len();
        if found != expected {
            if options.strict {
                return Err(QuiverError::RaggedRow { line, found, expected });
            }
            if found < expected { &mut log.short_rows } else { &mut log.long_rows }.add(line);
        }
        self.reader.commit(&mut self.batch, true);
        let target = if self.batches_frozen == 0 { FIRST_BATCH_ROWS.min(options.batch_rows) } else { options.batch_rows };
        if self.batch.rows() >= target || self.batch.bytes() >= BATCH_TEXT_BYTES {
            self.freeze(options, nulls, log)?;
        }
        Ok(())
    }

    /// The first record fixes the columns: their names, or (no header) their
    /// number, in which case it is also the first row.
    fn take_first_record(&mut self, options: &IngestOptions) -> Result<()> {
        let record = self.reader.record(&self.batch);
        self.names = if options.has_header {
            header::column_names(record.fields())
        } else {
            header::generated_names(record.ends.len())
        };
        if let Some(unknown) = options.column_types.keys().find(|name| !self.names.contains(name)) {
            return Err(QuiverError::UnknownColumn(unknown.clone()));
        }
        self.columns = self
            .names
            .iter()
            .map(|name| ColumnBuilder::new(name.clone(), options.column_types.get(name).copied()))
            .collect();
        self.batch.set_columns(self.names.len());
        self.reader.commit(&mut self.batch, !options.has_header);
        Ok(())
    }

    /// Turns the buffered rows into one more Arrow array per column.
    fn freeze(&mut self, options: &IngestOptions, nulls: &NullTokens, log: &mut WarningLog) -> Result<()> {
        let utf8 = self.batch.is_utf8();
        for (index, column) in self.columns.iter_mut().enumerate() {
            let mut issues = ColumnIssues::default();
            let slice = ColumnSlice { batch: &self.batch, column: index, utf8 };
            column.append(slice, nulls, options.strict, &mut issues)?;
            log.invalid_utf8.merge(issues.invalid_utf8);
            if issues.unparsed.count > 0 {
                match log.unparsed.iter_mut().find(|(c, _, _)| *c == index) {
                    Some((_, _, tally)) => tally.merge(issues.unparsed),
                    None => log.unparsed.push((index, column.kind().map_or("value", ColumnKind::name), issues.unparsed)),
                }
            }
        }
        self.rows_frozen += self.batch.rows();
        self.batches_frozen += 1;
        self.batch.clear();
        self.memory_bytes = self.columns.iter().map(ColumnBuilder::memory_bytes).sum::<usize>() as u64;
        Ok(())
    }

    fn table(&mut self) -> Result<Table> {
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut arrays = Vec::with_capacity(self.columns.len());
        for column in &mut self.columns {
            let (data_type, chunks) = column.arrays()?;
            fields.push(Field::new(column.name(), data_type, true));
            arrays.push(chunks);
        }
        let schema = Arc::new(Schema::new(fields));
        let batches = (0..self.batches_frozen)
            .map(|i| {
                let columns = arrays.iter().map(|chunks| chunks[i].clone()).collect();
                RecordBatch::try_new(schema.clone(), columns)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Table::new(schema, batches))
    }
}
