//! One file read by several ingests at once, each from its own byte range
//! (the shards of a large file, each in its own wasm instance), and how their
//! pieces are checked to join up exactly.
//!
//! A range `[start, end)` owns the records that *start* in it. Its ingest
//! begins at the first line start at or after `start` — a guess: a line
//! break inside a quoted field looks the same — and reads past `end` until
//! the record in progress there is complete; it reports where its first
//! record started and where the first record it did not take starts. The
//! previous range's report is the truth about where this range really
//! starts (the first range starts at the file's start, so the truth runs
//! from range to range): [`resolve`] accepts a range whose guess was right
//! and asks for the rare one whose guess was wrong (a quoted field with line
//! breaks across the cut) to be read again from the right byte.
//!
//! Every range uses one [`Layout`] (delimiter, quote, column names), taken
//! from the first block of the file before any range starts; only the first
//! range reads the header. Line numbers are counted from each range's first
//! record; [`resolve`] gives each range the lines before it, so warnings
//! name real lines.
//!
//! What must change together: `Ingest::for_range` (the skip to a line start
//! and the stop after `end`), `RecordReader`'s byte and line counting, and
//! the client's sharded load (js/), which reads `start - 1 ..` for every
//! range but the first (one byte of look-behind: is `start` a line start?).

use serde::{Deserialize, Serialize};

use arrow_array::{new_null_array, Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{DataType, Field, Schema, TimeUnit};

use super::options::{ColumnKind, IngestOptions};
use super::records::{RawBatch, RecordReader, Step};
use super::{encoding, header, infer, sniff, widen, Ingest};
use crate::error::{QuiverError, Result};
use crate::table::Table;

/// How every range reads the file: what the first block of the file says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// One ASCII byte.
    pub delimiter: u8,
    pub quote: Option<u8>,
    /// The columns, from the header (or `column_1` … without one).
    pub names: Vec<String>,
    /// The file's encoding (its WHATWG name). Not UTF-8: the first range
    /// reads the whole file (see [`super::encoding`]).
    #[serde(default = "utf8_name")]
    pub encoding: String,
    #[serde(default, rename = "encodingGuessed")]
    pub encoding_guessed: bool,
    /// Lines before the header (`sep=`, comments): only the first range
    /// sees them.
    #[serde(default)]
    pub prelude: sniff::Prelude,
    /// The header's fields as written (trimmed), to notice it repeated in
    /// any range.
    #[serde(default)]
    pub header: Option<Vec<String>>,
    /// Each column's dialect (numbers, dates) as the first block shows it:
    /// every range starts from it (see [`sniff::dialects`]).
    #[serde(default)]
    pub dialects: Vec<infer::Dialect>,
}

fn utf8_name() -> String {
    "UTF-8".into()
}

impl Layout {
    /// The layout of a file from its first block (`complete`: the block is
    /// the whole file). Fails as a load would on what a block shows: a
    /// binary file, an empty file, an unknown forced column.
    pub fn of(first_block: &[u8], options: &IngestOptions, complete: bool) -> Result<Layout> {
        options.validate()?;
        let block = &first_block[..first_block.len().min(sniff::SNIFF_BYTES)];
        let complete = complete && block.len() == first_block.len();
        if let Some(what) = sniff::binary_signature(block) {
            return Err(QuiverError::NotText(what.to_string()));
        }
        let detected = match &options.encoding {
            Some(label) => {
                let encoding = encoding::for_label(label)?;
                encoding::Detected { encoding, guessed: false, bom: encoding::bom_of(block, encoding) }
            }
            None => encoding::detect(block, complete),
        };
        let decoded;
        let text = if detected.encoding == encoding_rs::UTF_8 {
            &block[detected.bom..]
        } else {
            decoded = encoding::Decode::new(detected.encoding).decode(&block[detected.bom..], complete).to_vec();
            &decoded[..]
        };
        if complete && text.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(QuiverError::EmptyFile);
        }
        sniff::check_text(text)?;
        let quote = options.quote_byte();
        let (prelude, delimiter) = sniff::read_prelude(text, options.delimiter_byte(), quote, complete);
        let block_text = text;
        let text = &text[prelude.bytes..];
        // The first record, read as the ingest reads it.
        let mut reader = RecordReader::new(delimiter, quote);
        let mut batch = RawBatch::new(0);
        let mut input = text;
        let mut step = reader.next(&mut input, &mut batch);
        if matches!(step, Step::NeedInput) {
            step = reader.finish(&mut batch);
        }
        if !matches!(step, Step::Record) {
            return Err(QuiverError::EmptyFile);
        }
        let record = reader.record(&batch);
        let names =
            if options.has_header { header::column_names(record.fields()) } else { header::generated_names(record.ends.len()) };
        if let Some(unknown) = options.named_columns().find(|name| !names.contains(name)) {
            return Err(QuiverError::UnknownColumn(unknown.clone()));
        }
        let header = options
            .has_header
            .then(|| record.fields().map(|f| String::from_utf8_lossy(infer::trim(f)).into_owned()).collect());
        let dialects = sniff::dialects(&block_text[prelude.bytes..], delimiter, quote);
        Ok(Layout {
            dialects,
            prelude,
            header,
            delimiter,
            quote,
            names,
            encoding: detected.encoding.name().into(),
            encoding_guessed: detected.guessed,
        })
    }
}

