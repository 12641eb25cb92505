//! Looking at the first block of a file before parsing it: is it text at all,
//! and which delimiter does it use?

use csv_core::{ReadRecordResult, ReaderBuilder};

use crate::error::{QuiverError, Result};

/// How much of the file start is examined (and held back until examined).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Delimiters tried when the caller names none, in order of preference on ties.
pub const CANDIDATE_DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Signatures of binary formats people pick by mistake instead of a CSV.
const SIGNATURES: &[(&[u8], &str)] = &[
    (b"PK\x03\x04", "it is a ZIP archive (an Excel .xlsx workbook is one); save or export it as CSV first"),
    (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "it is an old Excel (.xls) or other Office file; save it as CSV first"),
    (b"%PDF", "it is a PDF document"),
    (b"\x89PNG", "it is a PNG image"),
    (b"\xFF\xD8\xFF", "it is a JPEG image"),
    (b"GIF8", "it is a GIF image"),
    (b"\x1F\x8B", "it is gzip-compressed; decompress it first"),
    (b"BZh", "it is bzip2-compressed; decompress it first"),
    (b"\x28\xB5\x2F\xFD", "it is zstd-compressed; decompress it first"),
    (b"7z\xBC\xAF\x27\x1C", "it is a 7-Zip archive"),
    (b"PAR1", "it is a Parquet file"),
    (b"ARROW1", "it is an Arrow IPC file"),
    (b"SQLite format 3\0", "it is a SQLite database"),
];

/// Rejects a block that is clearly not text: a known binary signature, or more
/// than 1 in 100 bytes (and more than a handful) that are NUL or control
/// characters other than tab, line breaks and form feed. A few stray NULs in a
/// text file are tolerated (and kept as data).
pub fn check_text(block: &[u8]) -> Result<()> {
    if let Some(what) = binary_signature(block) {
        return Err(QuiverError::NotText(what.to_string()));
    }
    // UTF-16 without a byte-order mark: every other byte is NUL for ASCII text.
    let half = block.len() / 2;
    let nul_at = |parity: usize| block.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    if half >= 2 && (nul_at(0) * 10 >= half * 4 || nul_at(1) * 10 >= half * 4) {
        return Err(QuiverError::NotText("it looks like UTF-16 text read as UTF-8; set its encoding (\"utf-16le\" or \"utf-16be\")".into()));
    }
    let control = block
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    if control > 8 && control * 100 > block.len() {
        return Err(QuiverError::NotText(format!(
            "{control} of its first {} bytes are binary control characters",
            block.len()
        )));
    }
    Ok(())
}

/// What comes before the header in files from Excel and from internal
/// systems, found at the start of the (decoded) text: Excel's `sep=;` line
/// (it names the delimiter) and `#` comment lines. Both are dropped; the
/// lines still count, so warnings name the file's real lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Prelude {
    /// Bytes of text dropped (after any byte order mark).
    pub bytes: usize,
    /// Lines dropped.
    pub lines: u64,
    /// The delimiter a `sep=` line named.
    pub sep: Option<u8>,
    /// Comment lines among `lines`.
    pub comments: u64,
}

/// The `sep=X` line at the start of `text` (any case): `X` and the line's
/// length with its line break.
pub fn sep_line(text: &[u8]) -> Option<(u8, usize)> {
    if text.len() < 5 || !text[..4].eq_ignore_ascii_case(b"sep=") {
        return None;
    }
    let delimiter = text[4];
    if !delimiter.is_ascii() || matches!(delimiter, b'\n' | b'\r') {
        return None;
    }
    let rest = &text[5..];
    // The line may end with the delimiter written again (`sep=;;`) or spaces.
    let end = rest.iter().position(|&b| b == b'\n' || b == b'\r')?;
    if rest[..end].iter().any(|&b| b != delimiter && b != b' ') {
        return None;
    }
    Some((delimiter, 5 + end + line_break_len(&rest[end..])))
}

fn line_break_len(at: &[u8]) -> usize {
    match at {
        [b'\r', b'\n', ..] => 2,
        [b'\n' | b'\r', ..] => 1,
        _ => 0,
    }
}

/// The lines starting with `#` at the start of `text`, each with its
/// length, as far as `text` holds complete lines.
pub fn comment_candidates(text: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while text.get(at) == Some(&b'#') {
        let Some(end) = text[at..].iter().position(|&b| b == b'\n' || b == b'\r') else { break };
        let len = end + line_break_len(&text[at + end..]);
        out.push(len);
        at += len;
    }
    out
}

