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
    (b"\xFF\xFE", "it is UTF-16 text; save it as UTF-8"),
    (b"\xFE\xFF", "it is UTF-16 text; save it as UTF-8"),
];

/// Rejects a block that is clearly not text: a known binary signature, or more
/// than 1 in 100 bytes (and more than a handful) that are NUL or control
/// characters other than tab, line breaks and form feed. A few stray NULs in a
/// text file are tolerated (and kept as data).
pub fn check_text(block: &[u8]) -> Result<()> {
    for (signature, what) in SIGNATURES {
        if block.starts_with(signature) {
            return Err(QuiverError::NotText((*what).to_string()));
        }
    }
    // UTF-16 without a byte-order mark: every other byte is NUL for ASCII text.
    let half = block.len() / 2;
    let nul_at = |parity: usize| block.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    if half >= 2 && (nul_at(0) * 10 >= half * 4 || nul_at(1) * 10 >= half * 4) {
        return Err(QuiverError::NotText("it looks like UTF-16 text; save it as UTF-8".into()));
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

/// Picks the delimiter whose field counts are most consistent across the
/// records of `block` (quotes respected), among candidates giving at least two
/// fields. `complete` says whether `block` is the whole file; if not, its last
/// record may be cut and is ignored. Falls back to `,` (a one-column file).
pub fn detect_delimiter(block: &[u8], quote: Option<u8>, complete: bool) -> u8 {
    let mut best: Option<(f64, usize, u8)> = None;
    for &delimiter in &CANDIDATE_DELIMITERS {
        let counts = field_counts(block, delimiter, quote, complete);
        let Some((mode, share)) = mode_and_share(&counts) else { continue };
        if mode < 2 {
            continue;
        }
        let better = match best {
            None => true,
            Some((best_share, best_mode, _)) => share > best_share || (share == best_share && mode > best_mode),
        };
        if better {
            best = Some((share, mode, delimiter));
        }
    }
    best.map_or(b',', |(_, _, delimiter)| delimiter)
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