/// What a range's ingest found about its edges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangeReport {
    /// The range as asked: `[start, end)`.
    pub start: u64,
    pub end: u64,
    /// Where its first record starts (`None`: it found no record start —
    /// one record runs through the whole range, or the file ended).
    pub first_record: Option<u64>,
    /// Where the first record it did not take starts (`None`: the file
    /// ended first).
    pub next_record: Option<u64>,
    /// Line breaks from its first record up to `next_record` (or the end).
    pub lines: u64,
}

/// What to do with a range once the ranges before it are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "action")]
pub enum Resolution {
    /// Its first record was a real record start: keep its rows. Its
    /// records' lines are counted from `line_offset + 1`.
    #[serde(rename_all = "camelCase")]
    Keep { line_offset: u64 },
    /// No record starts in it (one record runs across the whole range, or
    /// the file ended before it): it holds no rows.
    Empty,
    /// It started inside a quoted field: read it again from `from`, a true
    /// record start (so without the line-start guess).
    Reread { from: u64 },
    /// A range before it is read again: decide once that one reported.
    Wait,
}

/// Decides, range by range in file order, whether each range's guessed
/// start was right. `reports[0]` is the range holding the file's start,
/// which is always right. A range read again reports again (its `start` is
/// then the exact `from`) and everything is resolved again.
pub fn resolve(reports: &[RangeReport]) -> Vec<Resolution> {
    let mut out = Vec::with_capacity(reports.len());
    // The true start of the next record (None: the file ended).
    let mut truth: Option<u64> = reports.first().map(|r| r.start);
    let mut lines = 0;
    for (i, report) in reports.iter().enumerate() {
        let keep = match truth {
            None => false,
            Some(_) if i == 0 => true,
            Some(expected) if expected >= report.end => false,
            Some(expected) if report.first_record == Some(expected) => true,
            Some(expected) => {
                out.push(Resolution::Reread { from: expected });
                out.resize(reports.len(), Resolution::Wait);
                return out;
            }
        };
        if keep {
            out.push(Resolution::Keep { line_offset: lines });
            lines += report.lines;
            truth = report.next_record;
        } else {
            out.push(Resolution::Empty);
        }
    }
    out
}

/// What one range's table says about a column's type, for [`unified_types`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnSummary {
    /// `None`: no value in this range.
    pub kind: Option<ColumnKind>,
    /// Bytes of integer storage (1, 2, 4, 8).
    pub int_width: u8,
    /// Timestamps with a zone.
    pub zoned: bool,
    /// Integers beyond ±2^53 (a float could not hold them exactly).
    pub beyond_exact_float: bool,
    /// How the range's numbers and dates were written.
    #[serde(default)]
    pub dialect: infer::Dialect,
}

/// The summary of each column of a range's table.
pub fn summarize(table: &Table) -> Result<Vec<ColumnSummary>> {
    let batch = table.single_batch()?;
    let schema = batch.schema();
    Ok(batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(array, field)| {
            if array.null_count() == array.len() {
                return ColumnSummary::default();
            }
            let dialect = field.metadata().get(super::column::DIALECT_KEY).map(|d| infer::Dialect::parse(d)).unwrap_or_default();
            let mut summary = ColumnSummary { kind: Some(ColumnKind::of(array.data_type())), dialect, ..Default::default() };
            match array.data_type() {
                DataType::Int8 => summary.int_width = 1,
                DataType::Int16 => summary.int_width = 2,
                DataType::Int32 => summary.int_width = 4,
                DataType::Int64 => {
                    summary.int_width = 8;
                    let values = widen::as_int64(array.as_ref());
                    summary.beyond_exact_float =
                        values.iter().flatten().any(|v| v.unsigned_abs() > infer::MAX_EXACT_FLOAT_INT as u64);
                }
                DataType::Timestamp(_, Some(_)) => summary.zoned = true,
                _ => {}
            }
            summary
        })
        .collect())
}

