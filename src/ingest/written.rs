//! The text of values as the file wrote them, kept while a column that is
//! not text yet is loading, for the values whose text a widening to text
//! would not write back as it was (`3 169`, `1,50`, `1.50`, ` 7`,
//! `31/12/2024`, `2024-01-05 10:00`): when the column becomes text, they
//! show what the file said, whatever the batch size (issue 11: the fuzz
//! target `ingest` found a column whose text depended on `batchRows`,
//! because the rows of the batch where it widened kept their text and the
//! rows of earlier batches did not).
//!
//! Bounded: the first [`MAX_VALUES`] such values of a column, or
//! [`MAX_BYTES`] of their text, whichever comes first; later ones are
//! written in the canonical form (README, "Types are inferred as the file
//! streams"). The bound is counted value by value, in row order, so the
//! table does not depend on how the file was cut into batches.
//!
//! Cost: every value of a column that is not text is checked against its
//! canonical form while the bound is not reached (callgrind over the first
//! 90,000 rows of `bench/gen-sales.mjs`'s file through
//! `examples/ingest_bench.rs`: 475.8 M → 503.4 M instructions, +5.8 %).
//!
//! Must change with [`super::widen::render_text`] (the canonical forms the
//! checks below recognise) and with the parsers of [`super::infer`] (what a
//! value that parsed can look like).

use arrow_array::StringArray;

use super::infer::NumberFormat;

/// Values kept per column at most.
pub const MAX_VALUES: usize = 1 << 16;
/// Bytes of text kept per column at most.
pub const MAX_BYTES: usize = 1 << 20;

/// The written text of some of a column's rows, in row order.
#[derive(Default)]
pub struct WrittenTexts {
    rows: Vec<usize>,
    ends: Vec<usize>,
    bytes: Vec<u8>,
    /// The bound was reached: no value is kept any more.
    full: bool,
}

/// Where [`WrittenTexts`] stood, to forget what an abandoned encoding of a
/// batch kept.
#[derive(Clone, Copy)]
pub struct Mark {
    values: usize,
    full: bool,
}

impl WrittenTexts {
    /// Keeps `text` as row `row`'s unless `canonical()` says a widening
    /// writes it back the same (not asked once the bound is reached).
    #[inline]
    pub fn keep_unless(&mut self, row: usize, text: &[u8], canonical: impl FnOnce() -> bool) {
        if !self.full && !canonical() {
            self.keep(row, text);
        }
    }

    /// Keeps `text` as row `row`'s (rows come in increasing order).
    pub fn keep(&mut self, row: usize, text: &[u8]) {
        if self.full {
            return;
        }
        if self.rows.len() >= MAX_VALUES || self.bytes.len() + text.len() > MAX_BYTES {
            self.full = true;
            return;
        }
        debug_assert!(self.rows.last().is_none_or(|&last| last < row));
        self.rows.push(row);
        self.bytes.extend_from_slice(text);
        self.ends.push(self.bytes.len());
    }

    pub fn mark(&self) -> Mark {
        Mark { values: self.rows.len(), full: self.full }
    }

    /// Forgets what was kept since `mark`.
    pub fn rewind(&mut self, mark: Mark) {
        self.rows.truncate(mark.values);
        self.ends.truncate(mark.values);
        self.bytes.truncate(self.ends.last().copied().unwrap_or(0));
        self.full = mark.full;
    }

    /// Values kept.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.rows.capacity() * 8 + self.ends.capacity() * 8 + self.bytes.capacity()
    }

    /// `rendered` (a column's values as text, one per stored row) with the
    /// rows kept here in their written text; forgets them.
    pub fn apply(&mut self, rendered: StringArray) -> StringArray {
        let taken = std::mem::take(self);
        if taken.is_empty() {
            return rendered;
        }
        let mut next = 0;
        let texts = rendered
            .iter()
            .enumerate()
            .map(|(row, text)| {
                if taken.rows.get(next) != Some(&row) {
                    return text.map(str::to_owned);
                }
                let start = if next == 0 { 0 } else { taken.ends[next - 1] };
                let written = &taken.bytes[start..taken.ends[next]];
                next += 1;
                Some(String::from_utf8_lossy(written).into_owned())
            })
            .collect();
        texts
    }
}

