//! What a caller can say about a CSV before loading it. Every field has a
//! default, so `{}` is a valid set of options; unknown fields are rejected so a
//! typo (`hasHeaders`) is an error rather than silently ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::infer::{DateOrder, NumberFormat};
use crate::error::{QuiverError, Result};

/// The logical type of a column, as inferred or as overridden by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Boolean,
    Integer,
    Float,
    Date,
    Timestamp,
    String,
}

impl ColumnKind {
    /// The word used in messages: "integer", "date", …
    pub fn name(self) -> &'static str {
        match self {
            ColumnKind::Boolean => "boolean",
            ColumnKind::Integer => "integer",
            ColumnKind::Float => "float",
            ColumnKind::Date => "date",
            ColumnKind::Timestamp => "timestamp",
            ColumnKind::String => "string",
        }
    }

    /// The kind an Arrow storage type holds (dictionaries of text: string).
    pub fn of(data_type: &arrow_schema::DataType) -> ColumnKind {
        use arrow_schema::DataType;
        match data_type {
            DataType::Boolean => ColumnKind::Boolean,
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => ColumnKind::Integer,
            DataType::Float32 | DataType::Float64 => ColumnKind::Float,
            DataType::Date32 => ColumnKind::Date,
            DataType::Timestamp(_, _) => ColumnKind::Timestamp,
            _ => ColumnKind::String,
        }
    }

    /// The plain storage of the kind (integers: 64 bits; timestamps: UTC µs
    /// without a zone; text: plain `Utf8`).
    pub fn storage_type(self) -> arrow_schema::DataType {
        use arrow_schema::{DataType, TimeUnit};
        match self {
            ColumnKind::Boolean => DataType::Boolean,
            ColumnKind::Integer => DataType::Int64,
            ColumnKind::Float => DataType::Float64,
            ColumnKind::Date => DataType::Date32,
            ColumnKind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            ColumnKind::String => DataType::Utf8,
        }
    }
}

/// The null tokens by default: R's and SQL's, pandas' (`nan`, `None`,
/// `<NA>`, `n/a`), and Excel's `#N/A` and error values. `NaN` is not among
/// them: it reads as the float NaN.
pub const DEFAULT_NULLS: [&str; 17] = [
    "", "NA", "N/A", "n/a", "null", "NULL", "nan", "None", "<NA>", "#N/A", "#N/A N/A", "#NA", "#NULL!", "#DIV/0!", "#VALUE!",
    "#REF!", "#NUM!",
];

/// Options for reading one CSV file. Field names are camelCase in JSON/JS.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct IngestOptions {
    /// Field delimiter, one ASCII character. `None`: detected from the first
    /// block among `,` `;` tab `|`.
    pub delimiter: Option<char>,
    /// Quote character, one ASCII character; `None` turns quoting off.
    pub quote: Option<char>,
    /// Whether the first record holds the column names.
    pub has_header: bool,
    /// Field values read as null (compared exactly, before type inference).
    pub null_values: Vec<String>,
    /// Strict mode: a ragged row, an unclosed quote or a value that does not
    /// fit an overridden type is an error instead of a warning.
    pub strict: bool,
    /// Types forced by the caller, by column name; others are inferred.
    pub column_types: BTreeMap<String, ColumnKind>,
    /// Rows per Arrow record batch (the unit of memory and of progress).
    pub batch_rows: usize,
    /// Stop with an error when the table would need more memory than this.
    pub memory_limit_bytes: Option<u64>,
    /// The file's character encoding (`"cp949"`, `"windows-1252"`,
    /// `"utf-16le"` …). `None`: detected from the first block (see
    /// [`super::encoding`]).
    pub encoding: Option<String>,
    /// Keep the rows that repeat the header mid-file (files joined with
    /// `cat`) instead of dropping them; a warning names their lines either way.
    pub keep_repeated_headers: bool,
    /// The order of day and month in these columns' dates (`"dayFirst"` or
    /// `"monthFirst"`), by column name: taken as decided, instead of read
    /// from the values (what a user picks for a column whose days are all
    /// 12 or less). A date that does not read in that order makes the
    /// column text, as any value of another type does.
    pub date_orders: BTreeMap<String, DateOrder>,
    /// How these columns write their numbers (`"plain"`, `"decimalComma"`:
    /// `1.234,5`, `"thousandsComma"`: `1,234.5`), by column name: taken as
    /// decided, instead of read from the values (what a user picks when
    /// `1,234` was read the other way). A value that is no number in that
    /// format makes the column text, as any value of another type does.
    pub number_formats: BTreeMap<String, NumberFormat>,
    /// Load only these columns, by name (`None`: all of them): the others
    /// are parsed (a CSV record must be read whole) but not stored, so a
    /// file too large for memory can be explored through the columns a
    /// question needs. The table keeps the file's column order.
    pub columns: Option<Vec<String>>,
    /// Load a uniform sample of the rows: each record is kept with this
    /// probability (0 < p ≤ 1), decided by a hash of where it starts in the
    /// file, so the same file gives the same sample however it is cut into
    /// chunks or shards. `None`: every row.
    pub sample_fraction: Option<f64>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            delimiter: None,
            quote: Some('"'),
            has_header: true,
            null_values: DEFAULT_NULLS.map(String::from).to_vec(),
            strict: false,
            column_types: BTreeMap::new(),
            batch_rows: 65_536,
            memory_limit_bytes: None,
            encoding: None,
            keep_repeated_headers: false,
            date_orders: BTreeMap::new(),
            number_formats: BTreeMap::new(),
            columns: None,
            sample_fraction: None,
        }
    }
}