/// The column types every range's table takes, so the ranges read as one
/// table (`summaries[range][column]`): per column, the narrowest kind
/// holding every range's values (the ingest's own lattice: integer → float
/// → string, date → timestamp → string, any other mix string; an integer
/// beyond ±2^53 never becomes a float), the widest integer storage, a zone
/// when any range had one. `None`: no range has a value (keep as is). Text
/// stays dictionary-encoded or plain as each range chose (queries compare
/// values, not storage).
pub fn unified_types(summaries: &[Vec<ColumnSummary>]) -> Vec<Option<DataType>> {
    let columns = summaries.first().map_or(0, Vec::len);
    (0..columns)
        .map(|c| {
            let mut kind: Option<ColumnKind> = None;
            let (mut int_width, mut zoned, mut beyond_float) = (0, false, false);
            for range in summaries {
                let summary = range[c];
                let Some(k) = summary.kind else { continue };
                kind = Some(kind.map_or(k, |so_far| infer::join(so_far, k)));
                int_width = int_width.max(summary.int_width);
                zoned |= summary.zoned;
                beyond_float |= summary.beyond_exact_float;
            }
            if kind == Some(ColumnKind::Float) && beyond_float {
                kind = Some(ColumnKind::String);
            }
            if unified_dialect(summaries, c).is_none() {
                // Numbers written two ways (`1.5` in one range, `1,5` in
                // another): nothing says which the file meant.
                kind = Some(ColumnKind::String);
            }
            kind.map(|k| match k {
                ColumnKind::Integer => match int_width {
                    1 => DataType::Int8,
                    2 => DataType::Int16,
                    4 => DataType::Int32,
                    _ => DataType::Int64,
                },
                ColumnKind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, zoned.then(|| "UTC".into())),
                other => other.storage_type(),
            })
        })
        .collect()
}

/// The dialect of column `c` over all ranges, `None` when they disagree.
/// Numbers: the format other than plain that some range used (ranges of
/// plain integers agree with any), plain if none did; a disagreement is two
/// formats, or plain decimals next to another format. Dates: the order a
/// range's values decided (ranges that only picked one swap to it), else
/// the first range's pick; a disagreement is two decided orders.
pub fn unified_dialect(summaries: &[Vec<ColumnSummary>], c: usize) -> Option<infer::Dialect> {
    use infer::{DateOrder, NumberFormat::Plain};
    let mut format = Plain;
    for summary in summaries.iter().map(|range| range[c]) {
        let f = summary.dialect.number;
        if f != Plain && format != Plain && f != format {
            return None;
        }
        if f != Plain {
            format = f;
        }
    }
    let plain_decimals =
        summaries.iter().any(|range| range[c].dialect.number == Plain && range[c].kind == Some(ColumnKind::Float));
    if format != Plain && plain_decimals {
        return None;
    }
    let dated = || summaries.iter().map(|range| range[c]).filter(|s| s.dialect.dates != DateOrder::Iso && matches!(s.kind, Some(ColumnKind::Date | ColumnKind::Timestamp)));
    let mut decided: Option<DateOrder> = None;
    for summary in dated().filter(|s| s.dialect.dates_decided) {
        if decided.is_some_and(|d| d != summary.dialect.dates) {
            return None;
        }
        decided = Some(summary.dialect.dates);
    }
    let (dates, dates_decided) = match decided {
        Some(order) => (order, true),
        None => (dated().next().map_or(DateOrder::Iso, |s| s.dialect.dates), false),
    };
    Some(infer::Dialect { number: format, dates, dates_decided })
}

/// Each column's dialect over all ranges (see [`unified_dialect`]).
pub fn unified_dialects(summaries: &[Vec<ColumnSummary>]) -> Vec<infer::Dialect> {
    let columns = summaries.first().map_or(0, Vec::len);
    (0..columns).map(|c| unified_dialect(summaries, c).unwrap_or_default()).collect()
}