/// Whether the `#` lines `candidates` at the start of `text` are comments
/// rather than a header whose first name starts with `#` (`#,name`):
/// they are when there are several, when the first has not as many fields
/// as the line after them (the header), or when it reads like a sentence
/// (`# ` then text) and the line after it is no data row (no field reads as
/// a number, date or boolean). `# Exported, 2024-01-02` above `region,amount`
/// is a comment; `#,name` above `1,a` is a header.
pub fn are_comments(text: &[u8], candidates: &[usize], delimiter: u8, quote: Option<u8>) -> bool {
    let Some(&first) = candidates.first() else { return false };
    let skipped: usize = candidates.iter().sum();
    let rest = &text[skipped..];
    if rest.iter().all(|b| b.is_ascii_whitespace()) {
        return false;
    }
    let counts = field_counts(&text[..first], delimiter, quote, true);
    let header = field_counts(rest, delimiter, quote, false);
    match (counts.first(), header.first()) {
        (_, None) => false,
        (Some(a), Some(b)) if a == b && candidates.len() == 1 => {
            text.starts_with(b"# ") && !first_line_has_data(rest, delimiter)
        }
        _ => true,
    }
}

/// Some field of the first line of `text` reads as a number, date or boolean.
fn first_line_has_data(text: &[u8], delimiter: u8) -> bool {
    let end = text.iter().position(|&b| b == b'\n' || b == b'\r').unwrap_or(text.len());
    text[..end]
        .split(|&b| b == delimiter)
        .any(|f| !matches!(super::infer::classify(super::infer::trim(f)), super::options::ColumnKind::String))
}

/// The prelude of `text` (the examined start of the file, decoded) and the
/// delimiter: `forced`, else the `sep=` line's, else detected from the text
/// after the `#` lines.
pub fn read_prelude(text: &[u8], forced: Option<u8>, quote: Option<u8>, complete: bool) -> (Prelude, u8) {
    let mut prelude = Prelude::default();
    if let Some((sep, len)) = sep_line(text) {
        prelude = Prelude { bytes: len, lines: 1, sep: Some(sep), comments: 0 };
    }
    let after_sep = &text[prelude.bytes..];
    let candidates = comment_candidates(after_sep);
    let skipped: usize = candidates.iter().sum();
    let delimiter = forced.or(prelude.sep).unwrap_or_else(|| detect_delimiter(&after_sep[skipped..], quote, complete));
    if are_comments(after_sep, &candidates, delimiter, quote) {
        prelude.bytes += skipped;
        prelude.lines += candidates.len() as u64;
        prelude.comments = candidates.len() as u64;
    }
    (prelude, delimiter)
}

/// Each column's number format as the complete records of `text` (the
/// first block, after its prelude; the header is no number) show it: the
/// format of its first value that is a number only in a format other than
/// plain. A load and every range of a sharded load start from these, so
/// that `1.000` above `1,5` is a thousand in both.
pub fn dialects(text: &[u8], delimiter: u8, quote: Option<u8>) -> Vec<super::infer::Dialect> {
    use super::infer::{self, DateOrder, Dialect, NumberFormat};
    use super::records::{RawBatch, RecordReader, Step};
    let mut reader = RecordReader::new(delimiter, quote);
    let mut batch = RawBatch::new(0);
    let mut formats: Vec<Option<NumberFormat>> = Vec::new();
    // Per column: a value such as `1.000` (dot thousands, or a plain
    // decimal), and a dotted value that is not so grouped (`1.5`).
    let mut dot_grouped: Vec<(bool, bool)> = Vec::new();
    // Per column: the date order the first date not in ISO's order asks
    // for, and the orders values with a part above 12 decide.
    let mut dates: Vec<(Option<DateOrder>, bool, bool)> = Vec::new();
    let mut input = text;
    while let Step::Record = reader.next(&mut input, &mut batch) {
        let record = reader.record(&batch);
        for (i, field) in record.fields().enumerate() {
            if formats.len() <= i {
                formats.resize(i + 1, None);
                dot_grouped.resize(i + 1, (false, false));
                dates.resize(i + 1, (None, false, false));
            }
            let field = infer::trim(field);
            let kind = infer::classify(field);
            if kind == super::options::ColumnKind::String {
                if let Some((order, _, _)) = infer::date_order_of(field, delimiter == b';') {
                    dates[i].0.get_or_insert(order);
                    match infer::deciding_order(field) {
                        Some(DateOrder::DayFirst) => dates[i].1 = true,
                        Some(DateOrder::MonthFirst) => dates[i].2 = true,
                        _ => {}
                    }
                }
            }
            if formats[i].is_none() && kind == super::options::ColumnKind::String {
                formats[i] = infer::number_format_of(field, delimiter == b';').map(|(format, _)| format);
            }
            if kind == super::options::ColumnKind::Float && field.contains(&b'.') {
                let grouped = infer::parse_int_in(field, NumberFormat::DecimalComma).is_some();
                dot_grouped[i].0 |= grouped;
                dot_grouped[i].1 |= !grouped;
            }
        }
        reader.commit(&mut batch, false);
    }
    // A file whose numbers have decimal commas writes `1.000` for a
    // thousand in its other columns too.
    let european = formats.contains(&Some(NumberFormat::DecimalComma));
    formats
        .into_iter()
        .zip(dot_grouped)
        .zip(dates)
        .map(|((format, (grouped, plain)), (order, day_first, month_first))| {
            let number = match format {
                None if european && grouped && !plain => NumberFormat::DecimalComma,
                other => other.unwrap_or_default(),
            };
            let (dates, dates_decided) = match (order, day_first, month_first) {
                // Both orders decided: the values will tell (text).
                (_, true, true) | (None, _, _) => (DateOrder::Iso, false),
                (Some(_), true, false) => (DateOrder::DayFirst, true),
                (Some(_), false, true) => (DateOrder::MonthFirst, true),
                (Some(order), false, false) => (order, order == DateOrder::Iso),
            };
            Dialect { number, dates, dates_decided }
        })
        .collect()
}

