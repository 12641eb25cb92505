//! Problems that did not stop loading: counted, with the first few lines
//! they happened on, and turned into sentences for the person who loaded the
//! file.

use serde::Serialize;

/// How many lines are named per warning.
const LINES_KEPT: usize = 5;

/// A count of occurrences and the first lines they were on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

/// Everything noted while loading one file.
#[derive(Clone, Debug, Default)]
pub struct WarningLog {
    pub short_rows: Tally,
    pub long_rows: Tally,
    pub unclosed_quote_line: Option<u64>,
    pub invalid_utf8: Tally,
    /// Per column index: values not readable as the forced type.
    pub unparsed: Vec<(usize, &'static str, Tally)>,
}

impl WarningLog {
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
        log.unparsed.push((1, "integer", Tally { count: 2, lines: vec![3, 9] }));
        let w = log.warnings(&["a".into(), "b".into()], 2);
        assert_eq!(w[0].message, "One row had fewer than 2 fields and was padded with empty values (line 7).");
        assert_eq!(w[1].message, "Column \"b\": 2 values could not be read as integer and were left empty (line 3, 9).");
        assert_eq!(w[1].column.as_deref(), Some("b"));
    }
}
