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
pub mod encoding;
pub mod header;
pub mod infer;
pub mod options;
pub mod range;
pub mod records;
pub mod region;
pub mod sniff;
pub mod warnings;
pub mod widen;
pub mod written;

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema};

pub use options::{ColumnKind, IngestOptions};
pub use warnings::{Warning, WarningKind, WarningLog};

use column::{ColumnBuilder, ColumnIssues, ColumnSlice, NullTokens};
use records::{RawBatch, RecordReader, Step};

use crate::error::{QuiverError, Result};
use crate::table::Table;
use encoding::Decode;
use encoding_rs::{Encoding, UTF_8};

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
    /// How much of the file start is examined: [`sniff::SNIFF_BYTES`], less
    /// in tests and fuzzing so that small inputs are parsed chunk by chunk.
    sniff_bytes: usize,
    /// Reading one byte range of the file (see [`range`]).
    range: Option<RangeIngest>,
    /// The file's encoding, once known (UTF-8 until then).
    encoding: &'static Encoding,
    /// The encoding was guessed (no byte order mark, not UTF-8).
    encoding_guessed: bool,
    /// Bytes into UTF-8, for a file in another encoding (`None`: UTF-8,
    /// parsed as it comes).
    decode: Option<Decode>,
    /// The number formats of the first block, given by a sharded load's
    /// layout (whose first range may examine less).
    preset_formats: Option<Vec<infer::Dialect>>,
}

/// A ranged ingest's position in the file.
struct RangeIngest {
    start: u64,
    end: u64,
    exact: bool,
    /// Absolute offset of the next byte pushed.
    position: u64,
    skip: Skip,
    /// A file in an encoding other than UTF-8 is read by its first range
    /// alone (decoded offsets are not file offsets, see [`encoding`]): the
    /// first range reads to the file's end, the others take nothing.
    whole_file: bool,
    idle: bool,
}

/// Looking for the first line start of a range (all but the first).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Skip {
    /// Up to and including the first line break.
    ToLineBreak,
    /// The break was a `\r` at the end of a chunk: a `\n` next is part of it.
    AfterCr,
    Done,
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
    /// Batches frozen so far (a snapshot changes when this does).
    batches_frozen: usize,
    /// The file's size (or the range's), for the rows to expect.
    expected_bytes: Option<u64>,
    memory_bytes: u64,
    /// The arrays went to the final table (see `release`).
    released: bool,
    /// Ranged: records starting at or after this (in the reader's bytes)
    /// belong to the next range.
    range_end: Option<u64>,
    /// The reader's byte 0 in the file.
    base: u64,
    /// Where the first data record starts, and the first one not taken.
    first_record: Option<u64>,
    stopped_at: Option<u64>,
    /// The header's fields (trimmed), to notice it repeated mid-file.
    header: Option<Vec<Vec<u8>>>,
    /// Number formats the first block shows, by column (see
    /// [`sniff::dialects`]).
    number_formats: Vec<infer::Dialect>,
}

impl RangeIngest {
    /// The part of `chunk` from the first line start on (`None`: none yet).
    fn skip_to_line_start<'a>(&mut self, chunk: &'a [u8]) -> Option<&'a [u8]> {
        if self.skip == Skip::AfterCr {
            self.skip = Skip::Done;
            return Some(chunk.strip_prefix(b"\n").unwrap_or(chunk));
        }
        let at = chunk.iter().position(|&b| b == b'\n' || b == b'\r')?;
        let rest = &chunk[at + 1..];
        if chunk[at] == b'\r' {
            if rest.is_empty() {
                self.skip = Skip::AfterCr;
                return None;
            }
            self.skip = Skip::Done;
            return Some(rest.strip_prefix(b"\n").unwrap_or(rest));
        }
        self.skip = Skip::Done;
        Some(rest)
    }
}

impl Ingest {
    pub fn new(options: IngestOptions) -> Result<Self> {
        Self::with_sniff_bytes(options, sniff::SNIFF_BYTES)
    }

