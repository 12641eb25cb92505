//! Reading one field's text as a typed value, and the lattice that says which
//! type a column must widen to when a value no longer fits.
//!
//! The lattice: `integer → float → string` and `date → timestamp → string`;
//! any other mix is `string`. A column with no values yet has no kind.
//!
//! The parsers decide what counts as a value of each kind. They are strict on
//! purpose, so that a value read as a number or a date can be written back as
//! the same text when a column later widens to string:
//! - integers: optional `-`, digits, no leading zeros (`007` and zip codes stay
//!   text), within i64;
//! - floats: what Rust's `f64::from_str` reads, starting with a digit, `-` or
//!   `.` and without a leading zero before another digit, plus `NaN`, `inf`,
//!   `-inf`, `Infinity`, `-Infinity`;
//! - booleans: `true`/`false` in lower, upper or title case;
//! - dates: `YYYY-MM-DD`, a real calendar day;
//! - timestamps: a date, `T` or a space, `HH:MM[:SS[.fraction]]`, then optional
//!   `Z` or an offset `±HH[:MM]`; stored as UTC microseconds, so a fraction
//!   with non-zero digits past the sixth does not fit.
//!
//! Surrounding spaces and tabs are ignored for every kind but string.

use super::options::ColumnKind;
use crate::calendar::{days_from_civil, days_in_month, MICROS_PER_DAY};


/// Largest integer magnitude a float holds exactly; an integer column beyond it
/// widens to string instead of float, so no value is altered.
pub const MAX_EXACT_FLOAT_INT: i64 = 1 << 53;

pub fn trim(field: &[u8]) -> &[u8] {
    let start = field.iter().position(|b| !matches!(b, b' ' | b'\t')).unwrap_or(field.len());
    let end = field.iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(start, |i| i + 1);
    &field[start..end]
}

pub fn parse_bool(field: &[u8]) -> Option<bool> {
    match field {
        b"true" | b"TRUE" | b"True" => Some(true),
        b"false" | b"FALSE" | b"False" => Some(false),
        _ => None,
    }
}

/// Hand-written rather than `str::parse::<i64>` because the rules differ on
/// purpose (no `+`, no leading zeros) and this runs once per integer field.
pub fn parse_int(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, field),
    };
    if digits.is_empty() || digits.len() > 19 || (digits.len() > 1 && digits[0] == b'0') {
        return None;
    }
    // Accumulate negatively so that i64::MIN parses without overflow.
    let mut value: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_sub(d as i64)?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

pub fn parse_float(field: &[u8]) -> Option<f64> {
    match field {
        b"NaN" => return Some(f64::NAN),
        b"inf" | b"Infinity" => return Some(f64::INFINITY),
        b"-inf" | b"-Infinity" => return Some(f64::NEG_INFINITY),
        [first, ..] if first.is_ascii_digit() || matches!(first, b'-' | b'.') => {}
        _ => return None,
    }
    // A leading zero before another digit ("007", "-01.5") marks a code such as
    // a zip code, which must keep its text.
    let unsigned = field.strip_prefix(b"-").unwrap_or(field);
    if unsigned.len() > 1 && unsigned[0] == b'0' && unsigned[1].is_ascii_digit() {
        return None;
    }
    if let Some(value) = parse_plain_decimal(field) {
        return Some(value);
    }
    // Digits, signs, '.', 'e' and 'E' are ASCII, so anything else fails here.
    let text = std::str::from_utf8(field).ok()?;
    let value: f64 = text.parse().ok()?;
    // Rust also reads "-nan", "+inf", "-infinity": keep to the list above.
    value.is_finite().then_some(value)
}

