//! Column names: taken from the header record, made non-empty and unique.

use std::collections::HashSet;

/// Turns raw header fields into usable names: surrounding whitespace trimmed,
/// an empty name becomes `column_N` (N counts from 1), and a repeated name gets
/// `_2`, `_3`, … (skipping suffixes that are themselves taken).
pub fn column_names<'a>(raw: impl IntoIterator<Item = &'a [u8]>) -> Vec<String> {
    let trimmed: Vec<String> =
        raw.into_iter().map(|field| String::from_utf8_lossy(field).trim().to_string()).collect();
    let mut taken: HashSet<String> = trimmed.iter().filter(|n| !n.is_empty()).cloned().collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut names = Vec::with_capacity(trimmed.len());
    for (index, name) in trimmed.into_iter().enumerate() {
        let generated = name.is_empty();
        let base = if generated { format!("column_{}", index + 1) } else { name };
        // A generated name must also avoid explicit names that come later.
        let unique = if seen.contains(&base) || (generated && taken.contains(&base)) {
            let mut n = 2;
            loop {
                let candidate = format!("{base}_{n}");
                if !taken.contains(&candidate) && !seen.contains(&candidate) {
                    break candidate;
                }
                n += 1;
            }
        } else {
            base
        };
        taken.insert(unique.clone());
        seen.insert(unique.clone());
        names.push(unique);
    }
    names
}

/// Names for a file without a header: `column_1` … `column_N`.
pub fn generated_names(count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("column_{i}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &[&str]) -> Vec<String> {
        column_names(raw.iter().map(|s| s.as_bytes()))
    }

    #[test]
    fn header_table() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["a", "b"], &["a", "b"]),
            (&[" a ", "b\t"], &["a", "b"]),
            (&["", "b", ""], &["column_1", "b", "column_3"]),
            (&["a", "a", "a"], &["a", "a_2", "a_3"]),
            (&["a", "a", "a_2"], &["a", "a_3", "a_2"]),
            (&["column_2", ""], &["column_2", "column_2_2"]),
            (&["", "column_1"], &["column_1_2", "column_1"]),
            (&["x", "X"], &["x", "X"]),
        ];
        for (raw, want) in cases {
            assert_eq!(names(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn generated() {
        assert_eq!(generated_names(3), ["column_1", "column_2", "column_3"]);
    }
}