/// Whether a field that read as an integer in `format` is written as a
/// widening to text writes it (`-?[1-9][0-9]*` or `0`, nothing around it).
/// In plain format the parser already refused leading zeros and signs
/// other than `-`: what is left to see is blanks around it and `-0`.
#[inline]
pub fn integer_is_canonical(field: &[u8], format: NumberFormat) -> bool {
    match format {
        NumberFormat::Plain => {
            !matches!(field.first(), Some(b' ' | b'\t')) && !matches!(field.last(), Some(b' ' | b'\t')) && field != b"-0"
        }
        _ => {
            let digits = field.strip_prefix(b"-").unwrap_or(field);
            match digits {
                [b'0'] => field.len() == 1,
                [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
                _ => false,
            }
        }
    }
}

/// Whether a field that read as a float in `format` is written as
/// [`crate::format::format_float`] writes it: `NaN`, `inf`, `-inf`, or
/// plain notation with no leading zero before a digit, no trailing zero
/// after the point, at most 15 significant digits (so no shorter text
/// reads as the same float) and a magnitude of at least 1e-5 (below it the
/// writer uses an exponent; 15 digits stay below its upper bound, 1e16).
/// In another format than plain, only digits (a point or a comma there
/// means something else).
///
/// One pass over the bytes: this runs for every float a load reads
/// (callgrind over 90,000 rows of `bench/gen-sales.mjs`, two float columns:
/// the check in iterator adapters cost about 55 instructions a value).
#[inline]
pub fn float_is_canonical(field: &[u8], format: NumberFormat) -> bool {
    let unsigned = field.strip_prefix(b"-").unwrap_or(field);
    let n = unsigned.len();
    let mut i = 0;
    while i < n && unsigned[i].is_ascii_digit() {
        i += 1;
    }
    let whole = &unsigned[..i];
    let mut significant = match whole {
        [b'0'] => 0,
        [b'1'..=b'9', ..] => i,
        [] => return matches!(field, b"NaN" | b"inf" | b"-inf"),
        _ => return false, // a leading zero before a digit
    };
    if i == n {
        return significant <= 15;
    }
    // A point (a comma or a point means something else in other formats).
    if unsigned[i] != b'.' || format != NumberFormat::Plain || i + 1 == n || unsigned[n - 1] == b'0' {
        return false;
    }
    i += 1;
    if significant == 0 {
        let zeros = unsigned[i..].iter().take_while(|&&b| b == b'0').count();
        if zeros > 4 {
            return false; // below 1e-5
        }
        i += zeros;
    }
    let digits = n - i;
    significant += digits;
    significant <= 15 && unsigned[i..].iter().all(u8::is_ascii_digit)
}

/// Whether a field that read as a date is written `YYYY-MM-DD` (the
/// parser saw to the digits).
#[inline]
pub fn date_is_canonical(field: &[u8]) -> bool {
    field.len() == 10 && field[4] == b'-' && field[7] == b'-' && field[0].is_ascii_digit() && field[9].is_ascii_digit()
}

/// Whether a field that read as a timestamp with a zone is written as
/// [`crate::format::format_timestamp`] writes a zoned one:
/// `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff]Z`, the fraction as short as the value
/// allows. (A timestamp without a zone is always kept: a later zoned value
/// makes the column zoned, and a widening would add a `Z`.)
/// (The parser saw to the digits: the shape is all there is to check.)
#[inline]
pub fn zoned_timestamp_is_canonical(field: &[u8]) -> bool {
    let n = field.len();
    let shape = matches!(n, 20 | 24 | 27)
        && date_is_canonical(&field[..10])
        && field[10] == b'T'
        && field[13] == b':'
        && field[16] == b':'
        && field[n - 1] == b'Z';
    shape
        && match n {
            20 => true,
            24 => field[19] == b'.' && &field[20..23] != b"000",
            _ => field[19] == b'.' && &field[23..26] != b"000",
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{format_date, format_float, format_timestamp};
    use crate::ingest::infer::{parse_date, parse_float, parse_int, parse_timestamp};

    /// Each check agrees with the writer it stands for: a field it calls
    /// canonical is exactly what the writer writes for the value read.
    #[test]
    fn canonical_means_written_back_the_same() {
        let floats = [
            "0", "-0", "5", "-5", "1.5", "1.50", "0.1", "00.1", "0.30000000000000004", "123456789012345",
            "1234567890123456", "0.00001", "0.000001", "1e5", "1E5", "9999999999999998", "1.", ".5", "-0.0", "NaN",
            "inf", "-inf", "100", "12.345678901234", "0.000012345678901234",
        ];
        for text in floats {
            let Some(value) = parse_float(text.as_bytes()) else { continue };
            let mut written = String::new();
            format_float(value, &mut written);
            if float_is_canonical(text.as_bytes(), NumberFormat::Plain) {
                assert_eq!(written, text, "{text} is called canonical");
            }
        }
        // Every shape of whole part, fraction and sign: called canonical
        // only when written back the same.
        for sign in ["", "-"] {
            for whole in ["0", "1", "12", "00", "999999999999999", "1000000000000000", "9007199254740993"] {
                for fraction in ["", ".", ".5", ".50", ".00001", ".000001", ".0000123", ".123456789", ".1234567890123"] {
                    let text = format!("{sign}{whole}{fraction}");
                    let Some(value) = parse_float(text.as_bytes()) else { continue };
                    let mut written = String::new();
                    format_float(value, &mut written);
                    if float_is_canonical(text.as_bytes(), NumberFormat::Plain) {
                        assert_eq!(written, text, "{text} is called canonical");
                    }
                }
            }
        }
        for text in ["1.5", "-0", "0", "5", "0.1", "-0.5", "NaN", "-inf", "0.00001", "123456789012345"] {
            assert!(float_is_canonical(text.as_bytes(), NumberFormat::Plain), "{text}");
        }
        for text in ["1.50", "1e5", "0.000001", "1234567890123456", "-0.0", ".5"] {
            assert!(!float_is_canonical(text.as_bytes(), NumberFormat::Plain), "{text}");
        }

        for text in ["0", "-7", "42", "9223372036854775807", "-9223372036854775808"] {
            assert!(integer_is_canonical(text.as_bytes(), NumberFormat::Plain), "{text}");
            assert_eq!(parse_int(text.as_bytes()).unwrap().to_string(), text);
        }
        // (In plain format `+7` and `07` are not integers: the parser refuses them.)
        for text in ["-0", " 7", "7\t"] {
            assert!(!integer_is_canonical(text.as_bytes(), NumberFormat::Plain), "{text}");
        }
        for text in ["+7", "07", "-0", "7 "] {
            assert!(!integer_is_canonical(text.as_bytes(), NumberFormat::DecimalComma), "{text}");
        }
        let dialect = NumberFormat::DecimalComma;
        assert!(integer_is_canonical(b"3169", dialect));
        assert!(!integer_is_canonical(b"3 169", dialect));
        assert!(!integer_is_canonical(b"3.169", dialect));
        assert!(float_is_canonical(b"15", dialect));
        assert!(!float_is_canonical(b"1.5", dialect), "a point that is a thousands separator");
        assert!(!float_is_canonical(b"1,5", dialect));

        for text in ["2024-12-31", "0001-01-01", "2024-1-5"] {
            let Some(days) = parse_date(text.as_bytes()) else { continue };
            let mut written = String::new();
            format_date(days, &mut written);
            assert_eq!(date_is_canonical(text.as_bytes()), written == text, "{text}");
        }
        for text in [
            "2024-01-05T10:00:00Z",
            "2024-01-05T10:00:00.123Z",
            "2024-01-05T10:00:00.120Z",
            "2024-01-05T10:00:00.000Z",
            "2024-01-05T10:00:00.123456Z",
            "2024-01-05T10:00:00.123000Z",
            "2024-01-05 10:00:00Z",
            "2024-01-05T10:00Z",
            "2024-01-05T12:00:00+02:00",
        ] {
            let Some(ts) = parse_timestamp(text.as_bytes()) else { continue };
            let mut written = String::new();
            format_timestamp(ts.micros, true, &mut written);
            assert_eq!(zoned_timestamp_is_canonical(text.as_bytes()), written == text, "{text} → {written}");
        }
    }

    #[test]
    fn keeps_rows_in_order_up_to_the_bound_and_rewinds() {
        let mut kept = WrittenTexts::default();
        kept.keep(1, b"1,5");
        let mark = kept.mark();
        kept.keep(3, b"2,5");
        kept.rewind(mark);
        kept.keep(2, b"3 169");
        let rendered: StringArray = vec![Some("0"), Some("1.5"), Some("3169"), None].into_iter().collect();
        let shown = kept.apply(rendered);
        assert_eq!(shown.iter().collect::<Vec<_>>(), [Some("0"), Some("1,5"), Some("3 169"), None]);
        assert_eq!(kept.len(), 0, "applying forgets");

        let mut full = WrittenTexts::default();
        for row in 0..MAX_VALUES + 10 {
            full.keep(row, b"x");
        }
        assert_eq!(full.len(), MAX_VALUES);
        let mut long = WrittenTexts::default();
        long.keep(0, &vec![b'1'; MAX_BYTES]);
        long.keep(1, b"2");
        assert_eq!(long.len(), 1, "nothing after the bound, even a shorter text");
    }
}
