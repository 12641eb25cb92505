//! Problems that did not stop loading: counted, with the first few lines
//! they happened on, and turned into sentences for the person who loaded the
//! file.

use serde::{Deserialize, Serialize};

/// How many lines are named per warning.
const LINES_KEPT: usize = 5;

/// A count of occurrences and the first lines they were on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub count: u64,
    pub lines: Vec<u64>,
}

impl Tally {
    pub fn add(&mut self, line: u64) {
        self.count += 1;
        if self.lines.len() < LINES_KEPT {
            self.lines.push(line);
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.count += other.count;
        for line in other.lines {
            if self.lines.len() < LINES_KEPT {
                self.lines.push(line);
            }
        }
    }

    fn lines_text(&self) -> String {
        let lines: Vec<String> = self.lines.iter().map(u64::to_string).collect();
        let more = if self.count > self.lines.len() as u64 { ", …" } else { "" };
        format!("{}{more}", lines.join(", "))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WarningKind {
    RaggedRows,
    UnclosedQuote,
    InvalidUtf8,
    UnparsedValues,
    /// The encoding was a guess (no byte order mark, not UTF-8).
    EncodingGuessed,
    /// Bytes that are not text in the file's encoding.
    Undecodable,
    /// `#` lines before the header, skipped.
    CommentLines,
    /// The header again, mid-file (files joined together).
    RepeatedHeader,
}

/// One warning as the caller sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
    pub count: u64,
    /// The first lines concerned (1-based), at most five.
    pub lines: Vec<u64>,
    /// The column concerned, if it is about one column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

/// Everything noted while loading one file (or one byte range of it: the
/// logs of a file's ranges merge, in file order, into the file's log).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarningLog {
    pub short_rows: Tally,
    pub long_rows: Tally,
    pub unclosed_quote_line: Option<u64>,
    pub invalid_utf8: Tally,
    /// Per column index: values not readable as the forced type (named).
    pub unparsed: Vec<(usize, String, Tally)>,
    /// The encoding the file was read in, when it was a guess.
    #[serde(default)]
    pub guessed_encoding: Option<String>,
    /// Characters that could not be decoded (replaced by U+FFFD).
    #[serde(default)]
    pub undecodable: u64,
    /// `#` comment lines skipped before the header (the file's first lines
    /// after a `sep=` line, if any).
    #[serde(default)]
    pub comment_lines: Option<(u64, u64)>,
    /// Records equal to the header after the header.
    #[serde(default)]
    pub repeated_header: Tally,
    /// Those records were kept as rows.
    #[serde(default)]
    pub repeated_header_kept: bool,
}

impl WarningLog {
    /// Adds the log of the next range of the file, whose lines are counted
    /// from `line_offset + 1`.
    pub fn merge(&mut self, other: WarningLog, line_offset: u64) {
        let shift = |mut t: Tally| {
            t.lines.iter_mut().for_each(|line| *line += line_offset);
            t
        };
        self.short_rows.merge(shift(other.short_rows));
        self.long_rows.merge(shift(other.long_rows));
        self.invalid_utf8.merge(shift(other.invalid_utf8));
        if self.guessed_encoding.is_none() {
            self.guessed_encoding = other.guessed_encoding;
        }
        self.undecodable += other.undecodable;
        self.comment_lines = self.comment_lines.or(other.comment_lines);
        self.repeated_header.merge(shift(other.repeated_header));
        self.repeated_header_kept |= other.repeated_header_kept;
        // Only the range where the file ends can end inside quotes.
        if let Some(line) = other.unclosed_quote_line {
            self.unclosed_quote_line = Some(line + line_offset);
        }
        for (column, kind, tally) in other.unparsed {
            match self.unparsed.iter_mut().find(|(c, _, _)| *c == column) {
                Some((_, _, mine)) => mine.merge(shift(tally)),
                None => self.unparsed.push((column, kind, shift(tally))),
            }
        }
    }

    pub fn warnings(&self, names: &[String], expected_fields: usize) -> Vec<Warning> {
        let mut out = Vec::new();
        let plural = |n: u64, one: &str, many: &str| if n == 1 { one.to_string() } else { format!("{n} {many}") };
        if self.short_rows.count > 0 {
            let t = &self.short_rows;
            out.push(Warning {
                kind: WarningKind::RaggedRows,
                message: format!(
                    "{} fewer than {expected_fields} fields and {} padded with empty values (line {}).",
                    plural(t.count, "One row had", "rows had"),
                    if t.count == 1 { "was" } else { "were" },
                    t.lines_text()
                ),
                count: t.count,
                lines: t.lines.clone(),
                column: None,
            });
        }
        if self.long_rows.count > 0 {
            let t = &self.long_rows;
            out.push(Warning {
                kind: WarningKind::RaggedRows,
                message: format!(
                    "{} more than {expected_fields} fields; the extra fields were dropped (line {}).",
                    plural(t.count, "One row had", "rows had"),
                    t.lines_text()
                ),
                count: t.count,
                lines: t.lines.clone(),
                column: None,
            });
        }
        if let Some(line) = self.unclosed_quote_line {
            out.push(Warning {
                kind: WarningKind::UnclosedQuote,
                message: format!(
                    "The quoted field that starts on line {line} is never closed: everything after it was read as one value."
                ),
                count: 1,
                lines: vec![line],
                column: None,
            });
        }
        if self.invalid_utf8.count > 0 {
            let t = &self.invalid_utf8;
            out.push(Warning {
                kind: WarningKind::InvalidUtf8,
                message: format!(
                    "{} bytes that are not UTF-8; they were replaced with \u{FFFD} (line {}). The file may use another encoding, such as Windows-1252.",
                    plural(t.count, "One value had", "values had"),
                    t.lines_text()
                ),
                count: t.count,
                lines: t.lines.clone(),
                column: None,
            });
        }
        if let Some(encoding) = &self.guessed_encoding {
            out.push(Warning {
                kind: WarningKind::EncodingGuessed,
                message: format!(
                    "The file is not UTF-8 and has no byte order mark: it was read as {encoding}, a guess from its start. If the text looks wrong, choose its encoding."
                ),
                count: 1,
                lines: Vec::new(),
                column: None,
            });
        }
        if self.undecodable > 0 {
            let n = self.undecodable;
            out.push(Warning {
                kind: WarningKind::Undecodable,
                message: format!(
                    "{} not be decoded in the file's encoding and {} replaced with \u{FFFD}.",
                    plural(n, "One character could", "characters could"),
                    if n == 1 { "was" } else { "were" }
                ),
                count: n,
                lines: Vec::new(),
                column: None,
            });
        }
        if let Some((first, last)) = self.comment_lines {
            let n = last - first + 1;
            let which = if n == 1 { format!("Line {first} starts") } else { format!("Lines {first}–{last} start") };
            out.push(Warning {
                kind: WarningKind::CommentLines,
                message: format!("{which} with # before the header: skipped as comments."),
                count: n,
                lines: (first..=last).take(LINES_KEPT).collect(),
                column: None,
            });
        }
        if self.repeated_header.count > 0 {
            let t = &self.repeated_header;
            out.push(Warning {
                kind: WarningKind::RepeatedHeader,
                message: format!(
                    "The header appears again (line {}), as in files joined together: {}.",
                    t.lines_text(),
                    match (self.repeated_header_kept, t.count) {
                        (true, 1) => "that row was kept",
                        (true, _) => "those rows were kept",
                        (false, 1) => "that row was dropped",
                        (false, _) => "those rows were dropped",
                    }
                ),
                count: t.count,
                lines: t.lines.clone(),
                column: None,
            });
        }
        for (column, kind, t) in &self.unparsed {
            let name = &names[*column];
            out.push(Warning {
                kind: WarningKind::UnparsedValues,
                message: format!(
                    "Column \"{name}\": {} not be read as {kind} and {} left empty (line {}).",
                    plural(t.count, "one value could", "values could"),
                    if t.count == 1 { "was" } else { "were" },
                    t.lines_text()
                ),
                count: t.count,
                lines: t.lines.clone(),
                column: Some(name.clone()),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_of_ranges_merge_in_file_order_with_their_line_offsets() {
        let mut first = WarningLog::default();
        first.short_rows.add(3);
        first.unparsed.push((1, "integer".into(), Tally { count: 1, lines: vec![4] }));
        let mut second = WarningLog::default();
        second.short_rows.add(2);
        second.long_rows.add(5);
        second.unclosed_quote_line = Some(7);
        second.unparsed.push((1, "integer".into(), Tally { count: 2, lines: vec![1, 2] }));
        first.merge(second, 100);
        assert_eq!(first.short_rows, Tally { count: 2, lines: vec![3, 102] });
        assert_eq!(first.long_rows, Tally { count: 1, lines: vec![105] });
        assert_eq!(first.unclosed_quote_line, Some(107));
        assert_eq!(first.unparsed, [(1, "integer".to_string(), Tally { count: 3, lines: vec![4, 101, 102] })]);
        // Through JSON, as logs cross between wasm instances.
        let json = serde_json::to_string(&first).unwrap();
        assert!(json.contains("\"shortRows\""), "{json}");
        assert_eq!(serde_json::from_str::<WarningLog>(&json).unwrap(), first);
    }

    #[test]
    fn tallies_keep_the_first_five_lines() {
        let mut t = Tally::default();
        for line in 10..20 {
            t.add(line);
        }
        assert_eq!(t.count, 10);
        assert_eq!(t.lines, [10, 11, 12, 13, 14]);
        assert_eq!(t.lines_text(), "10, 11, 12, 13, 14, …");
    }

    #[test]
    fn messages_are_sentences() {
        let mut log = WarningLog::default();
        log.short_rows.add(7);
        log.unparsed.push((1, "integer".into(), Tally { count: 2, lines: vec![3, 9] }));
        let w = log.warnings(&["a".into(), "b".into()], 2);
        assert_eq!(w[0].message, "One row had fewer than 2 fields and was padded with empty values (line 7).");
        assert_eq!(w[1].message, "Column \"b\": 2 values could not be read as integer and were left empty (line 3, 9).");
        assert_eq!(w[1].column.as_deref(), Some("b"));
    }
}