/// Exact powers of ten up to 10^15 (all exactly representable as f64).
const POWERS_OF_TEN: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// The common case `-123.45`, without exponent and with at most 15 digits,
/// read directly: the digits form an integer below 2^53 and 10^k is exact,
/// so one division gives the correctly rounded value, the same bits as
/// `f64::from_str`. Measured: float columns parse about twice as fast, which
/// matters because every float field of a file goes through here.
fn parse_plain_decimal(field: &[u8]) -> Option<f64> {
    let (negative, body) = match field {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, field),
    };
    let mut mantissa: u64 = 0;
    let mut digit_count = 0;
    let mut fraction_digits = 0;
    let mut seen_point = false;
    for &b in body {
        let d = b.wrapping_sub(b'0');
        if d <= 9 {
            mantissa = mantissa * 10 + d as u64;
            digit_count += 1;
            fraction_digits += seen_point as usize;
            if digit_count > 15 {
                return None;
            }
        } else if b == b'.' && !seen_point {
            seen_point = true;
        } else {
            return None;
        }
    }
    if digit_count == 0 {
        return None;
    }
    let value = mantissa as f64 / POWERS_OF_TEN[fraction_digits];
    Some(if negative { -value } else { value })
}

fn digits<const N: usize>(field: &[u8], at: usize) -> Option<u32> {
    let slice = field.get(at..at + N)?;
    let mut value = 0u32;
    for &b in slice {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value * 10 + d as u32;
    }
    Some(value)
}

/// `YYYY-MM-DD` → days since 1970-01-01.
pub fn parse_date(field: &[u8]) -> Option<i32> {
    if field.len() != 10 {
        return None;
    }
    date_prefix(field)
}

fn date_prefix(field: &[u8]) -> Option<i32> {
    if field.get(4) != Some(&b'-') || field.get(7) != Some(&b'-') {
        return None;
    }
    let year = digits::<4>(field, 0)? as i32;
    let month = digits::<2>(field, 5)?;
    let day = digits::<2>(field, 8)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// A parsed timestamp: UTC microseconds since the epoch, and whether the text
/// carried a zone (`Z` or an offset) rather than being a plain local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    pub micros: i64,
    pub zoned: bool,
}

/// ISO 8601 date-time (or a plain date, read as midnight) → [`Timestamp`].
pub fn parse_timestamp(field: &[u8]) -> Option<Timestamp> {
    let days = date_prefix(field)? as i64;
    if field.len() == 10 {
        return Some(Timestamp { micros: days * MICROS_PER_DAY, zoned: false });
    }
    if !matches!(field[10], b'T' | b' ') || field.get(13) != Some(&b':') {
        return None;
    }
    let hour = digits::<2>(field, 11)?;
    let minute = digits::<2>(field, 14)?;
    let mut at = 16;
    let mut second = 0;
    let mut micros_fraction = 0i64;
    if field.get(at) == Some(&b':') {
        second = digits::<2>(field, at + 1)?;
        at += 3;
        if field.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while at < field.len() && field[at].is_ascii_digit() {
                let d = (field[at] - b'0') as i64;
                let place = at - start;
                if place < 6 {
                    micros_fraction = micros_fraction * 10 + d;
                } else if d != 0 {
                    return None; // finer than a microsecond: would be altered
                }
                at += 1;
            }
            let count = at - start;
            if count == 0 || count > 9 {
                return None;
            }
            for _ in count..6 {
                micros_fraction *= 10;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let (offset_seconds, zoned) = match &field[at..] {
        [] => (0, false),
        [b'Z'] => (0, true),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let hours = digits::<2>(rest, 0)?;
            let minutes = match rest.len() {
                2 => 0,
                4 => digits::<2>(rest, 2)?,
                5 if rest[2] == b':' => digits::<2>(rest, 3)?,
                _ => return None,
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = (hours * 3600 + minutes * 60) as i64;
            (if *sign == b'+' { seconds } else { -seconds }, true)
        }
        _ => return None,
    };
    let seconds_of_day = (hour * 3600 + minute * 60 + second) as i64 - offset_seconds;
    let micros = days * MICROS_PER_DAY + seconds_of_day * 1_000_000 + micros_fraction;
    Some(Timestamp { micros, zoned })
}

/// An integer written with more digits than a float holds exactly (beyond
/// ±2^53): reading it as a float would change it.
pub fn integral_beyond_exact_float(field: &[u8]) -> bool {
    let digits = field.strip_prefix(b"-").unwrap_or(field);
    digits.len() >= 16
        && digits.iter().all(u8::is_ascii_digit)
        && parse_int(field).is_none_or(|i| i.unsigned_abs() > MAX_EXACT_FLOAT_INT as u64)
}

/// The most specific kind that reads this (non-null, trimmed) value.
pub fn classify(field: &[u8]) -> ColumnKind {
    if parse_bool(field).is_some() {
        ColumnKind::Boolean
    } else if parse_int(field).is_some() {
        ColumnKind::Integer
    } else if parse_float(field).is_some() {
        ColumnKind::Float
    } else if parse_date(field).is_some() {
        ColumnKind::Date
    } else if parse_timestamp(field).is_some() {
        ColumnKind::Timestamp
    } else {
        ColumnKind::String
    }
}

/// How a column writes its numbers (decided per column, see
/// [`super::column`]): `1234.5` (plain), `1.234,5` or `1 234,5` (decimal
/// comma, `.` or space thousands) or `1,234.5` (comma thousands). Integers
/// without separators read the same in all three, so a column of them can
/// still take any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NumberFormat {
    #[default]
    Plain,
    DecimalComma,
    ThousandsComma,
}

impl NumberFormat {
    /// The words the schema shows (`None`: plain).
    pub fn dialect(self) -> Option<&'static str> {
        match self {
            NumberFormat::Plain => None,
            NumberFormat::DecimalComma => Some("decimal comma"),
            NumberFormat::ThousandsComma => Some("thousands comma"),
        }
    }

    pub fn from_dialect(text: &str) -> Option<NumberFormat> {
        match text {
            "decimal comma" => Some(NumberFormat::DecimalComma),
            "thousands comma" => Some(NumberFormat::ThousandsComma),
            _ => None,
        }
    }
}

