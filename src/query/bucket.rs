//! Derived group keys: time buckets of date and timestamp columns, and
//! numeric bins.

use std::sync::Arc;

use arrow_array::types::{Date32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, Float64Array};
use arrow_schema::DataType;

use super::domain::{self, Kind};
use super::group::RowSet;
use super::spec::{Bins, TimeUnit};
use crate::calendar::{
    civil_from_days, day_of_micros, days_from_civil, monday_of_week, MICROS_PER_DAY, MICROS_PER_HOUR,
    MICROS_PER_MINUTE,
};
use crate::error::{QuiverError, Result};

/// The start of the `unit` each value falls in (UTC), in the column's type.
pub fn time_bucket(array: &ArrayRef, unit: TimeUnit, name: &str) -> Result<ArrayRef> {
    if Kind::of(array.data_type()) != Kind::Time {
        return Err(QuiverError::InvalidQuery(format!(
            "a time bucket needs a date or timestamp column; \"{name}\" holds {} values",
            Kind::of(array.data_type()).name()
        )));
    }
    let truncated = domain::micros(array).unary::<_, Int64Type>(|m| truncate(m, unit));
    Ok(match array.data_type() {
        DataType::Date32 => Arc::new(truncated.unary::<_, Date32Type>(|m| (m / MICROS_PER_DAY) as i32)),
        DataType::Timestamp(_, zone) => Arc::new(
            truncated.reinterpret_cast::<TimestampMicrosecondType>().with_timezone_opt(zone.clone()),
        ),
        _ => unreachable!("checked above"),
    })
}

/// The start (in UTC microseconds) of the `unit` containing `micros`.
pub fn truncate(micros: i64, unit: TimeUnit) -> i64 {
    let floor = |step: i64| micros.div_euclid(step) * step;
    let day = day_of_micros(micros);
    let start_of = |days: i32| days as i64 * MICROS_PER_DAY;
    match unit {
        TimeUnit::Minute => floor(MICROS_PER_MINUTE),
        TimeUnit::Hour => floor(MICROS_PER_HOUR),
        TimeUnit::Day => floor(MICROS_PER_DAY),
        TimeUnit::Week => start_of(monday_of_week(day)),
        TimeUnit::Month => {
            let (y, m, _) = civil_from_days(day);
            start_of(days_from_civil(y, m, 1))
        }
        TimeUnit::Quarter => {
            let (y, m, _) = civil_from_days(day);
            start_of(days_from_civil(y, (m - 1) / 3 * 3 + 1, 1))
        }
        TimeUnit::Year => {
            let (y, _, _) = civil_from_days(day);
            start_of(days_from_civil(y, 1, 1))
        }
    }
}

/// Numeric bins: the lower bound of each value's bin, and the bin width.
/// With `count`, `count` equal bins span the minimum to the maximum of the
/// selected values (the maximum falls in the last bin); with `step`, bins
/// start at multiples of `step`. NaN and null values have no bin (null).
pub fn bins(array: &ArrayRef, bins: &Bins, rows: &RowSet, name: &str) -> Result<(ArrayRef, f64)> {
    if !matches!(Kind::of(array.data_type()), Kind::Integer | Kind::Float) {
        return Err(QuiverError::InvalidQuery(format!(
            "bins need a number column; \"{name}\" holds {} values",
            Kind::of(array.data_type()).name()
        )));
    }
    let values = domain::floats(array);
    let lower = |f: &dyn Fn(f64) -> f64| -> ArrayRef {
        Arc::new(values.iter().map(|v| v.filter(|v| v.is_finite()).map(f)).collect::<Float64Array>())
    };
    match (bins.count, bins.step) {
        (None, Some(step)) if step > 0.0 && step.is_finite() => Ok((lower(&|v| (v / step).floor() * step), step)),
        (Some(count), None) if count >= 1 => {
            let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
            rows.for_each(|row| {
                let v = values.value(row);
                if values.is_valid(row) && v.is_finite() {
                    min = min.min(v);
                    max = max.max(v);
                }
            });
            if min > max {
                return Ok((lower(&|_| f64::NAN), 0.0));
            }
            let step = if max > min { (max - min) / count as f64 } else { 1.0 };
            let last = (count - 1) as f64;
            Ok((lower(&|v| ((v - min) / step).floor().clamp(0.0, last) * step + min), step))
        }
        _ => Err(QuiverError::InvalidQuery(format!(
            "bins of \"{name}\" need either a count of at least 1 or a positive step"
        ))),
    }
}

/// Bucket of each timestamp as text, for tests and messages.
#[cfg(test)]
fn bucket_text(micros: i64, unit: TimeUnit) -> String {
    let mut text = String::new();
    crate::format::format_timestamp(truncate(micros, unit), false, &mut text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use crate::ingest::infer::parse_timestamp;

    #[test]
    fn buckets_start_where_expected() {
        let at = parse_timestamp(b"2024-05-15T13:47:21.5Z").unwrap().micros;
        for (unit, want) in [
            (TimeUnit::Year, "2024-01-01T00:00:00"),
            (TimeUnit::Quarter, "2024-04-01T00:00:00"),
            (TimeUnit::Month, "2024-05-01T00:00:00"),
            (TimeUnit::Week, "2024-05-13T00:00:00"),
            (TimeUnit::Day, "2024-05-15T00:00:00"),
            (TimeUnit::Hour, "2024-05-15T13:00:00"),
            (TimeUnit::Minute, "2024-05-15T13:47:00"),
        ] {
            assert_eq!(bucket_text(at, unit), want, "{unit:?}");
        }
        let before_epoch = parse_timestamp(b"1969-12-31T23:59:59Z").unwrap().micros;
        assert_eq!(bucket_text(before_epoch, TimeUnit::Day), "1969-12-31T00:00:00");
        assert_eq!(bucket_text(before_epoch, TimeUnit::Week), "1969-12-29T00:00:00");
    }

    #[test]
    fn count_bins_span_min_to_max() {
        let values: ArrayRef = Arc::new(Float64Array::from(vec![Some(0.0), Some(10.0), None, Some(5.0), Some(9.99)]));
        let (lower, step) = bins(&values, &Bins { count: Some(2), step: None }, &RowSet::All(5), "x").unwrap();
        assert_eq!(step, 5.0);
        let lower = lower.as_primitive::<arrow_array::types::Float64Type>();
        assert_eq!(lower.iter().collect::<Vec<_>>(), [Some(0.0), Some(5.0), None, Some(5.0), Some(5.0)]);
        let (lower, _) = bins(&values, &Bins { count: None, step: Some(4.0) }, &RowSet::All(5), "x").unwrap();
        let lower = lower.as_primitive::<arrow_array::types::Float64Type>();
        assert_eq!(lower.iter().collect::<Vec<_>>(), [Some(0.0), Some(8.0), None, Some(4.0), Some(8.0)]);
        assert!(bins(&values, &Bins { count: Some(0), step: None }, &RowSet::All(5), "x").is_err());
    }
}
