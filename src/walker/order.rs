//! The `sort` step: rows ordered by several fields in one direction, stably.
//!
//! Numbers (and times, and bins by their lower bound) compare numerically;
//! text compares the way `String.prototype.localeCompare` does in the root
//! locale, approximated by [`collation_key`]: letters ignoring case and
//! accents first, then accents, then lower case before upper case;
//! punctuation and spaces before digits before letters. Nulls come first
//! ascending and last descending.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Int64Array, UInt32Array};
use arrow_schema::Field;

use super::payload::SortDirection;
use super::Frame;
use crate::error::Result;
use crate::query::domain::Kind;
use crate::query::sort::sort as sort_rows;
use crate::query::spec::{NullsOrder, SortKey};

/// `frame` ordered by `by`; with `limit`, only its first `limit` rows.
pub fn sort(frame: Frame, by: &[String], direction: SortDirection, limit: Option<usize>) -> Result<Frame> {
    if by.is_empty() || frame.num_rows() < 2 {
        return Ok(frame);
    }
    let descending = direction == SortDirection::Descending;
    let mut fields = Vec::with_capacity(by.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(by.len());
    let mut keys = Vec::with_capacity(by.len());
    for (i, name) in by.iter().enumerate() {
        let column = frame.column(name)?;
        let key: ArrayRef = if Kind::of(column.data_type()) == Kind::Text { Arc::new(text_ranks(column)?) } else { column.clone() };
        let key_name = format!("k{i}");
        fields.push(Field::new(&key_name, key.data_type().clone(), true));
        columns.push(key);
        keys.push(SortKey {
            column: key_name,
            descending,
            nulls: if descending { NullsOrder::Last } else { NullsOrder::First },
            case_insensitive: false,
        });
    }
    let key_batch = super::batch(fields, columns, frame.num_rows())?;
    let order = UInt32Array::from(sort_rows(&key_batch, &keys, None, limit)?);
    let batch = crate::arrays::take_record_batch(&frame.batch, &order)?;
    Ok(Frame { batch, bins: frame.bins })
}

/// Each text value's rank in collation order (equal texts, equal ranks).
fn text_ranks(column: &ArrayRef) -> Result<Int64Array> {
    // Rank the distinct values once: a dictionary's values, or the texts.
    let (values, keys): (ArrayRef, Option<Int64Array>) = match column.as_any_dictionary_opt() {
        Some(d) => (d.values().clone(), Some(crate::query::domain::integers(&d.keys().slice(0, column.len())))),
        None => (column.clone(), None),
    };
    let texts = values.as_string::<i32>();
    let mut distinct: Vec<(Vec<u32>, &str, usize)> =
        (0..texts.len()).filter(|&i| texts.is_valid(i)).map(|i| (collation_key(texts.value(i)), texts.value(i), i)).collect();
    distinct.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let mut rank = vec![0i64; texts.len()];
    let mut current = 0i64;
    for (n, entry) in distinct.iter().enumerate() {
        if n > 0 && (entry.0 != distinct[n - 1].0 || entry.1 != distinct[n - 1].1) {
            current += 1;
        }
        rank[entry.2] = current;
    }
    Ok(match keys {
        Some(keys) => keys.iter().map(|k| k.map(|k| rank[k as usize])).collect(),
        None => (0..texts.len()).map(|i| texts.is_valid(i).then(|| rank[i])).collect(),
    })
}

/// A sort key approximating the root-locale collation of ICU (which
/// `localeCompare` uses): primary weights (base letters, case- and
/// accent-blind; punctuation < digits < letters), then secondary (accents),
/// then tertiary (lower before upper case) over the whole string.
pub fn collation_key(text: &str) -> Vec<u32> {
    let mut primary = Vec::with_capacity(text.len() + 1);
    let mut secondary = Vec::new();
    let mut tertiary = Vec::new();
    for c in text.chars() {
        let base = base_letter(c);
        let class = if c.is_whitespace() {
            1
        } else if c.is_ascii_punctuation() || (!c.is_alphanumeric() && !c.is_whitespace()) {
            2
        } else if c.is_numeric() {
            3
        } else {
            4
        };
        let folded = base.to_lowercase().next().unwrap_or(base);
        primary.push(class << 24 | (folded as u32 & 0xFF_FFFF));
        secondary.push(u32::from(base != c));
        tertiary.push(u32::from(c.is_uppercase()));
    }
    primary.push(0);
    primary.extend(secondary);
    primary.push(0);
    primary.extend(tertiary);
    primary
}

/// The unaccented letter of common Latin accented letters.
fn base_letter(c: char) -> char {
    const FROM: &str = "àáâãäåāăąçćčďèéêëēėęěìíîïīįıñńňòóôõöøōőùúûüūůűųýÿžźżšśřŕłÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĖĘĚÌÍÎÏĪĮİÑŃŇÒÓÔÕÖØŌŐÙÚÛÜŪŮŰŲÝŸŽŹŻŠŚŘŔŁ";
    const TO: &str = "aaaaaaaaacccdeeeeeeeeiiiiiiinnnoooooooouuuuuuuuyyzzzssrrlAAAAAAAAACCCDEEEEEEEEIIIIIIINNNOOOOOOOOUUUUUUUUYYZZZSSRRL";
    if c.is_ascii() {
        return c;
    }
    FROM.chars().position(|f| f == c).and_then(|i| TO.chars().nth(i)).unwrap_or(c)
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collation_is_locale_like() {
        let mut words = vec!["banana", "Apple", "apple", "_x", "10", "9", "Éclair", "eclair", "b", "B"];
        words.sort_by_key(|w| collation_key(w));
        assert_eq!(words, ["_x", "10", "9", "apple", "Apple", "b", "B", "banana", "eclair", "Éclair"]);
    }
}