/// What `block` is, if it starts with the signature of a binary format.
pub fn binary_signature(block: &[u8]) -> Option<&'static str> {
    SIGNATURES.iter().find(|(signature, _)| block.starts_with(signature)).map(|(_, what)| *what)
}

/// Picks the delimiter whose field counts are most consistent across the
/// records of `block` (quotes respected), among candidates giving at least two
/// fields. `complete` says whether `block` is the whole file; if not, its last
/// record may be cut and is ignored. Falls back to `,` (a one-column file).
///
/// Ties in consistency go to the delimiter under which fewer quotes are
/// stray (inside a field rather than around it), then to more fields: in
/// `a,"b<TAB>c<TAB>d"` a tab gives three fields but two stray quotes, so the
/// comma wins (found by fuzzing CSV export → import: a header-only export
/// whose quoted names hold tabs read back split at the tabs).
pub fn detect_delimiter(block: &[u8], quote: Option<u8>, complete: bool) -> u8 {
    let mut best: Option<(f64, std::cmp::Reverse<usize>, usize, u8)> = None;
    for &delimiter in &CANDIDATE_DELIMITERS {
        let counts = field_counts(block, delimiter, quote, complete);
        let Some((mode, share)) = mode_and_share(&counts) else { continue };
        if mode < 2 {
            continue;
        }
        let strays = std::cmp::Reverse(quote.map_or(0, |q| stray_quotes(block, delimiter, q)));
        let better = match best {
            None => true,
            Some((best_share, best_strays, best_mode, _)) => {
                (share, strays, mode).partial_cmp(&(best_share, best_strays, best_mode)) == Some(std::cmp::Ordering::Greater)
            }
        };
        if better {
            best = Some((share, strays, mode, delimiter));
        }
    }
    best.map_or(b',', |(_, _, _, delimiter)| delimiter)
}

/// Quote characters that do not open or close a field when `block` is read
/// with `delimiter`: one inside an unquoted field, or text after a closing
/// quote. Well-formed CSV read with its own delimiter has none.
fn stray_quotes(block: &[u8], delimiter: u8, quote: u8) -> usize {
    #[derive(Clone, Copy)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        AfterQuote,
    }
    let mut state = State::FieldStart;
    let mut strays = 0;
    for &b in block {
        let boundary = b == delimiter || b == b'\n' || b == b'\r';
        state = match state {
            State::FieldStart if b == quote => State::Quoted,
            State::FieldStart | State::Unquoted if boundary => State::FieldStart,
            State::FieldStart | State::Unquoted => {
                strays += usize::from(b == quote);
                State::Unquoted
            }
            State::Quoted if b == quote => State::AfterQuote,
            State::Quoted => State::Quoted,
            State::AfterQuote if b == quote => State::Quoted,
            State::AfterQuote if boundary => State::FieldStart,
            State::AfterQuote => {
                strays += 1;
                State::Unquoted
            }
        };
    }
    strays
}