/// `field` in `format` as plain digits (`-1234.5`) in `out`: group
/// separators checked (groups of three after the first of one to three
/// digits, one separator throughout) and dropped, the decimal mark made
/// `.`. `None`: not a number written so.
fn normalize<'a>(field: &[u8], format: NumberFormat, out: &'a mut [u8; 48]) -> Option<&'a [u8]> {
    let (decimal, groups): (u8, &[&[u8]]) = match format {
        NumberFormat::Plain => return None,
        NumberFormat::DecimalComma => (b',', &[b".", b" ", "\u{a0}".as_bytes(), "\u{202f}".as_bytes()]),
        NumberFormat::ThousandsComma => (b'.', &[b","]),
    };
    let (sign, body) = match field {
        [b'-', rest @ ..] => (&b"-"[..], rest),
        _ => (&b""[..], field),
    };
    let (int, fraction) = match body.iter().position(|&b| b == decimal) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let mut len = 0;
    let mut push = |bytes: &[u8], out: &mut [u8; 48]| -> Option<()> {
        out.get_mut(len..len + bytes.len())?.copy_from_slice(bytes);
        len += bytes.len();
        Some(())
    };
    push(sign, out)?;
    // The integer part: digits, or groups joined by one separator.
    let separator = groups.iter().find(|g| int.windows(g.len()).any(|w| w == **g));
    match separator {
        None => {
            if int.is_empty() || !int.iter().all(u8::is_ascii_digit) {
                return None;
            }
            push(int, out)?;
        }
        Some(sep) => {
            let mut rest = int;
            let mut first = true;
            loop {
                let end = rest.windows(sep.len()).position(|w| w == *sep).unwrap_or(rest.len());
                let group = &rest[..end];
                let ok = group.iter().all(u8::is_ascii_digit) && if first { (1..=3).contains(&group.len()) } else { group.len() == 3 };
                if !ok {
                    return None;
                }
                push(group, out)?;
                first = false;
                if end == rest.len() {
                    break;
                }
                rest = &rest[end + sep.len()..];
            }
        }
    }
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.iter().all(u8::is_ascii_digit) {
            return None;
        }
        push(b".", out)?;
        push(fraction, out)?;
    }
    Some(&out[..len])
}

/// An integer in `format` (plain: [`parse_int`]).
pub fn parse_int_in(field: &[u8], format: NumberFormat) -> Option<i64> {
    if format == NumberFormat::Plain {
        return parse_int(field);
    }
    let mut buffer = [0u8; 48];
    let plain = normalize(field, format, &mut buffer)?;
    parse_int(plain)
}