/// A range's table in the unified types (see [`unified_types`]), its
/// number columns showing their unified format.
pub fn convert_table(table: &Table, targets: &[Option<DataType>], dialects: &[infer::Dialect]) -> Result<Table> {
    let batch = table.single_batch()?;
    if targets.len() != batch.num_columns() {
        return Err(QuiverError::InvalidQuery(format!(
            "{} column types for a table of {} columns",
            targets.len(),
            batch.num_columns()
        )));
    }
    let mut fields = Vec::with_capacity(targets.len());
    let mut arrays = Vec::with_capacity(targets.len());
    for (c, target) in targets.iter().enumerate() {
        let mut array = batch.column(c).clone();
        let own = batch.schema().field(c).metadata().get(super::column::DIALECT_KEY).map(|d| infer::Dialect::parse(d)).unwrap_or_default();
        if let Some(unified) = dialects.get(c) {
            let swap = own.dates != infer::DateOrder::Iso && unified.dates != infer::DateOrder::Iso && own.dates != unified.dates;
            if swap && !own.dates_decided {
                // This range picked the other order; no value decided it.
                array = widen::swap_day_month(&array)?;
            }
        }
        let array = &array;
        let converted = match target {
            None => array.clone(),
            Some(target) => convert(array, target)?,
        };
        let field = Field::new(batch.schema().field(c).name(), converted.data_type().clone(), true);
        let kind = ColumnKind::of(converted.data_type());
        let field = match dialects.get(c).and_then(|d| d.describe(kind)) {
            Some(dialect) => field.with_metadata(std::collections::BTreeMap::from([(super::column::DIALECT_KEY.to_string(), dialect)])),
            None => field,
        };
        fields.push(field);
        arrays.push(converted);
    }
    let schema = std::sync::Arc::new(Schema::new(fields));
    // The zone maps of the columns kept as they were, or widened to a
    // longer integer (the same values); a map's pair holds its array, so
    // one converted otherwise is let go with it.
    let zone_maps = table
        .zone_maps()
        .iter()
        .filter_map(|(array, map)| {
            let c = batch.columns().iter().position(|a| std::sync::Arc::ptr_eq(a, array))?;
            let now = &arrays[c];
            let same_values = std::sync::Arc::ptr_eq(now, array) || (now.data_type().is_integer() && array.data_type().is_integer());
            same_values.then(|| (now.clone(), map.clone()))
        })
        .collect();
    let batch = RecordBatch::try_new_with_options(schema.clone(), arrays, &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())))?;
    Ok(Table::new(schema, vec![batch]).with_zone_maps(zone_maps))
}

/// Every range's table in the types they all take (all three steps above
/// in one process).
pub fn unify(tables: Vec<Table>) -> Result<Vec<Table>> {
    let summaries = tables.iter().map(summarize).collect::<Result<Vec<_>>>()?;
    let targets = unified_types(&summaries);
    let dialects = unified_dialects(&summaries);
    tables.iter().map(|t| convert_table(t, &targets, &dialects)).collect()
}

/// One range's column in the unified type (`target`'s kind is the range's
/// kind or wider).
fn convert(array: &ArrayRef, target: &DataType) -> Result<ArrayRef> {
    let from = array.data_type();
    if from == target || (is_text(from) && is_text(target)) {
        return Ok(array.clone());
    }
    if array.null_count() == array.len() {
        return Ok(new_null_array(target, array.len()));
    }
    if is_text(target) {
        let kind = ColumnKind::of(from);
        let zoned = matches!(from, DataType::Timestamp(_, Some(_)));
        return Ok(std::sync::Arc::new(widen::render_text(array, kind, zoned)));
    }
    widen::to_storage(array, target)
}

fn is_text(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Utf8 | DataType::Dictionary(_, _))
}