    /// As [`Ingest::new`], examining only the first `sniff_bytes` bytes (at
    /// least 1) before parsing: for tests and fuzzing, where files are small
    /// and would otherwise be parsed in one piece at `finish`. With fewer
    /// than 4 (a byte order mark's length) at the start of a file, a mark
    /// cut by the block is not recognised.
    #[doc(hidden)]
    pub fn with_sniff_bytes(options: IngestOptions, sniff_bytes: usize) -> Result<Self> {
        options.validate()?;
        Ok(Ingest {
            nulls: NullTokens::new(&options.null_values),
            options,
            phase: Phase::Sniffing(Vec::new()),
            bytes_read: 0,
            expected_bytes: None,
            log: WarningLog::default(),
            finished: false,
            sniff_bytes: sniff_bytes.max(1),
            range: None,
            encoding: UTF_8,
            encoding_guessed: false,
            decode: None,
            preset_formats: None,
        })
    }

    /// An ingest of the byte range `[start, end)` of a file laid out as
    /// `layout` (see [`range`]): it takes the records that start in the
    /// range. Push the file's bytes from `start` for the first range
    /// (`start == 0`), else from `start - 1` (one byte to tell whether
    /// `start` is a line start), and keep pushing past `end` while
    /// [`Ingest::wants_more`]; then [`Ingest::range_report`].
    /// `exact_start`: `start` is known to be a record start (a range read
    /// again): push from `start` itself, nothing is skipped.
    pub fn for_range(options: IngestOptions, layout: &range::Layout, start: u64, end: u64, exact_start: bool) -> Result<Self> {
        let mut options = options;
        options.delimiter = Some(layout.delimiter as char);
        options.quote = layout.quote.map(char::from);
        options.encoding = Some(layout.encoding.clone());
        let legacy = encoding::for_label(&layout.encoding)? != UTF_8;
        let first = start == 0;
        if !first {
            options.has_header = false;
        }
        // The layout already examined the file's start: the first range only
        // waits for the 3 bytes that may be a byte order mark.
        // With a prelude (a `sep=` line, comments), the first range examines
        // the same first block as the layout did, and finds the same one.
        let sniff_bytes = if first && layout.prelude.lines > 0 { sniff::SNIFF_BYTES } else { 3 };
        let mut ingest = Ingest::with_sniff_bytes(options, sniff_bytes)?;
        ingest.encoding_guessed = first && layout.encoding_guessed;
        ingest.preset_formats = Some(layout.dialects.clone());
        let skip = if first || exact_start { Skip::Done } else { Skip::ToLineBreak };
        let position = if first || exact_start { start } else { start - 1 };
        ingest.range =
            Some(RangeIngest { start, end, exact: exact_start, position, skip, whole_file: legacy && first, idle: legacy && !first });
        if !first {
            // No header and no sniffing: the columns are the layout's.
            let mut parser = ingest.new_parser(layout.delimiter);
            parser.names = layout.names.clone();
            parser.header = layout.header.as_ref().map(|h| h.iter().map(|f| f.as_bytes().to_vec()).collect());
            parser.columns = column_builders(&parser.names, &ingest.options, layout.delimiter, &layout.dialects);
            parser.batch.set_columns(parser.names.len());
            parser.base = position;
            ingest.phase = Phase::Parsing(parser);
        }
        Ok(ingest)
    }

    /// A ranged ingest that was told its start is a record start.
    pub fn range_starts_exactly(&self) -> bool {
        self.range.as_ref().is_some_and(|r| r.exact)
    }

    /// A ranged ingest still needs bytes: the record in progress at the
    /// range's end is not complete yet.
    pub fn wants_more(&self) -> bool {
        if self.range.as_ref().is_some_and(|r| r.idle) {
            return false;
        }
        match &self.phase {
            Phase::Parsing(parser) => parser.stopped_at.is_none() && !self.finished,
            Phase::Sniffing(_) => !self.finished,
        }
    }