/// A float in `format` (plain: [`parse_float`]).
pub fn parse_float_in(field: &[u8], format: NumberFormat) -> Option<f64> {
    if format == NumberFormat::Plain {
        return parse_float(field);
    }
    let mut buffer = [0u8; 48];
    let plain = normalize(field, format, &mut buffer)?;
    parse_float(plain)
}

/// The kind of a value in `format`, for the numbers only: `Integer`,
/// `Float` or `None`.
pub fn number_kind_in(field: &[u8], format: NumberFormat) -> Option<ColumnKind> {
    if parse_int_in(field, format).is_some() {
        Some(ColumnKind::Integer)
    } else if parse_float_in(field, format).is_some() && !integral_beyond_exact_float(field) {
        Some(ColumnKind::Float)
    } else {
        None
    }
}

/// The format a value that is no plain number asks for, if it is a
/// number in another: `1,5` and `1.000,75` decimal comma; `1,234.5` and
/// `12,345,678` comma thousands. `1,234` is either: `comma_first` decides
/// (a file delimited by `;` writes decimal commas; in a `,`-delimited file
/// the value was quoted, as US exports quote thousands).
pub fn number_format_of(field: &[u8], comma_first: bool) -> Option<(NumberFormat, ColumnKind)> {
    let order = if comma_first {
        [NumberFormat::DecimalComma, NumberFormat::ThousandsComma]
    } else {
        [NumberFormat::ThousandsComma, NumberFormat::DecimalComma]
    };
    order.into_iter().find_map(|format| Some((format, number_kind_in(field, format)?)))
}

/// How a column writes dates other than ISO's `YYYY-MM-DD`: `12/31/2024`
/// (month first) or `31/12/2024`, `31.12.2024` (day first); separators `/`,
/// `.` or `-`, a four-digit year last. A timestamp is such a date, a space
/// and a time (`14:30`, `2:30:05 PM`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DateOrder {
    #[default]
    Iso,
    MonthFirst,
    DayFirst,
}

impl DateOrder {
    pub fn dialect(self) -> Option<&'static str> {
        match self {
            DateOrder::Iso => None,
            DateOrder::MonthFirst => Some("month-first dates"),
            DateOrder::DayFirst => Some("day-first dates"),
        }
    }
}

/// `A?B?YYYY` with one separator among `/ . -`: (A, B, year, length).
fn slash_date_parts(field: &[u8]) -> Option<(u32, u32, i32, usize)> {
    let digits_at = |at: usize| -> (u32, usize) {
        let mut value: u32 = 0;
        let mut n = 0;
        while let Some(d) = field.get(at + n).filter(|b| b.is_ascii_digit()) {
            // Saturating: a long run of digits is no date part (its length
            // says so below) and must not overflow (found by fuzzing).
            value = value.saturating_mul(10).saturating_add((d - b'0') as u32);
            n += 1;
        }
        (value, n)
    };
    let (a, na) = digits_at(0);
    if !(1..=2).contains(&na) {
        return None;
    }
    let sep = *field.get(na)?;
    if !matches!(sep, b'/' | b'.' | b'-') {
        return None;
    }
    let (b, nb) = digits_at(na + 1);
    if !(1..=2).contains(&nb) || field.get(na + 1 + nb) != Some(&sep) {
        return None;
    }
    let year_at = na + nb + 2;
    let (year, ny) = digits_at(year_at);
    if ny != 4 {
        return None;
    }
    Some((a, b, year as i32, year_at + 4))
}

fn civil(year: i32, month: u32, day: u32) -> Option<i32> {
    ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then(|| days_from_civil(year, month, day))
}

/// A date in `order` (ISO: [`parse_date`]).
pub fn parse_date_in(field: &[u8], order: DateOrder) -> Option<i32> {
    // ISO dates read the same whatever the order.
    if let Some(days) = parse_date(field) {
        return Some(days);
    }
    let (a, b, year, len) = match order {
        DateOrder::Iso => return None,
        _ => slash_date_parts(field)?,
    };
    if len != field.len() {
        return None;
    }
    let (month, day) = if order == DateOrder::MonthFirst { (a, b) } else { (b, a) };
    civil(year, month, day)
}