impl IngestOptions {
    /// Parses options from JSON text (the form the JS layer and tests use).
    pub fn from_json(json: &str) -> Result<Self> {
        let options: IngestOptions = serde_json::from_str(json).map_err(|e| QuiverError::InvalidOption {
            option: "options".into(),
            reason: e.to_string(),
        })?;
        options.validate()?;
        Ok(options)
    }

    /// Every column name the options mention (each must be in the file).
    pub fn named_columns(&self) -> impl Iterator<Item = &String> {
        self.column_types
            .keys()
            .chain(self.date_orders.keys())
            .chain(self.number_formats.keys())
            .chain(self.columns.iter().flatten())
    }

    /// Whether the record starting at byte `offset` of the file is in the
    /// sample (always, without `sampleFraction`): a hash of the offset
    /// (splitmix64) below the fraction of the hash range.
    #[inline]
    pub fn samples(&self, offset: u64) -> bool {
        let Some(p) = self.sample_fraction else { return true };
        let mut z = offset.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z as f64) < p * 18_446_744_073_709_551_616.0
    }

    /// Whether the load stores column `name` (the `columns` option).
    pub fn loads(&self, name: &str) -> bool {
        self.columns.as_ref().is_none_or(|wanted| wanted.iter().any(|w| w == name))
    }

    /// Checks what serde cannot: single ASCII bytes, distinct delimiter and quote.
    pub fn validate(&self) -> Result<()> {
        let delimiter = self.delimiter.map(|c| ascii_byte("delimiter", c)).transpose()?;
        let quote = self.quote.map(|c| ascii_byte("quote", c)).transpose()?;
        if let Some(d) = delimiter {
            if matches!(d, b'\n' | b'\r') {
                return Err(invalid("delimiter", "a line break cannot be the delimiter"));
            }
            if Some(d) == quote {
                return Err(invalid("delimiter", "the delimiter and the quote must differ"));
            }
        }
        if self.batch_rows == 0 {
            return Err(invalid("batchRows", "must be at least 1"));
        }
        if let Some(label) = &self.encoding {
            super::encoding::for_label(label)?;
        }
        if let Some(p) = self.sample_fraction.filter(|p| !(*p > 0.0 && *p <= 1.0)) {
            return Err(invalid("sampleFraction", &format!("{p} is not a fraction of the rows: give a number above 0 and at most 1 (0.1 keeps about one row in ten)")));
        }
        if self.columns.as_ref().is_some_and(Vec::is_empty) {
            return Err(invalid("columns", "name at least one column to load (or leave it out to load them all)"));
        }
        if let Some((name, _)) = self.date_orders.iter().find(|(_, order)| **order == DateOrder::Iso) {
            return Err(invalid("dateOrders", &format!("\"{name}\": the order is \"dayFirst\" or \"monthFirst\"")));
        }
        Ok(())
    }

    pub(crate) fn delimiter_byte(&self) -> Option<u8> {
        self.delimiter.map(|c| c as u8)
    }

    pub(crate) fn quote_byte(&self) -> Option<u8> {
        self.quote.map(|c| c as u8)
    }
}

fn ascii_byte(option: &str, c: char) -> Result<u8> {
    if c.is_ascii() {
        Ok(c as u8)
    } else {
        Err(invalid(option, &format!("{c:?} is not a single ASCII character")))
    }
}

fn invalid(option: &str, reason: &str) -> QuiverError {
    QuiverError::InvalidOption { option: option.into(), reason: reason.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_json_gives_the_defaults() {
        let o = IngestOptions::from_json("{}").unwrap();
        assert_eq!(o.delimiter, None);
        assert_eq!(o.quote, Some('"'));
        assert!(o.has_header);
        assert_eq!(o.null_values, DEFAULT_NULLS);
    }

    #[test]
    fn camel_case_fields_and_column_types() {
        let o = IngestOptions::from_json(
            r#"{"delimiter":";","hasHeader":false,"columnTypes":{"zip":"string"},"strict":true}"#,
        )
        .unwrap();
        assert_eq!(o.delimiter_byte(), Some(b';'));
        assert!(!o.has_header && o.strict);
        assert_eq!(o.column_types["zip"], ColumnKind::String);
    }

    #[test]
    fn mistakes_are_named() {
        for (json, needle) in [
            (r#"{"hasHeaders":true}"#, "unknown field `hasHeaders`"),
            (r#"{"delimiter":"é"}"#, "not a single ASCII character"),
            (r#"{"delimiter":";;"}"#, "invalid value"),
            (r#"{"delimiter":"\"","quote":"\""}"#, "must differ"),
            (r#"{"columnTypes":{"a":"number"}}"#, "unknown variant `number`"),
            (r#"{"batchRows":0}"#, "at least 1"),
            (r#"{"encoding":"klingon"}"#, "not an encoding"),
            ("{", "EOF"),
        ] {
            let err = IngestOptions::from_json(json).unwrap_err().to_string();
            assert!(err.contains(needle), "{json}: {err}");
        }
    }
}