/// Loads `bytes` as ranges cut at `cuts` (each range's start; the first is
/// 0), pushing `chunk`-byte pieces as a sharded load does, reading ranges
/// again until they join, then unifying their types: the tables in file
/// order with their resolutions. The in-process model of the client's
/// sharded load, for tests and fuzzing.
pub fn load_in_ranges(bytes: &[u8], options: &IngestOptions, cuts: &[u64], chunk: usize) -> Result<Vec<(Table, Resolution)>> {
    let layout = Layout::of(&bytes[..bytes.len().min(sniff::SNIFF_BYTES)], options, bytes.len() <= sniff::SNIFF_BYTES)?;
    let size = bytes.len() as u64;
    let mut ranges: Vec<(u64, u64)> = cuts.iter().zip(cuts.iter().skip(1).chain([&size])).map(|(&a, &b)| (a, b)).collect();
    let read = |start: u64, end: u64, exact: bool| -> Result<(Table, RangeReport, Vec<super::Warning>)> {
        let mut ingest = Ingest::for_range(options.clone(), &layout, start, end, exact)?;
        let mut at = if start == 0 || exact { start } else { start - 1 } as usize;
        while ingest.wants_more() && at < bytes.len() {
            let next = (at + chunk.max(1)).min(bytes.len());
            ingest.push(&bytes[at..next])?;
            at = next;
        }
        let table = if ingest.wants_more() { ingest.finish()? } else { ingest.stop()?.compacted()? };
        Ok((table, ingest.range_report(), ingest.warnings()))
    };
    let mut pieces: Vec<(Table, RangeReport)> = Vec::with_capacity(ranges.len());
    for &(start, end) in &ranges {
        let (table, report, _) = read(start, end, false)?;
        pieces.push((table, report));
    }
    loop {
        let reports: Vec<RangeReport> = pieces.iter().map(|p| p.1).collect();
        let resolutions = resolve(&reports);
        match resolutions.iter().position(|r| matches!(r, Resolution::Reread { .. })) {
            Some(i) => {
                let Resolution::Reread { from } = resolutions[i] else { unreachable!() };
                ranges[i].0 = from;
                let (table, report, _) = read(from, ranges[i].1, true)?;
                pieces[i] = (table, report);
            }
            None => {
                let (tables, kept): (Vec<Table>, Vec<Resolution>) = pieces
                    .into_iter()
                    .zip(resolutions)
                    .map(|((table, _), r)| if r == Resolution::Empty { (Table::new(table.schema().clone(), vec![]), r) } else { (table, r) })
                    .unzip();
                return Ok(unify(tables)?.into_iter().zip(kept).collect());
            }
        }
    }
}

/// `size` bytes cut into `parts` ranges of about equal size (fewer for a
/// small file: at least `min_bytes` each).
pub fn cut(size: u64, parts: usize, min_bytes: u64) -> Vec<(u64, u64)> {
    let parts = (parts.max(1) as u64).min((size / min_bytes.max(1)).max(1));
    (0..parts).map(|i| (size * i / parts, size * (i + 1) / parts)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(start: u64, end: u64, first: Option<u64>, next: Option<u64>, lines: u64) -> RangeReport {
        RangeReport { start, end, first_record: first, next_record: next, lines }
    }

    #[test]
    fn right_guesses_are_kept_with_their_line_offsets() {
        let r = resolve(&[
            report(0, 100, Some(10), Some(104), 9),
            report(100, 200, Some(104), Some(203), 7),
            report(200, 300, Some(203), None, 6),
        ]);
        assert_eq!(r, [Resolution::Keep { line_offset: 0 }, Resolution::Keep { line_offset: 9 }, Resolution::Keep { line_offset: 16 }]);
    }

    #[test]
    fn a_start_inside_quotes_is_read_again_and_later_ranges_wait() {
        // The second range guessed 120 (a line break inside quotes); the
        // first range's last record really ends at 150.
        let reports = [report(0, 100, Some(10), Some(150), 9), report(100, 200, Some(120), Some(230), 4), report(200, 300, Some(230), None, 5)];
        assert_eq!(resolve(&reports), [Resolution::Keep { line_offset: 0 }, Resolution::Reread { from: 150 }, Resolution::Wait]);
        // Read again from 150: now everything joins.
        let again = [reports[0], report(150, 200, Some(150), Some(230), 3), reports[2]];
        assert_eq!(resolve(&again), [Resolution::Keep { line_offset: 0 }, Resolution::Keep { line_offset: 9 }, Resolution::Keep { line_offset: 12 }]);
    }

    #[test]
    fn a_record_across_a_whole_range_empties_it() {
        let r = resolve(&[report(0, 100, Some(10), Some(250), 9), report(100, 200, Some(180), Some(250), 1), report(200, 300, Some(250), None, 2)]);
        assert_eq!(r, [Resolution::Keep { line_offset: 0 }, Resolution::Empty, Resolution::Keep { line_offset: 9 }]);
        // The file ended in the first range.
        let r = resolve(&[report(0, 100, Some(10), None, 9), report(100, 200, None, None, 0)]);
        assert_eq!(r, [Resolution::Keep { line_offset: 0 }, Resolution::Empty]);
    }

    #[test]
    fn cuts_cover_the_file_in_order() {
        assert_eq!(cut(1000, 3, 1), [(0, 333), (333, 666), (666, 1000)]);
        assert_eq!(cut(1000, 8, 400), [(0, 500), (500, 1000)]);
        assert_eq!(cut(10, 4, 1 << 20), [(0, 10)]);
        assert_eq!(cut(0, 4, 1), [(0, 0)]);
    }
}