/// `H:MM[:SS[.fraction]][ AM|PM]` → microseconds of the day.
fn parse_clock(text: &[u8]) -> Option<i64> {
    let (clock, meridiem) = match text {
        [rest @ .., b' ', m, b'M' | b'm'] if matches!(m, b'A' | b'a' | b'P' | b'p') => (rest, Some(matches!(m, b'P' | b'p'))),
        [rest @ .., m, b'M' | b'm'] if matches!(m, b'A' | b'a' | b'P' | b'p') => (rest, Some(matches!(m, b'P' | b'p'))),
        _ => (text, None),
    };
    let colon = clock.iter().position(|&b| b == b':')?;
    if !(1..=2).contains(&colon) {
        return None;
    }
    let mut hour = 0u32;
    for &b in &clock[..colon] {
        hour = hour * 10 + b.checked_sub(b'0').filter(|d| *d <= 9)? as u32;
    }
    // The rest as an ISO time after a fixed date: minutes, seconds, fraction.
    let iso = *b"1970-01-01T00:";
    let mut buffer = [0u8; 40];
    let rest = &clock[colon + 1..];
    if rest.len() + 14 > buffer.len() {
        return None;
    }
    buffer[..14].copy_from_slice(&iso);
    buffer[14..14 + rest.len()].copy_from_slice(rest);
    let ts = parse_timestamp(&buffer[..14 + rest.len()])?;
    if ts.zoned {
        return None;
    }
    let hour = match meridiem {
        None if hour <= 23 => hour,
        Some(pm) if (1..=12).contains(&hour) => hour % 12 + if pm { 12 } else { 0 },
        _ => return None,
    };
    Some(ts.micros + hour as i64 * 3_600_000_000)
}

/// A timestamp in `order`: a date in that order (ISO too), a space, a time
/// with an optional AM/PM; ISO timestamps as [`parse_timestamp`].
pub fn parse_timestamp_in(field: &[u8], order: DateOrder) -> Option<Timestamp> {
    if let Some(ts) = parse_timestamp(field) {
        return Some(ts);
    }
    let space = field.iter().position(|&b| b == b' ')?;
    let days = parse_date_in(&field[..space], order)?;
    let micros = parse_clock(&field[space + 1..])?;
    Some(Timestamp { micros: days as i64 * MICROS_PER_DAY + micros, zoned: false })
}

/// The date order a value asks for, if it is a date or timestamp only in
/// another order than ISO's (or an ISO date with an AM/PM time): the order,
/// whether the value decides it (a part above 12), and its kind. Dotted
/// dates are day first; slashes take `day_first_default` when both read.
pub fn date_order_of(field: &[u8], day_first_default: bool) -> Option<(DateOrder, bool, ColumnKind)> {
    let date_end = field.iter().position(|&b| b == b' ').unwrap_or(field.len());
    let kind = if date_end == field.len() { ColumnKind::Date } else { ColumnKind::Timestamp };
    if kind == ColumnKind::Timestamp && parse_timestamp_in(field, DateOrder::Iso).is_some() {
        return Some((DateOrder::Iso, true, kind));
    }
    let (a, b, _, _) = slash_date_parts(&field[..date_end])?;
    let (order, decided) = if a > 12 {
        (DateOrder::DayFirst, true)
    } else if b > 12 {
        (DateOrder::MonthFirst, true)
    } else if field[1..3].contains(&b'.') || day_first_default {
        (DateOrder::DayFirst, false)
    } else {
        (DateOrder::MonthFirst, false)
    };
    let reads = match kind {
        ColumnKind::Date => parse_date_in(field, order).is_some(),
        _ => parse_timestamp_in(field, order).is_some(),
    };
    reads.then_some((order, decided, kind))
}

/// Whether a date in slashes decides the order (a part above 12): the
/// order it decides.
pub fn deciding_order(field: &[u8]) -> Option<DateOrder> {
    let end = field.iter().position(|&b| b == b' ').unwrap_or(field.len());
    let (a, b, _, _) = slash_date_parts(&field[..end])?;
    if a > 12 {
        Some(DateOrder::DayFirst)
    } else if b > 12 {
        Some(DateOrder::MonthFirst)
    } else {
        None
    }
}

/// How a column writes its values when not the plain way: numbers and dates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dialect {
    pub number: NumberFormat,
    pub dates: DateOrder,
    /// A value decided the date order (else every day and month was 12 or
    /// less and the order was picked).
    pub dates_decided: bool,
}