/// Field count of each record in `block` (at most 1,000 records).
fn field_counts(block: &[u8], delimiter: u8, quote: Option<u8>, complete: bool) -> Vec<usize> {
    let mut builder = ReaderBuilder::new();
    builder.delimiter(delimiter);
    match quote {
        Some(q) => builder.quote(q),
        None => builder.quoting(false),
    };
    let mut reader = builder.build();
    let mut output = vec![0u8; block.len().max(1)];
    let mut ends = vec![0usize; 256];
    let mut input = block;
    let mut counts = Vec::new();
    let mut fields = 0;
    while counts.len() < 1_000 {
        let (result, nin, _, nend) = reader.read_record(input, &mut output, &mut ends);
        input = &input[nin..];
        fields += nend;
        match result {
            ReadRecordResult::Record => {
                counts.push(fields);
                fields = 0;
            }
            // Field count only matters, not the fields: reuse the ends buffer.
            ReadRecordResult::OutputEndsFull => {}
            ReadRecordResult::OutputFull => unreachable!("output is as large as the input"),
            ReadRecordResult::InputEmpty if !input.is_empty() => {}
            ReadRecordResult::InputEmpty => {
                if !complete {
                    break; // the rest of this record is beyond the block
                }
            }
            ReadRecordResult::End => break,
        }
    }
    counts
}

/// The most common count and the share of records having it.
fn mode_and_share(counts: &[usize]) -> Option<(usize, f64)> {
    let mut tally: Vec<(usize, usize)> = Vec::new();
    for &c in counts {
        match tally.iter_mut().find(|(count, _)| *count == c) {
            Some((_, n)) => *n += 1,
            None => tally.push((c, 1)),
        }
    }
    let &(mode, n) = tally.iter().max_by_key(|&&(count, n)| (n, count))?;
    Some((mode, n as f64 / counts.len() as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_table() {
        let cases: &[(&str, u8)] = &[
            ("a,b,c\n1,2,3\n4,5,6\n", b','),
            ("a;b;c\n1;2;3\n", b';'),
            ("a\tb\n1\t2\n", b'\t'),
            ("a|b|c\n1|2|3\n", b'|'),
            // Decimal commas: the header decides for ';'.
            ("price;qty\n1,5;2\n2,25;3\n", b';'),
            // Delimiters inside quotes do not count.
            ("\"a;x\",b\n\"1;2;3\",4\n", b','),
            ("name\nalice\nbob\n", b','),
            ("", b','),
            // Tabs inside quotes (for commas) do not make tab the delimiter,
            // even when they would give more fields.
            ("a,\"b\tc\td\"\n", b','),
            ("\"x;y;z\",w\n", b','),
            ("a;\"b,c,d\"\n", b';'),
        ];
        for (text, want) in cases {
            assert_eq!(detect_delimiter(text.as_bytes(), Some(b'"'), true), *want, "{text:?}");
        }
    }

    #[test]
    fn a_cut_last_record_is_ignored() {
        // The block ends mid-record: "4;5" would look like a 2-field record.
        let block = b"a;b;c\n1;2;3\n4;5";
        assert_eq!(detect_delimiter(block, Some(b'"'), false), b';');
    }

    #[test]
    fn excel_sep_lines() {
        assert_eq!(sep_line(b"sep=;\r\na;b\n"), Some((b';', 7)));
        assert_eq!(sep_line(b"SEP=\t\na\tb\n"), Some((b'\t', 6)));
        assert_eq!(sep_line(b"sep=,,\na,b"), Some((b',', 7)));
        assert_eq!(sep_line(b"sep=;"), None, "no line break yet");
        assert_eq!(sep_line(b"sep=;x\n"), None);
        assert_eq!(sep_line(b"separator,b\n"), None);
    }

    #[test]
    fn leading_comment_lines() {
        let text = b"# exported 2024-01-02\r\n# by system X\nid,name\n1,a\n";
        let candidates = comment_candidates(text);
        assert_eq!(candidates, [23, 14]);
        assert!(are_comments(text, &candidates, b',', Some(b'"')));
        // A header whose first name starts with '#': as many fields as the next line.
        let text = b"#,name\n1,a\n";
        assert!(!are_comments(text, &comment_candidates(text), b',', Some(b'"')));
        // Comment lines only: nothing else would be the header.
        let text = b"# only\n";
        assert!(!are_comments(text, &comment_candidates(text), b',', Some(b'"')));
        assert!(comment_candidates(b"# no line break").is_empty());
    }

    #[test]
    fn binary_files_are_named() {
        let zip = b"PK\x03\x04\x14\x00\x06\x00rest of an xlsx";
        let err = check_text(zip).unwrap_err().to_string();
        assert!(err.contains("ZIP archive") && err.contains("Excel"), "{err}");
        let random: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert!(check_text(&random).unwrap_err().to_string().contains("binary control characters"));
        let utf16: Vec<u8> = "name,city\nAnn,Oslo\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert!(check_text(&utf16).unwrap_err().to_string().contains("UTF-16"));
    }

    #[test]
    fn text_with_a_few_nuls_is_text() {
        let mut text = b"a,b\n".repeat(100);
        text.push(0);
        assert!(check_text(&text).is_ok());
        assert!(check_text(b"").is_ok());
    }
}