    /// What a ranged ingest found about its edges (see [`range::resolve`]).
    pub fn range_report(&self) -> range::RangeReport {
        let (start, end) = self.range.as_ref().map_or((0, u64::MAX), |r| (r.start, r.end));
        let Phase::Parsing(parser) = &self.phase else {
            return range::RangeReport { start, end, ..Default::default() };
        };
        if self.range.as_ref().is_some_and(|r| r.idle) {
            return range::RangeReport { start, end, ..Default::default() };
        }
        range::RangeReport {
            start,
            end,
            first_record: parser.first_record.map(|r| parser.base + r),
            next_record: parser.stopped_at.map(|r| parser.base + r),
            lines: parser.reader.next_line() - 1,
        }
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
        if self.range.as_ref().is_some_and(|r| r.idle) {
            return Ok(());
        }
        self.bytes_read += chunk.len() as u64;
        let mut chunk = chunk;
        if let Some(range) = &mut self.range {
            range.position += chunk.len() as u64;
            if range.skip != Skip::Done {
                let Some(rest) = range.skip_to_line_start(chunk) else { return Ok(()) };
                chunk = rest;
                if let Phase::Parsing(parser) = &mut self.phase {
                    parser.base = range.position - chunk.len() as u64;
                }
            }
        }
        match &mut self.phase {
            Phase::Sniffing(block) => {
                block.extend_from_slice(chunk);
                if block.len() >= self.sniff_bytes {
                    self.start_parsing(false)?;
                }
                Ok(())
            }
            Phase::Parsing(parser) => {
                parser.expected_bytes = self.expected_bytes;
                if parser.stopped_at.is_some() {
                    // A ranged ingest past its last record: the rest is the next range's.
                    return Ok(());
                }
                match &mut self.decode {
                    None => parser.feed(chunk, &self.options, &self.nulls, &mut self.log)?,
                    Some(decode) => {
                        let text = decode.decode(chunk, false);
                        let fed = parser.feed(text, &self.options, &self.nulls, &mut self.log);
                        self.log.undecodable = decode.replaced;
                        fed?
                    }
                }
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
        if let Some(decode) = self.decode.as_mut().filter(|d| !d.ended()) {
            // A character cut at the file's end becomes U+FFFD.
            let text = decode.decode(&[], true);
            let fed = parser.feed(text, &self.options, &self.nulls, &mut self.log);
            self.log.undecodable = decode.replaced;
            fed?;
        }
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
        let table = parser.table()?;
        // The table now holds the only references to the column chunks, so
        // compacting it frees each column's chunks as that column is done:
        // the load's peak is the table plus one column, not two tables.
        parser.release();
        let table = table.compacted()?;
        self.check_memory_of(table.memory_bytes() as u64)?;
        Ok(table)
    }

    /// Ends the load early (a cancel, an error): every complete record read
    /// so far becomes part of the table, including those of the batch still
    /// being filled; only a record cut off mid-way is dropped. The ingest
    /// takes no more input afterwards. Used where [`Ingest::finish`] would
    /// be wrong because the input did not really end.
    pub fn stop(&mut self) -> Result<Table> {
        self.finished = true;
        if let Phase::Sniffing(_) = self.phase {
            if self.bytes_read == 0 {
                return Ok(Table::empty());
            }
            // Fewer bytes than the sniffer wanted: examine what there is.
            self.start_parsing(false)?;
        }
        let Phase::Parsing(parser) = &mut self.phase else { unreachable!("parsing has started") };
        if parser.batch.rows() > 0 {
            parser.freeze(&self.options, &self.nulls, &mut self.log)?;
        }
        let table = parser.table()?;
        parser.release();
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
        let fields: Vec<Field> = parser.columns.iter().filter(|c| !c.is_skipped()).map(|c| c.field(c.data_type())).collect();
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

    /// Arrays visited so far by every column (built, converted, handed out
    /// in snapshots): a measure of the load's work, which must grow linearly
    /// with the number of batches (`tests/ingest.rs` counts it).
    #[doc(hidden)]
    pub fn arrays_visited(&self) -> u64 {
        match &self.phase {
            Phase::Parsing(parser) => parser.columns.iter().map(ColumnBuilder::arrays_visited).sum(),
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

    /// The file's encoding (UTF-8 until the first block was examined) and
    /// whether it was guessed.
    pub fn encoding(&self) -> (&'static Encoding, bool) {
        (self.encoding, self.encoding_guessed)
    }

    /// Whether `finish` was called (successfully or not).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// What was noted so far, for merging with other ranges' logs.
    pub fn warning_log(&self) -> &WarningLog {
        &self.log
    }

    pub fn warnings(&self) -> Vec<Warning> {
        match &self.phase {
            Phase::Parsing(parser) => self.log.warnings(&parser.names, parser.names.len()),
            _ => Vec::new(),
        }
    }

    /// Examines the held-back first block, then parses it.
    ///
    /// Exactly the first `sniff_bytes` of the file are examined, however many
    /// arrived in the chunk that filled the block: the table must not depend
    /// on how the file was cut (a 1 MB first chunk would otherwise show the
    /// delimiter detection more records than a 64 KB one).
    fn start_parsing(&mut self, complete: bool) -> Result<()> {
        let Phase::Sniffing(block) = std::mem::replace(&mut self.phase, Phase::Sniffing(Vec::new())) else {
            return Ok(());
        };
        if let Some(what) = sniff::binary_signature(&block) {
            return Err(QuiverError::NotText(what.to_string()));
        }
        let cut = block.len().min(self.sniff_bytes);
        let detected = match &self.options.encoding {
            Some(label) => {
                let encoding = encoding::for_label(label)?;
                encoding::Detected { encoding, guessed: false, bom: encoding::bom_of(&block, encoding) }
            }
            None => encoding::detect(&block[..cut], complete && cut == block.len()),
        };
        self.encoding = detected.encoding;
        self.encoding_guessed |= detected.guessed;
        if self.encoding_guessed {
            self.log.guessed_encoding = Some(encoding::describe(detected.encoding));
        }
        let cut = cut.max(detected.bom);
        let decoded;
        let (examined, text): (&[u8], &[u8]) = if detected.encoding == UTF_8 {
            (&block[detected.bom..cut], &block[detected.bom..])
        } else {
            // Exactly the first `sniff_bytes` are examined, decoded.
            let mut decode = Decode::new(detected.encoding);
            let whole = cut == block.len();
            let mut text = decode.decode(&block[detected.bom..cut], complete && whole).to_vec();
            let examined = text.len();
            if !whole {
                text.extend_from_slice(decode.decode(&block[cut..], complete));
            }
            self.log.undecodable = decode.replaced;
            self.decode = Some(decode);
            decoded = (text, examined);
            (&decoded.0[..decoded.1], &decoded.0[..])
        };
        if complete && text.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(QuiverError::EmptyFile);
        }
        sniff::check_text(examined)?;
        let quote = self.options.quote_byte();
        let (prelude, delimiter) = sniff::read_prelude(examined, self.options.delimiter_byte(), quote, complete);
        let text = &text[prelude.bytes..];
        if prelude.comments > 0 {
            self.log.comment_lines = Some((prelude.lines - prelude.comments + 1, prelude.lines));
        }
        let mut parser = self.new_parser(delimiter);
        parser.number_formats = match &self.preset_formats {
            Some(formats) => formats.clone(),
            None => sniff::dialects(&examined[prelude.bytes..], delimiter, quote),
        };
        // The reader starts after a byte order mark and the prelude.
        parser.base = (detected.bom + prelude.bytes) as u64;
        parser.reader.skip_lines(prelude.lines);
        // In place before feeding: an error in the first block keeps the
        // rows before it readable (see `stop`).
        self.phase = Phase::Parsing(parser);
        let Phase::Parsing(parser) = &mut self.phase else { unreachable!("just set") };
        parser.feed(text, &self.options, &self.nulls, &mut self.log)?;
        self.check_memory()
    }

    fn new_parser(&self, delimiter: u8) -> Box<Parser> {
        Box::new(Parser {
            delimiter,
            reader: RecordReader::new(delimiter, self.options.quote_byte()),
            batch: RawBatch::new(0),
            columns: Vec::new(),
            names: Vec::new(),
            rows_frozen: 0,
            batches_frozen: 0,
            expected_bytes: None,
            memory_bytes: 0,
            released: false,
            range_end: self.range.as_ref().filter(|r| !r.whole_file).map(|r| r.end),
            base: 0,
            first_record: None,
            stopped_at: None,
            header: None,
            number_formats: Default::default(),
        })
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
        while self.stopped_at.is_none() {
            let Step::Record = self.reader.next(&mut input, &mut self.batch) else { break };
            self.take_record(options, nulls, log)?;
        }
        Ok(())
    }

    fn feed_end(&mut self, options: &IngestOptions, nulls: &NullTokens, log: &mut WarningLog) -> Result<()> {
        while self.stopped_at.is_none() {
            let Step::Record = self.reader.finish(&mut self.batch) else { break };
            self.take_record(options, nulls, log)?;
        }
        if self.batch.rows() > 0 {
            self.freeze(options, nulls, log)?;
        }
        Ok(())
    }

    fn take_record(&mut self, options: &IngestOptions, nulls: &NullTokens, log: &mut WarningLog) -> Result<()> {
        if self.columns.is_empty() {
            return self.take_first_record(options, nulls, log);
        }
        let record = self.reader.record(&self.batch);
        let (found, line, start) = (record.ends.len(), record.line, record.start);
        if self.range_end.is_some_and(|end| self.base + start >= end) {
            // The first record of the next range: not ours.
            self.stopped_at = Some(start);
            self.first_record.get_or_insert(start);
            return Ok(());
        }
        self.first_record.get_or_insert(start);
        if let Some(header) = &self.header {
            // First a byte: a data row rarely starts as the header does
            // (the full comparison of every row cost 2.5 % of the
            // instructions of a load of short rows: examples/ingest_bench.rs
            // under callgrind). A repeat that differs in leading spaces is
            // not noticed.
            let record = self.reader.record(&self.batch);
            let repeated = found == header.len()
                && record.text.first() == header.first().and_then(|h| h.first())
                && record.fields().zip(header).all(|(f, h)| infer::trim(f) == h.as_slice());
            if repeated {
                log.repeated_header.add(line);
                log.repeated_header_kept = options.keep_repeated_headers;
                if !options.keep_repeated_headers {
                    self.reader.commit(&mut self.batch, false);
                    return Ok(());
                }
            }
        }
        let expected = self.columns.len();
        if found != expected {
            if options.strict {
                return Err(QuiverError::RaggedRow { line, found, expected });
            }
            if found < expected { &mut log.short_rows } else { &mut log.long_rows }.add(line);
        }
        // Out of the sample (`sampleFraction`): read, counted in the
        // warnings above, not kept.
        let kept = options.samples(self.base + start);
        self.reader.commit(&mut self.batch, kept);
        self.freeze_if_full(options, nulls, log)
    }

    fn freeze_if_full(&mut self, options: &IngestOptions, nulls: &NullTokens, log: &mut WarningLog) -> Result<()> {
        let target = if self.batches_frozen == 0 { FIRST_BATCH_ROWS.min(options.batch_rows) } else { options.batch_rows };
        if self.batch.rows() >= target || self.batch.bytes() >= BATCH_TEXT_BYTES {
            self.freeze(options, nulls, log)?;
        }
        Ok(())
    }

    /// The first record fixes the columns: their names, or (no header) their
    /// number, in which case it is also the first row.
    fn take_first_record(&mut self, options: &IngestOptions, nulls: &NullTokens, log: &mut WarningLog) -> Result<()> {
        let record = self.reader.record(&self.batch);
        let record_start = record.start;
        if options.has_header {
            self.header = Some(record.fields().map(|f| infer::trim(f).to_vec()).collect());
        }
        self.names = if options.has_header {
            header::column_names(record.fields())
        } else {
            header::generated_names(record.ends.len())
        };
        if let Some(unknown) = options.named_columns().find(|name| !self.names.contains(name)) {
            return Err(QuiverError::UnknownColumn(unknown.clone()));
        }
        self.columns = column_builders(&self.names, options, self.delimiter, &self.number_formats);
        self.batch.set_columns(self.names.len());
        let first_row = !options.has_header && options.samples(self.base + record_start);
        self.reader.commit(&mut self.batch, first_row);
        // Without a header the first record is a row: batches must be cut
        // alike either way (a first batch one row too long changed how a
        // column that widens later writes its earlier values).
        self.freeze_if_full(options, nulls, log)
    }

    /// Turns the buffered rows into one more Arrow array per column.
    fn freeze(&mut self, options: &IngestOptions, nulls: &NullTokens, log: &mut WarningLog) -> Result<()> {
        let utf8 = self.batch.is_utf8();
        for (index, column) in self.columns.iter_mut().enumerate() {
            let mut issues = ColumnIssues::default();
            let slice = ColumnSlice::new(&self.batch, index, utf8);
            column.append(slice, nulls, options.strict, &mut issues)?;
            log.invalid_utf8.merge(issues.invalid_utf8);
            if issues.unparsed.count > 0 {
                match log.unparsed.iter_mut().find(|(c, _, _)| *c == index) {
                    Some((_, _, tally)) => tally.merge(issues.unparsed),
                    None => log.unparsed.push((index, column.kind().map_or("value", ColumnKind::name).into(), issues.unparsed)),
                }
            }
        }
        self.rows_frozen += self.batch.rows();
        self.batches_frozen += 1;
        self.batch.clear();
        // The rows to expect, from the bytes per row so far: each column
        // allocates its storage for them once (see `region`) — but never
        // for more rows than the memory limit lets the table have: a
        // reservation for a file far too large must not be what runs out of
        // memory (the limit stops such a load once its estimate is trusted).
        if let Some(total) = self.expected_bytes {
            let consumed = self.reader.consumed().max(1);
            let mut expected = (self.rows_frozen as f64 * total as f64 / consumed as f64) as usize;
            // Without a limit: no more than a wasm instance can address.
            let limit = options.memory_limit_bytes.unwrap_or(4 << 30);
            let table_bytes = self.columns.iter().map(ColumnBuilder::memory_bytes).sum::<usize>().max(1);
            let bytes_per_row = table_bytes as f64 / self.rows_frozen.max(1) as f64;
            expected = expected.min((limit as f64 / bytes_per_row) as usize);
            self.columns.iter_mut().for_each(|c| c.expect_rows(expected.max(self.rows_frozen)));
        }
        self.memory_bytes = self.columns.iter().map(ColumnBuilder::memory_bytes).sum::<usize>() as u64;
        Ok(())
    }

    /// Frees the builders' arrays and text buffer once a table holds them;
    /// no table can be built afterwards.
    fn release(&mut self) {
        self.columns.iter_mut().for_each(ColumnBuilder::release);
        self.batch.release();
        self.released = true;
    }

    fn table(&mut self) -> Result<Table> {
        if self.released {
            return Err(QuiverError::AlreadyLoaded);
        }
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut arrays = Vec::with_capacity(self.columns.len());
        let mut zone_maps = Vec::new();
        for column in self.columns.iter_mut().filter(|c| !c.is_skipped()) {
            let (data_type, array) = column.array()?;
            if let Some(map) = column.zone_map() {
                zone_maps.push((array.clone(), Arc::new(map)));
            }
            fields.push(column.field(data_type));
            arrays.push(array);
        }
        let schema = Arc::new(Schema::new(fields));
        if arrays.iter().any(|a| a.len() != self.rows_frozen) {
            // Only after a failed conversion (an error already reported).
            return Err(QuiverError::Source("the table is incomplete after an earlier error".into()));
        }
        if self.rows_frozen == 0 {
            return Ok(Table::new(schema, Vec::new()));
        }
        // One batch viewing each column's storage: no copy, whatever the
        // number of batches read.
        let batch = RecordBatch::try_new(schema.clone(), arrays)?;
        Ok(Table::new(schema, vec![batch]).with_zone_maps(zone_maps))
    }
}

/// The builders of a file's columns (`names`), as the options and the
/// dialects of the first block set them up; columns the `columns` option
/// leaves out are skipped.
fn column_builders(names: &[String], options: &IngestOptions, delimiter: u8, dialects: &[infer::Dialect]) -> Vec<ColumnBuilder> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            ColumnBuilder::new(name.clone(), options.column_types.get(name).copied())
                .with_dialect(delimiter, dialects.get(i).copied().unwrap_or_default())
                .with_date_order(options.date_orders.get(name).copied())
                .with_number_format(options.number_formats.get(name).copied())
                .skipped(!options.loads(name))
        })
        .collect()
}