const AMBIGUOUS: &str = " (ambiguous: picked, no day above 12)";

impl Dialect {
    /// The words the schema shows for a column of `kind`.
    pub fn describe(self, kind: ColumnKind) -> Option<String> {
        match kind {
            ColumnKind::Integer | ColumnKind::Float => self.number.dialect().map(String::from),
            ColumnKind::Date | ColumnKind::Timestamp => {
                let order = self.dates.dialect()?;
                Some(if self.dates_decided { order.to_string() } else { format!("{order}{AMBIGUOUS}") })
            }
            _ => None,
        }
    }

    /// Back from [`Dialect::describe`]'s words.
    pub fn parse(text: &str) -> Dialect {
        let mut dialect = Dialect::default();
        if let Some(number) = NumberFormat::from_dialect(text) {
            dialect.number = number;
        } else if text.starts_with("month-first") {
            dialect.dates = DateOrder::MonthFirst;
        } else if text.starts_with("day-first") {
            dialect.dates = DateOrder::DayFirst;
        }
        dialect.dates_decided = !text.ends_with(AMBIGUOUS);
        dialect
    }
}

/// A date or timestamp (its days part) in `order` written in the other
/// order: day and month swapped. Only for values whose day is 12 or less
/// (an undecided column's).
pub fn swap_day_month(days: i32) -> i32 {
    let (year, month, day) = crate::calendar::civil_from_days(days);
    days_from_civil(year, day, month)
}

