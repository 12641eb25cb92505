//! Errors the engine reports: one enum, each variant carrying what it is about
//! (line, column, option), worded for the person who picked the file.

use thiserror::Error;

/// Everything that can go wrong while loading or reading a table.
#[derive(Debug, Error)]
pub enum QuiverError {
    #[error("The file is empty: it has no header and no rows.")]
    EmptyFile,

    #[error("This is not a text CSV file: {0}")]
    NotText(String),

    #[error("Line {line} has {found} fields, but the header has {expected}. (Turn off strict mode to pad or cut such rows instead.)")]
    RaggedRow { line: u64, found: usize, expected: usize },

    #[error("The quoted field that starts on line {line} is never closed: the file ends inside quotes.")]
    UnterminatedQuote { line: u64 },

    #[error("Line {line}, column \"{column}\": \"{value}\" is not a valid {kind}.")]
    BadValue { line: u64, column: String, value: String, kind: &'static str },

    #[error("Invalid option `{option}`: {reason}")]
    InvalidOption { option: String, reason: String },

    #[error("There is no column named \"{0}\".")]
    UnknownColumn(String),

    #[error("Invalid query: {0}")]
    InvalidQuery(String),

    /// A query a table loaded in shards cannot answer yet (the client says
    /// the same, with the same code, for what it refuses itself).
    #[error("{0} is not supported yet on a file loaded in shards. Open the file with {{ shards: 1 }} to use it (a file larger than about 6 GB does not fit one shard), or load only some columns or a sample of the rows.")]
    NotSupportedInShards(String),

    #[error("This file needs about {} of memory, more than the limit of {}. Load only the columns you need (the `columns` option), open a smaller file, or raise the limit if the device has the memory.", format_bytes(*.needed), format_bytes(*.limit))]
    MemoryLimit { needed: u64, limit: u64 },

    #[error("Rows {offset}..{end} are outside the table, which has {rows} rows.")]
    RowsOutOfRange { offset: usize, end: usize, rows: usize },

    #[error("Loading was cancelled after {rows} rows.")]
    Cancelled { rows: usize },

    #[error("This dataset has already finished loading; create a new one to load another file.")]
    AlreadyLoaded,

    #[error("Could not read the data: {0}")]
    Source(String),

    #[error("Internal error in the Arrow library: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

impl QuiverError {
    /// A stable name for the kind of error, for programs (`err.code` in JS).
    pub fn code(&self) -> &'static str {
        match self {
            QuiverError::EmptyFile => "EmptyFile",
            QuiverError::NotText(_) => "NotText",
            QuiverError::RaggedRow { .. } => "RaggedRow",
            QuiverError::UnterminatedQuote { .. } => "UnterminatedQuote",
            QuiverError::BadValue { .. } => "BadValue",
            QuiverError::InvalidOption { .. } => "InvalidOption",
            QuiverError::UnknownColumn(_) => "UnknownColumn",
            QuiverError::InvalidQuery(_) => "InvalidQuery",
            QuiverError::NotSupportedInShards(_) => "NotSupportedInShards",
            QuiverError::MemoryLimit { .. } => "MemoryLimit",
            QuiverError::RowsOutOfRange { .. } => "RowsOutOfRange",
            QuiverError::Cancelled { .. } => "Cancelled",
            QuiverError::AlreadyLoaded => "AlreadyLoaded",
            QuiverError::Source(_) => "Source",
            QuiverError::Arrow(_) => "Internal",
        }
    }
}

pub type Result<T, E = QuiverError> = std::result::Result<T, E>;

/// "1.5 GB", "320 MB", "12 KB": sizes as people read them (powers of 1000).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_read_naturally() {
        assert_eq!(format_bytes(0), "0 bytes");
        assert_eq!(format_bytes(999), "999 bytes");
        assert_eq!(format_bytes(1_500), "1.5 KB");
        assert_eq!(format_bytes(320_000_000), "320 MB");
        assert_eq!(format_bytes(4_294_967_296), "4.3 GB");
    }

    #[test]
    fn messages_name_what_they_are_about() {
        let e = QuiverError::RaggedRow { line: 17, found: 5, expected: 4 };
        assert!(e.to_string().starts_with("Line 17 has 5 fields, but the header has 4."));
        let e = QuiverError::MemoryLimit { needed: 5_200_000_000, limit: 4_000_000_000 };
        assert!(e.to_string().contains("about 5.2 GB"), "{e}");
        assert!(e.to_string().contains("limit of 4.0 GB"), "{e}");
    }
}