/// The narrowest kind that holds values of both kinds.
pub fn join(a: ColumnKind, b: ColumnKind) -> ColumnKind {
    use ColumnKind::*;
    match (a, b) {
        _ if a == b => a,
        (Integer, Float) | (Float, Integer) => Float,
        (Date, Timestamp) | (Timestamp, Date) => Timestamp,
        _ => String,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_runs_of_digits_are_not_date_parts_and_do_not_overflow() {
        // Found by fuzzing (fuzz/regressions/ingest/date-digits-overflow):
        // `99999999999/1/2024` overflowed the day-or-month part.
        assert_eq!(super::slash_date_parts(b"99999999999/1/2024"), None);
        assert_eq!(super::slash_date_parts(b"1/99999999999/2024"), None);
        assert!(super::slash_date_parts(b"12/31/99999999999").map_or(true, |(_, _, _, len)| len > 0));
        assert!(super::slash_date_parts(b"12/31/2024").is_some());
    }

    use super::*;
    use ColumnKind::*;

    #[test]
    fn classify_table() {
        let cases: &[(&str, ColumnKind)] = &[
            ("true", Boolean),
            ("FALSE", Boolean),
            ("True", Boolean),
            ("tRUE", String),
            ("0", Integer),
            ("-0", Integer),
            ("42", Integer),
            ("-9223372036854775808", Integer),
            ("9223372036854775807", Integer),
            ("9223372036854775808", Float),
            ("007", String),
            ("-01.5", String),
            ("0.5", Float),
            ("+5", String),
            ("+4917012345", String),
            ("1.5", Float),
            ("-.5", Float),
            ("1e10", Float),
            ("1E-3", Float),
            ("NaN", Float),
            ("-Infinity", Float),
            ("nan", String),
            ("infinity", String),
            ("1,5", String),
            ("1.2.3", String),
            ("2024-02-29", Date),
            ("2023-02-29", String),
            ("2024-13-01", String),
            ("2024-1-01", String),
            ("2024-01-02T03:04:05", Timestamp),
            ("2024-01-02 03:04", Timestamp),
            ("2024-01-02T03:04:05.123456Z", Timestamp),
            ("2024-01-02T03:04:05.123456789Z", String),
            ("2024-01-02T03:04:05.123000000Z", Timestamp),
            ("2024-01-02T03:04:05+02:00", Timestamp),
            ("2024-01-02T03:04:05-0530", Timestamp),
            ("2024-01-02T03:04:05+01", Timestamp),
            ("2024-01-02T24:00:00", String),
            ("2024-01-02T03:04:05.", String),
            ("2024-01-02X03:04:05", String),
            ("hello", String),
            ("", String),
        ];
        for (text, kind) in cases {
            assert_eq!(classify(text.as_bytes()), *kind, "{text:?}");
        }
    }

    #[test]
    fn integers_parse_exactly() {
        assert_eq!(parse_int(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_int(b"12345"), Some(12345));
        assert_eq!(parse_int(b"-"), None);
        assert_eq!(parse_int(b"1 2"), None);
    }

    #[test]
    fn dates_and_timestamps_are_epoch_based() {
        assert_eq!(parse_date(b"1970-01-01"), Some(0));
        assert_eq!(parse_date(b"1969-12-31"), Some(-1));
        assert_eq!(parse_date(b"2000-03-01"), Some(11_017));
        let ts = |s: &str| parse_timestamp(s.as_bytes()).unwrap();
        assert_eq!(ts("1970-01-01T00:00:01Z"), super::Timestamp { micros: 1_000_000, zoned: true });
        assert_eq!(ts("1970-01-01 00:00:00.5"), super::Timestamp { micros: 500_000, zoned: false });
        assert_eq!(ts("1970-01-01T02:00:00+02:00").micros, 0);
        assert_eq!(ts("1969-12-31T19:00:00-05:00").micros, 0);
        assert_eq!(ts("2024-01-02").micros, parse_date(b"2024-01-02").unwrap() as i64 * MICROS_PER_DAY);
    }

    #[test]
    fn plain_decimals_read_like_the_standard_parser() {
        for text in ["0", "1.5", "-0.25", "123456789012345", "0.1", "0.30000000000000004", "99.99", "1.", ".5", "-.5", "0.000001", "7.000"] {
            assert_eq!(parse_float(text.as_bytes()), text.parse::<f64>().ok(), "{text}");
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let text = format!("{}.{:0width$}", x % 1_000_000, (x >> 20) % 1_000_000_000, width = (x % 9 + 1) as usize);
            assert_eq!(parse_float(text.as_bytes()).map(f64::to_bits), text.parse::<f64>().ok().map(f64::to_bits), "{text}");
        }
    }

    #[test]
    fn calendar_arithmetic_matches_chrono() {
        use chrono::{Datelike, NaiveDate};
        let mut date = NaiveDate::from_ymd_opt(1600, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(2500, 12, 31).unwrap();
        while date <= end {
            let text = date.format("%Y-%m-%d").to_string();
            assert_eq!(parse_date(text.as_bytes()), Some(date.num_days_from_ce() - 719_163), "{text}");
            date = date.succ_opt().unwrap();
        }
        assert_eq!(parse_date(b"2100-02-29"), None);
        assert_eq!(parse_date(b"2000-02-29"), Some(11_016));
        assert_eq!(parse_date(b"2024-04-31"), None);
    }

    #[test]
    fn integers_beyond_float_precision() {
        assert!(!integral_beyond_exact_float(b"9007199254740992"));
        assert!(integral_beyond_exact_float(b"9007199254740993"));
        assert!(integral_beyond_exact_float(b"-99999999999999999999"));
        assert!(!integral_beyond_exact_float(b"1.5"));
    }

    #[test]
    fn number_dialects() {
        use NumberFormat::*;
        let cases: &[(&str, NumberFormat, Option<f64>)] = &[
            ("1,5", DecimalComma, Some(1.5)),
            ("1.000,75", DecimalComma, Some(1000.75)),
            ("-1.234.567,5", DecimalComma, Some(-1_234_567.5)),
            ("1 234,5", DecimalComma, Some(1234.5)),
            ("1\u{a0}234,5", DecimalComma, Some(1234.5)),
            ("1.000", DecimalComma, Some(1000.0)),
            ("0,25", DecimalComma, Some(0.25)),
            ("1.5", DecimalComma, None),
            ("1.00.000", DecimalComma, None),
            ("1.000 000", DecimalComma, None),
            ("1,", DecimalComma, None),
            (",5", DecimalComma, None),
            ("1,234.5", ThousandsComma, Some(1234.5)),
            ("12,345,678", ThousandsComma, Some(12_345_678.0)),
            ("1,23", ThousandsComma, None),
            ("1234,567", ThousandsComma, None),
            ("007", ThousandsComma, None),
            ("abc", DecimalComma, None),
        ];
        for (text, format, want) in cases {
            assert_eq!(parse_float_in(text.as_bytes(), *format), *want, "{text} {format:?}");
        }
        assert_eq!(parse_int_in(b"1.000", DecimalComma), Some(1000));
        assert_eq!(parse_int_in(b"1,000,000", ThousandsComma), Some(1_000_000));
        assert_eq!(number_format_of(b"1,5", false), Some((DecimalComma, Float)));
        assert_eq!(number_format_of(b"1,234", false), Some((ThousandsComma, Integer)));
        assert_eq!(number_format_of(b"1,234", true), Some((DecimalComma, Float)));
        assert_eq!(number_format_of(b"1.000,75", false), Some((DecimalComma, Float)));
        assert_eq!(number_format_of(b"hello, world", true), None);
    }

    #[test]
    fn date_dialects() {
        use DateOrder::*;
        let day = |y, m, d| days_from_civil(y, m, d);
        assert_eq!(parse_date_in(b"12/31/2024", MonthFirst), Some(day(2024, 12, 31)));
        assert_eq!(parse_date_in(b"12/31/2024", DayFirst), None);
        assert_eq!(parse_date_in(b"13/02/2024", DayFirst), Some(day(2024, 2, 13)));
        assert_eq!(parse_date_in(b"1.2.2024", DayFirst), Some(day(2024, 2, 1)));
        assert_eq!(parse_date_in(b"29/02/2023", DayFirst), None);
        assert_eq!(parse_date_in(b"1/2/24", DayFirst), None);
        assert_eq!(parse_date_in(b"1/2.2024", DayFirst), None);
        let ts = |t: &str, o| parse_timestamp_in(t.as_bytes(), o).map(|ts| ts.micros);
        let at = |d: i32, h: i64, m: i64, s: i64| d as i64 * MICROS_PER_DAY + ((h * 60 + m) * 60 + s) * 1_000_000;
        assert_eq!(ts("12/31/2024 3:04 PM", MonthFirst), Some(at(day(2024, 12, 31), 15, 4, 0)));
        assert_eq!(ts("12/31/2024 12:00 AM", MonthFirst), Some(at(day(2024, 12, 31), 0, 0, 0)));
        assert_eq!(ts("12/31/2024 12:30:15 pm", MonthFirst), Some(at(day(2024, 12, 31), 12, 30, 15)));
        assert_eq!(ts("31.12.2024 23:59", DayFirst), Some(at(day(2024, 12, 31), 23, 59, 0)));
        assert_eq!(ts("2024-01-02 3:04 PM", Iso), Some(at(day(2024, 1, 2), 15, 4, 0)));
        assert_eq!(ts("2024-01-02 13:04 PM", Iso), None);
        assert_eq!(ts("2024-01-02 0:04 AM", Iso), None);
        assert_eq!(ts("12/31/2024 3:4 PM", MonthFirst), None);
        assert_eq!(date_order_of(b"13/02/2024", false), Some((DayFirst, true, Date)));
        assert_eq!(date_order_of(b"12/31/2024", true), Some((MonthFirst, true, Date)));
        assert_eq!(date_order_of(b"02/03/2024", false), Some((MonthFirst, false, Date)));
        assert_eq!(date_order_of(b"02/03/2024", true), Some((DayFirst, false, Date)));
        assert_eq!(date_order_of(b"02.03.2024", false), Some((DayFirst, false, Date)));
        assert_eq!(date_order_of(b"2024-01-02 3:04 PM", false), Some((Iso, true, Timestamp)));
        assert_eq!(date_order_of(b"13/13/2024", false), None);
        assert_eq!(date_order_of(b"hello", false), None);
    }

    #[test]
    fn lattice_joins() {
        assert_eq!(join(Integer, Float), Float);
        assert_eq!(join(Date, Timestamp), Timestamp);
        assert_eq!(join(Integer, Date), String);
        assert_eq!(join(Boolean, Integer), String);
        assert_eq!(join(Float, Float), Float);
    }

    #[test]
    fn trimming_spaces_and_tabs() {
        assert_eq!(trim(b"  12\t"), b"12");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(trim(b""), b"");
    }
}
